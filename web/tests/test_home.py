"""Each role's home page: who you are, your roles, the figures of your scope and your entry points."""

import re

import pytest

from accounts.models import User, UserKind


def home_html(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def figure(html, label):
    """The number shown under ``label`` in the scope figures."""
    match = re.search(rf"<dt>{re.escape(label)}</dt><dd>(\d+)</dd>", html)
    assert match, f"no figure {label}"
    return int(match.group(1))


def test_handler_home_shows_role_membership_and_county_scope(client, cast):
    html = home_html(client, cast.handler_a)
    assert "web/home_handler.html" in [t.name for t in client.get("/").templates]
    assert "承办人" in html
    assert "榆次区卫生健康局" in html
    assert figure(html, "区县") == 1 and figure(html, "乡镇街道") == 1 and figure(html, "村社区") == 1
    assert figure(html, "部门") == 1
    assert figure(html, "工作人员") == 1
    assert 'data-waiting="to_accept"' in html and "待签收" in html
    assert "太谷区" not in html


def test_city_supervisor_home_counts_both_counties(client, cast):
    html = home_html(client, cast.city_supervisor)
    assert "督办员" in html and "晋中市" in html
    assert figure(html, "市") == 1
    assert figure(html, "区县") == 2
    assert figure(html, "乡镇街道") == 2
    assert figure(html, "村社区") == 2
    assert figure(html, "部门") == 4
    assert figure(html, "工作人员") == 9


@pytest.mark.parametrize(("member", "role_name", "entry"), [
    ("grid_worker", "网格员/社区工作者", "代录诉求"),
    ("dispatcher", "派单员", "待派单"),
    ("taigu_supervisor", "督办员", "被督办"),
    ("leader", "领导", "三率"),
    ("admin", "系统管理员", "组织架构"),
])
def test_each_role_gets_its_own_home(client, cast, member, role_name, entry):
    html = home_html(client, getattr(cast, member))
    assert f'<p class="eyebrow">{role_name}</p>' in html
    assert entry in html


# What each role may open, as the site menu (core.menu) offers it: its home shows exactly these as tiles.
TILES = {
    "grid_worker": ["appeals.queue", "appeals.record", "care.visits", "deliberation.staff",
        "facilities.registry", "volunteers.people", "volunteers.activities", "events.staff", "web.directory"],
    "handler_a": ["appeals.queue", "facilities.registry", "facilities.checkin", "targets.reports",
        "dispatch.topics", "web.directory"],
    "dispatcher": ["appeals.queue", "appeals.record", "appeals.import", "dispatch.catalogue",
        "dispatch.hotspots", "dispatch.topics", "appeals.kpi", "web.directory"],
    "city_supervisor": ["appeals.queue", "appeals.extensions", "care.escalated", "care.people",
        "employment.seekers", "deliberation.staff", "facilities.registry", "volunteers.people",
        "deliberation.overdue", "volunteers.activities", "events.staff", "targets.dashboard",
        "dispatch.hotspots", "dispatch.topics", "employment.dashboard", "appeals.kpi",
        "web.directory"],
    "leader": ["appeals.queue", "care.escalated", "care.people", "employment.seekers",
        "deliberation.staff", "facilities.registry", "volunteers.people",
        "volunteers.activities", "events.staff", "targets.dashboard", "dispatch.hotspots", "dispatch.topics",
        "employment.dashboard", "appeals.kpi", "web.directory"],
    "admin": ["appeals.queue", "care.escalated", "care.people", "dispatch.catalogue",
        "employment.seekers", "deliberation.staff", "facilities.registry", "volunteers.people",
        "facilities.checkin", "volunteers.activities", "facilities.canteen", "courses.staff", "events.staff", "targets.reports",
        "targets.dashboard", "employment.dashboard", "appeals.kpi", "web.directory", "web.admin"],
    "root": ["appeals.queue", "appeals.extensions", "appeals.record", "appeals.import",
        "care.escalated", "care.people", "dispatch.catalogue", "employment.seekers",
        "employment.follow_ups", "employment.employers", "employment.subsidies", "deliberation.staff", "facilities.registry", "volunteers.people",
        "deliberation.overdue", "facilities.checkin", "volunteers.activities",
        "facilities.canteen", "courses.staff", "events.staff", "targets.reports", "targets.dashboard", "dispatch.hotspots",
        "dispatch.topics", "employment.dashboard", "appeals.kpi", "web.directory", "web.admin"],
}
TILE = re.compile(r'<a class="entry" href="([^"]+)" data-tile="([^"]+)"')


@pytest.mark.parametrize("member", list(TILES))
def test_each_home_shows_exactly_the_features_its_role_may_open_and_each_opens(client, cast, member):
    user = getattr(cast, member)
    html = home_html(client, user)
    tiles = [(key, href) for href, key in TILE.findall(html)]
    assert [key for key, _href in tiles] == TILES[member]
    menu = re.findall(r'<a class="sitenav-link[^"]*" href="[^"]+" data-menu="([^"]+)"', html)
    assert [key for key, _href in tiles] == menu  # the home and the menu never disagree
    for _key, href in tiles:
        assert client.get(href).status_code == 200, href
    for href in re.findall(r'<a class="(?:entry|waiting-tile[^"]*)" href="([^"]+)"', html):
        assert client.get(href.replace("&amp;", "&")).status_code == 200, href


@pytest.mark.parametrize("member", ["grid_worker", "handler_a", "dispatcher", "city_supervisor", "leader",
                                    "admin", "root", "resident"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_home_promises_what_is_not_built(client, cast, member, language):
    client.force_login(getattr(cast, member))
    html = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for coming in ("即将上线", "coming soon", "Coming soon", "entry coming"):
        assert coming not in html
    for unbuilt in ("一老一小", "服务)", "回访)"):
        assert unbuilt not in html, unbuilt


def _waiting(html):
    return {key: int(count) for key, count in re.findall(
        r'data-waiting="(\w+)"><span class="waiting-count">(\d+)</span>', html)}


@pytest.fixture
def work(cast):
    """Demands in every state a home counts: waiting to be dispatched, returned, with the handler,
    overdue, due soon and urged — in 榆次区, so that 太谷区's people see none of them."""
    from datetime import timedelta

    from django.utils import timezone

    from appeals.models import Appeal
    from appeals.services import appeal_accept, appeal_dispatch, appeal_return, appeal_urge
    from conftest import new_appeal

    new_appeal(cast), new_appeal(cast)  # to dispatch
    returned = new_appeal(cast)
    appeal_dispatch(actor=cast.dispatcher, appeal=returned, target=cast.yuci_health)
    appeal_return(actor=cast.handler_a, appeal=returned, reason="不属于本单位职责")
    to_accept = new_appeal(cast)
    appeal_dispatch(actor=cast.dispatcher, appeal=to_accept, target=cast.yuci_health)
    handling = []
    for _ in range(3):
        appeal = new_appeal(cast)
        appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
        handling.append(appeal_accept(actor=cast.handler_a, appeal=appeal))
    now = timezone.now()
    Appeal.objects.filter(pk=handling[0].pk).update(due_at=now - timedelta(hours=2))  # overdue
    Appeal.objects.filter(pk=handling[1].pk).update(due_at=now + timedelta(hours=3))  # due soon
    appeal_urge(actor=cast.city_supervisor, appeal=handling[2], note="请加快办理")
    return cast


@pytest.mark.parametrize(("member", "queues"), [
    ("dispatcher", ["to_dispatch", "returned"]),
    ("handler_a", ["to_accept", "handling", "due_soon", "overdue", "urged"]),
    ("city_supervisor", ["overdue", "urged", "urged_overdue"]),
    ("taigu_supervisor", ["overdue", "urged", "urged_overdue"]),
])
def test_the_counts_of_waiting_work_are_the_queues_counts(client, work, member, queues):
    from appeals.selectors import extension_requests_pending_for, queue_counts

    user = getattr(work, member)
    html = home_html(client, user)
    counts = queue_counts(user)
    expected = {queue: counts[queue] for queue in queues}
    if "supervisor" in member:  # and the extension requests waiting for the supervisor's decision
        expected["extensions"] = extension_requests_pending_for(user).count()
    assert _waiting(html) == expected
    assert all(f'href="/appeals/staff/?queue={queue}" data-waiting="{queue}"' in html for queue in queues)
    if member != "taigu_supervisor":
        assert sum(_waiting(html).values()) > 0
    else:
        assert set(_waiting(html).values()) == {0}  # 榆次区's work is not 太谷区's


def test_the_handler_sees_each_queue_with_work_in_it(client, work):
    assert _waiting(home_html(client, work.handler_a)) == {
        "to_accept": 1, "handling": 3, "due_soon": 1, "overdue": 1, "urged": 1}
    assert _waiting(home_html(client, work.dispatcher)) == {"to_dispatch": 3, "returned": 1}


def test_the_leader_reads_the_months_headline_figures(client, work):
    from appeals import kpis

    html = home_html(client, work.leader)
    assert "本月至今" in html
    report = kpis.kpi_report(user=work.leader, period=kpis.period_from_params({}))
    headline = kpis.kpi_headline(user=work.leader, report=report)
    figures = _waiting(html)
    assert figures["received"] == headline.received == 7
    assert figures["closed"] == headline.figures.closed
    assert figures["overdue"] == headline.overdue_now == 1
    assert 'data-waiting="satisfaction"><span class="waiting-count">—</span>' in html  # none rated yet


def test_the_strongest_role_wins(client, cast):
    from orgs.models import Role
    from orgs.services import membership_grant

    membership_grant(actor=cast.root, user=cast.handler_a, role=Role.SUPERVISOR, unit=cast.yuci)
    html = home_html(client, cast.handler_a)
    assert '<p class="eyebrow">督办员</p>' in html
    assert "您的其他角色：" in html and "承办人" in html


@pytest.mark.parametrize("member", ["root", "admin"])
def test_administrators_get_admin_links_that_open(client, cast, member):
    html = home_html(client, getattr(cast, member))
    assert '<p class="eyebrow">系统管理员</p>' in html
    assert 'href="/admin/"' in html
    links = re.findall(r'<a class="entry" href="(/admin/[^"]+)"', html)
    assert "/admin/orgs/unit/" in links
    for href in links:
        assert client.get(href).status_code == 200, href


def test_admin_role_without_admin_access_is_told_so(client, cast):
    cast.admin.is_staff = False
    cast.admin.save()
    html = home_html(client, cast.admin)
    assert "href=\"/admin/" not in html
    assert "您的账号暂不能打开后台管理页面" in html


def test_staff_without_a_role_is_sent_to_their_administrator(client, db):
    newcomer = User.objects.create_user(username="newcomer", password="x-long-password", kind=UserKind.STAFF)
    html = home_html(client, newcomer)
    assert "您的账号还没有角色" in html
    assert "请向管理员申请角色" in html and "newcomer" in html
    assert "我的管辖范围" not in html


def test_resident_home_greets_with_masked_phone_and_shows_no_staff_content(client, cast):
    html = home_html(client, cast.resident)
    assert "欢迎您，138****8000" in html
    assert "13800138000" not in html
    assert "提交诉求" in html
    for staff_only in ["我的管辖范围", "我的角色", "工作人员", "/directory/", "/admin/", "晋中市"]:
        assert staff_only not in html, staff_only
    assert client.get("/directory/").status_code == 403


def test_directory_lists_only_the_scope(client, cast):
    client.force_login(cast.handler_a)
    html = client.get("/directory/").content.decode()
    assert "榆次区北关街道" in html and "顺城社区" in html and "140702001001" in html
    assert "东阳村" not in html and "太谷区卫生健康局" not in html
    html = client.get("/directory/?level=village").content.decode()
    assert "顺城社区" in html and '<td class="lvl-township">' not in html


def test_a_home_with_many_features_shows_them_under_the_menus_group_headings(client, cast):
    html = home_html(client, cast.city_supervisor)
    groups = [(heading, [key for _href, key in TILE.findall(body)]) for heading, body in
              re.findall(r'<h3 class="entries-group">([^<]+)</h3>\s*<ul class="entries">(.*?)</ul>', html, re.S)]
    assert [heading for heading, _keys in groups] == ["工作", "数据与督办", "管理"]
    assert [key for _heading, keys in groups for key in keys] == TILES["city_supervisor"]
    assert groups[2] == ("管理", ["web.directory"])
    assert "entries-group" not in home_html(client, cast.resident)  # one group: no heading
