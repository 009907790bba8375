"""The enrolment race, shared by the test and bench/courses.py: ``people`` residents enrol in one course of
``capacity`` places at once, from ``workers`` threads, each with its own database connection; exactly
``capacity`` must come back enrolled and the rest waiting."""

from dataclasses import dataclass

from core.race import at_once


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

    def enrol(person):
        return enrolment_create(actor=person, course=course).state

    race = at_once(enrol, people, workers=workers)
    return RaceResult(
        enrolled=race.counts["enrolled"], waiting=race.counts["waiting"], errors=race.errors,
        course_enrolled=Course.objects.get(pk=course.pk).enrolled,
        rows_enrolled=Enrolment.objects.filter(course=course, state=EnrolmentState.ENROLLED).count())
