"""Every change to the care registry. Each function is keyword-only, atomic, checks the actor's
permission again (care.permissions) and writes an audit row (core.audit; labels in care/audit.py).
The pages, the admin, the importer and the demo all come through here. Audit rows carry no personal
data: a person is named by their masked name and their row id."""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care import permissions, risk
from care.identity import IdNumber, read_id_number
from care.models import (
    CareAssignment,
    CareCategory,
    CareMembership,
    CarerRole,
    EndReason,
    Escalation,
    EscalationLevel,
    EscalationSettings,
    FieldType,
    Person,
    PersonNeed,
    RiskLevel,
    RiskRule,
    RiskSubject,
    SeasonalCheck,
    Source,
    Visit,
    VisitNeed,
    VisitPhoto,
)
from core.audit import audit_record, audit_record_many
from core.crypto import blind_index
from core.errors import BadInput, DomainError, InvalidTransition
from orgs.models import DepartmentKind, Level

MAX_NOTES = 2000
MAX_VISIT_PHOTOS = 6
# The clock of a phone may run a little fast; a visit "in the future" by more than this is refused.
CLOCK_SKEW = timedelta(minutes=5)
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Asked on every visit; a category adds its own (CareCategory.checklist).
COMMON_CHECKLIST = [
    ("health", gettext_lazy("Health")),
    ("living", gettext_lazy("Living conditions")),
    ("gas", gettext_lazy("Safety: gas")),
    ("heating", gettext_lazy("Safety: heating")),
    ("electricity", gettext_lazy("Safety: electricity")),
    ("needs", gettext_lazy("Needs")),
]
CHECK_VALUES = ("ok", "concern")


def _audit(actor, verb: str, target, data: dict | None = None):
    label = target.masked_name if isinstance(target, Person) else None
    audit_record(actor=actor, verb=verb, target=target, data=data or {}, label=label)


def _today() -> date:
    return timezone.localdate()


# --- configuration: categories and risk rules (city administrators, through the admin) ------------------

def category_fields_check(fields) -> list[dict]:
    """The category's field schema, checked: a list of {name, label, type, choices}."""
    if not isinstance(fields, list):
        raise BadInput(_("The fields must be a list of objects with name, label, type and choices."))
    problems, seen, clean = [], set(), []
    for number, spec in enumerate(fields, start=1):
        if not isinstance(spec, dict):
            problems.append(_("Field %(n)s is not an object.") % {"n": number})
            continue
        name, label, kind = str(spec.get("name", "")), str(spec.get("label", "")).strip(), spec.get("type", "text")
        choices = spec.get("choices") or []
        if not FIELD_NAME.match(name):
            problems.append(_("Field %(n)s: the name must be lower-case letters, digits and _, starting with a "
                              "letter.") % {"n": number})
        elif name in seen:
            problems.append(_("Field %(n)s: the name %(name)s is used twice.") % {"n": number, "name": name})
        seen.add(name)
        if not label:
            problems.append(_("Field %(n)s: give it a label.") % {"n": number})
        if kind not in FieldType.values:
            problems.append(_("Field %(n)s: the type must be one of %(types)s.") % {
                "n": number, "types": ", ".join(FieldType.values)})
        if kind == FieldType.CHOICE and (not isinstance(choices, list) or not choices):
            problems.append(_("Field %(n)s: a choice field needs a list of choices.") % {"n": number})
        clean.append({"name": name, "label": label, "type": kind,
                      **({"choices": [str(c) for c in choices]} if kind == FieldType.CHOICE else {})})
    if problems:
        raise BadInput("; ".join(str(p) for p in problems), details=problems)
    return clean


@transaction.atomic
def category_save(*, actor, category: CareCategory) -> CareCategory:
    permissions.require_configure(actor)
    category.fields = category_fields_check(category.fields)
    if not isinstance(category.checklist, list) or not all(
            isinstance(item, dict) and item.get("name") and item.get("label") for item in category.checklist):
        raise BadInput(_("The extra checklist items must be a list of objects with name and label."))
    served_by = category.served_by or []
    if not isinstance(served_by, list) or any(kind not in DepartmentKind.values for kind in served_by):
        raise BadInput(_("The department types serving a category must be among the known types."))
    category.served_by = sorted(set(served_by))
    created = category.pk is None
    before = CareCategory.objects.filter(pk=category.pk).values_list(
        "visit_days_high", "visit_days_medium", "visit_days_low", "is_active").first() if not created else None
    category.save()
    after = (category.visit_days_high, category.visit_days_medium, category.visit_days_low, category.is_active)
    if before is not None and tuple(before) != after:
        from care.tasks import refresh_later

        refresh_later(category.pk)  # its plan changed: its people's due dates follow, in the background
    _audit(actor, "care.category.create" if created else "care.category.update", category,
           {"code": category.code, "fields": [f["name"] for f in category.fields], "served_by": category.served_by})
    return category


@transaction.atomic
def risk_rule_save(*, actor, rule: RiskRule) -> RiskRule:
    """Save a rule; the people it may concern are re-evaluated in the background (care.tasks) once the
    change is committed."""
    permissions.require_configure(actor)
    problems = []
    if rule.subject == RiskSubject.FIELD:
        if not rule.field_name:
            problems.append(_("Name the field the condition is on."))
        elif rule.category_id and rule.field_name not in {f["name"] for f in rule.category.fields}:
            problems.append(_("%(category)s has no field named %(field)s.") % {
                "category": rule.category.name, "field": rule.field_name})
    elif rule.operator not in ("gte", "lte") or risk._number(rule.value) is None:
        problems.append(_("A condition on age or on days since the last visit takes “is at least” or “is at "
                          "most” and a number."))
    if not str(rule.value).strip():
        problems.append(_("Give the value the condition compares with."))
    if problems:
        raise BadInput("; ".join(str(p) for p in problems), details=problems)
    created = rule.pk is None
    previous = None if created else RiskRule.objects.filter(pk=rule.pk).values_list("category_id", flat=True).first()
    rule.save()
    _audit(actor, "care.risk_rule.create" if created else "care.risk_rule.update", rule,
           {"category": rule.category.code if rule.category_id else "", "subject": rule.subject,
            "field": rule.field_name, "operator": rule.operator, "value": rule.value, "level": rule.level,
            "active": rule.is_active})
    from care.tasks import refresh_later

    # Everyone the rule may concern, in the background: a city's registry is too big for the request.
    refresh_later(rule.category_id if created or previous == rule.category_id else None)
    return rule


# --- the registry ---------------------------------------------------------------------------------------

class DuplicatePerson(BadInput):
    """The ID number is registered already; ``person`` is the one found."""

    def __init__(self, message, *, person):
        super().__init__(message)
        self.person = person


def _clean_phone(phone: str) -> str:
    from accounts.services import normalize_contact_phone

    return normalize_contact_phone(phone) if (phone or "").strip() else ""


def _check_place(unit, grid) -> None:
    if unit is None or unit.level != Level.VILLAGE:
        raise BadInput(_("A person lives in a village or community (村/社区): choose one."))
    if grid is not None and (grid.level != Level.GRID or grid.parent_id != unit.pk):
        raise BadInput(_("The grid %(grid)s is not a grid of %(unit)s.") % {"grid": grid.name, "unit": unit.name})


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise BadInput(_("The name is required."))
    if len(name) > 50:
        raise BadInput(_("The name may be at most 50 characters."))
    return name


@transaction.atomic
def person_register(*, actor, name: str, id_number: str, unit, grid=None, phone: str = "",
                    address: str = "") -> Person:
    """A new person in the registry. An ID number registered already is refused (DuplicatePerson,
    naming nobody else's data): the caller updates that person instead."""
    permissions.require_manage_unit(actor, unit)
    identity = read_id_number(id_number)
    name = _check_name(name)
    _check_place(unit, grid)
    phone = _clean_phone(phone)
    index = blind_index(identity.number)
    existing = Person.objects.filter(id_index=index).first()
    if existing is not None:
        raise DuplicatePerson(_("This ID number is registered already (%(name)s, %(unit)s).") % {
            "name": existing.masked_name, "unit": existing.unit.name}, person=existing)
    person = Person(name=name, id_number=identity.number, id_index=index, sex=identity.sex,
                    birth_date=identity.birth_date, phone=phone, phone_index=blind_index(phone) if phone else "",
                    address=(address or "").strip()[:200], unit=unit, grid=grid)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:  # registered at the same moment by someone else
        raise DuplicatePerson(_("This ID number is registered already."),
                              person=Person.objects.get(id_index=index)) from None
    _audit(actor, "care.person.create", person, {"unit": unit.code})
    person_refresh(person)
    return person


@transaction.atomic
def person_update(*, actor, person: Person, name: str, unit, grid=None, phone: str = "",
                  address: str = "") -> Person:
    """Change what may change; the ID number is who the person is, and never changes."""
    locked = Person.objects.select_for_update(of=("self",)).select_related("unit", "grid").get(pk=person.pk)
    permissions.require_manage(actor, locked)
    permissions.require_manage_unit(actor, unit)
    _check_place(unit, grid)
    phone = _clean_phone(phone)
    changes = {"name": _check_name(name), "unit": unit, "grid": grid, "phone": phone,
               "address": (address or "").strip()[:200]}
    changed = [key for key, value in changes.items() if getattr(locked, key) != value]
    if not changed:
        return locked
    for key, value in changes.items():
        setattr(locked, key, value)
    locked.phone_index = blind_index(phone) if phone else ""
    locked.save()
    _audit(actor, "care.person.update", locked, {"changed": changed})
    return locked


def _field_value(spec: dict, raw) -> tuple[object, str | None]:
    """(value, problem) for one field of a category."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None, None
    kind = spec.get("type", "text")
    if kind == FieldType.NUMBER:
        number = risk._number(text)
        if number is None:
            return None, _("“%(value)s” is not a number.") % {"value": text}
        return (int(number) if number == number.to_integral_value() else float(number)), None
    if kind == FieldType.DATE:
        try:
            return date.fromisoformat(text[:10]).isoformat(), None
        except ValueError:
            return None, _("“%(value)s” is not a date like 2024-03-01.") % {"value": text}
    if kind == FieldType.CHOICE and text not in spec.get("choices", []):
        return None, _("“%(value)s” is not one of %(choices)s.") % {"value": text,
                                                                    "choices": "、".join(spec.get("choices", []))}
    return text[:200], None


def membership_values_check(category: CareCategory, values: dict) -> dict:
    """``values`` keyed by the category's field names (or labels), checked against its fields."""
    values = values or {}
    def key_of(text) -> str:  # full-width brackets and spaces as people type them match the label
        return unicodedata.normalize("NFKC", str(text)).strip()

    by_key = {}
    for spec in category.fields:
        by_key[key_of(spec["name"])] = spec
        by_key[key_of(spec["label"])] = spec
    clean, problems = {}, []
    for key, raw in values.items():
        spec = by_key.get(key_of(key))
        if spec is None:
            problems.append(_("%(category)s has no field “%(field)s”.") % {"category": category.name, "field": key})
            continue
        value, problem = _field_value(spec, raw)
        if problem:
            problems.append(f"{spec['label']}: {problem}")
        elif value is not None:
            clean[spec["name"]] = value
    if problems:
        raise BadInput("; ".join(str(p) for p in problems), details=problems)
    return clean


@transaction.atomic
def membership_set(*, actor, person: Person, category: CareCategory, since: date, source: str,
                   values: dict | None = None) -> tuple[CareMembership, bool]:
    """Open ``person``'s membership of ``category``, or update the open one: (membership, created)."""
    permissions.require_manage(actor, person)
    _require_current(person)
    if source not in Source.values:
        raise BadInput(_("Unknown source “%(value)s”.") % {"value": source})
    if since > _today():
        raise BadInput(_("The membership cannot begin in the future."))
    clean = membership_values_check(category, values or {})
    membership = CareMembership.objects.select_for_update().filter(
        person=person, category=category, until__isnull=True).first()
    created = membership is None
    if created:
        membership = CareMembership(person=person, category=category)
    elif (membership.since, membership.source, membership.values) == (since, source, clean):
        return membership, False
    membership.since, membership.source, membership.values = since, source, clean
    membership.save()
    _audit(actor, "care.membership.start" if created else "care.membership.update", person,
           {"category": category.code, "source": source, "since": since.isoformat()})
    person_refresh(person)
    return membership, created


@transaction.atomic
def membership_end(*, actor, membership: CareMembership, until: date | None = None, reason: str = "") -> None:
    """End a membership (the person left the list, moved away …): kept, with its end date."""
    person = membership.person
    permissions.require_manage(actor, person)
    until = until or _today()
    if until < membership.since:
        until = membership.since
    updated = CareMembership.objects.filter(pk=membership.pk, until__isnull=True).update(until=until)
    if updated:
        membership.until = until
        _audit(actor, "care.membership.end", person, {"category": membership.category.code,
                                                      "until": until.isoformat(), "reason": reason[:200]})
        person_refresh(person)


@transaction.atomic
def memberships_end_many(*, actor, memberships: list[CareMembership], until: date | None = None,
                         reason: str = "") -> int:
    """``membership_end`` for many (a full list's absentees, care.importers), each with its person, unit and
    grid loaded: the same check (all or none), the same rows and audit rows, in a few queries. How many
    were still open and are now ended."""
    until = until or _today()
    scope = permissions.manage_scope(actor)
    for membership in memberships:
        if not permissions.may_manage_in(scope, membership.person):
            permissions.require_manage(actor, membership.person)
    still_open = set(CareMembership.objects.select_for_update().filter(
        pk__in=[m.pk for m in memberships], until__isnull=True).values_list("pk", flat=True))
    ended = [m for m in memberships if m.pk in still_open]
    for membership in ended:
        membership.until = max(until, membership.since)
    CareMembership.objects.bulk_update(ended, ["until"], batch_size=500)
    audit_record_many(actor=actor, entries=[
        ("care.membership.end", m.person, {"category": m.category.code, "until": m.until.isoformat(),
                                           "reason": reason[:200]}, m.person.masked_name) for m in ended])
    people = {m.person_id: m.person for m in ended}
    open_of: dict[int, list] = {pk: [] for pk in people}
    for membership in CareMembership.objects.filter(person_id__in=list(people), until__isnull=True) \
            .select_related("category"):
        open_of[membership.person_id].append(membership)
    today, rules = _today(), risk.active_rules()
    refreshed = [p for pk, p in people.items() if _reevaluate(p, open_of[pk], today=today, rules=rules)]
    if refreshed:
        _write_refreshed([(p.pk, p.risk_computed, p.risk_level, p.next_visit_due) for p in refreshed])
    return len(ended)

# --- importing a list (care.importers) ------------------------------------------------------------------

@dataclass
class ImportRow:
    """One row of a civil-affairs list as the importer read and checked it: a person and a category."""

    identity: IdNumber
    name: str
    unit: object
    grid: object | None
    phone: str | None  # None: the row has no phone column, the registered person keeps theirs
    address: str | None  # likewise
    category: CareCategory
    since: date
    source: str
    values: dict
    # The categories the list gives this person: their other civil-affairs categories end (at the first
    # row of the person that is saved). None: leave them (done in an earlier chunk).
    wanted: frozenset[int] | None = None


@dataclass
class ImportResult:
    outcome: str = ""  # "created" (the row registered the person) or "updated"
    person: Person | None = None
    errors: list[str] = field(default_factory=list)


@transaction.atomic
def people_import(*, actor, rows: list[ImportRow], end_reason: str) -> list[ImportResult]:
    """A chunk of a list, row by row in file order, doing what ``person_register`` or ``person_update``,
    then ``membership_set`` and ``membership_end`` do for one row, with the same checks, the same audit
    rows in the same order and the same re-evaluation of risk and due date, in a fixed number of queries
    per chunk rather than some thirty per row: the chunk's people found by their ID numbers' blind
    indexes in one query (and locked), their open memberships in another, then inserted and updated
    together. A row refused (outside the actor's units, a record ended …) gets its errors and changes
    nothing; the others are saved. One result per row."""
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _people_import(actor, rows, end_reason)
        except IntegrityError:  # someone registered one of these people meanwhile: look them up again
            if attempt:
                raise
    raise AssertionError("unreachable")


def _people_import(actor, rows: list[ImportRow], end_reason: str) -> list[ImportResult]:
    today = _today()
    scope = permissions.manage_scope(actor)
    categories = {category.pk: category for category in CareCategory.objects.all()}
    indexes = {row.identity.number: blind_index(row.identity.number) for row in rows}
    by_index = {person.id_index: person for person in Person.objects.select_for_update(of=("self",))
                .select_related("unit", "grid").filter(id_index__in=set(indexes.values()))}
    by_number = {number: by_index[index] for number, index in indexes.items() if index in by_index}
    # Per ID number: the person's open memberships by category, as they stand after the rows so far.
    open_of: dict[str, dict[int, CareMembership]] = {number: {} for number in by_number}
    numbers_of = {person.pk: number for number, person in by_number.items()}
    for membership in CareMembership.objects.select_for_update().filter(person_id__in=list(numbers_of),
                                                                       until__isnull=True):
        membership.category = categories[membership.category_id]
        open_of[numbers_of[membership.person_id]][membership.category_id] = membership
    new_people: list[Person] = []
    changed_people: dict[int, Person] = {}
    new_memberships: list[CareMembership] = []
    changed_memberships: dict[int, CareMembership] = {}
    ended_memberships: list[CareMembership] = []
    audits: list[tuple] = []  # (verb, person, data, label), in the order the services would write them
    touched: dict[str, Person] = {}
    ended_for: set[str] = set()
    results = []
    for row in rows:
        result = ImportResult()
        results.append(result)
        number = row.identity.number
        person = by_number.get(number)
        try:
            if person is None:
                if not permissions.may_manage_unit_in(scope, row.unit):
                    permissions.require_manage_unit(actor, row.unit)  # raises, with the message
                name = _check_name(row.name)
                _check_place(row.unit, row.grid)
                phone = _clean_phone(row.phone or "")
            else:
                if not permissions.may_manage_in(scope, person):
                    permissions.require_manage(actor, person)
                if not permissions.may_manage_unit_in(scope, row.unit):
                    permissions.require_manage_unit(actor, row.unit)
                _check_place(row.unit, row.grid)
                phone = _clean_phone(row.phone if row.phone is not None else person.phone)
                name = _check_name(row.name)
                _require_current(person)
            if row.source not in Source.values:
                raise BadInput(_("Unknown source “%(value)s”.") % {"value": row.source})
            if row.since > today:
                raise BadInput(_("The membership cannot begin in the future."))
            clean = membership_values_check(row.category, row.values or {})
        except DomainError as exc:
            result.errors = [str(message) for message in (exc.details or [exc.message])]
            continue
        if person is None:
            person = Person(name=name, id_number=number, id_index=indexes[number], sex=row.identity.sex,
                            birth_date=row.identity.birth_date, phone=phone,
                            phone_index=blind_index(phone) if phone else "",
                            address=(row.address or "").strip()[:200], unit=row.unit, grid=row.grid)
            by_number[number] = person
            open_of[number] = {}
            new_people.append(person)
            audits.append(("care.person.create", person, {"unit": row.unit.code}, person.masked_name))
            result.outcome = "created"
        else:
            address = row.address if row.address is not None else person.address
            changes = {"name": name, "unit": row.unit, "grid": row.grid, "phone": phone,
                       "address": (address or "").strip()[:200]}
            changed = [key for key, value in changes.items() if getattr(person, key) != value]
            if changed:
                for key, value in changes.items():
                    setattr(person, key, value)
                person.phone_index = blind_index(phone) if phone else ""
                if person.pk is not None:
                    person.updated_at = timezone.now()
                    changed_people[person.pk] = person
                audits.append(("care.person.update", person, {"changed": changed}, person.masked_name))
            result.outcome = "updated"
        result.person = touched[number] = person
        opened = open_of[number]
        category = row.category
        membership = opened.get(category.pk)
        created = membership is None
        if created or (membership.since, membership.source, membership.values) != (row.since, row.source, clean):
            if created:
                membership = opened[category.pk] = CareMembership(person=person, category=category)
                new_memberships.append(membership)
            elif membership.pk is not None:
                changed_memberships[membership.pk] = membership
            membership.since, membership.source, membership.values = row.since, row.source, clean
            audits.append(("care.membership.start" if created else "care.membership.update", person,
                           {"category": category.code, "source": row.source, "since": row.since.isoformat()},
                           person.masked_name))
        if row.wanted is not None and number not in ended_for:
            ended_for.add(number)
            leaving = [m for m in opened.values() if m.source == Source.CIVIL_AFFAIRS and m.category_id not in row.wanted]
            for membership in sorted(leaving, key=lambda m: (m.category.order, m.since)):
                membership.until = max(today, membership.since)
                del opened[membership.category_id]
                if membership.pk is not None:
                    ended_memberships.append(membership)
                audits.append(("care.membership.end", person, {"category": membership.category.code,
                                                               "until": membership.until.isoformat(),
                                                               "reason": end_reason[:200]}, person.masked_name))
    with transaction.atomic():  # a person registered meanwhile: IntegrityError, and people_import looks again
        Person.objects.bulk_create(new_people, batch_size=500)
    Person.objects.bulk_update(list(changed_people.values()),
                               ["name", "unit", "grid", "phone", "phone_index", "address", "updated_at"],
                               batch_size=500)
    CareMembership.objects.bulk_update(ended_memberships, ["until"], batch_size=500)
    CareMembership.objects.bulk_update(list(changed_memberships.values()), ["since", "source", "values"],
                                       batch_size=500)
    CareMembership.objects.bulk_create(new_memberships, batch_size=500)
    audit_record_many(actor=actor, entries=audits)
    rules = risk.active_rules()
    refreshed = [person for number, person in touched.items()
                 if _reevaluate(person, list(open_of[number].values()), today=today, rules=rules)]
    if refreshed:
        _write_refreshed([(p.pk, p.risk_computed, p.risk_level, p.next_visit_due) for p in refreshed])
    return results


@transaction.atomic
def assignment_start(*, actor, person: Person, carer, role: str, since: date | None = None) -> CareAssignment:
    permissions.require_manage(actor, person)
    _require_current(person)
    if role not in CarerRole.values:
        raise BadInput(_("Unknown role “%(value)s”.") % {"value": role})
    if not carer.is_active or carer.is_resident:
        raise BadInput(_("The responsible person must be an active staff account."))
    if CareAssignment.objects.filter(person=person, carer=carer, until__isnull=True).exists():
        raise BadInput(_("%(carer)s is already responsible for %(name)s.") % {
            "carer": carer, "name": person.masked_name})
    assignment = CareAssignment.objects.create(person=person, carer=carer, role=role, since=since or _today())
    _audit(actor, "care.assignment.start", person, {"carer": carer.get_username(), "role": role})
    return assignment


@transaction.atomic
def assignment_end(*, actor, assignment: CareAssignment) -> None:
    permissions.require_manage(actor, assignment.person)
    if CareAssignment.objects.filter(pk=assignment.pk, until__isnull=True).update(until=_today()):
        _audit(actor, "care.assignment.end", assignment.person,
               {"carer": assignment.carer.get_username(), "role": assignment.role})


def _require_current(person: Person) -> None:
    if person.ended_on is not None:
        raise InvalidTransition(_("%(name)s's record was ended on %(date)s; it can no longer be changed.") % {
            "name": person.masked_name, "date": person.ended_on.isoformat()})


@transaction.atomic
def person_end(*, actor, person: Person, ended_on: date, reason: str, note: str = "") -> Person:
    """End a record (moved away, died): every open membership and assignment ends that day, the person
    leaves the due lists and the figures; the record and its history stay, and can still be found."""
    locked = Person.objects.select_for_update(of=("self",)).select_related("unit", "grid").get(pk=person.pk)
    permissions.require_manage(actor, locked)
    _require_current(locked)
    if reason not in EndReason.values:
        raise BadInput(_("Say why the record ends: moved away, died or other."))
    note = (note or "").strip()
    if reason == EndReason.OTHER and not note:
        raise BadInput(_("Say in the note why the record ends."))
    if len(note) > 200:
        raise BadInput(_("The note may be at most 200 characters."))
    if ended_on is None:
        raise BadInput(_("Give the date the record ends."))
    if ended_on > _today():
        raise BadInput(_("The record cannot end in the future."))
    if ended_on < locked.birth_date:
        raise BadInput(_("The record cannot end before the person was born."))
    if locked.last_visit_at and ended_on < timezone.localdate(locked.last_visit_at):
        raise BadInput(_("The record cannot end before the last visit, on %(date)s.") % {
            "date": timezone.localdate(locked.last_visit_at).isoformat()})
    memberships = assignments = 0
    for membership in CareMembership.objects.select_for_update().filter(person=locked, until__isnull=True):
        membership.until = max(ended_on, membership.since)
        membership.save(update_fields=["until"])
        memberships += 1
    for assignment in CareAssignment.objects.select_for_update().filter(person=locked, until__isnull=True):
        assignment.until = max(ended_on, assignment.since)
        assignment.save(update_fields=["until"])
        assignments += 1
    locked.ended_on, locked.end_reason, locked.end_note = ended_on, reason, note
    locked.next_visit_due = None
    locked.save(update_fields=["ended_on", "end_reason", "end_note", "next_visit_due", "updated_at"])
    _audit(actor, "care.person.end", locked, {"ended_on": ended_on.isoformat(), "reason": reason, "note": note,
                                              "memberships": memberships, "assignments": assignments})
    person.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


# --- risk ----------------------------------------------------------------------------------------------

def person_refresh(person: Person, *, today: date | None = None, rules=None) -> Person:
    """Re-evaluate the rules for ``person`` and their next visit due; saves only what changed. Not a
    change anyone made (no audit): the services that change a person call it, and so does the nightly
    refresh, since "days since the last visit" grows by itself."""
    memberships = list(person.memberships.filter(until__isnull=True).select_related("category"))
    if _reevaluate(person, memberships, today=today or _today(),
                   rules=rules if rules is not None else risk.active_rules()):
        Person.objects.filter(pk=person.pk).update(risk_computed=person.risk_computed, risk_level=person.risk_level,
                                                   next_visit_due=person.next_visit_due)
    return person


def _reevaluate(person: Person, memberships: list[CareMembership], *, today: date, rules) -> bool:
    """Set ``person``'s computed risk, level and next visit due from their open ``memberships`` (each with
    its category); whether anything changed (the caller saves it)."""
    computed = risk.evaluate(risk.facts_for(person, memberships=memberships, today=today), rules)
    level = person.risk_override or computed
    due = None if person.ended_on else risk.next_due(
        last_visit_at=person.last_visit_at, registered_at=person.created_at, level=level,
        categories=[m.category for m in memberships])
    if (person.risk_computed, person.risk_level, person.next_visit_due) == (computed, level, due):
        return False
    person.risk_computed, person.risk_level, person.next_visit_due = computed, level, due
    return True


def people_refresh(*, today: date | None = None, category: CareCategory | None = None, chunk: int = 5000,
                   progress=None) -> int:
    """The nightly refresh (``manage.py care_refresh``) and the re-evaluation after a rule or a plan
    changes (care.tasks): every person, or those of ``category``, CHUNK at a time, each chunk read in two
    queries (as tuples, not model instances: a million people a night) and written in one UPDATE of only
    the rows that changed. The same rules as ``person_refresh`` (care.risk.evaluate, the shortest
    interval of the person's categories). Idempotent: run twice, the second run writes nothing. Returns
    how many were looked at."""
    from django.db import connection

    today = today or _today()
    rules = risk.active_rules()
    if connection.vendor == "postgresql":
        from care import bulk

        # The same rules as one SQL expression, evaluated by the database range by range.
        seen = bulk.refresh(rules, today=today, category_id=category.pk if category is not None else None,
                            progress=progress)
        if seen is not None:
            return seen
    everyone_rules = [rule for rule in rules if rule.category_id is None]
    rules_of: dict[int, list] = {}
    for rule in rules:
        if rule.category_id is not None:
            rules_of.setdefault(rule.category_id, []).append(rule)
    categories = {c.pk: c for c in CareCategory.objects.all()}
    qs = Person.objects.all()
    if category is not None:
        qs = qs.filter(pk__in=CareMembership.objects.filter(category=category).values("person_id"))
    last, seen = 0, 0
    while True:
        # The last visit's (or the registration's) local date computed by the database: parsing a million
        # timestamps in Python costs more than the rules.
        rows = list(qs.filter(pk__gt=last).order_by("pk").annotate(
            last_day=Coalesce(TruncDate("last_visit_at"), TruncDate("created_at")),
            visited=ExpressionWrapper(Q(last_visit_at__isnull=False), output_field=BooleanField()),
        ).values_list("pk", "birth_date", "visited", "last_day", "risk_override", "risk_computed", "risk_level",
                      "next_visit_due")[:chunk])
        if not rows:
            return seen
        open_by_person: dict[int, dict[int, dict]] = {}
        for person_id, category_id, values in CareMembership.objects.filter(
                person_id__in=[row[0] for row in rows], until__isnull=True).values_list(
                "person_id", "category_id", "values"):
            open_by_person.setdefault(person_id, {})[category_id] = values or {}
        changed = []
        for pk, birth, visited, last_day, override, was_computed, was_level, was_due in rows:
            values_by_category = open_by_person.get(pk, {})
            facts = risk.Facts(age=risk.age_on(birth, today), days_since_visit=(today - last_day).days,
                               values_by_category=values_by_category)
            applicable = everyone_rules + [r for cid in values_by_category for r in rules_of.get(cid, ())]
            computed = risk.evaluate(facts, applicable)
            level = override or computed
            if not values_by_category:
                due = None
            elif not visited:
                due = last_day
            else:
                due = last_day + timedelta(days=min(categories[cid].visit_days(level) for cid in values_by_category))
            if (was_computed, was_level, was_due) != (computed, level, due):
                changed.append((pk, computed, level, due))
        if changed:
            _write_refreshed(changed)
        seen += len(rows)
        last = rows[-1][0]
        if progress:
            progress(len(rows))


def _write_refreshed(changed: list[tuple]) -> None:
    """One UPDATE for the chunk's (pk, computed, level, due): on PostgreSQL from arrays (unnest),
    elsewhere Django's bulk_update."""
    from django.db import connection

    if connection.vendor != "postgresql":
        people = [Person(pk=pk, risk_computed=computed, risk_level=level, next_visit_due=due)
                  for pk, computed, level, due in changed]
        with transaction.atomic():
            Person.objects.bulk_update(people, ["risk_computed", "risk_level", "next_visit_due"], batch_size=500)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE care_person AS p SET risk_computed = v.computed, risk_level = v.level, next_visit_due = v.due "
            "FROM unnest(%s::int[], %s::text[], %s::text[], %s::date[]) AS v(id, computed, level, due) "
            "WHERE p.id = v.id",
            [list(column) for column in zip(*changed, strict=True)])


# --- escalation of overdue visits ----------------------------------------------------------------------

def escalation_sweep(*, today: date | None = None) -> dict:
    """Move each overdue person to the queue their lateness calls for: EscalationSettings' N days overdue
    → the village's, N + M → the township's; back to none once visited (or no longer overdue). Set-based
    (three UPDATEs), and idempotent: an Escalation row is written once per person, level and due date
    (a unique constraint), so a sweep run twice tells no one twice. Returns the counts moved."""
    today = today or _today()
    config = EscalationSettings.current()
    village_cut = today - timedelta(days=config.village_after_days)
    township_cut = village_cut - timedelta(days=config.township_after_days)
    to_township = Person.objects.filter(next_visit_due__lte=township_cut).exclude(escalation=EscalationLevel.TOWNSHIP)
    to_village = Person.objects.filter(next_visit_due__gt=township_cut, next_visit_due__lte=village_cut).exclude(
        escalation=EscalationLevel.VILLAGE)
    counts = {}
    from django.db import connection

    if connection.vendor == "postgresql":
        from care import bulk

        # INSERT … SELECT and UPDATE by ranges of ids: no row through Python.
        counts[EscalationLevel.TOWNSHIP.value] = bulk.escalate(
            EscalationLevel.TOWNSHIP, unit_of_township=True, due_from=None, due_until=township_cut)
        counts[EscalationLevel.VILLAGE.value] = bulk.escalate(
            EscalationLevel.VILLAGE, unit_of_township=False, due_from=township_cut, due_until=village_cut)
    else:
        for level, qs in ((EscalationLevel.TOWNSHIP, to_township), (EscalationLevel.VILLAGE, to_village)):
            counts[level.value] = _escalate(qs, level)
    counts["cleared"] = Person.objects.filter(Q(next_visit_due__gt=village_cut) | Q(next_visit_due__isnull=True)) \
        .exclude(escalation="").update(escalation="")
    return counts


def _escalate(qs, level: str, chunk: int = 5000) -> int:
    moved, last = 0, 0
    while True:
        rows = list(qs.filter(pk__gt=last).order_by("pk").values_list("pk", "unit_id", "unit__parent_id",
                                                                      "next_visit_due")[:chunk])
        if not rows:
            return moved
        with transaction.atomic():
            Escalation.objects.bulk_create(
                [Escalation(person_id=pk, level=level, due_on=due,
                            unit_id=parent if level == EscalationLevel.TOWNSHIP and parent else unit)
                 for pk, unit, parent, due in rows], ignore_conflicts=True)
            moved += Person.objects.filter(pk__in=[row[0] for row in rows]).update(escalation=level)
        last = rows[-1][0]


def escalations_deliver() -> int:
    """Tell the staff of each unit that overdue visits were escalated to it: one in-site message (站内信)
    per person per unit and run, however many people. Each unit's rows are claimed with one conditional
    UPDATE (its row count is the number told) in the same transaction as the messages, so each is told
    once; a fixed number of queries per unit, none per row. Returns the rows delivered."""
    from django.conf import settings as django_settings
    from django.utils.translation import override

    from appeals.models import Message
    from orgs.models import Membership, Role, Unit

    unit_ids = list(Escalation.objects.filter(notified_at__isnull=True).values_list("unit_id", flat=True)
                    .distinct().order_by("unit_id"))
    if not unit_ids:
        return 0
    staff: dict[int, set] = {}
    for membership in Membership.objects.filter(unit_id__in=unit_ids, user__is_active=True,
                                                role__in=[Role.HANDLER, Role.SUPERVISOR, Role.LEADER]) \
            .select_related("user"):
        staff.setdefault(membership.unit_id, set()).add(membership.user)
    names = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    delivered = 0
    for unit_id in unit_ids:
        with transaction.atomic():
            n = Escalation.objects.filter(notified_at__isnull=True, unit_id=unit_id).update(notified_at=timezone.now())
            delivered += n
            if not n or not staff.get(unit_id):
                continue
            with override(django_settings.LANGUAGE_CODE):
                text = _("%(n)s visits to people in care are overdue and were escalated to %(unit)s: see "
                         "Overdue visits (走访超期).") % {"n": n, "unit": names.get(unit_id, "")}
            Message.objects.bulk_create([Message(recipient=user, text=text[:500])
                                         for user in sorted(staff[unit_id], key=lambda u: u.pk)])
    return delivered


@transaction.atomic
def person_override_risk(*, actor, person: Person, level: str, reason: str) -> Person:
    """Set the risk level by hand (or clear it with ``level`` ""), giving the reason; audited."""
    locked = Person.objects.select_for_update(of=("self",)).select_related("unit", "grid").get(pk=person.pk)
    permissions.require_manage(actor, locked)
    reason = (reason or "").strip()
    if not reason:
        raise BadInput(_("Give the reason for setting the risk level by hand."))
    if len(reason) > 200:
        raise BadInput(_("The reason may be at most 200 characters."))
    if level and level not in RiskLevel.values:
        raise BadInput(_("Unknown risk level “%(value)s”.") % {"value": level})
    before = locked.risk_override
    locked.risk_override, locked.risk_override_reason = level, reason if level else ""
    locked.save(update_fields=["risk_override", "risk_override_reason", "updated_at"])
    _audit(actor, "care.risk.override" if level else "care.risk.override_cleared", locked,
           {"from": before or locked.risk_computed, "to": level or locked.risk_computed, "reason": reason})
    person_refresh(locked)
    person.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


# --- personal data in clear ------------------------------------------------------------------------------

def person_reveal(*, actor, person: Person, purpose: str) -> dict:
    """The clear ID number and phone, for a stated purpose; always audited."""
    permissions.require_reveal(actor, person)
    purpose = (purpose or "").strip()
    if len(purpose) < 2:
        raise BadInput(_("Say why you need the ID number and phone in clear."))
    audit_record(actor=actor, verb="care.person.reveal", target=person, label=person.masked_name,
                 data={"purpose": purpose[:200]})
    return {"id_number": person.id_number, "phone": person.phone}


# --- visits ----------------------------------------------------------------------------------------------

@dataclass
class NeedInput:
    """What a visitor found that needs doing: filed as a demand (appeals) in the person's place."""

    title: str
    description: str
    appeal_type: str = "help"


def seasonal_checks_for(person: Person, day: date) -> list[SeasonalCheck]:
    """The seasonal checks whose window is open on ``day`` and that apply to one of the person's open
    categories."""
    categories = person.memberships.filter(until__isnull=True).values("category_id")
    return [check for check in SeasonalCheck.objects.filter(is_active=True, categories__in=categories).distinct()
            if check.window_containing(day)]


def checklist_items(person: Person, *, day: date | None = None) -> list[tuple[str, str]]:
    """The common items, those of the person's open categories, and those of the seasonal checks open
    on ``day`` (today), without repeats. A seasonal item's key is "season<id>_<name>"."""
    items = [(key, str(label)) for key, label in COMMON_CHECKLIST]
    seen = {key for key, _label in items}
    for membership in person.memberships.filter(until__isnull=True).select_related("category"):
        for item in membership.category.checklist or []:
            if item["name"] not in seen:
                seen.add(item["name"])
                items.append((item["name"], item["label"]))
    for check in seasonal_checks_for(person, day or _today()):
        for item in check.checklist or []:
            items.append((f"{check.key}_{item['name']}", f"{check.name}: {item['label']}"))
    return items


def seasonal_check_save(*, actor, check: SeasonalCheck) -> SeasonalCheck:
    """Save a seasonal check (the admin); its items are checked like a category's."""
    permissions.require_configure(actor)
    if not isinstance(check.checklist, list) or not check.checklist or not all(
            isinstance(item, dict) and FIELD_NAME.match(str(item.get("name", ""))) and item.get("label")
            for item in check.checklist):
        raise BadInput(_("The checklist items must be a list of objects with name (lower-case letters, digits "
                         "and _) and label."))
    for month, day in ((check.start_month, check.start_day), (check.end_month, check.end_day)):
        try:
            date(2024, month, day)
        except (TypeError, ValueError):
            raise BadInput(_("%(month)s/%(day)s is not a day of the year.") % {"month": month, "day": day}) from None
    created = check.pk is None
    check.save()
    _audit(actor, "care.seasonal_check.create" if created else "care.seasonal_check.update", check,
           {"name": check.name, "from": f"{check.start_month}-{check.start_day}",
            "until": f"{check.end_month}-{check.end_day}"})
    return check


def escalation_settings_save(*, actor, config: EscalationSettings) -> EscalationSettings:
    permissions.require_configure(actor)
    if config.village_after_days < 1 or config.township_after_days < 1:
        raise BadInput(_("The days must be at least 1."))
    config.save()
    _audit(actor, "care.escalation_settings.update", config, {"village_after_days": config.village_after_days,
                                                             "township_after_days": config.township_after_days})
    return config


def _check_visit(person, visited_at: datetime, checklist: dict, notes: str) -> tuple[dict, str]:
    """The checklist may hold the seasonal items of the visit's day (a visit recorded the day after
    its window closed keeps them)."""
    if visited_at is None:
        raise BadInput(_("Give the time of the visit."))
    if timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at)
    if visited_at > timezone.now() + CLOCK_SKEW:
        raise BadInput(_("The visit cannot be in the future."))
    if visited_at.date() < person.birth_date:
        raise BadInput(_("The visit cannot be before the person was born."))
    allowed = {key for key, _label in checklist_items(person, day=timezone.localdate(visited_at))}
    allowed |= {key for key, _label in checklist_items(person)}
    clean = {}
    for key, value in (checklist or {}).items():
        if key not in allowed or value not in CHECK_VALUES:
            raise BadInput(_("The checklist item %(item)s is not known.") % {"item": key})
        clean[key] = value
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise BadInput(_("The notes may be at most %(n)s characters.") % {"n": MAX_NOTES})
    return clean, notes


@transaction.atomic
def visit_record(*, actor, person: Person, visited_at: datetime, token: str, checklist: dict | None = None,
                 notes: str = "", need: NeedInput | None = None, photos=()) -> tuple[Visit, bool]:
    """Record a visit (and file what it found as a demand): (visit, created). The form's ``token`` makes
    it idempotent: sent again (an upload that seemed to fail, a double tap), the visit already recorded
    is returned and nothing new is written. A refused demand or photo refuses the whole visit, so the
    form comes back with everything typed. ``photos``: uploaded files, checked by core.images."""
    from appeals.models import Channel
    from appeals.services import Intake, appeal_create
    from core.images import check_images

    token = (token or "").strip()
    if not re.fullmatch(r"[-A-Za-z0-9_]{16,64}", token):
        raise BadInput(_("The form is incomplete; open it again."))
    earlier = Visit.objects.filter(token=token).first()
    if earlier is not None:
        if earlier.person_id != person.pk or earlier.visitor_id != actor.pk:
            raise BadInput(_("The form is incomplete; open it again."))
        return earlier, False
    locked = Person.objects.select_for_update(of=("self",)).select_related("unit", "grid").get(pk=person.pk)
    permissions.require_visit(actor, locked)
    if timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at)
    clean, notes = _check_visit(locked, visited_at, checklist or {}, notes)
    checked_photos = check_images(photos, max_count=MAX_VISIT_PHOTOS)
    due = locked.next_visit_due
    visit = Visit(person=locked, visitor=actor, visited_at=visited_at, checklist=clean, notes=notes, token=token,
                  due_on=due, on_time=due is None or timezone.localdate(visited_at) <= due)
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:  # the same form, sent twice at once: the other request recorded it
        return Visit.objects.get(token=token), False
    if need is not None:
        appeal = appeal_create(actor=actor, data=Intake(
            title=need.title, description=need.description, appeal_type=need.appeal_type,
            channel=Channel.GRID_VISIT, place=locked.place, address=locked.address,
            contact_name=locked.name, contact_phone=locked.phone, on_behalf_of=f"{VOUCHER}:{locked.pk}"))
        VisitNeed.objects.create(visit=visit, appeal=appeal)
    for photo in checked_photos:
        VisitPhoto.objects.create(visit=visit, image=photo.upload, content_type=photo.content_type,
                                  size=photo.size, width=photo.width, height=photo.height)
    if locked.last_visit_at is None or visited_at > locked.last_visit_at:
        locked.last_visit_at = visited_at
        locked.save(update_fields=["last_visit_at", "updated_at"])
    _audit(actor, "care.visit.record", locked, {"visit": visit.pk, "need": need is not None,
                                                 "on_time": visit.on_time, "photos": len(checked_photos)})
    person_refresh(locked)
    if locked.escalation and (locked.next_visit_due is None or locked.next_visit_due >= _today()):
        Person.objects.filter(pk=locked.pk).update(escalation="")  # visited: off the village's queue
    return visit, True



# --- a need heard of outside a visit ----------------------------------------------------------------------

VOUCHER = "care.person"


def carer_vouches(actor, place, reference: str) -> bool:
    """appeals' voucher (appeals.extensions): ``actor`` is an open responsible person of the person
    ``reference`` names, whose record is current and whose place is ``place``. Registered by care.apps."""
    if not reference.isdigit():
        return False
    person = Person.objects.select_related("unit", "grid").filter(pk=int(reference)).first()
    return bool(person is not None and person.ended_on is None and getattr(place, "pk", None) == person.place.pk
                and permissions.is_carer(actor, person))


@transaction.atomic
def person_need_file(*, actor, person: Person, need: NeedInput) -> PersonNeed:
    """A need a responsible person heard of (a village cadre, a volunteer), filed as a demand in the person's
    place through appeals (channel 走访), linked to the person. Appeals lets a carer who records no demands
    otherwise do it for this person only, on care's word (carer_vouches)."""
    from appeals.models import Channel
    from appeals.services import Intake, appeal_create

    locked = Person.objects.select_for_update(of=("self",)).select_related("unit", "grid").get(pk=person.pk)
    permissions.require_file_need(actor, locked)
    appeal = appeal_create(actor=actor, data=Intake(
        title=need.title, description=need.description, appeal_type=need.appeal_type,
        channel=Channel.GRID_VISIT, place=locked.place, address=locked.address,
        contact_name=locked.name, contact_phone=locked.phone, on_behalf_of=f"{VOUCHER}:{locked.pk}"))
    link = PersonNeed.objects.create(person=locked, appeal=appeal, filed_by=actor)
    _audit(actor, "care.need.file", locked, {"appeal": appeal.code})
    return link


# --- exports ------------------------------------------------------------------------------------------------

def export_audit(*, actor, what: str, rows: int, filters: dict | None = None) -> None:
    """Every export from the staff pages is in the audit trail: which list, how many rows, which filters."""
    audit_record(actor=actor, verb="care.export", target=None, label=str(what)[:200],
                 data={"rows": rows, "filters": filters or {}})


def person_access_export(*, actor, person: Person, purpose: str, fmt: str) -> dict:
    """A PIPL access request (个人信息查阅复制): the person's whole record, in clear, for them. The stated
    purpose is kept in the audit trail with the format given (xlsx or the printable page)."""
    from care.selectors import person_record

    permissions.require_export_access(actor, person)
    purpose = (purpose or "").strip()
    if len(purpose) < 2:
        raise BadInput(_("Say why the record is exported, e.g. the person's request of today."))
    if fmt not in ("xlsx", "print"):
        raise BadInput(_("Choose the spreadsheet or the printable page."))
    audit_record(actor=actor, verb="care.person.access_export", target=person, label=person.masked_name,
                 data={"purpose": purpose[:200], "format": fmt})
    return person_record(person)
