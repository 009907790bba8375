"""The pages: the public catalogue and a course's page without signing in, enrolling and 我的课程 with the QR
code, a lesson's file with Range requests (206, 416) and its access check, and the staff's pages: create,
upload (a mismatched file refused with the reason), attendance by ticking and by scanning, completion."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from courses import services
from courses.models import Attendance, Course, Enrolment, Lesson, Session
from courses.ranges import Unsatisfiable, parse_range
from courses.samples import make_pdf


def test_the_catalogue_and_a_course_page_read_without_signing_in(client, crs):
    html = client.get("/courses/").content.decode()
    assert "民族舞基础班" in html and "太谷秧歌线上课" in html
    html = client.get("/courses/", {"category": "heritage"}).content.decode()
    assert "太谷秧歌线上课" in html and "民族舞基础班" not in html
    html = client.get("/courses/", {"unit": crs.cast.taigu.pk}).content.decode()
    assert "民族舞基础班" not in html  # a 榆次区 course is not for 太谷区's residents
    html = client.get("/courses/", {"unit": crs.cast.community.pk}).content.decode()
    assert "民族舞基础班" in html  # the county's centre serves its communities
    page = client.get(f"/courses/{crs.centre.pk}/").content.decode()
    assert "登录后报名" in page and "文化馆三楼舞蹈室" in page
    draft = services.course_create(actor=crs.keeper, unit=crs.cast.yuci, data=services.CourseData(
        title="未发布的课", category="other", mode="centre", centre="榆次区文化馆"))
    assert client.get(f"/courses/{draft.pk}/").status_code == 404
    assert "未发布的课" not in client.get("/courses/").content.decode()


def test_a_resident_enrols_sees_my_courses_with_the_qr_code_and_a_second_try_is_refused(client, crs):
    resident = crs.people[0]
    client.force_login(resident)
    response = client.post(f"/courses/{crs.centre.pk}/enrol/", follow=True)
    assert "报名成功" in response.content.decode()
    enrolment = Enrolment.objects.get(resident=resident)
    response = client.post(f"/courses/{crs.centre.pk}/enrol/", follow=True, HTTP_REFERER=f"/courses/{crs.centre.pk}/")
    assert "您已报名“民族舞基础班”" in response.content.decode()
    assert Enrolment.objects.filter(resident=resident).count() == 1
    html = client.get("/courses/mine/").content.decode()
    assert f'data-code="{enrolment.code}"' in html and "<svg" in html and "到课 0/1 次" in html
    client.post(f"/courses/enrolments/{enrolment.pk}/cancel/")
    enrolment.refresh_from_db()
    assert enrolment.state == "cancelled"


def test_parse_range():
    assert parse_range("bytes=0-9", 100) == (0, 9)
    assert parse_range("bytes=90-", 100) == (90, 99)
    assert parse_range("bytes=-10", 100) == (90, 99)
    assert parse_range("bytes=50-500", 100) == (50, 99)
    assert parse_range("bytes=0-1,5-6", 100) is None
    assert parse_range("items=0-1", 100) is None
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=100-", 100)


def test_a_lesson_file_answers_range_requests(client, crs):
    client.force_login(crs.people[0])
    services.enrolment_create(actor=crs.people[0], course=crs.online)
    url = f"/courses/lessons/{crs.audio.pk}/file/"
    size = crs.audio.size
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes" and whole["Content-Type"] == "audio/wav"
    body = b"".join(whole.streaming_content)
    assert len(body) == size and body[:4] == b"RIFF"
    part = client.get(url, HTTP_RANGE="bytes=4-11")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 4-11/{size}" and part["Content-Length"] == "8"
    assert b"".join(part.streaming_content) == body[4:12]
    tail = client.get(url, HTTP_RANGE="bytes=-4")
    assert tail.status_code == 206 and b"".join(tail.streaming_content) == body[-4:]
    too_far = client.get(url, HTTP_RANGE=f"bytes={size}-")
    assert too_far.status_code == 416 and too_far["Content-Range"] == f"bytes */{size}"
    stale = client.get(url, HTTP_RANGE="bytes=0-3", HTTP_IF_RANGE='"an-old-etag"')
    assert stale.status_code == 200


def test_a_private_lesson_is_refused_to_those_not_enrolled(client, crs):
    url = f"/courses/lessons/{crs.pdf.pk}/file/"
    assert client.get(url).status_code == 403  # a visitor
    client.force_login(crs.people[1])
    assert client.get(url).status_code == 403
    assert client.get(f"/courses/lessons/{crs.pdf.pk}/").status_code == 403
    Course.objects.filter(pk=crs.online.pk).update(open_lessons=True)
    assert client.get(url).status_code == 200


def test_opening_a_lesson_page_records_progress_and_shows_the_player(client, crs):
    resident = crs.people[0]
    services.enrolment_create(actor=resident, course=crs.online)
    client.force_login(resident)
    html = client.get(f"/courses/lessons/{crs.audio.pk}/").content.decode()
    assert "<audio" in html and f"/courses/lessons/{crs.audio.pk}/file/" in html
    html = client.get(f"/courses/lessons/{crs.pdf.pk}/").content.decode()
    assert "打开 PDF 讲义" in html
    assert client.post(f"/courses/lessons/{crs.audio.pk}/done/").status_code == 204
    enrolment = Enrolment.objects.get(resident=resident)
    assert enrolment.completed_at is not None
    assert "已结业" in client.get("/courses/mine/").content.decode()


def test_staff_create_a_course_and_a_mismatched_upload_is_refused_with_the_reason(client, crs):
    client.force_login(crs.keeper)
    response = client.post("/courses/staff/new/", {
        "title": "少儿书法", "unit": crs.cast.yuci.pk, "category": "calligraphy", "mode": "centre",
        "centre": "榆次区文化馆", "capacity": "20", "min_sessions": "3"})
    course = Course.objects.get(title="少儿书法")
    assert response.status_code == 302 and course.status == "draft" and course.unit == crs.cast.yuci
    fake = SimpleUploadedFile("第一课.mp4", make_pdf(["x"]), content_type="video/mp4")
    response = client.post(f"/courses/staff/{course.pk}/lessons/", {"title": "第一课", "file": fake})
    assert response.status_code == 400
    assert "“第一课.mp4”自称是MP4，但内容实际是PDF：未保存" in response.content.decode()
    assert not Lesson.objects.filter(course=course).exists()
    client.post(f"/courses/staff/{course.pk}/status/", {"action": "publish"})
    assert Course.objects.get(pk=course.pk).status == "published"


def test_attendance_by_ticking_and_by_scanning_and_completion_on_the_staff_page(client, crs):
    a, b, _c = crs.people
    ea = services.enrolment_create(actor=a, course=crs.centre)
    eb = services.enrolment_create(actor=b, course=crs.centre)
    client.force_login(crs.keeper)
    html = client.get(f"/courses/staff/sessions/{crs.session.pk}/").content.decode()
    assert ea.code in html and eb.code in html
    client.post(f"/courses/staff/sessions/{crs.session.pk}/", {"present": [str(ea.pk)]})
    assert set(Attendance.objects.values_list("enrolment_id", flat=True)) == {ea.pk}
    html = client.get(f"/courses/staff/{crs.centre.pk}/").content.decode()
    assert re.search(r'data-figure="completed">1<', html)
    # The QR code's URL, scanned on the session's day, marks the other one present.
    Session.objects.filter(pk=crs.session.pk).update(starts_at=timezone.now() - timedelta(minutes=5),
                                                     ends_at=timezone.now() + timedelta(hours=1))
    assert "签到" in client.get(f"/courses/staff/attend/{eb.code}/").content.decode()
    client.post(f"/courses/staff/attend/{eb.code}/")
    assert Attendance.objects.filter(enrolment=eb, by_scan=True).exists()
    eb.refresh_from_db()
    assert eb.completed_at is not None
    response = client.post("/courses/staff/attend/", {"code": f"http://x/courses/staff/attend/{ea.code}/"})
    assert response.status_code == 302 and response["Location"].endswith(f"/attend/{ea.code}/")


def test_staff_outside_the_scope_and_residents_are_refused(client, crs):
    client.force_login(crs.cast.taigu_handler)
    assert client.get("/courses/staff/").status_code == 403
    assert client.get(f"/courses/staff/{crs.centre.pk}/").status_code == 404
    client.force_login(crs.cast.handler_b)  # 榆次区住建局: no culture role
    assert client.get(f"/courses/staff/{crs.centre.pk}/").status_code == 404
    client.force_login(crs.people[0])
    assert client.get("/courses/staff/").status_code == 403
    enrolment = services.enrolment_create(actor=crs.people[1], course=crs.centre)
    client.force_login(crs.cast.handler_b)
    assert client.get(f"/courses/staff/attend/{enrolment.code}/").status_code == 404
