"""Who may change whose account."""

from accounts.models import UserKind
from orgs.models import Membership, Role
from orgs.selectors import memberships_visible_to


def may_manage_account(actor, user) -> bool:
    """An administrator may change an account only when every role it holds lies in their scope:
    a county administrator cannot reset the password of someone who also works for the city."""
    if actor.is_superuser:
        return True
    if user.is_superuser or user.kind != UserKind.STAFF:
        return False
    held = Membership.objects.filter(user=user)
    return not held.exclude(pk__in=memberships_visible_to(actor, roles=[Role.ADMIN]).values("pk")).exists()
