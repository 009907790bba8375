"""Who may do what in the deliberation hall. Services call ``require_*``; pages and the menu the ``may_*``.

- Residents act on the topics of the village or community they live in (their open Residency): they
  propose, support, comment, vote and rate there, and only there. Anyone may read a public topic.
  Until the community's staff confirm where a resident lives, the community's rules say what they may
  do (HallRules.unconfirmed_may: by default propose and comment, but not support, vote or rate).
- The community's staff (the moderators below) confirm or refuse residents' declarations.
- Community staff (a grid worker, handler or administrator of that very village or community)
  moderate its topics and comments and run its council: meetings, decisions, tasks.
- A grid worker of the community or of one of its grids proposes for a resident.
- Township, county and city staff (handlers, supervisors, leaders, administrators of a unit above)
  oversee: they read everything of the units they reach; supervisors get the overdue tasks.
"""

from django.utils.translation import gettext as _

from core.errors import NotAllowed
from orgs.models import Level, Role
from orgs.selectors import memberships_of, scope_for

MODERATE_ROLES = [Role.GRID_WORKER, Role.HANDLER, Role.ADMIN]
OVERSEE_ROLES = [Role.HANDLER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN]


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _staff(user) -> bool:
    return _active(user) and not user.is_resident


def is_resident(user) -> bool:
    return _active(user) and user.is_resident


def residency_of(user):
    """The resident's open residency (their village or community), or None."""
    if not is_resident(user):
        return None
    cached = user.__dict__.get("_deliberation_residency", False)
    if cached is False:
        from deliberation.models import Residency

        cached = Residency.objects.filter(resident=user, ended_at__isnull=True).select_related("unit").first()
        user.__dict__["_deliberation_residency"] = cached
    return cached


def forget_residency(user) -> None:
    user.__dict__.pop("_deliberation_residency", None)


def lives_in(user, unit) -> bool:
    residency = residency_of(user)
    return residency is not None and residency.unit_id == unit.pk


def moderated_unit_ids(user) -> set[int] | None:
    """The villages and communities ``user`` moderates; None means all (a superuser)."""
    if not _staff(user):
        return set()
    if user.is_superuser:
        return None
    return {m.unit_id for m in memberships_of(user, MODERATE_ROLES) if m.unit_id and m.unit.level == Level.VILLAGE}


def may_moderate(user, unit) -> bool:
    ids = moderated_unit_ids(user)
    return ids is None or unit.pk in ids


def may_oversee(user, unit) -> bool:
    if not _staff(user):
        return False
    scope = scope_for(user, roles=OVERSEE_ROLES)
    return scope.everything or any(unit.path.startswith(path) for path in scope.unit_paths)


def may_see_staff_page(user, topic) -> bool:
    return may_moderate(user, topic.unit) or may_oversee(user, topic.unit)


def may_propose_for_resident(user, unit) -> bool:
    """A grid worker of the community or of a grid in it."""
    if not _staff(user):
        return False
    if user.is_superuser:
        return True
    for m in memberships_of(user, [Role.GRID_WORKER]):
        if m.unit_id and (m.unit.path.startswith(unit.path) or unit.path.startswith(m.unit.path)):
            return True
    return False


def may_supervise(user) -> bool:
    return _staff(user) and (user.is_superuser or bool(scope_for(user, roles=[Role.SUPERVISOR]).unit_paths))


def require_moderate(user, unit) -> None:
    if not may_moderate(user, unit):
        raise NotAllowed(_("Only the staff of %(unit)s may do this.") % {"unit": unit.name})


def awaits_confirmation(user, unit) -> bool:
    """A resident living in ``unit`` by their own word, not yet confirmed by its staff."""
    residency = residency_of(user)
    return residency is not None and residency.unit_id == unit.pk and not residency.is_confirmed


def may_take_part(user, unit, act: str) -> bool:
    """May the resident ``act`` (propose, comment, support, vote, rate) in ``unit``'s hall?"""
    if not lives_in(user, unit):
        return False
    if residency_of(user).is_confirmed:
        return True
    from deliberation.models import HallRules

    return HallRules.for_unit(unit).unconfirmed_may_do(act)


def require_resident_of(user, unit, act: str) -> None:
    if not is_resident(user):
        raise NotAllowed(_("Sign in as a resident to take part."))
    if not lives_in(user, unit):
        raise NotAllowed(_("Only residents of %(unit)s may take part in its topics.") % {"unit": unit.name})
    if not may_take_part(user, unit, act):
        from deliberation.models import COUNTED_ACTS

        if act in COUNTED_ACTS:
            raise NotAllowed(
                _(
                    "%(unit)s counts supports, votes and ratings only from residents its staff have confirmed; "
                    "yours is waiting for their confirmation."
                )
                % {"unit": unit.name}
            )
        raise NotAllowed(
            _(
                "%(unit)s lets residents take part once its staff have confirmed where they live; "
                "yours is waiting for their confirmation."
            )
            % {"unit": unit.name}
        )


# --- the menu --------------------------------------------------------------------------------------------


def may_open_staff_hall(user) -> bool:
    """议事协商 in the staff menu: community staff who moderate, and the units above who oversee."""
    if not _staff(user):
        return False
    ids = moderated_unit_ids(user)
    if ids is None or ids:
        return True
    scope = scope_for(user, roles=OVERSEE_ROLES)
    return scope.everything or bool(scope.unit_paths)


def may_open_resident_hall(user) -> bool:
    return is_resident(user)
