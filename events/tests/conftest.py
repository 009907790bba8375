"""What events' tests share: 榆次区体育局 with its handler, residents of 顺城社区 (榆次区) and of 东阳村
(太谷区) with their residency declared, and two published events whose sign-up is open: the county's chess
tournament for teams of 3 to 5 (two teams) and 顺城社区's square-dance show for people (two places)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.models import User, UserKind
from conftest import make_department, make_staff
from deliberation.services import residency_declare
from events import services
from orgs.models import DepartmentKind, Role


def resident(cast, phone, unit):
    user = User.objects.create_user(username=f"r-{phone}", kind=UserKind.RESIDENT, phone=phone)
    if unit is not None:
        residency_declare(actor=user, unit=unit)
    return user


def event_data(start, **overrides):
    data = dict(title="社区广场舞展演", kind="performance", place="顺城社区文化广场", starts_at=start,
                ends_at=start + timedelta(hours=2), signup_opens_at=start - timedelta(days=5),
                signup_closes_at=start - timedelta(days=1), capacity=2, description="欢迎社区居民报名参加。",
                contact_phone="0354-1234567")
    data.update(overrides)
    return services.EventData(**data)


@pytest.fixture
def ev(cast):
    c = cast
    sports = make_department(c.root, c.yuci, DepartmentKind.SPORTS, "榆次区体育局", "140702-sports", "榆次区体育局")
    sports_handler = make_staff("sports_handler", (Role.HANDLER, sports), root=c.root)
    residency_declare(actor=c.resident, unit=c.community)
    neighbour = resident(c, "13800138001", c.community)
    third = resident(c, "13800138002", c.community)
    taigu_resident = resident(c, "13800138003", c.village)
    homeless = resident(c, "13800138004", None)
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=3)
    dance = services.event_create(actor=c.grid_worker, unit=c.community, data=event_data(start))
    services.event_publish(actor=c.grid_worker, event=dance)
    chess = services.event_create(actor=sports_handler, unit=c.yuci, department=sports, data=event_data(
        start + timedelta(days=1), title="榆次区象棋团体赛", kind="sports", place="榆次区全民健身中心",
        takes_teams=True, team_min=3, team_max=5))
    services.event_publish(actor=sports_handler, event=chess)
    dance.refresh_from_db()
    chess.refresh_from_db()
    return SimpleNamespace(cast=c, sports=sports, sports_handler=sports_handler, neighbour=neighbour, third=third,
                           taigu_resident=taigu_resident, homeless=homeless, start=start, dance=dance, chess=chess,
                           now=start - timedelta(days=2))


TEAM = [("王芳", "13900000001"), ("李强", "13900000002"), ("赵敏", "")]


@pytest.fixture(autouse=True)
def chinese():
    """Services answer in the user's language; these tests read the Chinese, whatever an earlier test of
    the session left active."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield
