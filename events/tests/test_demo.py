"""manage.py events_demo: the county's chess tournament with teams, the community's square-dance show going
on with some checked in, a finished 非遗 show with results and a photo, and shuncheng_handler's work."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from accounts.models import User
from events.models import Event, EventState, SignupState

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_events_demo_gives_the_community_organiser_real_work(client, media_root):
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("events_demo", "--if-empty", stdout=out, stderr=StringIO())
    assert "shuncheng_handler" in out.getvalue()
    chess = Event.objects.get(kind="sports")
    assert chess.takes_teams and chess.state == EventState.PUBLISHED and chess.signups.count() == 5
    assert chess.department.kind == "sports"
    dance = Event.objects.get(kind="performance")
    states = list(dance.signups.values_list("state", flat=True))
    assert states.count(SignupState.CHECKED_IN) == 11 and states.count(SignupState.CONFIRMED) >= 5
    show = Event.objects.get(kind="heritage")
    assert show.state == EventState.FINISHED and show.results.count() == 4 and show.photos.count() == 1
    assert Event.objects.filter(state=EventState.DRAFT).count() == 1

    client.force_login(User.objects.get(username="shuncheng_handler"))
    html = client.get("/events/staff/").content.decode()
    assert "顺城社区广场舞展演" in html and "象棋团体赛" not in html  # the county's is not theirs to organise
    html = client.get(f"/events/staff/{dance.pk}/").content.decode()
    assert html.count("签到</button>") >= 5
    photo = show.photos.get()
    resident = dance.signups.first().resident
    client.force_login(resident)
    page = client.get(f"/events/{show.pk}/").content.decode()
    assert "剪纸比赛一等奖" in page and f"/events/photos/{photo.pk}/" in page
    assert client.get(f"/events/photos/{photo.pk}/")["Content-Type"] == "image/jpeg"
    assert "象棋团体赛" in client.get("/events/").content.decode()

    out = StringIO()
    call_command("events_demo", "--if-empty", stdout=out)
    assert Event.objects.count() == 4
