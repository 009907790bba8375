"""The enrolment race, shared by the test and bench/courses.py: ``people`` residents enrol in one course of
``capacity`` places at once, from ``workers`` threads, each with its own database connection; exactly
``capacity`` must come back enrolled and the rest waiting."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import close_old_connections, connection


@dataclass
class RaceResult:
    enrolled: int
    waiting: int
    errors: list
    course_enrolled: int  # the course's own counter after the race
    rows_enrolled: int  # enrolled rows in the database


def enrol_at_once(*, course, people, workers: int) -> RaceResult:
    from courses.models import Course, Enrolment, EnrolmentState
    from courses.services import enrolment_create

    start = threading.Barrier(min(workers, len(people)))
    errors = []

    def one(person):
        try:
            try:
                start.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass  # fewer left than workers: go now
            return enrolment_create(actor=person, course=course).state
        except Exception as exc:  # noqa: BLE001 - reported in the result
            errors.append(repr(exc))
            return "error"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        states = Counter(pool.map(one, people))
    close_old_connections()
    return RaceResult(
        enrolled=states.get("enrolled", 0), waiting=states.get("waiting", 0), errors=errors,
        course_enrolled=Course.objects.get(pk=course.pk).enrolled,
        rows_enrolled=Enrolment.objects.filter(course=course, state=EnrolmentState.ENROLLED).count())
