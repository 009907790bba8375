"""The admin for units and departments: pages load, lists are scoped, saves go through the
services, and the xlsx import/export work from the changelist."""

import io

from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.models import AuditEvent
from orgs.importers import DepartmentImporter, UnitImporter
from orgs.models import Department, Unit


def xlsx_upload(importer_class, *rows, name="data.xlsx"):
    workbook = Workbook()
    workbook.active.append([str(column.label) for column in importer_class.columns if not column.export_only])
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def sheet_rows(response):
    workbook = load_workbook(io.BytesIO(response.content))
    return [[cell.value for cell in row] for row in workbook.worksheets[0].iter_rows()]


def test_admin_pages_load_for_a_superuser(root_client, cast):
    urls = [
        reverse("admin:index"),
        reverse("admin:orgs_unit_changelist"),
        reverse("admin:orgs_unit_changelist") + "?level__exact=county&q=榆次",
        reverse("admin:orgs_unit_add"),
        reverse("admin:orgs_unit_change", args=[cast.beiguan.pk]),
        reverse("admin:orgs_department_changelist"),
        reverse("admin:orgs_department_add"),
        reverse("admin:orgs_department_change", args=[cast.yuci_health.pk]),
        reverse("admin:orgs_unit_xlsx_import"),
        reverse("admin:orgs_department_xlsx_import"),
        reverse("admin:core_auditevent_changelist"),
        reverse("admin:core_auditevent_change", args=[AuditEvent.objects.first().pk]),
    ]
    for url in urls:
        response = root_client.get(url)
        assert response.status_code == 200, url
    changelist = root_client.get(reverse("admin:orgs_unit_changelist")).content.decode()
    assert reverse("admin:orgs_unit_xlsx_import") in changelist
    assert reverse("admin:orgs_unit_xlsx_export") in changelist


def test_audit_trail_is_read_only(root_client):
    assert root_client.get(reverse("admin:core_auditevent_add")).status_code == 403
    event = AuditEvent.objects.first()
    response = root_client.post(reverse("admin:core_auditevent_change", args=[event.pk]), {"verb": "forged"})
    assert response.status_code == 403
    assert root_client.get(reverse("admin:core_auditevent_delete", args=[event.pk])).status_code == 403


def test_county_administrator_sees_only_their_county(county_admin_client, cast):
    response = county_admin_client.get(reverse("admin:orgs_unit_changelist"))
    assert response.status_code == 200
    shown = set(response.context["cl"].result_list)
    assert {cast.yuci, cast.beiguan, cast.community} == shown
    assert "太谷区" not in response.content.decode()
    response = county_admin_client.get(reverse("admin:orgs_unit_change", args=[cast.taigu.pk]))
    assert response.status_code == 302  # "does not exist" rather than another county's data
    departments = county_admin_client.get(reverse("admin:orgs_department_changelist")).context["cl"].result_list
    assert set(departments) == {cast.yuci_health, cast.yuci_housing}


def test_staff_without_the_administrator_role_cannot_use_the_admin(client, cast):
    cast.dispatcher.is_staff = True
    cast.dispatcher.save()
    client.force_login(cast.dispatcher)
    assert client.get(reverse("admin:orgs_unit_changelist")).status_code == 403


def test_saving_a_unit_goes_through_the_service(root_client, cast):
    data = {"code": "140702002000", "name": "锦纶街道", "short_name": "", "level": "township",
            "kind": "subdistrict", "parent": cast.yuci.pk, "latitude": "", "longitude": "", "is_active": "on"}
    response = root_client.post(reverse("admin:orgs_unit_add"), data)
    assert response.status_code == 302
    unit = Unit.objects.get(code="140702002000")
    assert unit.path == cast.yuci.path + "140702002000/"
    assert AuditEvent.objects.filter(verb="unit.create", target_id=str(unit.pk), actor=cast.root).exists()


def test_a_rule_the_service_enforces_shows_as_a_form_error(root_client, cast):
    data = {"code": "140702003000", "name": "错层级", "short_name": "", "level": "township",
            "kind": "subdistrict", "parent": cast.taigu.pk, "latitude": "1", "longitude": "", "is_active": "on"}
    # A township under a county is fine; coordinates must come in pairs (a rule of unit_validate).
    response = root_client.post(reverse("admin:orgs_unit_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert not Unit.objects.filter(code="140702003000").exists()


def test_county_administrator_cannot_add_a_unit_in_another_county(county_admin_client, cast):
    data = {"code": "140703101000", "name": "太谷某镇", "short_name": "", "level": "township", "kind": "town",
            "parent": cast.taigu.pk, "latitude": "", "longitude": "", "is_active": "on"}
    response = county_admin_client.post(reverse("admin:orgs_unit_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert not Unit.objects.filter(code="140703101000").exists()


def test_saving_a_department_goes_through_the_service(county_admin_client, cast):
    data = {"code": "140702-civil", "name": "榆次区民政局", "short_name": "", "kind": "civil_affairs",
            "unit": cast.yuci.pk, "is_active": "on"}
    response = county_admin_client.post(reverse("admin:orgs_department_add"), data)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(verb="department.create", actor=cast.admin).exists()
    data.update(code="140703-civil", name="太谷区民政局", unit=cast.taigu.pk)
    response = county_admin_client.post(reverse("admin:orgs_department_add"), data)
    assert response.status_code == 200
    assert not Department.objects.filter(code="140703-civil").exists()


def test_template_download_is_an_xlsx_the_importer_accepts(root_client):
    response = root_client.get(reverse("admin:orgs_unit_xlsx_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert sheet_rows(response)[0] == [str(c.label) for c in UnitImporter.columns if not c.export_only]


def test_import_through_the_admin_checks_then_confirms(root_client, cast):
    url = reverse("admin:orgs_unit_xlsx_import")
    bad = xlsx_upload(UnitImporter, ["140702002000", "锦纶街道", "", "township", "subdistrict", "140702000000"],
                      ["140702002001", "锦纶社区", "", "village", "community", "140799000000"])
    response = root_client.post(url, {"step": "check", "file": bad})
    assert response.status_code == 200
    report = response.context["report"]
    assert [error.row for error in report.errors] == [3]
    page = response.content.decode()
    assert "140799000000" in page and "import-errors" in page
    assert not Unit.objects.filter(code="140702002000").exists()

    good = xlsx_upload(UnitImporter, ["140702002000", "锦纶街道", "", "township", "subdistrict", "140702000000"])
    response = root_client.post(url, {"step": "check", "file": good})
    assert response.context["report"].ok and not Unit.objects.filter(code="140702002000").exists()
    token = response.context["token"]
    response = root_client.post(url, {"step": "confirm", "token": "forged"})
    assert response.status_code == 200 and not Unit.objects.filter(code="140702002000").exists()
    response = root_client.post(url, {"step": "confirm", "token": token})
    assert response.status_code == 302 and response.url == reverse("admin:orgs_unit_changelist")
    assert Unit.objects.get(code="140702002000").parent == cast.yuci


def test_import_with_wrong_columns_shows_one_message(root_client):
    workbook = Workbook()
    workbook.active.append(["foo", "bar"])
    workbook.active.append(["1", "2"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "wrong.xlsx"
    response = root_client.post(reverse("admin:orgs_department_xlsx_import"), {"step": "check", "file": buffer})
    assert response.status_code == 200
    problem = response.context["problem"]
    assert "foo" in problem and str(DepartmentImporter.columns[0].label) in problem
    assert response.context["report"] is None


def test_export_whole_scoped_list_and_selected_rows(county_admin_client, cast):
    response = county_admin_client.get(reverse("admin:orgs_unit_xlsx_export"))
    assert response.status_code == 200
    rows = sheet_rows(response)
    codes = {row[0] for row in rows[1:]}
    assert codes == {cast.yuci.code, cast.beiguan.code, cast.community.code}

    response = county_admin_client.post(reverse("admin:orgs_department_changelist"), {
        "action": "export_xlsx", "_selected_action": [cast.yuci_health.pk]})
    assert response.status_code == 200
    rows = sheet_rows(response)
    assert [row[0] for row in rows[1:]] == ["140702-health"]

    # An export is a valid import: the same headers, extra columns ignored.
    workbook = load_workbook(io.BytesIO(response.content))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    report = DepartmentImporter(actor=cast.admin).run(buffer, commit=True)
    assert report.errors == [] and report.outcomes == {"updated": 1}
