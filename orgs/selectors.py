"""The scope rule, in one place: what a staff member may see and act on.

- A role held in a unit reaches that unit, every unit below it, and the departments of all of them.
- A role held in a department reaches that department and the departments of the same type in the
  units below (the city 卫健委 reaches each county 卫健局). With ``departments_see_units`` it also
  reaches rows that belong to a place below its unit (for example a vulnerable person in a village).
- A superuser reaches everything. Anyone else reaches nothing.
- An actor that is no person, an integrating organisation's API key, holds no memberships and no
  roles: it carries its own scope (``OwnScope``), the subtrees of the units it was issued for, and
  answers for each ``Purpose`` (a key that may not read reaches nothing to read).

Every module filters its querysets with ``scope_q`` (or the selectors below) for the acting user or
key, so data cannot leak through a one-off query.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from django.db.models import Count, Q, QuerySet

from orgs import scope_cache
from orgs.models import Department, Level, Membership, Unit


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    unit_paths: tuple[str, ...] = ()  # subtrees reached through unit memberships
    department_ids: frozenset[int] = frozenset()  # departments held directly
    department_subtrees: tuple[tuple[str, str], ...] = ()  # (department kind, unit path) pairs

    @property
    def empty(self) -> bool:
        return not (self.everything or self.unit_paths or self.department_ids)


class Purpose(StrEnum):
    """What the actor means to do with what it reaches. A person's scope is the same for each; an
    API key's depends on what it was issued for."""

    READ = "read"  # see the rows placed there
    CREATE = "create"  # file new ones there
    ANY = "any"  # either: the places it works in at all (the org network it may name)


class OwnScope(Protocol):
    """An actor with a scope of its own instead of memberships: accounts.ApiKey implements it. orgs
    defines the interface so the scope rule answers for keys without importing accounts, which sits
    above orgs."""

    def unit_scope(self, purpose: str) -> "Scope":
        """Its unit subtrees for ``purpose``; empty when it may not act for it (revoked, not allowed)."""


def own_scope(actor, purpose: str = Purpose.READ, roles: Iterable[str] | None = None) -> "Scope | None":
    """The scope of an ``OwnScope`` actor, or None when ``actor`` is a person (or nobody). Such an
    actor holds no role, so a question about roles gets an empty scope."""
    unit_scope = getattr(actor, "unit_scope", None)
    if unit_scope is None:
        return None
    return Scope() if roles is not None else unit_scope(purpose)


def memberships_of(user, roles: Iterable[str] | None = None) -> list[Membership]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cache = user.__dict__.setdefault("_minsheng_memberships", None)
    if cache is None:
        # Once per request for the user object; across requests from the process's cache, which
        # every change to the org network invalidates (orgs.scope_cache). Shared: never mutate them.
        cache = scope_cache.memberships.get_or_read(user.pk, lambda: list(
            Membership.objects.filter(user=user).select_related("unit", "department__unit")))
        user.__dict__["_minsheng_memberships"] = cache
    if roles is None:
        return cache
    roles = set(roles)
    return [m for m in cache if m.role in roles]


def scope_for(user, *, roles: Iterable[str] | None = None, purpose: str = Purpose.READ) -> Scope:
    """The scope of ``user``, limited to memberships with one of ``roles`` when given; for an API key
    (``OwnScope``) its own scope for ``purpose``."""
    if (scope := own_scope(user, purpose, roles)) is not None:
        return scope
    if getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser:
        return Scope(everything=True)
    unit_paths, department_ids, department_subtrees = [], set(), []
    for membership in memberships_of(user, roles):
        if membership.unit_id:
            unit_paths.append(membership.unit.path)
        else:
            department = membership.department
            department_ids.add(department.pk)
            department_subtrees.append((department.kind, department.unit.path))
    return Scope(
        unit_paths=tuple(sorted(set(unit_paths))),
        department_ids=frozenset(department_ids),
        department_subtrees=tuple(sorted(set(department_subtrees))),
    )


def scope_q(
    scope: Scope,
    *,
    unit: str | None = None,
    department: str | None = None,
    departments_see_units: bool = False,
) -> Q:
    """A filter for rows that belong to a unit (the lookup ``unit``, e.g. "place") and/or a
    department (the lookup ``department``, e.g. "handling_department"), limited to ``scope``."""
    if scope.everything:
        return Q()
    q = Q(pk__in=[])  # matches nothing; the parts below widen it
    for path in scope.unit_paths:
        if unit:
            q |= Q(**{f"{unit}__path__startswith": path})
        if department:
            q |= Q(**{f"{department}__unit__path__startswith": path})
    if department and scope.department_ids:
        q |= Q(**{f"{department}__in": list(scope.department_ids)})
    for kind, path in scope.department_subtrees:
        if department:
            q |= Q(**{f"{department}__kind": kind, f"{department}__unit__path__startswith": path})
        if unit and departments_see_units:
            q |= Q(**{f"{unit}__path__startswith": path})
    return q


def units_visible_to(user, *, roles: Iterable[str] | None = None, purpose: str = Purpose.READ) -> QuerySet[Unit]:
    """Units in the user's scope; a department's staff reach the units below their department's unit."""
    scope = scope_for(user, roles=roles, purpose=purpose)
    if scope.everything:
        return Unit.objects.all()
    q = Q(pk__in=[])
    for path in scope.unit_paths + tuple(path for _kind, path in scope.department_subtrees):
        q |= Q(path__startswith=path)
    return Unit.objects.filter(q)


def departments_visible_to(user, *, roles: Iterable[str] | None = None,
                           purpose: str = Purpose.READ) -> QuerySet[Department]:
    scope = scope_for(user, roles=roles, purpose=purpose)
    if scope.everything:
        return Department.objects.all()
    q = Q(pk__in=[])
    for path in scope.unit_paths:
        q |= Q(unit__path__startswith=path)
    if scope.department_ids:
        q |= Q(pk__in=list(scope.department_ids))
    for kind, path in scope.department_subtrees:
        q |= Q(kind=kind, unit__path__startswith=path)
    return Department.objects.filter(q).select_related("unit")


def memberships_visible_to(user, *, roles: Iterable[str] | None = None) -> QuerySet[Membership]:
    """Memberships (and so staff) in the user's scope: those held in a unit or department they reach.
    An API key, which administers nobody, sees none."""
    scope = Scope() if own_scope(user) is not None else scope_for(user, roles=roles)
    return Membership.objects.filter(scope_q(scope, unit="unit", department="department")).select_related(
        "user", "unit", "department__unit"
    )


def has_role(user, *roles: str) -> bool:
    return bool(getattr(user, "is_superuser", False) or memberships_of(user, roles))


def can_reach_unit(user, unit: Unit, *, roles: Iterable[str] | None = None, purpose: str = Purpose.READ) -> bool:
    scope = scope_for(user, roles=roles, purpose=purpose)
    if scope.everything:
        return True
    paths = scope.unit_paths + tuple(path for _kind, path in scope.department_subtrees)
    return any(unit.path.startswith(path) for path in paths)


def can_reach_department(user, department: Department, *, roles: Iterable[str] | None = None,
                         purpose: str = Purpose.READ) -> bool:
    scope = scope_for(user, roles=roles, purpose=purpose)
    if scope.everything or department.pk in scope.department_ids:
        return True
    if any(department.unit.path.startswith(path) for path in scope.unit_paths):
        return True
    return any(
        department.kind == kind and department.unit.path.startswith(path) for kind, path in scope.department_subtrees
    )


def unit_counts_by_level(units: QuerySet[Unit]) -> dict[str, int]:
    counts = dict.fromkeys(Level.values, 0)
    for row in units.filter(is_active=True).values("level").annotate(n=Count("pk")):
        counts[row["level"]] = row["n"]
    return counts
