"""The follow-up and 社保补贴 pages as their users meet them: the counselor's overdue list and a follow-up
recorded, the seeker's application with its checklist on a phone, the reviewer's queue, a batch paid; and
the admin's rules saved through the service."""

from datetime import date, timedelta

from django.urls import reverse

from accounts.models import User, UserKind
from employment import services
from employment.models import EmploymentRules, FollowUp, FollowUpDue, SeekerStatus, SubsidyApplication, SubsidyStatus
from employment.tests.test_support import data, hard_to_employ, months_ago


def test_the_counselor_sees_who_is_overdue_and_records_a_follow_up(client, emp, hard_to_employ_category):
    seeker = hard_to_employ(emp)
    FollowUpDue.objects.filter(seeker=seeker).update(due_on=date.today() - timedelta(days=10))
    client.force_login(emp.counselor)
    page = client.get(reverse("employment:follow_ups") + "?overdue=1").content.decode()
    assert f'data-follow-up="{seeker.pk}"' in page and 'data-overdue="1"' in page
    detail = client.get(reverse("employment:seeker", args=[seeker.pk])).content.decode()
    assert "跟踪回访" in detail or "Follow-ups" in detail
    response = client.post(reverse("employment:follow_up_new", args=[seeker.pk]), {
        "way": "visit", "followed_on": date.today().isoformat(), "situation": "在社区做零工，收入不稳定",
        "needs": "", "next_step": "推荐公益性岗位"})
    assert response.status_code == 302
    assert FollowUp.objects.get().next_step == "推荐公益性岗位"
    assert FollowUpDue.objects.get(seeker=seeker).due_on == date.today() + timedelta(days=30)
    client.force_login(emp.taigu_counselor)
    assert f'data-follow-up="{seeker.pk}"' not in client.get(reverse("employment:follow_ups")).content.decode()
    assert client.get(reverse("employment:seeker", args=[seeker.pk])).status_code == 404


def test_a_seeker_applies_on_a_phone_and_a_refusal_keeps_what_they_typed(client, emp, hard_to_employ_category):
    seeker = hard_to_employ(emp, status=SeekerStatus.EMPLOYED)
    user = User.objects.create_user(username="r-zhao", kind=UserKind.RESIDENT, phone="13900004444")
    services.seeker_register(actor=user, data=services.SeekerData(
        name="赵建平", id_number=seeker.id_number, unit=emp.cast.community, kind=seeker.kind))
    client.force_login(user)
    url = reverse("employment:my_subsidies")
    page = client.get(url).content.decode()
    assert 'data-check="recognised" data-ok="1"' in page and 'data-check="employed" data-ok="1"' in page
    form = {"form": "flexible", "first_month": f"{months_ago(2):%Y-%m}", "last_month": f"{months_ago(0):%Y-%m}",
            "monthly_amount": "999", "proof": "凭证 001"}
    refused = client.post(url, form)
    assert refused.status_code == 200 and not SubsidyApplication.objects.exists()
    body = refused.content.decode()
    assert 'data-check="amount" data-ok="0"' in body and 'value="999"' in body and "凭证 001" in body
    assert client.post(url, {**form, "monthly_amount": "480"}).status_code == 302
    application = SubsidyApplication.objects.get()
    assert application.via == "self" and application.status == SubsidyStatus.SUBMITTED
    assert 'data-status="submitted"' in client.get(url).content.decode()


def test_the_reviewer_returns_approves_and_pays_a_batch(client, emp, hard_to_employ_category):
    seeker = hard_to_employ(emp, status=SeekerStatus.EMPLOYED)
    first = services.subsidy_apply(actor=emp.counselor, seeker=seeker, data=data(first=months_ago(5),
                                                                                   last=months_ago(4)))
    second = services.subsidy_apply(actor=emp.counselor, seeker=seeker, data=data(first=months_ago(2)))
    client.force_login(emp.counselor)
    queue = client.get(reverse("employment:subsidies")).content.decode()
    assert f'data-application="{first.pk}"' in queue and f'data-application="{second.pk}"' in queue
    refused = client.post(reverse("employment:subsidy_decide", args=[second.pk]), {"decision": "return", "reason": ""},
                          HTTP_REFERER=reverse("employment:subsidy", args=[second.pk]))
    assert refused.status_code == 302
    second.refresh_from_db()
    assert second.status == SubsidyStatus.SUBMITTED
    client.post(reverse("employment:subsidy_decide", args=[second.pk]), {"decision": "return", "reason": "凭证模糊"})
    client.post(reverse("employment:subsidy_decide", args=[first.pk]), {"decision": "approve", "reason": ""})
    approved = client.get(reverse("employment:subsidies") + "?status=approved").content.decode()
    assert f'name="application" value="{first.pk}"' in approved
    response = client.post(reverse("employment:subsidy_pay"), {"application": [first.pk], "paid_on":
                                                               date.today().isoformat(), "reference": "JZ-2026-07"})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == SubsidyStatus.PAID and first.payment.reference == "JZ-2026-07"
    assert second.status == SubsidyStatus.RETURNED and second.reason == "凭证模糊"
    # 太谷区's 人社 neither sees nor pays them.
    client.force_login(emp.taigu_counselor)
    assert client.get(reverse("employment:subsidy", args=[first.pk])).status_code == 404


def test_the_rules_are_edited_in_the_admin_through_the_service(client, emp):
    client.force_login(emp.cast.root)
    response = client.post(reverse("admin:employment_employmentrules_add"), {
        "follow_up_days_unemployed": 30, "follow_up_days_placed": 90, "subsidy_max_months": 24,
        "subsidy_years_before_retirement": 5, "retirement_age_male": 60, "retirement_age_female": 55,
        "subsidy_monthly_cap": "550.00"})
    assert response.status_code == 302
    assert EmploymentRules.objects.get().subsidy_max_months == 24
    from core.models import AuditEvent

    assert AuditEvent.objects.filter(verb="employment.rules.save").count() == 1
    bad = client.post(reverse("admin:employment_employmentrules_change", args=[EmploymentRules.objects.get().pk]), {
        "follow_up_days_unemployed": 30, "follow_up_days_placed": 90, "subsidy_max_months": 24,
        "subsidy_years_before_retirement": 5, "retirement_age_male": 60, "retirement_age_female": 55,
        "subsidy_monthly_cap": "0"})
    assert bad.status_code == 200 and EmploymentRules.objects.get().subsidy_monthly_cap > 0


def test_an_employer_is_verified_in_the_admin_through_the_service(client, emp):
    from employment.models import Employer
    from employment.tests.conftest import credit_code

    employer = services.employer_register(actor=emp.counselor, data=services.EmployerData(
        name="榆次区顺达物流有限公司", credit_code=credit_code("MA0K2C4D5"), unit=emp.cast.beiguan, contact_name="王海涛",
        contact_phone="13900006666"))
    emp.counselor.is_staff = True
    emp.counselor.save()
    client.force_login(emp.counselor)
    response = client.post(reverse("admin:employment_employer_change", args=[employer.pk]),
                           {"status": "verified", "decision_note": ""})
    assert response.status_code == 302
    employer.refresh_from_db()
    assert employer.status == "verified" and employer.decided_by == emp.counselor
    client.force_login(emp.taigu_counselor)
    assert client.get(reverse("admin:employment_employer_change", args=[employer.pk])).status_code in (302, 403, 404)
    assert Employer.objects.count() == 2
