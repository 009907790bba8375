"""Telling people what happened to an appeal, through pluggable backends, from the event outbox.

Transitions only write events; ``services._record`` marks the ones worth telling ``delivery=pending``.
``deliver_pending`` claims due rows with a conditional UPDATE (so two workers never take the same
row), hands each event to every backend named in ``settings.APPEAL_NOTIFICATION_BACKENDS``, and marks
it sent — or counts the failure, keeps the error and tries again later with a growing pause, giving
up (``failed``) after ``APPEAL_NOTIFICATION_MAX_ATTEMPTS``. A failing backend therefore never blocks a
transition and never loses a notification. Each backend that has delivered an event is remembered in
the event's data, so a retry after a partial failure does not send the same SMS twice.
"""

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from appeals import permissions
from appeals.models import Action, AppealEvent, Channel, KpiSettings, Message
from orgs.models import Role

logger = logging.getLogger("minsheng.appeals.notifications")

# How long a worker holds a claimed row; a worker that dies lets the row go after this.
LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)
BATCH = 200
# Key in AppealEvent.data listing the backends that have delivered the event.
DELIVERED_KEY = "delivered_by"

# Who hears of what. The handling body learns of work given to it; the resident of answers.
TO_HANDLERS = {Action.DISPATCH, Action.REASSIGN, Action.TRANSFER, Action.URGE, Action.OVERDUE, Action.REOPEN,
               Action.APPROVE_EXTENSION, Action.DENY_EXTENSION, Action.URGE_OVERDUE}
# An urging left unanswered past its 反馈期限 escalates to the supervisors (督办超期); its answer reaches them.
TO_SUPERVISORS = {Action.OVERDUE, Action.URGE_OVERDUE, Action.ANSWER_URGE}
TO_RESIDENT_SMS = {Action.CREATE, Action.REPLY, Action.MERGE}
TO_RESIDENT_SITE = {Action.REPLY, Action.MERGE}


def max_attempts() -> int:
    return int(settings.APPEAL_NOTIFICATION_MAX_ATTEMPTS)


def backoff(attempts: int) -> timedelta:
    """Pause before attempt ``attempts + 1``: 2, 4, 8 … minutes, at most six hours."""
    return min(timedelta(minutes=2 ** attempts), MAX_BACKOFF)


# --- what the message says ------------------------------------------------------------------------

def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _short(text: str, limit: int = 30) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_merge_notice(event: AppealEvent) -> bool:
    """The note on a main appeal that a duplicate was merged into it (合并): its resident is told too."""
    return event.action == Action.ADD_INFO and bool(event.data.get("merged"))


def resident_text(event: AppealEvent) -> str:
    appeal = event.appeal
    if event.action == Action.CREATE:
        return _("Your demand (诉求) “%(title)s” has been received. Tracking code: %(code)s — keep it to "
                 "follow the handling.") % {"title": _short(appeal.title), "code": appeal.code}
    if event.action == Action.REPLY:
        return _("Your demand %(code)s has been answered (已答复). Please read the reply and rate it within "
                 "%(days)s days.") % {"code": appeal.code, "days": KpiSettings.current().rating_days}
    if event.action == Action.MERGE:
        return _("Your demand %(code)s concerns the same matter as demand %(into)s and has been merged into it "
                 "(合并); follow %(into)s for the handling.") % {"code": appeal.code,
                                                               "into": event.data.get("into", "—")}
    if is_merge_notice(event):
        return _("Another demand about the same matter has been merged into your demand %(code)s (合并); they "
                 "are handled together.") % {"code": appeal.code}
    return ""


def staff_text(event: AppealEvent, *, supervisor: bool = False) -> str:
    appeal = event.appeal
    subject = {"code": appeal.code, "title": _short(appeal.title), "accept": _when(appeal.accept_due_at),
               "due": _when(appeal.due_at), "note": _short(event.note, 200), "assignee": appeal.assignee or "—"}
    texts = {
        Action.DISPATCH: _("New appeal for you (派单): %(code)s “%(title)s”. Accept by %(accept)s; due %(due)s."),
        Action.REASSIGN: _("Appeal reassigned to you (改派): %(code)s “%(title)s”. Accept by %(accept)s; "
                           "due %(due)s."),
        Action.TRANSFER: _("Appeal passed down to you (转办): %(code)s “%(title)s”. Due %(due)s."),
        Action.URGE: _("Urged by a supervisor (督办): %(code)s “%(title)s”: %(note)s"),
        Action.OVERDUE: _("Overdue (超期): %(code)s “%(title)s” was due %(due)s."),
        Action.REOPEN: _("Reopened (重办): the resident was not satisfied with the reply to %(code)s "
                         "“%(title)s”. Due %(due)s."),
        Action.APPROVE_EXTENSION: _("Extension approved (延期): %(code)s “%(title)s” is now due %(due)s."),
        Action.DENY_EXTENSION: _("Extension denied (延期驳回): %(code)s “%(title)s” stays due %(due)s."),
        Action.URGE_OVERDUE: _("Urging not answered in time (督办超期): %(code)s “%(title)s”: %(note)s"),
        Action.ANSWER_URGE: _("Urging answered (督办反馈): %(code)s “%(title)s”: %(note)s"),
    }
    text = texts[event.action] % subject
    if supervisor:
        text += " " + _("Handled by %(assignee)s.") % subject
    return text


# --- who hears it ------------------------------------------------------------------------------------

def _target_of(event: AppealEvent) -> tuple[str, int] | None:
    """("department"|"unit", id) the event gave the appeal to; else the appeal's current handler."""
    kind, pk = event.data.get("to_kind"), event.data.get("to_id")
    if event.action in (Action.DISPATCH, Action.REASSIGN, Action.TRANSFER) and kind in ("department", "unit") and pk:
        return kind, pk
    appeal = event.appeal
    if appeal.assigned_department_id:
        return "department", appeal.assigned_department_id
    if appeal.assigned_unit_id:
        return "unit", appeal.assigned_unit_id
    return None


def handlers_for(event: AppealEvent):
    """The active handlers of the department or unit the event concerns."""
    from django.contrib.auth import get_user_model

    User = get_user_model()  # noqa: N806
    target = _target_of(event)
    if target is None:
        return User.objects.none()
    kind, pk = target
    where = {"memberships__department_id": pk} if kind == "department" else {"memberships__unit_id": pk}
    return User.objects.filter(is_active=True, memberships__role=Role.HANDLER, **where).distinct().order_by("pk")


def supervisors_for(appeal) -> list:
    """The nearest supervisors over the appeal: those whose membership reaches it from the lowest level
    (a county's supervisors before the city's). Department supervisors count through the handling
    department (市卫健委 over a county 卫健局), not through the place."""
    from orgs.models import Membership

    place_path = appeal.place.path
    dept = appeal.assigned_department
    unit_path = dept.unit.path if dept else (appeal.assigned_unit.path if appeal.assigned_unit_id else "")
    reaching = []
    for m in Membership.objects.filter(role=Role.SUPERVISOR, user__is_active=True).select_related(
        "user", "unit", "department__unit"
    ):
        if m.unit_id:
            path = m.unit.path
            ok = place_path.startswith(path) or (unit_path and unit_path.startswith(path))
        else:
            path = m.department.unit.path
            ok = bool(dept) and (dept.pk == m.department_id
                                 or (dept.kind == m.department.kind and dept.unit.path.startswith(path)))
        if ok and permissions.reaches(m.user, appeal, [Role.SUPERVISOR]):
            reaching.append((len(path), m.user))
    if not reaching:
        return []
    nearest = max(depth for depth, _user in reaching)
    return sorted({user for depth, user in reaching if depth == nearest}, key=lambda user: user.pk)


# --- backends --------------------------------------------------------------------------------------------

class Backend:
    """``deliver(event)`` sends what concerns this backend and raises on failure (the event is retried)."""

    def deliver(self, event: AppealEvent) -> None:
        raise NotImplementedError


class LogBackend(Backend):
    def deliver(self, event: AppealEvent) -> None:
        # The tracking code opens the resident's page: the log names the appeal by its id instead.
        logger.info("appeal #%s: %s (%s → %s)", event.appeal_id, event.action, event.from_state, event.to_state)


def sms_number(appeal) -> str:
    """The mobile number texts about ``appeal`` go to: its contact number, or, when that is a landline
    (which cannot receive one) or missing, the resident account's mobile; "" when there is none."""
    from accounts.services import is_mobile

    for phone in (appeal.contact_phone, appeal.resident.phone if appeal.resident_id else ""):
        if phone and is_mobile(phone):
            return phone
    return ""


class SmsBackend(Backend):
    """Texts the resident's phone through accounts.sms (settings.SMS_BACKEND): the tracking code on
    receipt, the reply, a merge."""

    def deliver(self, event: AppealEvent) -> None:
        from accounts.sms import sms_send

        if event.action not in TO_RESIDENT_SMS and not is_merge_notice(event):
            return
        appeal = event.appeal
        if event.action == Action.CREATE and appeal.channel == Channel.IMPORT:
            return  # a hotline export: the hotline already gave the caller its own reference
        phone = sms_number(appeal)
        if phone:
            sms_send(phone, resident_text(event))


class InSiteBackend(Backend):
    """In-site messages (站内信): to the handling body's handlers on new, moved, urged and overdue work,
    to the nearest supervisors when overdue, and to the resident's account on a reply or merge."""

    def deliver(self, event: AppealEvent) -> None:
        appeal = event.appeal
        messages = []
        if event.action in TO_HANDLERS:
            text = staff_text(event)
            messages += [Message(recipient=user, appeal=appeal, text=text[:500]) for user in handlers_for(event)]
        if event.action in TO_SUPERVISORS:
            text = staff_text(event, supervisor=True)
            messages += [Message(recipient=user, appeal=appeal, text=text[:500])
                         for user in supervisors_for(appeal)]
        if (event.action in TO_RESIDENT_SITE or is_merge_notice(event)) and appeal.resident_id:
            messages.append(Message(recipient=appeal.resident, appeal=appeal, text=resident_text(event)[:500]))
        Message.objects.bulk_create(messages)


def get_backends() -> list[tuple[str, Backend]]:
    paths = settings.APPEAL_NOTIFICATION_BACKENDS
    return [(path, import_string(path)()) for path in paths]


# --- the outbox worker -------------------------------------------------------------------------------------

@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def __add__(self, other: "DeliveryReport") -> "DeliveryReport":
        return DeliveryReport(self.sent + other.sent, self.retrying + other.retrying, self.failed + other.failed,
                              self.errors + other.errors)

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed


def claim_due(*, now: datetime | None = None, limit: int = BATCH) -> tuple[list[AppealEvent], datetime]:
    """Claim up to ``limit`` pending events that are due and not held by another worker.

    One conditional UPDATE sets ``delivery_claimed_until`` to a value unique to this claim; rows another
    worker claimed first no longer match its WHERE clause (PostgreSQL re-checks it after the row lock).
    Returns the claimed events and the claim's token."""
    now = now or timezone.now()
    token = now + LEASE + timedelta(microseconds=secrets.randbelow(1_000_000))
    free = Q(delivery_claimed_until__isnull=True) | Q(delivery_claimed_until__lte=now)
    due = AppealEvent.objects.filter(free, delivery=AppealEvent.Delivery.PENDING, delivery_due_at__lte=now)
    ids = list(due.order_by("delivery_due_at", "id").values_list("pk", flat=True)[:limit])
    if not ids:
        return [], token
    AppealEvent.objects.filter(free, pk__in=ids, delivery=AppealEvent.Delivery.PENDING).update(
        delivery_claimed_until=token)
    claimed = AppealEvent.objects.filter(pk__in=ids, delivery_claimed_until=token).select_related(
        "appeal__place", "appeal__assigned_department__unit", "appeal__assigned_unit", "appeal__resident"
    ).order_by("delivery_due_at", "id")
    return list(claimed), token


def deliver_event(event: AppealEvent, *, token: datetime, backends=None, now: datetime | None = None) -> str | None:
    """Hand a claimed event to each backend that has not delivered it yet; record the outcome.
    Returns the event's delivery state afterwards, or None when this worker's claim ran out and
    another worker holds the event now (it then stops without sending anything more)."""
    now = now or timezone.now()
    backends = get_backends() if backends is None else backends
    owned = AppealEvent.objects.filter(pk=event.pk, delivery_claimed_until=token)
    done = list(event.data.get(DELIVERED_KEY, []))
    errors = []
    with translation.override(settings.LANGUAGE_CODE):
        for name, backend in backends:
            if name in done:
                continue
            if not owned.exists():
                logger.warning("claim on %s %s ran out; left to the worker that holds it", event.appeal.code,
                               event.action)
                return None
            try:
                with transaction.atomic():  # an in-site message and the note that it went out, together
                    backend.deliver(event)
                    progress = done + [name]
                    event.data = {**event.data, DELIVERED_KEY: progress}
                    AppealEvent.objects.filter(pk=event.pk).update(data=event.data)
                done = progress
            except Exception as exc:  # noqa: BLE001 - any backend failure is recorded and retried
                logger.warning("notification of %s %s through %s failed: %s", event.appeal.code, event.action,
                               name, exc)
                errors.append(f"{name}: {type(exc).__name__}: {exc}")
    if not errors:
        owned.update(delivery=AppealEvent.Delivery.SENT, delivery_claimed_until=None, delivery_error="")
        return AppealEvent.Delivery.SENT
    attempts = event.delivery_attempts + 1
    error = "\n".join(errors)[:2000]
    if attempts >= max_attempts():
        owned.update(delivery=AppealEvent.Delivery.FAILED, delivery_attempts=attempts, delivery_error=error,
                     delivery_claimed_until=None)
        logger.error("gave up notifying %s %s after %s attempts: %s", event.appeal.code, event.action, attempts,
                     error)
        return AppealEvent.Delivery.FAILED
    owned.update(delivery_attempts=attempts, delivery_error=error, delivery_claimed_until=None,
                 delivery_due_at=now + backoff(attempts))
    return AppealEvent.Delivery.PENDING


def deliver_pending(*, now: datetime | None = None, limit: int = BATCH) -> DeliveryReport:
    """One batch: claim due events and deliver them."""
    events, token = claim_due(now=now, limit=limit)
    report = DeliveryReport()
    if not events:
        return report
    backends = get_backends()
    for event in events:
        outcome = deliver_event(event, token=token, backends=backends, now=now)
        if outcome == AppealEvent.Delivery.SENT:
            report.sent += 1
        elif outcome == AppealEvent.Delivery.FAILED:
            report.failed += 1
        elif outcome == AppealEvent.Delivery.PENDING:
            report.retrying += 1
    return report


def deliver_all(*, now: datetime | None = None, limit: int = BATCH, max_batches: int = 50) -> DeliveryReport:
    """Batches until nothing due is left (or ``max_batches``, so one run always ends)."""
    report = DeliveryReport()
    for _batch in range(max_batches):
        batch = deliver_pending(now=now, limit=limit)
        report += batch
        if batch.handled < limit:
            break
    return report
