"""employment.importers: the graduates' list — a dry run lists each bad cell by row and column and saves
nothing; the import registers; importing again updates by ID number instead of duplicating."""

import io

from openpyxl import Workbook

from core.models import AuditEvent
from employment.importers import GraduateListImporter
from employment.models import Seeker
from employment.tests.conftest import id_number

HEADER = ["name", "id_number", "phone", "school", "major", "graduation_year", "education", "village", "skills",
          "wishes"]


def xlsx(rows) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def row(name="李思远", number=None, school="太原理工大学", year="2025", education="本科", village="140702001001"):
    return [name, number or id_number(), "13900003333", school, "软件工程", year, education, village, "Python",
            "软件测试"]


def test_a_dry_run_reports_rows_and_columns_and_saves_nothing(emp):
    wrong = id_number()[:-1] + ("1" if id_number()[-1] != "1" else "2")
    report = GraduateListImporter(actor=emp.counselor).run(xlsx([
        row(),
        row(name="王五", number=wrong),
        row(name="张三", number=id_number(seq="033"), year="25年", education="博士后", village="140799999999"),
        row(name="重复", number=id_number()),
        row(name="太谷人", number=id_number(seq="037"), village="140703100201"),
    ]), commit=False)
    found = {(e.row, e.column) for e in report.errors}
    # a bad check digit; a year, an education and a place not known; the same ID number again; a place
    # outside the counselor's county
    assert found == {(3, "身份证号"), (4, "毕业年份"), (4, "学历"), (4, "村（社区）"), (5, "身份证号"), (6, "村（社区）")}
    assert not report.committed and not Seeker.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="employment.seeker").exists()


def test_the_import_registers_and_a_second_import_updates(emp):
    first = GraduateListImporter(actor=emp.counselor).run(xlsx([row(), row(name="赵六", number=id_number(seq="039"))]),
                                                          commit=True)
    assert first.committed and first.outcomes == {"created": 2}
    seeker = Seeker.objects.get(name="李思远")
    assert seeker.registered_via == "import" and seeker.counselor == emp.counselor and seeker.kind == "graduate"
    again = GraduateListImporter(actor=emp.counselor).run(xlsx([row(school="山西大学")]), commit=True)
    assert again.outcomes == {"updated": 1} and Seeker.objects.count() == 2
    seeker.refresh_from_db()
    assert seeker.school == "山西大学"
