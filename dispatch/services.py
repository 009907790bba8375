"""Writes of the dispatch app: training, activating (and so rolling back) classifier versions, the
responsibility catalogue, the labelled examples later versions learn from, and 每月一题 topics (see
dispatch.topics for why they live here). Each checks the actor's permission and writes an audit row
in the same transaction.

``actor=None`` means the platform itself (a management command run by the operator, or the
scheduled retraining task); the web and the admin always pass the signed-in user.
"""

from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.models import Appeal, State
from appeals.selectors import appeals_visible_to
from core.audit import audit_record
from core.errors import BadInput, NotAllowed
from core.text import normalize
from dispatch import classifier as clf
from dispatch.catalogue import check_phrase
from dispatch.labels import kind_from_name, routing_labels
from dispatch.models import (
    CatalogueEntry,
    ClassifierVersion,
    ExampleSource,
    MonthlyTopic,
    MonthlyTopicAppeal,
    TopicStatus,
    TrainingExample,
)
from dispatch.permissions import (
    may_create_topics,
    may_edit_catalogue_entry,
    may_own_topic,
    may_update_topic,
    require_model_manager,
)

# The scheduled retraining waits until there is something worth learning from.
MIN_EXAMPLES_PER_LABEL = 5


def classifier_train(*, actor, texts: Sequence[str], labels: Sequence[str], trained_on: str,
                     activate: bool = False, params: clf.Params | None = None,
                     progress: clf.Progress | None = None) -> ClassifierVersion:
    """Train on ``texts``/``labels`` (raw or segmented), cross-validate, and store a new version.
    Labels that are department codes are learnt as the department's type and level (dispatch.labels)."""
    require_model_manager(actor)
    labels = routing_labels([str(label).strip() for label in labels])
    pairs = [(t, lab) for t, lab in zip(texts, labels, strict=True) if (t or "").strip() and lab]
    if len(pairs) < 4:
        raise BadInput(_("Training needs at least 4 labelled texts; got %(count)s.") % {"count": len(pairs)})
    if len({lab for _t, lab in pairs}) < 2:
        raise BadInput(_("Training needs at least two different labels."))
    model, metrics = clf.train([t for t, _lab in pairs], [lab for _t, lab in pairs], params=params,
                               progress=progress)
    blob = model.dumps()
    for _attempt in range(3):  # two trainings finishing at once: the unique version number decides
        try:
            with transaction.atomic():
                number = (ClassifierVersion.objects.aggregate(n=Max("version"))["n"] or 0) + 1
                version = ClassifierVersion.objects.create(
                    version=number, created_by=actor if getattr(actor, "pk", None) else None,
                    trained_on=trained_on[:300], n_samples=len(pairs), labels=model.labels, metrics=metrics,
                    model=blob, model_sha256=clf.fingerprint(blob))
                audit_record(actor=actor, verb="dispatch.classifier.train", target=version,
                             data={"n_samples": len(pairs), "macro_f1": metrics.get("macro_f1"),
                                   "trained_on": trained_on[:300]})
                if activate:
                    _activate(actor, version)
            return version
        except IntegrityError:
            continue
    raise BadInput(_("Another training finished at the same time; please try again."))


def _activate(actor, version: ClassifierVersion) -> None:
    previous = ClassifierVersion.objects.select_for_update().filter(is_active=True).first()
    if previous and previous.pk == version.pk:
        return
    ClassifierVersion.objects.filter(is_active=True).update(is_active=False)
    version.is_active, version.activated_at = True, timezone.now()
    version.save(update_fields=["is_active", "activated_at"])
    audit_record(actor=actor, verb="dispatch.classifier.activate", target=version,
                 data={"previous": previous.version if previous else None, "version": version.version})

    from dispatch.selectors import forget_model

    forget_model()  # this process, at once (it reads its own transaction)
    transaction.on_commit(forget_model)  # and once more after the commit, for a read between the two


@transaction.atomic
def classifier_activate(*, actor, version: ClassifierVersion) -> ClassifierVersion:
    """Make ``version`` the one that routes appeals. Activating an older version is the rollback."""
    require_model_manager(actor)
    try:
        clf.TextClassifier.loads(
            ClassifierVersion.objects.values_list("model", flat=True).get(pk=version.pk))
    except clf.ModelError as exc:
        raise BadInput(_("Version %(version)s cannot be loaded (%(error)s); it cannot be activated.")
                       % {"version": version.version, "error": exc}) from None
    _activate(actor, version)
    return version


@transaction.atomic
def catalogue_entry_save(*, actor, entry: CatalogueEntry) -> CatalogueEntry:
    entry.phrase = check_phrase(entry.phrase)
    entry.label = (entry.label or "").strip()
    entry.label = kind_from_name(entry.label) or entry.label  # "卫健" means the department type "health"
    if not entry.department_id and not entry.label:
        raise BadInput(_("Give a department, a category, or both."))
    if entry.weight is None or entry.weight <= 0:
        raise BadInput(_("The weight must be a number above 0."))
    if actor is not None and not may_edit_catalogue_entry(actor, entry):
        raise NotAllowed(_("You may not change catalogue entries of this department."))
    if entry.pk and actor is not None:
        previous = CatalogueEntry.objects.select_related("department__unit").get(pk=entry.pk)
        if not may_edit_catalogue_entry(actor, previous):
            raise NotAllowed(_("You may not change catalogue entries of this department."))
    creating = entry.pk is None
    entry.save()
    audit_record(actor=actor, verb="dispatch.catalogue.create" if creating else "dispatch.catalogue.update",
                 target=entry, data={"phrase": entry.phrase, "department": entry.department_id, "label": entry.label,
                                     "weight": entry.weight, "active": entry.is_active})
    return entry


@transaction.atomic
def training_example_record(*, actor, text: str, label: str, source: str, reference: str = "",
                            predicted_label: str = "", classifier_version: ClassifierVersion | None = None
                            ) -> TrainingExample:
    """Keep a labelled text for the next training: a dispatcher's correction (the department that
    finally handled an appeal, when it differs from the prediction), a closed appeal, an import.
    The text is stored in its analysis form: phone and ID numbers masked."""
    if source not in ExampleSource.values:
        raise BadInput(_("Unknown source of a training example: %(source)s.") % {"source": source})
    analysis = normalize(text)
    label = (label or "").strip()
    if not analysis or not label:
        raise BadInput(_("A training example needs a text and a label."))
    if reference:  # the latest word on an appeal replaces what was recorded for it before
        TrainingExample.objects.filter(reference=reference).delete()
    example = TrainingExample.objects.create(
        text=analysis, label=label, source=source, reference=reference, predicted_label=predicted_label or "",
        classifier_version=classifier_version, created_by=actor if getattr(actor, "pk", None) else None)
    if source == ExampleSource.CORRECTION:
        audit_record(actor=actor, verb="dispatch.correction", target=example,
                     data={"reference": reference, "label": label, "predicted": predicted_label})
    return example


@transaction.atomic
def training_examples_import(*, actor, texts: Sequence[str], labels: Sequence[str], source_name: str) -> int:
    """Keep a deployment's imported history (``dispatch_train FILE``) as training examples, so that
    later retraining (nightly, or ``dispatch_retrain``) learns from it together with the platform's
    own closed appeals. Importing the same source again replaces what was kept from it. Texts are
    stored in their analysis form (phone and ID numbers masked). Returns how many were kept."""
    require_model_manager(actor)
    reference = f"import:{source_name}"[:64]
    TrainingExample.objects.filter(source=ExampleSource.IMPORT, reference=reference).delete()
    created_by = actor if getattr(actor, "pk", None) else None
    rows = []
    for text, label in zip(texts, labels, strict=True):
        analysis, label = normalize(text), str(label or "").strip()
        if analysis and label:
            rows.append(TrainingExample(text=analysis, label=label[:100], source=ExampleSource.IMPORT,
                                        reference=reference, created_by=created_by))
    TrainingExample.objects.bulk_create(rows, batch_size=2000)
    audit_record(actor=actor, verb="dispatch.examples.import", target=None,
                 data={"source": source_name, "kept": len(rows)})
    return len(rows)


@transaction.atomic
def training_example_forget(*, actor, reference: str) -> int:
    """Drop what was recorded for ``reference`` (e.g. "appeal:123") once it is known to be wrong: the
    department it names returned the appeal. No audit row of its own: the appeal's return event is the
    record. Returns how many examples were dropped."""
    if not reference:
        return 0
    dropped, _by_model = TrainingExample.objects.filter(reference=reference).delete()
    return dropped


@transaction.atomic
def training_examples_delete(*, actor, examples: Iterable[TrainingExample]) -> int:
    """Remove examples a model must not learn from (a wrong label, a test message), one audit row
    each, saying what was removed. The admin's delete, single and bulk, comes here. Returns how many."""
    require_model_manager(actor)
    deleted = 0
    for example in examples:
        audit_record(actor=actor, verb="dispatch.example.delete", target=example,
                     data={"label": example.label, "source": example.source, "reference": example.reference,
                           "predicted_label": example.predicted_label})
        example.delete()
        deleted += 1
    return deleted


@transaction.atomic
def training_examples_record_history(*, actor, batch: int = 2000) -> int:
    """Record every closed appeal that a department handled and that nothing was recorded for yet:
    history that reached the platform without passing through its closing step (an import of a
    deployment's past appeals, or the demo's generated ones). Labelled, like a closing, with the
    department that finally held the appeal; appeals closed by a township or village teach nothing
    (the model routes to departments). One audit row for the run. Returns how many were recorded."""
    require_model_manager(actor)
    recorded = {int(ref.split(":", 1)[1]) for ref in TrainingExample.objects.filter(reference__startswith="appeal:")
                .values_list("reference", flat=True) if ref.split(":", 1)[1].isdigit()}
    closed = (Appeal.objects.filter(state=State.CLOSED, assigned_department__isnull=False)
              .values_list("pk", "title", "description", "assigned_department__code").order_by("pk"))
    count, pending = 0, []
    created_by = actor if getattr(actor, "pk", None) else None
    for pk, title, description, code in closed.iterator(chunk_size=batch):
        if pk in recorded:
            continue
        text = normalize(f"{title}\n{description}")
        if not text:
            continue
        pending.append(TrainingExample(text=text, label=code, source=ExampleSource.CLOSED,
                                       reference=f"appeal:{pk}", created_by=created_by))
        if len(pending) >= batch:
            count += len(TrainingExample.objects.bulk_create(pending))
            pending = []
    count += len(TrainingExample.objects.bulk_create(pending))
    audit_record(actor=actor, verb="dispatch.examples.history", target=None, data={"recorded": count})
    return count


def classifier_retrain(*, actor=None, activate_if_better: bool = True, tolerance: float = 0.01,
                       progress: clf.Progress | None = None) -> ClassifierVersion | None:
    """Train a new version on every recorded example (the scheduled task calls this). It becomes
    active when no version is, or when its cross-validated macro-F1 is no worse than the active
    version's minus ``tolerance``. Returns None when there is too little to learn from."""
    rows = list(TrainingExample.objects.values_list("text", "label"))
    rows = list(zip([text for text, _code in rows], routing_labels([code for _text, code in rows]), strict=True))
    counts: dict[str, int] = {}
    for _text, label in rows:
        counts[label] = counts.get(label, 0) + 1
    usable = {label for label, n in counts.items() if n >= MIN_EXAMPLES_PER_LABEL}
    if len(usable) < 2:
        return None
    rows = [(text, label) for text, label in rows if label in usable]
    version = classifier_train(actor=actor, texts=[t for t, _lab in rows], labels=[lab for _t, lab in rows],
                               trained_on=_("%(count)s recorded examples (retraining)") % {"count": len(rows)},
                               progress=progress)
    active = ClassifierVersion.objects.filter(is_active=True).exclude(pk=version.pk).first()
    if activate_if_better:
        new_f1 = version.metrics.get("macro_f1") or 0.0
        old_f1 = (active.metrics.get("macro_f1") or 0.0) if active else None
        if old_f1 is None or new_f1 >= old_f1 - tolerance:
            classifier_activate(actor=actor, version=version)
    return version


# --- 每月一题 (monthly topics; reads in dispatch.topics) ------------------------------------------------

def _first_of_month(day):
    return (day or timezone.localdate()).replace(day=1)


@transaction.atomic
def monthly_topic_create(*, actor, title: str, owner_department, appeals, description: str = "",
                         period=None, key_words: Sequence[str] = ()) -> MonthlyTopic:
    """Turn a hot spot into a 每月一题 topic owned by ``owner_department``; the topic keeps the hot
    spot's ``appeals`` (Appeal objects or ids), each of which the actor must be able to see."""
    if not may_create_topics(actor):
        raise NotAllowed(_("Only supervisors (督办员) may create monthly topics (每月一题)."))
    if owner_department is None:
        raise BadInput(_("Choose the department that owns the topic."))
    if not owner_department.is_active or not may_own_topic(actor, owner_department):
        raise NotAllowed(_("%(department)s is outside your scope; choose a department you supervise.")
                         % {"department": owner_department.name})
    title = (title or "").strip()
    if not title:
        raise BadInput(_("The title is required."))
    if len(title) > 100:
        raise BadInput(_("The title may be at most 100 characters; this one has %(n)s.") % {"n": len(title)})
    description = (description or "").strip()
    if len(description) > 4000:
        raise BadInput(_("The description may be at most 4000 characters."))
    ids = sorted({getattr(a, "pk", a) for a in appeals})
    if not ids:
        raise BadInput(_("A topic needs at least one appeal."))
    visible = set(appeals_visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))
    if visible != set(ids):
        raise NotAllowed(_("Some of these appeals are outside your scope (%(n)s of %(total)s); refresh the hot "
                           "spots page and try again.") % {"n": len(set(ids) - visible), "total": len(ids)})
    words = [str(w).strip()[:40] for w in key_words if str(w).strip()][:12]
    topic = MonthlyTopic.objects.create(
        title=title, description=description, owner_department=owner_department, period=_first_of_month(period),
        key_words=words, source_appeal_ids=ids, created_by=actor if getattr(actor, "pk", None) else None)
    MonthlyTopicAppeal.objects.bulk_create([MonthlyTopicAppeal(topic=topic, appeal_id=pk) for pk in ids])
    audit_record(actor=actor, verb="dispatch.topic.create", target=topic,
                 data={"owner_department": owner_department.pk, "period": topic.period.isoformat(),
                       "appeals": len(ids), "key_words": words})
    return topic


@transaction.atomic
def monthly_topic_update(*, actor, topic, status: str, note: str = "") -> MonthlyTopic:
    """Move a topic to ``status`` (open → in progress → done, or back), with a progress note."""

    topic = MonthlyTopic.objects.select_for_update(of=("self",)).select_related("owner_department__unit").get(pk=topic.pk)
    if not may_update_topic(actor, topic):
        raise NotAllowed(_("Only the owner department's handlers and its supervisors may update this topic."))
    if status not in TopicStatus.values:
        raise BadInput(_("Unknown status “%(status)s”.") % {"status": status})
    note = (note or "").strip()
    if len(note) > 500:
        raise BadInput(_("The note may be at most 500 characters."))
    if status == topic.status and not note:
        raise BadInput(_("The topic already has this status; add a note to record progress."))
    previous = topic.status
    topic.status = status
    if note:
        topic.status_note = note
    topic.save(update_fields=["status", "status_note", "updated_at"])
    audit_record(actor=actor, verb="dispatch.topic.update", target=topic,
                 data={"from": previous, "to": status, "note": note})
    return topic
