"""`appeals_generate --demo`: the demo's history, replayed through the services as the demo's staff."""

import io
from datetime import datetime

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from appeals.deadlines import calendar_exceptions, is_working_day
from appeals.models import Action, Appeal, AppealEvent, ExtensionRequest, Message, Satisfaction, State
from appeals.selectors import queue_counts
from orgs import demo
from orgs.models import Role

pytestmark = pytest.mark.django_db

# What each role opens onto: the queues that must not be empty for its demo logins.
WORK = {
    Role.DISPATCHER: ("to_dispatch",),
    Role.HANDLER: ("to_accept", "handling"),
    Role.SUPERVISOR: ("overdue", "urged"),
    Role.GRID_WORKER: ("to_dispatch", "to_accept", "handling"),
    Role.LEADER: ("handling",),
    Role.ADMIN: ("handling",),
}


def generate(count: int, days: int, seed: int = 2026):
    call_command("appeals_generate", count, days=days, seed=seed, demo=True, stdout=io.StringIO(),
                 stderr=io.StringIO())


@pytest.fixture
def demo_city():
    call_command("seed_demo", force=True, stdout=io.StringIO())


# The history ends now, whenever ``make run`` is run: in the evening the day's last steps are still to come,
# after a weekend two days did nothing (taigu_supervisor once opened onto nothing at 20:30).
MOMENTS = {"tuesday-evening": "2026-12-01T20:30", "monday-morning": "2026-11-23T09:05",
           "saturday": "2026-11-28T11:00"}


@pytest.fixture(params=MOMENTS.values(), ids=MOMENTS.keys())
def moment(request):
    import time_machine

    with time_machine.travel(datetime.fromisoformat(request.param).replace(tzinfo=timezone.get_default_timezone()),
                             tick=True):
        yield


def test_every_demo_login_opens_onto_work_and_the_mix_is_realistic(moment, demo_city):
    generate(260, days=14)
    assert Appeal.objects.count() == 260
    users = {u.username: u for u in User.objects.filter(username__in=[s[0] for s in demo.STAFF])}
    idle = []
    for username, _name, role, _place, _phone in demo.STAFF:
        counts = queue_counts(users[username])
        if not any(counts[queue] for queue in WORK[role]):
            idle.append((username, counts))
    assert idle == []

    # Steps happen in working hours on working days, as people took them.
    start, end = settings.WORKING_HOURS
    calendar = calendar_exceptions()
    for moment in [*AppealEvent.objects.values_list("created_at", flat=True),
                   *Message.objects.values_list("created_at", flat=True)]:
        local = timezone.localtime(moment)
        assert is_working_day(local.date(), calendar) and start <= local.time() <= end, local

    # Each part of the loop a demo should show is there, by people (not the generator).
    actions = set(AppealEvent.objects.values_list("action", flat=True))
    assert {Action.RETURN, Action.URGE, Action.REQUEST_EXTENSION, Action.APPROVE_EXTENSION, Action.OVERDUE,
            Action.REOPEN, Action.REJECT, Action.RATE, Action.CLOSE} <= actions
    assert not AppealEvent.objects.filter(actor_label="generated").exists()
    assert AppealEvent.objects.filter(action=Action.DISPATCH, actor__username__endswith="_dispatcher").exists()
    assert Appeal.objects.filter(state=State.TO_DISPATCH).exists()
    assert Appeal.objects.filter(satisfaction=Satisfaction.UNSATISFIED).exists()
    assert Appeal.objects.filter(reopen_count__gt=0).exists()
    assert Appeal.objects.filter(is_overdue=True).exists()
    closed = Appeal.objects.filter(state=State.CLOSED)
    # Two weeks: many still open (most close within 60 days); 52 of 260 on a Saturday, when the last two days
    # closed nothing.
    assert closed.count() > Appeal.objects.count() / 6
    rated = closed.exclude(satisfaction="")
    assert rated.filter(satisfaction=Satisfaction.SATISFIED).count() > rated.count() / 2
    # Departments differ: not every one at 100 % satisfied.
    shares = set()
    for department in rated.values_list("assigned_department", flat=True).distinct():
        mine = rated.filter(assigned_department=department)
        shares.add(round(mine.filter(satisfaction=Satisfaction.SATISFIED).count() / mine.count(), 2))
    assert len(shares) > 2
    assert ExtensionRequest.objects.exclude(status=ExtensionRequest.Status.PENDING).exists()


def signature():
    return list(Appeal.objects.order_by("created_at", "title").values_list(
        "created_at", "title", "place__code", "state", "assigned_department__code", "assigned_unit__code",
        "return_count", "urge_count", "reopen_count", "satisfaction", "is_overdue"))


def test_the_same_seed_replays_the_same_history(demo_city):
    now = timezone.now()
    generate(40, days=4, seed=5)
    first = signature()
    assert first and all(created <= now for created, *_rest in first)
    Appeal.objects.all().delete()
    generate(40, days=4, seed=5)
    assert signature() == first
    Appeal.objects.all().delete()
    generate(40, days=4, seed=6)
    assert signature() != first


def test_the_demo_needs_the_demo_city(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="seed_demo"):
        generate(10, days=2)


def test_if_empty_leaves_an_existing_history_alone(demo_city):
    generate(30, days=3)
    call_command("appeals_generate", 30, days=3, seed=1, demo=True, if_empty=True, stdout=io.StringIO())
    assert Appeal.objects.count() == 30


def test_a_week_old_demand_was_received_in_working_hours():
    """The clock the services read is moved only inside the replay."""
    from appeals.demo import Clock

    real = timezone.now()
    with Clock() as clock:
        clock.at = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.get_current_timezone())
        assert timezone.now() == clock.at
    assert abs((timezone.now() - real).total_seconds()) < 60


def test_the_demo_run_sends_its_notifications_through_the_demo_sms(demo_city, settings):
    """As `make run` has it (DEBUG on, the demo's SMS backend): every notification of the demo's demands is
    sent, none given up (the generator once switched DEBUG off for its run, and the demo backend refused)."""
    from accounts.sms import DEMO_BACKEND

    settings.DEBUG = True
    settings.SMS_BACKEND = DEMO_BACKEND
    generate(60, days=7)
    outbox = AppealEvent.objects.exclude(delivery=AppealEvent.Delivery.NONE)
    assert outbox.filter(delivery=AppealEvent.Delivery.SENT).exists()
    assert not outbox.filter(delivery=AppealEvent.Delivery.FAILED).exists()
