"""Who may do what in dispatch: change how appeals are routed (models, the catalogue, training
examples), see the 热点 (hot spots) page, and create or update 每月一题 (monthly topics)."""

from django.utils.translation import gettext as _

from core.errors import NotAllowed
from orgs.models import Level, Role
from orgs.permissions import may_administer_department
from orgs.selectors import can_reach_department, has_role, memberships_of

HOTSPOT_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.DISPATCHER)


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


# --- routing: models, catalogue, training examples ---------------------------------------------------

def may_manage_models(user) -> bool:
    """Training and activating a classifier changes routing for the whole deployment: superusers and
    administrators of the city."""
    if getattr(user, "is_superuser", False):
        return True
    return any(m.unit_id and m.unit.level == Level.CITY for m in memberships_of(user, [Role.ADMIN]))


def require_model_manager(actor) -> None:
    """For services: ``actor`` None is the platform itself (a management command, the scheduled task)."""
    if actor is not None and not may_manage_models(actor):
        raise NotAllowed(_("Only administrators of the city may train or activate dispatch models."))


def may_edit_catalogue_entry(user, entry) -> bool:
    """A department's entries: whoever administers that department; category-only entries apply
    everywhere, so they take a city administrator."""
    if entry.department_id:
        return may_administer_department(user, entry.department)
    return may_manage_models(user)


# --- 热点 and 每月一题 ----------------------------------------------------------------------------------

def may_see_hotspots(user) -> bool:
    return _signed_in(user) and not user.is_resident and has_role(user, *HOTSPOT_ROLES)


def may_create_topics(user) -> bool:
    """Supervisors (督办员) turn hot spots into topics; superusers too."""
    return _signed_in(user) and has_role(user, Role.SUPERVISOR)


def may_own_topic(user, department) -> bool:
    """A supervisor may give a topic to a department in their scope."""
    return may_create_topics(user) and can_reach_department(user, department, roles=[Role.SUPERVISOR])


def may_update_topic(user, topic) -> bool:
    """The owner department's handlers, and supervisors whose scope reaches it."""
    if not _signed_in(user):
        return False
    return can_reach_department(user, topic.owner_department, roles=[Role.HANDLER, Role.SUPERVISOR])


def may_open_topics(user) -> bool:
    """Every staff member may open the list of 每月一题 (it shows the topics of their scope); the menu
    offers it to those who make topics from hot spots or watch them, and to the handlers topics are
    given to."""
    return may_see_hotspots(user) or has_role(user, Role.HANDLER)


# --- the responsibility catalogue (派单目录) ----------------------------------------------------------

CATALOGUE_ROLES = (Role.DISPATCHER, Role.ADMIN)


def may_read_catalogue(user) -> bool:
    """Dispatchers read the catalogue to know which department a matter belongs to; administrators
    keep it (in the admin)."""
    return _signed_in(user) and not user.is_resident and has_role(user, *CATALOGUE_ROLES)
