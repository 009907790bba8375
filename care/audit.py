"""How care's audit rows read (found at start-up by core.apps; see core.audit). Every change to the
registry, every reveal of a person's ID number and phone, and every export is in the trail."""

from django.utils.translation import gettext_lazy as _

from core.audit import register_verbs

register_verbs({
    "care.category.create": _("Care category added"),
    "care.category.update": _("Care category changed"),
    "care.risk_rule.create": _("Risk rule added"),
    "care.risk_rule.update": _("Risk rule changed"),
    "care.person.create": _("Person registered for care"),
    "care.person.update": _("Person in care changed"),
    "care.person.reveal": _("Person in care: ID number and phone viewed"),
    "care.membership.start": _("Care category membership started"),
    "care.membership.update": _("Care category membership changed"),
    "care.membership.end": _("Care category membership ended"),
    "care.assignment.start": _("Responsible person assigned"),
    "care.assignment.end": _("Responsible person's assignment ended"),
    "care.risk.override": _("Risk level set by hand"),
    "care.risk.override_cleared": _("Risk level by hand cleared"),
    "care.visit.record": _("Visit recorded"),
    "care.person.end": _("Person in care: record ended"),
    "care.person.access_export": _("Person in care: whole record exported for them (PIPL)"),
    "care.need.file": _("Need filed for a person in care"),
    "care.export": _("Care list exported"),
})

register_verbs({
    "care.seasonal_check.create": _("Seasonal check added"),
    "care.seasonal_check.update": _("Seasonal check changed"),
    "care.escalation_settings.update": _("Escalation of overdue visits changed"),
})
