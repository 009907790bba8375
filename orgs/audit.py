"""How the org network's audit rows read, and who may read which rows of the audit trail (found
at start-up by core.apps; see core.audit).

Reading the trail: a superuser or a city administrator reads every row; a county's administrator
reads the rows written by people who hold a role within their scope (their own included), and not
the platform's own rows or another county's; anyone else reads none."""

from django.utils.translation import gettext_lazy as _

from core.audit import register_verbs, set_audit_scope
from core.models import AuditEvent

register_verbs({
    "unit.create": _("Unit created"),
    "unit.update": _("Unit changed"),
    "department.create": _("Department created"),
    "department.update": _("Department changed"),
    "membership.grant": _("Role granted"),
    "membership.revoke": _("Role revoked"),
})


def audit_events_in_scope(user):
    from orgs.models import Role
    from orgs.permissions import may_administer, may_administer_city
    from orgs.selectors import memberships_visible_to

    if may_administer_city(user):
        return AuditEvent.objects.all()
    if not may_administer(user):
        return None
    people = memberships_visible_to(user, roles=[Role.ADMIN]).values("user")
    return AuditEvent.objects.filter(actor__in=people)


set_audit_scope(audit_events_in_scope)
