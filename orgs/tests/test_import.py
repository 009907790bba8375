"""Importing units and departments from .xlsx: all rows or none, every bad row named by its number."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from core.errors import BadInput
from core.models import AuditEvent
from orgs.importers import DepartmentImporter, UnitImporter
from orgs.models import Department, Level, Unit, UnitKind


def xlsx(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def headers(importer_class):
    return [str(column.label) for column in importer_class.columns if not column.export_only]


def unit_file(*rows):
    return xlsx([headers(UnitImporter), *rows])


def messages_by_row(report):
    found = {}
    for error in report.errors:
        found.setdefault(error.row, []).append(error)
    return found


def test_good_unit_file_imports_every_row_with_parents_from_the_same_file(cast):
    file = unit_file(
        ["140702002000", "榆次区锦纶街道", "锦纶街道", "township", "subdistrict", "140702000000", 37.68, 112.72],
        # The parent is the row above; level given as a Chinese alias, type inferred needs the type.
        ["140702002001", "锦纶社区", "", "村社区", "社区", "140702002000", None, None],
        # An existing unit is updated.
        ["140702001000", "榆次区北关街道", "北关", "township", "subdistrict", "140702000000", None, None],
        # Codes typed as numbers come back as text; a grid's level follows from its type.
        [140702002001001, "锦纶社区第一网格", "", "", "grid", 140702002001, None, None],
    )

    report = UnitImporter(actor=cast.admin).run(file, commit=True)

    assert report.errors == []
    assert report.committed
    assert report.outcomes == {"created": 3, "updated": 1}
    township = Unit.objects.get(code="140702002000")
    assert township.parent == cast.yuci and township.kind == UnitKind.SUBDISTRICT
    assert str(township.latitude) == "37.680000"
    community = Unit.objects.get(code="140702002001")
    assert community.parent == township and community.level == Level.VILLAGE
    assert community.path == "140700000000/140702000000/140702002000/140702002001/"
    assert Unit.objects.get(code="140702002001001").level == Level.GRID
    cast.beiguan.refresh_from_db()
    assert cast.beiguan.short_name == "北关"
    created = AuditEvent.objects.filter(verb="unit.create", actor=cast.admin)
    assert created.count() == 3


def test_file_with_bad_rows_lists_each_row_and_imports_nothing(cast):
    before = Unit.objects.count()
    file = unit_file(
        ["140702003000", "榆次区新华街道", "", "township", "subdistrict", "140702000000"],  # row 2: fine
        ["140702004000", "某街道", "", "township", "subdistrict", "140799000000"],  # row 3: no such parent
        ["1407020050", "短代码街道", "", "township", "subdistrict", "140702000000"],  # row 4: bad code
        ["140702006000", "", "", "planet", "", "140702000000"],  # row 5: no name, unknown level
        [None, None, None, None, None, None],  # an empty line is skipped
        ["140702003000", "重复", "", "township", "town", "140702000000"],  # row 7: code repeated
    )

    report = UnitImporter(actor=cast.root).run(file, commit=True)

    assert not report.committed
    assert Unit.objects.count() == before
    assert not Unit.objects.filter(code="140702003000").exists()  # the good row was not kept either
    rows = messages_by_row(report)
    assert sorted(rows) == [3, 4, 5, 7]
    labels = {column.key: str(column.label) for column in UnitImporter.columns}
    [parent_error] = rows[3]
    assert parent_error.column == labels["parent_code"] and "140799000000" in parent_error.message
    assert "1407020050" in rows[4][0].message  # the service's own reason (a code must be 12 digits)
    assert {error.column for error in rows[5]} == {labels["name"], labels["level"]}
    assert "planet" in " ".join(error.message for error in rows[5])
    assert rows[7][0].column == labels["code"] and "2" in rows[7][0].message
    assert report.bad_rows == 4


def test_a_parent_listed_below_its_child_is_explained(cast):
    file = unit_file(
        ["140702007001", "甲社区", "", "village", "community", "140702007000"],
        ["140702007000", "甲街道", "", "township", "subdistrict", "140702000000"],
    )
    report = UnitImporter(actor=cast.root).run(file, commit=True)
    [error] = report.errors
    assert error.row == 2 and "3" in error.message and "140702007000" in error.message


def test_dry_run_checks_everything_and_saves_nothing(cast):
    file = unit_file(["140702008000", "乙街道", "", "township", "subdistrict", "140702000000"])
    report = UnitImporter(actor=cast.root).run(file, commit=False)
    assert report.ok and report.outcomes == {"created": 1} and not report.committed
    assert not Unit.objects.filter(code="140702008000").exists()
    assert not AuditEvent.objects.filter(verb="unit.create", target_label="乙街道").exists()


def test_county_administrator_cannot_import_into_another_county(cast):
    file = unit_file(
        ["140702009000", "丙街道", "", "township", "subdistrict", "140702000000"],
        ["140703101000", "太谷某镇", "", "township", "town", "140703000000"],
        ["140703100000", "明星镇", "明星", "township", "town", "140703000000"],
    )
    report = UnitImporter(actor=cast.admin).run(file, commit=True)
    assert sorted(messages_by_row(report)) == [3, 4]
    assert not Unit.objects.filter(code="140702009000").exists()
    cast.mingxing.refresh_from_db()
    assert cast.mingxing.short_name == ""


def test_wrong_columns_give_one_clear_message(cast):
    file = xlsx([["区划代码X", "Name", "地址"], ["140702000000", "榆次区", "x"]])
    with pytest.raises(BadInput) as caught:
        UnitImporter(actor=cast.root).run(file, commit=True)
    message = str(caught.value.message)
    code_label = str(UnitImporter.columns[0].label)
    assert code_label in message  # the missing required column is named
    assert "区划代码X" in message and "地址" in message  # and so are the unknown ones


def test_not_an_xlsx_file_is_refused_clearly(cast):
    with pytest.raises(BadInput):
        UnitImporter(actor=cast.root).run(io.BytesIO(b"code,name\n1,2\n"), commit=True)


def test_template_is_a_workbook_whose_headers_the_importer_accepts(cast):
    importer = UnitImporter(actor=cast.root)
    content = importer.template()
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == headers(UnitImporter)
    assert len(workbook.worksheets) == 2  # the instructions sheet

    # Untouched, it has no rows: a clear message rather than an empty success.
    with pytest.raises(BadInput) as caught:
        importer.run(io.BytesIO(content), commit=True)
    assert str(UnitImporter.noun) in str(caught.value.message)  # "… one row per unit below the header row"

    sheet.append(["140702010000", "丁街道", "", "township", "subdistrict", "140702000000", "", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    report = importer.run(buffer, commit=True)
    assert report.committed and Unit.objects.filter(code="140702010000").exists()


def test_level_type_and_headers_are_read_in_any_site_language(cast):
    from django.utils import translation

    with translation.override("en"):
        english = headers(UnitImporter)
    file = xlsx([english, ["140702011000", "戊镇", "", "County / district", "Town (镇)", "140702000000"]])
    report = UnitImporter(actor=cast.root).run(file, commit=True)
    # "County / district" is a level but a town is not a county: the service says so, on row 2.
    assert {error.row for error in report.errors} == {2} and not report.committed
    file = xlsx([english, ["140702011000", "戊镇", "", "", "镇", "140702000000"]])
    report = UnitImporter(actor=cast.root).run(file, commit=True)
    assert report.committed
    assert Unit.objects.get(code="140702011000").level == Level.TOWNSHIP


def department_file(*rows):
    return xlsx([headers(DepartmentImporter), *rows])


def test_good_department_file_imports_and_updates(cast):
    file = department_file(
        ["140702-civil", "榆次区民政局", "榆次区民政局", "civil_affairs", "140702000000"],
        ["140703-edu", "太谷区教育局", "", "教育", 140703000000],
        ["140702-health", "榆次区卫生健康局", "榆次卫健", "health", "140702000000"],
    )
    report = DepartmentImporter(actor=cast.root).run(file, commit=True)
    assert report.errors == [] and report.outcomes == {"created": 2, "updated": 1}
    assert Department.objects.get(code="140703-edu").unit == cast.taigu
    cast.yuci_health.refresh_from_db()
    assert cast.yuci_health.short_name == "榆次卫健"


def test_department_file_with_bad_rows_imports_nothing(cast):
    labels = {column.key: str(column.label) for column in DepartmentImporter.columns}
    file = department_file(
        ["140702-sports", "榆次区体育局", "", "sports", "140702000000"],
        ["140702-x", "某局", "", "魔法", "140702000000"],  # unknown type
        ["140702-y", "某局", "", "health", "140799000000"],  # no such unit
        ["bad code!", "某局二", "", "health", "140702000000"],  # code with a space and !
        ["140702-z", "某局三", "", "health", "140702001000"],  # a township has no departments
        ["140702-w", "榆次区住房和城乡建设局", "", "housing", "140702000000"],  # name taken in the unit
    )
    report = DepartmentImporter(actor=cast.root).run(file, commit=True)
    rows = messages_by_row(report)
    assert sorted(rows) == [3, 4, 5, 6, 7]
    assert rows[3][0].column == labels["kind"]
    assert rows[4][0].column == labels["unit_code"] and "140799000000" in rows[4][0].message
    assert rows[5][0].column == labels["code"]
    assert rows[7][0].column == labels["name"]
    assert not Department.objects.filter(code="140702-sports").exists()
