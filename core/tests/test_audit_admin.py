"""The one audit view (core.admin.AuditEventAdmin): in Chinese, every verb by its label; filtered by
who, what, when and whose data; exported to xlsx masked (and the export itself audited); the
personal-data views and exports of appeals in it; read by a superuser and a city administrator,
a county administrator seeing their county's staff only. The admin index has no English section."""

import io
import re

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from openpyxl import load_workbook

from appeals.models import Action, AppealEvent
from appeals.services import appeal_accept, appeal_dispatch
from appeals.tests.conftest import new_appeal
from conftest import make_staff
from core.audit import audit_record
from core.models import AuditEvent
from orgs.models import Role

PHONE = "13912345678"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def personal(cast):
    appeal = new_appeal(cast, title=f"下水道堵了，回电{PHONE}", contact_name="欧阳娜娜", contact_phone=PHONE)
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    appeal_accept(actor=cast.handler_a, appeal=appeal)
    return appeal


@pytest.fixture
def unmasked(client, cast, personal):
    """handler_a looks at the resident's details on the appeal page and exports their queue."""
    client.force_login(cast.handler_a)
    assert client.post(reverse("appeals:staff_unmask", args=[personal.code])).status_code == 200
    assert client.get(reverse("appeals:staff_export") + "?queue=all").status_code == 200
    client.logout()
    return personal


def rows_of(response):
    return [[cell.value for cell in row] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]


def changelist(client, query=""):
    response = client.get(reverse("admin:core_auditevent_changelist") + query)
    assert response.status_code == 200
    return response, list(response.context["cl"].result_list)


def test_personal_data_views_and_exports_reach_the_audit_trail(cast, unmasked):
    view = AuditEvent.objects.get(verb="appeals.unmask")
    assert (view.actor, view.target_type, view.target_id) == (cast.handler_a, "appeals.appeal", str(unmasked.pk))
    assert view.target_label == unmasked.code  # not the title, which holds a phone number
    export = AuditEvent.objects.get(verb="appeals.export")
    assert export.actor == cast.handler_a and export.data["rows"] == 1 and "queue=all" in export.data["query"]
    # The appeal's own timeline is as it was: one unmask step, not shown to the resident.
    assert list(AppealEvent.objects.filter(appeal=unmasked, action=Action.UNMASK).values_list("public", flat=True)) \
        == [False]


def test_the_list_reads_in_chinese_with_labels_not_codes(client, cast, unmasked):
    audit_record(actor=cast.root, verb="dispatch.topic.create", target=None, label="供暖")
    client.force_login(cast.root)
    response, _rows = changelist(client)
    page = response.content.decode()
    assert "创建每月一题" in page and "查看居民个人信息" in page
    cells = re.findall(r'<td class="field-action">(?:<a [^>]*>)?([^<]*)<', page)
    assert cells and all(CJK.search(cell) for cell in cells)
    assert PHONE not in page


def test_filters_who_what_when_and_whose_data(client, cast, unmasked):
    client.force_login(cast.root)
    _response, rows = changelist(client, "?verb=appeals.unmask")
    assert [row.verb for row in rows] == ["appeals.unmask"]
    _response, rows = changelist(client, f"?actor__id__exact={cast.handler_a.pk}")
    assert {row.verb for row in rows} == {"appeals.unmask", "appeals.export"}
    _response, rows = changelist(client, "?target_type=appeals.appeal")
    assert {row.verb for row in rows} == {"appeals.unmask"}
    _response, rows = changelist(client, "?created_at__year=2000")
    assert rows == []
    # Whose data: by the appeal's code, or by the resident's phone number however it is typed.
    for term in [unmasked.code, "139 1234 5678", "+86 13912345678"]:
        _response, rows = changelist(client, f"?q={term.replace('+', '%2B').replace(' ', '+')}")
        assert [row.verb for row in rows] == ["appeals.unmask"], term


def test_the_export_is_masked_labelled_and_itself_audited(client, cast, unmasked):
    audit_record(actor=cast.root, verb="test.free_text", target=None, data={"note": f"回电 {PHONE}"})
    client.force_login(cast.root)
    response = client.get(reverse("admin:core_auditevent_xlsx_export") + f"?actor__id__exact={cast.root.pk}"
                          "&verb=test.free_text")
    assert response.status_code == 200
    rows = rows_of(response)
    assert len(rows) == 2 and "139****5678" in rows[1][-1] and PHONE not in str(rows)
    response = client.get(reverse("admin:core_auditevent_xlsx_export") + "?verb=appeals.unmask")
    rows = rows_of(response)
    header, row = rows
    assert row[header.index("操作")] == "查看居民个人信息" and row[header.index("操作代码")] == "appeals.unmask"
    assert "phone_index" not in str(rows) and unmasked.contact_phone_index not in str(rows)
    exports = AuditEvent.objects.filter(verb="admin.export", actor=cast.root)
    assert exports.count() == 2 and exports.first().data["model"] == "core.auditevent"


def test_a_county_administrator_reads_their_countys_staff_only(client, cast, unmasked):
    taigu_admin = make_staff("taigu_admin", (Role.ADMIN, cast.taigu), root=cast.root)
    audit_record(actor=taigu_admin, verb="test.taigu", target=None)
    cast.admin.refresh_from_db()
    client.force_login(cast.admin)
    _response, rows = changelist(client)
    assert {row.actor for row in rows} <= {cast.handler_a, cast.dispatcher, cast.admin}
    assert {"appeals.unmask", "appeals.export"} <= {row.verb for row in rows}
    assert not any(row.verb == "test.taigu" or row.actor == cast.root for row in rows)
    other = AuditEvent.objects.get(verb="test.taigu")
    assert client.get(reverse("admin:core_auditevent_change", args=[other.pk])).status_code == 302

    city_admin = make_staff("city_admin", (Role.ADMIN, cast.city), root=cast.root)
    client.force_login(city_admin)
    _response, rows = changelist(client)
    assert len(rows) == min(AuditEvent.objects.count(), 50)


def test_staff_who_are_not_administrators_cannot_read_it(client, cast):
    cast.handler_a.is_staff = True
    cast.handler_a.save()
    client.force_login(cast.handler_a)
    assert client.get(reverse("admin:core_auditevent_changelist")).status_code == 403


# The INSTALLED_APPS lines the settings take (see core/apps.py); a no-op once they are in.
RENAMED_APPS = {"axes": "core.apps.AxesConfig", "django_tasks_db": "core.apps.TasksDatabaseConfig"}


def test_the_admin_index_has_no_english_section_names(client, cast, settings):
    settings.INSTALLED_APPS = [RENAMED_APPS.get(app, app) for app in django_settings.INSTALLED_APPS]
    client.force_login(cast.root)
    response = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    names = [app["name"] for app in response.context["app_list"]]
    names += [model["name"] for app in response.context["app_list"] for model in app["models"]]
    english = [name for name in names if not CJK.search(str(name))]
    assert english == []
    page = response.content.decode()
    for name in ["Axes", "Access attempts", "Tasks Database Backend", "Task results"]:
        assert name not in page
