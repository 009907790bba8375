"""Importing staff and their roles from .xlsx."""

import io

import pytest
from openpyxl import Workbook

from accounts.importers import StaffImporter
from accounts.models import User
from core.crypto import blind_index
from core.errors import BadInput
from core.models import AuditEvent
from orgs.models import Membership, Role


def staff_file(*rows, header=None):
    workbook = Workbook()
    workbook.active.append(header or [str(c.label) for c in StaffImporter.columns if not c.export_only])
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


LABELS = {column.key: str(column.label) for column in StaffImporter.columns}


def test_good_staff_file_creates_accounts_and_roles(cast):
    file = staff_file(
        # username, display name, phone, unit code, department code, role, password
        ["wangfang", "王芳", "139 0035 1234", "140702001001", "", "grid_worker", "Shuncheng-2024!"],
        ["wangfang", "", "", "140702001000", "", "网格员", ""],  # a second role for the same account
        ["lijun", "李军", "", "", "140702-health", "承办人", ""],
        ["handler_b", "", "", "", "140702-health", "handler", ""],  # an existing account gains a role
        ["newadmin", "赵敏", "", "140702000000", "", "系统管理员", ""],
    )

    report = StaffImporter(actor=cast.admin).run(file, commit=True)

    assert report.errors == []
    assert report.outcomes == {"created": 3, "updated": 2}
    wang = User.objects.get(username="wangfang")
    assert wang.display_name == "王芳" and wang.phone == "13900351234"
    assert wang.phone_index == blind_index("13900351234")
    assert wang.check_password("Shuncheng-2024!")
    assert {(m.role, m.unit) for m in wang.memberships.all()} == {
        (Role.GRID_WORKER, cast.community), (Role.GRID_WORKER, cast.beiguan)}
    li = User.objects.get(username="lijun")
    assert not li.has_usable_password()
    assert li.memberships.get().department == cast.yuci_health
    assert Membership.objects.filter(user=cast.handler_b, department=cast.yuci_health).exists()
    assert User.objects.get(username="newadmin").is_staff  # an administrator can open the admin
    assert AuditEvent.objects.filter(verb="membership.grant", actor=cast.admin).count() == 5


def test_bad_staff_rows_are_each_listed_and_nothing_is_imported(cast):
    before = (User.objects.count(), Membership.objects.count())
    file = staff_file(
        ["zhaolei", "赵磊", "", "140702001001", "", "grid_worker", ""],  # row 2: fine
        ["qianli", "钱力", "", "140702001001", "", "魔法师", ""],  # row 3: no such role
        ["sunli", "孙丽", "", "140702001001", "140702-health", "handler", ""],  # row 4: both places
        ["zhouyu", "周瑜", "12345", "140702001001", "", "handler", ""],  # row 5: not a mobile number
        ["wuhao", "吴浩", "", "140703100201", "", "grid_worker", ""],  # row 6: 太谷区, outside the scope
        ["taigu_handler", "", "", "140702001001", "", "handler", ""],  # row 7: holds roles in 太谷区
        ["zhengjie", "郑杰", "", "", "", "handler", "123"],  # row 8: no place; a weak password
        ["zhaolei", "赵雷", "", "140702001000", "", "grid_worker", ""],  # row 9: another name for row 2's user
    )

    report = StaffImporter(actor=cast.admin).run(file, commit=True)

    assert (User.objects.count(), Membership.objects.count()) == before
    assert not User.objects.filter(username="zhaolei").exists()
    by_row = {}
    for error in report.errors:
        by_row.setdefault(error.row, set()).add(error.column)
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 9]
    assert by_row[3] == {LABELS["role"]}
    assert by_row[4] == {LABELS["department_code"]}
    assert by_row[5] == {LABELS["phone"]}
    assert by_row[6] == {""}  # the service refuses: outside the administrator's scope
    assert by_row[7] == {LABELS["username"]}
    assert by_row[8] == {LABELS["unit_code"], LABELS["password"]}
    assert by_row[9] == {LABELS["display_name"]}


def test_a_masked_phone_from_an_export_keeps_the_number(cast):
    cast.grid_worker.phone = "13700137000"
    cast.grid_worker.phone_index = blind_index("13700137000")
    cast.grid_worker.save()
    file = staff_file(["grid", "网格员小张", "137****7000", "140702001001", "", "grid_worker", ""])
    report = StaffImporter(actor=cast.admin).run(file, commit=True)
    assert report.committed
    cast.grid_worker.refresh_from_db()
    assert cast.grid_worker.phone == "13700137000" and cast.grid_worker.display_name == "网格员小张"


def test_a_residents_account_cannot_be_turned_into_staff(cast):
    file = staff_file(["r-resident", "", "", "140702001001", "", "grid_worker", ""])
    report = StaffImporter(actor=cast.root).run(file, commit=True)
    assert [error.column for error in report.errors] == [LABELS["username"]]
    cast.resident.refresh_from_db()
    assert cast.resident.is_resident


def test_staff_file_without_the_role_column_is_refused(cast):
    header = [LABELS[key] for key in ("username", "display_name", "unit_code")]
    with pytest.raises(BadInput) as caught:
        StaffImporter(actor=cast.root).run(staff_file(["a", "b", "c"], header=header), commit=True)
    assert LABELS["role"] in str(caught.value.message)
