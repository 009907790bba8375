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


def test_the_import_checks_then_confirms(county_admin_client, care):
    url = reverse("admin:care_person_xlsx_import")
    wrong = id_number()[:-1] + ("1" if id_number()[-1] != "1" else "2")
    response = county_admin_client.post(url, {"step": "check", "file": upload([row(number=wrong)])})
    assert response.status_code == 200 and [e.row for e in response.context["report"].errors] == [2]
    assert "校验" in response.content.decode()
    response = county_admin_client.post(url, {"step": "check", "file": upload([row()])})
    assert response.context["report"].ok and not Person.objects.exists()
    response = county_admin_client.post(url, {"step": "confirm", "token": response.context["token"]})
    assert response.status_code == 302
    assert Person.objects.get().unit == care.cast.community


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
