"""The admin of 志愿服务: skills are the city's (city administrators), organisations each administrator's
scope; a save goes through the services, so a wrong 统一社会信用代码 is an error on the form."""

from core.models import AuditEvent
from volunteers.models import Organisation


def test_a_county_administrator_adds_an_organisation_and_a_wrong_credit_code_is_refused(county_admin_client, vol):
    url = "/admin/volunteers/organisation/add/"
    form = {"name": "榆次区阳光社会工作服务中心", "kind": "agency", "credit_code": "911100006000373410",
            "unit": vol.cast.yuci.pk, "contact": "0354-1234567", "is_active": "on"}
    response = county_admin_client.post(url, form)
    assert response.status_code == 200 and "统一社会信用代码" in response.content.decode()
    assert not Organisation.objects.filter(name=form["name"]).exists()
    response = county_admin_client.post(url, {**form, "credit_code": "91110000600037341L"})
    assert response.status_code == 302
    assert Organisation.objects.get(name=form["name"]).credit_code == "91110000600037341L"
    assert AuditEvent.objects.filter(verb="volunteers.organisation.create").count() == 2  # the fixture's team too
    assert county_admin_client.get("/admin/volunteers/skill/").status_code == 403  # the city's list


def test_a_city_administrator_keeps_the_skills(root_client, skills):
    response = root_client.post("/admin/volunteers/skill/add/", {"code": "sign_language", "name": "手语翻译",
                                                                 "order": 130, "is_active": "on"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(verb="volunteers.skill.create").exists()
