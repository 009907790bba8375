"""Build the demo city's facilities through facilities.services: facilities of every type in the
villages and communities of 榆次区 and 太谷区, bookable courts and day-care places for the coming week,
顺城社区长者食堂 with a week of meals and orders (the elderly of the care registry among the diners, some
ordered by their families or the grid worker), and the canteen manager's login. Run after ``seed_demo``
(and ``care_demo``, whose elderly it feeds); ``--if-empty`` skips when any facility is registered."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric

from accounts.models import User, UserKind
from accounts.services import staff_save
from core.errors import DomainError
from facilities import services
from facilities.models import Facility, FacilityType, Resource, ResourceKind
from orgs import demo as orgs_demo
from orgs.models import Level, Unit

CANTEEN_MANAGER = ("shuncheng_canteen", "刘芳", "140702001001")
CANTEEN_NAME = "顺城社区长者食堂"
MENUS = [
    "红烧肉、清炒油菜、番茄蛋汤、米饭",
    "清蒸鱼、醋溜白菜、紫菜汤、花卷",
    "土豆炖牛肉、蒜蓉西兰花、小米粥、馒头",
    "西红柿鸡蛋面、凉拌黄瓜、豆浆",
    "肉末茄子、香菇青菜、冬瓜汤、米饭",
    "山西刀削面、卤蛋、拍黄瓜",
    "饺子（猪肉白菜馅）、小米粥",
]
SURNAMES = "王李张刘陈杨赵黄周吴郝武田任乔"
GIVEN = ["秀英", "桂兰", "玉兰", "建国", "德明", "凤英", "淑珍", "志刚", "保平", "丽华", "福贵", "翠花"]
HOURS = {
    "elderly_center": "1-7 08:00-18:00", "canteen": "1-7 06:30-19:00", "rural_daycare": "1-6 08:00-17:30",
    "clinic": "1-6 08:00-12:00 14:30-18:00\n7 09:00-12:00", "sports": "1-7 06:00-21:30",
    "culture": "2-7 09:00-17:00", "childcare": "1-5 07:30-18:00",
}
NAMES = {
    "elderly_center": "{v}养老服务中心", "canteen": "{v}助餐点", "rural_daycare": "{v}老年人日间照料中心",
    "clinic": "{v}卫生室", "sports": "{v}全民健身中心", "culture": "{v}农家书屋", "childcare": "{v}托育园",
}


class Command(BaseCommand):
    help = ("Build the demo facilities (every type in the demo villages), bookable slots, a canteen with a week "
            "of meals and orders, and the canteen manager's login. Run after seed_demo and care_demo.")

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Skip when any facility is registered.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(_("Refusing to build demo data with DEBUG off: it creates accounts with a published "
                                 "password. Run it on a development machine (DEBUG=1), or pass --force."))
        if options["if_empty"] and Facility.objects.exists():
            self.stdout.write(_("Skipped the demo facilities: some are registered already."))
            return
        root = User.objects.filter(username=orgs_demo.SUPERUSER["username"], is_superuser=True).first()
        if root is None or not Unit.objects.filter(code=CANTEEN_MANAGER[2]).exists():
            raise CommandError(_("The demo city is missing: run “manage.py seed_demo” first."))
        if not FacilityType.objects.filter(code="canteen").exists():
            raise CommandError(_("The facility types are missing: run “manage.py migrate” first."))
        rng = random.Random(options["seed"])
        with transaction.atomic():
            count = self.registry(root, rng)
            canteen = Facility.objects.get(name=CANTEEN_NAME)
            manager = self.manager(root, canteen)
            slots = self.bookables(root, rng)
            orders = self.meals(root, rng, canteen)
        self.stdout.write(self.style.SUCCESS(
            _("Demo facilities ready: %(count)s facilities, %(slots)s bookable slots, %(orders)s meal orders.")
            % {"count": count, "slots": slots, "orders": orders}))
        self.stdout.write(_("Canteen manager login: %(username)s / %(password)s") % {
            "username": manager.username, "password": orgs_demo.DEMO_PASSWORD})

    # --- the registry ---------------------------------------------------------------------------------

    def registry(self, root, rng) -> int:
        types = {t.code: t for t in FacilityType.objects.all()}
        counties = {c["code"]: (c["lat"], c["lng"]) for c in orgs_demo.COUNTIES}
        villages = Unit.objects.filter(Q(code__startswith="140702") | Q(code__startswith="140703"),
                                       level=Level.VILLAGE).select_related("parent").order_by("code")
        today = timezone.localdate()
        count = 0
        seen_townships = set()
        for index, village in enumerate(villages):
            lat0, lng0 = counties.get(village.code[:6], (37.69, 112.71))
            is_community = village.name.endswith("社区")
            codes = ["clinic", "culture"] + (["canteen", "elderly_center"] if is_community else ["rural_daycare"])
            if village.parent_id not in seen_townships:
                seen_townships.add(village.parent_id)
                codes.append("sports")
            if is_community and index % 3 == 0:
                codes.append("childcare")
            short = village.name
            for number, code in enumerate(codes):
                name = CANTEEN_NAME if village.code == CANTEEN_MANAGER[2] and code == "canteen" else \
                    NAMES[code].format(v=short)
                status, since = "operating", today - timedelta(days=rng.randint(200, 1500))
                if number == 0 and index % 7 == 5:
                    status = "building"
                elif number == 1 and index % 9 == 4:
                    status = "planned"
                services.facility_register(
                    actor=root, facility_type=types[code], unit=village, status=status, since=since,
                    data=services.FacilityData(
                        name=name, address=f"{short}{rng.randint(1, 60)}号",
                        latitude=round(lat0 + (index % 6) * 0.006 + number * 0.0012 + rng.uniform(-.001, .001), 6),
                        longitude=round(lng0 + (index // 6) * 0.007 + number * 0.0011 + rng.uniform(-.001, .001), 6),
                        capacity=rng.choice([20, 30, 40, 60, 80]), hours=HOURS[code],
                        services=self.services_of(code), contact_name=rng.choice(SURNAMES) + "老师",
                        contact_phone=f"0354-{rng.randint(2000000, 3999999)}",
                        values=self.values_of(code, rng)))
                count += 1
        # One canteen built last year and opened this spring: the history a 民生实事 target counts.
        built = Facility.objects.filter(type__code="canteen", status="operating").exclude(name=CANTEEN_NAME).first()
        if built is not None:
            services.facility_status_change(actor=root, facility=built, status="closed", since=today - timedelta(days=3),
                                            note="装修暂停")
        return count

    @staticmethod
    def services_of(code) -> str:
        return {
            "elderly_center": "日间照料、助餐、康复护理、文化娱乐", "canteen": "老年助餐、送餐上门",
            "rural_daycare": "日间照料、助餐、健康监测", "clinic": "基本医疗、慢病随访、家庭医生签约",
            "sports": "羽毛球、乒乓球、健身器材", "culture": "图书借阅、数字阅读、文化讲座",
            "childcare": "3岁以下婴幼儿托育",
        }[code]

    @staticmethod
    def values_of(code, rng) -> dict:
        return {
            "elderly_center": {"beds": rng.randint(10, 60), "rating": rng.choice(["二星", "三星", "四星"])},
            "canteen": {"seats": rng.randint(30, 80), "standard": "标准化社区食堂", "delivers": "是"},
            "rural_daycare": {"day_places": rng.randint(8, 30), "meals": "是"},
            "clinic": {"doctors": rng.randint(1, 4)},
            "sports": {"area": rng.randint(400, 3000), "venues": "羽毛球场、乒乓球台"},
            "culture": {"tier": "农家书屋", "books": rng.randint(1500, 6000)},
            "childcare": {"places": rng.randint(20, 60), "ages": "6-36个月"},
        }[code]

    # --- bookables ------------------------------------------------------------------------------------

    def bookables(self, root, rng) -> int:
        today = timezone.localdate()
        slots = 0
        for hall in Facility.objects.filter(type__code="sports", status="operating")[:6]:
            for court in ("羽毛球1号场", "羽毛球2号场"):
                resource = services.resource_save(actor=root, resource=Resource(
                    facility=hall, name=court, kind=ResourceKind.VENUE, capacity=4, cancel_cutoff_minutes=120))
                for day in range(7):
                    for hour in (9, 15, 19):
                        start = timezone.make_aware(datetime.combine(today + timedelta(days=day), time(hour)))
                        services.slot_add(actor=root, resource=resource, starts_at=start,
                                          ends_at=start + timedelta(hours=1, minutes=30))
                        slots += 1
        # Day-care places and a table-tennis room repeat every week (Monday to Friday), made four weeks
        # ahead and kept ahead by the nightly facilities_slots; the day-care centres close on public holidays.
        for centre in Facility.objects.filter(type__code="rural_daycare", status="operating")[:6]:
            resource = services.resource_save(actor=root, resource=Resource(
                facility=centre, name="日间照料名额", kind=ResourceKind.PLACE, capacity=10,
                book_cutoff_minutes=12 * 60, cancel_cutoff_minutes=12 * 60, closed_on_holidays=True))
            _pattern, run = services.pattern_create(actor=root, resource=resource, weekdays=[0, 1, 2, 3, 4],
                                                    starts=time(8), ends=time(17), weeks_ahead=4)
            slots += run.created
        for hall in Facility.objects.filter(type__code="sports", status="operating")[:3]:
            resource = services.resource_save(actor=root, resource=Resource(
                facility=hall, name="乒乓球室", kind=ResourceKind.VENUE, capacity=8, cancel_cutoff_minutes=60))
            _pattern, run = services.pattern_create(actor=root, resource=resource, weekdays=[0, 1, 2, 3, 4],
                                                    starts=time(9), ends=time(11), weeks_ahead=4)
            slots += run.created
        return slots

    # --- the canteen ------------------------------------------------------------------------------------

    def manager(self, root, canteen) -> User:
        username, display_name, _unit = CANTEEN_MANAGER
        user = User.objects.filter(username=username).first()
        if user is None:
            user = staff_save(actor=root, user=User(username=username, display_name=display_name,
                                                   password=make_password(orgs_demo.DEMO_PASSWORD)))
        services.facility_staff_add(actor=root, facility=canteen, user=user)
        return user

    @staticmethod
    def diners(rng, canteen) -> list[tuple[str, str]]:
        """The elderly of the canteen's community in the care registry, and some neighbours besides."""
        from care.selectors import people_visible_to

        root = User.objects.get(username=orgs_demo.SUPERUSER["username"])
        cutoff = timezone.localdate().replace(year=timezone.localdate().year - 60)
        out = [(p.name, p.id_number) for p in people_visible_to(root).filter(unit=canteen.unit,
                                                                             birth_date__lte=cutoff)[:25]]
        while len(out) < 30:
            birth = f"{rng.randint(1932, 1964)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            body = f"140702{birth}{rng.randint(100, 999)}"
            out.append((rng.choice(SURNAMES) + rng.choice(GIVEN), body + ric.calc_check_digit(body + "0")))
        return out

    def meals(self, root, rng, canteen) -> int:
        today = timezone.localdate()
        lunch = services.resource_save(actor=root, resource=Resource(
            facility=canteen, name="午餐", kind=ResourceKind.MEAL, capacity=60, price=Decimal("15.00"),
            book_cutoff_minutes=150, cancel_cutoff_minutes=150))
        families = []
        for n in range(6):
            phone = f"1390355{n:04d}"
            user = User.objects.filter(username=f"r-{phone}").first() or User.objects.create_user(
                username=f"r-{phone}", kind=UserKind.RESIDENT, phone=phone)
            families.append(user)
        grid_worker = User.objects.filter(username="shuncheng_grid1").first()
        diners = self.diners(rng, canteen)
        orders = 0
        for offset in range(-3, 4):
            day = today + timedelta(days=offset)
            start = timezone.make_aware(datetime.combine(day, time(11, 30)))
            slot = services.slot_add(actor=root, resource=lunch, starts_at=start, ends_at=start + timedelta(hours=1, minutes=30),
                                     menu=MENUS[day.weekday()])
            if offset > 1:
                continue  # the days after tomorrow are open for orders
            booked_at = start - timedelta(days=1)
            for name, number in rng.sample(diners, rng.randint(14, 22)):
                proxy = grid_worker if grid_worker is not None and rng.random() < .2 else rng.choice(families)
                deliver = rng.random() < .25
                try:
                    booking = services.booking_create(actor=proxy, slot=slot, for_name=name, for_id_number=number,
                                                      delivery=deliver, delivery_address=f"顺城街{rng.randint(1, 40)}号" if deliver else "",
                                                      now=booked_at)
                except DomainError as error:  # a demo diner the checks refuse is left out, and said so
                    self.stderr.write(f"{name}: {error.message}")
                    continue
                orders += 1
                if offset < 0 and rng.random() < .96:
                    services.booking_check_in(actor=root, booking=booking, now=start)
            if offset < 0:
                services.slot_record_no_shows(actor=root, slot=slot, now=slot.ends_at)
        return orders
