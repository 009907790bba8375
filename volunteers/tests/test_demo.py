"""manage.py volunteers_demo: the demo volunteering over the demo city, the volunteer's login with real
work, and when it skips or refuses."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from volunteers import selectors
from volunteers.demo import DEMO_VOLUNTEER
from volunteers.models import Activity, EntryKind, HoursEntry, Volunteer, VolunteerStatus

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_the_demo_builds_a_team_with_activities_past_and_upcoming_and_hours(skills):
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("volunteers_demo", "--if-empty", stdout=out)
    assert DEMO_VOLUNTEER[0] in out.getvalue()
    now = timezone.now()
    assert Activity.objects.filter(slots__starts_at__lt=now).exists()
    assert Activity.objects.filter(slots__starts_at__gt=now).exists()
    assert HoursEntry.objects.filter(kind=EntryKind.CORRECTION).exclude(reason="").count() == 1
    assert Volunteer.objects.filter(status=VolunteerStatus.APPLIED).count() == 1  # one application to approve
    volunteer = Volunteer.objects.get(user__phone_index__isnull=False, name=DEMO_VOLUNTEER[1])
    assert selectors.total_minutes(volunteer) > 0
    assert selectors.upcoming_signups(volunteer).count() >= 2
    volunteers, entries = Volunteer.objects.count(), HoursEntry.objects.count()
    call_command("volunteers_demo", "--if-empty", stdout=out)
    assert (Volunteer.objects.count(), HoursEntry.objects.count()) == (volunteers, entries)


@override_settings(DEBUG=False)
def test_the_demo_refuses_with_debug_off(db):
    with pytest.raises(CommandError):
        call_command("volunteers_demo", stdout=StringIO())
