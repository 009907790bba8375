"""The demo city command: what it builds, that a second run changes nothing, and when it refuses."""

import copy
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import translation

from accounts.models import User
from core.models import AuditEvent
from orgs import demo
from orgs.models import Department, DepartmentKind, Level, Membership, Role, Unit, UnitKind
from orgs.selectors import can_reach_department, can_reach_unit, departments_visible_to, units_visible_to

COUNTIES = {
    "140702000000": ("榆次区", UnitKind.DISTRICT),
    "140703000000": ("太谷区", UnitKind.DISTRICT),
    "140721000000": ("榆社县", UnitKind.COUNTY),
    "140722000000": ("左权县", UnitKind.COUNTY),
    "140723000000": ("和顺县", UnitKind.COUNTY),
    "140724000000": ("昔阳县", UnitKind.COUNTY),
    "140725000000": ("寿阳县", UnitKind.COUNTY),
    "140727000000": ("祁县", UnitKind.COUNTY),
    "140728000000": ("平遥县", UnitKind.COUNTY),
    "140729000000": ("灵石县", UnitKind.COUNTY),
    "140781000000": ("介休市", UnitKind.COUNTY_CITY),
}


def seed(*args):
    out = StringIO()
    with override_settings(DEBUG=True), translation.override("en"):
        call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in (Unit, Department, User, Membership, AuditEvent)}


@pytest.fixture
def seeded(db):
    return seed()


def test_builds_the_eleven_counties_of_jinzhong_with_their_real_codes(seeded):
    city = Unit.objects.get(code="140700000000")
    assert (city.name, city.level, city.parent) == ("晋中市", Level.CITY, None)
    counties = {u.code: (u.name, u.kind) for u in Unit.objects.filter(level=Level.COUNTY)}
    assert counties == COUNTIES
    assert set(Unit.objects.filter(level=Level.COUNTY).values_list("parent", flat=True)) == {city.pk}
    assert Unit.objects.filter(level=Level.COUNTY, latitude__isnull=True).count() == 0
    beiguan = Unit.objects.get(name="榆次区北关街道")
    assert (beiguan.code, beiguan.short_name, beiguan.parent.name) == ("140702001000", "北关街道", "榆次区")


def test_every_county_has_townships_villages_and_the_tree_codes_nest(seeded):
    for county in Unit.objects.filter(level=Level.COUNTY):
        townships = county.children.all()
        assert 2 <= len(townships) <= 4, county.name
        for township in townships:
            assert township.code.startswith(county.code[:6]) and township.code.endswith("000")
            assert 2 <= township.children.count() <= 4, township.name
            for village in township.children.all():
                assert village.code[:9] == township.code[:9]
    grids = Unit.objects.filter(level=Level.GRID)
    assert grids.exists()
    assert all(grid.code.startswith(grid.parent.code) and grid.code[:6] == "140702" for grid in grids)
    assert Unit.objects.count() < 400


def test_city_and_every_county_have_a_department_of_every_kind(seeded):
    kinds = set(DepartmentKind.values) - {DepartmentKind.OTHER}
    for unit in Unit.objects.filter(level__in=[Level.CITY, Level.COUNTY]):
        assert set(unit.departments.values_list("kind", flat=True)) == kinds, unit.name
    assert Department.objects.get(code="1407-health").short_name == "市卫健委"
    yuci_hrss = Department.objects.get(code="140702-hrss")
    assert (yuci_hrss.name, yuci_hrss.short_name) == ("榆次区人力资源和社会保障局", "榆次区人社局")
    assert Department.objects.get(code="140702-environment").name == "晋中市生态环境局榆次分局"


def test_every_role_has_someone_who_can_log_in_with_the_printed_password(seeded):
    for role in Role.values:
        assert Membership.objects.filter(role=role).exists(), role
    assert f"{demo.DEMO_PASSWORD}" in seeded
    for username in ["admin", "jz_leader", "yuci_dispatcher", "yuci_health_handler", "shuncheng_grid1"]:
        assert username in seeded
        assert User.objects.get(username=username).check_password(demo.DEMO_PASSWORD)
    assert User.objects.get(username="admin").is_superuser


def test_phones_are_stored_encrypted(seeded):
    user = User.objects.get(username="jz_leader")
    assert user.phone == "13800000001" and user.phone_index
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [user.pk])
        assert "13800000001" not in cursor.fetchone()[0]


def test_running_twice_changes_nothing(seeded):
    before = counts()
    output = seed()
    assert counts() == before
    assert "nothing changed" in output


def test_a_second_run_applies_edits_to_the_demo_data(seeded, monkeypatch):
    counties = copy.deepcopy(demo.COUNTIES)
    counties[0]["townships"][0][2][2] = ("003", "迎春花园社区")
    staff = [("yuci_health_handler", "梁晶", *row[2:]) if row[0] == "yuci_health_handler" else row
             for row in demo.STAFF]
    monkeypatch.setattr(demo, "COUNTIES", counties)
    monkeypatch.setattr(demo, "STAFF", staff)
    before = counts()
    seed()
    assert Unit.objects.get(code="140702001003").name == "迎春花园社区"
    assert User.objects.get(username="yuci_health_handler").display_name == "梁晶"
    after = counts()
    assert after["AuditEvent"] == before["AuditEvent"] + 2  # one update each, recorded by the services
    assert {k: v for k, v in after.items() if k != "AuditEvent"} == {k: v for k, v in before.items()
                                                                      if k != "AuditEvent"}


def test_if_empty_builds_on_an_empty_database(db):
    output = seed("--if-empty")
    assert Unit.objects.filter(level=Level.COUNTY).count() == 11
    assert "Skipped" not in output


def test_if_empty_skips_when_units_exist(cast):
    before = counts()
    output = seed("--if-empty")
    assert "Skipped" in output
    assert counts() == before
    assert not User.objects.filter(username="jz_leader").exists()


@override_settings(DEBUG=False)
def test_refuses_without_debug_unless_forced(db):
    with pytest.raises(CommandError, match="DEBUG"), translation.override("en"):
        call_command("seed_demo", stdout=StringIO())
    assert not Unit.objects.exists() and not User.objects.exists()
    call_command("seed_demo", "--force", stdout=StringIO())
    assert Unit.objects.filter(level=Level.COUNTY).count() == 11


def test_refuses_when_admin_is_not_a_superuser(db):
    User.objects.create_user(username="admin", password="whatever-long-password")
    with pytest.raises(CommandError, match="superuser"):
        seed()
    assert not Unit.objects.exists()


def test_demo_staff_respect_the_scope_rule(seeded):
    handler = User.objects.get(username="yuci_health_handler")
    taigu_departments = Department.objects.filter(unit__code="140703000000")
    assert taigu_departments.count() == 13
    visible = departments_visible_to(handler)
    assert list(visible.values_list("code", flat=True)) == ["140702-health"]
    assert not any(can_reach_department(handler, d) for d in taigu_departments)
    assert not units_visible_to(handler).filter(path__startswith="140700000000/140703000000/").exists()

    dispatcher = User.objects.get(username="yuci_dispatcher")
    assert departments_visible_to(dispatcher).filter(unit__code="140702000000").count() == 13
    assert not departments_visible_to(dispatcher).filter(unit__code="140703000000").exists()

    city_supervisor = User.objects.get(username="jz_supervisor")
    assert departments_visible_to(city_supervisor).count() == Department.objects.count()
    grid_worker = User.objects.get(username="shuncheng_grid1")
    assert can_reach_unit(grid_worker, grid_worker.memberships.get().unit)
    assert not can_reach_unit(grid_worker, Unit.objects.get(code="140702001002"))  # the next community
