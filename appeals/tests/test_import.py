"""Importing 12345 hotline exports: dry run, row-by-row report, all-or-nothing by default, dedupe."""

import io
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from appeals import services
from appeals.importers import HotlineImporter, parse_mapping
from appeals.models import Action, Appeal, AppealEvent, AppealType, Channel
from core.errors import BadInput

HEADER = ["工单编号", "来电时间", "来电人", "联系电话", "诉求类型", "诉求标题", "诉求内容", "事发地址", "属地", "承办单位"]
GOOD = [
    ["GD20261101001", "2026-11-01 09:15:00", "张先生", "13800000001", "投诉", "噪音扰民",
     "顺城街夜市凌晨两点仍有噪音", "顺城街12号", "140702001001", "（导出列，不导入）"],
    ["GD20261101002", datetime(2026, 11, 1, 10, 30), "李女士", "139 0000 0002", "求助", "",
     "老人独居，冬季取暖煤不够，请社区帮助联系供暖补贴，并上门查看取暖设施是否安全", "东阳村3组", "东阳村", ""],
    ["GD20261101003", "2026/11/01 11:00", "", "", "咨询", "医保报销", "异地就医备案怎么办理？", "", "", ""],
]


def xlsx(rows, header=HEADER, above=()):
    workbook = Workbook()
    sheet = workbook.active
    for line in above:
        sheet.append(line)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, header=HEADER, encoding="utf-8-sig"):
    lines = [header] + [[cell.strftime("%Y-%m-%d %H:%M") if isinstance(cell, datetime) else cell for cell in row]
                        for row in rows]
    text = "\r\n".join(",".join(f'"{cell}"' for cell in line) for line in lines) + "\r\n"
    return text.encode(encoding)


# Messages are checked in English; the catalogues translate them.
pytestmark = pytest.mark.usefixtures("english")


def run(cast, content, *, actor=None, commit=True, **kwargs):
    good_rows_only = kwargs.pop("good_rows_only", False)
    importer = HotlineImporter(actor=actor or cast.root, default_place=kwargs.pop("place", cast.yuci), **kwargs)
    return importer.run(content, commit=commit, good_rows_only=good_rows_only)


def test_a_good_file_creates_complete_appeals_with_their_events(cast):
    result = run(cast, xlsx(GOOD), actor=cast.root)
    assert result.committed and result.ok and len(result.created) == 3
    noise = Appeal.objects.get(external_id="GD20261101001")
    assert noise.channel == Channel.IMPORT and noise.created_by == cast.root
    assert noise.appeal_type == AppealType.COMPLAINT and noise.place == cast.community
    assert noise.address == "顺城街12号" and noise.contact_phone == "13800000001"
    assert timezone.localtime(noise.created_at).strftime("%Y-%m-%d %H:%M") == "2026-11-01 09:15"
    heating = Appeal.objects.get(external_id="GD20261101002")
    assert heating.place == cast.village and heating.contact_phone == "13900000002"
    assert heating.title == "老人独居，冬季取暖煤不够，请社区帮助联系供暖补贴，并上门查…"  # no title: from the content
    assert Appeal.objects.get(external_id="GD20261101003").place == cast.yuci  # no unit: the chosen default
    assert AppealEvent.objects.filter(action=Action.CREATE).count() == 3


def test_a_dry_run_checks_everything_and_saves_nothing(cast):
    result = run(cast, xlsx(GOOD), commit=False)
    assert result.dry_run and not result.committed and len(result.created) == 3
    assert not Appeal.objects.exists() and not AppealEvent.objects.exists()


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_imported(cast):
    rows = [
        GOOD[0],
        ["GD2", "2026-11-01 09:00", "王", "12345", "吐槽", "标题", "内容", "", "", ""],
        ["", "2026-11-01 09:00", "", "", "求助", "标题", "", "", "", ""],
        ["GD4", "下周一", "", "", "求助", "标题", "内容", "", "火星", ""],
        ["GD20261101001", "2026-11-01 09:00", "", "", "求助", "重复", "同一工单两次", "", "", ""],
    ]
    with_en = run(cast, xlsx(rows))
    assert not with_en.committed and not Appeal.objects.exists()
    report = {(e.row, e.column): e.message for e in with_en.errors}
    assert set(report) == {(3, "联系电话"), (3, "诉求类型"), (4, "工单编号"), (4, "诉求内容"), (5, "来电时间"),
                           (5, "属地"), (6, "工单编号")}
    assert "下周一" in report[(5, "来电时间")] and "火星" in report[(5, "属地")]
    assert "2" in report[(6, "工单编号")]  # points at the row it repeats
    assert with_en.bad_rows == 4


def test_the_user_may_choose_to_import_only_the_good_rows(cast):
    rows = [GOOD[0], ["GD2", "2026-11-01 09:00", "王", "12345", "求助", "标题", "内容", "", "", ""], GOOD[2]]
    result = run(cast, xlsx(rows), good_rows_only=True)
    assert result.committed and len(result.created) == 2 and result.bad_rows == 1
    assert set(Appeal.objects.values_list("external_id", flat=True)) == {"GD20261101001", "GD20261101003"}


def test_a_row_that_fails_midway_leaves_nothing_behind(cast, monkeypatch):
    """The appeal row is saved before its event: if the event fails, the appeal goes too."""
    real_record = services._record

    def failing_record(appeal, **kwargs):
        if appeal.external_id == "GD20261101002":
            raise BadInput("event store unavailable")
        return real_record(appeal, **kwargs)

    monkeypatch.setattr(services, "_record", failing_record)
    result = run(cast, xlsx(GOOD), good_rows_only=True)
    assert [(e.row, e.message) for e in result.errors] == [(3, "event store unavailable")]
    assert not Appeal.objects.filter(external_id="GD20261101002").exists()
    assert Appeal.objects.count() == AppealEvent.objects.count() == 2


def test_reimporting_the_same_file_creates_nothing_new(cast):
    run(cast, xlsx(GOOD))
    again = run(cast, xlsx(GOOD + [["GD20261101004", "2026-11-02 08:00", "", "", "建议", "新的", "新增一条", "", "", ""]]))
    assert again.committed and len(again.created) == 1
    assert [ticket for _row, ticket in again.skipped] == ["GD20261101001", "GD20261101002", "GD20261101003"]
    assert Appeal.objects.count() == 4


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_gb18030_or_utf8(cast, encoding):
    result = run(cast, csv_bytes(GOOD, encoding=encoding))
    assert result.ok and len(result.created) == 3
    assert Appeal.objects.get(external_id="GD20261101003").description == "异地就医备案怎么办理？"


def test_custom_headers_with_a_mapping(cast):
    header = ["Ticket No", "Caller phone", "Kind", "Text", "Where"]
    rows = [["T-1", "13800000009", "complaint", "井盖丢失，路人容易掉下去", "140702001001"]]
    with pytest.raises(BadInput, match="holds the column headers"):
        run(cast, xlsx(rows, header=header))
    with pytest.raises(BadInput, match="no column for Content"):
        run(cast, xlsx(rows, header=["工单编号", "联系电话"] + header[2:]))
    mapping = parse_mapping(["Ticket No=external_id", "Caller phone=contact_phone", "Kind = type",
                             "Text=description", "Where=place"])
    result = run(cast, xlsx(rows, header=header), mapping=mapping)
    appeal = Appeal.objects.get(external_id="T-1")
    assert result.ok and appeal.contact_phone == "13800000009" and appeal.place == cast.community
    with pytest.raises(BadInput, match="Nope"):
        run(cast, xlsx(rows, header=header), mapping=mapping | {"Nope": "title"})
    with pytest.raises(BadInput, match="not a field"):
        parse_mapping(["Text=body"])


def test_rows_are_numbered_as_in_the_file_below_a_title_row(cast):
    rows = [GOOD[0], ["GD9", "2026-11-01 09:00", "", "12", "求助", "t", "d", "", "", ""]]
    result = run(cast, xlsx(rows, above=[["12345热线工单导出（2026年11月）"]]), commit=False)
    assert [(e.row, e.column) for e in result.errors] == [(4, "联系电话")]


def test_files_that_are_not_exports_are_refused_with_a_reason(cast):
    with pytest.raises(BadInput, match="column headers"):
        run(cast, b"a,b\n1,2\n")
    with pytest.raises(BadInput, match=r"\.xls"):
        run(cast, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(BadInput, match="no data rows"):
        run(cast, xlsx([]))


def test_rows_outside_the_dispatchers_scope_are_refused(cast):
    result = run(cast, xlsx(GOOD), actor=cast.dispatcher)  # 榆次区; row 3 is in 太谷区's 东阳村
    assert [(e.row, e.column) for e in result.errors] == [(3, "属地")]
    assert "东阳村" in result.errors[0].message
    assert not Appeal.objects.exists()
    assert run(cast, xlsx([GOOD[0]]), actor=cast.handler_a).errors  # not a dispatcher at all


def test_the_command_imports_with_progress_and_refuses_bad_files(cast, tmp_path):
    good = tmp_path / "export.csv"
    good.write_bytes(csv_bytes(GOOD[:1], encoding="gb18030"))
    out = io.StringIO()
    call_command("appeals_import", str(good), "--user", "dispatcher", "--dry-run", stdout=out)
    assert "1/1" in out.getvalue() and not Appeal.objects.exists()
    call_command("appeals_import", str(good), "--user", "dispatcher", stdout=out)
    assert "Rows that name no unit go to 榆次区" in out.getvalue()
    assert Appeal.objects.get().created_by == cast.dispatcher
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([["X1", "", "", "", "", "t", "", "", "", ""]], header=["Ticket No"] + HEADER[1:]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("appeals_import", str(bad), "--user", "dispatcher", "--mapping", "Ticket No=external_id",
                     stdout=out)
    assert "Row 2, 诉求内容" in out.getvalue()


# --- the staff page -------------------------------------------------------------------------------

URL = "/appeals/staff/import/"


def upload(client, content, name="export.xlsx", headers=None, **data):
    return client.post(URL, {"step": "check", "file": SimpleUploadedFile(name, content), **data},
                       headers=headers or {"Accept-Language": "en"})


def test_a_dispatcher_checks_then_confirms_an_import(cast, client):
    client.force_login(cast.dispatcher)
    assert client.get(URL).status_code == 200
    rows = [GOOD[0], GOOD[2]]
    checked = upload(client, xlsx(rows), place=cast.yuci.pk)
    assert checked.status_code == 200 and checked.context["result"].dry_run
    assert not Appeal.objects.exists()
    token = checked.context["token"]
    assert token
    done = client.post(URL, {"step": "confirm", "token": token})
    assert done.context["result"].committed
    assert Appeal.objects.filter(channel=Channel.IMPORT, created_by=cast.dispatcher).count() == 2
    again = client.post(URL, {"step": "confirm", "token": token})
    assert again.context["problem"] and Appeal.objects.count() == 2


def test_the_page_lists_bad_rows_and_offers_no_import(cast, client):
    client.force_login(cast.dispatcher)
    bad = ["GD2", "2026-11-01 09:00", "王", "12345", "求助", "标题", "内容", "", "", ""]
    response = upload(client, xlsx([GOOD[0], bad]), place=cast.yuci.pk)
    page = response.content.decode()
    assert response.context["token"] is None
    assert "联系电话" in page and "or a landline with its area code" in page
    assert 'name="token"' not in page
    chosen = upload(client, xlsx([GOOD[0], bad]), place=cast.yuci.pk, good_rows_only="on")
    assert chosen.context["token"]
    client.post(URL, {"step": "confirm", "token": chosen.context["token"]})
    assert list(Appeal.objects.values_list("external_id", flat=True)) == ["GD20261101001"]


def test_only_dispatchers_reach_the_import_page(cast, client):
    client.force_login(cast.handler_a)
    assert client.get(URL).status_code == 403
    client.force_login(cast.resident)
    assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302


def test_the_page_cannot_place_rows_outside_the_dispatchers_units(cast, client):
    client.force_login(cast.dispatcher)
    response = upload(client, xlsx([GOOD[2]]), place=cast.taigu.pk)
    assert "place" in response.context["form"].errors
    assert not Appeal.objects.exists()
