"""The facilities JSON API (/api/v1/facilities/): the public directory (by place, type, open now,
nearest first), a facility with its resources and open slots; a person's bookings (book, cancel, list
their own, with the check-in code) and staff check-in by code.

Any credential reads the directory (an organisation's API key included: a mini program shows it); a
booking is a person's, so booking, cancelling and 我的预约 take a person's API token or a signed-in
session, and check-in takes the facility's staff. Scope and every rule are the services' and
selectors' (the pages call the same): a refusal is ``{"detail": …}`` with 400, 403, 404 or 409.
Personal data is masked as on the pages; a booking for someone else shows their name masked."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from accounts.authentication import api_auth
from appeals.api import ErrorOut, RateLimitOut, ValidationErrorOut
from core.errors import NotAllowed, NotFound
from facilities import permissions, selectors, services
from facilities.hours import hours_rows
from facilities.models import Booking, BookingState, Facility, FacilityType, ResourceKind, Slot
from facilities.models import Status as FacilityStatus
from orgs.models import Unit

router = Router(tags=["facilities"], auth=api_auth)

ERRORS = {401: ErrorOut, 422: ValidationErrorOut, 429: RateLimitOut}
REFUSALS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
MAX_SLOT_DAYS = 31


# --- schemas -----------------------------------------------------------------------------------------

class FacilityOut(Schema):
    id: int
    name: str
    type: str = Field(description="The facility type's code (canteen, sports …).")
    type_name: str
    unit_code: str
    unit_name: str
    address: str
    latitude: float | None
    longitude: float | None
    distance_km: float | None = Field(description="From the point given (lat, lng), great-circle; else null.")
    open_now: bool


class FacilityPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[FacilityOut]


class HoursOut(Schema):
    day: str
    periods: str


class ResourceOut(Schema):
    id: int
    name: str
    kind: str = Field(json_schema_extra={"enum": ResourceKind.values})
    places_per_slot: int
    price: Decimal = Field(description="A meal's full price; the diner's price depends on age and care category.")
    closed_on_holidays: bool


class FacilityDetailOut(FacilityOut):
    status: str = Field(json_schema_extra={"enum": FacilityStatus.values})
    services: str
    capacity: int | None
    contact_phone: str
    hours: list[HoursOut]
    hours_note: str
    closed_on_holidays: bool
    resources: list[ResourceOut]


class SlotOut(Schema):
    id: int
    resource_id: int
    resource_name: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    free: int
    menu: str
    bookable_until: datetime


class BookingOut(Schema):
    id: int
    code: str = Field(description="What the QR code carries: staff check the booking in with it.")
    state: str = Field(json_schema_extra={"enum": BookingState.values})
    facility_id: int
    facility_name: str
    slot: SlotOut
    for_name: str = Field(description="Masked; empty when booked for oneself.")
    booked_at: datetime
    meal_price: Decimal | None
    meal_subsidy: Decimal | None
    delivery: bool


class BookingIn(Schema):
    for_name: str = Field("", description="For someone else (代订), or the diner of a meal: their name.",
                          json_schema_extra={"maxLength": 50})
    for_id_number: str = Field("", description="Their 身份证号 (a meal's price depends on the diner's age and care "
                               "category); kept encrypted, never shown back.", json_schema_extra={"maxLength": 30})
    delivery: bool = False
    delivery_address: str = Field("", json_schema_extra={"maxLength": 200})


# --- helpers ----------------------------------------------------------------------------------------

def _person(request: HttpRequest):
    """The signed-in person (a token or a session), not an organisation's key."""
    from accounts.models import User

    actor = request.auth
    if not isinstance(actor, User) or not actor.is_active:
        raise NotAllowed(_("Bookings are a person's: use a person's API token or sign in."))
    return actor


def facility_out(facility: Facility, *, open_ids: set[int], near=None) -> dict:
    distance = (selectors.distance_km(near, (facility.latitude, facility.longitude))
                if near and facility.latitude is not None else None)
    return {
        "id": facility.pk, "name": facility.name, "type": facility.type.code, "type_name": facility.type.name,
        "unit_code": facility.unit.code, "unit_name": facility.unit.name, "address": facility.address,
        "latitude": facility.latitude, "longitude": facility.longitude,
        "distance_km": round(distance, 3) if distance is not None else None, "open_now": facility.pk in open_ids,
    }


def slot_out(slot: Slot) -> dict:
    resource = slot.resource
    return {
        "id": slot.pk, "resource_id": resource.pk, "resource_name": resource.name, "kind": resource.kind,
        "starts_at": slot.starts_at, "ends_at": slot.ends_at, "capacity": slot.capacity, "free": slot.free,
        "menu": slot.menu, "bookable_until": slot.starts_at - timedelta(minutes=resource.book_cutoff_minutes),
    }


def booking_out(booking: Booking) -> dict:
    meal = getattr(booking, "meal", None) if hasattr(booking, "meal") else None
    return {
        "id": booking.pk, "code": booking.code, "state": booking.state,
        "facility_id": booking.slot.resource.facility_id, "facility_name": booking.slot.resource.facility.name,
        "slot": slot_out(booking.slot), "for_name": booking.masked_for_name, "booked_at": booking.created_at,
        "meal_price": meal.price if meal else None, "meal_subsidy": meal.subsidy if meal else None,
        "delivery": bool(meal and meal.delivery),
    }


def _booking(pk: int) -> Booking:
    return Booking.objects.select_related("slot__resource__facility__type", "meal").get(pk=pk)


# --- the directory ----------------------------------------------------------------------------------

@router.get("/", response={200: FacilityPage, 404: ErrorOut, **ERRORS}, summary="The directory of facilities",
            description="Operating facilities: in a place's subtree (`unit`, a 12-digit code), of a type, open now; "
            "nearest first when `lat` and `lng` are given, else by place. 404 when the place or type is unknown.")
def directory(request, unit: Annotated[str, Query(max_length=12, description="A unit's code.")] = "",
              type: Annotated[str, Query(max_length=40, description="A facility type's code.")] = "",
              lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
              lng: Annotated[float | None, Query(ge=-180, le=180)] = None,
              open_now: bool = False, q: Annotated[str, Query(max_length=50)] = "",
              page: Annotated[int, Query(ge=1, le=10000)] = 1,
              page_size: Annotated[int, Query(ge=1, le=100)] = 20):
    place = Unit.objects.filter(code=unit, is_active=True).first() if unit else None
    if unit and place is None:
        raise NotFound(_("No such place."))
    facility_type = FacilityType.objects.filter(code=type, is_active=True).first() if type else None
    if type and facility_type is None:
        raise NotFound(_("No such facility type."))
    near = (lat, lng) if lat is not None and lng is not None else None
    qs = selectors.directory(unit=place, facility_type=facility_type, near=near, open_now=open_now, query=q.strip())
    count = qs.count()
    start = (page - 1) * page_size
    facilities = list(qs[start:start + page_size]) if start < count else []
    open_ids = ({f.pk for f in facilities} if open_now else
                selectors.open_among([f.pk for f in facilities]))
    return Status(200, {"count": count, "page": page, "page_size": page_size,
                        "items": [facility_out(f, open_ids=open_ids, near=near) for f in facilities]})


def _public(facility_id: int) -> Facility:
    facility = selectors.public_facility(facility_id)
    if facility is None:
        raise NotFound(_("No such facility."))
    return facility


@router.get("/{facility_id}", response={200: FacilityDetailOut, 404: ErrorOut, **ERRORS},
            summary="One facility, with its hours and bookable resources")
def get_facility(request, facility_id: int):
    facility = _public(facility_id)
    open_ids = {facility.pk} if selectors.is_open(facility) else set()
    resources = [r for r in selectors.resources_of(facility) if r.is_active]
    return Status(200, {
        **facility_out(facility, open_ids=open_ids), "status": facility.status, "services": facility.services,
        "capacity": facility.capacity, "contact_phone": facility.contact_phone,
        "hours": [{"day": day, "periods": periods} for day, periods in hours_rows(facility.opening_periods.all())],
        "hours_note": facility.hours_note, "closed_on_holidays": facility.closed_on_holidays,
        "resources": [{"id": r.pk, "name": r.name, "kind": r.kind, "places_per_slot": r.capacity,
                       "price": r.price, "closed_on_holidays": r.closed_on_holidays} for r in resources],
    })


@router.get("/{facility_id}/slots", response={200: list[SlotOut], 404: ErrorOut, **ERRORS},
            summary="A facility's slots open for booking",
            description="Slots still to come in the next `days` days (at most 31), of one resource if given.")
def open_slots(request, facility_id: int, days: Annotated[int, Query(ge=1, le=MAX_SLOT_DAYS)] = 7,
               resource: Annotated[int | None, Query(ge=1, description="A resource's id.")] = None):
    facility = _public(facility_id)
    if facility.status != FacilityStatus.OPERATING:
        return Status(200, [])
    qs = selectors.bookable_slots(facility, days=days)
    if resource is not None:
        qs = qs.filter(resource_id=resource)
    return Status(200, [slot_out(s) for s in qs[:500]])


# --- bookings ---------------------------------------------------------------------------------------

@router.get("/bookings/mine", response={200: list[BookingOut], 403: ErrorOut, **ERRORS},
            summary="My bookings (我的预约)", description="The bookings you made, newest slot first (at most 100).")
def my_bookings(request):
    person = _person(request)
    return Status(200, [booking_out(b) for b in selectors.bookings_of(person)[:100]])


@router.post("/slots/{slot_id}/bookings", response={201: BookingOut, **REFUSALS, **ERRORS},
             summary="Book a slot",
             description="Confirmed while places last, else on the waiting list (`state`). A meal names its diner "
             "with their ID number; staff book only for the elderly of their area (代订). A second booking of "
             "the same slot for the same person, or one after the cut-off, is refused with 400.")
def book(request, slot_id: int, payload: BookingIn):
    person = _person(request)
    slot = Slot.objects.select_related("resource__facility").filter(pk=slot_id).first()
    if slot is None or slot.resource.facility.status == FacilityStatus.PLANNED:
        raise NotFound(_("No such slot."))
    booking = services.booking_create(actor=person, slot=slot, for_name=payload.for_name,
                                      for_id_number=payload.for_id_number, delivery=payload.delivery,
                                      delivery_address=payload.delivery_address)
    return Status(201, booking_out(_booking(booking.pk)))


@router.post("/bookings/{booking_id}/cancel", response={200: BookingOut, **REFUSALS, **ERRORS},
             summary="Cancel one of my bookings",
             description="Before the resource's cut-off; a confirmed place goes to the first on the waiting list.")
def cancel(request, booking_id: int):
    person = _person(request)
    booking = Booking.objects.filter(pk=booking_id, holder=person).first()
    if booking is None:
        raise NotFound(_("No such booking."))
    services.booking_cancel(actor=person, booking=booking)
    return Status(200, booking_out(_booking(booking.pk)))


@router.post("/checkin/{code}", response={200: BookingOut, **REFUSALS, **ERRORS},
             summary="Check a booking in (staff, 预约核销)",
             description="`code` is the booking's code, as its QR code carries it. The facility's staff only; "
             "a booking of another day, or one not confirmed, is refused.")
def check_in(request, code: Annotated[str, Path(max_length=16, pattern=r"^[0-9A-Fa-f]{1,16}$")]):
    person = _person(request)
    booking = services.booking_by_code(code)
    if booking is None or not permissions.may_run(person, booking.slot.resource.facility):
        raise NotFound(_("No booking with this code at a facility you run."))
    services.booking_check_in(actor=person, booking=booking)
    return Status(200, booking_out(_booking(booking.pk)))
