"""The services: enrolment with capacity and a waiting list, the type check of an upload, access to a
lesson, attendance and the completion rule, and who may keep a course; each refusal leaves nothing behind."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import BadInput, InvalidTransition, NotAllowed
from core.models import AuditEvent
from courses import services
from courses.models import Attendance, Course, Enrolment, EnrolmentEvent, Lesson
from courses.samples import make_mp4_head, make_pdf, make_wav
from courses.tests.conftest import upload


def test_places_fill_then_the_waiting_list_and_a_cancellation_promotes_the_first_waiting(crs):
    a, b, c = crs.people
    assert services.enrolment_create(actor=a, course=crs.centre).state == "enrolled"
    assert services.enrolment_create(actor=b, course=crs.centre).state == "enrolled"
    waiting = services.enrolment_create(actor=c, course=crs.centre)
    assert waiting.state == "waiting"
    assert Course.objects.get(pk=crs.centre.pk).enrolled == 2
    services.enrolment_cancel(actor=a, enrolment=Enrolment.objects.get(course=crs.centre, resident=a))
    waiting.refresh_from_db()
    assert waiting.state == "enrolled"
    assert Course.objects.get(pk=crs.centre.pk).enrolled == 2
    assert list(waiting.events.values_list("verb", flat=True)) == ["enrol", "promote"]
    assert AuditEvent.objects.filter(verb="courses.enrolment.cancel").count() == 1


def test_a_second_enrolment_is_refused_with_a_clear_message(crs):
    a = crs.people[0]
    services.enrolment_create(actor=a, course=crs.centre)
    with pytest.raises(BadInput, match="已报名"):
        services.enrolment_create(actor=a, course=crs.centre)
    assert Enrolment.objects.filter(resident=a).count() == 1
    assert Course.objects.get(pk=crs.centre.pk).enrolled == 1


def test_staff_and_closed_windows_cannot_enrol(crs):
    with pytest.raises(NotAllowed):
        services.enrolment_create(actor=crs.keeper, course=crs.centre)
    Course.objects.filter(pk=crs.centre.pk).update(enrol_closes=timezone.now() - timedelta(hours=1),
                                                   enrol_opens=timezone.now() - timedelta(days=3))
    with pytest.raises(BadInput, match="报名已于"):
        services.enrolment_create(actor=crs.people[0], course=crs.centre)
    assert not Enrolment.objects.exists()


def test_an_upload_whose_bytes_are_not_its_claimed_type_is_refused_and_nothing_is_saved(crs, media_root):
    before = sorted(p.name for p in media_root.rglob("*") if p.is_file())
    with pytest.raises(BadInput) as refused:
        services.lesson_upload(actor=crs.keeper, course=crs.online, title="假视频",
                               upload=upload("lesson.mp4", make_pdf(["not a video"]), "video/mp4"))
    assert "MP4" in refused.value.message and "PDF" in refused.value.message and "未保存" in refused.value.message
    with pytest.raises(BadInput, match="不是视频、音频或PDF"):
        services.lesson_upload(actor=crs.keeper, course=crs.online, title="假音频",
                               upload=upload("song.mp3", b"MZ\x90\x00 an executable", "audio/mpeg"))
    with pytest.raises(BadInput, match="视频"):
        services.lesson_upload(actor=crs.keeper, course=crs.online, title="程序",
                               upload=upload("setup.exe", b"MZ\x90\x00", "application/octet-stream"))
    assert Lesson.objects.filter(course=crs.online).count() == 2
    assert sorted(p.name for p in media_root.rglob("*") if p.is_file()) == before


def test_real_files_are_accepted_by_their_bytes(crs, monkeypatch):
    mp4 = services.lesson_upload(actor=crs.keeper, course=crs.online, title="视频",
                                 upload=upload("clip.MP4", make_mp4_head() + b"\0" * 100))
    assert (mp4.kind, mp4.content_type) == ("video", "video/mp4")
    assert crs.audio.kind == "audio" and crs.pdf.kind == "pdf"
    monkeypatch.setattr(services, "MAX_LESSON_BYTES", 1000)
    with pytest.raises(BadInput, match="MB"):
        services.lesson_upload(actor=crs.keeper, course=crs.online, title="太大", upload=upload("big.wav", make_wav(1)))


def test_only_the_courses_keepers_change_it(crs):
    cast = crs.cast
    with pytest.raises(NotAllowed):
        services.course_create(actor=cast.handler_a, unit=cast.yuci, data=services.CourseData(
            title="x", category="dance", mode="centre", centre="x"))
    with pytest.raises(NotAllowed):
        services.course_set_status(actor=cast.taigu_handler, course=crs.centre, action="close")
    with pytest.raises(NotAllowed):
        services.lesson_upload(actor=crs.people[0], course=crs.online, title="x", upload=upload("a.pdf", make_pdf(["a"])))
    # The county's administrator keeps the courses of the county, as the culture department does.
    services.course_set_status(actor=cast.admin, course=crs.centre, action="close")
    with pytest.raises(InvalidTransition):
        services.course_set_status(actor=cast.admin, course=crs.centre, action="close")


def test_a_private_lesson_opens_only_for_the_enrolled_and_never_while_the_course_is_a_draft(crs):
    resident = crs.people[0]
    assert not services.may_open_lesson(resident, crs.pdf)
    with pytest.raises(NotAllowed, match="报名"):
        services.lesson_progress_record(actor=resident, lesson=crs.pdf)
    services.enrolment_create(actor=resident, course=crs.online)
    assert services.may_open_lesson(resident, crs.pdf)
    Course.objects.filter(pk=crs.online.pk).update(open_lessons=True)
    crs.pdf.refresh_from_db()
    assert services.may_open_lesson(crs.people[1], crs.pdf)
    Course.objects.filter(pk=crs.online.pk).update(status="draft")
    crs.pdf.refresh_from_db()
    assert not services.may_open_lesson(resident, crs.pdf)
    assert services.may_open_lesson(crs.keeper, crs.pdf)


def test_completion_follows_attendance_and_is_taken_back_with_it(crs):
    enrolment = services.enrolment_create(actor=crs.people[0], course=crs.centre)
    assert not services.completion_of(enrolment).done
    services.attendance_mark(actor=crs.keeper, session=crs.session, enrolment=enrolment)
    services.attendance_mark(actor=crs.keeper, session=crs.session, enrolment=enrolment)  # twice: once
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None
    assert Attendance.objects.count() == 1
    assert AuditEvent.objects.filter(verb="courses.enrolment.complete").count() == 1
    services.attendance_unmark(actor=crs.keeper, session=crs.session, enrolment=enrolment)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None
    assert list(EnrolmentEvent.objects.filter(enrolment=enrolment).values_list("verb", flat=True)) == [
        "enrol", "attend", "complete", "unattend", "uncomplete"]
    with pytest.raises(NotAllowed):
        services.attendance_mark(actor=crs.cast.handler_b, session=crs.session, enrolment=enrolment)


def test_an_online_course_completes_when_every_lesson_was_opened(crs):
    resident = crs.people[0]
    enrolment = services.enrolment_create(actor=resident, course=crs.online)
    services.lesson_progress_record(actor=resident, lesson=crs.pdf)
    services.lesson_progress_record(actor=resident, lesson=crs.pdf)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None
    assert services.completion_of(enrolment).lessons_opened == 1
    progress = services.lesson_progress_record(actor=resident, lesson=crs.audio, finished=True)
    assert progress.finished
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None


def test_waiting_residents_are_not_marked_present(crs):
    a, b, c = crs.people
    for person in (a, b):
        services.enrolment_create(actor=person, course=crs.centre)
    waiting = services.enrolment_create(actor=c, course=crs.centre)
    with pytest.raises(InvalidTransition, match="候补"):
        services.attendance_mark(actor=crs.keeper, session=crs.session, enrolment=waiting)
    marked, unmarked = services.attendance_set(actor=crs.keeper, session=crs.session,
                                               present_ids={e.pk for e in Enrolment.objects.filter(resident__in=[a, b])})
    assert (marked, unmarked) == (2, 0)


def test_more_places_move_the_waiting_list_up(crs):
    a, b, c = crs.people
    for person in (a, b, c):
        services.enrolment_create(actor=person, course=crs.centre)
    data = services.CourseData(title=crs.centre.title, category="dance", mode="centre", centre="榆次区文化馆",
                               capacity=3, min_sessions=1)
    course = services.course_update(actor=crs.keeper, course=crs.centre, data=data)
    assert course.enrolled == 3
    assert Enrolment.objects.get(resident=c).state == "enrolled"
    with pytest.raises(BadInput, match="名额不能少于"):
        services.course_update(actor=crs.keeper, course=crs.centre, data=services.CourseData(
            title="x", category="dance", mode="centre", centre="x", capacity=2))
