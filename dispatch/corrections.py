"""What people decide about routing becomes training data for the next model.

Connected in DispatchConfig.ready to ``appeals.signals.appeal_event_recorded`` (sent after the
step's transaction commits). Examples are labelled with the department's code and keyed
``appeal:<id>``, so a later word on the same appeal replaces an earlier one:

- a person's dispatch or reassignment (改派) to a department other than the one the platform
  proposed — its automatic dispatch, the department the appeal came back from, or the top suggestion
  — is a *correction*;
- a return (退单) drops what was recorded for the appeal: the department it named said it is not theirs;
- closing (办结) records the department that finally handled the appeal, after reassignments and
  returns (for an appeal passed down to a township, the department that passed it down).

Dispatches to a township office or village committee teach nothing: the model routes to departments.
"""

import logging

from appeals.models import Action, Appeal, AppealEvent
from dispatch.models import ClassifierVersion, ExampleSource
from dispatch.routing import AUTO, appeal_text, candidates_for
from dispatch.selectors import training_examples
from dispatch.services import training_example_forget, training_example_record
from orgs.models import Department

logger = logging.getLogger(__name__)

ROUTING_ACTIONS = (Action.DISPATCH, Action.REASSIGN)


def reference_for(appeal) -> str:
    return f"appeal:{appeal.pk}"


def _department_of(event: AppealEvent) -> Department | None:
    data = event.data or {}
    if data.get("to_kind") != "department" or not data.get("to_id"):
        return None
    return Department.objects.filter(pk=data["to_id"]).first()


def _version(number) -> ClassifierVersion | None:
    return ClassifierVersion.objects.defer("model").filter(version=number).first() if number else None


def _earlier_routing(event: AppealEvent) -> AppealEvent | None:
    """The dispatch or reassignment before ``event``: what the person overrode."""
    # Events are only ever appended, so the primary key orders them.
    return (AppealEvent.objects.filter(appeal_id=event.appeal_id, action__in=ROUTING_ACTIONS, pk__lt=event.pk)
            .order_by("-pk").first())


def _proposal(event: AppealEvent, appeal: Appeal) -> tuple[Department | None, int | None]:
    """What the platform (or an earlier decision) proposed before this person's choice, and the model
    version behind it."""
    earlier = _earlier_routing(event)
    if earlier is not None:
        return _department_of(earlier), (earlier.data or {}).get("model_version")
    top = candidates_for(appeal).top
    return (top.department, top.model_version) if top else (None, None)


def learn_from_routing(event: AppealEvent, appeal: Appeal) -> None:
    chosen = _department_of(event)
    if chosen is None:
        return
    proposed, version = _proposal(event, appeal)
    if proposed is not None and proposed.pk == chosen.pk:
        return  # the person agreed: nothing the model does not know yet (closing records it)
    training_example_record(
        actor=event.actor, text=appeal_text(appeal), label=chosen.code, source=ExampleSource.CORRECTION,
        reference=reference_for(appeal), predicted_label=proposed.code if proposed else "",
        classifier_version=_version(version))


def final_department(appeal: Appeal) -> Department | None:
    """The department that finally handled ``appeal``: its assignee, or — when a township or village
    holds it — the department that last had it."""
    if appeal.assigned_department_id:
        return appeal.assigned_department
    last = (AppealEvent.objects.filter(appeal=appeal, action__in=ROUTING_ACTIONS, data__to_kind="department")
            .order_by("-pk").first())
    return _department_of(last) if last else None


def learn_from_closing(appeal: Appeal) -> None:
    department = final_department(appeal)
    if department is None:
        return
    reference = reference_for(appeal)
    earlier = training_examples().filter(reference=reference).select_related("classifier_version").first()
    if earlier is not None:
        predicted, version = earlier.predicted_label, earlier.classifier_version
    else:
        auto = (AppealEvent.objects.filter(appeal=appeal, action=Action.DISPATCH, actor_label=AUTO)
                .order_by("pk").first())
        auto_department = _department_of(auto) if auto else None
        predicted = auto_department.code if auto_department else ""
        version = _version((auto.data or {}).get("model_version")) if auto else None
    training_example_record(actor=None, text=appeal_text(appeal), label=department.code,
                            source=ExampleSource.CLOSED, reference=reference, predicted_label=predicted,
                            classifier_version=version)


def on_appeal_event(sender, event: AppealEvent, **kwargs) -> None:
    """Receiver of appeals' ``appeal_event_recorded``. Learning must never disturb the appeal loop:
    a failure is logged, and the step it follows stands."""
    if event.action not in (Action.DISPATCH, Action.REASSIGN, Action.RETURN, Action.CLOSE):
        return
    try:
        appeal = Appeal.objects.select_related("place", "assigned_department").get(pk=event.appeal_id)
        if event.action == Action.CLOSE:
            learn_from_closing(appeal)
        elif event.action == Action.RETURN:
            training_example_forget(actor=event.actor, reference=reference_for(appeal))
        elif event.actor_label != AUTO:  # the platform's own dispatch is not a person's word
            learn_from_routing(event, appeal)
    except Exception:  # noqa: BLE001 - see the docstring
        logger.exception("could not record training data from %s event %s", event.action, event.pk)
