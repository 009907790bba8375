"""Reads of appeals, always limited to what the acting user may see (the scope rule of orgs)."""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from appeals.models import Appeal, ExtensionRequest, State, Urge
from orgs.models import Role
from orgs.selectors import own_scope, scope_for, scope_q

# Roles that see appeals by place (where the demand is) as well as by handler.
PLACE_ROLES = [Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.GRID_WORKER]


def visibility(user) -> tuple[Q | None, Q | None]:
    """Which appeals ``user`` may see, as two filters — (scope, own) — either of which admits an appeal;
    None admits nothing. The scope part reads only ``place``, ``assigned_department`` and
    ``assigned_unit``, so the same filter applies to a summary keyed by those columns
    (``appeals.kpis``' "received"); the own part is what the actor filed or is the resident of."""
    if (key_scope := own_scope(user)) is not None:
        return scope_q(key_scope, unit="place"), None
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None, None
    if user.is_superuser:
        return Q(), None
    if user.is_resident:
        return None, Q(resident=user)
    by_place = scope_q(scope_for(user, roles=PLACE_ROLES), unit="place", department="assigned_department")
    by_place |= scope_q(scope_for(user, roles=PLACE_ROLES), unit="assigned_unit")
    by_handler = scope_q(scope_for(user, roles=[Role.HANDLER]), unit="assigned_unit",
                         department="assigned_department")
    return by_place | by_handler, Q(created_by=user)


def appeals_visible_to(user) -> QuerySet[Appeal]:
    """Residents see their own appeals; staff see appeals in their scope and those they recorded; an
    organisation's API key those placed in its units (none once revoked or when it may not read);
    anyone else nothing."""
    qs = Appeal.objects.select_related("place", "assigned_department__unit", "assigned_unit", "category")
    parts = [q for q in visibility(user) if q is not None]
    if not parts:
        return qs.none()
    return qs.filter(parts[0] | parts[1]) if len(parts) == 2 else qs.filter(parts[0])


def appeal_by_code(code: str) -> Appeal | None:
    """For tracking without signing in: the code itself is the secret."""
    code = (code or "").strip().upper().replace("-", "").replace(" ", "")
    return Appeal.objects.select_related("place", "assigned_department", "assigned_unit").filter(code=code).first()


def due_soon(qs: QuerySet[Appeal], *, hours: int = 24) -> QuerySet[Appeal]:
    now = timezone.now()
    return qs.filter(state__in=[State.TO_ACCEPT, State.HANDLING], is_overdue=False,
                     due_at__gte=now, due_at__lt=now + timedelta(hours=hours))


# --- staff queues ------------------------------------------------------------------------------------
# Each queue is a filter on appeals_visible_to(user); the pages, the counts on their tabs and the
# xlsx export all come through here, so a queue means the same thing everywhere.

QUEUES = ("to_dispatch", "to_accept", "handling", "due_soon", "overdue", "returned", "urged", "urged_overdue",
          "all")
DUE_SOON_HOURS = 24
_WITH_HANDLER = [State.TO_ACCEPT, State.HANDLING]
# 督办 stays flagged until the appeal is replied (or leaves the loop).
_URGED_STATES = [State.TO_DISPATCH, State.TO_ACCEPT, State.HANDLING]


def overdue_q(now=None) -> Q:
    """With a handler and past its deadline: flagged by the sweep, or due before the sweep came round."""
    now = now or timezone.now()
    return Q(state__in=_WITH_HANDLER) & (Q(is_overdue=True) | Q(due_at__lt=now))


def urge_overdue_q(now=None) -> Q:
    """With a handler and an urging (督办) unanswered past its 反馈期限: flagged by the sweep, or past it
    before the sweep came round (as overdue_q)."""
    now = now or timezone.now()
    late = Urge.objects.filter(appeal=OuterRef("pk"), answered_at__isnull=True).filter(
        Q(overdue_at__isnull=False) | Q(answer_due_at__lt=now))
    return Q(state__in=_WITH_HANDLER) & Q(Exists(late))


def queue_q(queue: str, *, now=None) -> Q:
    now = now or timezone.now()
    if queue == "to_dispatch":
        return Q(state=State.TO_DISPATCH)
    if queue == "to_accept":
        return Q(state=State.TO_ACCEPT)
    if queue == "handling":
        return Q(state=State.HANDLING)
    if queue == "due_soon":
        return Q(state__in=_WITH_HANDLER, is_overdue=False, due_at__gte=now,
                 due_at__lt=now + timedelta(hours=DUE_SOON_HOURS))
    if queue == "overdue":
        return overdue_q(now)
    if queue == "returned":
        return Q(state=State.TO_DISPATCH, return_count__gt=0)
    if queue == "urged":
        return Q(state__in=_URGED_STATES, urge_count__gt=0)
    if queue == "urged_overdue":
        return urge_overdue_q(now)
    if queue == "all":
        return Q()
    raise ValueError(f"unknown queue {queue!r}")


def appeals_in_queue(user, queue: str, *, now=None) -> QuerySet[Appeal]:
    return appeals_visible_to(user).filter(queue_q(queue, now=now))


def queue_counts(user, *, now=None, base: QuerySet[Appeal] | None = None) -> dict[str, int]:
    """How many appeals each queue holds for ``user``, in one query. ``base`` narrows it (filters)."""
    from django.db.models import Count

    now = now or timezone.now()
    qs = base if base is not None else appeals_visible_to(user)
    return qs.order_by().aggregate(**{queue: Count("pk", filter=queue_q(queue, now=now)) for queue in QUEUES})


def appeals_search(qs: QuerySet[Appeal], query: str) -> QuerySet[Appeal]:
    """Full-text search on the normalised text: each word of the query must occur. The query is
    normalised like the text (traditional → simplified, full-width → half-width), so 暖氣 finds 暖气.
    A tracking code finds its appeal too, and a whole phone number (a mainland mobile, or a landline
    with its area code, written any way intake accepts) the appeals with that contact phone: the phone
    is stored encrypted, so it is matched by its blind index, exactly. Part of a number matches
    nothing (phone numbers are masked out of the searchable text), so the box cannot be used to
    guess one digit by digit. ``qs`` is already limited to the searcher's scope."""
    from accounts.services import normalize_contact_phone
    from core.crypto import blind_index
    from core.errors import BadInput
    from core.text import ID_MASK, PHONE_MASK, normalize

    raw = (query or "").strip()
    if not raw:
        return qs
    code = raw.upper().replace("-", "").replace(" ", "")
    try:
        phone = normalize_contact_phone(raw)
    except BadInput:
        phone = ""
    if phone:
        return qs.filter(Q(contact_phone_index=blind_index(phone)) | Q(code=code))
    # A number in the query is masked by normalize() as it is in the text; the placeholder would match
    # every appeal that mentions any number, so it is no search term.
    terms = [term for term in normalize(raw).split() if term not in (PHONE_MASK, ID_MASK)]
    if not terms:
        return qs.filter(code=code)
    text_q = Q()
    for term in terms:
        text_q &= Q(search_text__contains=term)
    return qs.filter(text_q | Q(code=code))


def appeals_filtered(qs: QuerySet[Appeal], *, state: str = "", appeal_type: str = "", department=None,
                     place=None, channel: str = "", received_from=None, received_to=None,
                     query: str = "") -> QuerySet[Appeal]:
    """The filters of the staff lists; ``place`` includes the units below it; dates are local days."""
    if state:
        qs = qs.filter(state=state)
    if appeal_type:
        qs = qs.filter(appeal_type=appeal_type)
    if department is not None:
        qs = qs.filter(assigned_department=department)
    if place is not None:
        qs = qs.filter(place__path__startswith=place.path)
    if channel:
        qs = qs.filter(channel=channel)
    if received_from:
        qs = qs.filter(created_at__date__gte=received_from)
    if received_to:
        qs = qs.filter(created_at__date__lte=received_to)
    return appeals_search(qs, query)


def reply_templates_for(appeal: Appeal):
    """Reply templates for everyone, plus those for the handling department's type."""
    from appeals.models import ReplyTemplate

    q = Q(department_kind="")
    if appeal.assigned_department_id:
        q |= Q(department_kind=appeal.assigned_department.kind)
    return ReplyTemplate.objects.filter(q)


def appeal_timeline(appeal: Appeal):
    """Every event, oldest first, as staff see it (including those not shown to the resident)."""
    return appeal.events.select_related("actor", "api_key").order_by("created_at", "id")


# --- supervision: extension requests (延期) and urgings (督办) -----------------------------------------

def _supervised_q(user, prefix: str = "") -> Q:
    """Appeals a supervisor answers for (appeals.permissions.reaches, as a filter): the place, or the
    handling department or unit, in their supervisor scope."""
    scope = scope_for(user, roles=[Role.SUPERVISOR])
    return (scope_q(scope, unit=f"{prefix}place", department=f"{prefix}assigned_department")
            | scope_q(scope, unit=f"{prefix}assigned_unit"))


def extension_requests_pending_for(user) -> QuerySet[ExtensionRequest]:
    """Extension requests waiting for ``user``'s decision (延期审批), oldest first: pending, on an appeal
    in handling, in their supervisor scope. Nobody else has any."""
    qs = ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING, appeal__state=State.HANDLING)
    if not getattr(user, "is_authenticated", False) or not user.is_active or getattr(user, "is_resident", True):
        return qs.none()
    if not user.is_superuser:
        qs = qs.filter(_supervised_q(user, "appeal__"))
    return qs.select_related("appeal__place", "appeal__assigned_department__unit", "appeal__assigned_unit",
                             "requested_by").order_by("created_at", "pk")


def urges_of(appeal: Appeal) -> QuerySet[Urge]:
    """An appeal's urgings, oldest first (the appeal is one the reader may already see)."""
    return appeal.urges.select_related("urged_by", "answered_by").order_by("created_at", "pk")


def open_urges_of(appeal: Appeal) -> QuerySet[Urge]:
    return urges_of(appeal).filter(answered_at__isnull=True)
