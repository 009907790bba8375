"""Who may see and do what with 民生实事 targets. Services call ``require``; pages and the menu the ``may_*``.

- The dashboard, the targets and the monthly report: leaders, supervisors and administrators, for the
  units of their scope (a county leader drills from the county down, never up to the city).
- Defining targets and reported indicators: administrators, for targets owned by a unit they reach.
- Reporting a figure (填报): staff of a department of the indicator's type in the unit reported for or
  in a unit above it (townships have no departments: the county's bureau reports for them), or an
  administrator of that unit.
- Reviewing it (审核): the unit above: staff of the same type of department in the parent unit, or an
  administrator reaching the parent unit; never the person who reported it. A city's own figures are
  reviewed by the city's administrators.
"""

from django.utils.translation import gettext as _

from core.errors import NotAllowed
from orgs.models import Role
from orgs.selectors import can_reach_unit, has_role, memberships_of

VIEW_ROLES = [Role.LEADER, Role.SUPERVISOR, Role.ADMIN]
DEFINE_ROLES = [Role.ADMIN]
DEPARTMENT_ROLES = [Role.HANDLER, Role.SUPERVISOR, Role.ADMIN, Role.LEADER]


def _staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and not user.is_resident)


def may_open_dashboard(user) -> bool:
    return _staff(user) and has_role(user, *VIEW_ROLES)


def may_see_unit(user, unit) -> bool:
    return _staff(user) and can_reach_unit(user, unit, roles=VIEW_ROLES)


def may_define(user, unit) -> bool:
    return _staff(user) and can_reach_unit(user, unit, roles=DEFINE_ROLES)


def may_open_definitions(user) -> bool:
    return _staff(user) and has_role(user, *DEFINE_ROLES)


def _department_member(user, kind, unit, *, below: bool = False) -> bool:
    """Holds a role in a department of ``kind`` of ``unit`` (or, with ``below``, of a unit above it:
    a county's 卫健局 reports for its townships, which have no departments of their own)."""
    for m in memberships_of(user, DEPARTMENT_ROLES):
        if not m.department_id or m.department.kind != kind:
            continue
        if m.department.unit_id == unit.pk or (below and unit.path.startswith(m.department.unit.path)):
            return True
    return False


def may_report(user, indicator, unit) -> bool:
    if not _staff(user):
        return False
    if user.is_superuser or _department_member(user, indicator.department_kind, unit, below=True):
        return True
    return any(m.unit_id == unit.pk for m in memberships_of(user, [Role.ADMIN]))


def may_review(user, report) -> bool:
    if not _staff(user):
        return False
    if user.is_superuser:
        return True
    if report.reported_by_id == user.pk:  # nobody reviews their own figure
        return False
    above = report.unit.parent
    if above is None:  # the city's own figure: its administrators review it
        return any(m.unit_id == report.unit_id for m in memberships_of(user, [Role.ADMIN]))
    if _department_member(user, report.indicator.department_kind, above):
        return True
    return can_reach_unit(user, above, roles=[Role.ADMIN])


def may_open_reporting(user) -> bool:
    """填报/审核 in the menu: department staff and administrators."""
    if not _staff(user):
        return False
    if user.is_superuser:
        return True
    return any(m.department_id for m in memberships_of(user, DEPARTMENT_ROLES)) or has_role(user, Role.ADMIN)


def require(allowed: bool, message=None) -> None:
    if not allowed:
        raise NotAllowed(message or _("You may not do this with 民生实事 targets."))
