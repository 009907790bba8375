"""Capacity holds under concurrency: 200 residents booking 20 places at once, from many threads each with
its own PostgreSQL connection, get exactly 20 confirmations and 180 places on the waiting list. SQLite
serialises writers by itself (the transactions are IMMEDIATE): bench/facilities_booking.py runs the same
race against a SQLite file."""

import os
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User, UserKind
from facilities import services
from facilities.models import Booking, Resource, ResourceKind
from facilities.race import book_at_once

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="threads with their own connections need PostgreSQL; SQLite serialises writers")
def test_200_at_once_for_20_places_confirm_exactly_20(fac):
    resource = services.resource_save(actor=fac.cast.root, resource=Resource(
        facility=fac.hall, name="太极拳课", kind=ResourceKind.PLACE, capacity=20))
    start = fac.start + timedelta(days=2)
    slot = services.slot_add(actor=fac.cast.root, resource=resource, starts_at=start, ends_at=start + timedelta(hours=1))
    people = User.objects.bulk_create([User(username=f"race-{n}", kind=UserKind.RESIDENT, phone=f"1360000{n:04d}")
                                       for n in range(200)])
    result = book_at_once(slot=slot, people=people, workers=25)
    assert result.errors == []
    assert (result.confirmed, result.waiting) == (20, 180)
    assert result.slot_confirmed == result.rows_confirmed == 20
    # Every cancellation hands its place to the first in the queue, still exactly 20.
    first = Booking.objects.filter(slot=slot, state="confirmed").order_by("pk").first()
    services.booking_cancel(actor=first.holder, booking=first, now=timezone.now())
    assert Booking.objects.filter(slot=slot, state="confirmed").count() == 20
