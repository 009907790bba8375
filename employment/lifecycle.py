"""The one transition table of a 社保补贴 application: which action moves it from which state where. Paying
is a batch (employment.services.subsidy_pay), from approved only."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import InvalidTransition
from employment.models import SubsidyStatus

S = SubsidyStatus
SUBSIDY_TRANSITIONS = {
    "approve": ({S.SUBMITTED}, S.APPROVED),
    "return": ({S.SUBMITTED}, S.RETURNED),
    "reject": ({S.SUBMITTED}, S.REJECTED),
    "resubmit": ({S.RETURNED}, S.SUBMITTED),
    "pay": ({S.APPROVED}, S.PAID),
}


def require_subsidy(status: str, action: str) -> str:
    """The state ``action`` moves an application in ``status`` to; InvalidTransition otherwise."""
    if action not in SUBSIDY_TRANSITIONS:
        raise InvalidTransition(_("Unknown action “%(action)s”.") % {"action": action})
    sources, target = SUBSIDY_TRANSITIONS[action]
    if status not in sources:
        raise InvalidTransition(_("This application is “%(status)s”: it cannot be %(action)s now.")
                                % {"status": S(status).label, "action": ACTION_LABELS[action]})
    return target


ACTION_LABELS = {"approve": gettext_lazy("approved"), "return": gettext_lazy("returned"),
                 "reject": gettext_lazy("rejected"), "resubmit": gettext_lazy("sent again"), "pay": gettext_lazy("paid")}
