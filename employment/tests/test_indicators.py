"""employment's indicators in the 民生实事 registry: built through employment's services, counted by hand.

The fixture, this month: in 榆次区's 顺城社区 two graduates, one with the 1131 complete (hired for the 见习
internship), one hired for a job; a public-welfare post of 2 places there, one filled. In 太谷区's 东阳村
one graduate with nothing done yet and a public-welfare post of 1 place, empty."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from appeals import kpis
from care import services as care_services
from care.models import CareCategory, Source
from employment import selectors, services
from employment.models import Outcome, SeekerKind, ServiceKind
from employment.tests.conftest import graduate, id_number
from targets import registry

CODES = [
    "employment.ledger_completion",
    "employment.welfare_fill_rate",
    "employment.welfare_people",
    "employment.placements",
    "employment.subsidised_people",
]


def _this_month():
    today = timezone.localdate()
    return kpis.month_period(today.year, today.month)


def _last_month():
    first = timezone.localdate().replace(day=1) - timedelta(days=1)
    return kpis.month_period(first.year, first.month)


@pytest.fixture
def work(emp, hard_to_employ_category):
    cast = emp.cast
    w = SimpleNamespace()
    # 顺城社区: 王 completes the 1131 (policy, guidance, three recommendations, hired for the internship) ...
    w.wang = graduate(emp, name="王晓", seq="015")
    services.service_record(actor=emp.counselor, seeker=w.wang, kind=ServiceKind.POLICY)
    services.service_record(actor=emp.counselor, seeker=w.wang, kind=ServiceKind.GUIDANCE)
    services.recommendation_record(actor=emp.counselor, seeker=w.wang, posting=emp.job)
    services.recommendation_record(actor=emp.counselor, seeker=w.wang, posting=emp.far_job)
    intern = services.recommendation_record(actor=emp.counselor, seeker=w.wang, posting=emp.intern)
    services.service_set_outcome(actor=emp.counselor, record=intern, outcome=Outcome.HIRED)
    # ... 李 is hired for the job he was recommended, his 1131 not complete.
    w.li = graduate(emp, name="李想", seq="027", phone="13900004444")
    job = services.recommendation_record(actor=emp.counselor, seeker=w.li, posting=emp.job)
    services.service_set_outcome(actor=emp.counselor, record=job, outcome=Outcome.HIRED)
    # 东阳村 (太谷区): a graduate with nothing done yet.
    w.zhang = services.seeker_register(
        actor=emp.taigu_counselor,
        data=services.SeekerData(
            name="张宁",
            id_number=id_number(seq="039", place="140703"),
            unit=cast.village,
            kind=SeekerKind.GRADUATE,
            school="山西农业大学",
            graduation_year=2025,
            phone="13900005555",
        ),
    )
    # Public-welfare posts: 2 places in 顺城社区, one filled by someone the care registry recognises; 1 in 东阳村.
    post = services.welfare_post_create(
        actor=emp.counselor, title="社区保洁", unit=cast.community, term_months=12, monthly_subsidy=1500, headcount=2
    )
    services.welfare_post_create(
        actor=emp.taigu_counselor, title="护林员", unit=cast.village, term_months=12, monthly_subsidy=1200, headcount=1
    )
    number = id_number(birth="19750610", seq="021")
    hard = services.seeker_register(
        actor=emp.counselor,
        data=services.SeekerData(
            name="赵建平", id_number=number, unit=cast.community, kind=SeekerKind.HARD_TO_EMPLOY, skills="保洁"
        ),
    )
    person = care_services.person_register(actor=cast.root, name="赵建平", id_number=number, unit=cast.community)
    care_services.membership_set(
        actor=cast.root,
        person=person,
        category=CareCategory.objects.get(code="hard_to_employ"),
        since=date.today() - timedelta(days=100),
        source=Source.CIVIL_AFFAIRS,
    )
    w.placement = services.placement_start(actor=emp.counselor, post=post, seeker=hard)
    return w


def _values(code, units, period):
    with registry.batch():
        return registry.get(code).values(units, period)


def test_employment_registers_its_section_after_care(db):
    assert {i.code for i in registry.registered()} >= set(CODES)
    keys = [key for key, _label, _items in registry.sections()]
    assert keys.index("employment") > keys.index("care")
    section = next(items for key, _label, items in registry.sections() if key == "employment")
    assert [i.code for i in section] == CODES
    assert registry.get("employment.ledger_completion").is_rate
    assert not registry.get("employment.ledger_completion").historical


def test_1131_completion_counts_graduates_and_rolls_up_as_summed_numerators(emp, work):
    cast, month = emp.cast, _this_month()
    got = _values(
        "employment.ledger_completion", [cast.city, cast.yuci, cast.taigu, cast.community, cast.village], month
    )
    assert got[cast.community.pk].detail() == "1/2" and got[cast.community.pk].value == Decimal("50.00")
    assert got[cast.yuci.pk].detail() == "1/2"
    assert got[cast.village.pk].detail() == "0/1" and got[cast.village.pk].value == 0
    # The city: (1 + 0) / (2 + 1) = 33.33%, not the mean of 50% and 0%.
    assert got[cast.city.pk].detail() == "1/3" and got[cast.city.pk].value == Decimal("33.33")
    # The same figure the 1131 dashboard's selector gives for one unit (the hard-to-employ seeker is no graduate).
    one = selectors.ledger_completion_in_unit(cast.yuci)
    assert (one.complete, one.graduates) == (1, 2)
    # Nobody was registered before this month.
    assert _values("employment.ledger_completion", [cast.city], _last_month())[cast.city.pk].shown() == "—"


def test_public_welfare_places_filled_on_the_periods_last_day(emp, work):
    cast, month = emp.cast, _this_month()
    units = [cast.city, cast.yuci, cast.taigu, cast.community, cast.village]
    rate = _values("employment.welfare_fill_rate", units, month)
    people = _values("employment.welfare_people", units, month)
    assert rate[cast.community.pk].detail() == "1/2" and rate[cast.yuci.pk].value == Decimal("50.00")
    assert rate[cast.village.pk].detail() == "0/1"
    assert rate[cast.city.pk].detail() == "1/3" and rate[cast.city.pk].value == Decimal("33.33")
    assert people[cast.city.pk].value == 1 and people[cast.community.pk].value == 1 and people[cast.taigu.pk].value == 0
    assert selectors.welfare_posts_filled(cast.yuci) == {"places": 2, "filled": 1}
    # Last month the posts did not exist yet.
    assert _values("employment.welfare_fill_rate", [cast.city], _last_month())[cast.city.pk].shown() == "—"
    # A placement ended today still counted on today; one ended before the period's end no longer does.
    services.placement_end(actor=emp.counselor, placement=work.placement, reason="找到企业工作")
    assert _values("employment.welfare_people", [cast.yuci], month)[cast.yuci.pk].value == 0
    assert _values("employment.welfare_fill_rate", [cast.yuci], month)[cast.yuci.pk].detail() == "0/2"


def test_people_placed_in_the_period_by_kind(emp, work):
    cast, month = emp.cast, _this_month()
    got = _values("employment.placements", [cast.city, cast.yuci, cast.taigu, cast.community, cast.village], month)
    # 顺城社区: 赵 in the public-welfare post, 王 in the internship, 李 in the job.
    assert got[cast.community.pk].value == 3 and got[cast.yuci.pk].value == 3 and got[cast.city.pk].value == 3
    assert got[cast.village.pk].value == 0 and got[cast.taigu.pk].value == 0
    indicator = registry.get("employment.placements")
    assert indicator.breakdown(cast.yuci, month) == [("公益性岗位", 1), ("见习", 1), ("就业", 1)]
    today = timezone.localdate()
    assert selectors.placements_in_period(cast.yuci, today, today) == {"public_welfare": 1, "internships": 1, "jobs": 1}
    # A flow: nothing was placed last month.
    assert _values("employment.placements", [cast.city], _last_month())[cast.city.pk].value == 0


def test_people_paid_the_subsidy_in_the_period(emp, work):
    from employment.models import SeekerStatus
    from employment.tests.test_support import data, hard_to_employ

    cast, month = emp.cast, _this_month()
    seeker = hard_to_employ(emp, birth="19820101", seq="051", name="钱多多", status=SeekerStatus.EMPLOYED)
    application = services.subsidy_apply(actor=emp.counselor, seeker=seeker, data=data())
    assert _values("employment.subsidised_people", [cast.city], month)[cast.city.pk].value == 0
    services.subsidy_decide(actor=emp.counselor, application=application, decision="approve")
    services.subsidy_pay(actor=emp.counselor, applications=[application], paid_on=timezone.localdate(),
                         reference="YC-1")
    got = _values("employment.subsidised_people", [cast.city, cast.yuci, cast.taigu, cast.community], month)
    assert got[cast.community.pk].value == 1 and got[cast.city.pk].value == 1 and got[cast.taigu.pk].value == 0
    assert _values("employment.subsidised_people", [cast.city], _last_month())[cast.city.pk].value == 0
