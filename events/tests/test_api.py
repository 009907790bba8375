"""The events API: a resident's events and sign-ups, staff's scope, and nobody else's rows."""

from events import services
from events.tests.conftest import TEAM


def test_a_resident_lists_their_events_and_reads_one(client, ev):
    client.force_login(ev.cast.resident)
    body = client.get("/api/v1/events/events").json()
    assert [e["title"] for e in body["items"]] == ["社区广场舞展演", "榆次区象棋团体赛"]
    chess = client.get(f"/api/v1/events/events/{ev.chess.pk}").json()
    assert chess["takes_teams"] and chess["team_min"] == 3 and chess["organiser"] == "榆次区体育局"


def test_a_resident_elsewhere_gets_nothing_and_a_404(client, ev):
    client.force_login(ev.taigu_resident)
    assert client.get("/api/v1/events/events").json()["count"] == 0
    assert client.get(f"/api/v1/events/events/{ev.dance.pk}").status_code == 404


def test_my_sign_ups_are_masked(client, ev):
    services.signup_create(actor=ev.cast.resident, event=ev.chess, name="顺城象棋队", members=TEAM)
    client.force_login(ev.cast.resident)
    rows = client.get("/api/v1/events/signups").json()
    assert rows[0]["name"] == "顺城象棋队" and rows[0]["people"] == 3
    assert rows[0]["members"][0] == "王芳 139****0001"


def test_staff_see_their_scope_and_no_sign_ups(client, ev):
    client.force_login(ev.cast.grid_worker)
    assert [e["title"] for e in client.get("/api/v1/events/events").json()["items"]] == ["社区广场舞展演"]
    assert client.get("/api/v1/events/signups").status_code == 403


def test_without_credentials_401(client, ev):
    assert client.get("/api/v1/events/events").status_code == 401
