"""The booking race, shared by the test and bench/facilities_booking.py: ``requests`` residents book
one slot of ``capacity`` places at once, from ``workers`` threads, each with its own database
connection; the counts that come back must be exactly ``capacity`` confirmed and the rest waiting."""

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
    slot_confirmed: int  # the slot's own counter after the race
    rows_confirmed: int  # confirmed booking rows in the database


def book_at_once(*, slot, people, workers: int) -> RaceResult:
    from facilities.models import Booking, BookingState, Slot
    from facilities.services import booking_create

    start = threading.Barrier(min(workers, len(people)))
    errors = []

    def one(person):
        try:
            try:
                start.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass  # fewer left than workers: go now
            return booking_create(actor=person, slot=slot).state
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
        slot_confirmed=Slot.objects.get(pk=slot.pk).confirmed,
        rows_confirmed=Booking.objects.filter(slot=slot, state=BookingState.CONFIRMED).count())
