"""The booking race, shared by the test and bench/facilities_booking.py: ``requests`` residents book
one slot of ``capacity`` places at once, from ``workers`` threads, each with its own database
connection; the counts that come back must be exactly ``capacity`` confirmed and the rest waiting."""

from dataclasses import dataclass

from core.race import at_once


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

    def book(person):
        return booking_create(actor=person, slot=slot).state

    race = at_once(book, people, workers=workers)
    return RaceResult(
        confirmed=race.counts["confirmed"], waiting=race.counts["waiting"], errors=race.errors,
        slot_confirmed=Slot.objects.get(pk=slot.pk).confirmed,
        rows_confirmed=Booking.objects.filter(slot=slot, state=BookingState.CONFIRMED).count())
