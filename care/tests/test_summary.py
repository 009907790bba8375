"""The unit pages from the summary (care.summary): after a recount they show exactly the figures counted
live, in a constant number of queries; without a summary, with one more than a day old, or for a user
who sees only some categories, they count live; care_refresh and care_summarize recount it."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from care import selectors, services, summary
from care.models import CareMembership, Person, PlaceSummary, Source
from care.tests.conftest import id_number, register
from care.tests.test_registry import disabled_person, dpf  # noqa: F401 - the fixture
from conftest import make_unit
from orgs.models import Level, UnitKind

pytestmark = pytest.mark.django_db


def _due(person, days_from_today):
    Person.objects.filter(pk=person.pk).update(next_visit_due=timezone.localdate() + timedelta(days=days_from_today))


def a_registry(care):
    """People of every kind the figures count: in a grid and not, two categories, no category, no one
    responsible, visited on time, overdue, ended, with an open need, and in another township."""
    root = care.cast.root
    seen = register(care, grid=care.grid, birth="19400101", seq="002")
    services.visit_record(actor=care.grid_worker, person=seen, visited_at=timezone.now(), token="s" * 32)
    both = register(care, name="周平", birth="19380101", seq="004")
    services.membership_set(actor=root, person=both, category=care.categories["dibao"],
                            since=both.created_at.date(), source=Source.CIVIL_AFFAIRS)
    _due(both, -3)
    gap = services.person_register(actor=root, name="吴刚", id_number=id_number(seq="006"), unit=care.cast.community,
                                   grid=care.grid)
    services.membership_set(actor=root, person=gap, category=care.categories["dibao"],
                            since=gap.created_at.date(), source=Source.CIVIL_AFFAIRS)
    services.person_register(actor=root, name="郑芳", id_number=id_number(seq="008"), unit=care.cast.community)
    needy = register(care, name="李桂兰", seq="010", unit=care.ruyi, carer=care.ruyi_worker)
    services.person_need_file(actor=care.ruyi_worker, person=needy, need=services.NeedInput(
        title="老人需要助行器", description="走访时老人说腿脚不便，需要一副助行器。"))
    _due(needy, -200)
    ended = register(care, name="孙丽", seq="012")
    services.person_end(actor=root, person=ended, ended_on=timezone.localdate(), reason="died")
    register(care, name="钱进", seq="014", unit=care.cast.village, carer=care.ruyi_worker)


def overview(user, unit):
    figures, children = selectors.unit_overview(user, unit, today=timezone.localdate())
    shown = {**vars(figures), "by_category": [(c.code, n) for c, n in figures.by_category]}
    counted_at = shown.pop("counted_at")
    return shown, [(child.pk, {k: v for k, v in vars(f).items() if k != "counted_at"}) for child, f in children], \
        counted_at


def test_after_a_recount_every_unit_shows_exactly_the_live_figures(care):
    a_registry(care)
    units = [care.cast.city, care.cast.yuci, care.cast.beiguan, care.cast.community, care.grid, care.ruyi,
             care.cast.mingxing]
    live = {}
    for unit in units:
        figures, children, counted_at = overview(care.cast.leader, unit)
        assert counted_at is None  # no summary yet: counted live
        live[unit.pk] = (figures, children)
    assert live[care.cast.city.pk][0]["people"] == 6 and live[care.cast.city.pk][0]["gaps"] == 1
    assert live[care.cast.city.pk][0]["open_needs"] == 1 and live[care.grid.pk][0]["people"] == 2

    assert summary.recompute() > 0
    for unit in units:
        figures, children, counted_at = overview(care.cast.leader, unit)
        assert counted_at is not None, unit.name
        assert (figures, children) == live[unit.pk], unit.name


def test_the_page_says_when_it_was_counted_and_the_high_risk_list_stays_live(client, care):
    register(care, birth="19380101")
    summary.recompute()
    client.force_login(care.cast.city_supervisor)
    page = client.get(reverse("care:units"), {"unit": care.cast.beiguan.pk})
    counted = timezone.localtime(PlaceSummary.objects.first().computed_at)
    assert f"统计于 {counted:%H:%M}" in page.content.decode()
    later = register(care, name="周平", birth="19370101", seq="004")  # registered after the count
    figures = page.context["figures"]
    again = client.get(reverse("care:units"), {"unit": care.cast.beiguan.pk}).context["figures"]
    assert again.people == figures.people == 1  # the summary's count, until the next recount
    assert later in again.longest_unvisited  # live


def test_a_summary_more_than_a_day_old_or_none_is_not_read(care):
    register(care)
    summary.recompute()
    register(care, name="周平", seq="004")
    assert selectors.unit_figures(care.cast.leader, care.cast.community).people == 1
    PlaceSummary.objects.update(computed_at=timezone.now() - timedelta(days=1, minutes=1))
    figures = selectors.unit_figures(care.cast.leader, care.cast.community)
    assert (figures.people, figures.counted_at) == (2, None)
    PlaceSummary.objects.all().delete()
    assert selectors.unit_figures(care.cast.leader, care.cast.community).people == 2


def test_a_department_that_sees_some_categories_is_counted_live(dpf):  # noqa: F811
    disabled_person(dpf)
    register(dpf, name="周平", seq="004")
    summary.recompute()
    figures = selectors.unit_figures(dpf.dpf_handler, dpf.cast.yuci)
    assert (figures.people, figures.counted_at) == (1, None)
    assert selectors.unit_figures(dpf.cast.leader, dpf.cast.yuci).people == 2


def test_the_page_from_the_summary_reads_as_many_queries_however_many_units_lie_below(
        client, care, django_assert_max_num_queries):
    register(care)
    summary.recompute()
    client.force_login(care.cast.city_supervisor)
    url = reverse("care:units")
    with CaptureQueriesContext(connection) as few:
        page = client.get(url, {"unit": care.cast.beiguan.pk})
    assert page.context["figures"].counted_at is not None
    for n in range(3, 9):
        village = make_unit(care.cast.root, f"14070200100{n}", f"新社区{n}", Level.VILLAGE, UnitKind.COMMUNITY,
                            care.cast.beiguan)
        register(care, name=f"新{n}", seq=f"{n + 10:03d}", unit=village, carer=care.ruyi_worker)
    summary.recompute()
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url, {"unit": care.cast.beiguan.pk})
    figures, children = page.context["figures"], page.context["children"]
    assert figures.counted_at is not None
    assert figures.people == 7 == sum(child_figures.people for _child, child_figures in children)


def test_the_nightly_refresh_and_the_command_recount_the_summary(care):
    person = register(care)
    call_command("care_refresh", "--no-progress", stdout=open("/dev/null", "w"))
    assert PlaceSummary.objects.get(unit=care.cast.community, category__isnull=True).people == 1
    CareMembership.objects.filter(person=person).update(until=timezone.localdate())
    call_command("care_summarize", stdout=open("/dev/null", "w"))
    rows = PlaceSummary.objects.filter(unit=care.cast.community)
    assert rows.get(category__isnull=True).people == 1 and not rows.filter(category__isnull=False).exists()
    from care.tasks import nightly

    PlaceSummary.objects.all().delete()
    assert nightly.call()["summary_rows"] == PlaceSummary.objects.count() == 1
