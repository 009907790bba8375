"""events' indicators: events held and people taking part, per unit and rolled up the tree."""

from datetime import timedelta

from django.utils import timezone

from appeals.kpis import Period
from events import services
from events.indicators import events_held, participants
from events.tests.conftest import TEAM


def test_held_and_taking_part_count_in_the_unit_and_above_it(ev):
    c = ev.cast
    team = services.signup_create(actor=c.resident, event=ev.chess, name="顺城象棋队", members=TEAM, now=ev.now)
    person = services.signup_create(actor=c.resident, event=ev.dance, name="张桂兰", now=ev.now)
    services.signup_check_in(actor=ev.sports_handler, signup=team, now=ev.chess.starts_at)
    services.signup_check_in(actor=c.grid_worker, signup=person, now=ev.start)
    services.event_finish(actor=c.grid_worker, event=ev.dance, now=ev.start + timedelta(hours=3))
    day = timezone.localdate(ev.start)
    period = Period(day - timedelta(days=1), day + timedelta(days=3))
    units = [c.city, c.yuci, c.beiguan, c.community, c.taigu]
    held = events_held(units, period)
    taking_part = participants(units, period)
    # the dance (顺城社区) is finished; the chess (榆次区) is not yet, so it is not held, but its team came
    assert [held[u.pk].amount for u in units] == [1, 1, 1, 1, 0]
    assert [taking_part[u.pk].amount for u in units] == [4, 4, 1, 1, 0]
