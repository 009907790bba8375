"""Every change to an appeal. Each function checks the actor's permission and the transition table,
changes the appeal, and writes its event in one transaction. The web pages, the API, the importer,
the classifier and the background sweeps all come through here."""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from appeals import extensions, permissions
from appeals.deadlines import deadlines_from
from appeals.lifecycle import check_transition
from appeals.models import (
    Action,
    Appeal,
    AppealEvent,
    AppealType,
    Channel,
    ExtensionRequest,
    IdempotencyKey,
    KpiSettings,
    Satisfaction,
    State,
    Urge,
    Urgency,
)
from appeals.signals import appeal_event_recorded
from core import notes
from core.crypto import blind_index
from core.errors import BadInput, DomainError, NotAllowed
from orgs.models import Department, Level, Unit

logger = logging.getLogger("minsheng.appeals")

# Crockford-style alphabet without look-alikes (0/O, 1/I/L): codes are read over the phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10  # 31**10 ≈ 8e14: not guessable by trying
NOTIFY_ACTIONS = {Action.CREATE, Action.DISPATCH, Action.REASSIGN, Action.TRANSFER, Action.URGE, Action.OVERDUE,
                  Action.REPLY, Action.MERGE, Action.REOPEN, Action.APPROVE_EXTENSION, Action.DENY_EXTENSION,
                  Action.ANSWER_URGE, Action.URGE_OVERDUE}
MAX_TITLE = 100
MAX_DESCRIPTION = 4000
SYSTEM = "system"


def new_tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def analysis_text(title: str, description: str) -> str:
    from core.text import normalize

    return normalize(f"{title}\n{description}")


def _record(appeal: Appeal, *, action: str, actor=None, actor_label: str = "", from_state: str = "",
            note: str = "", data: dict | None = None, public: bool = True, at: datetime | None = None,
            notify: bool | None = None, api_key=None) -> AppealEvent:
    """Append an event; ``notify`` (default: by action) puts it in the notification outbox. ``api_key``:
    the organisation's key that acted, when no person did. A ``note`` given as a system note
    (core.notes) is kept so that each reader reads it in their language."""
    notify = action in NOTIFY_ACTIONS if notify is None else notify
    if notes.is_note(note):
        data = {**(data or {}), notes.KEY: note}
        note = notes.default_text(note)[:2000]
    now = at or timezone.now()
    event = AppealEvent.objects.create(
        appeal=appeal,
        created_at=now,
        actor=actor if getattr(actor, "pk", None) else None,
        api_key=api_key,
        actor_label=actor_label,
        action=action,
        from_state=from_state,
        to_state=appeal.state,
        note=note,
        data=data or {},
        public=public,
        delivery=AppealEvent.Delivery.PENDING if notify else AppealEvent.Delivery.NONE,
        delivery_due_at=now if notify else None,
    )
    if appeal_event_recorded.has_listeners(AppealEvent):
        # After the commit: listeners (dispatch learning from corrections) see only what really happened.
        transaction.on_commit(lambda: appeal_event_recorded.send(sender=AppealEvent, event=event), robust=True)
    return event


def _locked(appeal: Appeal) -> Appeal:
    """Re-read the appeal under a row lock, so two people acting at once are serialised."""
    return Appeal.objects.select_for_update(of=("self",)).select_related(
        "place", "assigned_department__unit", "assigned_unit", "category"
    ).get(pk=appeal.pk)


def _transition(appeal: Appeal, *, actor, action: str, note: str = "", data: dict | None = None,
                actor_label: str = "", public: bool = True, check_permission: bool = True,
                **changes) -> Appeal:
    """The common path: lock, check permission and table, apply ``changes``, save, write the event."""
    locked = _locked(appeal)
    if check_permission:
        permissions.require(actor, action, locked)
    target = check_transition(locked, action)
    from_state = locked.state
    locked.state = target
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.save()
    expressions = [field for field, value in changes.items() if hasattr(value, "resolve_expression")]
    if expressions:
        locked.refresh_from_db(fields=expressions)
    _record(locked, action=action, actor=actor, actor_label=actor_label, from_state=from_state, note=note,
            data=data, public=public)
    if from_state == State.HANDLING and locked.state != State.HANDLING:
        _lapse_extension_requests(locked, because=action)
    appeal.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    # Related objects too: without this, appeal.assigned_department still showed the department an
    # appeal had just been returned or passed down from.
    appeal._state.fields_cache = dict(locked._state.fields_cache)
    return locked


def _lapse_extension_requests(appeal: Appeal, *, because: str) -> None:
    """An appeal that leaves handling (replied, returned, passed on, merged, withdrawn) takes its
    undecided extension request with it: the request lapses (已失效), in the transaction of the move,
    so no supervisor is left deciding on a deadline that no longer runs."""
    pending = ExtensionRequest.objects.select_for_update().filter(appeal=appeal,
                                                                  status=ExtensionRequest.Status.PENDING)
    for request in pending:
        request.status = ExtensionRequest.Status.LAPSED
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decided_at"])
        _record(appeal, action=Action.EXTENSION_LAPSED, actor_label=SYSTEM, from_state=appeal.state, public=False,
                note=[notes.note(gettext_noop("The extension request lapsed: the appeal left handling (%(action)s)."),
                                 action=notes.phrase(Action(because).label))],
                data={"requested_due_at": request.requested_due_at.isoformat(), "because": str(because)})


def _required_text(value: str, what: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise BadInput(_("%(what)s is required.") % {"what": what})
    if len(value) > limit:
        raise BadInput(_("%(what)s may be at most %(limit)s characters; this one has %(n)s.")
                       % {"what": what, "limit": limit, "n": len(value)})
    return value


def default_place() -> Unit:
    city = Unit.objects.filter(level=Level.CITY, is_active=True).order_by("pk").first()
    if city is None:
        raise BadInput(_("The platform has no city unit yet; an administrator must set up the org network."))
    return city


# --- intake ---------------------------------------------------------------------------------------

@dataclass
class Intake:
    """What any channel collects. Contact details are optional (anonymous hotline calls exist)."""

    title: str
    description: str
    appeal_type: str = AppealType.HELP
    channel: str = Channel.WEB
    place: Unit | None = None
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    contact_name: str = ""
    contact_phone: str = ""
    id_number: str = ""
    anonymous: bool = False
    category: object = None
    urgency: str = ""
    external_id: str = ""
    received_at: datetime | None = None
    # A staff member who is no dispatcher or grid worker may record a demand found on a visit when a higher
    # app vouches for this case (appeals.extensions.vouches), e.g. "care.person:17" for that person's carer.
    on_behalf_of: str = ""


def _validate_intake(data: Intake) -> dict:
    """Every problem with ``data`` at once, as BadInput whose ``field_errors`` maps each Intake field
    to its message (so a form or an import report can point at the right field or column)."""
    from accounts.services import normalize_contact_phone
    from core.text import clean_input

    # The boundary: whatever the channel (form, API, Open311, import), control characters never get in.
    for name in ("title", "description", "address", "contact_name", "external_id", "id_number"):
        setattr(data, name, clean_input(getattr(data, name)))
    field_errors: dict[str, str] = {}
    fields = {}
    try:
        fields["title"] = _required_text(data.title, _("The title"), MAX_TITLE)
    except BadInput as exc:
        field_errors["title"] = str(exc.message)
    try:
        fields["description"] = _required_text(data.description, _("The description"), MAX_DESCRIPTION)
    except BadInput as exc:
        field_errors["description"] = str(exc.message)
    if data.appeal_type not in AppealType.values:
        field_errors["appeal_type"] = (_("Unknown type “%(value)s”; choose one of %(choices)s.")
                                       % {"value": data.appeal_type, "choices": ", ".join(AppealType.values)})
    if data.channel not in Channel.values:
        field_errors["channel"] = _("Unknown channel “%(value)s”.") % {"value": data.channel}
    if data.urgency and data.urgency not in Urgency.values:
        field_errors["urgency"] = _("Unknown urgency “%(value)s”.") % {"value": data.urgency}
    phone = ""
    if data.contact_phone and data.contact_phone.strip():
        try:
            phone = normalize_contact_phone(data.contact_phone)
        except BadInput as exc:
            field_errors["contact_phone"] = str(exc.message)
    if data.id_number and not _valid_id_number(data.id_number.strip().upper()):
        field_errors["id_number"] = _("The ID number must be 18 characters: 17 digits and a digit or X.")
    if (data.latitude is None) != (data.longitude is None):
        field_errors["latitude"] = _("Give both latitude and longitude, or neither.")
    elif data.latitude is not None and not (-90 <= float(data.latitude) <= 90 and -180 <= float(data.longitude) <= 180):
        field_errors["latitude"] = _("The coordinates are out of range.")
    if len(data.address or "") > 200:
        field_errors["address"] = _("The address may be at most 200 characters.")
    if field_errors:
        errors = list(field_errors.values())
        exc = BadInput("; ".join(errors), details=errors)
        exc.field_errors = field_errors
        raise exc
    fields["phone"] = phone
    return fields


def intake_validate(data: Intake) -> dict:
    """Check ``data`` as appeal_create does, without saving (dry runs, forms). Raises BadInput."""
    return _validate_intake(data)


def _valid_id_number(number: str) -> bool:
    import re

    return bool(re.fullmatch(r"\d{17}[\dX]", number))


# A router the dispatch app plugs in at start-up (AppConfig.ready): called after intake with the new
# appeal; it may call appeal_dispatch itself. Appeals works without it (manual dispatch).
_router = None


def set_router(router) -> None:
    global _router
    _router = router


def appeal_create(*, actor, data: Intake, resident=None, photos=(), _code_savepoint: bool = True) -> Appeal:
    """Register a demand from any channel. Staff recording for a resident need the right scope. The
    actor may be an integrating organisation's API key (accounts.ApiKey): it files only where it may
    create, checked first, as no person (no recorder, no resident), and the event names the key.

    A tracking code that happens to exist already is replaced and the row saved again, in a savepoint;
    ``_code_savepoint=False`` is for a caller that retries the whole transaction on a collision
    instead (appeal_create_idempotent: two round trips fewer on the API's every create)."""
    api_key, place = None, None
    if permissions.is_api_key(actor):
        api_key, actor = actor, None
        place = data.place or default_place()
        permissions.require_key_may_create(api_key, place)
    fields = _validate_intake(data)
    place = place or data.place or default_place()
    staff_recording = actor is not None and getattr(actor, "is_authenticated", False) and not actor.is_resident
    if data.channel in (Channel.PHONE, Channel.GRID_VISIT, Channel.HOTLINE, Channel.IMPORT) and not (
        staff_recording and (permissions.may_record_for_resident(actor, place) or (
            data.channel == Channel.GRID_VISIT and data.on_behalf_of
            and extensions.vouches(actor, place, data.on_behalf_of)))
    ):
        raise NotAllowed(_("Only a dispatcher or grid worker responsible for %(place)s may record demands for "
                           "residents there.") % {"place": place.name})
    if data.channel == Channel.API and staff_recording and not actor.is_superuser:
        from orgs.selectors import can_reach_unit

        # A resident's client files for the resident; a staff member's client only where they serve.
        if not can_reach_unit(actor, place):
            raise NotAllowed(_("%(place)s is outside your scope: staff may create appeals through the API "
                               "only for places they serve.") % {"place": place.name})
    from appeals.photos import check_photos

    checked_photos = check_photos(photos)
    # Every check above raised before anything was written. The writes need no savepoint of their own
    # (a caller's transaction, as in the API, is rolled back whole if one fails): one less round trip
    # pair per create.
    with transaction.atomic(savepoint=False):
        now = timezone.now()
        appeal = Appeal(
            code=new_tracking_code(),
            appeal_type=data.appeal_type,
            category=data.category,
            urgency=data.urgency or (data.category.urgency if data.category else Urgency.ORDINARY),
            title=fields["title"],
            description=fields["description"],
            search_text=analysis_text(fields["title"], fields["description"]),
            place=place,
            address=(data.address or "").strip(),
            latitude=data.latitude,
            longitude=data.longitude,
            channel=data.channel,
            external_id=data.external_id,
            resident=resident if resident is not None else (actor if getattr(actor, "is_resident", False) else None),
            created_by=actor if getattr(actor, "pk", None) else None,
            contact_name=(data.contact_name or "").strip()[:50],
            contact_phone=fields["phone"],
            contact_phone_index=blind_index(fields["phone"]) if fields["phone"] else "",
            id_number=(data.id_number or "").strip().upper(),
            anonymous=data.anonymous,
            created_at=data.received_at or now,
        )
        if appeal.resident is not None and not appeal.contact_phone and appeal.resident.phone:
            appeal.contact_phone = appeal.resident.phone
            appeal.contact_phone_index = blind_index(appeal.contact_phone)
        if not _code_savepoint:
            appeal.save()
        for _attempt in range(5 if _code_savepoint else 0):
            try:
                with transaction.atomic():
                    appeal.save()
                break
            except Exception:
                if Appeal.objects.filter(code=appeal.code).exists():
                    appeal.code = new_tracking_code()  # a collision: astronomically rare, but never fatal
                    continue
                raise
        for photo in checked_photos:
            photo.appeal = appeal
            photo.save()
        _record(appeal, action=Action.CREATE, actor=actor, api_key=api_key, note="", data={"channel": data.channel},
                at=appeal.created_at)
        if _router is not None:
            _route_safely(appeal)
        return appeal


# --- idempotent intake (the API) ---------------------------------------------------------------------

class IdempotencyConflict(DomainError):
    status = 409


@dataclass(frozen=True)
class Idempotency:
    """A client's Idempotency-Key for one create: who sent it (one API key, one API token or one
    signed-in user: keys belong to one client), the key, and a fingerprint of the request body."""

    client: str
    key: str
    fingerprint: str


def appeal_replay(*, idempotency: Idempotency) -> Appeal | None:
    """The appeal an earlier request with this key created, or None; IdempotencyConflict (409) when
    that request's body was different."""
    try:
        earlier = IdempotencyKey.objects.select_related("appeal__place").get(
            client=idempotency.client, key=idempotency.key)
    except IdempotencyKey.DoesNotExist:
        return None
    if earlier.request_hash != idempotency.fingerprint:
        raise IdempotencyConflict(_(
            "The Idempotency-Key “%(key)s” was already used for a different request (appeal %(code)s). "
            "Send the identical body to retry that request, or a new key for a new appeal.")
            % {"key": idempotency.key, "code": earlier.appeal.code})
    return earlier.appeal


def appeal_create_idempotent(*, actor, data: Intake, idempotency: Idempotency | None) -> tuple[Appeal, bool]:
    """appeal_create for a client that may retry; (the appeal, whether it is an earlier request's).

    The key row is inserted in the appeal's own transaction and its unique constraint decides: there
    is no look-up before creating (it would cost every create a query for the rare retry), so a
    retry, or the loser of two simultaneous requests with one key, has its appeal rolled back whole
    and gets the first request's appeal. A request refused (content, scope) with a key that was
    already used gets the first request's appeal too, as if the key had been looked up first."""
    if idempotency is None:
        return appeal_create(actor=actor, data=data), False
    for attempt in range(5):
        try:
            with transaction.atomic():
                appeal = appeal_create(actor=actor, data=data, _code_savepoint=False)
                IdempotencyKey.objects.create(client=idempotency.client, key=idempotency.key,
                                              request_hash=idempotency.fingerprint, appeal=appeal)
        except IntegrityError as exc:
            earlier = appeal_replay(idempotency=idempotency)
            if earlier is not None:
                return earlier, True
            if attempt < 4 and _is_code_collision(exc):
                continue  # a tracking code that exists: astronomically rare, the whole create again
            raise
        except DomainError:
            earlier = appeal_replay(idempotency=idempotency)
            if earlier is None:
                raise
            return earlier, True
        return appeal, False
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _is_code_collision(exc: IntegrityError) -> bool:
    """Whether the unique tracking code refused the row (PostgreSQL names the constraint, SQLite the
    column)."""
    cause = exc.__cause__
    constraint = getattr(getattr(cause, "diag", None), "constraint_name", None)
    if constraint:
        return constraint.startswith("appeals_appeal_code")
    return "appeals_appeal.code" in str(exc)


class _SavepointBeforeFirstStatement:
    """A savepoint opened just before the router's first SQL statement, if it runs one: what it wrote
    is undone if it then fails, as under ``transaction.atomic()``, and a router that decides without
    writing (routing not set up; most suggestions are read from memory) costs no savepoint round trips.

    An execute wrapper on the connection: the savepoint is an ordinary ``atomic`` block entered before
    that statement runs (its own SAVEPOINT passes through here untouched), so the router's own atomic
    blocks nest inside it, and on_commit callbacks registered inside it are dropped with it."""

    def __init__(self, connection):
        self.connection = connection
        self.block = None
        self.entering = False
        self.needed_rollback = connection.needs_rollback

    def __call__(self, execute, sql, params, many, context):
        if self.block is None and not self.entering:
            self.entering = True
            self.block = transaction.atomic(using=self.connection.alias)
            self.block.__enter__()
        return execute(sql, params, many, context)

    def exit(self, exc: BaseException | None) -> None:
        if self.block is not None:
            self.block.__exit__(type(exc) if exc else None, exc, exc.__traceback__ if exc else None)
        elif exc is not None:
            # Nothing reached the database: nothing to undo, and a save that failed before its SQL
            # does not doom the transaction (as leaving an atomic block with its savepoint would not).
            self.connection.needs_rollback = self.needed_rollback


def _route_safely(appeal: Appeal) -> None:
    """A broken or slow classifier never loses the demand: it stays in the manual queue, and says why."""
    connection = transaction.get_connection()
    savepoint = _SavepointBeforeFirstStatement(connection)
    try:
        try:
            with connection.execute_wrapper(savepoint):
                _router(appeal)
        except BaseException as exc:
            savepoint.exit(exc)
            raise
        savepoint.exit(None)
    except Exception as exc:  # noqa: BLE001 - any failure of the router must leave the appeal intact
        logger.exception("automatic routing failed for %s", appeal.code)
        _record(appeal, action=Action.ADD_INFO, actor_label="auto", from_state=appeal.state, public=False,
                note=[notes.note(gettext_noop("Automatic dispatch failed (%(error)s); the appeal waits for a "
                                              "dispatcher."), error=type(exc).__name__)],
                data={"routing_error": str(exc)[:200]})


@transaction.atomic
def appeal_note(*, appeal: Appeal, actor_label: str, note: str, data: dict | None = None) -> AppealEvent:
    """An internal note from the platform on the staff timeline (e.g. why automatic dispatch did not
    happen). It changes nothing on the appeal, is not shown to the resident and notifies no one."""
    if not notes.is_note(note):
        note = (note or "").strip()[:2000]
    if not note:
        raise BadInput(_("A note needs a text."))
    return _record(appeal, action=Action.ADD_INFO, actor_label=(actor_label or SYSTEM)[:40], from_state=appeal.state,
                   note=note, data=data, public=False, notify=False)


# --- dispatch and handling --------------------------------------------------------------------------

def _assignee_fields(target) -> dict:
    if isinstance(target, Department):
        return {"assigned_department": target, "assigned_unit": None}
    if isinstance(target, Unit):
        if target.level not in (Level.TOWNSHIP, Level.VILLAGE, Level.COUNTY, Level.CITY):
            raise BadInput(_("Appeals are handled by departments, township offices or village/community "
                             "committees, not by a grid."))
        return {"assigned_department": None, "assigned_unit": target}
    raise BadInput(_("Choose a department or a unit to handle the appeal."))


def _check_target_in_scope(actor, target, roles) -> None:
    from orgs.selectors import can_reach_department, can_reach_unit

    if getattr(actor, "is_superuser", False) or actor is None:
        return
    ok = (can_reach_department(actor, target, roles=roles) if isinstance(target, Department)
          else can_reach_unit(actor, target, roles=roles))
    if not ok:
        raise NotAllowed(_("%(target)s is outside your scope.") % {"target": target})


def _start_clock(appeal: Appeal, now: datetime) -> dict:
    accept_due, due = deadlines_from(now, urgency=appeal.urgency, appeal_type=appeal.appeal_type,
                                     category=appeal.category)
    return {"dispatched_at": now, "accept_due_at": accept_due, "due_at": due, "accepted_at": None,
            "accepted_on_time": None, "is_overdue": False}


@transaction.atomic
def appeal_dispatch(*, actor, appeal: Appeal, target, note: str = "", auto: dict | None = None) -> Appeal:
    """派单. ``auto`` ({"model_version":…, "confidence":…}) marks a dispatch the classifier made."""
    from orgs.models import Role

    if auto is None:
        _check_target_in_scope(actor, target, [Role.DISPATCHER])
    now = timezone.now()
    changes = _assignee_fields(target) | _start_clock(appeal, now)
    data = {"to": str(target), "to_id": target.pk, "to_kind": "department" if isinstance(target, Department)
            else "unit"}
    if auto:
        data |= {"auto": True} | auto
    return _transition(appeal, actor=actor, action=Action.DISPATCH, note=note, data=data,
                       actor_label="auto" if auto else "", check_permission=auto is None, **changes)


@transaction.atomic
def appeal_accept(*, actor, appeal: Appeal) -> Appeal:
    """签收."""
    now = timezone.now()
    on_time = appeal.accept_due_at is None or now <= appeal.accept_due_at
    return _transition(appeal, actor=actor, action=Action.ACCEPT, accepted_at=now, accepted_on_time=on_time)


@transaction.atomic
def appeal_return(*, actor, appeal: Appeal, reason: str) -> Appeal:
    """退单: not our responsibility. Limited per appeal so a demand cannot bounce for ever."""
    reason = _required_text(reason, _("The reason for returning"), 500)
    # Count from the locked row (a stale object must not let a third return through), and only after
    # permission and state are checked, so an outsider learns nothing about the appeal.
    current = _locked(appeal)
    permissions.require(actor, Action.RETURN, current)
    check_transition(current, Action.RETURN)
    limit = KpiSettings.current().max_returns
    if current.return_count >= limit:
        raise BadInput(_("This appeal has been returned %(n)s times, the most allowed; ask a supervisor to "
                         "decide who handles it.") % {"n": current.return_count})
    return _transition(appeal, actor=actor, action=Action.RETURN, note=reason,
                       data={"from": str(appeal.assignee)},
                       return_count=F("return_count") + 1, assigned_department=None, assigned_unit=None,
                       accept_due_at=None, due_at=None, is_overdue=False)


@transaction.atomic
def appeal_reassign(*, actor, appeal: Appeal, target, note: str = "") -> Appeal:
    """改派 by a dispatcher; the clocks start again for the new handler."""
    from orgs.models import Role

    _check_target_in_scope(actor, target, [Role.DISPATCHER])
    now = timezone.now()
    data = {"from": str(appeal.assignee), "to": str(target), "to_id": target.pk,
            "to_kind": "department" if isinstance(target, Department) else "unit"}
    return _transition(appeal, actor=actor, action=Action.REASSIGN, note=note, data=data,
                       **(_assignee_fields(target) | _start_clock(appeal, now)))


@transaction.atomic
def appeal_transfer(*, actor, appeal: Appeal, unit: Unit, note: str = "") -> Appeal:
    """转办: the handling body passes the appeal down to a township office or community below it.
    The deadline stays: passing down does not buy time."""
    # Permission and state first: an appeal that is not with a handler has no unit to pass down from,
    # and that is a refused transition, not bad input.
    permissions.require(actor, Action.TRANSFER, appeal)
    check_transition(appeal, Action.TRANSFER)
    holder_unit = appeal.assigned_department.unit if appeal.assigned_department_id else appeal.assigned_unit
    if holder_unit is None or not unit.path.startswith(holder_unit.path) or unit.pk == holder_unit.pk:
        raise BadInput(_("An appeal can only be passed down to a unit below %(unit)s.")
                       % {"unit": holder_unit or "—"})
    data = {"from": str(appeal.assignee), "to": str(unit), "to_id": unit.pk, "to_kind": "unit"}
    # The unit below has its own acceptance time (签收), within the unchanged handling deadline: it is
    # not late for an acceptance clock that ran for the body above it.
    accept_due, _due = deadlines_from(timezone.now(), urgency=appeal.urgency, appeal_type=appeal.appeal_type,
                                      category=appeal.category)
    if appeal.due_at:
        accept_due = min(accept_due, appeal.due_at)
    return _transition(appeal, actor=actor, action=Action.TRANSFER, note=note, data=data,
                       **_assignee_fields(unit), accepted_at=None, accepted_on_time=None, accept_due_at=accept_due)


@transaction.atomic
def appeal_request_extension(*, actor, appeal: Appeal, new_due_at: datetime, reason: str) -> ExtensionRequest:
    reason = _required_text(reason, _("The reason for the extension"), 1000)
    if appeal.due_at and new_due_at <= appeal.due_at:
        raise BadInput(_("The new deadline must be later than the current one (%(due)s).")
                       % {"due": timezone.localtime(appeal.due_at).strftime("%Y-%m-%d %H:%M")})
    if ExtensionRequest.objects.filter(appeal=appeal, status=ExtensionRequest.Status.PENDING).exists():
        raise BadInput(_("An extension request for this appeal is already waiting for a supervisor."))
    locked = _transition(appeal, actor=actor, action=Action.REQUEST_EXTENSION, note=reason,
                         data={"requested_due_at": new_due_at.isoformat()}, public=False)
    return ExtensionRequest.objects.create(appeal=locked, requested_by=actor, requested_due_at=new_due_at,
                                           reason=reason)


@transaction.atomic
def appeal_decide_extension(*, actor, request: ExtensionRequest, approve: bool, note: str = "") -> Appeal:
    request = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ExtensionRequest.Status.PENDING:
        raise BadInput(_("This extension request has already been decided."))
    action = Action.APPROVE_EXTENSION if approve else Action.DENY_EXTENSION
    changes = {"due_at": request.requested_due_at, "is_overdue": False} if approve else {}
    appeal = _transition(request.appeal, actor=actor, action=action, note=note, public=False,
                         data={"requested_due_at": request.requested_due_at.isoformat()}, **changes)
    request.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.DENIED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    return appeal


@transaction.atomic
def appeal_urge(*, actor, appeal: Appeal, note: str, answer_due_at: datetime | None = None) -> Urge:
    """督办: flagged in the handler's queue until the appeal is replied. The handling body answers it
    (督办反馈) by ``answer_due_at`` (反馈期限; by default appeals.deadlines.urge_answer_due); left
    unanswered past it, the sweep flags it for the supervisors (督办超期)."""
    from appeals.deadlines import urge_answer_due

    note = _required_text(note, _("The urging note"), 500)
    now = timezone.now()
    due = answer_due_at or urge_answer_due(now)
    if due <= now:
        raise BadInput(_("The answer deadline (反馈期限) must be in the future."))
    locked = _transition(appeal, actor=actor, action=Action.URGE, note=note, public=False,
                         data={"answer_due_at": due.isoformat()}, urge_count=F("urge_count") + 1)
    return Urge.objects.create(appeal=locked, urged_by=actor, note=note, created_at=now, answer_due_at=due)


@transaction.atomic
def appeal_urge_answer(*, actor, urge: Urge, text: str) -> Urge:
    """督办反馈: the handling body's answer to an urging, on the staff timeline; the supervisors hear of it."""
    text = _required_text(text, _("The answer"), 2000)
    urge = Urge.objects.select_for_update().get(pk=urge.pk)
    appeal = urge.appeal
    permissions.require(actor, Action.ANSWER_URGE, appeal)
    check_transition(appeal, Action.ANSWER_URGE)
    if urge.answered_at is not None:
        raise BadInput(_("This urging has already been answered."))
    now = timezone.now()
    _transition(appeal, actor=actor, action=Action.ANSWER_URGE, note=text, public=False,
                data={"urge": urge.pk, "urge_note": urge.note[:200], "late": now > urge.answer_due_at})
    urge.answer = text
    urge.answered_by = actor
    urge.answered_at = now
    urge.save(update_fields=["answer", "answered_by", "answered_at"])
    return urge


def urge_mark_overdue(*, urge: Urge, now: datetime | None = None) -> bool:
    """Flag one urging left unanswered past its 反馈期限 (督办超期): the event tells the supervisors and
    the handlers. The conditional UPDATE makes two sweeps at once harmless: only the one that flags it
    writes the event. An appeal no longer with a handler is not flagged (there is no one to answer)."""
    now = now or timezone.now()
    with transaction.atomic():
        flipped = Urge.objects.filter(
            pk=urge.pk, answered_at__isnull=True, overdue_at__isnull=True, answer_due_at__lt=now,
            appeal__state__in=[State.TO_ACCEPT, State.HANDLING],
        ).update(overdue_at=now)
        if not flipped:
            return False
        fresh = Urge.objects.select_related("appeal").get(pk=urge.pk)
        _record(fresh.appeal, action=Action.URGE_OVERDUE, actor_label=SYSTEM, from_state=fresh.appeal.state,
                public=False, note=fresh.note, at=now,
                data={"urge": fresh.pk, "answer_due_at": fresh.answer_due_at.isoformat()})
    return True


@transaction.atomic
def appeal_progress_note(*, actor, appeal: Appeal, text: str, public: bool) -> AppealEvent:
    """进展记录: the handler's interim note on an appeal in handling. A public one is on the resident's
    timeline (the tracking page); an internal one only on the staff's."""
    text = _required_text(text, _("The progress note"), 1000)
    locked = _locked(appeal)
    permissions.require(actor, Action.PROGRESS, locked)
    check_transition(locked, Action.PROGRESS)
    return _record(locked, action=Action.PROGRESS, actor=actor, from_state=locked.state, note=text,
                   public=bool(public), data={"public": bool(public)})


@transaction.atomic
def appeal_reply(*, actor, appeal: Appeal, text: str) -> Appeal:
    """答复 to the resident; the resident then has KpiSettings.rating_days to rate."""
    text = _required_text(text, _("The reply"), 4000)
    return _transition(appeal, actor=actor, action=Action.REPLY, note=text, reply=text, replied_at=timezone.now())


def _closing_changes(appeal: Appeal, now: datetime) -> dict:
    on_time = appeal.due_at is None or (appeal.replied_at or now) <= appeal.due_at
    return {"closed_at": now, "closed_on_time": on_time}


@transaction.atomic
def appeal_rate(*, actor, appeal: Appeal, satisfaction: str, resolved: bool | None = None,
                comment: str = "") -> Appeal:
    """The resident's 满意 / 基本满意 / 不满意. The first 不满意 reopens the appeal (重办); after that it
    closes as rated."""
    if satisfaction not in Satisfaction.values:
        raise BadInput(_("Choose 满意, 基本满意 or 不满意."))
    if len(comment or "") > 1000:
        raise BadInput(_("The comment may be at most 1000 characters."))
    settings_row = KpiSettings.current()
    if appeal.replied_at and timezone.now() > appeal.replied_at + timedelta(days=settings_row.rating_days):
        raise BadInput(_("The time to rate this reply (%(days)s days) has passed.") % {"days": settings_row.rating_days})
    if resolved is None:
        resolved = satisfaction != Satisfaction.UNSATISFIED
    now = timezone.now()
    _transition(appeal, actor=actor, action=Action.RATE, note=comment or "",
                         data={"satisfaction": satisfaction, "resolved": resolved},
                         satisfaction=satisfaction, resolved=resolved, rating_comment=comment or "", rated_at=now)
    if satisfaction == Satisfaction.UNSATISFIED and appeal.reopen_count == 0:
        _accept_due, due = deadlines_from(now, urgency=appeal.urgency, appeal_type=appeal.appeal_type,
                                category=appeal.category)
        return _transition(appeal, actor=None, actor_label=SYSTEM, action=Action.REOPEN, check_permission=False,
                           note=[notes.note(gettext_noop("The resident was not satisfied: the appeal is handled again."))],
                           reopen_count=F("reopen_count") + 1, due_at=due, replied_at=None, is_overdue=False,
                           accepted_at=now)
    return _transition(appeal, actor=None, actor_label=SYSTEM, action=Action.CLOSE, check_permission=False,
                       **_closing_changes(appeal, now))


@transaction.atomic
def appeal_close_unrated(*, appeal: Appeal) -> Appeal | None:
    """Closes a replied appeal whose rating period passed; None when someone else already did."""
    now = timezone.now()
    days = KpiSettings.current().rating_days
    locked = _locked(appeal)
    if locked.state != State.REPLIED or not locked.replied_at or locked.replied_at + timedelta(days=days) > now:
        return None
    return _transition(appeal, actor=None, actor_label=SYSTEM, action=Action.CLOSE, check_permission=False,
                       note=[notes.note(gettext_noop("Closed: the resident did not rate the reply within %(days)s days."),
                                        days=days)],
                       **_closing_changes(locked, now))


@transaction.atomic
def appeal_merge(*, actor, appeal: Appeal, into: Appeal, note: str = "") -> Appeal:
    """合并 a duplicate into a main appeal; its resident is told and follows the main one."""
    if into.pk == appeal.pk:
        raise BadInput(_("An appeal cannot be merged into itself."))
    into = _locked(into)  # its state is checked as it is now, not as the caller last read it
    if into.state not in (State.TO_DISPATCH, State.TO_ACCEPT, State.HANDLING, State.REPLIED):
        raise BadInput(_("The main appeal %(code)s is no longer open.") % {"code": into.code})
    if into.merged_into_id:
        raise BadInput(_("%(code)s is itself merged; merge into its main appeal.") % {"code": into.code})
    permissions.require(actor, Action.MERGE, into)
    merged = _transition(appeal, actor=actor, action=Action.MERGE, note=note, merged_into=into,
                         data={"into": into.code}, closed_at=timezone.now())
    # Each resident is told (合并): the main appeal's resident through this event in the outbox.
    _record(into, action=Action.ADD_INFO, actor=actor, from_state=into.state, public=False,
            note=[notes.note(gettext_noop("Appeal %(code)s was merged into this one."), code=appeal.code)],
            data={"merged": appeal.code}, notify=True)
    return merged


@transaction.atomic
def appeal_reject(*, actor, appeal: Appeal, reason: str) -> Appeal:
    """不予受理: spam, out of scope, or not a demand the government can act on."""
    reason = _required_text(reason, _("The reason"), 500)
    return _transition(appeal, actor=actor, action=Action.REJECT, note=reason, close_reason=reason,
                       closed_at=timezone.now())


@transaction.atomic
def appeal_withdraw(*, actor, appeal: Appeal, reason: str = "") -> Appeal:
    return _transition(appeal, actor=actor, action=Action.WITHDRAW, note=(reason or "")[:500],
                       close_reason=(reason or "")[:500], closed_at=timezone.now())


@transaction.atomic
def appeal_add_info(*, actor, appeal: Appeal, text: str) -> Appeal:
    text = _required_text(text, _("The added information"), 2000)
    return _transition(appeal, actor=actor, action=Action.ADD_INFO, note=text)


def appeal_mark_overdue(*, appeal: Appeal, now: datetime | None = None) -> bool:
    """Flag one appeal overdue. The conditional UPDATE makes two sweeps at once harmless: only the one
    that flips the flag writes the event."""
    now = now or timezone.now()
    with transaction.atomic():
        flipped = Appeal.objects.filter(
            pk=appeal.pk, is_overdue=False, state__in=[State.TO_ACCEPT, State.HANDLING], due_at__lt=now
        ).update(is_overdue=True)
        if not flipped:
            return False
        fresh = Appeal.objects.get(pk=appeal.pk)
        _record(fresh, action=Action.OVERDUE, actor_label=SYSTEM, from_state=fresh.state, public=False,
                data={"due_at": fresh.due_at.isoformat()}, at=now)
    return True


@transaction.atomic
def appeal_unmask(*, actor, appeal: Appeal) -> dict:
    """The resident's clear name, phone and ID number, for those handling the appeal; always audited."""
    permissions.require(actor, Action.UNMASK, appeal)
    if appeal.anonymous:
        raise NotAllowed(_("The resident asked to stay anonymous toward handlers."))
    _record(appeal, action=Action.UNMASK, actor=actor, from_state=appeal.state, public=False)
    return {"name": appeal.contact_name, "phone": appeal.contact_phone, "id_number": appeal.id_number}


# --- settings an administrator edits (the admin calls these) ------------------------------------------
# The holiday calendar, deadline rules, reply templates, categories and KPI weights are one set for
# the whole city: a superuser or a city administrator changes them (orgs.permissions.may_administer_city).
# Deadlines read them afresh each time (appeals.deadlines), so a change counts for every deadline
# computed after it; deadlines already set are not moved.

def _require_city_admin(actor) -> None:
    from orgs.permissions import may_administer_city

    if not may_administer_city(actor):
        raise NotAllowed(_("Only a city administrator may change the city's appeal settings."))


def _field_values(instance, fields) -> dict:
    values = {}
    for name in fields:
        value = getattr(instance, f"{name}_id" if instance._meta.get_field(name).is_relation else name)
        values[name] = value if isinstance(value, (int, str, bool, type(None))) else str(value)
    return values


def _save_setting(*, actor, instance, fields, verb: str):
    """Check the database constraints, save, and audit what changed (before and after)."""
    from django.core.exceptions import ValidationError

    from core.audit import audit_record

    try:
        instance.validate_constraints()
        instance.validate_unique()
    except ValidationError as exc:
        messages = [str(message) for message in exc.messages]
        raise BadInput("; ".join(messages), details=messages) from None
    creating = instance.pk is None or not type(instance).objects.filter(pk=instance.pk).exists()
    before = {} if creating else _field_values(type(instance).objects.get(pk=instance.pk), fields)
    instance.save()
    after = _field_values(instance, fields)
    data = {"after": after} if creating else {
        "before": {k: v for k, v in before.items() if after[k] != v},
        "after": {k: v for k, v in after.items() if before[k] != v}}
    audit_record(actor=actor, verb=f"{verb}.{'create' if creating else 'update'}", target=instance, data=data)
    return instance


def _delete_setting(*, actor, instance, fields, verb: str) -> None:
    from core.audit import audit_record

    audit_record(actor=actor, verb=f"{verb}.delete", target=instance, data={"before": _field_values(instance, fields)})
    instance.delete()


CALENDAR_FIELDS = ("date", "kind", "name")


@transaction.atomic
def calendar_day_save(*, actor, day):
    """Add or change a day of the holiday calendar (放假 or 调休上班)."""
    from appeals.models import CalendarDay

    _require_city_admin(actor)
    if day.kind not in CalendarDay.Kind.values:
        raise BadInput(_("Choose a public holiday or a make-up working day."))
    if day.date is None:
        raise BadInput(_("The date is required."))
    if day.kind == CalendarDay.Kind.WORKDAY and day.date.weekday() < 5:
        raise BadInput(_("%(date)s is a weekday, a working day anyway: a make-up working day (调休上班) falls on "
                         "a Saturday or Sunday.") % {"date": day.date.isoformat()})
    if CalendarDay.objects.filter(date=day.date).exclude(pk=day.pk).exists():
        raise BadInput(_("%(date)s is in the calendar already; change that day instead.") % {"date": day.date.isoformat()})
    day.name = (day.name or "").strip()[:40]
    return _save_setting(actor=actor, instance=day, fields=CALENDAR_FIELDS, verb="appeals.calendar")


@transaction.atomic
def calendar_day_delete(*, actor, day) -> None:
    _require_city_admin(actor)
    _delete_setting(actor=actor, instance=day, fields=CALENDAR_FIELDS, verb="appeals.calendar")


DEADLINE_RULE_FIELDS = ("urgency", "appeal_type", "category", "handle_amount", "handle_unit",
                        "accept_working_hours")


@transaction.atomic
def deadline_rule_save(*, actor, rule):
    """Add or change how long handling may take for an urgency (and a type or category)."""
    from appeals.models import DeadlineRule, DurationUnit

    _require_city_admin(actor)
    if rule.urgency not in Urgency.values:
        raise BadInput(_("Unknown urgency “%(value)s”.") % {"value": rule.urgency})
    if rule.appeal_type and rule.appeal_type not in AppealType.values:
        raise BadInput(_("Unknown type “%(value)s”; choose one of %(choices)s.")
                       % {"value": rule.appeal_type, "choices": ", ".join(AppealType.values)})
    if rule.handle_unit not in DurationUnit.values:
        raise BadInput(_("Choose the unit of the handling time."))
    if not rule.handle_amount or rule.handle_amount < 1:
        raise BadInput(_("The handling time must be at least 1."))
    if not rule.accept_working_hours or rule.accept_working_hours < 1:
        raise BadInput(_("The time to accept must be at least 1 working hour."))
    same = DeadlineRule.objects.filter(urgency=rule.urgency, appeal_type=rule.appeal_type,
                                       category=rule.category_id).exclude(pk=rule.pk)
    if same.exists():
        raise BadInput(_("A rule for this urgency, type and category exists already; change that one."))
    return _save_setting(actor=actor, instance=rule, fields=DEADLINE_RULE_FIELDS, verb="appeals.deadline_rule")


@transaction.atomic
def deadline_rule_delete(*, actor, rule) -> None:
    _require_city_admin(actor)
    _delete_setting(actor=actor, instance=rule, fields=DEADLINE_RULE_FIELDS, verb="appeals.deadline_rule")


REPLY_TEMPLATE_FIELDS = ("name", "body", "department_kind")


@transaction.atomic
def reply_template_save(*, actor, template):
    """Add or change a reply template (答复模板) handlers start a reply from."""
    from orgs.models import DepartmentKind

    _require_city_admin(actor)
    template.name = _required_text(template.name, _("The name"), 60)
    template.body = _required_text(template.body, _("The text"), 4000)
    if template.department_kind and template.department_kind not in DepartmentKind.values:
        raise BadInput(_("Unknown department type “%(value)s”.") % {"value": template.department_kind})
    return _save_setting(actor=actor, instance=template, fields=REPLY_TEMPLATE_FIELDS,
                         verb="appeals.reply_template")


@transaction.atomic
def reply_template_delete(*, actor, template) -> None:
    _require_city_admin(actor)
    _delete_setting(actor=actor, instance=template, fields=REPLY_TEMPLATE_FIELDS, verb="appeals.reply_template")


CATEGORY_FIELDS = ("code", "name", "parent", "urgency", "default_department_kind", "is_active")


@transaction.atomic
def category_save(*, actor, category):
    """Add or change a category of matters. Categories are deactivated, never deleted: appeals keep
    pointing at them."""
    from orgs.models import DepartmentKind

    _require_city_admin(actor)
    category.name = _required_text(category.name, _("The name"), 60)
    if category.urgency not in Urgency.values:
        raise BadInput(_("Unknown urgency “%(value)s”.") % {"value": category.urgency})
    if category.default_department_kind and category.default_department_kind not in DepartmentKind.values:
        raise BadInput(_("Unknown department type “%(value)s”.") % {"value": category.default_department_kind})
    parent = category.parent
    while parent is not None:
        if category.pk and parent.pk == category.pk:
            raise BadInput(_("A category cannot be placed under itself or one of its subcategories."))
        parent = parent.parent
    return _save_setting(actor=actor, instance=category, fields=CATEGORY_FIELDS, verb="appeals.category")


KPI_SETTINGS_FIELDS = ("response_weight", "resolution_weight", "satisfaction_weight", "basic_satisfied_value",
                       "max_returns", "rating_days")


@transaction.atomic
def kpi_settings_save(*, actor, settings_row: KpiSettings) -> KpiSettings:
    """Change the 三率 weights and the appeal settings; there is one row."""
    from decimal import Decimal

    _require_city_admin(actor)
    if settings_row.pk is None and KpiSettings.objects.exists():
        raise BadInput(_("The appeal settings exist already; change them instead of adding new ones."))
    weights = [Decimal(str(settings_row.response_weight)), Decimal(str(settings_row.resolution_weight)),
               Decimal(str(settings_row.satisfaction_weight))]
    if any(weight < 0 or weight > 1 for weight in weights) or sum(weights) != 1:
        raise BadInput(_("The three weights are between 0 and 1 and add up to 1; these add up to %(sum)s.")
                       % {"sum": sum(weights)})
    if not 0 <= Decimal(str(settings_row.basic_satisfied_value)) <= 1:
        raise BadInput(_("The value of 基本满意 is between 0 and 1."))
    if settings_row.rating_days is None or settings_row.rating_days < 1:
        raise BadInput(_("Residents need at least 1 day to rate a reply."))
    return _save_setting(actor=actor, instance=settings_row, fields=KPI_SETTINGS_FIELDS, verb="appeals.settings")


# --- personal data leaving the record, in the platform's one audit trail --------------------------------

@transaction.atomic
def appeal_reveal_contact(*, actor, appeal: Appeal) -> dict:
    """What staff pages call to show the clear contact details: appeal_unmask (the step on the
    appeal's own timeline) and the same read in the platform's audit trail, in one transaction. The
    row names the appeal by its code only (a title may hold a phone number) and keeps the phone's
    blind index, so the trail can be searched by the resident's number."""
    from core.audit import audit_record

    clear = appeal_unmask(actor=actor, appeal=appeal)
    audit_record(actor=actor, verb="appeals.unmask", target=appeal, label=appeal.code,
                 data={"code": appeal.code, "phone_index": appeal.contact_phone_index})
    return clear


@transaction.atomic
def appeals_export(*, actor, appeals, title: str, query: str = "") -> bytes:
    """An xlsx of ``appeals`` (already limited to the actor's scope and filters; personal data
    masked by appeals.exports), recorded in the audit trail with its size and filters."""
    from appeals.exports import appeals_xlsx
    from core.audit import audit_record

    content = appeals_xlsx(appeals, title=title)
    audit_record(actor=actor, verb="appeals.export", target=None, label=title,
                 data={"rows": appeals.count(), "list": title, "query": query[:500]})
    return content
