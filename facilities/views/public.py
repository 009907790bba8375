"""The residents' pages: the directory of facilities (no sign-in), a facility's page with its bookable
slots, booking (a resident for themselves or a family member; a grid worker for an elderly person), and
我的预约 with each booking's QR code for check-in."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import resident_required
from core.errors import DomainError
from core.middleware import returns_to
from facilities import permissions, selectors, services
from facilities.forms import BookingForm
from facilities.hours import hours_rows
from facilities.models import Booking, FacilityPhoto, FacilityType, ResourceKind, Slot, Status
from facilities.qr import booking_qr_svg
from orgs.models import Level, Unit

PAGE_SIZE = 20


def _coordinate(text, low, high):
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if low <= value <= high else None


def _places():
    """The places a resident filters by: counties, townships and villages of the network."""
    return Unit.objects.filter(is_active=True, level__in=[Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]).order_by(
        "path")


@require_GET
def directory(request):
    """找设施: by place and type, open now, nearest first when the browser shared a location."""
    params = request.GET
    unit = Unit.objects.filter(pk=params.get("unit")).first() if params.get("unit", "").isdigit() else None
    facility_type = FacilityType.objects.filter(code=params.get("type", ""), is_active=True).first()
    lat, lng = _coordinate(params.get("lat"), -90, 90), _coordinate(params.get("lng"), -180, 180)
    near = (lat, lng) if lat is not None and lng is not None else None
    open_now = params.get("open") == "1"
    query = params.get("q", "").strip()[:50]
    qs = selectors.directory(unit=unit, facility_type=facility_type, near=near, open_now=open_now, query=query)
    page = Paginator(qs, PAGE_SIZE, allow_empty_first_page=True).get_page(params.get("page"))
    facilities = selectors.with_distance(page.object_list, near)
    # Open now was asked: all of them are; else one query says which of the page's are.
    open_ids = {f.pk for f in facilities} if open_now else selectors.open_among([f.pk for f in facilities])
    for facility in facilities:
        facility.open_now = facility.pk in open_ids
    keep = params.copy()
    keep.pop("page", None)
    return render(request, "facilities/directory.html", {
        "page": page, "facilities": facilities, "types": FacilityType.objects.filter(is_active=True),
        "places": _places(), "unit": unit, "facility_type": facility_type, "near": near, "open_now": open_now,
        "query": query, "filter_query": keep.urlencode(),
    })


@require_GET
def facility_page(request, pk):
    facility = selectors.public_facility(pk)
    if facility is None:
        raise Http404(_("No such facility."))
    slots = list(selectors.bookable_slots(facility)) if facility.status == Status.OPERATING else []
    user = request.user
    return render(request, "facilities/facility.html", {
        "facility": facility, "hours": hours_rows(facility.opening_periods.all()),
        "open_now": selectors.is_open(facility), "photos": facility.photos.all(), "slots": slots,
        "values": [(spec["label"], facility.values.get(spec["name"])) for spec in facility.type.fields
                   if facility.values.get(spec["name"]) not in (None, "")],
        "may_order_for_others": user.is_authenticated and not user.is_resident
        and permissions.may_order_for_others(user, facility),
        "may_run": user.is_authenticated and permissions.may_run(user, facility),
    })


@require_GET
def photo(request, pk):
    item = FacilityPhoto.objects.select_related("facility").filter(pk=pk).exclude(
        facility__status=Status.PLANNED).first()
    if item is None:
        raise Http404(_("No such photo."))
    response = FileResponse(item.image.open("rb"), content_type=f"image/{'jpeg' if item.extension == 'jpg' else item.extension}")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def book(request, slot_pk):
    """Book a slot: residents, and staff who may order for others (代订)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("resident_login"))
    slot = Slot.objects.select_related("resource__facility__type").filter(pk=slot_pk).first()
    if slot is None:
        raise Http404(_("No such slot."))
    facility = slot.resource.facility
    is_meal = slot.resource.kind == ResourceKind.MEAL
    form = BookingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            booking = services.booking_create(actor=request.user, slot=slot, for_name=d["for_name"],
                                              for_id_number=d["for_id_number"], delivery=d["delivery"],
                                              delivery_address=d["delivery_address"])
        except DomainError as error:  # re-render the form with what was typed
            form.add_error(None, str(error.message))
        else:
            if booking.state == "confirmed":
                messages.success(request, _("Booked: show the QR code when you arrive."))
            else:
                messages.info(request, _("The slot is full: you are on the waiting list and will be booked "
                                         "if a place frees up."))
            if request.user.is_resident:
                return redirect("facilities:my_bookings")
            return redirect("facilities:staff_facility", pk=facility.pk)
    return render(request, "facilities/book.html", {
        "slot": slot, "facility": facility, "form": form, "is_meal": is_meal,
        "for_others": not request.user.is_resident,
    }, status=400 if form.errors else 200)


@resident_required
@require_GET
def my_bookings(request):
    today = timezone.localdate()
    bookings = list(selectors.bookings_of(request.user)[:100])
    for booking in bookings:
        if booking.state == "confirmed":
            booking.qr = booking_qr_svg(request, booking)
    upcoming = [b for b in bookings if timezone.localdate(b.slot.starts_at) >= today]
    past = [b for b in bookings if timezone.localdate(b.slot.starts_at) < today]
    return render(request, "facilities/my_bookings.html", {"upcoming": upcoming, "past": past})


@resident_required
@require_POST
@returns_to("facilities:my_bookings")
def cancel(request, pk):
    booking = Booking.objects.filter(pk=pk, holder=request.user).first()
    if booking is None:
        raise Http404(_("No such booking."))
    services.booking_cancel(actor=request.user, booking=booking)
    messages.success(request, _("Booking cancelled."))
    return redirect("facilities:my_bookings")
