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
    assert "待签收诉求" in html
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
    ("grid_worker", "网格员/社区工作者", "为居民上报诉求"),
    ("dispatcher", "派单员", "待派单诉求"),
    ("taigu_supervisor", "督办员", "延期申请"),
    ("leader", "领导", "民生实事"),
    ("admin", "系统管理员", "组织架构"),
])
def test_each_role_gets_its_own_home(client, cast, member, role_name, entry):
    html = home_html(client, getattr(cast, member))
    assert f'<p class="eyebrow">{role_name}</p>' in html
    assert entry in html


@pytest.mark.parametrize("member", ["grid_worker", "handler_a", "dispatcher", "city_supervisor", "leader",
                                    "admin", "root", "resident"])
def test_every_entry_point_opens_and_unbuilt_modules_are_not_links(client, cast, member):
    html = home_html(client, getattr(cast, member))
    links = re.findall(r'<a class="entry" href="([^"]+)"', html)
    assert links
    for href in links:
        assert client.get(href.replace("&amp;", "&")).status_code == 200, href
    for coming in re.findall(r'<div class="entry coming"[^>]*>(.*?)</div>', html, re.S):
        assert "href" not in coming and "即将上线" in coming


def test_dispatcher_entry_points_lead_to_the_dispatch_queues(client, cast):
    html = home_html(client, cast.dispatcher)
    assert '<a class="entry" href="/appeals/staff/?queue=to_dispatch">' in html
    assert '<a class="entry" href="/appeals/staff/?queue=returned">' in html
    assert '<div class="entry coming" aria-disabled="true"><strong class="entry-title">派单目录' in html


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
