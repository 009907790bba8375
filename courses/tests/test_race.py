"""Capacity holds under concurrency: 100 residents enrolling in 10 places at once, from many threads each
with its own PostgreSQL connection, get exactly 10 places and 90 on the waiting list. SQLite serialises
writers by itself (IMMEDIATE transactions): bench/courses.py runs the same race against a SQLite file."""

import os

import pytest
from django.db import connection

from accounts.models import User, UserKind
from courses import services
from courses.models import Course, Enrolment
from courses.race import enrol_at_once

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="threads with their own connections need PostgreSQL; SQLite serialises writers")
def test_100_at_once_for_10_places_enrol_exactly_10(crs):
    Course.objects.filter(pk=crs.centre.pk).update(capacity=10)
    people = User.objects.bulk_create([User(username=f"race-{n}", kind=UserKind.RESIDENT, phone=f"1360000{n:04d}")
                                       for n in range(100)])
    result = enrol_at_once(course=crs.centre, people=people, workers=20)
    assert result.errors == []
    assert (result.enrolled, result.waiting) == (10, 90)
    assert result.course_enrolled == result.rows_enrolled == 10
    first = Enrolment.objects.filter(course=crs.centre, state="enrolled").order_by("pk").first()
    services.enrolment_cancel(actor=first.resident, enrolment=first)
    assert Enrolment.objects.filter(course=crs.centre, state="enrolled").count() == 10
