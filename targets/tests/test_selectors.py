"""The leader's dashboard reads what the refresh keeps: a fixed number of queries however many targets
and units, the month running's figures as counted at the last refresh (never older than an hour), the
same figures as counted live."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from appeals.kpis import month_period
from appeals.services import appeal_dispatch
from conftest import make_unit, new_appeal
from orgs.models import Level, UnitKind
from targets import progress, selectors, snapshots

from .conftest import at
from .test_progress import make_target

APRIL = month_period(2026, 4)


def refresh():
    selectors.snapshots_refresh(today=date(2026, 4, 10))
    snapshots.running_refresh(today=date(2026, 4, 10))
    progress.progress_refresh(today=date(2026, 4, 10))


def board_figures(board):
    return {
        (line.indicator.code, unit.pk): line.value if unit is None else value
        for section in board.sections
        for line in section.lines
        for unit, value in [(board.unit, line.value), *line.children]
    }


def test_the_dashboards_queries_do_not_grow_with_targets_or_units(t, django_assert_max_num_queries):
    cast = t.cast
    with at("2026-04-10 09:00"):
        appeal_dispatch(actor=cast.dispatcher, appeal=new_appeal(cast), target=cast.yuci_health)
        make_target(t, owner_unit=cast.city, indicator_code="demands.received", baseline="0", target_value="9")
        make_target(t)
        refresh()
    with at("2026-04-10 09:30"), CaptureQueriesContext(connection) as few:
        board = selectors.dashboard(cast.leader, cast.city, APRIL)
    assert len(board.targets) == 2 and len(board.children) == 2 and board.figures_as_of is not None

    with at("2026-04-10 09:40"):
        for n in range(3):
            county = make_unit(cast.root, f"14072{n}000000", f"新县{n}", Level.COUNTY, UnitKind.COUNTY, cast.city)
            make_unit(cast.root, f"14072{n}001000", f"新镇{n}", Level.TOWNSHIP, UnitKind.TOWN, county)
        for code in ("demands.closed", "care.people", "care.coverage", "reported.inpatients", "reported.family-doctor"):
            for owner in (cast.city, cast.yuci, cast.taigu):
                rate = code in ("care.coverage", "reported.family-doctor")
                make_target(
                    t,
                    owner_unit=owner,
                    indicator_code=code,
                    baseline="40" if rate else "0",
                    target_value="60" if rate else "100",
                )
        refresh()
    with at("2026-04-10 09:50"), django_assert_max_num_queries(len(few)):
        board = selectors.dashboard(cast.leader, cast.city, APRIL)
    assert len(board.targets) == 17 and len(board.children) == 5
    assert len(few) <= 15  # the children, the indicators, the kept figures, the targets and their points …


def test_the_month_running_is_read_as_counted_at_the_refresh_and_live_once_an_hour_old(client, t):
    cast = t.cast
    with at("2026-04-10 09:00"):
        appeal_dispatch(actor=cast.dispatcher, appeal=new_appeal(cast), target=cast.yuci_health)
        make_target(t, owner_unit=cast.city, indicator_code="demands.received", baseline="0", target_value="9")
        live = board_figures(selectors.dashboard(cast.leader, cast.city, APRIL))
        refresh()
        kept = selectors.dashboard(cast.leader, cast.city, APRIL)
    assert board_figures(kept) == live and kept.figures_as_of is not None
    with at("2026-04-10 09:05"):
        appeal_dispatch(actor=cast.dispatcher, appeal=new_appeal(cast), target=cast.yuci_health)
    with at("2026-04-10 09:10"):
        board = selectors.dashboard(cast.leader, cast.city, APRIL)
        client.force_login(cast.leader)
        html = client.get("/targets/?month=2026-04").content.decode()
    assert board_figures(board)[("demands.received", cast.city.pk)].value == 1  # as counted at 09:00
    assert "data-figures-as-of" in html and "09:00" in html
    with at("2026-04-10 10:01"):
        board = selectors.dashboard(cast.leader, cast.city, APRIL)
        html = client.get("/targets/?month=2026-04").content.decode()
    assert board_figures(board)[("demands.received", cast.city.pk)].value == 2 and board.figures_as_of is None
    assert "data-figures-as-of" not in html
