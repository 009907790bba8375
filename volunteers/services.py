"""Every change in 志愿服务. Each function is keyword-only, atomic, checks the actor's permission again
(volunteers.permissions) and writes an audit row (core.audit; labels in volunteers/audit.py). Pages, the
admin and the demo all come through here. Audit rows carry no personal data: a volunteer is named by
their masked name and row id.

Capacity holds under concurrency: a sign-up takes a place with one conditional UPDATE
(``taken < capacity``), which the database serialises on PostgreSQL and SQLite alike."""

import secrets
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from core.audit import audit_record
from core.crypto import blind_index
from core.errors import BadInput, InvalidTransition, NotAllowed
from volunteers import permissions
from volunteers.models import (
    BANDS,
    Activity,
    ActivityStatus,
    Certificate,
    EntryKind,
    HoursEntry,
    Invitation,
    NeedSource,
    Organisation,
    Signup,
    SignupStatus,
    Skill,
    Slot,
    Volunteer,
    VolunteerKind,
    VolunteerStatus,
)

# Check-in opens this long before a slot starts, and closes when it ends.
CHECK_IN_EARLY = timedelta(minutes=60)
MAX_SLOTS = 20
MAX_CAPACITY = 500
CERTIFICATE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand


def _audit(actor, verb: str, target, data: dict | None = None):
    label = target.masked_name if isinstance(target, Volunteer) else None
    audit_record(actor=actor, verb=verb, target=target, data=data or {}, label=label)


# The demo (volunteers_demo) replays past activities at their own time; nothing else sets this.
_demo_clock: ContextVar[datetime | None] = ContextVar("volunteers_demo_clock", default=None)


@contextmanager
def demo_clock(moment: datetime):
    token = _demo_clock.set(moment)
    try:
        yield
    finally:
        _demo_clock.reset(token)


def _now() -> datetime:
    return _demo_clock.get() or timezone.now()


def _text(value: str, *, limit: int, label: str, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise BadInput(_("%(field)s is required.") % {"field": label})
    if len(value) > limit:
        raise BadInput(_("%(field)s may be at most %(n)s characters.") % {"field": label, "n": limit})
    return value


# --- configuration -------------------------------------------------------------------------------------

@transaction.atomic
def skill_save(*, actor, skill: Skill) -> Skill:
    permissions.require_configure(actor)
    skill.name = _text(skill.name, limit=50, label=_("The name"))
    created = skill.pk is None
    skill.save()
    _audit(actor, "volunteers.skill.create" if created else "volunteers.skill.update", skill, {"code": skill.code})
    return skill


def check_credit_code(code: str) -> str:
    """The 统一社会信用代码 compacted and upper-case, or "" when none is given; BadInput when it is wrong."""
    code = uscc.compact((code or "").strip()).upper()
    if not code:
        return ""
    try:
        return uscc.validate(code)
    except ValidationError:
        raise BadInput(_("The unified social credit code %(code)s is not valid: it has 18 characters and "
                         "its last one is a check character.") % {"code": code}) from None


@transaction.atomic
def organisation_save(*, actor, organisation: Organisation) -> Organisation:
    permissions.require_manage_unit(actor, organisation.unit)
    organisation.name = _text(organisation.name, limit=100, label=_("The name"))
    organisation.credit_code = check_credit_code(organisation.credit_code)
    if organisation.credit_code and Organisation.objects.filter(credit_code=organisation.credit_code).exclude(
            pk=organisation.pk).exists():
        raise BadInput(_("An organisation with this unified social credit code is registered already."))
    created = organisation.pk is None
    organisation.save()
    _audit(actor, "volunteers.organisation.create" if created else "volunteers.organisation.update", organisation,
           {"unit": organisation.unit.code, "kind": organisation.kind, "credit_code": organisation.credit_code})
    return organisation


# --- profiles ------------------------------------------------------------------------------------------

def read_id_number(text: str) -> str:
    """The 身份证号 compacted and upper-case: 18 characters, a valid check digit and birth date."""
    number = ric.compact((text or "").strip()).upper()
    if not number:
        raise BadInput(_("The ID number is required."))
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise BadInput(_("The ID number must be 18 characters: 17 digits and a digit or X."))
    if number[17] != ric.calc_check_digit(number):
        raise BadInput(_("The ID number's check digit is wrong: check it was typed correctly."))
    try:
        birth = ric.get_birth_date(number)
    except ValidationError:
        raise BadInput(_("The ID number holds no valid birth date.")) from None
    if birth > timezone.localdate():
        raise BadInput(_("The ID number holds a birth date in the future."))
    return number


def check_availability(availability) -> dict:
    """{"0": ["morning"], …}: weekdays 0 (Monday) to 6, each with bands of the day."""
    if not isinstance(availability, dict):
        raise BadInput(_("Availability must map weekdays to time bands."))
    clean = {}
    for day, bands in availability.items():
        if str(day) not in {str(n) for n in range(7)}:
            raise BadInput(_("Unknown weekday “%(day)s”.") % {"day": day})
        bands = [band for band in (bands or []) if band]
        unknown = [band for band in bands if band not in BANDS]
        if unknown:
            raise BadInput(_("Unknown time band “%(band)s”.") % {"band": unknown[0]})
        if bands:
            clean[str(day)] = sorted(set(bands), key=list(BANDS).index)
    return clean


@transaction.atomic
def volunteer_apply(*, actor, name: str, id_number: str, unit, skills=(), availability=None,
                    organisation: Organisation | None = None, kind: str = VolunteerKind.VOLUNTEER,
                    consent: bool = False) -> Volunteer:
    """A resident (or a staff member, for a social worker) applies to serve; the community or the team
    approves. Consent to keeping the ID number and to being contacted is required, and recorded."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise NotAllowed(_("Sign in to apply."))
    if not consent:
        raise BadInput(_("Agree to the volunteer notice to apply: it says what is kept and why."))
    if Volunteer.objects.filter(user=actor).exists():
        raise BadInput(_("You have applied already."))
    if kind not in VolunteerKind.values:
        raise BadInput(_("Unknown kind “%(value)s”.") % {"value": kind})
    name = _text(name, limit=50, label=_("The name"))
    number = read_id_number(id_number)
    index = blind_index(number)
    if Volunteer.objects.filter(id_index=index).exists():
        raise BadInput(_("This ID number is registered to another volunteer account."))
    if unit is None:
        raise BadInput(_("Choose the village or community you will serve."))
    if organisation is not None and not organisation.is_active:
        raise BadInput(_("%(org)s no longer takes volunteers.") % {"org": organisation.name})
    volunteer = Volunteer(user=actor, kind=kind, name=name, id_number=number, id_index=index, unit=unit,
                          organisation=organisation, availability=check_availability(availability or {}),
                          consent_at=_now(), code=secrets.token_urlsafe(12))
    try:
        with transaction.atomic():
            volunteer.save()
    except IntegrityError:  # the same account or ID number, at the same moment
        raise BadInput(_("You have applied already.")) from None
    volunteer.skills.set(list(skills))
    _audit(actor, "volunteers.volunteer.apply", volunteer, {"unit": unit.code, "kind": kind,
                                                            "organisation": organisation.pk if organisation else None})
    return volunteer


@transaction.atomic
def volunteer_decide(*, actor, volunteer: Volunteer, approve: bool, id_checked: bool = False,
                     note: str = "") -> Volunteer:
    """Approve an application (the ID was checked against the card, once) or refuse it with a note."""
    locked = Volunteer.objects.select_for_update(of=("self",)).select_related("unit").get(pk=volunteer.pk)
    permissions.require_manage_unit(actor, locked.unit)
    note = _text(note, limit=200, label=_("The note"), required=not approve)
    if locked.status not in (VolunteerStatus.APPLIED, VolunteerStatus.SUSPENDED, VolunteerStatus.REFUSED):
        raise InvalidTransition(_("%(name)s is approved already.") % {"name": locked.masked_name})
    if approve:
        if locked.id_checked_at is None and not id_checked:
            raise BadInput(_("Check the ID card against the number given before approving."))
        if locked.id_checked_at is None:
            locked.id_checked_at, locked.id_checked_by = _now(), actor
        locked.status = VolunteerStatus.APPROVED
    else:
        locked.status = VolunteerStatus.REFUSED
    locked.decision_note = note
    locked.save(update_fields=["status", "id_checked_at", "id_checked_by", "decision_note"])
    _audit(actor, "volunteers.volunteer.approve" if approve else "volunteers.volunteer.refuse", locked,
           {"note": note, "id_checked": bool(locked.id_checked_at)})
    volunteer.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


@transaction.atomic
def volunteer_update_own(*, actor, volunteer: Volunteer, skills, availability) -> Volunteer:
    """A volunteer keeps their own skills and availability up to date."""
    permissions.require_volunteer_self(actor, volunteer)
    volunteer.availability = check_availability(availability or {})
    volunteer.save(update_fields=["availability"])
    volunteer.skills.set(list(skills))
    _audit(actor, "volunteers.volunteer.update", volunteer, {"skills": sorted(s.code for s in skills)})
    return volunteer


def volunteer_reveal(*, actor, volunteer: Volunteer, purpose: str) -> str:
    """The ID number in clear, for a stated purpose (checking it against the card); always audited."""
    permissions.require_manage_unit(actor, volunteer.unit)
    if getattr(actor, "is_superuser", False):
        raise NotAllowed(_("A superuser administers the system; reading a volunteer's ID number takes a role."))
    purpose = (purpose or "").strip()
    if len(purpose) < 2:
        raise BadInput(_("Say why you need the ID number in clear."))
    _audit(actor, "volunteers.volunteer.reveal", volunteer, {"purpose": purpose[:200]})
    return volunteer.id_number


# --- activities ----------------------------------------------------------------------------------------

@dataclass
class SlotInput:
    starts_at: datetime
    ends_at: datetime
    capacity: int


def _check_slots(slots: list[SlotInput]) -> list[SlotInput]:
    if not slots:
        raise BadInput(_("Give the activity at least one time slot."))
    if len(slots) > MAX_SLOTS:
        raise BadInput(_("An activity may have at most %(n)s time slots.") % {"n": MAX_SLOTS})
    now = _now()
    for number, slot in enumerate(slots, start=1):
        if slot.ends_at <= slot.starts_at:
            raise BadInput(_("Time slot %(n)s ends before it starts.") % {"n": number})
        if slot.starts_at < now:
            raise BadInput(_("Time slot %(n)s starts in the past.") % {"n": number})
        if not 1 <= int(slot.capacity) <= MAX_CAPACITY:
            raise BadInput(_("Time slot %(n)s: the places must be between 1 and %(max)s.") % {
                "n": number, "max": MAX_CAPACITY})
    ordered = sorted(slots, key=lambda s: s.starts_at)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.starts_at < before.ends_at:
            raise BadInput(_("Two time slots overlap (%(a)s and %(b)s).") % {
                "a": timezone.localtime(before.starts_at).strftime("%m-%d %H:%M"),
                "b": timezone.localtime(after.starts_at).strftime("%m-%d %H:%M")})
    return ordered


def care_person_in_scope(actor, person_id: int | None):
    """The person in care ``person_id`` as care shows them to ``actor`` (care.selectors), or BadInput."""
    if person_id is None:
        return None
    from care.selectors import people_visible_to

    person = people_visible_to(actor).filter(pk=person_id).first()
    if person is None:
        raise BadInput(_("No person in care with the number %(id)s in your scope.") % {"id": person_id})
    return person


@transaction.atomic
def activity_create(*, actor, title: str, unit, place: str, slots: list[SlotInput], description: str = "",
                    skills=(), organisation: Organisation | None = None, need_source: str = NeedSource.COMMUNITY,
                    need_ref: str = "", care_person_id: int | None = None,
                    withdraw_cutoff_hours: int = 12) -> Activity:
    """Make a need into an activity with its time slots. A need of a person in care links the person's
    id (read through care.selectors: it must be in the actor's scope)."""
    permissions.require_manage_unit(actor, unit)
    title = _text(title, limit=100, label=_("The title"))
    place = _text(place, limit=200, label=_("The place"))
    description = _text(description, limit=4000, label=_("The description"), required=False)
    if need_source not in NeedSource.values:
        raise BadInput(_("Unknown source of the need “%(value)s”.") % {"value": need_source})
    if care_person_id is not None:
        need_source = NeedSource.CARE
        care_person_in_scope(actor, care_person_id)
    elif need_source == NeedSource.CARE:
        raise BadInput(_("Give the number of the person in care this activity serves."))
    if not 0 <= int(withdraw_cutoff_hours) <= 168:
        raise BadInput(_("Withdrawing may close between 0 and 168 hours before a slot."))
    ordered = _check_slots(slots)
    activity = Activity.objects.create(
        title=title, description=description, unit=unit, place=place, organisation=organisation,
        need_source=need_source, need_ref=_text(need_ref, limit=100, label=_("The reference"), required=False),
        care_person_id=care_person_id, withdraw_cutoff_hours=withdraw_cutoff_hours,
        checkin_code=secrets.token_urlsafe(12), created_by=actor)
    activity.skills.set(list(skills))
    Slot.objects.bulk_create([Slot(activity=activity, starts_at=s.starts_at, ends_at=s.ends_at,
                                   capacity=int(s.capacity)) for s in ordered])
    _audit(actor, "volunteers.activity.create", activity, {
        "unit": unit.code, "slots": len(ordered), "need_source": need_source, "care_person": care_person_id})
    return activity


@transaction.atomic
def activity_cancel(*, actor, activity: Activity, reason: str) -> Activity:
    permissions.require_manage_unit(actor, activity.unit)
    reason = _text(reason, limit=200, label=_("The reason"))
    if not Activity.objects.filter(pk=activity.pk, status=ActivityStatus.OPEN).update(
            status=ActivityStatus.CANCELLED):
        raise InvalidTransition(_("The activity is cancelled already."))
    activity.status = ActivityStatus.CANCELLED
    _audit(actor, "volunteers.activity.cancel", activity, {"reason": reason})
    return activity


# --- sign-ups ------------------------------------------------------------------------------------------

def _own_volunteer(actor) -> Volunteer:
    volunteer = Volunteer.objects.filter(user_id=getattr(actor, "pk", None)).first()
    if volunteer is None:
        raise NotAllowed(_("Apply as a volunteer first."))
    if volunteer.status != VolunteerStatus.APPROVED:
        raise NotAllowed(_("Your application has not been approved yet."))
    return volunteer


@transaction.atomic
def signup_create(*, actor, slot: Slot) -> Signup:
    """Take a place in ``slot``: a second sign-up of the same volunteer and a full slot are refused."""
    volunteer = _own_volunteer(actor)
    activity = slot.activity
    if activity.status != ActivityStatus.OPEN:
        raise InvalidTransition(_("This activity is cancelled."))
    if slot.starts_at <= _now():
        raise InvalidTransition(_("This time slot has started: sign-up is closed."))
    if Signup.objects.filter(slot=slot, volunteer=volunteer, status=SignupStatus.SIGNED_UP).exists():
        raise BadInput(_("You are signed up for this time slot already."))
    if not Slot.objects.filter(pk=slot.pk, taken__lt=F("capacity")).update(taken=F("taken") + 1):
        raise InvalidTransition(_("This time slot is full: no places left."))
    try:
        with transaction.atomic():
            signup = Signup.objects.create(slot=slot, volunteer=volunteer)
    except IntegrityError:  # the same volunteer, at the same moment; the outer transaction gives the place back
        raise BadInput(_("You are signed up for this time slot already.")) from None
    slot.refresh_from_db(fields=["taken"])
    _audit(actor, "volunteers.signup.create", volunteer, {"activity": activity.pk, "slot": slot.pk})
    return signup


def withdraw_deadline(signup: Signup) -> datetime:
    return signup.slot.starts_at - timedelta(hours=signup.slot.activity.withdraw_cutoff_hours)


@transaction.atomic
def signup_withdraw(*, actor, signup: Signup) -> Signup:
    permissions.require_volunteer_self(actor, signup.volunteer)
    if _now() > withdraw_deadline(signup):
        raise InvalidTransition(_("Withdrawing closed at %(when)s: tell the organiser instead.") % {
            "when": timezone.localtime(withdraw_deadline(signup)).strftime("%Y-%m-%d %H:%M")})
    if not Signup.objects.filter(pk=signup.pk, status=SignupStatus.SIGNED_UP, checked_in_at__isnull=True).update(
            status=SignupStatus.WITHDRAWN):
        raise InvalidTransition(_("This sign-up is withdrawn already."))
    Slot.objects.filter(pk=signup.slot_id, taken__gt=0).update(taken=F("taken") - 1)
    signup.status = SignupStatus.WITHDRAWN
    _audit(actor, "volunteers.signup.withdraw", signup.volunteer, {"slot": signup.slot_id})
    return signup


def _require_check_actor(actor, signup: Signup) -> str:
    """The volunteer (scanning the activity's code) or staff of the activity's unit (scanning theirs)."""
    if signup.volunteer.user_id == getattr(actor, "pk", None):
        return "self"
    permissions.require_manage_unit(actor, signup.slot.activity.unit)
    return "organiser"


@transaction.atomic
def signup_check_in(*, actor, signup: Signup) -> Signup:
    locked = Signup.objects.select_for_update(of=("self",)).select_related(
        "slot__activity__unit", "volunteer").get(pk=signup.pk)
    by = _require_check_actor(actor, locked)
    if locked.status != SignupStatus.SIGNED_UP:
        raise InvalidTransition(_("This sign-up was withdrawn: sign up again to take part."))
    if locked.checked_in_at is not None:
        raise InvalidTransition(_("Checked in already at %(when)s.") % {
            "when": timezone.localtime(locked.checked_in_at).strftime("%H:%M")})
    now, slot = _now(), locked.slot
    if now < slot.starts_at - CHECK_IN_EARLY:
        raise InvalidTransition(_("Check-in opens an hour before the slot starts (%(when)s).") % {
            "when": timezone.localtime(slot.starts_at).strftime("%m-%d %H:%M")})
    if now > slot.ends_at:
        raise InvalidTransition(_("This time slot has ended: ask the organiser to record your hours."))
    locked.checked_in_at = now
    locked.save(update_fields=["checked_in_at"])
    _audit(actor, "volunteers.signup.check_in", locked.volunteer, {"slot": slot.pk, "by": by})
    signup.checked_in_at = now
    return locked


def served_minutes(signup: Signup, out: datetime) -> int:
    """Minutes present, counted within the slot's length (arriving early or leaving late adds none)."""
    minutes = int((out - signup.checked_in_at).total_seconds() // 60)
    return max(0, min(minutes, signup.slot.minutes))


@transaction.atomic
def signup_check_out(*, actor, signup: Signup) -> HoursEntry:
    """Check out and add the minutes served to the ledger."""
    locked = Signup.objects.select_for_update(of=("self",)).select_related(
        "slot__activity__unit", "volunteer").get(pk=signup.pk)
    by = _require_check_actor(actor, locked)
    if locked.checked_in_at is None:
        raise InvalidTransition(_("You have not checked in yet: check in before checking out."))
    if locked.checked_out_at is not None:
        raise InvalidTransition(_("Checked out already at %(when)s.") % {
            "when": timezone.localtime(locked.checked_out_at).strftime("%H:%M")})
    now = _now()
    locked.checked_out_at = now
    locked.save(update_fields=["checked_out_at"])
    activity = locked.slot.activity
    entry = HoursEntry.objects.create(
        volunteer=locked.volunteer, kind=EntryKind.SERVICE, minutes=served_minutes(locked, now), signup=locked,
        activity=activity, unit=activity.unit, served_on=timezone.localdate(locked.checked_in_at),
        recorded_by=actor if getattr(actor, "pk", None) else None)
    _audit(actor, "volunteers.signup.check_out", locked.volunteer,
           {"slot": locked.slot_id, "minutes": entry.minutes, "by": by})
    signup.checked_out_at = now
    return entry


def signup_for_scan(*, volunteer: Volunteer, activity: Activity) -> Signup:
    """The volunteer's sign-up to the slot of ``activity`` that is on now (or next today)."""
    now = _now()
    signup = (Signup.objects.filter(volunteer=volunteer, slot__activity=activity, status=SignupStatus.SIGNED_UP,
                                    slot__ends_at__gte=now, slot__starts_at__lte=now + CHECK_IN_EARLY)
              .select_related("slot__activity__unit", "volunteer").order_by("slot__starts_at").first())
    if signup is None:
        signup = (Signup.objects.filter(volunteer=volunteer, slot__activity=activity, status=SignupStatus.SIGNED_UP,
                                        checked_in_at__isnull=False, checked_out_at__isnull=True)
                  .select_related("slot__activity__unit", "volunteer").first())
    if signup is None:
        raise BadInput(_("No sign-up of %(name)s to a slot of this activity now: sign up first.") % {
            "name": volunteer.masked_name})
    return signup


# --- the hours ledger ----------------------------------------------------------------------------------

def entry_net_minutes(entry: HoursEntry) -> int:
    return entry.minutes + (entry.corrections.aggregate(n=Sum("minutes"))["n"] or 0)


@transaction.atomic
def hours_correct(*, actor, entry: HoursEntry, minutes: int, reason: str) -> HoursEntry:
    """Correct a service entry to ``minutes`` by adding a correction row with the difference and the
    reason. Nothing is edited; the correction is audited."""
    original = HoursEntry.objects.select_for_update(of=("self",)).select_related("unit", "volunteer").get(pk=entry.pk)
    permissions.require_manage_unit(actor, original.unit)
    reason = (reason or "").strip()
    if not reason:
        raise BadInput(_("Give the reason for the correction: the ledger keeps it."))
    if len(reason) > 200:
        raise BadInput(_("The reason may be at most 200 characters."))
    if original.kind != EntryKind.SERVICE:
        raise BadInput(_("Correct the service entry itself, not a correction."))
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        raise BadInput(_("Give the corrected time in whole minutes.")) from None
    if not 0 <= minutes <= 24 * 60:
        raise BadInput(_("The corrected time must be between 0 and 1440 minutes."))
    delta = minutes - entry_net_minutes(original)
    if delta == 0:
        raise BadInput(_("The entry counts %(n)s minutes already.") % {"n": minutes})
    correction = HoursEntry.objects.create(
        volunteer=original.volunteer, kind=EntryKind.CORRECTION, minutes=delta, activity=original.activity,
        unit=original.unit, served_on=original.served_on, corrects=original, reason=reason, recorded_by=actor)
    _audit(actor, "volunteers.hours.correct", original.volunteer,
           {"entry": original.pk, "delta": delta, "to": minutes, "reason": reason})
    return correction


@transaction.atomic
def certificate_issue(*, actor, volunteer: Volunteer) -> Certificate:
    """A certificate of the volunteer's hours so far, with a code anyone can check."""
    permissions.require_volunteer_self(actor, volunteer)
    totals = HoursEntry.objects.filter(volunteer=volunteer).aggregate(n=Sum("minutes"))
    activities = (HoursEntry.objects.filter(volunteer=volunteer, kind=EntryKind.SERVICE)
                  .values("activity").distinct().count())
    code = "".join(secrets.choice(CERTIFICATE_ALPHABET) for _i in range(10))
    certificate = Certificate.objects.create(volunteer=volunteer, code=code, minutes=totals["n"] or 0,
                                             activities=activities)
    _audit(actor, "volunteers.certificate.issue", volunteer, {"code": code, "minutes": certificate.minutes})
    return certificate


# --- invitations ---------------------------------------------------------------------------------------

@transaction.atomic
def invitation_send(*, actor, activity: Activity, volunteer: Volunteer, reasons: list | None = None) -> Invitation:
    """Invite a suggested volunteer; they see it on their page and get an SMS from the outbox."""
    permissions.require_manage_unit(actor, activity.unit)
    if volunteer.status != VolunteerStatus.APPROVED:
        raise BadInput(_("%(name)s is not an approved volunteer.") % {"name": volunteer.masked_name})
    if activity.status != ActivityStatus.OPEN:
        raise InvalidTransition(_("This activity is cancelled."))
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(activity=activity, volunteer=volunteer, invited_by=actor,
                                                   reasons=reasons or [])
    except IntegrityError:
        raise BadInput(_("%(name)s is invited already.") % {"name": volunteer.masked_name}) from None
    _audit(actor, "volunteers.invitation.send", volunteer, {"activity": activity.pk})
    transaction.on_commit(invitations_deliver)
    return invitation


INVITATION_SMS = gettext_noop("【民生】%(title)s needs volunteers on %(when)s. Open 志愿服务 to sign up.")


def invitations_deliver(*, limit: int = 100) -> int:
    """Send the SMS of invitations not yet sent. Each row is claimed with a conditional UPDATE, so two
    workers never send the same one; a volunteer without a phone is marked sent (they see it on their page)."""
    from accounts.sms import SmsError, sms_send

    sent = 0
    pending = list(Invitation.objects.filter(notified_at__isnull=True).order_by("pk").values_list("pk", flat=True)[:limit])
    for pk in pending:
        if not Invitation.objects.filter(pk=pk, notified_at__isnull=True).update(notified_at=_now()):
            continue  # another worker took it
        invitation = Invitation.objects.select_related("activity", "volunteer__user").get(pk=pk)
        phone = invitation.volunteer.user.phone
        first = invitation.activity.slots.filter(starts_at__gte=_now()).first()
        if not phone or first is None:
            continue
        try:
            sms_send(phone, _(INVITATION_SMS) % {
                "title": invitation.activity.title,
                "when": timezone.localtime(first.starts_at).strftime("%m-%d %H:%M")})
            sent += 1
        except SmsError:  # let it be tried again
            Invitation.objects.filter(pk=pk).update(notified_at=None)
    return sent
