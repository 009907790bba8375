"""The pages of employment: a resident registers and reads their 1131, an employer posts (and a form
refused keeps what was typed), the public list shows only what is public, a counselor serves a seeker,
人社 verifies employers and places the hard-to-employ; someone outside the scope is refused."""

from datetime import date, timedelta

import pytest

from accounts.models import User, UserKind
from core.models import AuditEvent
from employment.models import Employer, Posting, Seeker, ServiceKind, ServiceRecord
from employment.tests.conftest import credit_code, graduate, id_number


def test_the_public_list_shows_open_postings_of_verified_employers_only(client, emp):
    Posting.objects.filter(pk=emp.far_job.pk).update(closes_on=date.today() - timedelta(days=1))
    html = client.get("/employment/").content.decode()
    assert emp.job.title in html and emp.intern.title in html and emp.far_job.title not in html
    assert client.get(f"/employment/jobs/{emp.job.pk}/").status_code == 200
    assert client.get(f"/employment/jobs/{emp.far_job.pk}/").status_code == 404


def test_a_resident_registers_on_a_phone_and_reads_their_1131(client, emp):
    resident = User.objects.create_user(username="r-grad", kind=UserKind.RESIDENT, phone="13900009999")
    client.force_login(resident)
    assert client.get("/employment/me/").url == "/employment/me/register/"
    form = {"name": "周子轩", "id_number": id_number(seq="035"), "kind": "graduate", "education": "bachelor",
            "school": "太原理工大学", "major": "软件工程", "graduation_year": "2025", "skills": "Python 测试",
            "wishes": "软件测试", "unit": emp.cast.community.pk, "desired_place": "", "desired_salary": ""}
    response = client.post("/employment/me/register/", form)
    assert response.status_code == 302 and response.url == "/employment/me/"
    seeker = Seeker.objects.get(user=resident)
    assert seeker.phone == "13900009999" and seeker.registered_via == "self"
    html = client.get("/employment/me/").content.decode()
    assert "您的1131服务" in html and "缺 1 项" in html and "软件测试工程师" in html


def test_a_wrong_id_number_on_the_phone_keeps_what_was_typed(client, emp):
    resident = User.objects.create_user(username="r-grad", kind=UserKind.RESIDENT, phone="13900009999")
    client.force_login(resident)
    response = client.post("/employment/me/register/", {
        "name": "周子轩", "id_number": "140702200203150010", "kind": "other", "education": "none",
        "unit": emp.cast.community.pk, "skills": "电工"})
    html = response.content.decode()
    assert response.status_code == 200 and "身份证号校验位不正确" in html and "电工" in html
    assert not Seeker.objects.exists()


def test_an_employer_registers_and_its_posting_waits_for_verification(client, emp):
    hr = User.objects.create_user(username="r-hr3", kind=UserKind.RESIDENT, phone="13900001212")
    client.force_login(hr)
    bad = client.post("/employment/employer/", {"name": "晋中新材料有限公司", "credit_code": "91140702MA0K999990",
                                                "unit": emp.cast.beiguan.pk, "contact_name": "钱", "contact_phone":
                                                "13900001212"})
    assert "统一社会信用代码" in bad.content.decode() and "晋中新材料有限公司" in bad.content.decode()
    assert not Employer.objects.filter(name="晋中新材料有限公司").exists()
    client.post("/employment/employer/", {"name": "晋中新材料有限公司", "credit_code": credit_code("MA0K99999"),
                                          "unit": emp.cast.beiguan.pk, "contact_name": "钱",
                                          "contact_phone": "13900001212"})
    employer = Employer.objects.get(name="晋中新材料有限公司")
    form = {"kind": "job", "title": "材料检测员", "duties": "样品检测", "education": "college", "salary_min": "5000",
            "salary_max": "4000", "unit": emp.cast.community.pk, "headcount": "2",
            "closes_on": (date.today() - timedelta(days=2)).isoformat()}
    refused = client.post("/employment/employer/postings/new/", form).content.decode()
    assert "月薪范围颠倒了" in refused and "已过" in refused and "材料检测员" in refused
    assert not employer.postings.exists()
    form.update(salary_max="6000", closes_on=(date.today() + timedelta(days=9)).isoformat())
    assert client.post("/employment/employer/postings/new/", form).status_code == 302
    assert "已发布：材料检测员" in client.get("/employment/employer/").content.decode()
    assert "材料检测员" not in client.get("/employment/").content.decode()  # not verified yet


def test_a_counselor_records_services_and_recommends_from_the_seekers_page(client, emp):
    seeker = graduate(emp)
    client.force_login(emp.counselor)
    html = client.get(f"/employment/seekers/{seeker.pk}/").content.decode()
    assert "可推荐的岗位" in html and "技能与意向相符" in html and seeker.id_number not in html
    client.post(f"/employment/seekers/{seeker.pk}/service/", {"kind": "policy", "notes": "讲解政策",
                                                              "given_on": date.today().isoformat()})
    response = client.post(f"/employment/seekers/{seeker.pk}/recommend/", {"posting": emp.job.pk})
    assert response.status_code == 302
    record = ServiceRecord.objects.get(seeker=seeker, kind=ServiceKind.RECOMMENDATION)
    assert record.posting == emp.job and record.given_by == emp.counselor and record.reasons
    client.post(f"/employment/services/{record.pk}/outcome/", {"outcome": "applied"})
    record.refresh_from_db()
    assert record.outcome == "applied"
    assert AuditEvent.objects.filter(verb="employment.service.recommend", target_id=str(seeker.pk)).exists()


def test_staff_of_another_county_cannot_open_or_serve_the_seeker(client, emp):
    seeker = graduate(emp)
    client.force_login(emp.taigu_counselor)
    assert client.get(f"/employment/seekers/{seeker.pk}/").status_code == 404
    assert client.post(f"/employment/seekers/{seeker.pk}/service/", {"kind": "policy"}).status_code == 404
    assert not seeker.services.exists()
    assert seeker.masked_name not in client.get("/employment/seekers/").content.decode()


def test_a_resident_is_refused_the_staff_pages(client, emp, cast):
    client.force_login(cast.resident)
    assert client.get("/employment/seekers/").status_code == 403
    assert client.get("/employment/dashboard/").status_code == 403


@pytest.mark.parametrize("member", ["grid_worker", "handler_a", "dispatcher"])
def test_staff_without_an_employment_role_are_refused(client, emp, cast, member):
    client.force_login(getattr(cast, member))
    assert client.get("/employment/seekers/").status_code == 403
    assert client.get("/employment/employers/").status_code == 403


def test_the_counselor_verifies_an_employer_and_a_refusal_needs_a_reason(client, emp):
    pending = Employer.objects.create(name="待审核公司", credit_code=credit_code("MA0K33333"), unit=emp.cast.yuci,
                                      contact_name="孙", contact_phone="13900003434")
    client.force_login(emp.counselor)
    page = client.get("/employment/employers/").content.decode()
    # an employer is 认证 here, not 查验 as a volunteer's certificate is (a word's sense per app: msgctxt)
    assert "待审核公司" in page and "认证通过" in page and "不予认证" in page and "查验" not in page
    client.post(f"/employment/employers/{pending.pk}/decide/", {"decision": "refuse", "note": ""},
                HTTP_REFERER="/employment/employers/")
    pending.refresh_from_db()
    assert pending.status == "pending"
    client.post(f"/employment/employers/{pending.pk}/decide/", {"decision": "verify"})
    pending.refresh_from_db()
    assert pending.status == "verified" and pending.decided_by == emp.counselor
    client.force_login(emp.taigu_counselor)
    assert client.post(f"/employment/employers/{pending.pk}/decide/", {"decision": "verify"}).status_code == 404


def test_the_dashboard_gives_completion_by_county_and_school(client, emp, cast):
    graduate(emp)
    client.force_login(cast.leader)
    html = client.get("/employment/dashboard/").content.decode()
    assert "榆次区" in html and "太原理工大学" in html and "0.0%" in html


def test_an_ineligible_person_is_refused_a_public_welfare_post_with_the_reason(client, emp, hard_to_employ_category):
    from employment import services

    post = services.welfare_post_create(actor=emp.counselor, title="社区保洁", unit=emp.cast.community, term_months=6,
                                        monthly_subsidy=1500)
    seeker = graduate(emp)
    client.force_login(emp.counselor)
    response = client.post(f"/employment/welfare/{post.pk}/place/", {"id_number": seeker.id_number},
                           HTTP_REFERER=f"/employment/welfare/{post.pk}/", follow=True)
    assert "未在包联台账中认定为就业困难人员" in response.content.decode()
    assert not post.placements.exists()


def test_a_job_fair_page_registers_and_checks_in(client, emp):
    from employment import services

    seeker = graduate(emp)
    fair = services.fair_create(actor=emp.counselor, title="春风行动", unit=emp.cast.yuci, venue="人力资源市场",
                                held_on=date.today())
    client.force_login(emp.counselor)
    client.post(f"/employment/fairs/{fair.pk}/action/", {"action": "employer", "employer": emp.employer.pk})
    client.post(f"/employment/fairs/{fair.pk}/action/", {"action": "register", "id_number": seeker.id_number})
    registration = fair.registrations.get()
    client.post(f"/employment/fairs/{fair.pk}/action/", {"action": "check_in", "registration": registration.pk})
    registration.refresh_from_db()
    assert registration.checked_in_at is not None and fair.postings.count() == 3
    html = client.get(f"/employment/fairs/{fair.pk}/").content.decode()
    assert seeker.masked_name in html and "1</strong> 已签到" in html
