"""Every read of facilities: the public directory (anyone), the staff's lists limited by the scope rule,
a canteen's daily figures, and the indicators the targets app counts (facilities operating of a type in
a unit on a date; meals served in a period; bookings in a period)."""

import math
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connections
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from facilities.models import (
    Booking,
    BookingState,
    Facility,
    FacilityStatusPeriod,
    MealOrder,
    OpeningPeriod,
    Resource,
    ResourceKind,
    Slot,
    Status,
)
from facilities.permissions import SEE_ROLES
from orgs.selectors import scope_for

EARTH_KM = 6371.0


# --- the public directory ----------------------------------------------------------------------------

def is_public_holiday(day: date) -> bool:
    """Whether the holiday calendar (appeals' CalendarDay, kept in the admin) makes ``day`` a public holiday."""
    from appeals.models import CalendarDay

    return CalendarDay.objects.filter(date=day, kind=CalendarDay.Kind.HOLIDAY).exists()


def open_now_q(now: datetime | None = None) -> Q:
    """Open at ``now`` by the weekly hours; on a public holiday, not those that close on holidays. The
    calendar is asked apart (one indexed row): inside the directory's query, an OR over it turned
    PostgreSQL's plan from the coordinates' index to a scan of every facility."""
    local = timezone.localtime(now or timezone.now())
    periods = OpeningPeriod.objects.filter(facility=OuterRef("pk"), weekday=local.weekday(),
                                           opens__lte=local.time(), closes__gt=local.time())
    q = Q(Exists(periods))
    if is_public_holiday(local.date()):
        q &= Q(closed_on_holidays=False)
    return q


def directory(*, unit=None, facility_type=None, near: tuple[float, float] | None = None, open_now: bool = False,
              query: str = "", now: datetime | None = None) -> QuerySet[Facility]:
    """Operating facilities, anyone may see: in ``unit``'s subtree, of a type, open now; nearest first
    when the resident shared ``near`` (lat, lng), else by place. The distance orders by a flat-earth
    approximation in SQL (exact enough within a city, and plain arithmetic on every database); the
    page shows the great-circle distance (``with_distance``)."""
    qs = Facility.objects.filter(status=Status.OPERATING).select_related("type", "unit")
    if unit is not None:
        qs = qs.filter(unit_path__startswith=unit.path)
    if facility_type is not None:
        qs = qs.filter(type=facility_type)
    if query:
        qs = qs.filter(Q(name__contains=query) | Q(address__contains=query) | Q(services__contains=query))
    if open_now:
        qs = qs.filter(open_now_q(now))
    if near is not None:
        lat, lng = near
        shrink = math.cos(math.radians(lat))
        qs = _near_box(qs.filter(latitude__isnull=False), lat, lng, shrink)
        qs = (qs
              .annotate(d2=(F("latitude") - lat) * (F("latitude") - lat)
                        + (F("longitude") - lng) * (F("longitude") - lng) * (shrink * shrink))
              .order_by("d2", "pk"))
    else:
        qs = qs.order_by("unit_path", "type__order", "name", "pk")
    return qs


# Nearest first looks in a box around the point, widened until it holds this many facilities: sorting a
# few hundred by distance instead of a city's tens of thousands keeps the page under 100 ms.
NEAR_ENOUGH = 200
BOX_HALF_DEGREES = (0.02, 0.06, 0.2, 0.6)


def _near_box(qs, lat, lng, shrink):
    """The smallest box around the point holding NEAR_ENOUGH facilities (of the filters asked), found in
    one round trip: each box's count is bounded by LIMIT NEAR_ENOUGH, and all are asked at once."""
    boxes = []
    for half in BOX_HALF_DEGREES:
        wide = half / max(shrink, 0.01)
        boxes.append(qs.filter(latitude__range=(lat - half, lat + half), longitude__range=(lng - wide, lng + wide)))
    parts, params = [], []
    for n, box in enumerate(boxes):
        sql, box_params = box.order_by().values("pk")[:NEAR_ENOUGH].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS box{n})")  # noqa: S608 - the ORM's SQL; values are params
        params.extend(box_params)
    with connections[qs.db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        counts = cursor.fetchone()
    for box, count in zip(boxes, counts, strict=True):
        if count >= NEAR_ENOUGH:
            return box
    return qs


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def with_distance(facilities, near) -> list[Facility]:
    out = list(facilities)
    for facility in out:
        facility.distance_km = (distance_km(near, (facility.latitude, facility.longitude))
                                if near and facility.latitude is not None else None)
    return out


def is_open(facility, now: datetime | None = None) -> bool:
    local = timezone.localtime(now or timezone.now())
    if facility.closed_on_holidays and is_public_holiday(local.date()):
        return False
    return facility.opening_periods.filter(weekday=local.weekday(), opens__lte=local.time(),
                                           closes__gt=local.time()).exists()


def open_among(pks, now: datetime | None = None) -> set[int]:
    """Which of these facilities are open now: one query for a page of the directory."""
    if not pks:
        return set()
    return set(Facility.objects.filter(pk__in=pks).filter(open_now_q(now)).values_list("pk", flat=True))


def public_facility(pk) -> Facility | None:
    """A facility's public page: any facility that is not only planned (在建 shows what is coming)."""
    return (Facility.objects.exclude(status=Status.PLANNED).select_related("type", "unit")
            .filter(pk=pk).first())


def bookable_slots(facility, *, now: datetime | None = None, days: int = 7) -> QuerySet[Slot]:
    now = now or timezone.now()
    return (Slot.objects.filter(resource__facility=facility, resource__is_active=True, is_cancelled=False,
                                starts_at__gt=now, starts_at__lte=now + timezone.timedelta(days=days))
            .select_related("resource").order_by("starts_at", "resource__name"))


def bookings_of(user) -> QuerySet[Booking]:
    """我的预约: the bookings ``user`` made, newest slot first."""
    return (Booking.objects.filter(holder=user).select_related("slot__resource__facility", "meal")
            .order_by("-slot__starts_at", "-pk"))


# --- the staff side ------------------------------------------------------------------------------------

def facilities_visible_to(user) -> QuerySet[Facility]:
    """The facilities of ``user``'s scope (a unit role other than dispatcher reaches its subtree; a
    department's keepers the facilities of their kind below their unit) and those they staff."""
    qs = Facility.objects.select_related("type", "unit")
    if not getattr(user, "is_authenticated", False) or user.is_resident:
        return qs.none()
    scope = scope_for(user, roles=SEE_ROLES)
    if scope.everything:
        return qs
    q = Q(pk__in=user.facility_posts.filter(until__isnull=True).values("facility_id"))
    for path in scope.unit_paths:
        q |= Q(unit_path__startswith=path)
    for kind, path in scope.department_subtrees:
        q |= Q(type__department_kind=kind, unit_path__startswith=path)
    return qs.filter(q)


def facilities_run_as_staff(user) -> QuerySet[Facility]:
    """The facilities ``user`` works at (FacilityStaff), whatever their role in the network."""
    return Facility.objects.filter(staff__user=user, staff__until__isnull=True).select_related("type", "unit")


def status_history(facility) -> QuerySet[FacilityStatusPeriod]:
    return facility.status_periods.select_related("changed_by").order_by("-since", "-pk")


def slot_bookings(slot) -> QuerySet[Booking]:
    return slot.bookings.select_related("holder", "meal").order_by("state", "created_at", "pk")


def canteens_run_by(user) -> QuerySet[Facility]:
    from facilities.permissions import may_run

    qs = facilities_visible_to(user).filter(type__serves_meals=True)
    return Facility.objects.filter(pk__in=[f.pk for f in qs if may_run(user, f)]).select_related("type", "unit")


@dataclass
class MealDay:
    facility_id: int
    orders: int
    delivered: int
    checked_in: int
    waiting: int
    subsidy: object
    paid: object


def meal_counts(*, day: date, facilities=None) -> dict[int, MealDay]:
    """Per canteen, the day's meal orders that stand (confirmed or eaten), how many are delivered and
    checked in, the waiting list, and the money: one grouped query, whatever the number of orders."""
    qs = MealOrder.objects.filter(served_on=day)
    if facilities is not None:
        qs = qs.filter(facility__in=facilities)
    standing = Q(booking__state__in=[BookingState.CONFIRMED, BookingState.CHECKED_IN])
    rows = qs.values("facility_id").annotate(
        orders=Count("pk", filter=standing),
        delivered=Count("pk", filter=standing & Q(delivery=True)),
        checked_in=Count("pk", filter=Q(booking__state=BookingState.CHECKED_IN)),
        waiting=Count("pk", filter=Q(booking__state=BookingState.WAITING)),
        subsidy=Sum("subsidy", filter=standing), paid=Sum("price", filter=standing),
    ).order_by()
    return {row["facility_id"]: MealDay(**row) for row in rows}


def meal_orders(*, facility, day: date) -> QuerySet[MealOrder]:
    return (MealOrder.objects.filter(facility=facility, served_on=day)
            .select_related("booking__slot__resource", "booking__holder").order_by("booking__slot__starts_at",
                                                                                 "booking__created_at"))


def subsidy_rows(*, facilities, since: date, until: date) -> QuerySet[MealOrder]:
    """The meals eaten (or delivered and not reported missed) in [since, until] with a subsidy: the 民政
    reimbursement report's lines."""
    return (MealOrder.objects.filter(facility__in=facilities, served_on__gte=since, served_on__lte=until,
                                     subsidy__gt=0,
                                     booking__state__in=[BookingState.CONFIRMED, BookingState.CHECKED_IN])
            .select_related("facility", "booking").order_by("facility__name", "served_on", "pk"))


# --- indicators for targets (民生实事): counts anyone may compute, by unit and date ---------------------

def facilities_operating(*, type_code: str, unit=None, on: date | None = None) -> int:
    """How many facilities of the type were operating (运营) on ``on`` in ``unit``'s subtree, read from the
    status history: "20 standard canteens built" is ``facilities_operating(type_code="canteen", …)``."""
    on = on or timezone.localdate()
    qs = FacilityStatusPeriod.objects.filter(status=Status.OPERATING, facility__type__code=type_code,
                                             since__lte=on).filter(Q(until__isnull=True) | Q(until__gt=on))
    if unit is not None:
        qs = qs.filter(facility__unit_path__startswith=unit.path)
    return qs.values("facility_id").distinct().count()


def meals_served(*, since: date, until: date, unit=None) -> int:
    """Meals served (eaten in or delivered, not cancelled or missed) on days in [since, until]."""
    qs = MealOrder.objects.filter(served_on__gte=since, served_on__lte=until,
                                  booking__state__in=[BookingState.CONFIRMED, BookingState.CHECKED_IN])
    if unit is not None:
        qs = qs.filter(facility__unit_path__startswith=unit.path)
    return qs.count()


def bookings_made(*, since: date, until: date, unit=None, type_code: str = "", kind: str = "") -> int:
    """Bookings that stand (confirmed, checked in or missed: a place was held) for slots on days in
    [since, until]."""
    start = timezone.make_aware(datetime.combine(since, datetime.min.time()))
    end = timezone.make_aware(datetime.combine(until, datetime.max.time()))
    qs = Booking.objects.filter(slot__starts_at__gte=start, slot__starts_at__lte=end,
                                state__in=[BookingState.CONFIRMED, BookingState.CHECKED_IN, BookingState.NO_SHOW])
    if unit is not None:
        qs = qs.filter(slot__resource__facility__unit_path__startswith=unit.path)
    if type_code:
        qs = qs.filter(slot__resource__facility__type__code=type_code)
    if kind in ResourceKind.values:
        qs = qs.filter(slot__resource__kind=kind)
    return qs.count()


def resources_of(facility) -> QuerySet[Resource]:
    return facility.resources.order_by("kind", "name")
