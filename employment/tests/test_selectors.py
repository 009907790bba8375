"""employment.selectors: what each actor sees, and the indicators the 民生实事 targets read (1131 completion
in a unit, public-welfare posts filled, placements in a period)."""

from datetime import date, timedelta

from care import services as care_services
from care.models import CareCategory, Source
from employment import selectors, services
from employment.models import Outcome, SeekerKind, ServiceKind
from employment.tests.conftest import graduate, id_number


def _complete(emp, seeker):
    for kind in (ServiceKind.POLICY, ServiceKind.GUIDANCE):
        services.service_record(actor=emp.counselor, seeker=seeker, kind=kind, notes="x")
    for posting in (emp.job, emp.far_job):
        services.recommendation_record(actor=emp.counselor, seeker=seeker, posting=posting)
    intern = services.recommendation_record(actor=emp.counselor, seeker=seeker, posting=emp.intern)
    services.service_set_outcome(actor=emp.counselor, record=intern, outcome=Outcome.HIRED)


def test_1131_completion_in_a_unit_and_the_incomplete_lists(emp, cast):
    done, waiting = graduate(emp), graduate(emp, name="王五", seq="045")
    _complete(emp, done)
    figures = selectors.ledger_completion_in_unit(cast.yuci)
    assert (figures.graduates, figures.complete, figures.rate) == (2, 1, 50.0)
    assert selectors.ledger_completion_in_unit(cast.taigu).graduates == 0
    assert list(selectors.counselor_incomplete(emp.counselor)) == [waiting]
    dashboard = selectors.completion(cast.leader)
    assert [(c.label, c.rate) for c in dashboard.counties] == [("榆次区", 50.0)]
    assert [(s.label, s.graduates) for s in dashboard.schools] == [("太原理工大学", 2)] and dashboard.total.rate == 50.0
    assert selectors.completion(emp.taigu_counselor).counties == []
    placed = selectors.placements_in_period(cast.yuci, date.today() - timedelta(days=1), date.today())
    assert placed == {"public_welfare": 0, "internships": 1, "jobs": 0}


def test_public_welfare_posts_filled(emp, cast, hard_to_employ_category):
    post = services.welfare_post_create(actor=emp.counselor, title="保洁", unit=cast.community, term_months=12,
                                        monthly_subsidy=1500, headcount=3)
    number = id_number(birth="19760101", seq="047")
    person = care_services.person_register(actor=cast.root, name="孙强", id_number=number, unit=cast.community)
    care_services.membership_set(actor=cast.root, person=person, category=CareCategory.objects.get(code="hard_to_employ"),
                                 since=date.today(), source=Source.CIVIL_AFFAIRS)
    seeker = services.seeker_register(actor=emp.counselor, data=services.SeekerData(
        name="孙强", id_number=number, unit=cast.community, kind=SeekerKind.HARD_TO_EMPLOY))
    services.placement_start(actor=emp.counselor, post=post, seeker=seeker)
    assert selectors.welfare_posts_filled(cast.yuci) == {"places": 3, "filled": 1}
    assert selectors.welfare_posts_filled(cast.taigu) == {"places": 0, "filled": 0}
    assert selectors.placements_in_period(cast.yuci, date.today(), date.today())["public_welfare"] == 1
