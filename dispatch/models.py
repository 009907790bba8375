"""Text intelligence: routing appeals to departments and places, duplicates, hot spots.

Stored here: the versions of the routing classifier, the responsibility catalogue used before (and
beside) a model, and the labelled examples later versions learn from.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ClassifierVersion(models.Model):
    """One trained routing model (分类模型版本), with what it learned from and how well it did.

    The model itself is stored in the database (compressed) rather than as a file under var/: a
    version then lives and dies with its row, is covered by the database backup, is visible to every
    application server without shared storage, and activating it is one transaction.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("trained by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    trained_on = models.CharField(_("trained on"), max_length=300, help_text=_("Where the training examples came from."))
    n_samples = models.PositiveIntegerField(_("training examples"))
    labels = models.JSONField(_("labels"), default=list)
    metrics = models.JSONField(_("cross-validated metrics"), default=dict, blank=True)
    model = models.BinaryField(_("model"), editable=False)
    model_sha256 = models.CharField(_("model checksum"), max_length=64, editable=False)
    is_active = models.BooleanField(_("active"), default=False)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)

    class Meta:
        verbose_name = _("classifier version")
        verbose_name_plural = _("classifier versions")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True),
                                    name="dispatch_one_active_classifier"),
        ]

    def __str__(self):
        return f"v{self.version}"

    @property
    def macro_f1(self):
        return self.metrics.get("macro_f1")


class CatalogueEntry(models.Model):
    """A line of the responsibility catalogue (权责清单 / 派单目录): a phrase that, when an appeal
    mentions it, points to a department and/or a category."""

    phrase = models.CharField(_("phrase"), max_length=100)
    department = models.ForeignKey(
        "orgs.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="catalogue_entries",
    )
    label = models.CharField(_("category"), max_length=100, blank=True)
    weight = models.FloatField(_("weight"), default=1.0, help_text=_("How strongly the phrase points to the target."))
    note = models.CharField(_("note"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("catalogue entry (派单目录)")
        verbose_name_plural = _("responsibility catalogue (权责清单)")
        ordering = ["phrase"]
        constraints = [
            models.CheckConstraint(condition=Q(department__isnull=False) | ~Q(label=""),
                                   name="catalogue_entry_has_target"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="catalogue_entry_positive_weight"),
            models.UniqueConstraint(fields=["phrase", "department", "label"], name="catalogue_entry_unique"),
        ]

    def __str__(self):
        from dispatch.labels import display

        target = self.department.name if self.department_id else display(self.label)
        return f"{self.phrase} → {target}"


class ExampleSource(models.TextChoices):
    IMPORT = "import", _("Imported history")
    CLOSED = "closed", _("Closed appeal")
    CORRECTION = "correction", _("Dispatcher correction")


class TrainingExample(models.Model):
    """A labelled text the next model learns from. The text is stored in its analysis form
    (normalised, phone and ID numbers masked): training data carries no personal numbers."""

    text = models.TextField(_("text"))
    label = models.CharField(_("label"), max_length=100, db_index=True)
    source = models.CharField(_("source"), max_length=16, choices=ExampleSource.choices)
    # Where it came from, e.g. "appeal:123"; a plain reference so dispatch does not depend on appeals' tables.
    reference = models.CharField(_("reference"), max_length=64, blank=True, db_index=True)
    predicted_label = models.CharField(_("predicted label"), max_length=100, blank=True)
    classifier_version = models.ForeignKey(
        ClassifierVersion, verbose_name=_("classifier version"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("training example")
        verbose_name_plural = _("training examples")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.label}: {self.text[:30]}"


class TopicStatus(models.TextChoices):
    OPEN = "open", _("Open (待办)")
    IN_PROGRESS = "in_progress", _("In progress (推进中)")
    DONE = "done", _("Done (已完成)")


class MonthlyTopic(models.Model):
    """每月一题: a matter many residents raised (a hot spot) that a supervisor turns into a tracked item
    with an owner department, so that it is solved at its root rather than one appeal at a time."""

    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    owner_department = models.ForeignKey(
        "orgs.Department", verbose_name=_("owner department"), on_delete=models.PROTECT,
        related_name="monthly_topics",
    )
    # The month the topic belongs to, stored as its first day.
    period = models.DateField(_("month"))
    status = models.CharField(_("status"), max_length=16, choices=TopicStatus.choices, default=TopicStatus.OPEN,
                              db_index=True)
    key_words = models.JSONField(_("key words"), default=list, blank=True)
    # The hot spot's appeals as the supervisor saw them (ids), kept as a record even if an appeal is
    # later deleted; the link table below is what pages follow.
    source_appeal_ids = models.JSONField(_("appeals it came from"), default=list, blank=True)
    status_note = models.CharField(_("progress note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("monthly topic (每月一题)")
        verbose_name_plural = _("monthly topics (每月一题)")
        ordering = ["-period", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["open", "in_progress", "done"]),
                                   name="monthly_topic_known_status"),
        ]

    def __str__(self):
        return f"{self.period:%Y-%m} {self.title}"


class MonthlyTopicAppeal(models.Model):
    """Link between a 每月一题 topic and one of its appeals: appeals knows nothing of topics."""

    topic = models.ForeignKey(MonthlyTopic, verbose_name=_("topic"), on_delete=models.CASCADE,
                              related_name="appeal_links")
    appeal = models.ForeignKey("appeals.Appeal", verbose_name=_("appeal"), on_delete=models.CASCADE,
                               related_name="+")

    class Meta:
        verbose_name = _("appeal of a monthly topic")
        verbose_name_plural = _("appeals of monthly topics")
        constraints = [models.UniqueConstraint(fields=["topic", "appeal"], name="monthly_topic_appeal_unique")]

    def __str__(self):
        return f"{self.topic_id} → {self.appeal_id}"
