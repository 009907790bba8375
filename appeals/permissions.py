"""Who may do what to an appeal. Services call ``require``; pages call ``may`` to show actions."""

from django.utils.translation import gettext as _

from accounts.models import ApiKey
from appeals.models import Action
from core.errors import NotAllowed
from orgs.models import Role
from orgs.selectors import Purpose, can_reach_department, can_reach_unit, has_role, memberships_of

DISPATCH_ACTIONS = {Action.DISPATCH, Action.REASSIGN, Action.REJECT, Action.MERGE}
HANDLER_ACTIONS = {Action.ACCEPT, Action.RETURN, Action.REPLY, Action.REQUEST_EXTENSION, Action.TRANSFER,
                   Action.UNMASK, Action.ANSWER_URGE, Action.PROGRESS}
SUPERVISOR_ACTIONS = {Action.URGE, Action.APPROVE_EXTENSION, Action.DENY_EXTENSION}
RESIDENT_ACTIONS = {Action.RATE, Action.WITHDRAW, Action.ADD_INFO}


def is_assigned_handler(user, appeal) -> bool:
    """Holds the handler role in the very department or unit the appeal is assigned to."""
    for membership in memberships_of(user, [Role.HANDLER]):
        if appeal.assigned_department_id and membership.department_id == appeal.assigned_department_id:
            return True
        if appeal.assigned_unit_id and membership.unit_id == appeal.assigned_unit_id:
            return True
    return False


def reaches(user, appeal, roles) -> bool:
    """The appeal's place or its current handler is in the user's scope for ``roles``."""
    if can_reach_unit(user, appeal.place, roles=roles):
        return True
    if appeal.assigned_department_id and can_reach_department(user, appeal.assigned_department, roles=roles):
        return True
    return bool(appeal.assigned_unit_id and can_reach_unit(user, appeal.assigned_unit, roles=roles))


def is_owner(user, appeal) -> bool:
    return bool(getattr(user, "is_authenticated", False) and appeal.resident_id and appeal.resident_id == user.pk)


def may(user, action: str, appeal) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if action in RESIDENT_ACTIONS:
        return is_owner(user, appeal)
    if user.is_superuser and action != Action.UNMASK:
        return True
    if action in DISPATCH_ACTIONS:
        return can_reach_unit(user, appeal.place, roles=[Role.DISPATCHER])
    if action in HANDLER_ACTIONS:
        return is_assigned_handler(user, appeal)
    if action in SUPERVISOR_ACTIONS:
        return reaches(user, appeal, [Role.SUPERVISOR])
    return False


def require(user, action: str, appeal) -> None:
    if not may(user, action, appeal):
        raise NotAllowed(_("You may not do “%(action)s” on appeal %(code)s.")
                         % {"action": Action(action).label, "code": appeal.code})


# Who sees the 三率 KPI page and its report (appeals.kpis limits the figures to their scope).
KPI_ROLES = [Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.DISPATCHER]


def may_see_kpis(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and has_role(user, *KPI_ROLES))


def may_record_for_resident(user, place) -> bool:
    """Staff who take a demand by phone or on a visit: dispatchers (hotline) and grid workers."""
    if getattr(user, "is_superuser", False):
        return True
    return can_reach_unit(user, place, roles=[Role.DISPATCHER, Role.GRID_WORKER])


# --- integrating organisations' API keys ---------------------------------------------------------------
# A key acts as no person: it holds no role, so ``may`` refuses it every action on an appeal; it may
# only file demands and read those placed in its units (orgs.selectors answers for its scope).

class KeyMayNotCreate(NotAllowed):
    """An API key may not file a demand about ``place``; Open311 words the refusal its own way."""

    def __init__(self, message, *, place):
        super().__init__(message)
        self.place = place


def is_api_key(actor) -> bool:
    return isinstance(actor, ApiKey)


def require_key_may_create(key: ApiKey, place) -> None:
    """The key is active, may create, and ``place`` lies in one of its units' subtrees."""
    if not can_reach_unit(key, place, purpose=Purpose.CREATE):
        raise KeyMayNotCreate(_("This API key may not create appeals in %(place)s.") % {"place": place.name}
                              if key.may_create else _("This API key may not create appeals."), place=place)


def require_may_read_appeals(actor) -> None:
    """A key issued only to file demands is told so, rather than shown an empty list."""
    if is_api_key(actor) and not actor.may_read:
        raise NotAllowed(_("This API key may not read appeals."))
# Which staff pages of appeals a user may open (the pages check these; the menu shows what they allow).

def may_open_queue(user) -> bool:
    """Every signed-in staff member has a queue: the appeals of their scope, perhaps none."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and not user.is_resident)


def may_record_for_residents(user) -> bool:
    """Dispatchers (calls to the hotline) and grid workers (visits) record demands for residents."""
    return may_open_queue(user) and has_role(user, Role.DISPATCHER, Role.GRID_WORKER)


def may_import_hotline(user) -> bool:
    return may_open_queue(user) and has_role(user, Role.DISPATCHER)


def may_supervise(user) -> bool:
    """Supervisors (and superusers) have the queue of extension requests (延期审批)."""
    return may_open_queue(user) and (user.is_superuser or has_role(user, Role.SUPERVISOR))


def may_bulk_dispatch(user) -> bool:
    return user.is_superuser or bool(memberships_of(user, [Role.DISPATCHER]))
