"""The one transition table of an appeal's life (see appeals.models.State and Action).

Services ask ``check_transition`` before any change; anything not in this table is refused with a
message that says what the appeal's state allows.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from appeals.models import OPEN_STATES, Action, State
from core.errors import InvalidTransition


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: str | None  # None: the state does not change


def _t(sources, target=None):
    return Transition(frozenset(sources), target)


TRANSITIONS: dict[str, Transition] = {
    Action.DISPATCH: _t({State.TO_DISPATCH}, State.TO_ACCEPT),
    Action.ACCEPT: _t({State.TO_ACCEPT}, State.HANDLING),
    Action.RETURN: _t({State.TO_ACCEPT, State.HANDLING}, State.TO_DISPATCH),
    Action.REASSIGN: _t({State.TO_ACCEPT, State.HANDLING}, State.TO_ACCEPT),
    Action.TRANSFER: _t({State.TO_ACCEPT, State.HANDLING}, State.TO_ACCEPT),
    Action.REQUEST_EXTENSION: _t({State.HANDLING}),
    Action.APPROVE_EXTENSION: _t({State.HANDLING}),
    Action.DENY_EXTENSION: _t({State.HANDLING}),
    Action.URGE: _t({State.TO_ACCEPT, State.HANDLING}),
    Action.REPLY: _t({State.HANDLING}, State.REPLIED),
    Action.RATE: _t({State.REPLIED}),
    Action.REOPEN: _t({State.REPLIED}, State.HANDLING),
    Action.CLOSE: _t({State.REPLIED}, State.CLOSED),
    Action.MERGE: _t({State.TO_DISPATCH, State.TO_ACCEPT, State.HANDLING}, State.MERGED),
    Action.REJECT: _t({State.TO_DISPATCH}, State.REJECTED),
    Action.WITHDRAW: _t({State.TO_DISPATCH, State.TO_ACCEPT, State.HANDLING}, State.WITHDRAWN),
    Action.ADD_INFO: _t(OPEN_STATES),
    Action.OVERDUE: _t({State.TO_ACCEPT, State.HANDLING}),
    # 督办反馈: the handling body answers an urging while the appeal is with it.
    Action.ANSWER_URGE: _t({State.TO_ACCEPT, State.HANDLING}),
    Action.URGE_OVERDUE: _t({State.TO_ACCEPT, State.HANDLING}),
    Action.PROGRESS: _t({State.HANDLING}),
}


def allowed_actions(state: str) -> list[str]:
    return [action for action, t in TRANSITIONS.items() if state in t.sources]


def check_transition(appeal, action: str) -> str:
    """The state ``appeal`` will be in after ``action``, or InvalidTransition with a clear message."""
    transition = TRANSITIONS.get(action)
    if transition is None or appeal.state not in transition.sources:
        raise InvalidTransition(
            _("Appeal %(code)s is “%(state)s”: it cannot be “%(action)s” now.")
            % {"code": appeal.code, "state": State(appeal.state).label, "action": Action(action).label}
        )
    return transition.target or appeal.state
