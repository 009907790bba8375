"""How targets' audit rows read (found at start-up by core.apps; see core.audit)."""

from django.utils.translation import gettext_lazy as _

from core.audit import register_verbs

register_verbs(
    {
        "targets.target.create": _("民生实事 target defined"),
        "targets.target.update": _("民生实事 target changed"),
        "targets.evidence.add": _("Evidence added"),
        "targets.indicator.create": _("Reported indicator defined"),
        "targets.indicator.update": _("Reported indicator changed"),
        "targets.report.submit": _("Figure reported (填报)"),
        "targets.report.resubmit": _("Figure corrected and reported again"),
        "targets.report.approve": _("Reported figure approved (审核通过)"),
        "targets.report.return": _("Reported figure returned (退回)"),
        "targets.report.amend": _("Approved figure changed, with a reason"),
        "targets.monthly_report.build": _("Monthly report built"),
    }
)
