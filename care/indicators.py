"""care's indicators in the 民生实事 registry (targets.registry; plugged in by care/apps.py): people in
care, coverage by a responsible person and visits made on time, for a unit and everything below it.
Each is one GROUP BY per village over care's own tables, rolled up the tree; stocks as of the
period's last day, so past months are computed as they stood."""

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from care.models import CareAssignment, CareMembership, Person, Visit
from orgs.models import Unit
from targets.registry import Aggregation, Indicator, YearToDate, register, rolled_up, shared

SECTION = {"section": "care", "section_label": _("Care (包联)"), "section_order": 20}
# People in care and coverage are stocks read as of the period's last day: a year to date is the day's month.
STOCK = {**SECTION, "year_to_date": YearToDate.LAST}


def _open_on(day) -> Q:
    return Q(since__lte=day) & (Q(until__isnull=True) | Q(until__gt=day))


def _in_care_on(day):
    """People with a category open on ``day``: one EXISTS per person rather than a DISTINCT over the
    memberships (a person is in care once however many categories they are in)."""
    return Exists(CareMembership.objects.filter(_open_on(day), person=OuterRef("pk")))


def _by_path(rows) -> dict[str, int]:
    """{unit path: n} from rows grouped by unit id (the GROUP BY then needs no join to the units)."""
    paths = shared("care.unit_paths", lambda: dict(Unit.objects.values_list("pk", "path")))
    return {paths[row["unit_id"]]: row["n"] for row in rows}


def _people_by_village(period) -> dict[str, int]:
    def compute():
        rows = Person.objects.filter(_in_care_on(period.end)).order_by().values("unit_id").annotate(n=Count("pk"))
        return _by_path(rows)

    return shared(("care.people", period.end), compute)


def people(units, period):
    return rolled_up(units, _people_by_village(period))


def coverage(units, period):
    """People with a responsible person (包联人) ÷ people in care, on the period's last day."""

    def compute():
        rows = (
            Person.objects.filter(
                _in_care_on(period.end),
                Exists(CareAssignment.objects.filter(_open_on(period.end), person=OuterRef("pk"))),
            )
            .order_by()
            .values("unit_id")
            .annotate(n=Count("pk"))
        )
        return _by_path(rows)

    covered = shared(("care.covered", period.end), compute)
    everyone = _people_by_village(period)
    return rolled_up(units, {path: (covered.get(path, 0), n) for path, n in everyone.items()}, rate=True)


def visits_on_time(units, period):
    """Of the visits that fell due in the period, those made by their due date; for the month running,
    the people overdue now count as due and not made."""

    def compute():
        out: dict[str, list[int]] = {}
        rows = (
            Visit.objects.filter(due_on__gte=period.start, due_on__lte=period.end)
            .order_by()
            .values("person__unit__path")
            .annotate(done=Count("pk"), on_time=Count("pk", filter=Q(on_time=True)))
        )
        for row in rows:
            out[row["person__unit__path"]] = [row["on_time"], row["done"]]
        today = timezone.localdate()
        if period.start <= today <= period.end + timedelta(days=1):
            late = (
                Person.objects.filter(next_visit_due__gte=period.start, next_visit_due__lt=today)
                .order_by()
                .values("unit__path")
                .annotate(n=Count("pk"))
            )
            for row in late:
                out.setdefault(row["unit__path"], [0, 0])[1] += row["n"]
        return {path: tuple(pair) for path, pair in out.items()}

    return rolled_up(units, shared(("care.visits", period.start, period.end), compute), rate=True)


def people_by_category(unit, period):
    """People in care per category in ``unit``'s subtree on the period's last day. One GROUP BY per
    village and category for every unit at once, shared within a batch (the refresh asks it of each
    unit): a person has one place, so the villages' distinct counts add up to the subtree's."""

    def compute():
        rows = (
            CareMembership.objects.filter(_open_on(period.end))
            .order_by()
            .values("person__unit__path", "category__order", "category__name")
            .annotate(n=Count("person", distinct=True))
        )
        return [(row["person__unit__path"], row["category__order"], row["category__name"], row["n"]) for row in rows]

    totals: dict[tuple, int] = {}
    for path, order, name, n in shared(("care.by_category", period.end), compute):
        if path.startswith(unit.path):
            totals[(order, name)] = totals.get((order, name), 0) + n
    return [(name, n) for (_order, name), n in sorted(totals.items(), key=lambda item: item[0])]


def register_all():
    register(
        Indicator(
            "care.people",
            _("People in care (包联对象)"),
            _("people"),
            Aggregation.SUM,
            people,
            order=10,
            breakdown=people_by_category,
            **STOCK,
        )
    )
    register(
        Indicator("care.coverage", _("Care coverage (包联覆盖率)"), "%", Aggregation.RATIO, coverage, order=20, **STOCK)
    )
    register(
        Indicator(
            "care.visits_on_time",
            _("Visits on time (按时走访率)"),
            "%",
            Aggregation.RATIO,
            visits_on_time,
            order=30,
            **SECTION,
        )
    )
