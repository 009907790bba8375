"""Every change in events. Each function is keyword-only, atomic, checks the actor's permission again
(events.permissions) and the transition table (events.lifecycle), and records what it did: a sign-up's
own timeline (SignupEvent) or the audit trail (core.audit; labels in events/audit.py). Pages, the API,
the demo and the bench all come through here.

Capacity holds under concurrency the way facilities' bookings do: a place is taken by one conditional
UPDATE (``confirmed < capacity``) that the database applies to the event's row one writer at a time;
whoever finds no place goes on the waiting list, promoted in order when a place frees up."""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.crypto import blind_index
from core.errors import BadInput, InvalidTransition, NotAllowed
from core.images import check_image
from events import lifecycle, permissions, selectors
from events.models import (
    LIVE_STATES,
    Event,
    EventKind,
    EventPhoto,
    EventState,
    Result,
    Signup,
    SignupEvent,
    SignupState,
    TeamMember,
)

MAX_TEAM = 50
MAX_PHOTOS = 30
MAX_RESULTS = 100
PHONE = re.compile(r"^1[3-9]\d{9}$")


def _now() -> datetime:
    return timezone.now()


def _person(actor):
    return actor if getattr(actor, "pk", None) else None


def _audit(actor, verb, target, data=None, label=None):
    return audit_record(actor=actor, verb=verb, target=target, data=data or {}, label=label)


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


# --- events ----------------------------------------------------------------------------------------------

@dataclass
class EventData:
    """What an organiser types about an event (the form, the API, the demo fill it)."""

    title: str
    kind: str
    place: str
    starts_at: datetime | None
    ends_at: datetime | None
    signup_opens_at: datetime | None
    signup_closes_at: datetime | None
    capacity: int | None
    description: str = ""
    facility_id: int | None = None
    takes_teams: bool = False
    team_min: int | None = None
    team_max: int | None = None
    contact_phone: str = ""


def _apply(event: Event, data: EventData) -> None:
    """Check everything at once and say every problem, in the order of the form."""
    problems = []
    title = (data.title or "").strip()
    if not title:
        problems.append(_("Give the event a title."))
    if data.kind not in EventKind.values:
        problems.append(_("Choose what kind of event it is."))
    facility = None
    if data.facility_id:
        facility = selectors.facility_choice(data.facility_id)
        if facility is None:
            problems.append(_("There is no facility number %(n)s.") % {"n": data.facility_id})
    place = (data.place or "").strip()
    if not place and facility is not None:
        place = f"{facility.name} {facility.address}".strip()
    if not place:
        problems.append(_("Say where it takes place."))
    times = [data.starts_at, data.ends_at, data.signup_opens_at, data.signup_closes_at]
    if any(t is None for t in times):
        problems.append(_("Give the start and end, and when sign-up opens and closes."))
    else:
        if data.ends_at <= data.starts_at:
            problems.append(_("The event must end after it starts."))
        if data.signup_closes_at <= data.signup_opens_at:
            problems.append(_("Sign-up must close after it opens."))
        if data.signup_closes_at > data.starts_at:
            problems.append(_("Sign-up must close before the event starts."))
    if data.capacity is None or data.capacity < 1:
        problems.append(_("Give the number of places (at least 1)."))
    elif data.capacity > 100000:
        problems.append(_("At most 100,000 places."))
    if data.takes_teams:
        low, high = data.team_min, data.team_max
        if not low or not high or low < 1 or high < low or high > MAX_TEAM:
            problems.append(_("A team event needs its team size: at least 1, the largest no smaller than the "
                              "smallest, at most %(n)s.") % {"n": MAX_TEAM})
    contact = (data.contact_phone or "").strip()
    if contact and not re.match(r"^[0-9+\- ]{7,20}$", contact):
        problems.append(_("The contact phone may hold only digits, spaces, + and -."))
    if problems:
        raise BadInput("；".join(str(p) for p in problems), details=[str(p) for p in problems])
    event.title = title[:100]
    event.description = (data.description or "").strip()[:5000]
    event.kind = data.kind
    event.place = place[:200]
    event.facility_id = facility.pk if facility is not None else None
    event.starts_at, event.ends_at = data.starts_at, data.ends_at
    event.signup_opens_at, event.signup_closes_at = data.signup_opens_at, data.signup_closes_at
    event.capacity = data.capacity
    event.takes_teams = bool(data.takes_teams)
    event.team_min = data.team_min if data.takes_teams else None
    event.team_max = data.team_max if data.takes_teams else None
    event.contact_phone = contact[:30]


@transaction.atomic
def event_create(*, actor, unit, data: EventData, department=None) -> Event:
    """A draft event of ``unit`` (organised by ``department`` of that unit, when given)."""
    permissions.require_create_in(actor, unit, department)
    event = Event(unit=unit, unit_path=unit.path, department=department, created_by=_person(actor))
    _apply(event, data)
    event.save()
    _audit(actor, "events.event.create", event, {"unit": unit.code, "kind": event.kind})
    return event


def _lock(event) -> Event:
    return (Event.objects.select_for_update(of=("self",)).select_related("unit", "department__unit")
            .get(pk=event.pk))


@transaction.atomic
def event_update(*, actor, event: Event, data: EventData) -> Event:
    locked = _lock(event)
    permissions.require_organise(actor, locked)
    lifecycle.check(locked, "edit")
    had_signups = locked.signups.exists()
    before = (locked.takes_teams, locked.team_min, locked.team_max)
    _apply(locked, data)
    if had_signups and (locked.takes_teams, locked.team_min, locked.team_max) != before:
        raise BadInput(_("People have signed up already: whether it takes teams, and their size, can no longer "
                         "change."))
    if locked.capacity < locked.confirmed:
        raise BadInput(_("%(n)s have signed up already: the places cannot be fewer.") % {"n": locked.confirmed})
    locked.save()
    _promote(locked, actor)
    _audit(actor, "events.event.update", locked, {"capacity": locked.capacity})
    return locked


def _move(actor, event, action, verb, data=None) -> Event:
    locked = _lock(event)
    permissions.require_organise(actor, locked)
    before = locked.state
    locked.state = lifecycle.check(locked, action)
    locked.save(update_fields=["state", "updated_at"])
    _audit(actor, verb, locked, {"from": before, "to": locked.state, **(data or {})})
    return locked


@transaction.atomic
def event_publish(*, actor, event: Event) -> Event:
    return _move(actor, event, "publish", "events.event.publish")


@transaction.atomic
def event_close(*, actor, event: Event) -> Event:
    """Stop sign-ups early (they also stop by themselves when the window closes)."""
    return _move(actor, event, "close", "events.event.close")


@transaction.atomic
def event_reopen(*, actor, event: Event) -> Event:
    return _move(actor, event, "reopen", "events.event.reopen")


@transaction.atomic
def event_cancel(*, actor, event: Event, reason: str) -> Event:
    """Call the event off, saying why: every live sign-up is cancelled with it."""
    reason = (reason or "").strip()
    if not reason:
        raise BadInput(_("Say why the event is cancelled: the residents who signed up will read it."))
    locked = _move(actor, event, "cancel", "events.event.cancel", {"reason": reason[:200]})
    for signup in Signup.objects.select_for_update().filter(event=locked, state__in=LIVE_STATES):
        signup.state = SignupState.CANCELLED
        signup.save(update_fields=["state", "changed_at"])
        _signup_event(signup, "event_cancelled", actor, reason=reason[:200])
    Event.objects.filter(pk=locked.pk).update(confirmed=0, results_note=_("Cancelled: %(reason)s") % {
        "reason": reason[:200]})
    locked.refresh_from_db()
    return locked


@transaction.atomic
def event_finish(*, actor, event: Event, now: datetime | None = None) -> Event:
    """Once it has begun: the event is over, and whoever signed up and never checked in did not come."""
    now = now or _now()
    locked = _lock(event)
    permissions.require_organise(actor, locked)
    lifecycle.check(locked, "finish")
    if now < locked.starts_at:
        raise BadInput(_("“%(title)s” has not begun yet (%(time)s).") % {"title": locked.title,
                                                                        "time": _when(locked.starts_at)})
    missed = 0
    for signup in Signup.objects.select_for_update().filter(event=locked, state=SignupState.CONFIRMED):
        signup.state = SignupState.NO_SHOW
        signup.save(update_fields=["state", "changed_at"])
        _signup_event(signup, "no_show", actor)
        missed += 1
    for signup in Signup.objects.select_for_update().filter(event=locked, state=SignupState.WAITING):
        signup.state = SignupState.CANCELLED
        signup.save(update_fields=["state", "changed_at"])
        _signup_event(signup, "not_promoted", actor)
    locked.state = EventState.FINISHED
    locked.save(update_fields=["state", "updated_at"])
    _audit(actor, "events.event.finish", locked, {"no_shows": missed})
    return locked


# --- sign-ups ---------------------------------------------------------------------------------------------

def _signup_event(signup, verb, actor, **data):
    SignupEvent.objects.create(signup=signup, verb=verb, actor=_person(actor), data=data)


def read_members(text: str) -> list[tuple[str, str]]:
    """A team's members as typed, one a line: a name, then optionally a mobile number ("王芳 13800138000").
    BadInput names every line that is wrong."""
    members, problems, seen = [], [], set()
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = unicodedata.normalize("NFKC", raw).replace(",", " ").replace("，", " ").strip()
        if not line:
            continue
        phone = ""
        tail = re.search(r"[+\d][\d\s\-]{6,}$", line)
        if tail:
            phone = re.sub(r"[\s\-]", "", tail.group())
            phone = phone[3:] if phone.startswith("+86") else phone
            line = line[:tail.start()].strip()
            if not PHONE.match(phone):
                problems.append(_("Line %(n)s: “%(phone)s” is not an 11-digit mobile number.") % {
                    "n": number, "phone": phone})
                continue
        name = " ".join(line.split())
        if not name or len(name) > 30:
            problems.append(_("Line %(n)s: give the member's name (up to 30 characters).") % {"n": number})
            continue
        if phone and phone in seen:
            problems.append(_("Line %(n)s: the number %(phone)s is given twice.") % {"n": number, "phone": phone})
            continue
        seen.add(phone or None)
        members.append((name, phone))
    if problems:
        raise BadInput("；".join(str(p) for p in problems), details=[str(p) for p in problems])
    return members


@transaction.atomic
def signup_create(*, actor, event: Event, name: str, members: list[tuple[str, str]] | None = None,
                  now: datetime | None = None) -> Signup:
    """A resident signs up for themselves (``name``: theirs) or, for a team event, as the captain of a team
    (``name``: the team's; ``members``: (name, mobile) of each, the captain included). Confirmed while
    places last, else on the waiting list."""
    now = now or _now()
    if not permissions.is_resident(actor):
        raise NotAllowed(_("Sign in as a resident to sign up."))
    event = Event.objects.select_related("unit").get(pk=event.pk)
    place = selectors.resident_place(actor)
    if place is None:
        raise NotAllowed(_("First say which village or community you live in: events are for the residents of "
                           "the place that organises them."))
    if not selectors.sees(place, event) or event.state == EventState.DRAFT:
        raise NotAllowed(_("“%(title)s” is for the residents of %(unit)s.") % {"title": event.title,
                                                                               "unit": event.unit.name})
    if event.state != EventState.PUBLISHED:
        raise InvalidTransition(_("Sign-up for “%(title)s” is not open (%(state)s).") % {
            "title": event.title, "state": EventState(event.state).label})
    if now < event.signup_opens_at:
        raise BadInput(_("Sign-up opens at %(time)s.") % {"time": _when(event.signup_opens_at)})
    if now >= event.signup_closes_at:
        raise BadInput(_("Sign-up closed at %(time)s.") % {"time": _when(event.signup_closes_at)})
    name = (name or "").strip()
    members = list(members or [])
    if event.takes_teams:
        if not name:
            raise BadInput(_("Give your team a name."))
        if not event.team_min <= len(members) <= event.team_max:
            raise BadInput(_("A team has %(low)s to %(high)s members, you included; you listed %(n)s.") % {
                "low": event.team_min, "high": event.team_max, "n": len(members)})
        if Signup.objects.filter(event=event, is_team=True, name=name[:50], state__in=LIVE_STATES).exists():
            raise BadInput(_("A team called “%(name)s” has signed up already: choose another name.") % {
                "name": name[:50]})
        indexes = [blind_index(phone) for _n, phone in members if phone]
        clash = (TeamMember.objects.filter(phone_index__in=indexes, signup__event=event,
                                           signup__state__in=LIVE_STATES).first() if indexes else None)
        if clash is not None:
            raise BadInput(_("%(name)s is in another team of this event already.") % {"name": clash.masked_name})
    else:
        if not name:
            raise BadInput(_("Give your name, as the organisers will call it at check-in."))
        if members:
            raise BadInput(_("This event takes people one by one, not teams."))
    if len(name) > 30 and not event.takes_teams:
        raise BadInput(_("A name has at most 30 characters."))
    if Signup.objects.filter(event=event, resident=actor, state__in=LIVE_STATES).exists():
        raise BadInput(_("You have signed up for “%(title)s” already: see 我的活动.") % {"title": event.title})
    taken = Event.objects.filter(pk=event.pk, state=EventState.PUBLISHED, confirmed__lt=F("capacity")).update(
        confirmed=F("confirmed") + 1)
    state = SignupState.CONFIRMED if taken else SignupState.WAITING
    signup = Signup(event=event, resident=actor, name=name[:50], is_team=event.takes_teams,
                    people=len(members) if event.takes_teams else 1, state=state)
    try:
        with transaction.atomic():
            signup.save()
    except IntegrityError:  # the same sign-up sent twice at once: the other one stands
        raise BadInput(_("You have signed up for “%(title)s” already: see 我的活动.") % {"title": event.title}) \
            from None
    TeamMember.objects.bulk_create([
        TeamMember(signup=signup, position=n, name=member_name, phone=phone,
                   phone_index=blind_index(phone) if phone else "")
        for n, (member_name, phone) in enumerate(members, start=1)])
    _signup_event(signup, "sign_up", actor, state=state, people=signup.people)
    return signup


def _promote(event: Event, actor) -> list[Signup]:
    """Fill freed places from the waiting list, first come first served."""
    promoted = []
    while True:
        waiting = (Signup.objects.select_for_update().filter(event=event, state=SignupState.WAITING)
                   .order_by("created_at", "pk").first())
        if waiting is None:
            break
        taken = Event.objects.filter(pk=event.pk, confirmed__lt=F("capacity")).update(confirmed=F("confirmed") + 1)
        if not taken:
            break
        waiting.state = SignupState.CONFIRMED
        waiting.save(update_fields=["state", "changed_at"])
        _signup_event(waiting, "promote", actor)
        promoted.append(waiting)
    return promoted


@transaction.atomic
def signup_cancel(*, actor, signup: Signup, now: datetime | None = None) -> Signup:
    """The resident cancels before sign-up closes (an organiser at any time before it is over); a confirmed
    place goes to the first on the waiting list."""
    now = now or _now()
    event = _lock(signup.event)
    locked = Signup.objects.select_for_update().get(pk=signup.pk)
    organiser = permissions.may_organise(actor, event)
    if locked.resident_id != getattr(actor, "pk", None) and not organiser:
        raise NotAllowed(_("Only the resident who signed up, or the organisers, may cancel a sign-up."))
    if locked.state not in (SignupState.CONFIRMED, SignupState.WAITING):
        raise InvalidTransition(_("This sign-up is %(state)s: it cannot be cancelled.") % {
            "state": locked.get_state_display()})
    if now >= event.signup_closes_at and not organiser:
        raise BadInput(_("Cancelling closed with sign-up at %(time)s; please tell the organisers (%(phone)s).") % {
            "time": _when(event.signup_closes_at), "phone": event.contact_phone or "—"})
    was = locked.state
    locked.state = SignupState.CANCELLED
    locked.save(update_fields=["state", "changed_at"])
    _signup_event(locked, "cancel", actor, was=was)
    if was == SignupState.CONFIRMED:
        Event.objects.filter(pk=event.pk).update(confirmed=F("confirmed") - 1)
        if event.state in (EventState.PUBLISHED, EventState.CLOSED):
            _promote(event, actor)
    return locked


def signup_by_code(code: str) -> Signup | None:
    code = (code or "").strip().upper()
    if "/" in code:  # a scanned URL: the code is its last part
        code = code.rstrip("/").rsplit("/", 1)[-1]
    if not re.fullmatch(r"[0-9A-F]{6,16}", code):
        return None
    return Signup.objects.select_related("event__unit", "event__department__unit").filter(code=code).first()


@transaction.atomic
def signup_check_in(*, actor, signup: Signup, now: datetime | None = None) -> Signup:
    """An organiser checks a confirmed sign-up in, from the day the event starts until it ends."""
    now = now or _now()
    locked = (Signup.objects.select_for_update(of=("self",)).select_related("event__unit", "event__department__unit")
              .get(pk=signup.pk))
    event = locked.event
    permissions.require_organise(actor, event)
    lifecycle.check(event, "check_in")
    if locked.state == SignupState.CHECKED_IN:
        raise InvalidTransition(_("%(name)s was checked in already (%(time)s).") % {
            "name": locked.shown_name, "time": _when(locked.checked_in_at)})
    if locked.state != SignupState.CONFIRMED:
        raise InvalidTransition(_("%(name)s is %(state)s: only a confirmed sign-up can be checked in.") % {
            "name": locked.shown_name, "state": locked.get_state_display()})
    if timezone.localdate(now) < timezone.localdate(event.starts_at) or now > event.ends_at:
        raise BadInput(_("Check-in is on the day of the event, %(day)s, until it ends.") % {
            "day": f"{timezone.localtime(event.starts_at):%Y-%m-%d}"})
    locked.state, locked.checked_in_by, locked.checked_in_at = SignupState.CHECKED_IN, actor, now
    locked.save(update_fields=["state", "checked_in_by", "checked_in_at", "changed_at"])
    _signup_event(locked, "check_in", actor)
    return locked


# --- afterwards -------------------------------------------------------------------------------------------

@dataclass
class ResultLine:
    winner: str
    rank: int | None = None
    award: str = ""


@dataclass
class Results:
    lines: list[ResultLine] = field(default_factory=list)
    note: str = ""


def read_results(text: str) -> list[ResultLine]:
    """The results as typed, one a line: an optional rank, an optional award, then the team or person
    ("1 一等奖 北关象棋队", "优秀奖 王芳", "顺城舞蹈队")."""
    lines, problems = [], []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        parts = unicodedata.normalize("NFKC", raw).split()
        if not parts:
            continue
        rank = None
        if parts[0].rstrip(".、").isdigit():
            rank = int(parts.pop(0).rstrip(".、"))
            if not 1 <= rank <= 9999:
                problems.append(_("Line %(n)s: a rank is a number from 1.") % {"n": number})
                continue
        award = parts.pop(0) if len(parts) > 1 else ""
        winner = " ".join(parts)
        if not winner:
            problems.append(_("Line %(n)s: name the team or person.") % {"n": number})
            continue
        if len(winner) > 50 or len(award) > 50:
            problems.append(_("Line %(n)s is too long: a name or an award has at most 50 characters.") % {"n": number})
            continue
        lines.append(ResultLine(winner=winner, rank=rank, award=award))
    if problems:
        raise BadInput("；".join(str(p) for p in problems), details=[str(p) for p in problems])
    return lines


@transaction.atomic
def results_record(*, actor, event: Event, results: Results, now: datetime | None = None) -> Event:
    """Publish (or correct) the results of a finished event: the lines replace the earlier ones."""
    locked = _lock(event)
    permissions.require_organise(actor, locked)
    lifecycle.check(locked, "results")
    note = (results.note or "").strip()
    if not results.lines and not note:
        raise BadInput(_("Give at least one result, or a few words about how it went."))
    if len(results.lines) > MAX_RESULTS:
        raise BadInput(_("At most %(n)s result lines.") % {"n": MAX_RESULTS})
    by_name = {s.name: s for s in Signup.objects.filter(event=locked, state=SignupState.CHECKED_IN)}
    locked.results.all().delete()
    Result.objects.bulk_create([
        Result(event=locked, position=n, rank=line.rank, award=line.award[:50], winner=line.winner[:50],
               signup=by_name.get(line.winner))
        for n, line in enumerate(results.lines, start=1)])
    first = locked.results_published_at is None
    locked.results_note = note[:5000]
    locked.results_published_at = now or _now()
    locked.save(update_fields=["results_note", "results_published_at", "updated_at"])
    _audit(actor, "events.results.publish" if first else "events.results.correct", locked,
           {"lines": len(results.lines)})
    return locked


@transaction.atomic
def photo_add(*, actor, event: Event, upload, caption: str = "") -> EventPhoto:
    """A photo of the event, checked to be a real image of a kind browsers show (core.images)."""
    locked = _lock(event)
    permissions.require_organise(actor, locked)
    lifecycle.check(locked, "photo")
    if locked.photos.count() >= MAX_PHOTOS:
        raise BadInput(_("An event has at most %(n)s photos.") % {"n": MAX_PHOTOS})
    checked = check_image(upload)
    photo = EventPhoto(event=locked, caption=(caption or "").strip()[:100], content_type=checked.content_type,
                       uploaded_by=_person(actor))
    photo.image.save("photo", upload, save=False)
    photo.save()
    _audit(actor, "events.photo.add", locked, {"photo": photo.pk})
    return photo
