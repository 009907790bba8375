"""care.services: the registry, risk overrides, visits (idempotent, not in the future, a need filed as
a demand), each refusal leaving the database as it was."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appeals.models import Channel, State
from appeals.selectors import appeals_in_queue
from care import services
from care.models import CareMembership, Person, RiskLevel, Visit, VisitNeed
from care.tests.conftest import id_number, register
from core.errors import BadInput, NotAllowed
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_register_derives_birth_date_and_sex_and_keeps_personal_data_encrypted(care):
    person = register(care, birth="19400315", seq="002")
    assert person.birth_date.isoformat() == "1940-03-15"
    assert person.sex == "female"
    male = register(care, name="李大山", birth="19500101", seq="013", category=None)
    assert male.sex == "male"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM care_person WHERE id = %s", [person.pk])
        stored_id, stored_phone = cursor.fetchone()
    assert person.id_number not in stored_id and "13900001111" not in stored_phone
    assert AuditEvent.objects.filter(verb="care.person.create", target_id=str(person.pk)).exists()


def test_invalid_id_number_is_refused_in_chinese(care):
    wrong = id_number()[:-1] + ("0" if id_number()[-1] != "0" else "1")
    with pytest.raises(BadInput) as refused:
        services.person_register(actor=care.cast.root, name="张三", id_number=wrong, unit=care.cast.community)
    assert "校验" in str(refused.value.message)
    assert not Person.objects.exists()


def test_a_registered_id_number_is_found_not_created_twice(care):
    person = register(care)
    with pytest.raises(services.DuplicatePerson) as found:
        services.person_register(actor=care.cast.root, name="王秀英", id_number=" " + id_number().lower() + " ",
                                 unit=care.cast.community)
    assert found.value.person == person
    assert Person.objects.count() == 1


def test_a_grid_worker_of_another_community_is_refused_and_nothing_changes(care):
    person = register(care)
    before = (Visit.objects.count(), AuditEvent.objects.count(), person.risk_override)
    with pytest.raises(NotAllowed):
        services.visit_record(actor=care.ruyi_worker, person=person, visited_at=timezone.now(),
                              token="t" * 32, notes="")
    with pytest.raises(NotAllowed):
        services.person_override_risk(actor=care.ruyi_worker, person=person, level=RiskLevel.HIGH, reason="看着不好")
    with pytest.raises(NotAllowed):
        services.person_reveal(actor=care.ruyi_worker, person=person, purpose="打电话")
    person.refresh_from_db()
    assert (Visit.objects.count(), AuditEvent.objects.count(), person.risk_override) == before


def test_override_needs_a_reason_and_is_audited(care):
    person = register(care, birth="19700101", category="dibao")
    assert person.risk_level == RiskLevel.LOW
    with pytest.raises(BadInput):
        services.person_override_risk(actor=care.village_cadre, person=person, level=RiskLevel.HIGH, reason="  ")
    person.refresh_from_db()
    assert person.risk_level == RiskLevel.LOW
    services.person_override_risk(actor=care.village_cadre, person=person, level=RiskLevel.HIGH,
                                  reason="近期确诊重病，家中无人照料")
    person.refresh_from_db()
    assert (person.risk_level, person.risk_computed, person.risk_override) == ("high", "low", "high")
    event = AuditEvent.objects.get(verb="care.risk.override")
    assert event.actor == care.village_cadre
    assert event.data == {"from": "low", "to": "high", "reason": "近期确诊重病，家中无人照料"}
    assert "王" in event.target_label and "秀英" not in event.target_label  # masked
    # A grid worker visits but does not set the risk by hand.
    with pytest.raises(NotAllowed):
        services.person_override_risk(actor=care.grid_worker, person=person, level="", reason="好转")


def test_a_visit_moves_the_next_due_date_by_the_interval_of_the_risk(care):
    person = register(care, birth="19400315")  # 独居, 80+: high, every 7 days
    assert person.risk_level == RiskLevel.HIGH
    assert person.next_visit_due == timezone.localdate()  # never visited: due from registration
    visit, created = services.visit_record(actor=care.grid_worker, person=person, visited_at=timezone.now(),
                                           token="a" * 32, checklist={"health": "ok", "gas": "concern"},
                                           notes="燃气软管老化，已提醒更换")
    person.refresh_from_db()
    assert created and visit.on_time
    assert person.next_visit_due == timezone.localdate() + timedelta(days=7)
    assert visit.checklist == {"health": "ok", "gas": "concern"}


def test_resubmitting_a_visit_records_one(care):
    person = register(care)
    first, created = services.visit_record(actor=care.grid_worker, person=person, visited_at=timezone.now(),
                                           token="b" * 32)
    again, created_again = services.visit_record(actor=care.grid_worker, person=person,
                                                 visited_at=timezone.now(), token="b" * 32)
    assert created and not created_again and first == again
    assert Visit.objects.count() == 1


def test_a_visit_in_the_future_is_refused(care):
    person = register(care)
    with pytest.raises(BadInput) as refused:
        services.visit_record(actor=care.grid_worker, person=person, token="c" * 32,
                              visited_at=timezone.now() + timedelta(hours=2))
    assert "未来" in str(refused.value.message)
    assert not Visit.objects.exists()


def test_a_need_found_on_a_visit_becomes_a_demand_in_the_dispatchers_queue(care):
    person = register(care, grid=care.grid)
    visit, _created = services.visit_record(
        actor=care.grid_worker, person=person, visited_at=timezone.now(), token="d" * 32,
        need=services.NeedInput(title="独居老人家中暖气不热", description="室温只有12度，老人行动不便，需要供热单位上门。"))
    link = VisitNeed.objects.get(visit=visit)
    appeal = link.appeal
    assert appeal.channel == Channel.GRID_VISIT
    assert appeal.created_by == care.grid_worker
    assert appeal.place == care.grid  # the person's grid, in the visiting worker's scope
    assert appeal.contact_name == person.name and appeal.contact_phone == person.phone
    assert appeal.state in (State.TO_DISPATCH, State.TO_ACCEPT)
    if appeal.state == State.TO_DISPATCH:
        assert appeals_in_queue(care.cast.dispatcher, "to_dispatch").filter(pk=appeal.pk).exists()
    from care.selectors import needs_with_state, person_visits

    shown = needs_with_state(care.grid_worker, list(person_visits(person)))[visit.pk]
    assert shown[0]["code"] == appeal.code and shown[0]["state"] == appeal.get_state_display()


def test_a_village_cadre_responsible_for_the_person_records_a_visit_that_finds_a_need(care):
    """A village cadre records no demands for residents in general, but as the person's responsible person
    the visit files its need in the person's place on care's word (appeals' voucher), channel 走访."""
    from care.models import CarerRole

    person = register(care, carer=care.grid_worker)
    services.assignment_start(actor=care.cast.root, person=person, carer=care.village_cadre,
                              role=CarerRole.VILLAGE_CADRE)
    visit, created = services.visit_record(
        actor=care.village_cadre, person=person, visited_at=timezone.now(), token="e" * 32,
        need=services.NeedInput(title="需要轮椅", description="老人腿脚不便，出门需要一辆轮椅。"))
    assert created and visit.visitor == care.village_cadre
    appeal = VisitNeed.objects.get(visit=visit).appeal
    assert appeal.channel == Channel.GRID_VISIT  # 走访
    assert appeal.created_by == care.village_cadre and appeal.place == care.cast.community
    assert appeal.contact_name == person.name and appeal.title == "需要轮椅"
    person.refresh_from_db()
    assert person.last_visit_at is not None


def test_a_refused_need_refuses_the_visit_and_writes_nothing(care):
    """The voucher covers the carer's own person only: a cadre who is no responsible person of someone may
    not visit them, and a need appeals refuses (no title) refuses the visit whole, so the form comes back."""
    from appeals.models import Appeal

    person = register(care, carer=care.village_cadre)
    with pytest.raises(BadInput):
        services.visit_record(actor=care.village_cadre, person=person, visited_at=timezone.now(), token="e" * 32,
                              need=services.NeedInput(title="  ", description="老人腿脚不便，需要轮椅。"))
    other = register(care, name="李桂兰", seq="004")  # the grid worker's, not the cadre's
    with pytest.raises(NotAllowed):
        services.visit_record(actor=care.village_cadre, person=other, visited_at=timezone.now(), token="f" * 32,
                              need=services.NeedInput(title="需要轮椅", description="老人腿脚不便，需要轮椅。"))
    assert not Visit.objects.exists() and not Appeal.objects.exists()
    person.refresh_from_db()
    assert person.last_visit_at is None


def test_membership_values_are_checked_against_the_category_fields(care):
    person = register(care, category=None)
    with pytest.raises(BadInput) as refused:
        services.membership_set(actor=care.cast.root, person=person, category=care.categories["disabled"],
                                since=timezone.localdate(), source="civil_affairs",
                                values={"残疾等级": "五级", "颜色": "红"})
    assert len(refused.value.details) == 2
    membership, created = services.membership_set(
        actor=care.cast.root, person=person, category=care.categories["disabled"], since=timezone.localdate(),
        source="civil_affairs", values={"残疾等级": "一级", "disability_type": "肢体"})
    assert created and membership.values == {"disability_grade": "一级", "disability_type": "肢体"}
    person.refresh_from_db()
    assert person.risk_level == RiskLevel.HIGH  # 一级残疾


def test_ending_a_membership_keeps_it(care):
    person = register(care)
    membership = person.memberships.get()
    services.membership_end(actor=care.cast.root, membership=membership, reason="迁出")
    membership.refresh_from_db()
    assert membership.until == timezone.localdate()
    assert CareMembership.objects.count() == 1
    person.refresh_from_db()
    assert person.next_visit_due is None  # in no category: no visit planned


def test_the_nightly_refresh_raises_the_risk_of_someone_not_visited_for_60_days(care):
    from io import StringIO

    from django.core.management import call_command

    person = register(care, birth="19700101", category="dibao")
    assert person.risk_level == RiskLevel.LOW
    Person.objects.filter(pk=person.pk).update(created_at=timezone.now() - timedelta(days=61))
    out = StringIO()
    call_command("care_refresh", "--no-progress", stdout=out)
    person.refresh_from_db()
    assert person.risk_level == RiskLevel.MEDIUM  # the seeded rule: 60 days without a visit
    assert "1" in out.getvalue()
