"""Who may see and do what in events. Services call ``require_*``; pages and the menu call ``may_*``.

- An event is organised (created, edited, published, cancelled, checked in, results recorded) by the
  handlers, administrators and community workers of its unit or a unit above it, and by the handlers
  and administrators of a 文旅 or 体育 department (its own events, and those of its kind below it).
- Staff with a unit role other than dispatcher (supervisors, leaders too) see the events of their scope.
- Residents see the events of the units above and at their village or community (their residency, as
  declared to deliberation), and sign up to those while sign-up is open."""

from django.utils.translation import gettext as _

from core.errors import NotAllowed
from orgs.models import DepartmentKind, Role
from orgs.selectors import memberships_of, scope_for

ORGANISE_ROLES = [Role.HANDLER, Role.ADMIN, Role.GRID_WORKER]
DEPARTMENT_ROLES = [Role.HANDLER, Role.ADMIN]
SEE_ROLES = [Role.GRID_WORKER, Role.HANDLER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN]
DEPARTMENT_KINDS = [DepartmentKind.CULTURE_TOURISM, DepartmentKind.SPORTS]


def active_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and not user.is_resident)


def is_resident(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_resident)


def _department_reaches(user, department) -> bool:
    if department is None or department.kind not in DEPARTMENT_KINDS:
        return False
    for m in memberships_of(user, DEPARTMENT_ROLES):
        if m.department_id and (m.department_id == department.pk or (
                m.department.kind == department.kind and department.unit.path.startswith(m.department.unit.path))):
            return True
    return False


def may_organise(user, event) -> bool:
    if not active_staff(user):
        return False
    scope = scope_for(user, roles=ORGANISE_ROLES)
    if scope.everything or any(event.unit_path.startswith(path) for path in scope.unit_paths):
        return True
    return _department_reaches(user, event.department)


def may_see_staff_side(user, event) -> bool:
    if may_organise(user, event):
        return True
    if not active_staff(user):
        return False
    scope = scope_for(user, roles=SEE_ROLES)
    return scope.everything or any(event.unit_path.startswith(path) for path in scope.unit_paths)


def may_create_in(user, unit, department=None) -> bool:
    """May ``user`` organise an event of ``unit`` (for ``department`` of that unit, when given)?"""
    if not active_staff(user):
        return False
    if department is not None:
        if department.unit_id != unit.pk:
            return False
        if user.is_superuser:
            return True
        return _department_reaches(user, department) or any(
            unit.path.startswith(m.unit.path) for m in memberships_of(user, ORGANISE_ROLES) if m.unit_id)
    scope = scope_for(user, roles=ORGANISE_ROLES)
    return scope.everything or any(unit.path.startswith(path) for path in scope.unit_paths)


def require_organise(user, event) -> None:
    if not may_organise(user, event):
        raise NotAllowed(_("Only the organisers of “%(title)s” may do this.") % {"title": event.title})


def require_create_in(user, unit, department=None) -> None:
    if not may_create_in(user, unit, department):
        raise NotAllowed(_("You may not organise an event for %(unit)s.") % {
            "unit": department.name if department is not None else unit.name})


# --- the menu ----------------------------------------------------------------------------------------------

def may_open_staff(user) -> bool:
    """活动组织: staff with a unit role (not the dispatcher's desk), and 文旅/体育 departments' handlers."""
    if not active_staff(user):
        return False
    if user.is_superuser:
        return True
    if any(m.unit_id for m in memberships_of(user, SEE_ROLES)):
        return True
    return any(m.department_id and m.department.kind in DEPARTMENT_KINDS for m in memberships_of(user, DEPARTMENT_ROLES))


def may_organise_anywhere(user) -> bool:
    if not active_staff(user):
        return False
    if user.is_superuser or any(m.unit_id for m in memberships_of(user, ORGANISE_ROLES)):
        return True
    return any(m.department_id and m.department.kind in DEPARTMENT_KINDS for m in memberships_of(user, DEPARTMENT_ROLES))
