"""The site menu every page shows (core/base.html, filled by the apps through core.menu): each role sees
exactly the pages it may open, and each of them opens."""

import re

import pytest

MENU_LINK = re.compile(r'<a class="sitenav-link[^"]*" href="([^"]+)" data-menu="([^"]+)"')

WORK = ["appeals.queue"]
EXPECTED = {
    "grid_worker": [*WORK, "appeals.record", "care.visits", "deliberation.staff", "facilities.registry",
        "volunteers.people", "volunteers.activities", "events.staff", "web.directory"],
    "handler_a": [*WORK, "facilities.registry", "facilities.checkin", "targets.reports", "dispatch.topics",
        "web.directory"],
    "dispatcher": [*WORK, "appeals.record", "appeals.import", "dispatch.catalogue", "dispatch.hotspots",
        "dispatch.topics", "appeals.kpi", "web.directory"],
    "city_supervisor": [*WORK, "appeals.extensions", "care.escalated", "care.people", "employment.seekers",
        "deliberation.staff", "facilities.registry", "volunteers.people", "deliberation.overdue",
        "volunteers.activities", "events.staff", "targets.dashboard", "dispatch.hotspots", "dispatch.topics",
        "employment.dashboard", "appeals.kpi", "web.directory"],
    "leader": [*WORK, "care.escalated", "care.people", "employment.seekers", "deliberation.staff",
        "facilities.registry", "volunteers.people", "volunteers.activities", "events.staff", "targets.dashboard",
        "dispatch.hotspots", "dispatch.topics", "employment.dashboard", "appeals.kpi",
        "web.directory"],
    "admin": [*WORK, "care.escalated", "care.people", "dispatch.catalogue", "employment.seekers",
        "deliberation.staff", "facilities.registry", "volunteers.people", "facilities.checkin",
        "volunteers.activities", "facilities.canteen", "courses.staff", "events.staff", "targets.reports", "targets.dashboard",
        "employment.dashboard", "appeals.kpi", "web.directory", "web.admin"],
    "root": [*WORK, "appeals.extensions", "appeals.record", "appeals.import", "care.escalated",
        "care.people", "dispatch.catalogue", "employment.seekers", "employment.follow_ups", "employment.employers",
        "employment.subsidies", "deliberation.staff", "facilities.registry", "volunteers.people", "deliberation.overdue",
        "facilities.checkin", "volunteers.activities", "facilities.canteen", "courses.staff", "events.staff", "targets.reports",
        "targets.dashboard", "dispatch.hotspots", "dispatch.topics", "employment.dashboard",
        "appeals.kpi", "web.directory", "web.admin"],
}


def menu_of(html):
    return [(key, href) for href, key in MENU_LINK.findall(html)]


@pytest.mark.parametrize("member", list(EXPECTED))
def test_each_role_sees_exactly_what_it_may_open_and_every_link_opens(client, cast, member):
    client.force_login(getattr(cast, member))
    links = menu_of(client.get("/").content.decode())
    assert [key for key, _href in links] == EXPECTED[member]
    for key, href in links:
        response = client.get(href)
        assert response.status_code == 200, f"{member}: {key} {href} answered {response.status_code}"


# Pages the menu leaves out for a role, which that role's views refuse.
HIDDEN_AND_REFUSED = [
    ("grid_worker", "/appeals/staff/import/"), ("grid_worker", "/dispatch/hotspots/"),
    ("grid_worker", "/appeals/kpi/"), ("handler_a", "/appeals/record/"), ("handler_a", "/appeals/kpi/"),
    ("handler_a", "/dispatch/hotspots/"), ("city_supervisor", "/appeals/staff/import/"),
    ("city_supervisor", "/appeals/record/"), ("leader", "/appeals/record/"),
    ("handler_a", "/appeals/staff/extensions/"), ("dispatcher", "/appeals/staff/extensions/"),
]


@pytest.mark.parametrize(("member", "url"), HIDDEN_AND_REFUSED)
def test_what_the_menu_leaves_out_is_refused(client, cast, member, url):
    client.force_login(getattr(cast, member))
    assert client.get(url).status_code == 403


def test_a_resident_sees_only_the_resident_menu(client, cast):
    client.force_login(cast.resident)
    html = client.get("/").content.decode()
    assert [key for key, _href in menu_of(html)] == ["appeals.new", "appeals.mine", "deliberation.hall", "employment.jobs", "facilities.find", "facilities.bookings", "courses.list", "events.list", "events.mine", "volunteers.home"]
    for _key, href in menu_of(html):
        assert client.get(href).status_code == 200
    assert "/appeals/staff/" not in html and "/dispatch/" not in html and "/admin/" not in html


def test_a_visitor_gets_no_menu(client, db):
    html = client.get("/login/").content.decode()
    assert "sitenav" not in html and menu_of(html) == []


@pytest.mark.parametrize("url", ["/appeals/staff/", "/appeals/kpi/", "/dispatch/hotspots/", "/dispatch/topics/",
                                 "/directory/", "/appeals/staff/import/"])
def test_the_menu_stays_on_every_staff_page_and_marks_where_you_are(client, cast, url):
    client.force_login(cast.dispatcher)
    html = client.get(url).content.decode()
    assert [key for key, _href in menu_of(html)] == EXPECTED["dispatcher"]
    current = re.findall(r'<a class="sitenav-link current" href="([^"]+)"', html)
    assert current == [url]


def test_the_menu_follows_the_language(client, cast):
    client.force_login(cast.city_supervisor)
    html = client.get("/dispatch/hotspots/").content.decode()
    assert ">工作台</a>" in html and ">热点</a>" in html and ">每月一题</a>" in html and ">三率</a>" in html
    html = client.get("/dispatch/hotspots/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">Workbench (工作台)</a>" in html and ">Hot spots (热点)</a>" in html


GROUP = re.compile(r'<div class="sitenav-group[^"]*" data-group="([^"]+)">\s*(?:<p class="sitenav-heading"[^>]*>([^<]*)</p>)?'
                   r'(.*?)</ul>', re.S)


def groups_of(html):
    """The menu's groups as (heading, [entry keys]) in the order shown."""
    return [(heading, [key for _href, key in MENU_LINK.findall(body)]) for _key, heading, body in GROUP.findall(html)]


# The section each entry registers (its app's apps.py) decides its group: 工作, 数据与督办, 管理.
INSIGHT = {"targets.dashboard", "dispatch.hotspots", "dispatch.topics", "employment.dashboard", "appeals.kpi"}
SYSTEM = {"web.directory", "web.admin"}


@pytest.mark.parametrize("member", list(EXPECTED))
def test_each_roles_entries_stand_under_their_groups_heading(client, cast, member):
    client.force_login(getattr(cast, member))
    groups = groups_of(client.get("/").content.decode())
    expected = [("工作", [key for key in EXPECTED[member] if key not in INSIGHT | SYSTEM]),
                ("数据与督办", [key for key in EXPECTED[member] if key in INSIGHT]),
                ("管理", [key for key in EXPECTED[member] if key in SYSTEM])]
    assert groups == [(heading, keys) for heading, keys in expected if keys]


def test_the_supervisors_menu_reads_as_three_groups(client, cast):
    client.force_login(cast.city_supervisor)
    groups = groups_of(client.get("/dispatch/hotspots/").content.decode())
    assert [(heading, len(keys)) for heading, keys in groups] == [("工作", 11), ("数据与督办", 5), ("管理", 1)]
    assert groups[1][1] == ["targets.dashboard", "dispatch.hotspots", "dispatch.topics", "employment.dashboard",
                            "appeals.kpi"]


def test_the_phone_menu_button_names_the_page_you_are_on(client, cast):
    client.force_login(cast.city_supervisor)
    html = client.get("/dispatch/hotspots/").content.decode()
    summary = re.search(r'<summary class="sitenav-toggle">(.*?)</summary>', html, re.S).group(1)
    assert "菜单" in summary and "热点" in summary
    assert re.search(r'<div class="sitenav-group current" data-group="insight">', html)
    html = client.get("/").content.decode()  # home is no entry of the menu: the button names nothing
    assert "sitenav-here" not in html and 'class="sitenav-link sitenav-home current" href="/" aria-current="page"' in html


def test_a_residents_menu_is_one_group_without_a_heading(client, cast):
    client.force_login(cast.resident)
    html = client.get("/").content.decode()
    assert groups_of(html) == [("", ["appeals.new", "appeals.mine", "deliberation.hall", "employment.jobs",
                                     "facilities.find", "facilities.bookings", "courses.list", "events.list", "events.mine",
                                     "volunteers.home"])]
    assert "sitenav-heading" not in html


def test_an_entry_of_a_section_nobody_named_lands_under_more(client, cast, monkeypatch):
    from core import menu

    monkeypatch.setattr(menu, "_entries", dict(menu._entries))
    menu.register(menu.MenuEntry("test.courses", "Courses", "directory", lambda user: True, section="learning"))
    client.force_login(cast.dispatcher)
    groups = groups_of(client.get("/").content.decode())
    assert groups[-1] == ("更多", ["test.courses"])
    assert [heading for heading, _keys in groups] == ["工作", "数据与督办", "管理", "更多"]
