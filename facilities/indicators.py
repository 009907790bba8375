"""facilities's indicators in the 民生实事 registry (targets.registry; plugged in by facilities/apps.py):
canteens, elderly-care centres and rural day-care centres operating, meals served, bookings made and
the share of bookings people came to, for a unit and everything below it.

Each is one GROUP BY per facility's unit path over facilities's own tables, rolled up the tree. The
facilities operating are a stock read from the status history as of the period's last day (so a past
month is counted as it stood); meals and bookings are flows over the period's days. The definitions are
those of ``facilities.selectors`` (facilities_operating, meals_served, bookings_made), counted for all
the units at once."""

from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from facilities.models import Booking, BookingState, FacilityStatusPeriod, MealOrder, Status
from targets.registry import Aggregation, Indicator, register, rolled_up, shared

SECTION = {"section": "services", "section_label": _("Services (服务)"), "section_order": 30}

# The facility types counted as separate indicators: (type code, indicator code, name, unit, order).
OPERATING = [
    (
        "canteen",
        "facilities.canteens_operating",
        _("Community canteens operating (社区食堂/助餐点)"),
        _("canteens"),
        10,
    ),
    (
        "elderly_center",
        "facilities.elderly_centers_operating",
        _("Community elderly-care centres operating (社区养老服务中心)"),
        _("centres"),
        20,
    ),
    (
        "rural_daycare",
        "facilities.rural_daycare_operating",
        _("Rural day-care centres operating (农村老年人日间照料中心)"),
        _("centres"),
        30,
    ),
]

# Bookings that held a place: confirmed, checked in or missed (as selectors.bookings_made).
HELD = [BookingState.CONFIRMED, BookingState.CHECKED_IN, BookingState.NO_SHOW]
# Meals served: eaten in or delivered, not cancelled or missed (as selectors.meals_served).
SERVED = [BookingState.CONFIRMED, BookingState.CHECKED_IN]


def _days(period) -> tuple[datetime, datetime]:
    """The period's first and last instants in local time, for slots' start times."""
    start = timezone.make_aware(datetime.combine(period.start, datetime.min.time()))
    end = timezone.make_aware(datetime.combine(period.end, datetime.max.time()))
    return start, end


def _operating_by_path(period) -> dict[str, dict[str, int]]:
    """{type code: {facility's unit path: facilities operating on the period's last day}}: one query for
    the three types."""

    def compute():
        day = period.end
        rows = (
            FacilityStatusPeriod.objects.filter(
                status=Status.OPERATING,
                facility__type__code__in=[code for code, *_rest in OPERATING],
                since__lte=day,
            )
            .filter(Q(until__isnull=True) | Q(until__gt=day))
            .order_by()
            .values("facility__type__code", "facility__unit_path")
            .annotate(n=Count("facility", distinct=True))
        )
        out: dict[str, dict[str, int]] = {}
        for row in rows:
            out.setdefault(row["facility__type__code"], {})[row["facility__unit_path"]] = row["n"]
        return out

    return shared(("facilities.operating", period.end), compute)


def operating(type_code: str):
    def compute(units, period):
        return rolled_up(units, _operating_by_path(period).get(type_code, {}))

    compute.__name__ = f"{type_code}_operating"
    return compute


def meals_served(units, period):
    """Meals served on the period's days (eaten in or delivered; cancelled, missed and waiting ones not)."""

    def compute():
        rows = (
            MealOrder.objects.filter(served_on__gte=period.start, served_on__lte=period.end, booking__state__in=SERVED)
            .order_by()
            .values("facility__unit_path")
            .annotate(n=Count("pk"))
        )
        return {row["facility__unit_path"]: row["n"] for row in rows}

    return rolled_up(units, shared(("facilities.meals", period.start, period.end), compute))


def _bookings_by_path(period) -> dict[str, dict[str, int]]:
    """{facility's unit path: {"held": …, "came": …, "missed": …}} for the slots starting in the period."""

    def compute():
        start, end = _days(period)
        rows = (
            Booking.objects.filter(slot__starts_at__gte=start, slot__starts_at__lte=end, state__in=HELD)
            .order_by()
            .values("slot__resource__facility__unit_path")
            .annotate(
                held=Count("pk"),
                came=Count("pk", filter=Q(state=BookingState.CHECKED_IN)),
                missed=Count("pk", filter=Q(state=BookingState.NO_SHOW)),
            )
        )
        return {
            row["slot__resource__facility__unit_path"]: {k: row[k] for k in ("held", "came", "missed")} for row in rows
        }

    return shared(("facilities.bookings", period.start, period.end), compute)


def bookings_made(units, period):
    """Bookings that held a place (confirmed, checked in or missed) for slots on the period's days."""
    return rolled_up(units, {path: row["held"] for path, row in _bookings_by_path(period).items()})


def show_up_rate(units, period):
    """Of the bookings settled at the door (checked in or recorded missed), those where the person came:
    checked in ÷ (checked in + missed). Bookings still only confirmed count in neither."""
    rows = _bookings_by_path(period)
    return rolled_up(units, {path: (row["came"], row["came"] + row["missed"]) for path, row in rows.items()}, rate=True)


def register_all():
    for type_code, code, name, unit_of_measure, order in OPERATING:
        register(Indicator(code, name, unit_of_measure, Aggregation.SUM, operating(type_code), order=order, **SECTION))
    register(
        Indicator(
            "facilities.meals_served",
            _("Meals served to the elderly (助餐服务人次)"),
            _("meals"),
            Aggregation.SUM,
            meals_served,
            order=40,
            **SECTION,
        )
    )
    register(
        Indicator(
            "facilities.bookings_made",
            _("Facility bookings (设施预约人次)"),
            _("person-times (人次)"),
            Aggregation.SUM,
            bookings_made,
            order=50,
            **SECTION,
        )
    )
    register(
        Indicator(
            "facilities.show_up_rate",
            _("Bookings kept (预约到场率)"),
            "%",
            Aggregation.RATIO,
            show_up_rate,
            order=60,
            **SECTION,
        )
    )
