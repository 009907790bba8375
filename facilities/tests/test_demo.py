"""manage.py facilities_demo: every type in the demo villages, a canteen with a week of meals and orders,
the canteen manager's login and home, and skipping when facilities exist."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from facilities import selectors
from facilities.models import Facility, FacilityType, MealOrder, Slot
from orgs.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_facilities_demo_builds_every_type_and_a_canteen_week(client):
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("facilities_demo", "--if-empty", stdout=out, stderr=StringIO())
    assert "shuncheng_canteen" in out.getvalue()
    assert set(Facility.objects.values_list("type__code", flat=True)) == set(
        FacilityType.objects.values_list("code", flat=True))
    canteen = Facility.objects.get(name="顺城社区长者食堂")
    today = timezone.localdate()
    assert Slot.objects.filter(resource__facility=canteen).count() == 7
    assert MealOrder.objects.filter(facility=canteen, served_on=today).exists()
    assert MealOrder.objects.filter(facility=canteen, served_on__lt=today, booking__state="checked_in").exists()
    assert MealOrder.objects.filter(subsidy__gt=0).exists()
    assert Slot.objects.filter(resource__kind="venue", starts_at__gt=timezone.now()).exists()
    # Day-care places repeat Monday to Friday, four weeks ahead, made by a weekly pattern.
    made = Slot.objects.filter(resource__name="日间照料名额", pattern__isnull=False)
    assert made.exists() and {timezone.localtime(s.starts_at).weekday() for s in made} <= {0, 1, 2, 3, 4}
    assert max(s.starts_at for s in made) > timezone.now() + timezone.timedelta(days=21)
    manager = User.objects.get(username="shuncheng_canteen")
    assert manager.check_password(DEMO_PASSWORD)
    client.force_login(manager)
    html = client.get("/").content.decode()
    orders = selectors.meal_counts(day=today)[canteen.pk].orders
    assert f'data-today-orders="{canteen.pk}">{orders} 份' in html
    count = Facility.objects.count()
    call_command("facilities_demo", "--if-empty", stdout=out)
    assert Facility.objects.count() == count
