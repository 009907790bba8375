"""care.selectors: the scope of the registry, the due list's order, and a unit's figures."""

from datetime import timedelta

import pytest
from django.utils import timezone

from care import services
from care.models import Person, RiskLevel
from care.selectors import due_list, people_search, people_visible_to, unit_figures
from care.tests.conftest import id_number, register

pytestmark = pytest.mark.django_db


def _due(person, days_from_today):
    Person.objects.filter(pk=person.pk).update(next_visit_due=timezone.localdate() + timedelta(days=days_from_today))


def test_the_registry_follows_the_scope_rule(care):
    mine = register(care)
    theirs = register(care, name="赵桂兰", seq="004", unit=care.ruyi, carer=care.ruyi_worker)
    assert list(people_visible_to(care.grid_worker)) == [mine]
    assert list(people_visible_to(care.ruyi_worker)) == [theirs]
    assert set(people_visible_to(care.cast.dispatcher)) == set()  # a dispatcher holds no registry role
    assert set(people_visible_to(care.cast.admin)) == {mine, theirs}  # the county's administrator
    assert set(people_visible_to(care.cast.leader)) == {mine, theirs}
    assert list(people_visible_to(care.cast.taigu_supervisor)) == []  # another county
    assert list(people_visible_to(care.cast.handler_a)) == []  # a department reaches no person (yet)
    assert list(people_visible_to(care.cast.resident)) == []


def test_a_grid_worker_of_one_grid_sees_that_grid_and_those_assigned_to_them(care):
    from conftest import make_staff
    from orgs.models import Role

    grid_worker = make_staff("grid1", (Role.GRID_WORKER, care.grid), root=care.cast.root)
    in_grid = register(care, grid=care.grid)
    elsewhere = register(care, name="钱多多", seq="006")  # in the community, no grid
    assert list(people_visible_to(grid_worker)) == [in_grid]
    register(care, name="孙红", seq="008", carer=grid_worker, category="dibao")
    assert elsewhere not in people_visible_to(grid_worker)
    assert people_visible_to(grid_worker).count() == 2


def test_the_due_list_puts_overdue_first_then_the_highest_risk(care):
    low_overdue = register(care, name="甲", birth="19700101", seq="001", category="dibao")
    high_due = register(care, name="乙", birth="19400101", seq="003")
    high_overdue = register(care, name="丙", birth="19350101", seq="005")
    medium_overdue_longer = register(care, name="丁", birth="19700101", seq="007", category="tekun",
                                     values={"support": "分散供养"})
    later = register(care, name="戊", birth="19700101", seq="009", category="dibao")
    _due(low_overdue, -1)
    _due(high_due, 0)
    _due(high_overdue, -2)
    _due(medium_overdue_longer, -20)
    _due(later, 20)
    assert [p.risk_level for p in (low_overdue, high_due, high_overdue, medium_overdue_longer)] == [
        RiskLevel.LOW, RiskLevel.HIGH, RiskLevel.HIGH, RiskLevel.MEDIUM]
    order = list(due_list(care.grid_worker))
    assert order == [high_overdue, medium_overdue_longer, low_overdue, high_due]
    assert [p.overdue for p in order] == [1, 1, 1, 0]
    assert list(due_list(care.ruyi_worker)) == []


def test_search_by_whole_id_number_or_phone_not_by_part(care):
    person = register(care)
    qs = people_visible_to(care.grid_worker)
    assert list(people_search(qs, query=id_number())) == [person]
    assert list(people_search(qs, query="13900001111")) == [person]
    assert list(people_search(qs, query="1390000")) == []
    assert list(people_search(qs, query="秀英")) == [person]


def test_unit_figures(care):
    now = timezone.now()
    seen = register(care, birth="19400101", seq="002")  # high risk, visited on time
    services.visit_record(actor=care.grid_worker, person=seen, visited_at=now, token="f" * 32)
    never = register(care, name="周平", birth="19380101", seq="004")  # high risk, never visited, overdue
    _due(never, -3)
    uncovered = services.person_register(actor=care.cast.root, name="吴刚", id_number=id_number(seq="006"),
                                         unit=care.cast.community)
    figures = unit_figures(care.cast.admin, care.cast.community)
    assert figures.people == 3
    assert figures.covered == 2 and figures.coverage == pytest.approx(66.7)
    assert (figures.visits_on_time, figures.visits_due) == (1, 2)
    assert figures.on_time_rate == 50.0
    assert figures.longest_unvisited[0] == never
    assert dict((c.code, n) for c, n in figures.by_category)["solitary_elderly"] == 2
    assert uncovered not in figures.longest_unvisited
