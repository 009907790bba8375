"""The one transition table of an event's life: which action moves which state where. Services ask
``check`` before any change; anything else is refused with the state the event is in."""

from django.utils.translation import gettext as _

from core.errors import InvalidTransition
from events.models import EventState

S = EventState

# action: (the states it may start from, the state it leads to; None keeps the state)
TRANSITIONS: dict[str, tuple[frozenset, str | None]] = {
    "edit": (frozenset({S.DRAFT, S.PUBLISHED, S.CLOSED}), None),
    "publish": (frozenset({S.DRAFT}), S.PUBLISHED),
    "close": (frozenset({S.PUBLISHED}), S.CLOSED),
    "reopen": (frozenset({S.CLOSED}), S.PUBLISHED),
    "cancel": (frozenset({S.DRAFT, S.PUBLISHED, S.CLOSED}), S.CANCELLED),
    "finish": (frozenset({S.PUBLISHED, S.CLOSED}), S.FINISHED),
    "sign_up": (frozenset({S.PUBLISHED}), None),
    "check_in": (frozenset({S.PUBLISHED, S.CLOSED}), None),
    "results": (frozenset({S.FINISHED}), None),
    "photo": (frozenset({S.PUBLISHED, S.CLOSED, S.FINISHED}), None),
}


def allows(event, action: str) -> bool:
    return event.state in TRANSITIONS[action][0]


def check(event, action: str) -> str:
    """The state after ``action``; InvalidTransition when the event's state does not allow it."""
    sources, target = TRANSITIONS[action]
    if event.state not in sources:
        raise InvalidTransition(_("“%(title)s” is %(state)s: this cannot be done now.") % {
            "title": event.title, "state": EventState(event.state).label})
    return target or event.state
