"""Who may see and do what in facilities. Services call ``require_*``; pages and the menu call ``may_*``.

- The public directory and a facility's page are open to anyone, signed in or not.
- A facility is kept (registered, edited, its status changed) by the handlers and administrators of a
  unit at or above its unit, and by the handlers and administrators of a department of its type's
  department kind (民政 for canteens, 卫健 for clinics …) at or above its unit: the scope rule.
- A facility is run day to day (slots, menus, check-in, the orders) by those who keep it and by its own
  staff (FacilityStaff: the canteen's manager), who need no role in the org network.
- Staff with a unit role other than dispatcher see the facilities of their scope; a grid worker orders
  a meal for an elderly person of their scope (代订)."""

from django.utils.translation import gettext as _

from core.errors import NotAllowed
from orgs.models import Role
from orgs.selectors import memberships_of, scope_for

KEEP_ROLES = [Role.HANDLER, Role.ADMIN]
SEE_ROLES = [Role.GRID_WORKER, Role.HANDLER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN]


def _active_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and not user.is_resident)


def _reaches(user, facility, roles, *, departments: bool = True) -> bool:
    if not _active_staff(user):
        return False
    scope = scope_for(user, roles=roles)
    if scope.everything:
        return True
    path = facility.unit_path
    if any(path.startswith(reach) for reach in scope.unit_paths):
        return True
    kind = facility.type.department_kind
    return departments and bool(kind) and any(
        dept_kind == kind and path.startswith(reach) for dept_kind, reach in scope.department_subtrees)


def is_facility_staff(user, facility) -> bool:
    return bool(_active_staff(user) and facility.staff.filter(user=user, until__isnull=True).exists())


def may_keep(user, facility) -> bool:
    return _reaches(user, facility, KEEP_ROLES)


def may_run(user, facility) -> bool:
    return may_keep(user, facility) or is_facility_staff(user, facility)


def may_see_staff_side(user, facility) -> bool:
    return may_run(user, facility) or _reaches(user, facility, SEE_ROLES)


def may_register_in(user, unit, facility_type) -> bool:
    """May ``user`` register a facility of ``facility_type`` in ``unit``?"""
    from types import SimpleNamespace

    return _reaches(user, SimpleNamespace(unit_path=unit.path, type=facility_type), KEEP_ROLES)


def may_order_for_others(user, facility) -> bool:
    """代订 by staff: keepers and the facility's own staff, and grid workers of its area: a grid worker
    of one of a community's grids orders at that community's canteen as well as at those below them."""
    if may_run(user, facility):
        return True
    if not _active_staff(user):
        return False
    path = facility.unit_path
    return any(path.startswith(m.unit.path) or m.unit.path.startswith(path)
               for m in memberships_of(user, [Role.GRID_WORKER]) if m.unit_id)


def require_keep(user, facility) -> None:
    if not may_keep(user, facility):
        raise NotAllowed(_("Only the staff who keep %(name)s (its unit or its department) may change it.")
                         % {"name": facility.name})


def require_run(user, facility) -> None:
    if not may_run(user, facility):
        raise NotAllowed(_("Only the staff of %(name)s may do this.") % {"name": facility.name})


def require_register_in(user, unit, facility_type) -> None:
    if not may_register_in(user, unit, facility_type):
        raise NotAllowed(_("You may not register a %(type)s in %(unit)s.") % {
            "type": facility_type.name, "unit": unit.name})


def require_configure(user) -> None:
    from orgs.permissions import may_administer_city

    if not may_administer_city(user):
        raise NotAllowed(_("Only a city administrator may change the facility types and meal price rules."))


# --- the menu ----------------------------------------------------------------------------------------------

def _has_posts(user) -> bool:
    return user.facility_posts.filter(until__isnull=True).exists()


def _keeper_anywhere(user) -> bool:
    from facilities.models import FacilityType

    if getattr(user, "is_superuser", False):
        return True
    kinds = set(FacilityType.objects.filter(is_active=True).exclude(department_kind="")
                .values_list("department_kind", flat=True))
    for membership in memberships_of(user, KEEP_ROLES):
        if membership.unit_id or membership.department.kind in kinds:
            return True
    return False


def may_open_registry(user) -> bool:
    """设施: staff with a unit role (not the dispatcher's desk), keepers of a department, facility staff."""
    if not _active_staff(user):
        return False
    return bool(memberships_of(user, SEE_ROLES) and any(m.unit_id for m in memberships_of(user, SEE_ROLES))) \
        or _keeper_anywhere(user) or _has_posts(user)


def may_open_checkin(user) -> bool:
    """预约核销: keepers and facility staff."""
    return _active_staff(user) and (_keeper_anywhere(user) or _has_posts(user))


def may_open_canteen(user) -> bool:
    """食堂: a canteen's staff, and the keepers of canteens (units' handlers, 民政)."""
    if not _active_staff(user):
        return False
    if getattr(user, "is_superuser", False):
        return True
    if user.facility_posts.filter(until__isnull=True, facility__type__serves_meals=True).exists():
        return True
    from facilities.models import FacilityType

    kinds = set(FacilityType.objects.filter(is_active=True, serves_meals=True)
                .values_list("department_kind", flat=True))
    return any(m.unit_id or m.department.kind in kinds for m in memberships_of(user, KEEP_ROLES))
