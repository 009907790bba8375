"""Build the demo city's community events through events.services: 榆次区体育局's chess tournament for teams
(sign-up open, five teams in), 顺城社区's square-dance show going on now (people signed up, some checked in,
the rest still to tick), a finished 非遗 paper-cut show with its results and a photo (drawn with Pillow
here), and a draft talk waiting to be published. 顺城社区's handler (shuncheng_handler) organises the
community's events; the residents declare where they live as any resident does. Run after seed_demo;
``--if-empty`` skips when any event exists."""

import io
import random
import re
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from deliberation.services import residency_declare
from events import services
from events.models import Event
from orgs import demo as orgs_demo
from orgs.models import Department, Unit

COMMUNITY = "140702001001"  # 顺城社区
COUNTY = "140702000000"  # 榆次区
SPORTS = "140702-sports"
ORGANISER = "shuncheng_handler"
COUNTY_ORGANISER = "yuci_admin"
RESIDENT_PHONE = "139{:08d}"  # the demo residents: 13900000001 …
NAMES = ["张桂兰", "李秀英", "王凤英", "刘玉兰", "陈淑珍", "杨丽华", "赵建国", "黄德明", "周志刚", "吴保平",
         "郝翠花", "武福贵", "田秀梅", "任建华", "乔玉芳", "韩志勇", "冯桂芝", "程丽萍"]
TEAMS = ["顺城社区象棋队", "如意社区棋友队", "北关街道老年棋社", "榆次区退休教师队", "楚河汉界队"]
CAPTAINS = [0, 25, 28, 31, 34]  # the first lives in 顺城社区, the others elsewhere in 榆次区


def resident(number: int) -> User:
    """The demo resident with this number, registered the way any resident registers when new."""
    from accounts.privacy import PRIVACY_NOTICE_VERSION
    from accounts.services import otp_request, otp_verify
    from accounts.sms import MemoryBackend
    from core.crypto import blind_index

    phone = RESIDENT_PHONE.format(number)
    user = User.objects.filter(phone_index=blind_index(phone)).first()
    if user is None:
        with override_settings(SMS_BACKEND="accounts.sms.MemoryBackend"):
            MemoryBackend.outbox.clear()
            otp_request(phone=phone)
            code = re.search(r"\d{6}", MemoryBackend.outbox[-1][1]).group()
            MemoryBackend.outbox.clear()
        user = otp_verify(phone=phone, code=code, consent_version=PRIVACY_NOTICE_VERSION)
    return user


def demo_photo() -> SimpleUploadedFile:
    """A picture of a red paper-cut on a stage: drawn here, so the demo needs no file."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (960, 640), (250, 240, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 470, 960, 640], fill=(120, 70, 40))
    draw.rectangle([330, 110, 630, 410], fill=(200, 20, 30))
    for r in range(40, 140, 25):
        draw.ellipse([480 - r, 260 - r, 480 + r, 260 + r], outline=(250, 240, 220), width=8)
    for x in (150, 810):
        draw.polygon([(x, 120), (x - 60, 300), (x + 60, 300)], fill=(200, 20, 30))
    for n in range(12):
        draw.ellipse([60 + n * 75, 500, 110 + n * 75, 560], fill=(60, 40, 30))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile("feiyi.jpg", buffer.getvalue(), content_type="image/jpeg")


class Command(BaseCommand):
    help = ("Build the demo community events: a county chess tournament with teams, a community square-dance "
            "show going on with some checked in, a finished 非遗 show with results and a photo, a draft talk.")

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Skip when any event exists.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(_("Refusing to build demo data with DEBUG off: it creates accounts with a published "
                                 "password. Run it on a development machine (DEBUG=1), or pass --force."))
        if options["if_empty"] and Event.objects.exists():
            self.stdout.write(_("Skipped the demo events: some exist already."))
            return
        organiser = User.objects.filter(username=ORGANISER).first()
        county_organiser = User.objects.filter(username=COUNTY_ORGANISER).first()
        if organiser is None or county_organiser is None or not Unit.objects.filter(code=COMMUNITY).exists():
            raise CommandError(_("The demo city is missing: run “manage.py seed_demo” first."))
        rng = random.Random(options["seed"])
        now = timezone.now().replace(second=0, microsecond=0)
        with transaction.atomic():
            community = Unit.objects.get(code=COMMUNITY)
            villages = {u.code: u for u in Unit.objects.filter(code__startswith="140702", level="village")}
            people = []
            for number in range(1, 41):
                person = resident(20000 + number)
                residency_declare(actor=person, unit=community if number <= 24 else
                                  rng.choice(sorted(villages.values(), key=lambda u: u.code)))
                people.append(person)
            chess = self.chess(county_organiser, people, now)
            dance = self.dance(organiser, community, people, now)
            show = self.heritage(organiser, community, people, now)
            services.event_create(actor=organiser, unit=community, data=services.EventData(
                title="冬季防跌倒健康讲座", kind="lecture", place="顺城社区党群服务中心二楼",
                description="社区卫生服务站医生讲解冬季防跌倒和慢病用药，欢迎老年居民和家属参加。",
                starts_at=now + timedelta(days=6, hours=2), ends_at=now + timedelta(days=6, hours=3, minutes=30),
                signup_opens_at=now, signup_closes_at=now + timedelta(days=5), capacity=40,
                contact_phone="0354-3021001"))
        self.stdout.write(self.style.SUCCESS(
            _("Demo events ready: %(chess)s teams in the chess tournament, %(dance)s at the square-dance show, "
              "results of %(show)s.") % {"chess": chess.signups.count(), "dance": dance.signups.count(),
                                         "show": show.title}))
        self.stdout.write(_("Organiser login: %(username)s / %(password)s") % {
            "username": ORGANISER, "password": orgs_demo.DEMO_PASSWORD})

    def chess(self, actor, people, now) -> Event:
        county = Unit.objects.get(code=COUNTY)
        event = services.event_create(actor=actor, unit=county, department=Department.objects.get(code=SPORTS),
                                      data=services.EventData(
            title="榆次区第三届“全民健身”象棋团体赛", kind="sports", place="榆次区全民健身中心三楼棋牌室",
            description="以社区（村）为单位组队参赛，每队3至5人（含队长）。比赛采用积分循环制，设团体一、二、三等奖。",
            starts_at=now + timedelta(days=10, hours=1), ends_at=now + timedelta(days=10, hours=8),
            signup_opens_at=now - timedelta(days=3), signup_closes_at=now + timedelta(days=7), capacity=8,
            takes_teams=True, team_min=3, team_max=5, contact_phone="0354-3021188"))
        services.event_publish(actor=actor, event=event)
        for number, team in enumerate(TEAMS):
            captain = people[CAPTAINS[number]]
            size = 3 + number % 3
            members = [(NAMES[(number * 5 + k) % len(NAMES)], RESIDENT_PHONE.format(20001 + number * 5 + k))
                       for k in range(size)]
            services.signup_create(actor=captain, event=event, name=team, members=members,
                                   now=now - timedelta(days=2, hours=-number))
        return event

    def dance(self, actor, community, people, now) -> Event:
        event = services.event_create(actor=actor, unit=community, data=services.EventData(
            title="顺城社区广场舞展演", kind="performance", place="顺城社区文化广场",
            description="社区各舞蹈队和个人展演，展示居民风采。报名者请提前20分钟到场签到。",
            starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=2),
            signup_opens_at=now - timedelta(days=7), signup_closes_at=now - timedelta(hours=2), capacity=20,
            contact_phone="0354-3021001"))
        services.event_publish(actor=actor, event=event)
        signups = [services.signup_create(actor=person, event=event, name=NAMES[n % len(NAMES)],
                                          now=now - timedelta(days=6, hours=-n * 3))
                   for n, person in enumerate(people[:22])]
        confirmed = [s for s in signups if s.state == "confirmed"]
        services.signup_cancel(actor=people[3], signup=signups[3], now=now - timedelta(days=2))
        for signup in confirmed[:12]:
            if signup.pk != signups[3].pk:
                services.signup_check_in(actor=actor, signup=signup, now=now - timedelta(minutes=40))
        return event

    def heritage(self, actor, community, people, now) -> Event:
        start = now - timedelta(days=12)
        event = services.event_create(actor=actor, unit=community, data=services.EventData(
            title="非遗进社区：晋中剪纸与面塑展示", kind="heritage", place="顺城社区文化活动室",
            description="市级非遗传承人现场展示剪纸、面塑技艺，居民可现场体验并参加剪纸比赛。",
            starts_at=start, ends_at=start + timedelta(hours=3), signup_opens_at=start - timedelta(days=10),
            signup_closes_at=start - timedelta(days=1), capacity=15, contact_phone="0354-3021001"))
        services.event_publish(actor=actor, event=event)
        signups = [services.signup_create(actor=person, event=event, name=NAMES[(n + 7) % len(NAMES)],
                                          now=start - timedelta(days=5, hours=n))
                   for n, person in enumerate(people[10:24])]
        for signup in signups[:11]:
            services.signup_check_in(actor=actor, signup=signup, now=start + timedelta(minutes=10))
        services.event_finish(actor=actor, event=event, now=start + timedelta(hours=4))
        came = [s.name for s in signups[:3]]
        services.results_record(actor=actor, event=event, now=start + timedelta(hours=5), results=services.Results(
            lines=[services.ResultLine(rank=1, award="剪纸比赛一等奖", winner=came[0]),
                   services.ResultLine(rank=2, award="剪纸比赛二等奖", winner=came[1]),
                   services.ResultLine(rank=3, award="剪纸比赛三等奖", winner=came[2]),
                   services.ResultLine(award="最佳人气奖", winner="顺城社区剪纸兴趣小组")],
            note="共有11位居民到场体验，传承人现场创作的《福寿双全》剪纸赠予社区文化活动室。"))
        services.photo_add(actor=actor, event=event, upload=demo_photo(), caption="传承人现场展示剪纸")
        return event
