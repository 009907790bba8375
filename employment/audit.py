"""How employment's audit rows read (found at start-up by core.apps; see core.audit)."""

from django.utils.translation import gettext_lazy as _

from core.audit import register_verbs

register_verbs({
    "employment.seeker.create": _("Job seeker registered"),
    "employment.seeker.claim": _("Job seeker's record taken up by their own account"),
    "employment.seeker.update": _("Job seeker changed"),
    "employment.seeker.status": _("Job seeker's status changed"),
    "employment.seeker.counselor": _("Job seeker's counselor assigned"),
    "employment.service.record": _("1131 service recorded"),
    "employment.service.recommend": _("Job recommended"),
    "employment.service.outcome": _("Outcome of a 1131 service recorded"),
    "employment.employer.create": _("Employer registered"),
    "employment.employer.account": _("Employer account added"),
    "employment.employer.verify": _("Employer verified"),
    "employment.employer.refuse": _("Employer refused"),
    "employment.posting.create": _("Posting published"),
    "employment.posting.close": _("Posting closed"),
    "employment.welfare_post.create": _("Public-welfare post created"),
    "employment.placement.start": _("Placed in a public-welfare post"),
    "employment.placement.end": _("Public-welfare placement ended"),
    "employment.fair.create": _("Job fair created"),
    "employment.fair.employer": _("Employer added to a job fair"),
    "employment.fair.register": _("Registered for a job fair"),
    "employment.fair.check_in": _("Checked in at a job fair"),
    "employment.fair.result": _("Job fair result recorded"),
    "employment.fair.close": _("Job fair closed"),
    "employment.follow_up.record": _("Hard-to-employ seeker followed up"),
    "employment.rules.save": _("Employment rules changed"),
    "employment.subsidy.apply": _("Social insurance subsidy applied for"),
    "employment.subsidy.resubmit": _("Social insurance subsidy application sent again"),
    "employment.subsidy.approve": _("Social insurance subsidy approved"),
    "employment.subsidy.return": _("Social insurance subsidy application returned"),
    "employment.subsidy.reject": _("Social insurance subsidy rejected"),
    "employment.subsidy.pay": _("Social insurance subsidy paid"),
})
