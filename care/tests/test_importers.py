"""care.importers: the civil-affairs list from .xlsx — a dry run reports each bad cell by row and column
and changes nothing; a re-import updates by ID number and ends the categories the list no longer gives."""

import io
from datetime import date

import pytest
from django.utils import timezone
from openpyxl import Workbook

from care.importers import CareListImporter, parse_date, parse_fields
from care.models import CareMembership, Person
from care.tests.conftest import id_number
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

HEADER = ["name", "id_number", "phone", "address", "village", "grid", "category", "since", "source", "fields"]


def xlsx(rows, header=HEADER) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def row(name="王秀英", number=None, phone="13900001111", village="140702001001", category="独居老人",
        since="2024-03-01", fields="自理能力=半失能"):
    return [name, number or id_number(), phone, "顺城街12号", village, "", category, since, "", fields]


def test_dry_run_reports_rows_and_columns_and_changes_nothing(care):
    wrong_check = id_number()[:-1] + ("1" if id_number()[-1] != "1" else "2")
    report = CareListImporter(actor=care.cast.root).run(xlsx([
        row(),
        row(name="李四", number=wrong_check),
        row(name="张三", number=id_number(seq="013"), village="140799999999", category="外星人",
            fields="自理能力=很好"),
        row(name="赵五", number=id_number(seq="015"), since="明天", phone="12345"),
    ]), commit=False)
    assert not report.committed
    found = {(e.row, e.column) for e in report.errors}
    assert (3, "身份证号") in found
    assert {(4, "村（社区）"), (4, "包联类别")} <= found
    assert {(5, "起始日期"), (5, "电话")} <= found
    assert all(e.row != 2 for e in report.errors)
    assert "校验" in next(e.message for e in report.errors if e.row == 3)
    assert not Person.objects.exists() and not AuditEvent.objects.filter(verb__startswith="care.").exists()


def test_a_valid_dry_run_saves_nothing_and_the_import_saves(care):
    rows = [row(), row(category="低保", fields="证号=DB001；月保障金额（元）=680")]
    dry = CareListImporter(actor=care.cast.root).run(xlsx(rows), commit=False)
    assert dry.ok and not dry.committed and not Person.objects.exists()
    done = CareListImporter(actor=care.cast.root).run(xlsx(rows), commit=True)
    assert done.committed and done.outcomes == {"created": 1, "updated": 1}
    person = Person.objects.get()
    assert {m.category.code: m.values for m in person.memberships.all()} == {
        "solitary_elderly": {"adl": "半失能"}, "dibao": {"certificate": "DB001", "amount": 680}}


def test_reimport_updates_and_ends_a_category_the_list_no_longer_gives(care):
    CareListImporter(actor=care.cast.root).run(xlsx([row(), row(category="低保", fields="")]), commit=True)
    report = CareListImporter(actor=care.cast.root).run(
        xlsx([row(name="王秀英", phone="13900002222", fields="自理能力=失能")]), commit=True)
    assert report.committed, report.errors
    assert Person.objects.count() == 1
    person = Person.objects.get()
    assert person.phone == "13900002222"
    dibao = CareMembership.objects.get(category__code="dibao")
    assert dibao.until == timezone.localdate()  # ended, kept
    assert person.memberships.get(category__code="solitary_elderly").values == {"adl": "失能"}
    assert person.memberships.get(until__isnull=True).category.code == "solitary_elderly"


def test_a_village_outside_the_importers_scope_is_refused(care):
    from conftest import make_staff
    from orgs.models import Role

    taigu_admin = make_staff("taigu_admin", (Role.ADMIN, care.cast.taigu), root=care.cast.root)
    report = CareListImporter(actor=taigu_admin).run(xlsx([row()]), commit=True)
    assert not report.committed and report.errors[0].column == "村（社区）"
    assert not Person.objects.exists()


def test_dates_and_fields_as_offices_write_them():
    assert parse_date("2024/3/1") == date(2024, 3, 1) == parse_date("2024年3月1日") == parse_date("20240301")
    assert parse_date("2024-02-30") is None and parse_date("去年") is None
    assert parse_fields("自理能力＝半失能；子女居住地: 太原\n") == {"自理能力": "半失能", "子女居住地": "太原"}
    with pytest.raises(ValueError):
        parse_fields("半失能")
