"""Every change in facilities. Each function is keyword-only, atomic, checks the actor's permission
again (facilities.permissions) and records what it did: a booking's own timeline (BookingEvent) or the
audit trail (core.audit; labels in facilities/audit.py). Pages, the admin, the demo and the bench all
come through here.

Capacity holds under concurrency without a lock around the whole booking: a place is taken by one
conditional UPDATE (``confirmed < capacity``), which the database applies to the row one writer at a
time on PostgreSQL and SQLite alike; whoever finds no place is put on the waiting list."""

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from core.audit import audit_record
from core.crypto import blind_index, mask_name
from core.errors import BadInput, InvalidTransition, NotAllowed, NotFound
from facilities import permissions
from facilities.hours import parse_hours
from facilities.models import (
    ACTIVE_STATES,
    Booking,
    BookingEvent,
    BookingState,
    Facility,
    FacilityPhoto,
    FacilityStaff,
    FacilityStatusPeriod,
    FacilityType,
    FieldType,
    MealOrder,
    OpeningPeriod,
    PriceRule,
    Resource,
    ResourceKind,
    Slot,
    SlotPattern,
    Status,
)

# Repeat no-shows: this many in the window and the person may not book until the oldest leaves it.
NO_SHOW_LIMIT = 3
NO_SHOW_WINDOW_DAYS = 60
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CLAIMED_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}


def _now() -> datetime:
    return timezone.now()


def _audit(actor, verb, target, data=None, label=None):
    return audit_record(actor=actor, verb=verb, target=target, data=data or {}, label=label)


# --- configuration (city administrators, through the admin) ----------------------------------------------

def type_fields_check(fields) -> list[dict]:
    if not isinstance(fields, list):
        raise BadInput(_("The fields must be a list of objects with name, label, type and choices."))
    clean, seen = [], set()
    for number, spec in enumerate(fields, start=1):
        if not isinstance(spec, dict) or not str(spec.get("name", "")).isidentifier() or not spec.get("label"):
            raise BadInput(_("Field %(n)s needs a name (letters, digits and _) and a label.") % {"n": number})
        kind = spec.get("type", "text")
        if kind not in FieldType.values:
            raise BadInput(_("Field %(n)s: the type must be one of %(types)s.") % {
                "n": number, "types": ", ".join(FieldType.values)})
        if spec["name"] in seen:
            raise BadInput(_("Field %(n)s: the name %(name)s is used twice.") % {"n": number, "name": spec["name"]})
        seen.add(spec["name"])
        choices = spec.get("choices") or []
        if kind == FieldType.CHOICE and not choices:
            raise BadInput(_("Field %(n)s: a choice field needs a list of choices.") % {"n": number})
        clean.append({"name": spec["name"], "label": str(spec["label"]), "type": kind,
                      **({"choices": [str(c) for c in choices]} if kind == FieldType.CHOICE else {})})
    return clean


@transaction.atomic
def facility_type_save(*, actor, facility_type: FacilityType) -> FacilityType:
    permissions.require_configure(actor)
    facility_type.fields = type_fields_check(facility_type.fields)
    created = facility_type.pk is None
    facility_type.save()
    _audit(actor, "facilities.type.create" if created else "facilities.type.update", facility_type,
           {"code": facility_type.code})
    return facility_type


@transaction.atomic
def price_rule_save(*, actor, rule: PriceRule) -> PriceRule:
    permissions.require_configure(actor)
    if not rule.care_category and rule.min_age is None:
        raise BadInput(_("A price rule needs a care category, a minimum age, or both."))
    if rule.price is None or rule.price < 0:
        raise BadInput(_("The price paid may not be negative."))
    created = rule.pk is None
    rule.save()
    _audit(actor, "facilities.price_rule.create" if created else "facilities.price_rule.update", rule,
           {"category": rule.care_category, "min_age": rule.min_age, "price": str(rule.price)})
    return rule


# --- the registry -----------------------------------------------------------------------------------------

@dataclass
class FacilityData:
    """What a staff member types about a facility (the form, the admin and the demo fill it)."""

    name: str
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    capacity: int | None = None
    services: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    hours: str = ""
    hours_note: str = ""
    values: dict | None = None
    closed_on_holidays: bool = False


def _check_values(facility_type: FacilityType, values: dict) -> dict:
    clean, problems = {}, []
    for spec in facility_type.fields:
        raw = (values or {}).get(spec["name"])
        text = "" if raw is None else str(raw).strip()
        if not text:
            continue
        if spec["type"] == FieldType.NUMBER:
            try:
                number = Decimal(text)
            except ArithmeticError:
                problems.append(_("%(label)s: “%(value)s” is not a number.") % {"label": spec["label"], "value": text})
                continue
            clean[spec["name"]] = int(number) if number == number.to_integral_value() else float(number)
        elif spec["type"] == FieldType.DATE:
            try:
                clean[spec["name"]] = date.fromisoformat(text[:10]).isoformat()
            except ValueError:
                problems.append(_("%(label)s: “%(value)s” is not a date like 2024-03-01.") % {
                    "label": spec["label"], "value": text})
        elif spec["type"] == FieldType.CHOICE and text not in spec.get("choices", []):
            problems.append(_("%(label)s: “%(value)s” is not one of %(choices)s.") % {
                "label": spec["label"], "value": text, "choices": "、".join(spec.get("choices", []))})
        else:
            clean[spec["name"]] = text[:200]
    if problems:
        raise BadInput("；".join(str(p) for p in problems), details=problems)
    return clean


def _apply(facility: Facility, data: FacilityData) -> list:
    name = (data.name or "").strip()
    if not name:
        raise BadInput(_("The facility's name is required."))
    if (data.latitude is None) != (data.longitude is None):
        raise BadInput(_("Give both the latitude and the longitude, or neither."))
    if data.latitude is not None and not (-90 <= data.latitude <= 90 and -180 <= data.longitude <= 180):
        raise BadInput(_("The coordinates are out of range: latitude −90 to 90, longitude −180 to 180."))
    if data.capacity is not None and data.capacity < 0:
        raise BadInput(_("The capacity may not be negative."))
    periods = parse_hours(data.hours)
    facility.name = name[:100]
    facility.address = (data.address or "").strip()[:200]
    facility.latitude, facility.longitude = data.latitude, data.longitude
    facility.capacity = data.capacity
    facility.services = (data.services or "").strip()[:2000]
    facility.contact_name = (data.contact_name or "").strip()[:50]
    facility.contact_phone = (data.contact_phone or "").strip()[:30]
    facility.hours_note = (data.hours_note or "").strip()[:200]
    facility.closed_on_holidays = bool(data.closed_on_holidays)
    facility.values = _check_values(facility.type, data.values or {})
    return periods


def _set_hours(facility: Facility, periods) -> None:
    facility.opening_periods.all().delete()
    OpeningPeriod.objects.bulk_create([OpeningPeriod(facility=facility, weekday=day, opens=opens, closes=closes)
                                       for day, opens, closes in periods])


@transaction.atomic
def facility_register(*, actor, facility_type: FacilityType, unit, data: FacilityData,
                      status: str = Status.PLANNED, since: date | None = None) -> Facility:
    permissions.require_register_in(actor, unit, facility_type)
    if status not in Status.values:
        raise BadInput(_("Choose a status: planned, under construction, operating or closed."))
    facility = Facility(type=facility_type, unit=unit, unit_path=unit.path)
    periods = _apply(facility, data)
    since = since or timezone.localdate()
    facility.status, facility.status_since = status, since
    facility.save()
    _set_hours(facility, periods)
    FacilityStatusPeriod.objects.create(facility=facility, status=status, since=since, changed_by=_person(actor))
    _audit(actor, "facilities.facility.create", facility, {"type": facility_type.code, "unit": unit.code,
                                                            "status": status})
    return facility


def _person(actor):
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def facility_update(*, actor, facility: Facility, data: FacilityData, unit=None) -> Facility:
    locked = Facility.objects.select_for_update(of=("self",)).select_related("type").get(pk=facility.pk)
    permissions.require_keep(actor, locked)
    if unit is not None and unit.pk != locked.unit_id:
        permissions.require_register_in(actor, unit, locked.type)
        locked.unit, locked.unit_path = unit, unit.path
    periods = _apply(locked, data)
    locked.save()
    _set_hours(locked, periods)
    _audit(actor, "facilities.facility.update", locked, {"unit": locked.unit.code})
    return locked


@transaction.atomic
def facility_status_change(*, actor, facility: Facility, status: str, since: date, note: str = "") -> Facility:
    """A new status from ``since``: the current period ends that day, the history stays. A change dated
    the same day as the current period corrects it instead."""
    locked = Facility.objects.select_for_update(of=("self",)).select_related("type").get(pk=facility.pk)
    permissions.require_keep(actor, locked)
    if status not in Status.values:
        raise BadInput(_("Choose a status: planned, under construction, operating or closed."))
    current = locked.status_periods.filter(until__isnull=True).first()
    if current is not None:
        if since < current.since:
            raise BadInput(_("The new status cannot begin before the current one (%(date)s).") % {
                "date": current.since.isoformat()})
        if status == current.status:
            raise BadInput(_("%(name)s is %(status)s already.") % {"name": locked.name,
                                                                   "status": Status(status).label})
        if since == current.since:
            current.status, current.note = status, (note or "")[:200]
            current.save(update_fields=["status", "note"])
        else:
            current.until = since
            current.save(update_fields=["until"])
            current = None
    if current is None:
        FacilityStatusPeriod.objects.create(facility=locked, status=status, since=since, note=(note or "")[:200],
                                            changed_by=_person(actor))
    before = locked.status
    locked.status, locked.status_since = status, since
    locked.save(update_fields=["status", "status_since", "updated_at"])
    _audit(actor, "facilities.facility.status", locked, {"from": before, "to": status, "since": since.isoformat()})
    return locked


def _image_format(upload) -> str:
    """The image's real format, read from its bytes; BadInput when it is not the image its name claims."""
    from PIL import Image, UnidentifiedImageError

    name = getattr(upload, "name", "") or ""
    claimed = CLAIMED_FORMATS.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None
    if claimed is None:
        raise BadInput(_("A photo must be a JPEG, PNG or WebP file (.jpg, .png or .webp)."))
    if upload.size > MAX_PHOTO_BYTES:
        raise BadInput(_("The photo is larger than %(mb)s MB.") % {"mb": MAX_PHOTO_BYTES // (1024 * 1024)})
    data = upload.read()
    upload.seek(0)
    try:
        with Image.open(io.BytesIO(data)) as image:
            real = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise BadInput(_("“%(name)s” is not an image, though its name says it is: nothing was saved.")
                       % {"name": name}) from None
    if real != claimed:
        raise BadInput(_("“%(name)s” claims to be %(claimed)s but is %(real)s: rename it or save it again as "
                         "%(claimed)s.") % {"name": name, "claimed": claimed, "real": real or "?"})
    return real


@transaction.atomic
def facility_photo_add(*, actor, facility: Facility, upload, caption: str = "") -> FacilityPhoto:
    permissions.require_keep(actor, facility)
    real = _image_format(upload)
    photo = FacilityPhoto(facility=facility, caption=(caption or "").strip()[:100], extension=PHOTO_FORMATS[real])
    photo.image.save("photo", upload, save=False)
    photo.save()
    _audit(actor, "facilities.photo.add", facility, {"photo": photo.pk})
    return photo


def _photo_of(actor, photo: FacilityPhoto) -> FacilityPhoto:
    locked = (FacilityPhoto.objects.select_for_update(of=("self",)).select_related("facility__type")
              .filter(pk=photo.pk).first())
    if locked is None:
        raise NotFound(_("This photo has been removed already."))
    permissions.require_keep(actor, locked.facility)
    return locked


@transaction.atomic
def facility_photo_update(*, actor, photo: FacilityPhoto, caption: str) -> FacilityPhoto:
    """A new caption (what the photo shows, read out by screen readers)."""
    locked = _photo_of(actor, photo)
    before = locked.caption
    locked.caption = (caption or "").strip()[:100]
    locked.save(update_fields=["caption"])
    _audit(actor, "facilities.photo.update", locked.facility, {"photo": locked.pk, "from": before,
                                                                "to": locked.caption})
    return locked


@transaction.atomic
def facility_photo_remove(*, actor, photo: FacilityPhoto) -> None:
    """Remove a photo: the row now, the file once the change is committed (a rollback keeps both)."""
    locked = _photo_of(actor, photo)
    storage, name = locked.image.storage, locked.image.name
    facility = locked.facility
    _audit(actor, "facilities.photo.remove", facility, {"photo": locked.pk, "caption": locked.caption})
    locked.delete()
    transaction.on_commit(lambda: storage.delete(name) if name else None)


@transaction.atomic
def facility_staff_add(*, actor, facility: Facility, user) -> FacilityStaff:
    permissions.require_keep(actor, facility)
    if user.is_resident:
        raise BadInput(_("A facility's staff need a staff account."))
    existing = facility.staff.filter(user=user, until__isnull=True).first()
    if existing:
        return existing
    post = FacilityStaff.objects.create(facility=facility, user=user, since=timezone.localdate())
    _audit(actor, "facilities.staff.add", facility, {"user": user.pk})
    return post


# --- the booking engine ---------------------------------------------------------------------------------

RESOURCE_FIELDS = ["name", "kind", "capacity", "book_cutoff_minutes", "cancel_cutoff_minutes", "price",
                   "closed_on_holidays"]


@transaction.atomic
def resource_save(*, actor, resource: Resource) -> Resource:
    """Add a bookable resource, or save the edits of one (its name, places per slot, cut-offs, price). The
    places per slot apply to slots made from now on: a slot already published keeps its own. A resource
    that has slots keeps its kind (a court's bookings are not meals)."""
    permissions.require_keep(actor, resource.facility)
    resource.name = (resource.name or "").strip()[:100]
    if not resource.name:
        raise BadInput(_("Name what is booked (a court, a place, a meal)."))
    if resource.kind not in ResourceKind.values:
        raise BadInput(_("Choose what kind of thing is booked."))
    if resource.kind == ResourceKind.MEAL and not resource.facility.type.serves_meals:
        raise BadInput(_("Only a canteen serves meals."))
    if resource.capacity is None or resource.capacity < 1:
        raise BadInput(_("A slot has at least one place."))
    if resource.price is None or resource.price < 0:
        raise BadInput(_("The price may not be negative."))
    created = resource.pk is None
    changes = {}
    if not created:
        before = Resource.objects.select_for_update(of=("self",)).get(pk=resource.pk)
        if before.facility_id != resource.facility_id:
            raise BadInput(_("A resource stays with its facility."))
        if not before.is_active:
            raise InvalidTransition(_("%(name)s is retired: it can no longer be changed.") % {"name": before.name})
        if before.kind != resource.kind and before.slots.exists():
            raise BadInput(_("%(name)s has slots already, so its kind cannot change: retire it and add a new "
                             "resource instead.") % {"name": before.name})
        changes = {f: [str(getattr(before, f)), str(getattr(resource, f))] for f in RESOURCE_FIELDS
                   if getattr(before, f) != getattr(resource, f)}
    resource.save()
    _audit(actor, "facilities.resource.create" if created else "facilities.resource.update", resource,
           {"kind": resource.kind, "capacity": resource.capacity, **({"changes": changes} if changes else {})})
    return resource


@dataclass
class RetireResult:
    deleted: bool
    cancelled_slots: int = 0
    standing_bookings: int = 0


@transaction.atomic
def resource_retire(*, actor, resource: Resource, now: datetime | None = None) -> RetireResult:
    """Take a resource out of use. Never booked: it is removed with its slots and patterns. Booked
    before: it is retired (停用) and kept with its history; its patterns stop, its coming slots that
    nobody holds are cancelled, and the bookings still to come stand (the staff tell those people)."""
    now = now or _now()
    locked = Resource.objects.select_for_update(of=("self",)).select_related("facility__type").get(pk=resource.pk)
    permissions.require_keep(actor, locked.facility)
    if not locked.is_active:
        raise InvalidTransition(_("%(name)s is retired already.") % {"name": locked.name})
    if not Booking.objects.filter(slot__resource=locked).exists():
        _audit(actor, "facilities.resource.delete", locked.facility, {"resource": locked.pk, "name": locked.name})
        locked.delete()
        return RetireResult(deleted=True)
    live = Q(bookings__state__in=ACTIVE_STATES)
    coming = locked.slots.filter(starts_at__gt=now, is_cancelled=False)
    empty = coming.exclude(pk__in=Slot.objects.filter(live, resource=locked).values("pk"))
    cancelled = empty.update(is_cancelled=True)
    standing = Booking.objects.filter(slot__in=coming, state__in=ACTIVE_STATES).count()
    locked.patterns.filter(is_active=True).update(is_active=False)
    locked.is_active, locked.retired_at = False, now
    locked.save(update_fields=["is_active", "retired_at"])
    _audit(actor, "facilities.resource.retire", locked, {"cancelled_slots": cancelled, "standing": standing})
    return RetireResult(deleted=False, cancelled_slots=cancelled, standing_bookings=standing)


@transaction.atomic
def slot_add(*, actor, resource: Resource, starts_at: datetime, ends_at: datetime, capacity: int | None = None,
             menu: str = "") -> Slot:
    """A new slot of ``resource``. Slots of one resource never overlap: the resource row is locked while
    the check runs, so two staff adding at once cannot both pass it."""
    locked = Resource.objects.select_for_update(of=("self",)).select_related("facility__type").get(pk=resource.pk)
    permissions.require_run(actor, locked.facility)
    if not locked.is_active:
        raise InvalidTransition(_("%(name)s is retired: it takes no new slots.") % {"name": locked.name})
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        raise BadInput(_("A slot ends after it starts."))
    capacity = locked.capacity if capacity is None else capacity
    if capacity < 1:
        raise BadInput(_("A slot has at least one place."))
    clash = locked.slots.filter(is_cancelled=False, starts_at__lt=ends_at, ends_at__gt=starts_at).first()
    if clash is not None:
        local = timezone.localtime
        raise BadInput(_("This slot overlaps the slot %(start)s–%(end)s of %(name)s: choose another time.") % {
            "start": f"{local(clash.starts_at):%Y-%m-%d %H:%M}", "end": f"{local(clash.ends_at):%H:%M}",
            "name": locked.name})
    slot = Slot.objects.create(resource=locked, starts_at=starts_at, ends_at=ends_at, capacity=capacity,
                               menu=(menu or "").strip()[:2000])
    _audit(actor, "facilities.slot.create", slot, {"resource": locked.pk, "capacity": capacity})
    return slot


# --- weekly patterns: slots made ahead, once each ---------------------------------------------------------

MAX_WEEKS_AHEAD = 26


def holidays_between(first: date, last: date) -> set[date]:
    """The public holidays of the holiday calendar (appeals' CalendarDay, kept in the admin) in [first, last]."""
    from appeals.models import CalendarDay

    return set(CalendarDay.objects.filter(kind=CalendarDay.Kind.HOLIDAY, date__range=(first, last))
               .values_list("date", flat=True))


@dataclass
class PatternRun:
    created: int = 0
    holidays: int = 0
    taken: int = 0  # days another slot of the resource already covers that time

    def __iadd__(self, other):
        self.created += other.created
        self.holidays += other.holidays
        self.taken += other.taken
        return self


def _check_pattern(resource, weekdays, starts, ends, capacity, weeks_ahead, valid_from, valid_until, pk=None):
    days = sorted({int(d) for d in (weekdays or []) if str(d).lstrip("-").isdigit()})
    if not days or any(d < 0 or d > 6 for d in days):
        raise BadInput(_("Choose at least one day of the week."))
    if starts is None or ends is None or ends <= starts:
        raise BadInput(_("A slot ends after it starts."))
    if capacity < 1:
        raise BadInput(_("A slot has at least one place."))
    if not 1 <= weeks_ahead <= MAX_WEEKS_AHEAD:
        raise BadInput(_("Make slots between 1 and %(n)s weeks ahead.") % {"n": MAX_WEEKS_AHEAD})
    if valid_until is not None and valid_until < valid_from:
        raise BadInput(_("The pattern ends before it begins."))
    others = resource.patterns.filter(is_active=True, starts__lt=ends, ends__gt=starts).exclude(pk=pk)
    for other in others:
        shared = set(other.weekdays) & set(days)
        dates_meet = ((other.valid_until is None or other.valid_until >= valid_from)
                      and (valid_until is None or valid_until >= other.valid_from))
        if shared and dates_meet:
            from facilities.hours import WEEKDAY_LABELS

            raise BadInput(_("This pattern overlaps the pattern %(start)s–%(end)s on 周%(days)s: choose other days "
                             "or hours, or stop that pattern first.") % {
                "start": f"{other.starts:%H:%M}", "end": f"{other.ends:%H:%M}",
                "days": "、".join(WEEKDAY_LABELS[d] for d in sorted(shared))})
    return days


@transaction.atomic
def pattern_create(*, actor, resource: Resource, weekdays, starts, ends, capacity: int | None = None,
                   menu: str = "", weeks_ahead: int = 4, valid_from: date | None = None,
                   valid_until: date | None = None, today: date | None = None) -> tuple[SlotPattern, PatternRun]:
    """A weekly pattern (e.g. Monday to Friday 9:00–11:00, 8 places), and its slots for the weeks ahead."""
    locked = Resource.objects.select_for_update(of=("self",)).select_related("facility__type").get(pk=resource.pk)
    permissions.require_run(actor, locked.facility)
    if not locked.is_active:
        raise InvalidTransition(_("%(name)s is retired: it takes no new slots.") % {"name": locked.name})
    today = today or timezone.localdate()
    valid_from = max(valid_from or today, today)
    capacity = locked.capacity if capacity is None else capacity
    days = _check_pattern(locked, weekdays, starts, ends, capacity, weeks_ahead, valid_from, valid_until)
    pattern = SlotPattern.objects.create(resource=locked, weekdays=days, starts=starts, ends=ends, capacity=capacity,
                                         menu=(menu or "").strip()[:2000], weeks_ahead=weeks_ahead,
                                         valid_from=valid_from, valid_until=valid_until)
    run = _generate(pattern, locked, today)
    _audit(actor, "facilities.pattern.create", locked, {
        "pattern": pattern.pk, "weekdays": days, "starts": f"{starts:%H:%M}", "ends": f"{ends:%H:%M}",
        "capacity": capacity, "weeks": weeks_ahead, "created": run.created, "holidays": run.holidays,
        "taken": run.taken})
    return pattern, run


@transaction.atomic
def pattern_stop(*, actor, pattern: SlotPattern, now: datetime | None = None) -> int:
    """Stop a pattern: no more slots are made; its coming slots nobody has booked are cancelled (the
    booked ones stand). The number of slots cancelled."""
    now = now or _now()
    locked = SlotPattern.objects.select_for_update(of=("self",)).select_related("resource__facility__type").get(
        pk=pattern.pk)
    permissions.require_run(actor, locked.resource.facility)
    if not locked.is_active:
        raise InvalidTransition(_("This pattern was stopped already."))
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    booked = Slot.objects.filter(pattern=locked, bookings__state__in=ACTIVE_STATES).values("pk")
    cancelled = (locked.slots.filter(starts_at__gt=now, is_cancelled=False).exclude(pk__in=booked)
                 .update(is_cancelled=True))
    _audit(actor, "facilities.pattern.stop", locked.resource, {"pattern": locked.pk, "cancelled": cancelled})
    return cancelled


def _generate(pattern: SlotPattern, resource: Resource, today: date, now: datetime | None = None) -> PatternRun:
    """Make the pattern's missing slots from ``today`` to its horizon, none that has begun already; the
    caller holds the resource's row lock, so the overlap check and the inserts are not raced by slot_add
    or another run."""
    now = now or _now()
    run = PatternRun()
    first = max(today, pattern.valid_from)
    last = today + timedelta(weeks=pattern.weeks_ahead) - timedelta(days=1)
    if pattern.valid_until is not None:
        last = min(last, pattern.valid_until)
    if last < first:
        return run
    tz = timezone.get_current_timezone()
    begin = timezone.make_aware(datetime.combine(first, datetime.min.time()), tz)
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), datetime.min.time()), tz)
    existing = list(Slot.objects.filter(resource=resource, starts_at__lt=end + timedelta(days=1),
                                        ends_at__gt=begin - timedelta(days=1))
                    .values_list("starts_at", "ends_at", "is_cancelled", "pattern_id"))
    made_before = {start for start, _end, _cancelled, pid in existing if pid == pattern.pk}
    busy = [(start, stop) for start, stop, cancelled, _pid in existing if not cancelled]
    holidays = holidays_between(first, last) if resource.closed_on_holidays else set()
    new = []
    day = first
    while day <= last:
        if day.weekday() in pattern.weekdays:
            starts_at = timezone.make_aware(datetime.combine(day, pattern.starts), tz)
            ends_at = timezone.make_aware(datetime.combine(day, pattern.ends), tz)
            if starts_at in made_before or starts_at <= now:
                pass  # made by an earlier run (and perhaps cancelled since by the staff: not made again)
            elif day in holidays:
                run.holidays += 1
            elif any(start < ends_at and stop > starts_at for start, stop in busy):
                run.taken += 1
            else:
                new.append(Slot(resource=resource, pattern=pattern, starts_at=starts_at, ends_at=ends_at,
                                capacity=pattern.capacity, menu=pattern.menu))
                busy.append((starts_at, ends_at))
        day += timedelta(days=1)
    Slot.objects.bulk_create(new)
    run.created = len(new)
    if pattern.generated_until is None or pattern.generated_until < last:
        pattern.generated_until = last
        pattern.save(update_fields=["generated_until"])
    return run


def patterns_extend(*, today: date | None = None) -> PatternRun:
    """The scheduler's daily pass: every active pattern of a resource in use at an operating facility gets
    its slots up to its horizon. Idempotent: run twice, it makes nothing the second time."""
    today = today or timezone.localdate()
    total = PatternRun()
    patterns = (SlotPattern.objects.filter(is_active=True, resource__is_active=True,
                                           resource__facility__status=Status.OPERATING)
                .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
                .values_list("pk", flat=True).order_by("resource_id", "pk"))
    for pk in list(patterns):
        with transaction.atomic():
            pattern = SlotPattern.objects.select_related("resource").get(pk=pk)
            resource = Resource.objects.select_for_update(of=("self",)).get(pk=pattern.resource_id)
            run = _generate(pattern, resource, today)
            if run.created:
                _audit(None, "facilities.pattern.extend", resource, {"pattern": pk, "created": run.created})
            total += run
    return total


def read_id_number(text: str) -> tuple[str, date]:
    """(number, birth date) of a 身份证号, checked; BadInput saying what is wrong."""
    number = ric.compact((text or "").strip()).upper()
    if not number:
        raise BadInput(_("Give the diner's ID number: the meal's price depends on their age and care category."))
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise BadInput(_("The ID number must be 18 characters: 17 digits and a digit or X."))
    if number[17] != ric.calc_check_digit(number):
        raise BadInput(_("The ID number's check digit is wrong: check it was typed correctly."))
    try:
        birth = ric.get_birth_date(number)
    except ValidationError:
        raise BadInput(_("The ID number holds no valid birth date.")) from None
    return number, birth


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@dataclass
class MealPrice:
    full_price: Decimal
    price: Decimal
    subsidy: Decimal
    rule: str
    age: int


def meal_price(*, resource: Resource, id_number: str, birth: date, on: date) -> MealPrice:
    """The lowest price among the active rules the diner meets (age on the day, care categories held
    then, read from the care registry); the full price when none applies."""
    from care.selectors import category_codes_by_id_number

    age = _age(birth, on)
    codes = set(category_codes_by_id_number(id_number, on=on))
    best = None
    for rule in PriceRule.objects.filter(is_active=True):
        if rule.care_category and rule.care_category not in codes:
            continue
        if rule.min_age is not None and age < rule.min_age:
            continue
        if best is None or rule.price < best.price:
            best = rule
    full = resource.price
    price = min(best.price, full) if best else full
    return MealPrice(full_price=full, price=price, subsidy=full - price, rule=best.name if best else "", age=age)


def _refuse_repeat_no_shows(holder, for_index, now) -> None:
    """The person who did not come is the one held to the limit: the holder booking for themselves, the
    diner (by ID number) when booked for someone else, whoever booked for them."""
    since = now - timedelta(days=NO_SHOW_WINDOW_DAYS)
    who = {"for_index": for_index} if for_index else {"holder": holder, "for_index": ""}
    missed = list(Booking.objects.filter(state=BookingState.NO_SHOW, slot__starts_at__gte=since, **who)
                  .order_by("slot__starts_at").values_list("slot__starts_at", flat=True))
    if len(missed) >= NO_SHOW_LIMIT:
        until = missed[len(missed) - NO_SHOW_LIMIT] + timedelta(days=NO_SHOW_WINDOW_DAYS)
        raise NotAllowed(_("%(who)s did not come to %(n)s bookings in the last %(days)s days, so may book again "
                           "from %(date)s.") % {"who": _("The diner") if for_index else _("You"), "n": len(missed), "days": NO_SHOW_WINDOW_DAYS,
                                                "date": f"{timezone.localtime(until):%Y-%m-%d}"})


def _event(booking, verb, actor, **data):
    BookingEvent.objects.create(booking=booking, verb=verb, actor=_person(actor), data=data)


@transaction.atomic
def booking_create(*, actor, slot: Slot, for_name: str = "", for_id_number: str = "", delivery: bool = False,
                   delivery_address: str = "", now: datetime | None = None) -> Booking:
    """Book a place in ``slot`` for the actor, or for someone else (代订: a family member, or a grid
    worker for an elderly person; audited). Confirmed while places last, else on the waiting list."""
    now = now or _now()
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise NotAllowed(_("Sign in to book."))
    slot = Slot.objects.select_related("resource__facility__type").get(pk=slot.pk)
    resource, facility = slot.resource, slot.resource.facility
    is_meal = resource.kind == ResourceKind.MEAL
    if not actor.is_resident and not permissions.may_order_for_others(actor, facility):
        raise NotAllowed(_("Staff book here only for the elderly of their own area (代订)."))
    if facility.status != Status.OPERATING or not resource.is_active or slot.is_cancelled:
        raise BadInput(_("This slot cannot be booked: %(name)s is not taking bookings for it.") % {
            "name": facility.name})
    closes = slot.starts_at - timedelta(minutes=resource.book_cutoff_minutes)
    if now >= closes:
        raise BadInput(_("Booking for this slot closed at %(time)s.") % {
            "time": f"{timezone.localtime(closes):%Y-%m-%d %H:%M}"})
    for_name = (for_name or "").strip()[:50]
    number, birth = ("", None)
    if for_id_number or for_name or is_meal or not actor.is_resident:
        if not for_name:
            raise BadInput(_("Give the name of the person the booking is for."))
        number, birth = read_id_number(for_id_number)
    delivery_address = (delivery_address or "").strip()[:200]
    if delivery and not is_meal:
        raise BadInput(_("Only meals are delivered."))
    if delivery and not delivery_address:
        raise BadInput(_("Give the address the meal is delivered to."))
    for_index = blind_index(number) if number else ""
    _refuse_repeat_no_shows(actor, for_index, now)
    if Booking.objects.filter(slot=slot, holder=actor, for_index=for_index, state__in=ACTIVE_STATES).exists():
        raise BadInput(_("This slot is booked already for %(who)s: see 我的预约.") % {
            "who": mask_name(for_name) if for_name else _("you")})
    taken = Slot.objects.filter(pk=slot.pk, is_cancelled=False, confirmed__lt=F("capacity")).update(
        confirmed=F("confirmed") + 1)
    state = BookingState.CONFIRMED if taken else BookingState.WAITING
    booking = Booking(slot=slot, holder=actor, for_name=for_name, for_id_number=number, for_index=for_index,
                      state=state)
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError:  # the same booking sent twice at once: the other one stands
        raise BadInput(_("This slot is booked already for %(who)s: see 我的预约.") % {
            "who": mask_name(for_name) if for_name else _("you")}) from None
    _event(booking, "book", actor, state=state)
    if is_meal:
        price = meal_price(resource=resource, id_number=number, birth=birth,
                           on=timezone.localdate(slot.starts_at))
        MealOrder.objects.create(booking=booking, facility=facility, served_on=timezone.localdate(slot.starts_at),
                                 full_price=price.full_price, price=price.price, subsidy=price.subsidy,
                                 rule=price.rule, age=price.age, delivery=bool(delivery),
                                 delivery_address=delivery_address if delivery else "")
    if for_name:
        _audit(actor, "facilities.booking.proxy", booking,
               {"slot": slot.pk, "for": mask_name(for_name), "by_staff": not actor.is_resident, "state": state},
               label=f"{booking.code} · {mask_name(for_name)}")
    return booking


def _may_cancel(actor, booking) -> bool:
    return booking.holder_id == getattr(actor, "pk", None) or permissions.may_run(actor, booking.slot.resource.facility)


def _promote(slot: Slot, actor) -> list[Booking]:
    """Fill freed places from the waiting list, first come first served."""
    promoted = []
    while True:
        waiting = (Booking.objects.select_for_update().filter(slot=slot, state=BookingState.WAITING)
                   .order_by("created_at", "pk").first())
        if waiting is None:
            break
        taken = Slot.objects.filter(pk=slot.pk, confirmed__lt=F("capacity")).update(confirmed=F("confirmed") + 1)
        if not taken:
            break
        waiting.state = BookingState.CONFIRMED
        waiting.save(update_fields=["state", "changed_at"])
        _event(waiting, "promote", actor)
        promoted.append(waiting)
    return promoted


@transaction.atomic
def booking_cancel(*, actor, booking: Booking, now: datetime | None = None) -> Booking:
    """Cancel before the resource's cut-off; a confirmed place goes to the first on the waiting list."""
    now = now or _now()
    slot = Slot.objects.select_for_update(of=("self",)).select_related("resource__facility__type").get(pk=booking.slot_id)
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    locked.slot = slot
    if not _may_cancel(actor, locked):
        raise NotAllowed(_("Only the person who booked, or the facility's staff, may cancel a booking."))
    if locked.state not in (BookingState.CONFIRMED, BookingState.WAITING):
        raise InvalidTransition(_("This booking is %(state)s: it cannot be cancelled.") % {
            "state": locked.get_state_display()})
    closes = slot.starts_at - timedelta(minutes=slot.resource.cancel_cutoff_minutes)
    if now >= closes and locked.holder_id == actor.pk and not permissions.may_run(actor, slot.resource.facility):
        raise BadInput(_("Cancelling closed at %(time)s; ask the facility (%(phone)s).") % {
            "time": f"{timezone.localtime(closes):%Y-%m-%d %H:%M}",
            "phone": slot.resource.facility.contact_phone or "—"})
    was = locked.state
    locked.state = BookingState.CANCELLED
    locked.save(update_fields=["state", "changed_at"])
    _event(locked, "cancel", actor, was=was)
    if was == BookingState.CONFIRMED:
        Slot.objects.filter(pk=slot.pk).update(confirmed=F("confirmed") - 1)
        _promote(slot, actor)
    return locked


def booking_by_code(code: str) -> Booking | None:
    code = (code or "").strip().upper()
    if "/" in code:  # a scanned URL: the code is its last part
        code = code.rstrip("/").rsplit("/", 1)[-1]
    return (Booking.objects.select_related("slot__resource__facility__type", "holder").filter(code=code).first()
            if code else None)


@transaction.atomic
def booking_check_in(*, actor, booking: Booking, now: datetime | None = None) -> Booking:
    """Staff check a confirmed booking in, on the slot's day."""
    now = now or _now()
    locked = Booking.objects.select_for_update(of=("self",)).select_related("slot__resource__facility__type").get(pk=booking.pk)
    facility = locked.slot.resource.facility
    permissions.require_run(actor, facility)
    if locked.state == BookingState.CHECKED_IN:
        raise InvalidTransition(_("Booking %(code)s was checked in already.") % {"code": locked.code})
    if locked.state != BookingState.CONFIRMED:
        raise InvalidTransition(_("Booking %(code)s is %(state)s: it cannot be checked in.") % {
            "code": locked.code, "state": locked.get_state_display()})
    day = timezone.localdate(locked.slot.starts_at)
    if timezone.localdate(now) != day:
        raise BadInput(_("Booking %(code)s is for %(day)s, not today.") % {"code": locked.code,
                                                                          "day": day.isoformat()})
    locked.state, locked.checked_in_by = BookingState.CHECKED_IN, actor
    locked.save(update_fields=["state", "checked_in_by", "changed_at"])
    _event(locked, "check_in", actor)
    return locked


@transaction.atomic
def slot_record_no_shows(*, actor, slot: Slot, now: datetime | None = None) -> int:
    """After a slot has ended, its confirmed bookings never checked in become no-shows. ``actor`` None:
    the nightly sweep."""
    now = now or _now()
    slot = Slot.objects.select_related("resource__facility__type").get(pk=slot.pk)
    if actor is not None:
        permissions.require_run(actor, slot.resource.facility)
    if now < slot.ends_at:
        raise BadInput(_("The slot has not ended yet."))
    missed = list(Booking.objects.select_for_update().filter(slot=slot, state=BookingState.CONFIRMED))
    for booking in missed:
        booking.state = BookingState.NO_SHOW
        booking.save(update_fields=["state", "changed_at"])
        _event(booking, "no_show", actor)
    return len(missed)


def no_shows_sweep(*, now: datetime | None = None, days: int = 2) -> int:
    """The scheduler's pass: every slot that ended in the last ``days`` days."""
    now = now or _now()
    total = 0
    for slot in Slot.objects.filter(ends_at__lte=now, ends_at__gte=now - timedelta(days=days),
                                    bookings__state=BookingState.CONFIRMED).distinct():
        total += slot_record_no_shows(actor=None, slot=slot, now=now)
    return total
