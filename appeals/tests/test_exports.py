"""The queue's xlsx export (appeals.exports) holds what a 12345 report needs: the demand's content, the
reply, when it was closed and how satisfied the resident was, with personal data masked as the pages
mask it, and only the demands of the exporter's scope."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from appeals.models import Satisfaction
from appeals.services import appeal_accept, appeal_dispatch, appeal_rate, appeal_reply
from appeals.tests.conftest import new_appeal

EXPORT = reverse("appeals:staff_export")
PHONE = "13912345678"


@pytest.fixture
def closed(cast):
    """A 榆次区 demand handled, replied and rated 基本满意, with a phone and an ID number in its text."""
    appeal = new_appeal(cast, title="供暖不热", contact_name="欧阳娜娜", contact_phone=PHONE,
                        description=f"3号楼暖气不热，请打{PHONE}联系，身份证14070219900101123X。")
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    appeal_accept(actor=cast.handler_a, appeal=appeal)
    appeal_reply(actor=cast.handler_a, appeal=appeal, text=f"已维修阀门，已电话{PHONE}告知。")
    appeal_rate(actor=cast.resident, appeal=appeal, satisfaction=Satisfaction.BASIC, resolved=True,
                comment="修好了")
    appeal.refresh_from_db()
    return appeal


def exported(client, user, **params):
    client.force_login(user)
    response = client.get(EXPORT, {"queue": "all", **params}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    lines = list(sheet.iter_rows(values_only=True))
    return [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]


def test_the_export_has_content_reply_closing_time_and_satisfaction(cast, client, closed):
    (row,) = exported(client, cast.dispatcher)
    assert row["Tracking code"] == closed.code
    assert row["Content (诉求内容)"] == "3号楼暖气不热，请打139****5678联系，身份证1407**********123X。"
    assert row["Reply (答复)"] == "已维修阀门，已电话139****5678告知。"
    assert row["Satisfaction (满意度)"] == "Basically satisfied (基本满意)"
    assert row["Resolved, in the resident's words"] == "yes"
    assert row["Rating comment"] == "修好了"
    # Local wall-clock time, as people read it (Excel has no time zones).
    assert row["Closed (办结时间)"] == timezone.localtime(closed.closed_at).replace(tzinfo=None, microsecond=0)
    assert row["Dispatched"] is not None and row["Handling department or unit"] == "榆次区卫生健康局"
    assert row["Contact phone (masked)"] == "139****5678" and row["Contact name (masked)"] == "欧***"
    cells = " ".join(str(value) for value in row.values())
    assert PHONE not in cells and "14070219900101123X" not in cells and "欧阳娜娜" not in cells


def test_an_open_demand_leaves_the_closing_columns_empty(cast, client):
    appeal = new_appeal(cast, title="路灯不亮")
    (row,) = exported(client, cast.dispatcher)
    assert row["Tracking code"] == appeal.code
    assert row["Closed (办结时间)"] is None and row["Satisfaction (满意度)"] is None and row["Reply (答复)"] is None


def test_the_export_keeps_to_the_exporters_scope(cast, client, closed):
    assert exported(client, cast.taigu_supervisor) == []
    assert [row["Tracking code"] for row in exported(client, cast.handler_a)] == [closed.code]


def test_control_characters_never_get_in_and_stored_ones_do_not_break_the_export(client, cast):
    """A title with a control character ("a\u0001b") once made the staff export answer 500 for everyone
    whose list held it: intake now drops it, and the export copes with what was stored before."""
    from appeals.models import Appeal

    clean = new_appeal(cast, title="路灯\u0001不亮\x00", description="顺城街\x1b路灯坏了")
    clean.refresh_from_db()
    assert clean.title == "路灯不亮" and clean.description == "顺城街路灯坏了"
    legacy = new_appeal(cast, title="旧数据")
    Appeal.objects.filter(pk=legacy.pk).update(title="旧\u0001数据", description="含\x07控制字符")
    rows = exported(client, cast.dispatcher)
    assert {row["Tracking code"]: row["Title"] for row in rows}[legacy.code] == "旧数据"
