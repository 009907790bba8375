"""The sign-up race, shared by the test and bench/events.py: ``people`` residents sign up for one event at
once, from ``workers`` threads, each with its own database connection; what comes back must be exactly
``capacity`` confirmed and the rest on the waiting list."""

from dataclasses import dataclass

from core.race import at_once


@dataclass
class RaceResult:
    confirmed: int
    waiting: int
    errors: list
    event_confirmed: int  # the event's own counter after the race
    rows_confirmed: int  # confirmed sign-up rows in the database


def sign_up_at_once(*, event, people, workers: int, now=None) -> RaceResult:
    from events.models import Event, Signup, SignupState
    from events.services import signup_create

    def sign_up(person):
        return signup_create(actor=person, event=event, name=f"居民{person.pk}", now=now).state

    race = at_once(sign_up, people, workers=workers)
    return RaceResult(
        confirmed=race.counts["confirmed"], waiting=race.counts["waiting"], errors=race.errors,
        event_confirmed=Event.objects.get(pk=event.pk).confirmed,
        rows_confirmed=Signup.objects.filter(event=event, state=SignupState.CONFIRMED).count())
