"""Overdue visits escalate to the village's queue, then the township's, by the nightly sweep: idempotent,
told once by in-site message, cleared by a visit; the queue pages for those units' staff only."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from appeals.models import Message
from care import services
from care.models import Escalation, EscalationSettings, Person
from care.tests.conftest import register
from conftest import make_staff
from orgs.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(care):
    """A person whose visit was due 10 days ago (village after 7 days; township after 7 + 14)."""
    person = register(care)
    Person.objects.filter(pk=person.pk).update(next_visit_due=timezone.localdate() - timedelta(days=10))
    care.township_staff = make_staff("beiguan_handler", (Role.HANDLER, care.cast.beiguan), root=care.cast.root)
    return person


def test_the_sweep_escalates_to_the_village_then_the_township(care, late):
    today = timezone.localdate()
    assert services.escalation_sweep(today=today) == {"township": 0, "village": 1, "cleared": 0}
    escalation = Escalation.objects.get()
    assert (escalation.level, escalation.unit, escalation.due_on) == ("village", care.cast.community,
                                                                      today - timedelta(days=10))
    assert Person.objects.get(pk=late.pk).escalation == "village"
    # Fourteen days later it goes on to the township (北关街道).
    assert services.escalation_sweep(today=today + timedelta(days=14))["township"] == 1
    assert Person.objects.get(pk=late.pk).escalation == "township"
    assert Escalation.objects.get(level="township").unit == care.cast.beiguan


def test_the_sweep_and_its_messages_are_idempotent(care, late):
    call_command("care_refresh", "--no-progress")
    # care_refresh recomputed the due date (never visited: due since registration, not overdue), so
    # make it overdue again and sweep twice.
    Person.objects.filter(pk=late.pk).update(next_visit_due=timezone.localdate() - timedelta(days=10))
    services.escalation_sweep()
    services.escalations_deliver()
    told = list(Message.objects.values_list("recipient__username", "text"))
    assert ("shuncheng_cadre", told[0][1]) in told and "走访超期" in told[0][1]
    assert "grid" not in [name for name, _text in told]  # grid workers have their own list
    assert services.escalation_sweep() == {"township": 0, "village": 0, "cleared": 0}
    assert services.escalations_deliver() == 0
    assert Escalation.objects.count() == 1 and Message.objects.count() == len(told)


def test_a_visit_takes_the_person_off_the_queue(care, late):
    services.escalation_sweep()
    services.visit_record(actor=care.grid_worker, person=late, visited_at=timezone.now(), token="e" * 32,
                          checklist={})
    assert Person.objects.get(pk=late.pk).escalation == ""
    assert services.escalation_sweep()["cleared"] == 0


def test_the_days_are_configurable(care, late):
    config = EscalationSettings.current()
    config.village_after_days = 11
    services.escalation_settings_save(actor=care.cast.root, config=config)
    assert services.escalation_sweep()["village"] == 0
    config.village_after_days = 3
    config.township_after_days = 5
    services.escalation_settings_save(actor=care.cast.root, config=config)
    assert services.escalation_sweep()["township"] == 1


def test_the_queues_are_for_the_village_and_township_staff(client, care, late):
    services.escalation_sweep()
    client.force_login(care.village_cadre)
    page = client.get(reverse("care:escalated"))
    assert page.status_code == 200 and "王**" in page.content.decode() and "王秀英" not in page.content.decode()
    assert "走访超期" in client.get("/").content.decode()  # reachable from the home page and the menu
    client.force_login(care.township_staff)
    township = client.get(reverse("care:escalated"))
    assert township.context["level"] == "township" and township.context["page"].paginator.count == 0
    village = client.get(reverse("care:escalated") + "?level=village")
    assert village.context["page"].paginator.count == 1
    client.force_login(care.ruyi_worker)
    assert client.get(reverse("care:escalated")).status_code == 403
    client.force_login(care.grid_worker)
    assert client.get(reverse("care:escalated")).status_code == 403
    other = make_staff("ruyi_cadre", (Role.HANDLER, care.ruyi), root=care.cast.root)
    client.force_login(other)
    assert client.get(reverse("care:escalated")).context["page"].paginator.count == 0
