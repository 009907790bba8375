"""What facilities' tests share: a canteen and a sports hall in 顺城社区, operating, with a meal and a
court to book, and the people who book them."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.models import User, UserKind
from facilities import services
from facilities.models import FacilityType, Resource, ResourceKind

# Valid 身份证号 (check digits right): an 85-year-old, a 70-year-old, a 40-year-old.
OLD_85 = "140702194001010017"
OLD_70 = "140702195501010026"
ADULT = "140702198501010038"


def id_number(birth: str, seq: str = "001") -> str:
    from stdnum.cn import ric

    body = f"140702{birth}{seq}1"[:17]
    return body + ric.calc_check_digit(body)


@pytest.fixture
def fac(cast):
    canteen_type = FacilityType.objects.get(code="canteen")
    sports_type = FacilityType.objects.get(code="sports")
    canteen = services.facility_register(
        actor=cast.root, facility_type=canteen_type, unit=cast.community, status="operating",
        since=timezone.localdate() - timedelta(days=30),
        data=services.FacilityData(name="顺城社区长者食堂", address="顺城街12号", latitude=37.70, longitude=112.74,
                                   hours="1-7 06:00-20:00", contact_phone="0354-1234567"))
    hall = services.facility_register(
        actor=cast.root, facility_type=sports_type, unit=cast.community, status="operating",
        data=services.FacilityData(name="顺城社区体育馆", latitude=37.71, longitude=112.75, hours="1-7 00:00-24:00"))
    lunch = services.resource_save(actor=cast.root, resource=Resource(
        facility=canteen, name="午餐", kind=ResourceKind.MEAL, capacity=20, price=Decimal("15.00"),
        book_cutoff_minutes=120, cancel_cutoff_minutes=120))
    court = services.resource_save(actor=cast.root, resource=Resource(
        facility=hall, name="羽毛球1号场", kind=ResourceKind.VENUE, capacity=2, cancel_cutoff_minutes=60))
    start = timezone.localtime().replace(hour=11, minute=30, second=0, microsecond=0) + timedelta(days=1)
    meal = services.slot_add(actor=cast.root, resource=lunch, starts_at=start, ends_at=start + timedelta(hours=2),
                             menu="红烧肉 清炒时蔬 米饭")
    game = services.slot_add(actor=cast.root, resource=court, starts_at=start, ends_at=start + timedelta(hours=1))
    manager = User.objects.create_user(username="canteen_mgr", password=cast.password, kind=UserKind.STAFF,
                                       display_name="食堂经理")
    services.facility_staff_add(actor=cast.root, facility=canteen, user=manager)
    family = User.objects.create_user(username="r-family", kind=UserKind.RESIDENT, phone="13900139000")
    return SimpleNamespace(cast=cast, canteen=canteen, hall=hall, lunch=lunch, court=court, meal=meal, game=game,
                           manager=manager, family=family, start=start)


@pytest.fixture(autouse=True)
def chinese():
    """Services answer in the user's language; these tests read the Chinese, whatever an earlier test of
    the session left active."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield
