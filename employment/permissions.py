"""Who may see and do what in employment. Services call ``require_*``; pages and the menu call ``may_*``.

人社 staff (any role in a 人力资源和社会保障 department) reach the seekers, employers and posts of their
department's unit and below: a county's 人社局 its county, the city's the city. Village, township and
county staff (handler, supervisor, leader, administrator) read the seekers and the 1131 ledger of their
units; handlers of a unit (the community's 就业 worker) also record services. Employers verified,
public-welfare posts, placements and job fairs are 人社's. A resident acts for themselves (their seeker
record) and, with an employer account, for their employer."""

from django.utils.translation import gettext as _

from core.errors import NotAllowed
from orgs.models import DepartmentKind, Role
from orgs.selectors import Scope, scope_for

HRSS_ROLES = [Role.HANDLER, Role.ADMIN, Role.SUPERVISOR, Role.LEADER, Role.DISPATCHER]
HRSS_ACT_ROLES = [Role.HANDLER, Role.ADMIN]
UNIT_SEE_ROLES = [Role.HANDLER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN]
UNIT_SERVE_ROLES = [Role.HANDLER]


def _active_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and not user.is_resident)


def _paths(user, *, hrss_roles, unit_roles) -> Scope:
    """The unit subtrees ``user`` reaches: through 人社 departments in ``hrss_roles`` and units in
    ``unit_roles``; everything for a superuser."""
    if not _active_staff(user):
        return Scope()
    if user.is_superuser:
        return Scope(everything=True)
    paths = set()
    if hrss_roles:
        scope = scope_for(user, roles=hrss_roles)
        paths |= {path for kind, path in scope.department_subtrees if kind == DepartmentKind.HUMAN_RESOURCES}
    if unit_roles:
        paths |= set(scope_for(user, roles=unit_roles).unit_paths)
    return Scope(unit_paths=tuple(sorted(paths)))


def see_scope(user) -> Scope:
    return _paths(user, hrss_roles=HRSS_ROLES, unit_roles=UNIT_SEE_ROLES)


def serve_scope(user) -> Scope:
    return _paths(user, hrss_roles=HRSS_ACT_ROLES, unit_roles=UNIT_SERVE_ROLES)


def hrss_scope(user) -> Scope:
    return _paths(user, hrss_roles=HRSS_ACT_ROLES, unit_roles=None)


def in_scope(scope: Scope, unit) -> bool:
    return scope.everything or any(unit.path.startswith(path) for path in scope.unit_paths)


def is_own(user, seeker) -> bool:
    return bool(getattr(user, "is_authenticated", False) and seeker.user_id and seeker.user_id == user.pk)


def is_carer_of(user, seeker) -> bool:
    """The seeker's 包联 person in the care registry (a peer's selector: employment reads no care table):
    they see the seeker's record and follow-ups, as they see the person's visits."""
    if not _active_staff(user):
        return False
    from care.selectors import id_indexes_cared_for_by

    return seeker.id_index in id_indexes_cared_for_by(user)


def may_see_seeker(user, seeker) -> bool:
    return is_own(user, seeker) or in_scope(see_scope(user), seeker.unit) or (
        _active_staff(user) and seeker.counselor_id == user.pk) or is_carer_of(user, seeker)


def may_serve_seeker(user, seeker) -> bool:
    return in_scope(serve_scope(user), seeker.unit) or (_active_staff(user) and seeker.counselor_id == user.pk)


def require_see_seeker(user, seeker) -> None:
    if not may_see_seeker(user, seeker):
        raise NotAllowed(_("%(name)s is not in your scope.") % {"name": seeker.masked_name})


def require_serve_seeker(user, seeker) -> None:
    if not may_serve_seeker(user, seeker):
        raise NotAllowed(_("Only 人社 staff and the unit's handlers responsible for %(name)s may record services "
                           "for them.") % {"name": seeker.masked_name})


def require_serve_unit(user, unit) -> None:
    if not in_scope(serve_scope(user), unit):
        raise NotAllowed(_("%(unit)s is outside the units where you register job seekers.") % {"unit": unit.name})


def may_manage_employer(user, employer) -> bool:
    return in_scope(hrss_scope(user), employer.unit)


def require_manage_employer(user, employer) -> None:
    if not may_manage_employer(user, employer):
        raise NotAllowed(_("Only 人社 staff of %(unit)s may verify this employer.") % {"unit": employer.unit.name})


def acts_for(user, employer) -> bool:
    account = getattr(user, "employer_account", None) if getattr(user, "is_authenticated", False) else None
    return bool(account is not None and account.employer_id == employer.pk)


def require_post_for(user, employer) -> None:
    if not (acts_for(user, employer) or may_manage_employer(user, employer)):
        raise NotAllowed(_("You do not act for %(employer)s.") % {"employer": employer.name})


def require_hrss_unit(user, unit) -> None:
    if not in_scope(hrss_scope(user), unit):
        raise NotAllowed(_("Only 人社 staff of %(unit)s may do this.") % {"unit": unit.name})


# --- the pages and the menu ---------------------------------------------------------------------------

def may_open_seekers(user) -> bool:
    scope = see_scope(user)
    return scope.everything or bool(scope.unit_paths)


def may_open_hrss(user) -> bool:
    scope = hrss_scope(user)
    return scope.everything or bool(scope.unit_paths)


def may_serve_any(user) -> bool:
    scope = serve_scope(user)
    return scope.everything or bool(scope.unit_paths)


def may_follow_up_any(user) -> bool:
    """The overdue follow-up list: whoever serves seekers (a unit, 人社) or counsels one."""
    return may_serve_any(user) or bool(_active_staff(user) and user.employment_seekers.exists())


def may_review_subsidies(user) -> bool:
    return may_open_hrss(user)


def employer_of(user):
    if not getattr(user, "is_authenticated", False):
        return None
    from employment.models import EmployerAccount

    account = EmployerAccount.objects.filter(user=user).select_related("employer", "employer__unit").first()
    return account.employer if account else None


def is_employer_account(user) -> bool:
    return employer_of(user) is not None
