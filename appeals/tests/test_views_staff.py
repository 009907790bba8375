"""Staff pages of appeals: queues limited to scope, filters and Chinese search, the detail page's
action forms (allowed for the right role, refused for an outsider with nothing changed), bulk
dispatch, xlsx export, and who may open the pages at all."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from appeals.models import Action, Appeal, AppealType, ExtensionRequest, ReplyTemplate, State
from appeals.services import (
    appeal_accept,
    appeal_dispatch,
    appeal_request_extension,
    appeal_return,
    appeal_urge,
)
from conftest import new_appeal

QUEUE = reverse("appeals:staff_queue")


@pytest.fixture
def as_user(client):
    """Sign ``user`` in, with English pages so messages can be read in assertions."""

    def sign_in(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in


@pytest.fixture
def world(cast):
    """Two demands in each county: one waiting for dispatch, one in handling."""
    w = type("World", (), {})()
    w.yuci_new = new_appeal(cast, title="路灯不亮", description="顺城社区门口路灯坏了")
    w.taigu_new = new_appeal(cast, title="东阳村自来水停了", description="东阳村停水两天", place=cast.village)
    w.yuci_busy = new_appeal(cast)  # 小区供暖不热 / 暖气一直不热
    appeal_dispatch(actor=cast.dispatcher, appeal=w.yuci_busy, target=cast.yuci_health)
    appeal_accept(actor=cast.handler_a, appeal=w.yuci_busy)
    w.taigu_busy = new_appeal(cast, title="太谷区医院挂号难", description="明星镇卫生院挂号排长队", place=cast.village)
    appeal_dispatch(actor=cast.root, appeal=w.taigu_busy, target=cast.taigu_health)
    appeal_accept(actor=cast.taigu_handler, appeal=w.taigu_busy)
    return w


def listed(response):
    assert response.status_code == 200
    return {row["appeal"].code for row in response.context["rows"]}


def act_url(appeal, key):
    return reverse("appeals:staff_act", args=[appeal.code, key])


def detail_url(appeal):
    return reverse("appeals:staff_detail", args=[appeal.code])


# --- queues and scope -------------------------------------------------------------------------------

def test_each_user_sees_only_appeals_in_scope(cast, world, as_user):
    everything = {"queue": "all"}
    assert listed(as_user(cast.handler_a).get(QUEUE, everything)) == {world.yuci_busy.code}
    assert listed(as_user(cast.taigu_handler).get(QUEUE, everything)) == {world.taigu_busy.code}
    assert listed(as_user(cast.handler_b).get(QUEUE, everything)) == set()
    assert listed(as_user(cast.dispatcher).get(QUEUE, everything)) == {world.yuci_new.code, world.yuci_busy.code}
    assert listed(as_user(cast.taigu_supervisor).get(QUEUE, everything)) == {world.taigu_new.code,
                                                                              world.taigu_busy.code}
    assert listed(as_user(cast.city_supervisor).get(QUEUE, everything)) == {
        world.yuci_new.code, world.taigu_new.code, world.yuci_busy.code, world.taigu_busy.code}


def test_default_queue_follows_the_role(cast, world, as_user):
    response = as_user(cast.dispatcher).get(QUEUE)
    assert response.context["queue"] == "to_dispatch" and listed(response) == {world.yuci_new.code}
    response = as_user(cast.handler_a).get(QUEUE)
    assert response.context["queue"] == "to_accept"


def test_each_queue_holds_exactly_its_appeals(cast, world, as_user):
    now = timezone.now()
    due_soon = new_appeal(cast, title="即将超期")
    appeal_dispatch(actor=cast.dispatcher, appeal=due_soon, target=cast.yuci_health)
    Appeal.objects.filter(pk=due_soon.pk).update(due_at=now + timedelta(hours=3))
    late = new_appeal(cast, title="已经超期")
    appeal_dispatch(actor=cast.dispatcher, appeal=late, target=cast.yuci_health)
    appeal_accept(actor=cast.handler_a, appeal=late)
    Appeal.objects.filter(pk=late.pk).update(due_at=now - timedelta(hours=1))  # the sweep has not run yet
    returned = new_appeal(cast, title="被退回")
    appeal_dispatch(actor=cast.dispatcher, appeal=returned, target=cast.yuci_housing)
    appeal_return(actor=cast.handler_b, appeal=returned, reason="不属于住建职责")
    appeal_urge(actor=cast.city_supervisor, appeal=world.yuci_busy, note="请尽快办理")

    client = as_user(cast.city_supervisor)
    expected = {
        "to_dispatch": {world.yuci_new.code, world.taigu_new.code, returned.code},
        "to_accept": {due_soon.code},
        "handling": {world.yuci_busy.code, world.taigu_busy.code, late.code},
        "due_soon": {due_soon.code},
        "overdue": {late.code},
        "returned": {returned.code},
        "urged": {world.yuci_busy.code},
    }
    response = client.get(QUEUE, {"queue": "all"})
    tabs = {tab["key"]: tab["count"] for tab in response.context["tabs"]}
    for queue, codes in expected.items():
        assert listed(client.get(QUEUE, {"queue": queue})) == codes, queue
        assert tabs[queue] == len(codes), queue
    assert tabs["all"] == 7
    # Overdue and urged appeals are flagged in the list.
    handling = client.get(QUEUE, {"queue": "handling"}).content.decode()
    assert "flag overdue" in handling and "flag urged" in handling


def test_traditional_query_finds_the_simplified_appeal(cast, world, as_user):
    client = as_user(cast.city_supervisor)
    simplified = listed(client.get(QUEUE, {"queue": "all", "q": "暖气"}))
    traditional = listed(client.get(QUEUE, {"queue": "all", "q": "暖氣"}))
    assert simplified == traditional == {world.yuci_busy.code}
    assert listed(client.get(QUEUE, {"queue": "all", "q": "醫院 掛號"})) == {world.taigu_busy.code}
    assert listed(client.get(QUEUE, {"queue": "all", "q": world.taigu_new.code.lower()})) == {world.taigu_new.code}


def test_search_never_reaches_outside_scope(cast, world, as_user):
    assert listed(as_user(cast.handler_a).get(QUEUE, {"queue": "all", "q": "挂号"})) == set()


def test_filters_narrow_the_list_and_the_tab_counts(cast, world, as_user):
    client = as_user(cast.city_supervisor)
    in_beiguan = listed(client.get(QUEUE, {"queue": "all", "place": cast.beiguan.pk}))
    assert in_beiguan == {world.yuci_new.code, world.yuci_busy.code}
    response = client.get(QUEUE, {"queue": "all", "department": cast.taigu_health.pk})
    assert listed(response) == {world.taigu_busy.code}
    assert {t["key"]: t["count"] for t in response.context["tabs"]}["to_dispatch"] == 0
    assert listed(client.get(QUEUE, {"queue": "all", "state": State.HANDLING, "place": cast.taigu.pk})) == {
        world.taigu_busy.code}
    praise = new_appeal(cast, title="表扬社区", appeal_type=AppealType.PRAISE)
    assert listed(client.get(QUEUE, {"queue": "all", "appeal_type": AppealType.PRAISE})) == {praise.code}
    assert listed(client.get(QUEUE, {"queue": "all", "channel": "hotline"})) == set()
    today = timezone.localdate()
    assert len(listed(client.get(QUEUE, {"queue": "all", "received_from": today.isoformat()}))) == 5
    assert listed(client.get(QUEUE, {"queue": "all", "received_to": (today - timedelta(days=1)).isoformat()})) == set()


def test_a_place_outside_scope_cannot_be_used_as_a_filter(cast, world, as_user):
    response = as_user(cast.dispatcher).get(QUEUE, {"queue": "all", "place": cast.taigu.pk})
    assert response.context["form"].errors["place"]
    assert listed(response) == {world.yuci_new.code, world.yuci_busy.code}  # the bad filter is ignored


def test_the_list_is_paginated(cast, as_user):
    for number in range(30):
        new_appeal(cast, title=f"诉求{number}")
    client = as_user(cast.dispatcher)
    first, second = client.get(QUEUE, {"queue": "to_dispatch"}), client.get(QUEUE, {"queue": "to_dispatch", "page": 2})
    assert len(listed(first)) == 25 and len(listed(second)) == 5
    assert listed(first).isdisjoint(listed(second))


# --- who may open the pages -------------------------------------------------------------------------

@pytest.mark.parametrize("method,name,args", [
    ("get", "appeals:staff_queue", []),
    ("get", "appeals:staff_export", []),
    ("get", "appeals:staff_detail", ["code"]),
    ("post", "appeals:staff_unmask", ["code"]),
    ("post", "appeals:staff_act", ["code", "accept"]),
    ("post", "appeals:staff_bulk_dispatch", []),
])
def test_residents_and_anonymous_visitors_cannot_open_staff_pages(cast, world, client, method, name, args):
    url = reverse(name, args=[world.yuci_busy.code if a == "code" else a for a in args])
    response = getattr(client, method)(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(cast.resident)  # the very resident who raised the appeal
    assert getattr(client, method)(url).status_code == 403
    world.yuci_busy.refresh_from_db()
    assert world.yuci_busy.state == State.HANDLING
    assert not world.yuci_busy.events.filter(action=Action.UNMASK).exists()


def test_an_appeal_outside_scope_is_not_found(cast, world, as_user):
    client = as_user(cast.handler_a)
    assert client.get(detail_url(world.taigu_busy)).status_code == 404
    assert client.post(act_url(world.taigu_busy, "accept")).status_code == 404


# --- actions ----------------------------------------------------------------------------------------

def test_dispatcher_dispatches_from_the_detail_page(cast, world, as_user):
    client = as_user(cast.dispatcher)
    page = client.get(detail_url(world.yuci_new))
    assert [a["key"] for a in page.context["actions"]] == ["dispatch", "merge", "reject"]
    response = client.post(act_url(world.yuci_new, "dispatch"),
                           {"dispatch-target": f"d:{cast.yuci_health.pk}", "dispatch-note": "请核实"}, follow=True)
    assert response.redirect_chain[-1][0] == detail_url(world.yuci_new)
    assert "Dispatched to 榆次区卫生健康局" in response.content.decode()
    world.yuci_new.refresh_from_db()
    assert world.yuci_new.state == State.TO_ACCEPT and world.yuci_new.assigned_department == cast.yuci_health
    event = world.yuci_new.events.get(action=Action.DISPATCH)
    assert event.actor == cast.dispatcher and event.note == "请核实"


def test_the_timeline_names_no_resident_account(cast, as_user):
    # The resident filed it anonymously; the timeline says a resident did, not which account.
    cast.resident.display_name = "李小龙"
    cast.resident.save()
    appeal = new_appeal(cast, anonymous=True)
    page = as_user(cast.dispatcher).get(detail_url(appeal)).content.decode()
    timeline = page[page.index('class="ev-meta'):]
    assert "Resident" in timeline
    assert "李小龙" not in page and cast.resident.username not in page


def test_dispatch_to_a_unit_in_scope(cast, world, as_user):
    response = as_user(cast.dispatcher).post(act_url(world.yuci_new, "dispatch"),
                                             {"dispatch-target": f"u:{cast.beiguan.pk}"})
    assert response.status_code == 302
    world.yuci_new.refresh_from_db()
    assert world.yuci_new.assigned_unit == cast.beiguan


def test_dispatch_target_outside_scope_is_refused(cast, world, as_user):
    response = as_user(cast.dispatcher).post(act_url(world.yuci_new, "dispatch"),
                                             {"dispatch-target": f"d:{cast.taigu_health.pk}"})
    assert response.status_code == 400 and "dispatch" in response.context["actions"][0]["key"]
    world.yuci_new.refresh_from_db()
    assert world.yuci_new.state == State.TO_DISPATCH


def test_city_supervisor_sees_but_may_not_dispatch(cast, world, as_user):
    client = as_user(cast.city_supervisor)
    assert "dispatch" not in [a["key"] for a in client.get(detail_url(world.yuci_new)).context["actions"]]
    response = client.post(act_url(world.yuci_new, "dispatch"), {"dispatch-target": f"d:{cast.yuci_health.pk}"},
                           follow=True)
    # Back on the appeal (core.middleware), with the refusal as a message.
    assert response.redirect_chain == [(detail_url(world.yuci_new), 302)]
    assert "You may not do" in response.content.decode()
    world.yuci_new.refresh_from_db()
    assert world.yuci_new.state == State.TO_DISPATCH and world.yuci_new.events.count() == 1


@pytest.fixture
def dispatched(cast):
    appeal = new_appeal(cast, title="卫生服务站不开门")
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    return appeal


def handling_appeal(cast):
    appeal = new_appeal(cast, title="医保报销慢")
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    appeal_accept(actor=cast.handler_a, appeal=appeal)
    return appeal


ALLOWED = [
    # (key, who, data, state before is "to_accept" unless handling=True, expected state, expected event)
    ("accept", "handler_a", {}, False, State.HANDLING, Action.ACCEPT),
    ("return", "handler_a", {"return-reason": "不属于卫健职责"}, False, State.TO_DISPATCH, Action.RETURN),
    ("reassign", "dispatcher", {"reassign-target": "HOUSING"}, False, State.TO_ACCEPT, Action.REASSIGN),
    ("transfer", "handler_a", {"transfer-unit": "BEIGUAN"}, True, State.TO_ACCEPT, Action.TRANSFER),
    ("urge", "city_supervisor", {"urge-note": "请加快"}, True, State.HANDLING, Action.URGE),
    ("reply", "handler_a", {"reply-text": "已协调解决", "confirm": "1"}, True, State.REPLIED, Action.REPLY),
    ("request_extension", "handler_a", {"request_extension-new_due_at": "LATER",
                                        "request_extension-reason": "需协调多个部门"}, True, State.HANDLING,
     Action.REQUEST_EXTENSION),
]


def _fill(cast, appeal, data):
    later = timezone.localtime(appeal.due_at + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M") if appeal.due_at else ""
    values = {"HOUSING": f"d:{cast.yuci_housing.pk}", "BEIGUAN": str(cast.beiguan.pk), "LATER": later}
    return {k: values.get(v, v) for k, v in data.items()}


@pytest.mark.parametrize("key,who,data,handling,state,action", ALLOWED, ids=[row[0] for row in ALLOWED])
def test_action_works_for_the_right_role(cast, as_user, key, who, data, handling, state, action):
    appeal = handling_appeal(cast) if handling else new_appeal(cast)
    if not handling:
        appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    response = as_user(getattr(cast, who)).post(act_url(appeal, key), _fill(cast, appeal, data))
    assert response.status_code == 302, response.content.decode()[:2000]
    appeal.refresh_from_db()
    assert appeal.state == state
    assert appeal.events.filter(action=action, actor=getattr(cast, who)).exists()


REFUSED = [
    ("accept", "handler_b", {}),  # another department's handler
    ("accept", "city_supervisor", {}),
    ("return", "dispatcher", {"return-reason": "x"}),
    ("urge", "handler_a", {"urge-note": "x"}),
    ("urge", "taigu_supervisor", {"urge-note": "x"}),
    ("reply", "city_supervisor", {"reply-text": "x"}),
    ("reassign", "handler_a", {"reassign-target": "HOUSING"}),
    ("reject", "handler_a", {"reject-reason": "x"}),
    ("request_extension", "dispatcher", {"request_extension-new_due_at": "LATER", "request_extension-reason": "x"}),
]


@pytest.mark.parametrize("key,who,data", REFUSED, ids=[f"{r[0]}-{r[1]}" for r in REFUSED])
def test_action_is_refused_for_an_outsider(cast, as_user, dispatched, key, who, data):
    before = list(dispatched.events.values_list("pk", flat=True))
    response = as_user(getattr(cast, who)).post(act_url(dispatched, key), _fill(cast, dispatched, data), follow=True)
    if response.redirect_chain:  # the appeal is in their scope: back on it, told why not
        assert response.redirect_chain == [(detail_url(dispatched), 302)]
        assert "You may not do" in response.content.decode()
    else:
        assert response.status_code == 404
    after = Appeal.objects.get(pk=dispatched.pk)
    assert after.state == State.TO_ACCEPT and after.assigned_department == cast.yuci_health
    assert list(after.events.values_list("pk", flat=True)) == before


def test_a_missing_reason_is_shown_and_changes_nothing(cast, as_user, dispatched):
    response = as_user(cast.handler_a).post(act_url(dispatched, "return"), {"return-reason": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    dispatched.refresh_from_db()
    assert dispatched.state == State.TO_ACCEPT


def test_domain_error_message_is_shown(cast, as_user):
    appeal = handling_appeal(cast)
    earlier = timezone.localtime(appeal.due_at - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = as_user(cast.handler_a).post(act_url(appeal, "request_extension"), {
        "request_extension-new_due_at": earlier, "request_extension-reason": "需要更多时间"})
    assert response.status_code == 400
    assert "The new deadline must be later than the current one" in response.content.decode()
    assert not ExtensionRequest.objects.filter(appeal=appeal).exists()


def test_acting_twice_gets_a_clear_message(cast, as_user, dispatched):
    client = as_user(cast.handler_a)
    assert client.post(act_url(dispatched, "accept")).status_code == 302
    response = client.post(act_url(dispatched, "accept"))  # a second tab, or a double click
    assert response.status_code == 409 and "cannot be" in response.content.decode()
    dispatched.refresh_from_db()
    assert dispatched.events.filter(action=Action.ACCEPT).count() == 1


def test_supervisor_decides_an_extension(cast, as_user):
    appeal = handling_appeal(cast)
    new_due = appeal.due_at + timedelta(days=3)
    appeal_request_extension(actor=cast.handler_a, appeal=appeal, new_due_at=new_due, reason="需协调")
    refused = as_user(cast.handler_a).post(act_url(appeal, "decide_extension"),
                                           {"decide_extension-decision": "approve"})
    assert refused.status_code == 302 and refused["Location"] == detail_url(appeal)
    page = as_user(cast.city_supervisor).get(detail_url(appeal))
    assert "decide_extension" in [a["key"] for a in page.context["actions"]]
    response = as_user(cast.city_supervisor).post(act_url(appeal, "decide_extension"),
                                                  {"decide_extension-decision": "approve"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.due_at == new_due
    assert ExtensionRequest.objects.get(appeal=appeal).status == ExtensionRequest.Status.APPROVED


def test_reply_from_a_template(cast, as_user):
    appeal = handling_appeal(cast)
    mine = ReplyTemplate.objects.create(name="卫健", body="经协调已解决。", department_kind="health")
    ReplyTemplate.objects.create(name="住建", body="住建模板", department_kind="housing")
    ReplyTemplate.objects.create(name="通用", body="通用模板")
    client = as_user(cast.handler_a)
    page = client.get(detail_url(appeal))
    assert set(page.context["reply_templates"].values()) == {"经协调已解决。", "通用模板"}
    # The preview shows the template's text as the reply; confirming it sends that text.
    preview = client.post(act_url(appeal, "reply"), {"reply-template": mine.pk, "reply-text": ""})
    assert preview.status_code == 200 and "经协调已解决。" in preview.content.decode()
    response = client.post(act_url(appeal, "reply"), {"reply-text": "经协调已解决。", "confirm": "1"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == State.REPLIED and appeal.reply == "经协调已解决。"


def test_dispatcher_merges_and_rejects(cast, world, as_user):
    duplicate = new_appeal(cast, title="路灯不亮（重复）")
    spam = new_appeal(cast, title="广告")
    client = as_user(cast.dispatcher)
    assert client.post(act_url(duplicate, "merge"), {"merge-into": world.yuci_new.code.lower(),
                                                     "confirm": "1"}).status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.state == State.MERGED and duplicate.merged_into == world.yuci_new
    response = client.post(act_url(spam, "merge"), {"merge-into": world.taigu_new.code})
    assert response.status_code == 400 and "in your scope" in response.content.decode()
    assert client.post(act_url(spam, "reject"), {"reject-reason": "广告信息", "confirm": "1"}).status_code == 302
    spam.refresh_from_db()
    assert spam.state == State.REJECTED and spam.close_reason == "广告信息"


def test_after_returning_the_handler_lands_on_the_queue(cast, as_user, dispatched):
    response = as_user(cast.handler_a).post(act_url(dispatched, "return"), {"return-reason": "不属于本部门"})
    assert response.status_code == 302 and response["Location"] == QUEUE


# --- bulk dispatch ----------------------------------------------------------------------------------

def test_bulk_dispatch_reports_successes_and_failures(cast, world, as_user):
    second = new_appeal(cast, title="第二件")
    third = new_appeal(cast, title="第三件")
    client = as_user(cast.dispatcher)
    page = client.get(QUEUE, {"queue": "to_dispatch"})
    assert page.context["bulk_form"] is not None
    codes = [world.yuci_new.code, second.code, third.code, world.taigu_new.code, world.yuci_busy.code]
    response = client.post(reverse("appeals:staff_bulk_dispatch"), {
        "codes": codes, "target": f"d:{cast.yuci_health.pk}", "next": f"{QUEUE}?queue=to_dispatch"}, follow=True)
    text = response.content.decode()
    assert "3 demands dispatched to 榆次区卫生健康局" in text
    assert "2 demands could not be dispatched" in text
    assert f"{world.taigu_new.code}: not found in your scope" in text
    assert world.yuci_busy.code in text and "cannot be" in text
    for appeal in (world.yuci_new, second, third):
        appeal.refresh_from_db()
        assert appeal.state == State.TO_ACCEPT and appeal.assigned_department == cast.yuci_health
    world.taigu_new.refresh_from_db()
    assert world.taigu_new.state == State.TO_DISPATCH


def test_bulk_dispatch_is_for_dispatchers_only(cast, world, as_user):
    client = as_user(cast.city_supervisor)
    assert client.get(QUEUE, {"queue": "to_dispatch"}).context["bulk_form"] is None
    response = client.post(reverse("appeals:staff_bulk_dispatch"), {
        "codes": [world.yuci_new.code], "target": f"d:{cast.yuci_health.pk}"})
    assert response.status_code == 403
    world.yuci_new.refresh_from_db()
    assert world.yuci_new.state == State.TO_DISPATCH


def test_bulk_dispatch_without_ticks_says_so(cast, world, as_user):
    response = as_user(cast.dispatcher).post(reverse("appeals:staff_bulk_dispatch"),
                                             {"target": f"d:{cast.yuci_health.pk}"}, follow=True)
    assert "Tick the demands to dispatch first" in response.content.decode()


# --- export -----------------------------------------------------------------------------------------

def read_export(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_export_is_the_current_queue_with_its_filters(cast, world, as_user):
    client = as_user(cast.city_supervisor)
    rows = read_export(client.get(reverse("appeals:staff_export"), {"queue": "handling", "q": "暖氣"}))
    assert len(rows) == 2 and rows[1][0] == world.yuci_busy.code
    rows = read_export(as_user(cast.handler_a).get(reverse("appeals:staff_export"), {"queue": "all"}))
    assert [row[0] for row in rows[1:]] == [world.yuci_busy.code]


# --- photos -----------------------------------------------------------------------------------------

def test_photos_are_served_only_within_scope(cast, client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from appeals.services import Intake, appeal_create

    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    upload = SimpleUploadedFile("pipe.png", buffer.getvalue(), content_type="image/png")
    appeal = appeal_create(actor=cast.resident, photos=[upload],
                           data=Intake(title="下水道堵了", description="见照片", place=cast.community))
    photo = appeal.photos.get()
    url = reverse("appeals:staff_photo", args=[appeal.code, photo.pk])
    client.force_login(cast.dispatcher)
    assert url in client.get(detail_url(appeal)).content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == buffer.getvalue()
    client.force_login(cast.taigu_supervisor)
    assert client.get(url).status_code == 404


# --- 进展记录: progress notes ---------------------------------------------------------------------------

@pytest.mark.parametrize("visibility,public", [("public", True), ("internal", False)])
def test_the_handler_adds_a_progress_note(cast, as_user, visibility, public):
    appeal = handling_appeal(cast)
    response = as_user(cast.handler_a).post(act_url(appeal, "progress"), {
        "progress-text": "已联系医保中心核对材料", "progress-visibility": visibility}, follow=True)
    html = response.content.decode()
    assert "Progress note added" in html and "已联系医保中心核对材料" in html
    assert ("shown to the resident" in html) is public
    event = appeal.events.get(action=Action.PROGRESS)
    assert (event.actor, event.public, event.note) == (cast.handler_a, public, "已联系医保中心核对材料")
    appeal.refresh_from_db()
    assert appeal.state == State.HANDLING


@pytest.mark.parametrize("who", ["handler_b", "city_supervisor", "dispatcher"])
def test_only_the_handler_adds_progress_notes(cast, as_user, who):
    appeal = handling_appeal(cast)
    page = as_user(getattr(cast, who)).get(detail_url(appeal))
    assert page.status_code != 200 or "progress" not in [a["key"] for a in page.context["actions"]]
    as_user(getattr(cast, who)).post(act_url(appeal, "progress"), {"progress-text": "x",
                                                                   "progress-visibility": "public"})
    assert not appeal.events.filter(action=Action.PROGRESS).exists()


# --- confirming what cannot be undone: 答复, 不予受理, 合并 ------------------------------------------------

def test_the_reply_is_not_sent_until_confirmed(cast, as_user):
    appeal = handling_appeal(cast)
    client = as_user(cast.handler_a)
    events = appeal.events.count()
    preview = client.post(act_url(appeal, "reply"), {"reply-text": "您好！已为您办理报销，款项三日内到账。"})
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "The reply as the resident will read it" in html and "已为您办理报销，款项三日内到账。" in html
    assert f"Your demand {appeal.code} has been answered" in html  # the text message that goes with it
    assert 'name="confirm"' in html and 'name="edit"' in html
    appeal.refresh_from_db()
    assert appeal.state == State.HANDLING and appeal.reply == "" and appeal.events.count() == events
    # Back to edit: the form comes back open with the text.
    back = client.post(act_url(appeal, "reply"), {"reply-text": "您好！已为您办理报销，款项三日内到账。", "edit": "1"})
    assert back.status_code == 200 and [a["key"] for a in back.context["actions"] if a["open"]] == ["reply"]
    assert "已为您办理报销，款项三日内到账。" in back.content.decode()
    appeal.refresh_from_db()
    assert appeal.state == State.HANDLING
    sent = client.post(act_url(appeal, "reply"), {"reply-text": "您好！已为您办理报销，款项三日内到账。",
                                                  "confirm": "1"}, follow=True)
    assert "Reply sent to the resident." in sent.content.decode()
    appeal.refresh_from_db()
    assert appeal.state == State.REPLIED and appeal.reply == "您好！已为您办理报销，款项三日内到账。"


def test_the_preview_fills_in_the_template_and_points_at_its_blanks(cast, as_user):
    appeal = handling_appeal(cast)
    template = ReplyTemplate.objects.create(name="通用", body="您好！您反映的【问题】已收悉，经核查【核查情况】。")
    preview = as_user(cast.handler_a).post(act_url(appeal, "reply"), {"reply-template": template.pk,
                                                                      "reply-text": ""})
    html = preview.content.decode()
    assert "您好！您反映的【问题】已收悉，经核查【核查情况】。" in html
    assert "blanks from the template to fill in: 【问题】、【核查情况】" in html
    # The confirmation carries the template's text, so "back to edit" lets the handler fill the blanks.
    assert 'name="reply-text" value="您好！您反映的【问题】已收悉，经核查【核查情况】。"' in html
    appeal.refresh_from_db()
    assert appeal.state == State.HANDLING


def test_not_accepting_needs_confirming(cast, world, as_user):
    spam = new_appeal(cast, title="广告")
    client = as_user(cast.dispatcher)
    page = client.post(act_url(spam, "reject"), {"reject-reason": "广告信息"})
    html = page.content.decode()
    assert page.status_code == 200 and "广告信息" in html and "This cannot be undone." in html
    spam.refresh_from_db()
    assert spam.state == State.TO_DISPATCH
    client.post(act_url(spam, "reject"), {"reject-reason": "广告信息", "confirm": "1"})
    spam.refresh_from_db()
    assert spam.state == State.REJECTED


def test_merging_needs_confirming_and_shows_both_appeals(cast, world, as_user):
    duplicate = new_appeal(cast, title="路灯不亮（重复）")
    client = as_user(cast.dispatcher)
    page = client.post(act_url(duplicate, "merge"), {"merge-into": world.yuci_new.code})
    html = page.content.decode()
    assert page.status_code == 200 and duplicate.code in html and world.yuci_new.code in html
    assert "路灯不亮（重复）" in html and "路灯不亮" in html
    duplicate.refresh_from_db()
    assert duplicate.state == State.TO_DISPATCH
    # An unknown main appeal is said on the form, before any confirmation.
    unknown = client.post(act_url(duplicate, "merge"), {"merge-into": "ZZZZZZZZZZ"})
    assert unknown.status_code == 400 and "No demand with code ZZZZZZZZZZ in your scope." in unknown.content.decode()
    client.post(act_url(duplicate, "merge"), {"merge-into": world.yuci_new.code, "confirm": "1"})
    duplicate.refresh_from_db()
    assert duplicate.state == State.MERGED and duplicate.merged_into == world.yuci_new


def test_a_system_note_on_the_timeline_reads_in_the_readers_language(client, cast):
    """A note the platform wrote (here: a merge) is shown in English to an English reader and in Chinese
    to a Chinese one, whatever language was active when it was written."""
    from appeals.services import appeal_merge

    main, duplicate = new_appeal(cast, title="供暖不热"), new_appeal(cast, title="供暖不热（重复）")
    appeal_merge(actor=cast.dispatcher, appeal=duplicate, into=main)
    client.force_login(cast.dispatcher)
    english = client.get(f"/appeals/staff/{main.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Demand {duplicate.code} was merged into this one." in english
    chinese = client.get(f"/appeals/staff/{main.code}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert duplicate.code in chinese and "was merged into this one" not in chinese
