"""Who may change the org network: administrators, within their scope."""

from orgs.models import Department, Level, Role, Unit
from orgs.selectors import can_reach_department, can_reach_unit, memberships_of, scope_for


def may_administer(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or not scope_for(user, roles=[Role.ADMIN]).empty)


def may_administer_unit(user, unit: Unit | None) -> bool:
    """A new city (unit None) takes a superuser; any other unit an administrator above or at it."""
    if getattr(user, "is_superuser", False):
        return True
    if unit is None:
        return False
    return can_reach_unit(user, unit, roles=[Role.ADMIN])


def may_administer_department(user, department: Department) -> bool:
    return can_reach_department(user, department, roles=[Role.ADMIN]) or may_administer_unit(user, department.unit)


def may_administer_city(user) -> bool:
    """City-wide settings (the holiday calendar, deadline rules, KPI weights, the whole audit trail):
    a superuser, or an administrator (系统管理员) of a city-level unit. A county's administrator
    keeps to their county."""
    if not getattr(user, "is_active", False):
        return False
    if user.is_superuser:
        return True
    return any(m.unit_id and m.unit.level == Level.CITY for m in memberships_of(user, [Role.ADMIN]))
