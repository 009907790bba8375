"""Build the demo city's 终身美育课堂 through courses.services: 榆次区文化馆 offers 民族舞基础班 in the centre (weekly
sessions, two already held with attendance taken) and 太谷秧歌线上课 online (a PDF handout and two audio
lessons, made in code), with residents enrolled, one of them completed; and the culture handler's login
(榆次区文旅局). Run after ``seed_demo``; ``--if-empty`` skips when any course exists."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User, UserKind
from accounts.services import staff_save
from core.crypto import blind_index
from courses import services
from courses.models import Category, Course, Mode
from courses.samples import make_pdf, make_wav
from orgs import demo as orgs_demo
from orgs.models import Department, Role, Unit
from orgs.services import membership_grant

CULTURE_HANDLER = ("yuci_culture_handler", "郝文静", "140702-culture-tourism")
COUNTY = "140702000000"
# 13900000003 is the demo resident of 议事协商 in 顺城社区; the others are new neighbours.
RESIDENT_PHONES = ["13900000003", *[f"1390357{n:04d}" for n in range(1, 9)]]


class Command(BaseCommand):
    help = ("Build the demo courses of 榆次区文化馆 (one in the centre with sessions and attendance, one online with "
            "lessons), residents' enrolments, and the culture handler's login. Run after seed_demo.")

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Skip when any course exists.")
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(_("Refusing to build demo data with DEBUG off: it creates accounts with a published "
                                 "password. Run it on a development machine (DEBUG=1), or pass --force."))
        if options["if_empty"] and Course.objects.exists():
            self.stdout.write(_("Skipped the demo courses: some exist already."))
            return
        root = User.objects.filter(username=orgs_demo.SUPERUSER["username"], is_superuser=True).first()
        department = Department.objects.filter(code=CULTURE_HANDLER[2]).first()
        county = Unit.objects.filter(code=COUNTY).first()
        if root is None or department is None or county is None:
            raise CommandError(_("The demo city is missing: run “manage.py seed_demo” first."))
        with transaction.atomic():
            handler = self.handler(root, department)
            residents = [self.resident(phone) for phone in RESIDENT_PHONES]
            dance = self.dance(handler, county, residents)
            online = self.online(handler, county, residents)
        self.stdout.write(self.style.SUCCESS(
            _("Demo courses ready: “%(a)s” (%(n)s enrolled) and “%(b)s” (%(m)s lessons).") % {
                "a": dance.title, "n": Course.objects.get(pk=dance.pk).enrolled, "b": online.title,
                "m": online.lessons.count()}))
        self.stdout.write(_("Culture centre handler login: %(username)s / %(password)s") % {
            "username": handler.username, "password": orgs_demo.DEMO_PASSWORD})

    @staticmethod
    def handler(root, department) -> User:
        username, display_name, _code = CULTURE_HANDLER
        user = User.objects.filter(username=username).first()
        if user is None:
            user = staff_save(actor=root, user=User(username=username, display_name=display_name,
                                                   password=make_password(orgs_demo.DEMO_PASSWORD)))
        if not user.memberships.filter(department=department, role=Role.HANDLER).exists():
            membership_grant(actor=root, user=user, role=Role.HANDLER, department=department)
        return User.objects.get(pk=user.pk)

    @staticmethod
    def resident(phone) -> User:
        user = User.objects.filter(phone_index=blind_index(phone)).first()
        return user or User.objects.create_user(username=f"r-{phone}", kind=UserKind.RESIDENT, phone=phone)

    @staticmethod
    def dance(handler, county, residents) -> Course:
        today = timezone.localdate()
        course = services.course_create(actor=handler, unit=county, data=services.CourseData(
            title="民族舞基础班（成人）", category=Category.DANCE, mode=Mode.CENTRE, centre="榆次区文化馆",
            place="榆次区文化馆三楼舞蹈排练厅", teacher="李红梅", capacity=12, min_sessions=4,
            enrol_closes=timezone.make_aware(datetime.combine(today + timedelta(days=30), time(18))),
            description="零基础成人民族舞课程，每周六上午一次，共八次。学习藏族、蒙古族舞蹈基本动作与组合。"
                        "请穿软底鞋，自带饮用水。到课四次以上即可结业。"))
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        sessions = []
        for week in range(-2, 6):
            start = timezone.make_aware(datetime.combine(saturday + timedelta(weeks=week), time(9, 30)))
            sessions.append(services.session_add(actor=handler, course=course, starts_at=start,
                                                 ends_at=start + timedelta(hours=1, minutes=30),
                                                 topic=f"第{week + 3}课"))
        services.course_set_status(actor=handler, course=course, action="publish")
        enrolments = [services.enrolment_create(actor=person, course=course) for person in residents[:7]]
        for session in sessions[:2]:  # the two Saturdays already held
            for index, enrolment in enumerate(enrolments):
                if (index + session.pk) % 5:
                    services.attendance_mark(actor=handler, session=session, enrolment=enrolment)
        return course

    @staticmethod
    def online(handler, county, residents) -> Course:
        course = services.course_create(actor=handler, unit=county, data=services.CourseData(
            title="太谷秧歌唱腔入门（线上）", category=Category.HERITAGE, mode=Mode.ONLINE, centre="榆次区文化馆",
            teacher="王建国（太谷秧歌传承人）", require_lessons=True,
            description="国家级非物质文化遗产太谷秧歌的唱腔入门：讲义一份、示范音频两段。在家用手机即可学习，"
                        "学完全部课件即可结业。"))
        lessons = [
            ("第一课 太谷秧歌简介（讲义）", "lesson1.pdf",
             make_pdf(["Taigu Yangge - Lesson 1", "", "Origins, roles and the main tunes.",
                       "Listen to lessons 2 and 3 and sing along."])),
            ("第二课 基本音阶示范", "lesson2.wav", make_wav(6.0, frequency=0)),
            ("第三课 长音练习", "lesson3.wav", make_wav(4.0, frequency=330)),
        ]
        made = []
        for title, name, data in lessons:
            made.append(services.lesson_upload(actor=handler, course=course, title=title,
                                               upload=SimpleUploadedFile(name, data)))
        services.course_set_status(actor=handler, course=course, action="publish")
        for person in residents[4:]:
            services.enrolment_create(actor=person, course=course)
        for lesson in made:  # one neighbour has learnt everything; the next has begun
            services.lesson_progress_record(actor=residents[5], lesson=lesson)
        services.lesson_progress_record(actor=residents[6], lesson=made[0])
        return course
