"""The fixed cast every test module shares: a small city with two counties, their departments,
and one person in each role. Built through the services, as an administrator would."""

from types import SimpleNamespace

import pytest

from accounts.models import User, UserKind
from orgs.models import Department, DepartmentKind, Level, Role, Unit, UnitKind
from orgs.services import department_save, membership_grant, unit_save

PASSWORD = "correct-horse-battery"


def make_unit(root, code, name, level, kind, parent=None, short_name=""):
    return unit_save(actor=root, unit=Unit(code=code, name=name, short_name=short_name, level=level, kind=kind,
                                           parent=parent))


def make_department(root, unit, kind, name, code, short_name=""):
    return department_save(actor=root, department=Department(unit=unit, kind=kind, name=name, code=code,
                                                             short_name=short_name))


def make_staff(username, *grants, root):
    user = User.objects.create_user(username=username, password=PASSWORD, kind=UserKind.STAFF,
                                    display_name=username)
    for role, place in grants:
        if isinstance(place, Department):
            membership_grant(actor=root, user=user, role=role, department=place)
        else:
            membership_grant(actor=root, user=user, role=role, unit=place)
    return user


@pytest.fixture
def cast(db):
    root = User.objects.create_superuser(username="root", password=PASSWORD, email="")
    c = SimpleNamespace(root=root, password=PASSWORD)
    c.city = make_unit(root, "140700000000", "晋中市", Level.CITY, UnitKind.CITY)
    c.yuci = make_unit(root, "140702000000", "榆次区", Level.COUNTY, UnitKind.DISTRICT, c.city)
    c.taigu = make_unit(root, "140703000000", "太谷区", Level.COUNTY, UnitKind.DISTRICT, c.city)
    c.beiguan = make_unit(root, "140702001000", "榆次区北关街道", Level.TOWNSHIP, UnitKind.SUBDISTRICT, c.yuci,
                          short_name="北关街道")
    c.community = make_unit(root, "140702001001", "顺城社区", Level.VILLAGE, UnitKind.COMMUNITY, c.beiguan)
    c.mingxing = make_unit(root, "140703100000", "明星镇", Level.TOWNSHIP, UnitKind.TOWN, c.taigu)
    c.village = make_unit(root, "140703100201", "东阳村", Level.VILLAGE, UnitKind.VILLAGE, c.mingxing)
    c.city_health = make_department(root, c.city, DepartmentKind.HEALTH, "晋中市卫生健康委员会", "1407-health",
                                    "市卫健委")
    c.yuci_health = make_department(root, c.yuci, DepartmentKind.HEALTH, "榆次区卫生健康局", "140702-health",
                                    "榆次区卫健局")
    c.yuci_housing = make_department(root, c.yuci, DepartmentKind.HOUSING, "榆次区住房和城乡建设局",
                                     "140702-housing", "榆次区住建局")
    c.taigu_health = make_department(root, c.taigu, DepartmentKind.HEALTH, "太谷区卫生健康局", "140703-health",
                                     "太谷区卫健局")
    c.grid_worker = make_staff("grid", (Role.GRID_WORKER, c.community), root=root)
    c.handler_a = make_staff("handler_a", (Role.HANDLER, c.yuci_health), root=root)
    c.handler_b = make_staff("handler_b", (Role.HANDLER, c.yuci_housing), root=root)
    c.taigu_handler = make_staff("taigu_handler", (Role.HANDLER, c.taigu_health), root=root)
    c.dispatcher = make_staff("dispatcher", (Role.DISPATCHER, c.yuci), root=root)
    c.city_supervisor = make_staff("city_supervisor", (Role.SUPERVISOR, c.city), root=root)
    c.taigu_supervisor = make_staff("taigu_supervisor", (Role.SUPERVISOR, c.taigu), root=root)
    c.leader = make_staff("leader", (Role.LEADER, c.city), root=root)
    c.admin = make_staff("county_admin", (Role.ADMIN, c.yuci), root=root)
    c.resident = User.objects.create_user(username="r-resident", kind=UserKind.RESIDENT, phone="13800138000")
    return c


@pytest.fixture
def english(settings):
    """Run a test in English, for assertions on message wording (the default UI is zh-hans); requests made
    with the test client are answered in English too."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
