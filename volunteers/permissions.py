"""Who may see and do what in 志愿服务. Services call ``require_*``; pages and the menu call ``may_*``.

Staff follow the scope rule (orgs.selectors) through unit memberships: community workers, handlers and
administrators of a unit keep the volunteers and activities of that unit and below it (approve
applications, publish activities, scan volunteers in, correct hours); supervisors and leaders read
them. A volunteer acts only for themself, once approved."""

from django.utils.translation import gettext as _

from core.errors import NotAllowed
from orgs.models import Role
from orgs.selectors import Scope, scope_for

MANAGE_ROLES = [Role.GRID_WORKER, Role.HANDLER, Role.ADMIN]
SEE_ROLES = [*MANAGE_ROLES, Role.SUPERVISOR, Role.LEADER]


def _active_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and not user.is_resident)


def unit_scope(user, roles) -> Scope:
    if not _active_staff(user):
        return Scope()
    scope = scope_for(user, roles=roles)
    return Scope(everything=scope.everything, unit_paths=scope.unit_paths)


def _reaches(scope: Scope, unit) -> bool:
    return scope.everything or any(unit.path.startswith(path) for path in scope.unit_paths)


def may_see_unit(user, unit) -> bool:
    return _reaches(unit_scope(user, SEE_ROLES), unit)


def may_manage_unit(user, unit) -> bool:
    return _reaches(unit_scope(user, MANAGE_ROLES), unit)


def require_manage_unit(user, unit) -> None:
    if not may_manage_unit(user, unit):
        raise NotAllowed(_("%(unit)s is outside the units whose volunteers you keep.") % {"unit": unit.name})


def require_volunteer_self(user, volunteer) -> None:
    if not (getattr(user, "is_authenticated", False) and volunteer.user_id == user.pk):
        raise NotAllowed(_("Only the volunteer themself may do this."))


def require_configure(user) -> None:
    """Skills are one list for the city: a superuser or a city administrator."""
    from orgs.permissions import may_administer_city

    if not may_administer_city(user):
        raise NotAllowed(_("Only a city administrator may change the list of skills."))


# --- pages and the menu ---------------------------------------------------------------------------------

def may_open_staff(user) -> bool:
    scope = unit_scope(user, SEE_ROLES)
    return scope.everything or bool(scope.unit_paths)


def may_manage_any(user) -> bool:
    scope = unit_scope(user, MANAGE_ROLES)
    return scope.everything or bool(scope.unit_paths)


def may_open_resident(user) -> bool:
    """志愿服务: every resident (to apply, or to see their activities)."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_resident)


def may_open_hours(user) -> bool:
    """我的时长: a resident with a volunteer profile."""
    if not may_open_resident(user):
        return False
    from volunteers.models import Volunteer

    return Volunteer.objects.filter(user=user).exists()
