"""Following up the hard-to-employ (schedule, overdue lists, the 包联 person's view, a need filed as a demand)
and 社保补贴 (the eligibility checklist, overlap refused, review, payment, scope)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from care import services as care_services
from care.models import CareCategory, CarerRole, Source
from core.errors import BadInput, InvalidTransition, NotAllowed
from employment import eligibility, selectors, services
from employment.models import (
    ContactWay,
    EmploymentRules,
    FollowUpDue,
    SeekerKind,
    SeekerStatus,
    SubsidyApplication,
    SubsidyForm,
    SubsidyStatus,
)
from employment.tests.conftest import id_number

THIS_MONTH = date.today().replace(day=1)


def months_ago(n: int) -> date:
    day = THIS_MONTH
    for _ in range(n):
        day = (day - timedelta(days=1)).replace(day=1)
    return day


def hard_to_employ(emp, *, birth="19800610", seq="021", recognised=True, name="赵建平", since_days=400,
                   status=None):
    number = id_number(birth=birth, seq=seq)
    seeker = services.seeker_register(actor=emp.counselor, counselor=emp.counselor, data=services.SeekerData(
        name=name, id_number=number, unit=emp.cast.community, kind=SeekerKind.HARD_TO_EMPLOY, skills="保洁",
        phone="13900004444"))
    person = care_services.person_register(actor=emp.cast.root, name=name, id_number=number, unit=emp.cast.community)
    if recognised:
        care_services.membership_set(actor=emp.cast.root, person=person,
                                     category=CareCategory.objects.get(code="hard_to_employ"),
                                     since=date.today() - timedelta(days=since_days), source=Source.CIVIL_AFFAIRS)
    if status:
        services.seeker_set_status(actor=emp.counselor, seeker=seeker, status=status)
    seeker.refresh_from_db()
    seeker.person = person
    return seeker


def data(first=None, last=None, amount="480", proof="社保缴费凭证 2026-001", form=SubsidyForm.FLEXIBLE):
    return services.SubsidyData(form=form, first_month=first or months_ago(2), last_month=last or months_ago(0),
                                monthly_amount=amount, proof=proof)


def checks_of(result):
    return {c.key: c.ok for c in result.checks}


# --- follow-ups ------------------------------------------------------------------------------------------------

def test_a_hard_to_employ_seeker_is_due_monthly_while_unemployed_and_quarterly_once_employed(
        emp, hard_to_employ_category):
    seeker = hard_to_employ(emp)
    due = FollowUpDue.objects.get(seeker=seeker)
    assert due.due_on == date.today() + timedelta(days=30) and due.last_at is None
    services.seeker_set_status(actor=emp.counselor, seeker=seeker, status=SeekerStatus.EMPLOYED)
    assert FollowUpDue.objects.get(seeker=seeker).due_on == date.today() + timedelta(days=90)
    # A graduate is not followed up this way.
    from employment.tests.conftest import graduate

    assert not FollowUpDue.objects.filter(seeker=graduate(emp)).exists()


def test_a_follow_up_moves_the_next_due_date_and_leaves_the_overdue_list(emp, hard_to_employ_category):
    seeker = hard_to_employ(emp)
    FollowUpDue.objects.filter(seeker=seeker).update(due_on=date.today() - timedelta(days=5))
    assert [r.seeker_id for r in selectors.follow_ups_due(emp.counselor, overdue_only=True)] == [seeker.pk]
    assert [r.seeker_id for r in selectors.follow_ups_due(emp.counselor, mine=True)] == [seeker.pk]
    assert selectors.follow_up_figures(emp.counselor)["overdue"] == 1
    record = services.follow_up_record(actor=emp.counselor, seeker=seeker, data=services.FollowUpData(
        way=ContactWay.PHONE, situation="在家照顾老人，想找附近的保洁工作", needs="", next_step="推荐社区保洁岗位"))
    due = FollowUpDue.objects.get(seeker=seeker)
    assert due.due_on == date.today() + timedelta(days=30) and due.last_at == record.followed_at
    assert not selectors.follow_ups_due(emp.counselor, overdue_only=True).exists()
    # 太谷区's counselor sees nobody of 榆次区.
    assert not selectors.follow_ups_due(emp.taigu_counselor).exists()
    with pytest.raises(NotAllowed):
        services.follow_up_record(actor=emp.taigu_counselor, seeker=seeker, data=services.FollowUpData(
            way=ContactWay.PHONE, situation="x"))
    assert seeker.follow_ups.count() == 1


def test_a_follow_up_needs_the_situation_and_refuses_a_future_date(emp, hard_to_employ_category):
    seeker = hard_to_employ(emp)
    with pytest.raises(BadInput, match="情况|situation|近况"):
        services.follow_up_record(actor=emp.counselor, seeker=seeker, data=services.FollowUpData(
            way=ContactWay.VISIT, situation="  "))
    with pytest.raises(BadInput):
        services.follow_up_record(actor=emp.counselor, seeker=seeker, data=services.FollowUpData(
            way=ContactWay.VISIT, situation="好", followed_at=timezone.now() + timedelta(days=2)))
    assert not seeker.follow_ups.exists()


def test_a_need_heard_on_a_follow_up_is_filed_as_a_demand_in_the_seekers_place(emp, hard_to_employ_category):
    from appeals.models import Appeal

    seeker = hard_to_employ(emp)
    record = services.follow_up_record(actor=emp.counselor, seeker=seeker, data=services.FollowUpData(
        way=ContactWay.VISIT, situation="腿脚不便，无法外出务工", needs="希望申请居家灵活就业的手工活",
        file_need=True))
    appeal = Appeal.objects.get(code=record.appeal_code)
    assert appeal.place_id == seeker.unit_id and "手工活" in appeal.description


def test_the_care_registrys_responsible_person_sees_the_seeker_and_their_follow_ups(emp, hard_to_employ_category):
    seeker = hard_to_employ(emp)
    carer = emp.cast.handler_b  # a 住建局 handler: no employment scope of their own
    assert not selectors.seekers_visible_to(carer).filter(pk=seeker.pk).exists()
    care_services.assignment_start(actor=emp.cast.root, person=seeker.person, carer=carer,
                                   role=CarerRole.VILLAGE_CADRE)
    assert selectors.seekers_visible_to(carer).filter(pk=seeker.pk).exists()
    FollowUpDue.objects.filter(seeker=seeker).update(due_on=date.today() - timedelta(days=1))
    assert [r.seeker_id for r in selectors.follow_ups_due(carer)] == [seeker.pk]
    # Seeing is not serving: the 包联 person records visits in care, not the counselor's follow-ups.
    with pytest.raises(NotAllowed):
        services.follow_up_record(actor=carer, seeker=seeker, data=services.FollowUpData(
            way=ContactWay.PHONE, situation="x"))


def test_the_nightly_refresh_schedules_every_hard_to_employ_seeker_and_is_idempotent(emp, hard_to_employ_category):
    from django.core.management import call_command

    seeker = hard_to_employ(emp)
    FollowUpDue.objects.all().delete()
    call_command("employment_refresh", "--no-progress")
    first = FollowUpDue.objects.get(seeker=seeker).due_on
    call_command("employment_refresh", "--no-progress")
    assert FollowUpDue.objects.get(seeker=seeker).due_on == first
    assert FollowUpDue.objects.count() == 1


# --- 社保补贴 -------------------------------------------------------------------------------------------------

def test_the_checklist_says_why_someone_not_recognised_and_not_employed_is_not_eligible(emp, hard_to_employ_category):
    seeker = hard_to_employ(emp, recognised=False)
    result = services.subsidy_check(seeker, data(proof=""))
    assert checks_of(result) == {"recognised": False, "employed": False, "period": True, "overlap": True,
                                 "proof": False, "amount": True}
    assert any("认定" in p or "就业困难人员" in p for p in result.problems)
    with pytest.raises(BadInput) as refused:
        services.subsidy_apply(actor=emp.counselor, seeker=seeker, data=data(proof=""))
    assert len(refused.value.details) == 3
    assert not SubsidyApplication.objects.exists()


def test_an_eligible_seeker_applies_on_a_phone_and_sees_it_approved_then_paid(emp, hard_to_employ_category):
    from accounts.models import User, UserKind

    seeker = hard_to_employ(emp, status=SeekerStatus.EMPLOYED)
    user = User.objects.create_user(username="r-zhao", kind=UserKind.RESIDENT, phone="13900004444")
    services.seeker_register(actor=user, data=services.SeekerData(
        name="赵建平", id_number=seeker.id_number, unit=emp.cast.community, kind=SeekerKind.HARD_TO_EMPLOY))
    seeker.refresh_from_db()
    assert seeker.user == user
    application = services.subsidy_apply(actor=user, seeker=seeker, data=data(amount="480.50"))
    assert application.via == "self" and application.months == 3
    assert application.total == Decimal("1441.50") and isinstance(application.total, Decimal)
    assert all(c["ok"] for c in application.checks)
    services.subsidy_decide(actor=emp.counselor, application=application, decision="approve")
    payment = services.subsidy_pay(actor=emp.counselor, applications=[application], paid_on=date.today(),
                                   reference="JZ-2026-0001")
    application.refresh_from_db()
    assert application.status == SubsidyStatus.PAID and application.payment == payment
    assert payment.total == Decimal("1441.50") and payment.count == 1
    assert selectors.subsidies_paid(emp.cast.yuci, date.today(), date.today())["total"] == Decimal("1441.50")


def test_overlapping_months_are_refused_clearly(emp, hard_to_employ_category):
    seeker = hard_to_employ(emp, status=SeekerStatus.EMPLOYED)
    services.subsidy_apply(actor=emp.counselor, seeker=seeker, data=data(first=months_ago(5), last=months_ago(3)))
    with pytest.raises(BadInput, match="不能重复补贴|cannot be subsidised twice") as refused:
        services.subsidy_apply(actor=emp.counselor, seeker=seeker, data=data(first=months_ago(3), last=months_ago(1)))
    assert months_ago(5).strftime("%Y-%m") in refused.value.message
    assert SubsidyApplication.objects.count() == 1
    # The months just after are fine.
    services.subsidy_apply(actor=emp.counselor, seeker=seeker, data=data(first=months_ago(2), last=months_ago(1)))
    # A rejected application frees its months.
    first = SubsidyApplication.objects.order_by("pk").first()
    services.subsidy_decide(actor=emp.counselor, application=first, decision="reject", reason="缴费凭证不实")
    services.subsidy_apply(actor=emp.counselor, seeker=seeker, data=data(first=months_ago(4), last=months_ago(3)))


def test_the_period_limit_and_the_retirement_extension(emp, hard_to_employ_category):
    EmploymentRules.objects.create(subsidy_max_months=6)
    young = hard_to_employ(emp, birth="19800610", seq="021", status=SeekerStatus.EMPLOYED)
    services.subsidy_apply(actor=emp.counselor, seeker=young, data=data(first=months_ago(9), last=months_ago(5)))
    result = services.subsidy_check(young, data(first=months_ago(3), last=months_ago(1)))
    assert checks_of(result)["period"] is False and "6" in result.problems[0]
    # A woman born 52 years ago retires at 55: within 5 years of it, subsidised until retirement.
    born = date.today().replace(year=date.today().year - 52, day=1)
    near = hard_to_employ(emp, birth=born.strftime("%Y%m%d"), seq="042", name="孙秀英", status=SeekerStatus.EMPLOYED)
    assert near.sex == "female"
    services.subsidy_apply(actor=emp.counselor, seeker=near, data=data(first=months_ago(9), last=months_ago(5)))
    result = services.subsidy_check(near, data(first=months_ago(3), last=months_ago(1)))
    retire = eligibility.retirement_date(near, eligibility.rules())
    assert checks_of(result)["period"] is True and retire.isoformat() in result.checks[2].detail


def test_an_amount_over_the_standard_a_future_month_and_an_upside_down_period_are_refused(
        emp, hard_to_employ_category):
    seeker = hard_to_employ(emp, status=SeekerStatus.EMPLOYED)
    with pytest.raises(BadInput, match="600"):
        services.subsidy_apply(actor=emp.counselor, seeker=seeker, data=data(amount="650"))
    with pytest.raises(BadInput):
        services.subsidy_apply(actor=emp.counselor, seeker=seeker, data=data(amount="abc"))
    with pytest.raises(BadInput):
        services.subsidy_apply(actor=emp.counselor, seeker=seeker,
                               data=data(first=THIS_MONTH, last=(THIS_MONTH + timedelta(days=40)).replace(day=1)))
    with pytest.raises(BadInput):
        services.subsidy_apply(actor=emp.counselor, seeker=seeker, data=data(first=months_ago(1), last=months_ago(3)))
    assert not SubsidyApplication.objects.exists()


def test_a_public_welfare_post_holder_is_eligible_for_the_months_of_the_post(emp, hard_to_employ_category):
    seeker = hard_to_employ(emp)
    post = services.welfare_post_create(actor=emp.counselor, title="社区保洁", unit=emp.cast.community, term_months=12,
                                        monthly_subsidy=1500)
    assert checks_of(services.subsidy_check(seeker, data(form=SubsidyForm.PUBLIC_WELFARE)))["employed"] is False
    services.placement_start(actor=emp.counselor, post=post, seeker=seeker, starts_on=months_ago(2))
    result = services.subsidy_check(seeker, data(form=SubsidyForm.PUBLIC_WELFARE))
    assert result.ok and "社区保洁" in result.checks[1].detail


def test_review_returns_with_a_reason_and_the_seeker_corrects_it(emp, hard_to_employ_category):
    seeker = hard_to_employ(emp, status=SeekerStatus.EMPLOYED)
    application = services.subsidy_apply(actor=emp.counselor, seeker=seeker, data=data())
    with pytest.raises(BadInput):
        services.subsidy_decide(actor=emp.counselor, application=application, decision="return", reason="")
    with pytest.raises(NotAllowed):
        services.subsidy_decide(actor=emp.taigu_counselor, application=application, decision="approve")
    services.subsidy_decide(actor=emp.counselor, application=application, decision="return", reason="凭证不清晰")
    with pytest.raises(InvalidTransition):
        services.subsidy_decide(actor=emp.counselor, application=application, decision="approve")
    # Its months stay held while it is returned: applying anew for them is refused.
    with pytest.raises(BadInput):
        services.subsidy_apply(actor=emp.counselor, seeker=seeker, data=data())
    application = services.subsidy_resubmit(actor=emp.counselor, application=application,
                                            data=data(proof="凭证号 2026-002"))
    assert application.status == SubsidyStatus.SUBMITTED and application.proof == "凭证号 2026-002"


def test_approval_checks_the_rules_again(emp, hard_to_employ_category):
    seeker = hard_to_employ(emp, status=SeekerStatus.EMPLOYED)
    application = services.subsidy_apply(actor=emp.counselor, seeker=seeker, data=data())
    services.seeker_set_status(actor=emp.counselor, seeker=seeker, status=SeekerStatus.UNEMPLOYED)
    with pytest.raises(BadInput, match="未就业|not employed|Unemployed"):
        services.subsidy_decide(actor=emp.counselor, application=application, decision="approve")
    application.refresh_from_db()
    assert application.status == SubsidyStatus.SUBMITTED


def test_a_payment_batch_is_all_or_nothing(emp, hard_to_employ_category):
    seeker = hard_to_employ(emp, status=SeekerStatus.EMPLOYED)
    approved = services.subsidy_apply(actor=emp.counselor, seeker=seeker, data=data(first=months_ago(5),
                                                                                      last=months_ago(4)))
    services.subsidy_decide(actor=emp.counselor, application=approved, decision="approve")
    waiting = services.subsidy_apply(actor=emp.counselor, seeker=seeker, data=data(first=months_ago(2)))
    with pytest.raises(InvalidTransition):
        services.subsidy_pay(actor=emp.counselor, applications=[approved, waiting], paid_on=date.today(),
                             reference="JZ-1")
    approved.refresh_from_db()
    assert approved.status == SubsidyStatus.APPROVED and approved.payment is None
    with pytest.raises(NotAllowed):
        services.subsidy_pay(actor=emp.taigu_counselor, applications=[approved], paid_on=date.today(),
                             reference="JZ-1")
    with pytest.raises(BadInput):
        services.subsidy_pay(actor=emp.counselor, applications=[approved],
                             paid_on=date.today() + timedelta(days=1), reference="JZ-1")
    services.subsidy_pay(actor=emp.counselor, applications=[approved], paid_on=date.today(), reference="JZ-1")


def test_the_queue_is_limited_to_the_reviewers_units(emp, hard_to_employ_category):
    seeker = hard_to_employ(emp, status=SeekerStatus.EMPLOYED)
    services.subsidy_apply(actor=emp.counselor, seeker=seeker, data=data())
    assert selectors.subsidy_queue(emp.counselor, status=SubsidyStatus.SUBMITTED).count() == 1
    assert selectors.subsidy_queue(emp.taigu_counselor).count() == 0
    assert selectors.subsidy_counts(emp.counselor)[SubsidyStatus.SUBMITTED] == 1


def test_the_rules_are_one_row_changed_by_the_city_only(emp):
    config = eligibility.rules()
    assert config.pk is None and config.subsidy_max_months == 36
    config.subsidy_max_months = 24
    with pytest.raises(NotAllowed):
        services.rules_save(actor=emp.counselor, config=config)
    services.rules_save(actor=emp.cast.root, config=config)
    again = EmploymentRules(subsidy_max_months=12)
    services.rules_save(actor=emp.cast.root, config=again)
    assert EmploymentRules.objects.count() == 1 and eligibility.rules().subsidy_max_months == 12
    bad = eligibility.rules()
    bad.subsidy_monthly_cap = Decimal("0")
    with pytest.raises(BadInput):
        services.rules_save(actor=emp.cast.root, config=bad)
