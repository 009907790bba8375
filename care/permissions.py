"""Who may see and do what in care. Services call ``require_*``; pages and the menu call the ``may_*``.

The registry follows the scope rule (orgs.selectors) through unit memberships: a grid worker reaches
the people of their grid (or of their community, when they serve the whole community), a village or
community its people, a township or county everyone below it. A responsible person (包联人) also
reaches the people assigned to them. A department reaches, in its area, the people of the categories it
serves (CareCategory.served_by: 残联 the disabled, 人社 the hard-to-employ), read only, and sees only
those categories of them. An ended record (moved away, died) is still found, but no longer visited."""

from django.utils.translation import gettext as _

from core.errors import NotAllowed
from orgs.models import Role
from orgs.selectors import Scope, memberships_of, scope_for

# Unit roles that see the registry of their scope.
SEE_ROLES = [Role.GRID_WORKER, Role.HANDLER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN]
# Village, township and county staff who keep the registry: risk overrides, assignments.
MANAGE_ROLES = [Role.HANDLER, Role.ADMIN]
# Who may read a person's ID number and phone in clear (with a stated purpose, audited).
REVEAL_ROLES = [Role.GRID_WORKER, Role.HANDLER, Role.ADMIN]


def _active_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and not user.is_resident)


def unit_scope(user, roles) -> Scope:
    """The scope of ``user``'s unit memberships in ``roles``: a department's role reaches no person."""
    if not _active_staff(user):
        return Scope()
    scope = scope_for(user, roles=roles)
    return Scope(everything=scope.everything, unit_paths=scope.unit_paths)


def served_categories() -> dict[str, set[int]]:
    """Department type → the ids of the active categories it serves (configured in the admin)."""
    from care.models import CareCategory

    out: dict[str, set[int]] = {}
    for pk, kinds in CareCategory.objects.filter(is_active=True).values_list("pk", "served_by"):
        for kind in kinds or []:
            out.setdefault(kind, set()).add(pk)
    return out


def department_reach(user) -> list[tuple[str, frozenset[int]]]:
    """(unit path, category ids) for each department ``user`` serves in with a role that sees the registry:
    the people of those categories living under that path. Empty for anyone without such a role."""
    if not _active_staff(user):
        return []
    scope = scope_for(user, roles=SEE_ROLES)
    if scope.everything or not scope.department_subtrees:
        return []
    served = served_categories()
    return [(path, frozenset(served[kind])) for kind, path in scope.department_subtrees if served.get(kind)]


def visible_category_ids(user, person=None) -> frozenset[int] | None:
    """The categories ``user`` may see (of ``person``, when given): None for all of them (their unit scope
    or their assignment reaches the person), else those their departments serve there."""
    if person is not None and (_in_scope(unit_scope(user, SEE_ROLES), person) or is_carer(user, person)):
        return None
    if person is None:
        scope = unit_scope(user, SEE_ROLES)
        if scope.everything or scope.unit_paths:
            return None
    ids: set[int] = set()
    for path, categories in department_reach(user):
        if person is None or person.unit.path.startswith(path):
            ids |= categories
    return frozenset(ids)


def _in_departments(user, person) -> bool:
    ids = visible_category_ids(user, person)
    return bool(ids) and person.memberships.filter(category_id__in=ids, until__isnull=True).exists()


def _in_scope(scope: Scope, person) -> bool:
    if scope.everything:
        return True
    paths = [person.unit.path] + ([person.grid.path] if person.grid_id else [])
    return any(path.startswith(reach) for path in paths for reach in scope.unit_paths)


def is_carer(user, person) -> bool:
    return bool(_active_staff(user) and person.assignments.filter(carer=user, until__isnull=True).exists())


def may_see(user, person) -> bool:
    return (_in_scope(unit_scope(user, SEE_ROLES), person) or is_carer(user, person)
            or _in_departments(user, person))


def may_manage(user, person) -> bool:
    return _in_scope(unit_scope(user, MANAGE_ROLES), person)


def may_visit(user, person) -> bool:
    """The person's responsible people, and grid workers who reach them; no one once the record ended."""
    if person.ended_on is not None:
        return False
    return is_carer(user, person) or _in_scope(unit_scope(user, [Role.GRID_WORKER]), person)


def may_reveal(user, person) -> bool:
    if getattr(user, "is_superuser", False):
        return False  # a superuser administers the system; reading a person's data takes a role
    return _in_scope(unit_scope(user, REVEAL_ROLES), person) or is_carer(user, person)


def may_file_need(user, person) -> bool:
    """A need heard of outside a visit: the person's responsible people (a village cadre or volunteer, who
    may record no demand otherwise) and those who record demands for residents there (grid workers)."""
    from appeals.permissions import may_record_for_resident

    if person.ended_on is not None or not _active_staff(user):
        return False
    return is_carer(user, person) or may_record_for_resident(user, person.place)


def may_export_access(user, person) -> bool:
    """A PIPL access request (个人信息查阅复制): the whole record in clear, for the person. The staff who keep
    their record and may read their data in clear."""
    return may_manage(user, person) and may_reveal(user, person)


def may_manage_any(user) -> bool:
    """Keeps the registry of some unit: registers people there."""
    scope = unit_scope(user, MANAGE_ROLES)
    return scope.everything or bool(scope.unit_paths)


def may_manage_unit(user, unit) -> bool:
    return may_manage_unit_in(unit_scope(user, MANAGE_ROLES), unit)


def manage_scope(user) -> Scope:
    """What ``may_manage`` and ``may_manage_unit`` check, read once for many people (an import's chunk)."""
    return unit_scope(user, MANAGE_ROLES)


def may_manage_in(scope: Scope, person) -> bool:
    return _in_scope(scope, person)


def may_manage_unit_in(scope: Scope, unit) -> bool:
    return scope.everything or any(unit.path.startswith(path) for path in scope.unit_paths)


def _refuse(message, person):
    raise NotAllowed(message % {"name": person.masked_name})


def require_see(user, person) -> None:
    if not may_see(user, person):
        _refuse(_("%(name)s is not in your scope."), person)


def require_manage(user, person) -> None:
    if not may_manage(user, person):
        _refuse(_("Only village, township or county staff responsible for %(name)s may change their record."),
                person)


def require_visit(user, person) -> None:
    if not may_visit(user, person):
        _refuse(_("Only %(name)s's responsible people and grid workers may record a visit to them."), person)


def require_reveal(user, person) -> None:
    if not may_reveal(user, person):
        _refuse(_("You may not read %(name)s's ID number and phone in clear."), person)


def require_file_need(user, person) -> None:
    if not may_file_need(user, person):
        _refuse(_("Only %(name)s's responsible people and grid workers may file a need for them."), person)


def require_export_access(user, person) -> None:
    if not may_export_access(user, person):
        _refuse(_("Only the village, township or county staff who keep %(name)s's record may export it for "
                  "them."), person)


def require_manage_unit(user, unit) -> None:
    if not may_manage_unit(user, unit):
        raise NotAllowed(_("%(unit)s is outside the units whose registry you keep.") % {"unit": unit.name})


def require_configure(user) -> None:
    """Categories and risk rules are one set for the city: a superuser or a city administrator."""
    from orgs.permissions import may_administer_city

    if not may_administer_city(user):
        raise NotAllowed(_("Only a city administrator may change the care categories and risk rules."))


# --- the pages and the menu ---------------------------------------------------------------------------

def may_open_visits(user) -> bool:
    """我的走访: grid workers, and anyone responsible for someone."""
    if not _active_staff(user):
        return False
    if memberships_of(user, [Role.GRID_WORKER]):  # a superuser has no one to visit
        return True
    from care.models import CareAssignment

    return CareAssignment.objects.filter(carer=user, until__isnull=True).exists()


def may_open_registry(user) -> bool:
    """包联对象 and the unit page: staff with a unit role that sees the registry, and the staff of a
    department that serves a category."""
    scope = unit_scope(user, SEE_ROLES)
    return scope.everything or bool(scope.unit_paths) or bool(department_reach(user))


def may_open_registry_menu(user) -> bool:
    """The menu offers 包联对象 to village, township and county staff; a grid worker finds the people
    of their grid from 我的走访."""
    scope = unit_scope(user, [Role.HANDLER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN])
    return scope.everything or bool(scope.unit_paths) or bool(department_reach(user))


def may_open_escalated(user) -> bool:
    """走访超期: the staff of villages, townships and above (not grid workers: theirs is 我的走访)."""
    from care.selectors import escalation_levels_for

    return bool(escalation_levels_for(user))
