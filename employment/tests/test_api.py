"""The employment API: the public jobs, a resident's own record, recommendations and 社保补贴 (applying with
the checklist, overlap refused), and staff's seekers and follow-ups in scope."""

from datetime import date

from accounts.apikeys import apikey_issue
from accounts.models import User, UserKind
from accounts.tokens import token_issue
from employment import services
from employment.models import SeekerStatus, SubsidyApplication
from employment.tests.conftest import graduate
from employment.tests.test_support import hard_to_employ, months_ago

BASE = "/api/v1/employment"


def bearer(emp, user):
    _token, clear = token_issue(actor=emp.cast.root, user=user, name="app")
    return {"HTTP_AUTHORIZATION": f"Bearer {clear}"}


def test_the_public_job_list_needs_only_a_credential(client, emp):
    _key, raw = apikey_issue(actor=emp.cast.root, organisation="招聘网", units=[emp.cast.yuci])
    body = client.get(f"{BASE}/jobs", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert {job["title"] for job in body["items"]} == {"软件测试工程师", "数据分析见习生", "仓库管理员"}
    assert client.get(f"{BASE}/jobs?kind=internship", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["count"] == 1
    assert client.get(f"{BASE}/jobs").status_code == 401


def test_a_resident_reads_their_own_record_and_recommendations(client, emp):
    user = User.objects.create_user(username="r-li", kind=UserKind.RESIDENT, phone="13900003333")
    auth = bearer(emp, user)
    assert client.get(f"{BASE}/me", **auth).status_code == 404
    seeker = graduate(emp, actor=user)
    body = client.get(f"{BASE}/me", **auth).json()
    assert body["id"] == seeker.pk and "*" in body["name"] and "*" in body["id_number"]
    assert [line["needed"] for line in body["ledger"]] == [1, 1, 3, 1]
    recs = client.get(f"{BASE}/me/recommendations", **auth).json()
    assert recs[0]["job"]["title"] == "软件测试工程师" and recs[0]["reasons"]
    # The nightly ranking, once stored, is what the API answers.
    services.suggestions_refresh()
    again = client.get(f"{BASE}/me/recommendations", **auth).json()
    assert [r["job"]["id"] for r in again] == [r["job"]["id"] for r in recs]
    # Staff endpoints are not a resident's.
    assert client.get(f"{BASE}/seekers", **auth).status_code == 403


def test_a_resident_checks_then_applies_for_the_subsidy_and_an_overlap_is_refused(client, emp,
                                                                                   hard_to_employ_category):
    seeker = hard_to_employ(emp, status=SeekerStatus.EMPLOYED)
    user = User.objects.create_user(username="r-zhao", kind=UserKind.RESIDENT, phone="13900004444")
    services.seeker_register(actor=user, data=services.SeekerData(
        name="赵建平", id_number=seeker.id_number, unit=emp.cast.community, kind=seeker.kind))
    auth = bearer(emp, user)
    body = {"form": "flexible", "first_month": f"{months_ago(2):%Y-%m}", "last_month": f"{months_ago(0):%Y-%m}",
            "monthly_amount": "480.50", "proof": "凭证 001"}
    check = client.post(f"{BASE}/me/subsidies", {**body, "check_only": True}, content_type="application/json", **auth)
    assert check.status_code == 200 and check.json()["eligible"] is True
    assert not SubsidyApplication.objects.exists()
    made = client.post(f"{BASE}/me/subsidies", body, content_type="application/json", **auth)
    assert made.status_code == 201 and made.json()["total"] == "1441.50" and made.json()["status"] == "submitted"
    again = client.post(f"{BASE}/me/subsidies", body, content_type="application/json", **auth)
    assert again.status_code == 400 and any("重复" in e or "twice" in e for e in again.json()["errors"])
    assert SubsidyApplication.objects.count() == 1
    listed = client.get(f"{BASE}/me/subsidies", **auth).json()
    assert [a["status"] for a in listed] == ["submitted"] and listed[0]["checks"]


def test_staff_list_only_the_seekers_and_follow_ups_of_their_scope(client, emp, hard_to_employ_category):
    seeker = hard_to_employ(emp)
    graduate(emp, seq="016", phone="13900005555")
    from employment.models import FollowUpDue

    FollowUpDue.objects.filter(seeker=seeker).update(due_on=date(2020, 1, 1))
    mine = client.get(f"{BASE}/seekers", **bearer(emp, emp.counselor)).json()
    assert mine["count"] == 2 and all("*" in s["id_number"] for s in mine["items"])
    due = client.get(f"{BASE}/follow-ups/due", **bearer(emp, emp.counselor)).json()
    assert [d["seeker"]["id"] for d in due] == [seeker.pk] and due[0]["overdue"] is True
    assert client.get(f"{BASE}/seekers", **bearer(emp, emp.taigu_counselor)).json()["count"] == 0
    assert client.get(f"{BASE}/follow-ups/due", **bearer(emp, emp.taigu_counselor)).json() == []


def test_the_openapi_document_lists_the_employment_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {f"{BASE}/jobs", f"{BASE}/me", f"{BASE}/me/subsidies", f"{BASE}/seekers"} <= set(paths)
