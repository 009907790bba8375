"""manage.py care_demo: the demo registry over the demo city, its social worker's login, and when it skips
or refuses."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from appeals.models import Appeal
from care.models import CareAssignment, CarerRole, Person, PersonNeed, Visit
from care.selectors import my_visits, people_visible_to
from orgs.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_care_demo_builds_a_registry_with_visits_some_overdue(categories):
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("care_demo", "--if-empty", "--per-village", "6", stdout=out)
    assert "shuncheng_social" in out.getvalue()
    people = Person.objects.count()
    assert people > 60
    assert Person.objects.filter(next_visit_due__lt=timezone.localdate()).exists()
    # Every carer's 我的走访 opens onto work: someone overdue on each due list.
    carers = User.objects.filter(pk__in=CareAssignment.objects.values("carer_id"))
    assert carers.count() > 3
    idle = [carer.username for carer in carers if not my_visits(carer).overdue_count]
    assert idle == []
    assert Visit.objects.filter(on_time=True).exists()
    assert Person.objects.filter(risk_level="high").exists()
    assert Person.objects.exclude(pk__in=CareAssignment.objects.values("person_id")).exists()  # coverage gaps
    social = User.objects.get(username="shuncheng_social")
    assert social.check_password(DEMO_PASSWORD)
    assert CareAssignment.objects.filter(carer=social, role=CarerRole.SOCIAL_WORKER).exists()
    assert set(people_visible_to(social).values_list("unit__code", flat=True)) == {"140702001001"}
    assert CareAssignment.objects.filter(role=CarerRole.GRID_WORKER, carer__username__endswith="_grid").exists()
    assert Appeal.objects.filter(channel="grid_visit").count() <= 4
    # The registry pages' demo: two ended records, a department that sees only the category it serves, a
    # need a village cadre filed from a record.
    assert sorted(Person.objects.filter(ended_on__isnull=False).values_list("end_reason", flat=True)) == [
        "died", "moved_away"]
    dpf = User.objects.get(username="yuci_dpf_handler")
    seen = people_visible_to(dpf)
    assert seen.exists() and all(p.unit.code.startswith("140702") for p in seen)
    assert all(p.memberships.filter(category__code="disabled", until__isnull=True).exists() for p in seen)
    assert PersonNeed.objects.get().filed_by.memberships.get().role == "handler"
    call_command("care_demo", "--if-empty", stdout=out)
    assert Person.objects.count() == people


@override_settings(DEBUG=False)
def test_care_demo_refuses_without_debug(categories):
    with pytest.raises(CommandError):
        call_command("care_demo", stdout=StringIO())


@override_settings(DEBUG=True)
def test_care_demo_needs_the_demo_city(categories):
    with pytest.raises(CommandError):
        call_command("care_demo", stdout=StringIO())
