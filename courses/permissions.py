"""Who may see and do what in courses. Services call ``require_*``; pages and the menu call ``may_*``.

- Published (and closed) courses and their pages are open to anyone, signed in or not; a lesson's file
  to the course's enrolled residents, to anyone when the course's lessons are open, and to its keepers.
- A course is kept (created, edited, published, lessons uploaded, sessions and attendance) by the
  handlers and administrators of its unit or a unit above (the 分馆's township, the county), and by those
  of a 文旅 department at or above its unit: the scope rule (orgs.selectors)."""

from django.utils.translation import gettext as _

from core.errors import NotAllowed
from orgs.models import DepartmentKind, Role
from orgs.selectors import memberships_of, scope_for

KEEP_ROLES = [Role.HANDLER, Role.ADMIN]
CULTURE = DepartmentKind.CULTURE_TOURISM


def _active_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)
                and not getattr(user, "is_resident", True))


def may_keep_in(user, unit_path: str) -> bool:
    if not _active_staff(user):
        return False
    scope = scope_for(user, roles=KEEP_ROLES)
    if scope.everything:
        return True
    if any(unit_path.startswith(reach) for reach in scope.unit_paths):
        return True
    return any(kind == CULTURE and unit_path.startswith(reach) for kind, reach in scope.department_subtrees)


def may_keep(user, course) -> bool:
    return may_keep_in(user, course.unit_path)


def require_keep(user, course) -> None:
    if not may_keep(user, course):
        raise NotAllowed(_("Only the culture staff of %(centre)s may change this course.") % {"centre": course.centre})


def require_keep_in(user, unit) -> None:
    if not may_keep_in(user, unit.path):
        raise NotAllowed(_("You may not offer courses in %(unit)s.") % {"unit": unit.name})


def may_open_staff(user) -> bool:
    """课程管理: handlers and administrators of a unit, culture (文旅) department staff, superusers."""
    if not _active_staff(user):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return any((m.unit_id and m.role in KEEP_ROLES) or (m.department_id and m.department.kind == CULTURE
                                                        and m.role in KEEP_ROLES)
               for m in memberships_of(user))
