"""民生实事 targets: what a city promised for the year, the indicator each is measured by, its quarterly
milestones, the figures departments report for indicators the platform cannot see (填报 → 审核), the
progress kept as a monthly time series, and the monthly reports built from it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets.registry import Aggregation, Direction


class ReportedIndicator(models.Model):
    """An indicator the platform cannot compute (家庭医生签约率, 县域住院人次占比 …): the departments of
    ``department_kind`` report it per unit and month; a rate always as numerator and denominator."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=20, blank=True)
    is_rate = models.BooleanField(_("a rate (numerator ÷ denominator)"), default=False)
    numerator_label = models.CharField(_("numerator"), max_length=60, blank=True)
    denominator_label = models.CharField(_("denominator"), max_length=60, blank=True)
    department_kind = models.CharField(_("reported by departments of type"), max_length=32)
    direction = models.CharField(_("better when it"), max_length=8, choices=Direction.choices, default=Direction.RISE)
    # Stock figures (contracts in force) take the latest month; flows (visits) add the months up.
    cumulative = models.BooleanField(_("months add up over the year"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("reported indicator")
        verbose_name_plural = _("reported indicators")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def registry_code(self) -> str:
        return f"reported.{self.code}"

    @property
    def aggregation(self) -> str:
        return Aggregation.RATIO if self.is_rate else Aggregation.SUM


class Status(models.TextChoices):
    ON_TRACK = "on_track", _("On track (正常推进)")
    AT_RISK = "at_risk", _("At risk (存在风险)")
    BEHIND = "behind", _("Behind (进度滞后)")
    DONE = "done", _("Achieved (已完成)")
    NO_DATA = "no_data", _("No data yet (暂无数据)")


class Target(models.Model):
    """One item of the 民生实事 list: a promise for a year, measured by one indicator."""

    title = models.CharField(_("title"), max_length=200)
    public_wording = models.TextField(
        _("public wording"), blank=True, help_text=_("How the 民生实事 list published to residents states it.")
    )
    owner_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("owner unit"), on_delete=models.PROTECT, related_name="+"
    )
    owner_department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    # A code of the registry (targets.registry) or "reported.<code>" for a ReportedIndicator.
    indicator_code = models.CharField(_("indicator"), max_length=80)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2)
    target_value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.RISE)
    covered_units = models.ManyToManyField(
        "orgs.Unit",
        verbose_name=_("units covered"),
        blank=True,
        related_name="+",
        help_text=_("Empty: the owner unit and everything below it."),
    )
    is_public = models.BooleanField(_("on the public 民生实事 list"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=50)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    # The latest progress point, kept on the row so lists and the dashboard read one table.
    current_value = models.DecimalField(
        _("current value"), max_digits=14, decimal_places=2, null=True, blank=True, editable=False
    )
    current_status = models.CharField(_("status"), max_length=12, choices=Status.choices, blank=True, editable=False)
    current_reason = models.CharField(_("reason"), max_length=300, blank=True, editable=False)
    current_as_of = models.DateField(_("as of"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("民生实事 target")
        verbose_name_plural = _("民生实事 targets")
        ordering = ["year", "owner_unit__path", "order", "pk"]
        indexes = [models.Index(fields=["year", "owner_unit"], name="target_year_unit")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(direction="rise") & Q(target_value__gt=models.F("baseline")))
                | (Q(direction="fall") & Q(target_value__lt=models.F("baseline"))),
                name="target_value_beyond_baseline",
            ),
        ]

    def __str__(self):
        return f"{self.year} · {self.title}"


class Milestone(models.Model):
    """A value the target should reach by a date within its year (usually each quarter's end)."""

    target = models.ForeignKey(Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="milestones")
    due_on = models.DateField(_("due on"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["target_id", "due_on"]
        constraints = [models.UniqueConstraint(fields=["target", "due_on"], name="milestone_one_per_day")]

    def __str__(self):
        return f"{self.due_on}: {self.value}"


def evidence_path(instance, filename):
    return f"targets/evidence/{instance.target_id or 'report'}/{filename}"


class Evidence(models.Model):
    """A file or photo that shows the work (a canteen open, a signed list), of a target or a report."""

    target = models.ForeignKey(
        Target, verbose_name=_("target"), null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    report = models.ForeignKey(
        "IndicatorReport",
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    file = models.FileField(_("file"), upload_to=evidence_path)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.caption or self.file.name


class ReportState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, waiting for review (待审核)")
    APPROVED = "approved", _("Approved (已审核)")
    RETURNED = "returned", _("Returned for correction (退回)")


class IndicatorReport(models.Model):
    """A department's figure for a reported indicator, one unit and month: 填报 by the department, 审核 by
    the unit above. Once approved it changes only with a reason (audited)."""

    indicator = models.ForeignKey(
        ReportedIndicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="reports"
    )
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    numerator = models.DecimalField(_("value / numerator"), max_digits=14, decimal_places=2)
    denominator = models.DecimalField(_("denominator"), max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    state = models.CharField(_("state"), max_length=12, choices=ReportState.choices, default=ReportState.SUBMITTED)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("indicator report")
        verbose_name_plural = _("indicator reports")
        ordering = ["-month", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit", "month"], name="report_one_per_unit_month"),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(numerator__lte=models.F("denominator")),
                name="report_numerator_within_denominator",
            ),
            models.CheckConstraint(condition=Q(numerator__gte=0), name="report_numerator_not_negative"),
        ]

    def __str__(self):
        return f"{self.indicator} · {self.unit} · {self.month:%Y-%m}"


class ProgressPoint(models.Model):
    """The target's value at the end of a month (or today, for the month running), the value the
    expected path asks for then, and the status that follows."""

    target = models.ForeignKey(Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="points")
    on = models.DateField(_("as of"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2, null=True, blank=True)
    numerator = models.DecimalField(_("numerator"), max_digits=16, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField(_("denominator"), max_digits=16, decimal_places=2, null=True, blank=True)
    expected = models.DecimalField(_("expected"), max_digits=14, decimal_places=2)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    computed_at = models.DateTimeField(_("computed"), auto_now=True)

    class Meta:
        verbose_name = _("progress point")
        verbose_name_plural = _("progress points")
        ordering = ["target_id", "on"]
        constraints = [models.UniqueConstraint(fields=["target", "on"], name="progress_one_per_day")]

    def __str__(self):
        return f"{self.target_id} · {self.on}: {self.value}"


class MonthlyReportState(models.TextChoices):
    BUILDING = "building", _("Being built")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


def report_path(instance, filename):
    return f"targets/reports/{instance.unit.code}/{instance.month:%Y-%m}/v{instance.version}/{filename}"


class MonthlyReport(models.Model):
    """The monthly report of a unit as built at one moment: a Word document and a workbook, kept as
    versions (a month rebuilt after late figures gets the next version number)."""

    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    version = models.PositiveSmallIntegerField(_("version"))
    state = models.CharField(
        _("state"), max_length=10, choices=MonthlyReportState.choices, default=MonthlyReportState.BUILDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    docx = models.FileField(_("Word document"), upload_to=report_path, blank=True)
    xlsx = models.FileField(_("workbook"), upload_to=report_path, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month", "unit__path", "-version"]
        constraints = [models.UniqueConstraint(fields=["unit", "month", "version"], name="monthly_report_version")]

    def __str__(self):
        return f"{self.unit} · {self.month:%Y-%m} · v{self.version}"


class IndicatorSnapshot(models.Model):
    """An indicator's figure for a unit and a past month, kept by the nightly refresh so the dashboard's
    trend, the report and the targets' year to date read a row instead of recounting a year of demands.
    The month running's figures are kept apart (``RunningFigure``)."""

    code = models.CharField(_("indicator"), max_length=80)
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    amount = models.DecimalField(_("value"), max_digits=16, decimal_places=2, null=True, blank=True)
    numerator = models.DecimalField(_("numerator"), max_digits=16, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField(_("denominator"), max_digits=16, decimal_places=2, null=True, blank=True)
    is_rate = models.BooleanField(default=False)
    computed_at = models.DateTimeField(_("computed"), auto_now=True)

    class Meta:
        verbose_name = _("indicator snapshot")
        verbose_name_plural = _("indicator snapshots")
        constraints = [models.UniqueConstraint(fields=["code", "unit", "month"], name="snapshot_one_per_month")]
        indexes = [models.Index(fields=["unit", "month"], name="snapshot_unit_month")]

    def __str__(self):
        return f"{self.code} · {self.unit_id} · {self.month:%Y-%m}"


class RunningFigure(models.Model):
    """An indicator's figure for a unit in the month running, as the dashboard shows it, with its
    breakdown: recomputed every few minutes (``targets_refresh --running``) so that opening the
    dashboard reads rows instead of counting the month live. Replaced whole at each refresh."""

    code = models.CharField(_("indicator"), max_length=80)
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    amount = models.DecimalField(_("value"), max_digits=16, decimal_places=2, null=True, blank=True)
    numerator = models.DecimalField(_("numerator"), max_digits=16, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField(_("denominator"), max_digits=16, decimal_places=2, null=True, blank=True)
    is_rate = models.BooleanField(default=False)
    # [[label, number], …] for an indicator with a breakdown (people per care category).
    breakdown = models.JSONField(null=True, blank=True)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        verbose_name = _("figure of the month running")
        verbose_name_plural = _("figures of the month running")
        constraints = [models.UniqueConstraint(fields=["code", "unit", "month"], name="running_one_per_month")]

    def __str__(self):
        return f"{self.code} · {self.unit_id} · {self.month:%Y-%m}"
