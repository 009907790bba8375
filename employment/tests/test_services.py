"""employment.services: registration and its duplicates, employers and their credit codes, postings and
their checks, the 1131 ledger, public-welfare placements read from the care registry, job fairs. Each
refusal leaves the database as it was."""

from datetime import date, timedelta

import pytest

from care import services as care_services
from care.models import CareCategory, Source
from core.errors import BadInput, InvalidTransition, NotAllowed
from core.models import AuditEvent
from employment import services
from employment.models import (
    Employer,
    EmployerStatus,
    Outcome,
    Placement,
    Posting,
    PostingKind,
    Seeker,
    SeekerKind,
    SeekerStatus,
    ServiceKind,
)
from employment.tests.conftest import credit_code, graduate, id_number


def test_a_counter_registers_a_graduate_with_the_id_number_encrypted_and_masked(emp):
    seeker = graduate(emp)
    assert seeker.county == emp.cast.yuci and seeker.sex == "male" and seeker.birth_date == date(2002, 3, 15)
    assert seeker.masked_id_number.startswith("1407") and "*" in seeker.masked_id_number
    assert "python" in seeker.tokens and "测试" in seeker.tokens
    event = AuditEvent.objects.get(verb="employment.seeker.create")
    assert event.target_label == seeker.masked_name and seeker.id_number not in str(event.data)


def test_the_same_id_number_twice_is_refused_naming_no_one(emp):
    graduate(emp)
    with pytest.raises(services.DuplicateSeeker, match="已登记|registered already"):
        graduate(emp, name="别人")
    assert Seeker.objects.count() == 1


def test_a_bad_id_number_is_refused_in_chinese(emp):
    data = services.SeekerData(name="张三", id_number="140702200203150017", unit=emp.cast.community,
                               kind=SeekerKind.OTHER)
    with pytest.raises(BadInput, match="校验位"):
        services.seeker_register(actor=emp.counselor, data=data)
    assert not Seeker.objects.exists()


def test_a_graduate_needs_a_school_and_a_year(emp):
    data = services.SeekerData(name="张三", id_number=id_number(), unit=emp.cast.community, kind=SeekerKind.GRADUATE)
    with pytest.raises(BadInput, match="院校"):
        services.seeker_register(actor=emp.counselor, data=data)


def test_staff_of_another_county_may_not_register_here(emp):
    with pytest.raises(NotAllowed):
        graduate(emp, actor=emp.taigu_counselor)
    assert not Seeker.objects.exists()


def test_a_resident_takes_up_the_record_the_list_made_with_their_phone(emp):
    from accounts.models import User, UserKind

    listed = graduate(emp, phone="13900004444")
    resident = User.objects.create_user(username="r-grad", kind=UserKind.RESIDENT, phone="13900004444")
    data = services.SeekerData(name="李思远", id_number=listed.id_number, unit=emp.cast.community,
                               kind=SeekerKind.GRADUATE, school="太原理工大学", graduation_year=2025, wishes="软件测试")
    seeker = services.seeker_register(actor=resident, data=data)
    assert seeker.pk == listed.pk and seeker.user == resident
    stranger = User.objects.create_user(username="r-other", kind=UserKind.RESIDENT, phone="13900005555")
    other = graduate(emp, name="王五", seq="032", phone="13900006666")
    with pytest.raises(services.DuplicateSeeker):
        services.seeker_register(actor=stranger, data=services.SeekerData(
            name="王五", id_number=other.id_number, unit=emp.cast.community, kind=SeekerKind.OTHER))
    assert Seeker.objects.get(pk=other.pk).user is None


@pytest.mark.parametrize("code", ["91140702MA0K123450", "1234", "91140702MA0K1234IO"])
def test_an_invalid_credit_code_is_refused_and_nothing_is_saved(emp, code):
    before = Employer.objects.count()
    with pytest.raises(BadInput, match="统一社会信用代码"):
        services.employer_register(actor=emp.counselor, data=services.EmployerData(
            name="某公司", credit_code=code, unit=emp.cast.yuci, contact_name="张", contact_phone="13900007777"))
    assert Employer.objects.count() == before


def test_postings_are_public_only_once_the_employer_is_verified(emp):
    from accounts.models import User, UserKind

    hr = User.objects.create_user(username="r-hr2", kind=UserKind.RESIDENT, phone="13900008888")
    employer = services.employer_register(actor=hr, data=services.EmployerData(
        name="榆次保洁服务公司", credit_code=credit_code("MA0K22222"), unit=emp.cast.yuci, contact_name="赵",
        contact_phone="13900008888"))
    assert employer.status == EmployerStatus.PENDING
    posting = services.posting_create(actor=hr, employer=employer, data=services.PostingData(
        title="保洁员", duties="楼道保洁", salary_min=2200, salary_max=2600, unit=emp.cast.community,
        closes_on=date.today() + timedelta(days=10)))
    assert not services.posting_is_public(posting)
    with pytest.raises(NotAllowed):
        services.employer_decide(actor=emp.taigu_counselor, employer=employer, approve=True)
    with pytest.raises(BadInput, match="理由|reason"):
        services.employer_decide(actor=emp.counselor, employer=employer, approve=False)
    services.employer_decide(actor=emp.counselor, employer=employer, approve=True)
    posting.employer.refresh_from_db()
    assert services.posting_is_public(posting)
    assert AuditEvent.objects.filter(verb="employment.employer.verify", target_id=str(employer.pk)).exists()


def test_a_posting_with_its_pay_upside_down_and_a_past_closing_date_lists_both_problems(emp):
    before = Posting.objects.count()
    with pytest.raises(BadInput) as refused:
        services.posting_create(actor=emp.hr, employer=emp.employer, data=services.PostingData(
            title="会计", duties="记账", salary_min=6000, salary_max=4000, unit=emp.cast.community,
            closes_on=date.today() - timedelta(days=1)))
    problems = refused.value.details
    assert any("倒" in p for p in problems) and any("截止" in p for p in problems)
    assert Posting.objects.count() == before


def test_an_internship_needs_its_duration_and_subsidy(emp):
    with pytest.raises(BadInput, match="见习"):
        services.posting_create(actor=emp.hr, employer=emp.employer, data=services.PostingData(
            title="行政见习", duties="文件整理", salary_min=2000, salary_max=2000, unit=emp.cast.community,
            closes_on=date.today() + timedelta(days=5), kind=PostingKind.INTERNSHIP))


def test_someone_else_may_not_post_for_the_employer(emp, cast):
    with pytest.raises(NotAllowed):
        services.posting_create(actor=cast.resident, employer=emp.employer, data=services.PostingData(
            title="x", duties="y", salary_min=1, salary_max=2, unit=cast.community,
            closes_on=date.today()))


def test_the_1131_ledger_completes_with_a_policy_talk_guidance_three_recommendations_and_an_internship(emp):
    seeker = graduate(emp)
    services.service_record(actor=emp.counselor, seeker=seeker, kind=ServiceKind.POLICY, notes="讲解就业见习补贴政策")
    services.service_record(actor=emp.counselor, seeker=seeker, kind=ServiceKind.GUIDANCE, notes="简历修改")
    first = services.recommendation_record(actor=emp.counselor, seeker=seeker, posting=emp.job)
    assert first.reasons and first.score is not None
    services.recommendation_record(actor=emp.counselor, seeker=seeker, posting=emp.far_job)
    intern = services.recommendation_record(actor=emp.counselor, seeker=seeker, posting=emp.intern)
    seeker.refresh_from_db()
    assert (seeker.n_policy, seeker.n_guidance, seeker.n_recommendation, seeker.n_opportunity) == (1, 1, 3, 0)
    assert not seeker.ledger_complete
    services.service_set_outcome(actor=emp.counselor, record=intern, outcome=Outcome.APPLIED)
    services.service_set_outcome(actor=emp.counselor, record=intern, outcome=Outcome.HIRED)
    seeker.refresh_from_db()
    assert seeker.ledger_complete and seeker.status == SeekerStatus.INTERNSHIP and seeker.n_opportunity == 1
    with pytest.raises(InvalidTransition):
        services.service_set_outcome(actor=emp.counselor, record=intern, outcome=Outcome.DECLINED)


def test_the_same_posting_is_not_recommended_twice(emp):
    seeker = graduate(emp)
    services.recommendation_record(actor=emp.counselor, seeker=seeker, posting=emp.job)
    with pytest.raises(BadInput):
        services.recommendation_record(actor=emp.counselor, seeker=seeker, posting=emp.job)
    seeker.refresh_from_db()
    assert seeker.n_recommendation == 1


def test_a_counselor_of_another_county_may_not_record_services(emp):
    seeker = graduate(emp)
    with pytest.raises(NotAllowed):
        services.service_record(actor=emp.taigu_counselor, seeker=seeker, kind=ServiceKind.POLICY)
    assert not seeker.services.exists()


def _welfare_post(emp):
    return services.welfare_post_create(actor=emp.counselor, title="社区保洁", unit=emp.cast.community, term_months=12,
                                        monthly_subsidy=1500, headcount=1)


def test_only_someone_the_care_registry_lists_as_hard_to_employ_fills_a_public_welfare_post(
        emp, hard_to_employ_category):
    post = _welfare_post(emp)
    number = id_number(birth="19750610", seq="021")
    seeker = services.seeker_register(actor=emp.counselor, data=services.SeekerData(
        name="赵建平", id_number=number, unit=emp.cast.community, kind=SeekerKind.HARD_TO_EMPLOY, skills="保洁"))
    with pytest.raises(BadInput, match="就业困难人员"):
        services.placement_start(actor=emp.counselor, post=post, seeker=seeker)
    assert not Placement.objects.exists()
    person = care_services.person_register(actor=emp.cast.root, name="赵建平", id_number=number,
                                           unit=emp.cast.community)
    care_services.membership_set(actor=emp.cast.root, person=person,
                                 category=CareCategory.objects.get(code="hard_to_employ"),
                                 since=date.today() - timedelta(days=100), source=Source.CIVIL_AFFAIRS)
    placement = services.placement_start(actor=emp.counselor, post=post, seeker=seeker)
    seeker.refresh_from_db()
    assert seeker.status == SeekerStatus.PUBLIC_WELFARE and placement.term_ends_on > placement.starts_on
    other = services.seeker_register(actor=emp.counselor, data=services.SeekerData(
        name="钱多", id_number=id_number(birth="19800101", seq="033"), unit=emp.cast.community,
        kind=SeekerKind.HARD_TO_EMPLOY))
    with pytest.raises(BadInput):  # the one place is taken (and the other is not eligible anyway)
        services.placement_start(actor=emp.counselor, post=post, seeker=other)
    services.placement_end(actor=emp.counselor, placement=placement, reason="找到企业工作")
    seeker.refresh_from_db()
    assert seeker.status == SeekerStatus.UNEMPLOYED
    assert Placement.objects.get().ended_on == date.today()


def test_a_job_fair_registers_checks_in_and_records_results(emp):
    seeker = graduate(emp)
    fair = services.fair_create(actor=emp.counselor, title="春风行动招聘会", unit=emp.cast.yuci, venue="榆次区人力资源市场",
                                held_on=date.today() + timedelta(days=3))
    services.fair_add_employer(actor=emp.counselor, fair=fair, employer=emp.employer, postings=[emp.job])
    registration = services.fair_register(actor=emp.counselor, fair=fair, seeker=seeker)
    with pytest.raises(InvalidTransition):
        services.fair_result(actor=emp.counselor, registration=registration, result=Outcome.HIRED)
    services.fair_check_in(actor=emp.counselor, registration=registration)
    services.fair_result(actor=emp.counselor, registration=registration, result=Outcome.HIRED)
    seeker.refresh_from_db()
    assert seeker.status == SeekerStatus.EMPLOYED
    from employment.selectors import fair_figures

    assert fair_figures(fair) == {"registered": 1, "checked_in": 1, "interviewed": 1, "hired": 1, "employers": 1,
                                  "postings": 1}
