"""manage.py courses_demo: 榆次区文化馆's two courses (one in the centre with attendance taken, one online with
lessons that open and answer Range requests), enrolments, the culture handler's login and pages, and
skipping when courses exist."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from accounts.models import User
from courses.models import Attendance, Course, Enrolment
from orgs.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_courses_demo_builds_a_centre_course_and_an_online_one(client, media_root):
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("courses_demo", "--if-empty", stdout=out)
    assert "yuci_culture_handler" in out.getvalue()
    dance, online = Course.objects.order_by("pk")
    assert dance.status == online.status == "published"
    assert dance.enrolled == 7 and Attendance.objects.filter(session__course=dance).exists()
    assert online.lessons.count() == 3
    assert Enrolment.objects.filter(course=online, completed_at__isnull=False).count() == 1
    handler = User.objects.get(username="yuci_culture_handler")
    assert handler.check_password(DEMO_PASSWORD)
    client.force_login(handler)
    html = client.get(f"/courses/staff/{online.pk}/").content.decode()
    assert 'data-figure="completed">1<' in html
    lesson = online.lessons.order_by("position").last()
    client.force_login(Enrolment.objects.filter(course=online).first().resident)
    response = client.get(f"/courses/lessons/{lesson.pk}/file/", HTTP_RANGE="bytes=0-3")
    assert response.status_code == 206 and b"".join(response.streaming_content) == b"RIFF"
    call_command("courses_demo", "--if-empty", stdout=out)
    assert Course.objects.count() == 2
