"""The one transition table of a topic: which action moves a topic from which state to which."""

from django.utils.translation import gettext as _

from core.errors import InvalidTransition
from deliberation.models import Action, TopicState

S = TopicState
TRANSITIONS: dict[str, dict[str, str]] = {
    Action.ACCEPT: {S.PENDING: S.DISCUSSION},
    Action.REJECT: {S.PENDING: S.REJECTED},
    Action.MERGE: {S.PENDING: S.MERGED, S.DISCUSSION: S.MERGED},
    Action.CLOSE_DISCUSSION: {S.DISCUSSION: S.DELIBERATION},
    Action.DECIDE: {S.DELIBERATION: S.DECIDED},
    Action.NOT_ADOPTED: {S.DELIBERATION: S.NOT_ADOPTED},
    Action.TASK: {S.DECIDED: S.EXECUTING, S.EXECUTING: S.EXECUTING},
    Action.RATING_OPEN: {S.EXECUTING: S.RATING},
    Action.RATING_RESULT: {S.RATING: S.CLOSED},
}

# Where residents may still write comments.
COMMENT_STATES = (S.DISCUSSION, S.DELIBERATION, S.DECIDED, S.EXECUTING, S.RATING)


def target_state(state: str, action: str) -> str | None:
    return TRANSITIONS.get(action, {}).get(state)


def check_transition(topic, action: str) -> str:
    target = target_state(topic.state, action)
    if target is None:
        raise InvalidTransition(
            _("A topic that is “%(state)s” cannot be “%(action)s”.")
            % {"state": TopicState(topic.state).label, "action": Action(action).label}
        )
    return target


def allowed(topic, action: str) -> bool:
    return target_state(topic.state, action) is not None
