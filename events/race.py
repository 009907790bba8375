"""The sign-up race, shared by the test and bench/events.py: ``people`` residents sign up for one event at
once, from ``workers`` threads, each with its own database connection; what comes back must be exactly
``capacity`` confirmed and the rest on the waiting list."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import close_old_connections, connection


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

    start = threading.Barrier(min(workers, len(people)))
    errors = []

    def one(person):
        try:
            try:
                start.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass  # fewer left than workers: go now
            return signup_create(actor=person, event=event, name=f"居民{person.pk}", now=now).state
        except Exception as exc:  # noqa: BLE001 - reported in the result
            errors.append(repr(exc))
            return "error"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        states = Counter(pool.map(one, people))
    close_old_connections()
    return RaceResult(
        confirmed=states.get("confirmed", 0), waiting=states.get("waiting", 0), errors=errors,
        event_confirmed=Event.objects.get(pk=event.pk).confirmed,
        rows_confirmed=Signup.objects.filter(event=event, state=SignupState.CONFIRMED).count())
