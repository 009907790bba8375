"""How appeals' audit rows read (found at start-up by core.apps; see core.audit). An appeal's own
steps are on its timeline (AppealEvent); the audit trail has the settings an administrator changes
and every time personal data is shown in clear or exported."""

from django.utils.translation import gettext_lazy as _

from core.audit import register_verbs

register_verbs({
    "appeals.calendar.create": _("Holiday calendar: day added"),
    "appeals.calendar.update": _("Holiday calendar: day changed"),
    "appeals.calendar.delete": _("Holiday calendar: day removed"),
    "appeals.deadline_rule.create": _("Deadline rule added"),
    "appeals.deadline_rule.update": _("Deadline rule changed"),
    "appeals.deadline_rule.delete": _("Deadline rule removed"),
    "appeals.reply_template.create": _("Reply template added"),
    "appeals.reply_template.update": _("Reply template changed"),
    "appeals.reply_template.delete": _("Reply template removed"),
    "appeals.category.create": _("Category added"),
    "appeals.category.update": _("Category changed"),
    "appeals.settings.create": _("Appeal settings and KPI weights set"),
    "appeals.settings.update": _("Appeal settings and KPI weights changed"),
    "appeals.unmask": _("Resident's personal data viewed"),
    "appeals.export": _("Appeals exported (xlsx)"),
})
