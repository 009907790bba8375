"""What courses' tests share: 榆次区's 文旅局 and its culture handler, a course in the centre (2 places, one
session tomorrow, completion after 1 session) and an online course with a PDF and an audio lesson
(completion: every lesson opened), both published; residents to enrol."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User, UserKind
from conftest import make_department, make_staff
from courses import services
from courses.models import Category, Course, Lesson, Mode
from courses.samples import make_pdf, make_wav
from orgs.models import DepartmentKind, Role


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def crs(cast, media_root):
    culture = make_department(cast.root, cast.yuci, DepartmentKind.CULTURE_TOURISM, "榆次区文化和旅游局",
                              "140702-culture-tourism", "榆次区文旅局")
    keeper = make_staff("culture_handler", (Role.HANDLER, culture), root=cast.root)
    centre = services.course_create(actor=keeper, unit=cast.yuci, data=services.CourseData(
        title="民族舞基础班", category=Category.DANCE, mode=Mode.CENTRE, centre="榆次区文化馆", place="文化馆三楼舞蹈室",
        teacher="王老师", capacity=2, min_sessions=1, description="零基础，每周六上午。"))
    start = timezone.localtime().replace(second=0, microsecond=0) + timedelta(days=1)
    session = services.session_add(actor=keeper, course=centre, starts_at=start, ends_at=start + timedelta(hours=2))
    services.course_set_status(actor=keeper, course=centre, action="publish")
    online = services.course_create(actor=keeper, unit=cast.yuci, data=services.CourseData(
        title="太谷秧歌线上课", category=Category.HERITAGE, mode=Mode.ONLINE, centre="榆次区文化馆",
        require_lessons=True))
    pdf = services.lesson_upload(actor=keeper, course=online, title="第一课 讲义",
                                 upload=upload("lesson1.pdf", make_pdf(["Lesson 1"]), "application/pdf"))
    audio = services.lesson_upload(actor=keeper, course=online, title="第二课 唱腔",
                                   upload=upload("lesson2.wav", make_wav(1.0), "audio/wav"))
    services.course_set_status(actor=keeper, course=online, action="publish")
    online, centre = Course.objects.get(pk=online.pk), Course.objects.get(pk=centre.pk)
    pdf, audio = Lesson.objects.get(pk=pdf.pk), Lesson.objects.get(pk=audio.pk)
    people = [User.objects.create_user(username=f"r-1390000{n:04d}", kind=UserKind.RESIDENT, phone=f"1390000{n:04d}")
              for n in range(3)]
    return SimpleNamespace(cast=cast, culture=culture, keeper=keeper, centre=centre, session=session, online=online,
                           pdf=pdf, audio=audio, people=people, start=start)


@pytest.fixture(autouse=True)
def chinese():
    """Services answer in the user's language; these tests read the Chinese."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield
