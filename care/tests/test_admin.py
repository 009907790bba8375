"""care's admin: the categories and rules a city administrator edits (checked by the services), the
registry's xlsx import (dry run, then confirm) and masked export for administrators in their scope."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from care.models import CareCategory, Person, RiskRule
from care.tests.conftest import id_number, register
from care.tests.test_importers import row, xlsx
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def upload(rows):
    buffer = xlsx(rows)
    buffer.name = "民政名单.xlsx"
    return buffer


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_the_import_checks_then_confirms(county_admin_client, care, immediate_tasks,
                                         django_capture_on_commit_callbacks):
    """The list is checked, then imported, by the worker (core.jobs): each step a job whose page
    shows its progress and then the rows in error, or the button that starts the import."""
    url = reverse("admin:care_person_xlsx_import")
    wrong = id_number()[:-1] + ("1" if id_number()[-1] != "1" else "2")
    with django_capture_on_commit_callbacks(execute=True):
        response = county_admin_client.post(url, {"step": "check", "file": upload([row(number=wrong)])})
    assert response.status_code == 302
    page = county_admin_client.get(response["Location"])
    assert page.status_code == 200 and page.context["job"].state == "done"
    assert [e["row"] for e in page.context["result"]["errors"]] == [2]
    assert "校验" in page.content.decode() and not Person.objects.exists()
    assert "core:job_confirm" not in page.content.decode() and "import-ready" not in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = county_admin_client.post(url, {"step": "check", "file": upload([row()])})
    page = county_admin_client.get(response["Location"])
    assert page.context["result"]["rows"] == 1 and not page.context["result"]["errors"]
    assert "import-ready" in page.content.decode() and not Person.objects.exists()
    job = page.context["job"]
    with django_capture_on_commit_callbacks(execute=True):
        response = county_admin_client.post(reverse("core:job_confirm", args=[job.pk]))
    assert response.status_code == 302
    done = county_admin_client.get(response["Location"])
    assert done.context["job"].state == "done" and done.context["result"]["committed"]
    assert Person.objects.get().unit == care.cast.community
    # Confirming again starts nothing new: it leads to the import already started.
    again = county_admin_client.post(reverse("core:job_confirm", args=[job.pk]))
    assert again["Location"] == response["Location"] and Person.objects.count() == 1


def test_the_export_masks_personal_data(county_admin_client, care):
    register(care)
    response = county_admin_client.get(reverse("admin:care_person_xlsx_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [str(cell) for line in sheet.iter_rows(values_only=True) for cell in line]
    assert id_number() not in values and "13900001111" not in values and "王**" in values
    assert AuditEvent.objects.filter(verb="admin.export").exists()


def test_categories_and_rules_are_for_a_city_administrator(client, county_admin_client, care):
    assert county_admin_client.get(reverse("admin:care_carecategory_changelist")).status_code == 403
    care.cast.root.is_staff = True
    care.cast.root.save()
    client.force_login(care.cast.root)
    category = care.categories["dibao"]
    data = {"code": "dibao", "name": "低保", "fields": '[{"name": "amount", "label": "金额", "type": "money"}]',
            "checklist": "[]", "visit_days_high": 7, "visit_days_medium": 14, "visit_days_low": 60, "order": 70,
            "is_active": "on"}
    response = client.post(reverse("admin:care_carecategory_change", args=[category.pk]), data)
    assert response.status_code == 200  # the service refused the unknown type
    assert "money" not in str(CareCategory.objects.get(pk=category.pk).fields)
    data["fields"] = '[{"name": "amount", "label": "金额", "type": "number"}]'
    response = client.post(reverse("admin:care_carecategory_change", args=[category.pk]), data)
    assert response.status_code == 302
    assert CareCategory.objects.get(pk=category.pk).visit_days_low == 60
    assert AuditEvent.objects.filter(verb="care.category.update").exists()
    response = client.post(reverse("admin:care_riskrule_add"), {
        "category": category.pk, "subject": "age", "operator": "gte", "value": "八十", "level": "high",
        "is_active": "on"})
    assert response.status_code == 200 and not RiskRule.objects.filter(value="八十").exists()
