"""Routing an appeal at intake, and the suggestions panel dispatchers see while it waits (待派单).

``route_appeal`` is plugged into appeals with ``appeals.services.set_router`` (DispatchConfig.ready):
appeals calls it after saving a new appeal, inside a savepoint, and turns any exception into an
event, so a failure here never loses the appeal. Above the deployment's threshold the appeal is
dispatched automatically (the event says "auto", the model version and the confidence); otherwise
an internal note says why not, and the panel shows the ranked departments, recomputed on each view
so that it always reflects the active model and catalogue.

Labels become departments of the appeal's place: a catalogue entry names one directly; a model
trained on the platform's own appeals names a department type and level ("health@county", see
``dispatch.labels``), a model trained on categories (城乡建设, 卫生计生 …) or a catalogue entry for a
department type names a type, and the department of that type in the county the place belongs to
(the city's when the county has none, when the label says the city, or when the appeal concerns the
whole city) handles it.
"""

import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_noop

from core.notes import note, render
from dispatch import labels
from dispatch.places import find_places
from dispatch.selectors import Suggestion, model_status, suggest
from orgs.models import Department, DepartmentKind, Level, Unit

logger = logging.getLogger(__name__)

AUTO = "auto"  # the actor label of what the router writes
K = 3
MIN_CONFIDENCE = 0.005

# The first-level categories of Chinese government message boards (the data the shipped model is
# trained on) → the department kinds that handle them, the usual one first.
CATEGORY_KINDS: dict[str, tuple[str, ...]] = {
    "城乡建设": (DepartmentKind.HOUSING, DepartmentKind.URBAN_MANAGEMENT),
    "劳动和社会保障": (DepartmentKind.HUMAN_RESOURCES, DepartmentKind.MEDICAL_INSURANCE),
    "教育文体": (DepartmentKind.EDUCATION, DepartmentKind.CULTURE_TOURISM, DepartmentKind.SPORTS),
    "商贸旅游": (DepartmentKind.MARKET_REGULATION, DepartmentKind.CULTURE_TOURISM),
    "环境保护": (DepartmentKind.ENVIRONMENT,),
    "卫生计生": (DepartmentKind.HEALTH,),
    "交通运输": (DepartmentKind.TRANSPORT,),
}


@dataclass(frozen=True)
class Candidate:
    """A department that could handle the appeal, with the evidence for it."""

    department: Department
    confidence: float
    reasons: tuple[str, ...] = ()
    source: str = "model"  # "model" | "catalogue" | "combined"
    label: str = ""  # what the model or catalogue said (a category, a kind, or a department code)
    model_version: int | None = None

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


@dataclass
class Routing:
    unit: Unit  # the place routing used: the appeal's, or a more specific one its text names
    place_found: Unit | None  # that more specific place, when there was one
    candidates: list[Candidate]
    # (label, confidence) of what no department of the place handles, best first
    unmapped: list[tuple[str, float]] = field(default_factory=list)
    status: str = ""  # model_status(): "model v3", "no model", "model failed", …
    seconds: float = 0.0

    @property
    def model_failed(self) -> bool:
        return self.status == "model failed" or "unreadable" in self.status

    @property
    def top(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def appeal_text(appeal) -> str:
    return f"{appeal.title}\n{appeal.description}"


def routing_place(appeal) -> tuple[Unit, Unit | None]:
    """The unit to route by. A place the text or address names inside the appeal's own place (a
    resident who left the place at the city but wrote "明星镇") narrows it; one outside is ignored:
    what the resident picked wins over a name in passing."""
    place = appeal.place
    for unit in find_places(appeal_text(appeal), appeal.address or ""):
        if unit.pk != place.pk and unit.path.startswith(place.path):
            return unit, unit
    return place, None


def kinds_for_label(label: str) -> tuple[str, ...]:
    """Department kinds a non-department label stands for: a kind itself, a known category, or a
    category of the deployment with a usual department kind."""
    parsed = labels.parse(label)
    if parsed is not None:
        return (parsed[0],)
    if label in DepartmentKind.values:
        return (label,)
    if label in CATEGORY_KINDS:
        return CATEGORY_KINDS[label]
    from appeals.models import Category

    kind = (Category.objects.filter(Q(name=label) | Q(code=label), is_active=True)
            .exclude(default_department_kind="").values_list("default_department_kind", flat=True).first())
    return (kind,) if kind else ()


class _Departments:
    """The active departments of the county above a place and of the city, read once per routing."""

    def __init__(self, unit: Unit):
        codes = unit.ancestors_and_self_codes()
        chain = {u.level: u for u in Unit.objects.filter(code__in=codes, level__in=(Level.COUNTY, Level.CITY))}
        self.units = [u for u in (chain.get(Level.COUNTY), chain.get(Level.CITY)) if u is not None]
        self.rows = list(Department.objects.filter(unit__in=self.units, is_active=True).select_related("unit")
                         .order_by("pk"))

    def of_kinds(self, kinds, level: str | None = None) -> Department | None:
        # The county first, then the city; the other way round for what the city deals with.
        units = sorted(self.units, key=lambda u: u.level != level) if level else self.units
        for unit in units:
            for kind in kinds:
                for department in self.rows:
                    if department.unit_id == unit.pk and department.kind == kind:
                        return department
        return None


def _merge(into: Candidate | None, suggestion: Suggestion, department: Department) -> Candidate:
    if into is None:
        return Candidate(department=department, confidence=suggestion.confidence, reasons=suggestion.reasons,
                         source=suggestion.source, label=suggestion.label, model_version=suggestion.model_version)
    # Two labels for one department (a category from the model, a phrase from the catalogue): their
    # shares of the same confidence add up.
    reasons = into.reasons + tuple(r for r in suggestion.reasons if r not in into.reasons)
    return Candidate(department=department, confidence=min(1.0, into.confidence + suggestion.confidence),
                     reasons=reasons, source=into.source if into.source == suggestion.source else "combined",
                     label=into.label, model_version=into.model_version or suggestion.model_version)


def candidates_for(appeal, *, k: int = K) -> Routing:
    """The ranked departments for ``appeal`` (best first), with what routing saw."""
    started = time.monotonic()
    unit, found = routing_place(appeal)
    suggestions = suggest(appeal_text(appeal), unit=unit, k=max(2 * k, 6))
    status = model_status()
    departments = None
    merged: dict[int, Candidate] = {}
    unmapped = []
    for suggestion in suggestions:
        department = suggestion.department
        if department is None:
            kinds = kinds_for_label(suggestion.label)
            if kinds:
                departments = departments or _Departments(unit)
                parsed = labels.parse(suggestion.label)
                department = departments.of_kinds(kinds, level=parsed[1] if parsed else None)
        if department is None:
            unmapped.append((suggestion.label, suggestion.confidence))
            continue
        merged[department.pk] = _merge(merged.get(department.pk), suggestion, department)
    # What would show as 0% is noise, not a suggestion.
    ranked = sorted((c for c in merged.values() if c.confidence >= MIN_CONFIDENCE),
                    key=lambda c: (-c.confidence, c.department.pk))[:k]
    ranked = [Candidate(c.department, round(c.confidence, 4), c.reasons[:6], c.source, c.label, c.model_version)
              for c in ranked]
    return Routing(unit=unit, place_found=found, candidates=ranked, unmapped=unmapped, status=status,
                   seconds=time.monotonic() - started)


def budget_seconds() -> float:
    return float(settings.DISPATCH_ROUTE_SECONDS)


def _source_note(candidate: Candidate) -> dict:
    if candidate.source == "catalogue":
        return note(gettext_noop("catalogue"))
    if candidate.source == "combined":
        return note(gettext_noop("model v%(version)s and catalogue"), version=candidate.model_version)
    return note(gettext_noop("model v%(version)s"), version=candidate.model_version)


def _source_text(candidate: Candidate) -> str:
    return render([_source_note(candidate)])


def _summary(routing: Routing) -> list[dict]:
    return [{"department_id": c.department.pk, "department": c.department.name, "confidence": c.confidence,
             "source": c.source, "label": c.label, "model_version": c.model_version, "reasons": list(c.reasons)}
            for c in routing.candidates]


def _manual_reason(routing: Routing) -> tuple[str, dict] | None:
    """Why the appeal waits for a dispatcher — (code, the reason as a system note, core.notes) — or
    None to dispatch it now."""
    top = routing.top
    if routing.model_failed:
        return "model_failed", note(gettext_noop("the routing model is not working (%(status)s)"),
                                    status=routing.status)
    if routing.seconds > budget_seconds():
        return "slow", note(gettext_noop("routing took %(seconds).1f s, more than the %(budget)s s allowed"),
                            seconds=routing.seconds, budget=budget_seconds())
    if routing.unmapped and (top is None or routing.unmapped[0][1] > top.confidence):
        return "no_department", note(gettext_noop("the likeliest category, “%(label)s”, has no department "
                                                  "serving %(place)s"),
                                     place=routing.unit.name, label=routing.unmapped[0][0])
    if top is None:
        if routing.status == "no model":
            return "no_model", note(gettext_noop("no routing model is active and no catalogue phrase matched"))
        return "no_suggestion", note(gettext_noop("neither the model nor the catalogue pointed to a department"))
    if not settings.DISPATCH_AUTO:
        return "auto_off", note(gettext_noop("automatic dispatch is switched off in this deployment"))
    threshold = float(settings.DISPATCH_AUTO_THRESHOLD)
    if top.confidence < threshold:
        return "below_threshold", note(gettext_noop("the best suggestion, %(department)s (%(percent)s%%), is "
                                                    "below the %(threshold)s%% needed to dispatch automatically"),
                                       department=top.department.name, percent=top.percent,
                                       threshold=round(threshold * 100))
    return None


def _catalogue_in_use() -> bool:
    from dispatch import catalogue

    return catalogue.in_use()


def route_appeal(appeal) -> None:
    """The router appeals calls at intake. Dispatches ``appeal`` when the platform is sure enough;
    otherwise leaves it to a dispatcher with a note saying why."""
    from appeals.services import appeal_dispatch, appeal_note

    routing = candidates_for(appeal)
    place_note = []
    data = {"model_status": routing.status, "milliseconds": round(routing.seconds * 1000)}
    if routing.place_found is not None:
        # The place stays as the resident gave it: the found one is a hint for people, used for routing.
        data["place_found"] = {"id": routing.place_found.pk, "name": routing.place_found.name}
        place_note = [note(gettext_noop("The text names %(found)s, within %(place)s; routed to the departments "
                                        "there."), found=routing.place_found.name, place=appeal.place.name)]
    # Notes are kept as messages and values (core.notes), so each reader reads them in their language.
    manual = _manual_reason(routing)
    if manual is None:
        top = routing.top
        parts = [note(gettext_noop("Dispatched automatically (%(source)s, confidence %(percent)s%%)."),
                      source=_source_note(top), percent=top.percent)]
        if top.reasons:
            parts.append(note(gettext_noop("Deciding words: %(words)s."), words="、".join(top.reasons)))
        appeal_dispatch(actor=None, appeal=appeal, target=top.department, note=parts + place_note, auto={
            "model_version": top.model_version, "confidence": top.confidence, "source": top.source,
            "label": top.label, "reasons": list(top.reasons), **data})
        return
    code, why = manual
    if code == "no_model" and not _catalogue_in_use():
        # Dispatch intelligence is not set up at all (no model, an empty catalogue): the appeal waits
        # exactly as it would without this app, and a note on every appeal would say nothing new.
        return
    parts = [note(gettext_noop("Waiting for a dispatcher: %(why)s."), why=why)]
    if routing.top is not None:
        parts.append(note(gettext_noop("Suggested: %(list)s."), list="；".join(
            f"{c.department.name} {c.percent}%" for c in routing.candidates)))
    appeal_note(appeal=appeal, actor_label=AUTO, note=parts + place_note,
                data={"routing": code, "suggestions": _summary(routing), **data})


# --- the panel on the staff appeal page ------------------------------------------------------------

def suggestions_panel(request, appeal) -> str:
    """The top departments for an appeal waiting to be dispatched (待派单), each with its confidence,
    the words behind it and a one-click dispatch; "" for anyone who may not dispatch it."""
    from appeals import permissions
    from appeals.forms_staff import dispatch_targets
    from appeals.models import Action, State

    if appeal.state != State.TO_DISPATCH or not permissions.may(request.user, Action.DISPATCH, appeal):
        return ""
    routing = candidates_for(appeal)
    reachable = {d.pk for d in dispatch_targets(request.user)[0]}
    returned_by = set(appeal.events.filter(action=Action.RETURN).values_list("data__from", flat=True))
    rows = [{"candidate": c, "may_dispatch": c.department.pk in reachable,
             "returned": c.department.name in returned_by, "source": _source_text(c)}
            for c in routing.candidates]
    manual = _manual_reason(routing)
    return render_to_string("dispatch/panel_suggestions.html", {
        "appeal": appeal,
        "routing": routing,
        "rows": rows,
        "why": render([manual[1]]) if manual and manual[0] in ("model_failed", "no_department", "no_model",
                                                     "no_suggestion") else "",
        "action_url": reverse("appeals:staff_act", args=[appeal.code, "dispatch"]),
    }, request=request)
