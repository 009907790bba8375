"""The 三率 daily summary: the KPI counts of each past day per holder, so the KPI page over a year of
a million appeals sums about a hundred thousand summary rows instead of reading a million index
entries twice.

``rollup()`` (``manage.py appeals_kpi_rollup`` from cron, or the ``kpi_rollup`` task) writes
``KpiDaySummary`` rows for the days before today and remembers in ``KpiRollupState`` how far they
go (``covered_until``) and as of when (``watermark``). The page (``appeals.kpis``) then takes:

- the summary for the covered days of the period;
- a live count for the days after ``covered_until`` (today, or anything since the last run), and
  for every covered day an appeal changed after the watermark may have moved (``changed_days``);
- always live, the appeals still waiting for acceptance (签收): whether one counts in the
  响应率's denominator depends on the time one looks (its deadline passed or not), so the summary
  holds only the accepted ones.

So the figures are the same whether or not, and however long ago, the rollup ran; only the time
differs. Run it every few minutes: the appeals closed since the last run make the days they were
dispatched on (weeks back) count live until the next one.

Which days an appeal can have moved: its dispatch day and closing day now, any dispatch day it had
before, and the day it was recorded (its "received" row, ``ReceivedDaySummary``, is keyed by its
current holder). ``dispatched_at`` changes only on a DISPATCH or REASSIGN (改派) event, written a moment
after the value in the same transaction, so the earlier dispatch days are the days of those events
(and the day before, for an event in the first minute after midnight). ``closed_at`` of a CLOSED
appeal never changes: CLOSED is final. A transfer (转办), return (退单), acceptance or rating changes
the holder or flags of the current dispatch or closing day, which is counted anyway. Every change
goes through a service that saves the row, which moves ``updated_at``.

Each run recomputes whole days from the appeals (delete the day's rows, write them again), so running
it twice gives the same rows; two runs at once are serialised by a row lock on the state row (SQLite
serialises writers by itself). The watermark is the run's start minus ``MARGIN``, so a change whose
transaction was still open while the run read the appeals is counted live and recomputed next time.
Deleting appeals outside the services (which the platform never does) needs ``--full``.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from appeals.models import (
    Action,
    Appeal,
    AppealEvent,
    KpiDaySummary,
    KpiRollupState,
    ReceivedDaySummary,
    ReceivedKey,
    Satisfaction,
    State,
)

STATE_PK = 1
MARGIN = timedelta(minutes=10)
# Beyond this many appeals changed since the last run, the page counts the whole period live rather
# than work out which days they touched (the rollup has not run for a long while).
CHANGED_LIMIT = 20_000
# At most this many live ranges of days per period (each is a query per side of the figures).
MAX_LIVE_RANGES = 4
BATCH = 5000
# The summary's counts, in the names of appeals.kpis.Figures (``accepted`` becomes part of ``dispatched``).
FIELDS = ("accepted", "accepted_on_time", "closed", "closed_on_time", "rated", "resolved", "satisfied", "basic")
MOVING_ACTIONS = (Action.DISPATCH, Action.REASSIGN)


def closed_counts(prefix: str = "") -> dict:
    """The closing side of the figures, counted over closed appeals (the page's live count and the
    rollup's count the same way)."""
    rated = ~Q(satisfaction="")
    return {
        f"{prefix}closed": Count("closed_at"),
        f"{prefix}closed_on_time": Count("closed_at", filter=Q(closed_on_time=True)),
        f"{prefix}rated": Count("closed_at", filter=rated),
        f"{prefix}resolved": Count("closed_at", filter=rated & Q(resolved=True)),
        f"{prefix}satisfied": Count("closed_at", filter=Q(satisfaction=Satisfaction.SATISFIED)),
        f"{prefix}basic": Count("closed_at", filter=Q(satisfaction=Satisfaction.BASIC)),
    }


# --- days and ranges -----------------------------------------------------------------------------

def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def day_ranges(days) -> list[tuple[date, date]]:
    """Consecutive days merged into (first, last) ranges, in order."""
    ranges: list[list[date]] = []
    for day in sorted(set(days)):
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return [(first, last) for first, last in ranges]


def changed_days(since: datetime, *, limit: int | None = None) -> set[date] | None:
    """The days whose figures the appeals updated after ``since`` may have changed (see the module
    docstring); None when more than ``limit`` appeals changed."""
    changed = Appeal.objects.filter(updated_at__gt=since).order_by()
    rows = list(changed.values_list("pk", "dispatched_at", "closed_at", "created_at")[: limit + 1 if limit else None])
    if limit is not None and len(rows) > limit:
        return None
    moments = [moment for _pk, *pair in rows for moment in pair if moment is not None]
    ids = [pk for pk, *_pair in rows]
    for chunk in range(0, len(ids), 1000):  # by the appeal's own index, a chunk at a time
        for created in (AppealEvent.objects.filter(appeal_id__in=ids[chunk:chunk + 1000], action__in=MOVING_ACTIONS)
                        .order_by().values_list("created_at", flat=True)):
            moments += [created, created - timedelta(minutes=1)]
    return {timezone.localdate(moment) for moment in moments}


# --- reading ------------------------------------------------------------------------------------

@dataclass
class Plan:
    """How the page counts one period: ``summary`` days from KpiDaySummary, ``live`` ranges from the
    appeals. ``covered_until`` is None when there is no summary yet."""

    summary: tuple[date, date] | None = None
    summary_excluded: set[date] = field(default_factory=set)
    live: list[tuple[date, date]] = field(default_factory=list)
    covered_until: date | None = None
    refreshed_at: datetime | None = None

    def within(self, start: date, end: date) -> "Plan":
        """The same plan cut to ``start``–``end`` (inside the planned period): a month of a year's trend
        without looking up the changed appeals again."""
        summary = None
        if self.summary is not None:
            first, last = max(self.summary[0], start), min(self.summary[1], end)
            summary = (first, last) if first <= last else None
        live = [(max(first, start), min(last, end)) for first, last in self.live if first <= end and last >= start]
        excluded = {day for day in self.summary_excluded if start <= day <= end}
        return Plan(summary=summary, summary_excluded=excluded, live=live, covered_until=self.covered_until,
                    refreshed_at=self.refreshed_at)

    def summary_q(self) -> Q:
        first, last = self.summary
        q = Q(day__gte=first, day__lte=last)
        return q & ~Q(day__in=sorted(self.summary_excluded)) if self.summary_excluded else q


def current_state() -> KpiRollupState | None:
    return KpiRollupState.objects.filter(pk=STATE_PK).first()


def plan(start: date, end: date, *, use_summary: bool = True) -> Plan:
    """Which days of ``start``–``end`` come from the summary, which are counted live."""
    state = current_state() if use_summary else None
    if state is None or state.covered_until is None or state.watermark is None:
        return Plan(live=[(start, end)])
    result = Plan(covered_until=state.covered_until, refreshed_at=state.finished_at)
    last = min(end, state.covered_until)
    if last < start:
        result.live = [(start, end)]
        return result
    changed = changed_days(state.watermark, limit=CHANGED_LIMIT)
    if changed is None:
        result.live = [(start, end)]
        return result
    stale = {day for day in changed if start <= day <= last}
    live = set(_days(last + timedelta(days=1), end)) if last < end else set()
    # Each live range is one index range scan per side: join the nearest ranges (counting the days
    # between them live too) so a few scattered changed days never make many queries.
    ranges = day_ranges(stale | live)
    while len(ranges) > MAX_LIVE_RANGES:
        gaps = [(ranges[i + 1][0] - ranges[i][1], i) for i in range(len(ranges) - 1)]
        _gap, i = min(gaps)
        ranges[i:i + 2] = [(ranges[i][0], ranges[i + 1][1])]
    result.live = ranges
    result.summary = (start, last)
    result.summary_excluded = {day for first, final in ranges for day in _days(first, min(final, last))}
    return result


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


# --- writing ------------------------------------------------------------------------------------

@dataclass
class Result:
    days: int
    rows: int
    covered_until: date
    full: bool


def _locked_state() -> KpiRollupState:
    state = KpiRollupState.objects.select_for_update().filter(pk=STATE_PK).first()
    if state is None:
        try:
            with transaction.atomic():
                KpiRollupState.objects.create(pk=STATE_PK)
        except IntegrityError:  # another run created it first; its lock is what we wait for below
            pass
        state = KpiRollupState.objects.select_for_update().get(pk=STATE_PK)
    return state


def rollup(*, full: bool = False) -> Result:
    """Bring the summary up to yesterday: recompute the days changed since the last run and the days
    since then (all days with ``full``, or on the first run). Idempotent; safe to run twice at once."""
    with transaction.atomic():
        state = _locked_state()
        started = timezone.now()  # after the lock: a run that waited sees what changed meanwhile
        until = timezone.localdate(started) - timedelta(days=1)
        full = full or state.covered_until is None or state.watermark is None
        if full:
            KpiDaySummary.objects.all().delete()
            ReceivedDaySummary.objects.all().delete()
            first = _first_day()
            ranges = [(first, until)] if first and first <= until else []
            days = None
        else:
            until = max(until, state.covered_until)
            changed = {day for day in changed_days(state.watermark) if day <= state.covered_until}
            fresh = set(_days(state.covered_until + timedelta(days=1), until))
            days = changed | fresh
            ranges = day_ranges(days)
            for model in (KpiDaySummary, ReceivedDaySummary):
                model.objects.filter(day__in=sorted(changed)).delete()
                model.objects.filter(day__gt=state.covered_until).delete()
        rows = _summarise(ranges) if ranges else []
        KpiDaySummary.objects.bulk_create(rows, batch_size=BATCH)
        ReceivedDaySummary.objects.bulk_create(_summarise_received(ranges) if ranges else [], batch_size=BATCH)
        state.covered_until, state.watermark, state.finished_at = until, started - MARGIN, timezone.now()
        state.save()
    counted = len({row.day for row in rows}) if days is None else len(days)
    return Result(days=counted, rows=len(rows), covered_until=until, full=full)


def _first_day() -> date | None:
    earliest = Appeal.objects.aggregate(dispatched=Min("dispatched_at"), closed=Min("closed_at"),
                                        created=Min("created_at"))
    moments = [moment for moment in earliest.values() if moment is not None]
    return timezone.localdate(min(moments)) if moments else None


def _summarise(ranges) -> list[KpiDaySummary]:
    """The summary rows of the days in ``ranges``, counted from the appeals (two GROUP BY queries per range)."""
    zone = timezone.get_current_timezone()
    totals: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))

    def gather(queryset, column, counts):
        for first, last in ranges:  # one index range scan per range
            bounds = {f"{column}__gte": day_start(first), f"{column}__lt": day_start(last + timedelta(days=1))}
            add((queryset.filter(**bounds).order_by().annotate(kpi_day=TruncDate(column, tzinfo=zone))
                 .values("kpi_day", "assigned_department", "assigned_unit").annotate(**counts)), counts)

    def add(grouped, counts):
        for row in grouped:
            if row["assigned_department"] is None and row["assigned_unit"] is None:
                continue  # not with a holder (returned, waiting to be dispatched): nobody's figures
            key = (row["kpi_day"], row["assigned_department"], row["assigned_unit"])
            for name in counts:
                totals[key][name[2:]] += row[name]

    gather(Appeal.objects.all(), "dispatched_at", {
        "n_accepted": Count("dispatched_at", filter=Q(accepted_on_time__isnull=False)),
        "n_accepted_on_time": Count("dispatched_at", filter=Q(accepted_on_time=True)),
    })
    gather(Appeal.objects.filter(state=State.CLOSED), "closed_at", closed_counts(prefix="n_"))
    return [KpiDaySummary(day=day, department_id=department, unit_id=unit, **counts)
            for (day, department, unit), counts in sorted(totals.items(), key=_order)
            if any(counts.values())]


def _summarise_received(ranges) -> list[ReceivedDaySummary]:
    """The "received" rows of the days in ``ranges``: appeals recorded per day, place and holder (a
    ``ReceivedKey``, added here for a combination not seen before)."""
    zone = timezone.get_current_timezone()
    grouped = []
    for first, last in ranges:
        grouped += list(Appeal.objects.filter(created_at__gte=day_start(first),
                                              created_at__lt=day_start(last + timedelta(days=1)))
                        .order_by().annotate(kpi_day=TruncDate("created_at", tzinfo=zone))
                        .values_list("kpi_day", "place", "assigned_department", "assigned_unit")
                        .annotate(n=Count("pk")))
    keys = {(place, department, unit): pk for pk, place, department, unit
            in ReceivedKey.objects.values_list("pk", "place", "assigned_department", "assigned_unit")}
    missing = {tuple(combo) for _day, *combo, _n in grouped if tuple(combo) not in keys}
    if missing:
        ReceivedKey.objects.bulk_create([ReceivedKey(place_id=p, assigned_department_id=d, assigned_unit_id=u)
                                         for p, d, u in sorted(missing, key=str)], batch_size=BATCH)
        keys = {(place, department, unit): pk for pk, place, department, unit
                in ReceivedKey.objects.values_list("pk", "place", "assigned_department", "assigned_unit")}
    return [ReceivedDaySummary(day=day, key_id=keys[(place, department, unit)], received=n)
            for day, place, department, unit, n in grouped]


def _order(item):
    (day, department, unit), _counts = item
    return day, department or 0, unit or 0
