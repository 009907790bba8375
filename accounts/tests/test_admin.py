"""The admin for accounts and roles: masked phones, scoped lists, saves through the services."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from core.crypto import blind_index
from core.models import AuditEvent
from orgs.models import Membership, Role


def give_phone(user, phone):
    user.phone, user.phone_index = phone, blind_index(phone)
    user.save()


def inline_data(*rows, initial=0):
    data = {"memberships-TOTAL_FORMS": str(len(rows)), "memberships-INITIAL_FORMS": str(initial),
            "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000"}
    for index, row in enumerate(rows):
        data.update({f"memberships-{index}-{key}": value for key, value in row.items()})
    return data


def test_account_pages_load_for_a_superuser(root_client, cast):
    for url in [
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_add"),
        reverse("admin:accounts_user_change", args=[cast.handler_a.pk]),
        reverse("admin:accounts_user_change", args=[cast.resident.pk]),
        reverse("admin:orgs_membership_changelist"),
        reverse("admin:orgs_membership_add"),
        reverse("admin:accounts_user_xlsx_import"),
        reverse("admin:orgs_membership_xlsx_import"),
    ]:
        assert root_client.get(url).status_code == 200, url


def test_user_list_shows_phones_masked_only(root_client, cast):
    give_phone(cast.handler_a, "13912345678")
    page = root_client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "139****5678" in page and "138****8000" in page
    assert "13912345678" not in page and "13800138000" not in page
    change = root_client.get(reverse("admin:accounts_user_change", args=[cast.handler_a.pk])).content.decode()
    assert "139****5678" in change and "13912345678" not in change


def test_searching_by_phone_finds_the_account(root_client, cast):
    give_phone(cast.handler_a, "13912345678")
    response = root_client.get(reverse("admin:accounts_user_changelist"), {"q": "139 1234 5678"})
    assert list(response.context["cl"].result_list) == [cast.handler_a]


def test_county_administrator_sees_staff_of_their_county_only(county_admin_client, cast):
    users = set(county_admin_client.get(reverse("admin:accounts_user_changelist")).context["cl"].result_list)
    assert {cast.grid_worker, cast.handler_a, cast.handler_b, cast.dispatcher, cast.admin} <= users
    assert not users & {cast.taigu_handler, cast.taigu_supervisor, cast.city_supervisor, cast.root, cast.resident}
    memberships = county_admin_client.get(reverse("admin:orgs_membership_changelist")).context["cl"].result_list
    assert {m.user for m in memberships} == {cast.grid_worker, cast.handler_a, cast.handler_b, cast.dispatcher,
                                             cast.admin}


def test_creating_staff_with_a_role_goes_through_the_services(county_admin_client, cast):
    data = {"username": "wangfang", "display_name": "王芳", "email": "", "new_phone": "13900351234",
            "new_password": "Shuncheng-2024!", "is_active": "on",
            **inline_data({"unit": cast.community.pk, "role": Role.GRID_WORKER})}
    response = county_admin_client.post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    user = User.objects.get(username="wangfang")
    assert user.phone == "13900351234" and user.check_password("Shuncheng-2024!")
    assert user.memberships.get().unit == cast.community
    assert AuditEvent.objects.filter(verb="staff.create", actor=cast.admin, target_id=str(user.pk)).exists()
    assert AuditEvent.objects.filter(verb="membership.grant", actor=cast.admin).exists()


def test_a_role_outside_the_scope_is_a_form_error(county_admin_client, cast):
    data = {"username": "wuhao", "display_name": "吴浩", "email": "", "new_phone": "", "new_password": "",
            "is_active": "on", **inline_data({"unit": cast.village.pk, "role": Role.GRID_WORKER})}
    response = county_admin_client.post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 200
    assert not User.objects.filter(username="wuhao").exists()


def test_bad_phone_is_a_form_error(root_client, cast):
    data = {"username": "zhouyu", "display_name": "", "email": "", "new_phone": "12345", "new_password": "",
            "is_active": "on", **inline_data()}
    response = root_client.post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["new_phone"]


def test_county_administrator_cannot_change_someone_holding_a_city_role(county_admin_client, cast):
    from orgs.services import membership_grant

    membership_grant(actor=cast.root, user=cast.handler_a, role=Role.SUPERVISOR, unit=cast.city)
    response = county_admin_client.post(reverse("admin:accounts_user_change", args=[cast.handler_a.pk]), {
        "username": "handler_a", "new_password": "Another-Secret-99", **inline_data()})
    assert response.status_code == 403
    cast.handler_a.refresh_from_db()
    assert not cast.handler_a.check_password("Another-Secret-99")


def test_revoking_a_role_in_the_admin_is_audited(root_client, cast):
    membership = cast.dispatcher.memberships.get()
    response = root_client.post(reverse("admin:orgs_membership_delete", args=[membership.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(verb="membership.revoke", actor=cast.root).exists()


def test_staff_export_masks_phones(root_client, cast):
    give_phone(cast.handler_a, "13912345678")
    response = root_client.post(reverse("admin:accounts_user_changelist"), {
        "action": "export_xlsx", "_selected_action": [cast.handler_a.pk, cast.grid_worker.pk]})
    assert response.status_code == 200
    rows = [[cell.value for cell in row] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]
    flat = [str(value) for row in rows for value in row]
    assert "139****5678" in flat and "13912345678" not in flat
    assert {row[0] for row in rows[1:]} == {"handler_a", "grid"}
    assert "140702-health" in flat and cast.community.code in flat

    response = root_client.get(reverse("admin:orgs_membership_xlsx_export"))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + Membership.objects.count()
    assert "13912345678" not in {str(value) for row in rows for value in row}
