"""志愿服务's indicators in the 民生实事 registry (targets.registry; plugged in by volunteers/apps.py):
volunteers registered, service hours, volunteers active, activities held and the share of registered
volunteers who served, for a unit and everything below it. Each is one GROUP BY per village over
volunteers' own tables, rolled up the tree, and gives the same figures as the selectors of
volunteers.selectors (service_hours, active_volunteers, activities_held, volunteers_registered).

Stocks (volunteers registered) are read as of the period's last day: an approved volunteer counts from
the day their ID was checked (the approval). Flows (hours, volunteers active, activities held) are read
over the period by the day served. Hours and activities count where the service took place (the
activity's unit); the active rate counts volunteers by the unit they serve in (their home unit), so its
numerator is always part of its denominator."""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from targets.registry import Aggregation, Indicator, Value, register, rolled_up, shared
from volunteers.models import EntryKind, HoursEntry, Volunteer, VolunteerKind, VolunteerStatus

SECTION = {"section": "volunteers", "section_label": _("Volunteers (志愿服务)"), "section_order": 35}


def _registered_on(day) -> Q:
    """Approved, the ID checked (the approval) on or before ``day``."""
    return Q(status=VolunteerStatus.APPROVED, id_checked_at__date__lte=day)


def _served_in(period) -> Q:
    return Q(served_on__gte=period.start, served_on__lte=period.end)


def _served(period) -> Q:
    """Service rows (a check-out with minutes) of the period: what makes a volunteer active."""
    return _served_in(period) & Q(kind=EntryKind.SERVICE, minutes__gt=0)


def _registered_by_village(period) -> dict[str, int]:
    def compute():
        rows = (
            Volunteer.objects.filter(_registered_on(period.end)).order_by().values("unit__path").annotate(n=Count("pk"))
        )
        return {row["unit__path"]: row["n"] for row in rows}

    return shared(("volunteers.registered", period.end), compute)


def registered(units, period):
    """Approved volunteers and social workers serving in the unit and below, on the period's last day."""
    return rolled_up(units, _registered_by_village(period))


def registered_by_kind(unit, period):
    rows = (
        Volunteer.objects.filter(_registered_on(period.end), unit__path__startswith=unit.path)
        .order_by("kind")
        .values("kind")
        .annotate(n=Count("pk"))
    )
    labels = dict(VolunteerKind.choices)
    return [(str(labels.get(row["kind"], row["kind"])), row["n"]) for row in rows]


def service_hours(units, period):
    """Hours served in the unit and below over the period, corrections included (to 0.1 hour)."""

    def compute():
        rows = (
            HoursEntry.objects.filter(_served_in(period))
            .order_by()
            .values("unit__path")
            .annotate(minutes=Sum("minutes"))
        )
        return {row["unit__path"]: row["minutes"] or 0 for row in rows}

    minutes = rolled_up(units, shared(("volunteers.minutes", period.start, period.end), compute))
    tenth = Decimal("0.1")
    return {pk: Value((Decimal(value.amount) / 60).quantize(tenth, ROUND_HALF_UP)) for pk, value in minutes.items()}


def active(units, period):
    """Volunteers who served (a check-out with minutes) in the unit and below over the period, each once
    however many places they served in."""

    def compute():
        rows = (
            HoursEntry.objects.filter(_served(period)).order_by().values_list("unit__path", "volunteer_id").distinct()
        )
        out: dict[str, set[int]] = {}
        for path, volunteer_id in rows:
            out.setdefault(path, set()).add(volunteer_id)
        return out

    by_path = shared(("volunteers.active", period.start, period.end), compute)
    out = {}
    for unit in units:
        people: set[int] = set()
        for path, ids in by_path.items():
            if path.startswith(unit.path):
                people |= ids
        out[unit.pk] = Value(len(people))
    return out


def activities_held(units, period):
    """Activities in the unit and below with someone served in the period (an activity has one unit)."""

    def compute():
        rows = (
            HoursEntry.objects.filter(_served_in(period), kind=EntryKind.SERVICE, activity__isnull=False)
            .order_by()
            .values("unit__path")
            .annotate(n=Count("activity", distinct=True))
        )
        return {row["unit__path"]: row["n"] for row in rows}

    return rolled_up(units, shared(("volunteers.activities", period.start, period.end), compute))


def active_rate(units, period):
    """Registered volunteers of the unit and below who served in the period (anywhere) ÷ volunteers
    registered there on the period's last day."""

    def compute():
        rows = (
            Volunteer.objects.filter(
                _registered_on(period.end),
                pk__in=HoursEntry.objects.filter(_served(period)).values("volunteer_id"),
            )
            .order_by()
            .values("unit__path")
            .annotate(n=Count("pk"))
        )
        return {row["unit__path"]: row["n"] for row in rows}

    served = shared(("volunteers.active_home", period.start, period.end), compute)
    everyone = _registered_by_village(period)
    return rolled_up(units, {path: (served.get(path, 0), n) for path, n in everyone.items()}, rate=True)


def register_all():
    register(
        Indicator(
            "volunteers.registered",
            _("Registered volunteers (注册志愿者)"),
            _("volunteers"),
            Aggregation.SUM,
            registered,
            order=10,
            breakdown=registered_by_kind,
            **SECTION,
        )
    )
    register(
        Indicator(
            "volunteers.service_hours",
            _("Volunteer service hours (志愿服务时长)"),
            _("hours"),
            Aggregation.SUM,
            service_hours,
            order=20,
            **SECTION,
        )
    )
    register(
        Indicator(
            "volunteers.active",
            _("Active volunteers (活跃志愿者)"),
            _("volunteers"),
            Aggregation.SUM,
            active,
            order=30,
            **SECTION,
        )
    )
    register(
        Indicator(
            "volunteers.activities_held",
            _("Volunteer activities held (开展志愿活动)"),
            _("activities"),
            Aggregation.SUM,
            activities_held,
            order=40,
            **SECTION,
        )
    )
    register(
        Indicator(
            "volunteers.active_rate",
            _("Share of volunteers active (志愿者活跃率)"),
            "%",
            Aggregation.RATIO,
            active_rate,
            order=50,
            **SECTION,
        )
    )
