"""Who may change how appeals are routed."""

from orgs.models import Level, Role
from orgs.permissions import may_administer_department
from orgs.selectors import memberships_of


def may_manage_models(user) -> bool:
    """Training and activating a classifier changes routing for the whole deployment: superusers and
    administrators of the city."""
    if getattr(user, "is_superuser", False):
        return True
    return any(m.unit_id and m.unit.level == Level.CITY for m in memberships_of(user, [Role.ADMIN]))


def may_edit_catalogue_entry(user, entry) -> bool:
    """A department's entries: whoever administers that department; category-only entries apply
    everywhere, so they take a city administrator."""
    if entry.department_id:
        return may_administer_department(user, entry.department)
    return may_manage_models(user)
