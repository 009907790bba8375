"""Capacity holds under concurrency: 200 residents signing up for 20 places at once, from many threads each
with its own PostgreSQL connection, get exactly 20 confirmations and 180 places on the waiting list; a
cancellation hands its place to the first waiting. SQLite serialises writers by itself."""

import os

import pytest
from django.db import connection

from accounts.models import User, UserKind
from deliberation.services import residency_declare
from events import services
from events.models import Signup
from events.race import sign_up_at_once
from events.tests.conftest import event_data

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="threads with their own connections need PostgreSQL; SQLite serialises writers")
def test_200_at_once_for_20_places_confirm_exactly_20(ev):
    c = ev.cast
    event = services.event_create(actor=c.grid_worker, unit=c.community, data=event_data(ev.start, capacity=20))
    services.event_publish(actor=c.grid_worker, event=event)
    people = User.objects.bulk_create([User(username=f"race-{n}", kind=UserKind.RESIDENT, phone=f"1360000{n:04d}")
                                       for n in range(200)])
    for person in people:
        residency_declare(actor=person, unit=c.community)
    result = sign_up_at_once(event=event, people=people, workers=25, now=ev.now)
    assert result.errors == []
    assert (result.confirmed, result.waiting) == (20, 180)
    assert result.event_confirmed == result.rows_confirmed == 20
    first = Signup.objects.filter(event=event, state="confirmed").order_by("pk").first()
    services.signup_cancel(actor=first.resident, signup=first, now=ev.now)
    assert Signup.objects.filter(event=event, state="confirmed").count() == 20
