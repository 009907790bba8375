"""The staff pages of facilities: the registry of a scope (设施) with registering and editing, a
facility's status history, photos, bookable resources and slots; 预约核销 (check-in by code or by the
QR code's URL); and 食堂, a canteen's orders of the day, its daily counts and the subsidy report."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from core.errors import BadInput, DomainError, NotAllowed
from core.middleware import returns_to
from core.xlsx import Column, write_xlsx, xlsx_response
from facilities import permissions, selectors, services
from facilities.forms import (
    CaptionForm,
    CheckinForm,
    FacilityForm,
    NewFacilityForm,
    PatternForm,
    PhotoForm,
    ResourceForm,
    SlotForm,
    StatusForm,
)
from facilities.hours import hours_rows, hours_text
from facilities.models import FacilityPhoto, FacilityType, Resource, Slot, SlotPattern, Status
from orgs.models import Level
from orgs.selectors import units_visible_to

PAGE_SIZE = 30


def _facility(request, pk):
    facility = selectors.facilities_visible_to(request.user).filter(pk=pk).first()
    if facility is None:
        raise Http404(_("No such facility in your scope."))
    return facility


def _keep_units(user):
    return units_visible_to(user, roles=permissions.KEEP_ROLES).filter(
        is_active=True, level__in=[Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE, Level.CITY]).order_by("path")


@staff_required
@require_GET
def staff_list(request):
    user = request.user
    if not permissions.may_open_registry(user):
        raise NotAllowed(_("The facility registry is for staff with a role in a unit, department or facility."))
    qs = selectors.facilities_visible_to(user)
    facility_type = FacilityType.objects.filter(code=request.GET.get("type", "")).first()
    status = request.GET.get("status", "")
    if facility_type:
        qs = qs.filter(type=facility_type)
    if status in Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("unit_path", "type__order", "name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    return render(request, "facilities/staff_list.html", {
        "page": page, "types": FacilityType.objects.filter(is_active=True), "statuses": Status.choices,
        "facility_type": facility_type, "status": status, "filter_query": keep.urlencode(),
        "may_register": _keep_units(user).exists(),
    })


@staff_required
@require_http_methods(["GET", "POST"])
def staff_new(request):
    user = request.user
    types = FacilityType.objects.filter(is_active=True)
    facility_type = types.filter(code=request.GET.get("type") or request.POST.get("type", "")).first()
    units = _keep_units(user)
    if not units.exists():
        raise NotAllowed(_("Only handlers and administrators of a unit or department register facilities."))
    if facility_type is None:
        return render(request, "facilities/staff_new_type.html", {"types": types})
    form = NewFacilityForm(request.POST or None, facility_type=facility_type, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            facility = services.facility_register(
                actor=user, facility_type=facility_type, unit=form.cleaned_data["unit"], data=form.data_object(),
                status=form.cleaned_data["status"], since=form.cleaned_data["since"])
        except DomainError as error:  # re-render the form with what was typed
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("%(name)s registered.") % {"name": facility.name})
            return redirect("facilities:staff_facility", pk=facility.pk)
    return render(request, "facilities/staff_new.html", {"form": form, "facility_type": facility_type},
                  status=400 if form.errors else 200)


def _render_facility(request, facility, *, form=None, status_form=None, photo_form=None, resource_form=None,
                     slot_form=None, pattern_form=None, form_for=None, code=200):
    """The facility's staff page. A refused form comes back with what was typed: ``form_for`` names the
    resource (its pk) whose slot, pattern or edit form it is, so it opens under that resource."""
    user = request.user
    now = timezone.now()
    initial = {"name": facility.name, "address": facility.address, "latitude": facility.latitude,
               "longitude": facility.longitude, "capacity": facility.capacity, "services": facility.services,
               "contact_name": facility.contact_name, "contact_phone": facility.contact_phone,
               "hours": hours_text(facility.opening_periods.all()), "hours_note": facility.hours_note,
               "closed_on_holidays": facility.closed_on_holidays,
               **{f"field_{k}": v for k, v in facility.values.items()}}
    resources = list(selectors.resources_of(facility))
    for resource in resources:
        resource.upcoming = list(resource.slots.filter(ends_at__gte=now - timedelta(days=1), is_cancelled=False)
                                 .order_by("starts_at")[:14])
        resource.active_patterns = list(resource.patterns.filter(is_active=True))
        mine = form_for == resource.pk
        resource.slot_form = slot_form if mine and slot_form is not None else SlotForm()
        resource.pattern_form = pattern_form if mine and pattern_form is not None else PatternForm(
            initial={"capacity": resource.capacity})
        resource.edit_form = resource_form if mine and resource_form is not None else ResourceForm(initial={
            field: getattr(resource, field) for field in services.RESOURCE_FIELDS})
        resource.open_form = ("slot" if mine and slot_form is not None else "pattern" if mine and pattern_form
                              is not None else "edit" if mine and resource_form is not None else "")
    return render(request, "facilities/staff_facility.html", {
        "facility": facility, "hours": hours_rows(facility.opening_periods.all()),
        "history": selectors.status_history(facility), "photos": facility.photos.all(), "resources": resources,
        "may_keep": permissions.may_keep(user, facility), "may_run": permissions.may_run(user, facility),
        "may_order": permissions.may_order_for_others(user, facility),
        "form": form or FacilityForm(initial=initial, facility_type=facility.type),
        "status_form": status_form or StatusForm(initial={"since": timezone.localdate()}),
        "photo_form": photo_form or PhotoForm(),
        "resource_form": resource_form if form_for is None and resource_form is not None else ResourceForm(),
        "new_resource_open": form_for is None and resource_form is not None,
        "retired": [r for r in resources if not r.is_active], "staff": facility.staff.filter(until__isnull=True).select_related("user"),
    }, status=code)


@staff_required
@require_GET
def staff_facility(request, pk):
    return _render_facility(request, _facility(request, pk))


@staff_required
@require_POST
def staff_edit(request, pk):
    facility = _facility(request, pk)
    form = FacilityForm(request.POST, facility_type=facility.type)
    if form.is_valid():
        try:
            services.facility_update(actor=request.user, facility=facility, data=form.data_object())
        except DomainError as error:  # re-render the form with what was typed
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Saved."))
            return redirect("facilities:staff_facility", pk=pk)
    return _render_facility(request, facility, form=form, code=400)


@staff_required
@require_POST
@returns_to("facilities:staff_facility", "pk")
def staff_status(request, pk):
    facility = _facility(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _render_facility(request, facility, status_form=form, code=400)
    d = form.cleaned_data
    services.facility_status_change(actor=request.user, facility=facility, status=d["status"], since=d["since"],
                                    note=d["note"])
    messages.success(request, _("Status changed."))
    return redirect("facilities:staff_facility", pk=pk)


@staff_required
@require_POST
@returns_to("facilities:staff_facility", "pk")
def staff_photo(request, pk):
    facility = _facility(request, pk)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_facility(request, facility, photo_form=form, code=400)
    services.facility_photo_add(actor=request.user, facility=facility, upload=form.cleaned_data["image"],
                                caption=form.cleaned_data["caption"])
    messages.success(request, _("Photo added."))
    return redirect("facilities:staff_facility", pk=pk)


def _resource_of(facility, resource_pk) -> Resource:
    resource = facility.resources.select_related("facility__type").filter(pk=resource_pk).first()
    if resource is None:
        raise Http404(_("No such resource."))
    return resource


@staff_required
@require_POST
def staff_resource(request, pk):
    """Add a bookable resource (resource_pk None) or save the edits of one."""
    return _resource_form_post(request, pk, None)


@staff_required
@require_POST
def staff_resource_edit(request, pk, resource_pk):
    return _resource_form_post(request, pk, resource_pk)


def _resource_form_post(request, pk, resource_pk):
    facility = _facility(request, pk)
    resource = _resource_of(facility, resource_pk) if resource_pk else Resource(facility=facility)
    form = ResourceForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        for field in services.RESOURCE_FIELDS:
            setattr(resource, field, d[field])
        resource.price = d["price"] or 0
        try:
            services.resource_save(actor=request.user, resource=resource)
        except DomainError as error:  # re-render the form with what was typed
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Saved.") if resource_pk else _("Resource added: now add its slots."))
            return redirect("facilities:staff_facility", pk=pk)
    return _render_facility(request, facility, resource_form=form, form_for=resource_pk, code=400)


@staff_required
@require_POST
@returns_to("facilities:staff_facility", "pk")
def staff_resource_retire(request, pk, resource_pk):
    facility = _facility(request, pk)
    resource = _resource_of(facility, resource_pk)
    result = services.resource_retire(actor=request.user, resource=resource)
    if result.deleted:
        messages.success(request, _("%(name)s removed: it had never been booked.") % {"name": resource.name})
    else:
        messages.success(request, _("%(name)s retired: %(slots)s empty slot(s) cancelled; %(bookings)s booking(s) "
                                    "still to come stand.") % {"name": resource.name, "slots": result.cancelled_slots,
                                                               "bookings": result.standing_bookings})
    return redirect("facilities:staff_facility", pk=pk)


@staff_required
@require_POST
def staff_pattern_add(request, pk, resource_pk):
    facility = _facility(request, pk)
    resource = _resource_of(facility, resource_pk)
    form = PatternForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            _pattern, run = services.pattern_create(
                actor=request.user, resource=resource, weekdays=[int(x) for x in d["weekdays"]], starts=d["starts"],
                ends=d["ends"], capacity=d["capacity"], menu=d["menu"], weeks_ahead=d["weeks_ahead"],
                valid_until=d["valid_until"])
        except DomainError as error:  # re-render the form with what was typed
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Weekly pattern added: %(created)s slot(s) made; %(holidays)s skipped for "
                                        "public holidays, %(taken)s for times already taken.") % {
                "created": run.created, "holidays": run.holidays, "taken": run.taken})
            return redirect("facilities:staff_facility", pk=pk)
    return _render_facility(request, facility, pattern_form=form, form_for=resource.pk, code=400)


@staff_required
@require_POST
@returns_to("facilities:staff_facility", "pk")
def staff_pattern_stop(request, pk, pattern_pk):
    facility = _facility(request, pk)
    pattern = SlotPattern.objects.filter(pk=pattern_pk, resource__facility=facility).first()
    if pattern is None:
        raise Http404(_("No such pattern."))
    cancelled = services.pattern_stop(actor=request.user, pattern=pattern)
    messages.success(request, _("Pattern stopped: %(n)s empty slot(s) cancelled.") % {"n": cancelled})
    return redirect("facilities:staff_facility", pk=pk)


def _photo_of(facility, photo_pk) -> FacilityPhoto:
    photo = facility.photos.filter(pk=photo_pk).first()
    if photo is None:
        raise Http404(_("No such photo."))
    return photo


@staff_required
@require_POST
@returns_to("facilities:staff_facility", "pk")
def staff_photo_edit(request, pk, photo_pk):
    facility = _facility(request, pk)
    photo = _photo_of(facility, photo_pk)
    form = CaptionForm(request.POST)
    if not form.is_valid():
        raise BadInput(_("A caption is at most 100 characters."))
    services.facility_photo_update(actor=request.user, photo=photo, caption=form.cleaned_data["caption"])
    messages.success(request, _("Caption saved."))
    return redirect("facilities:staff_facility", pk=pk)


@staff_required
@require_POST
@returns_to("facilities:staff_facility", "pk")
def staff_photo_remove(request, pk, photo_pk):
    facility = _facility(request, pk)
    services.facility_photo_remove(actor=request.user, photo=_photo_of(facility, photo_pk))
    messages.success(request, _("Photo removed."))
    return redirect("facilities:staff_facility", pk=pk)


@staff_required
@require_POST
def staff_slot_add(request, pk, resource_pk):
    facility = _facility(request, pk)
    resource = _resource_of(facility, resource_pk)
    form = SlotForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.slot_add(actor=request.user, resource=resource, starts_at=d["starts_at"], ends_at=d["ends_at"],
                              capacity=d["capacity"], menu=d["menu"])
        except DomainError as error:  # re-render the form with what was typed
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Slot added."))
            return redirect("facilities:staff_facility", pk=pk)
    return _render_facility(request, facility, slot_form=form, form_for=resource.pk, code=400)


@staff_required
@require_GET
def staff_slot(request, pk):
    slot = Slot.objects.select_related("resource__facility__type").filter(pk=pk).first()
    if slot is None or not permissions.may_run(request.user, slot.resource.facility):
        raise Http404(_("No such slot among the facilities you run."))
    return render(request, "facilities/staff_slot.html", {
        "slot": slot, "bookings": selectors.slot_bookings(slot), "ended": slot.ends_at <= timezone.now()})


@staff_required
@require_POST
@returns_to("facilities:staff_slot", "pk")
def staff_no_shows(request, pk):
    slot = Slot.objects.filter(pk=pk).first()
    if slot is None:
        raise Http404(_("No such slot."))
    count = services.slot_record_no_shows(actor=request.user, slot=slot)
    messages.success(request, _("%(n)s booking(s) recorded as not come.") % {"n": count})
    return redirect("facilities:staff_slot", pk=pk)


# --- 预约核销 -----------------------------------------------------------------------------------------------

@staff_required
@require_http_methods(["GET", "POST"])
def checkin(request):
    """Type the code, or scan the QR code (its URL opens checkin_code directly)."""
    if not permissions.may_open_checkin(request.user):
        raise NotAllowed(_("Check-in is for the staff of a facility."))
    form = CheckinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        booking = services.booking_by_code(form.cleaned_data["code"])
        if booking is None:
            form.add_error("code", _("No booking has this code: check it and try again."))
        else:
            return redirect("facilities:checkin_code", code=booking.code)
    return render(request, "facilities/checkin.html", {"form": form}, status=400 if form.errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
@returns_to("facilities:checkin")
def checkin_code(request, code):
    booking = services.booking_by_code(code)
    if booking is None or not permissions.may_run(request.user, booking.slot.resource.facility):
        raise Http404(_("No booking with this code at a facility you run."))
    if request.method == "POST":
        services.booking_check_in(actor=request.user, booking=booking)
        messages.success(request, _("Checked in: %(code)s.") % {"code": booking.code})
        return redirect("facilities:checkin_code", code=booking.code)
    meal = getattr(booking, "meal", None) if hasattr(booking, "meal") else None
    return render(request, "facilities/checkin_booking.html", {
        "booking": booking, "meal": meal, "today": timezone.localdate(),
        "is_today": timezone.localdate(booking.slot.starts_at) == timezone.localdate()})


# --- 食堂 -----------------------------------------------------------------------------------------------------

def _day(text) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return timezone.localdate()


@staff_required
@require_GET
def canteen(request):
    """The canteens a user runs: the day's orders (who, delivered or not, paid, subsidy) and counts."""
    user = request.user
    if not permissions.may_open_canteen(user):
        raise NotAllowed(_("The canteen pages are for canteen staff and those who keep canteens."))
    canteens = list(selectors.canteens_run_by(user)[:500])
    day = _day(request.GET.get("day"))
    counts = selectors.meal_counts(day=day, facilities=canteens)
    chosen = next((c for c in canteens if str(c.pk) == request.GET.get("canteen")), canteens[0] if canteens else None)
    orders = list(selectors.meal_orders(facility=chosen, day=day)) if chosen else []
    meals = (list(Slot.objects.filter(resource__facility=chosen, resource__kind="meal",
                                      starts_at__date__gte=day - timedelta(days=1),
                                      starts_at__lte=timezone.now() + timedelta(days=7)).select_related("resource")
                  .order_by("starts_at")) if chosen else [])
    for canteen in canteens:
        canteen.day = counts.get(canteen.pk)
    month_start = day.replace(day=1)
    return render(request, "facilities/canteen.html", {
        "canteens": canteens, "canteen": chosen, "day": day, "orders": orders, "meals": meals,
        "figures": counts.get(chosen.pk) if chosen else None,
        "previous": day - timedelta(days=1), "next": day + timedelta(days=1),
        "month_start": month_start, "today": timezone.localdate(),
    })


SUBSIDY_COLUMNS = [
    Column("canteen", _("Canteen"), width=24), Column("day", _("Day"), width=12),
    Column("code", _("Booking code"), width=14), Column("diner", _("Diner"), width=10),
    Column("id_number", _("ID number"), width=22), Column("age", _("Age"), width=6),
    Column("rule", _("Price rule"), width=18), Column("full_price", _("Full price"), width=10),
    Column("price", _("Paid"), width=10), Column("subsidy", _("Subsidy"), width=10),
    Column("delivery", _("Delivered"), width=8), Column("state", _("State"), width=10),
]


@staff_required
@require_GET
def canteen_export(request):
    """The 民政 reimbursement report of a period (xlsx): every subsidised meal, ID numbers masked; audited."""
    from core.audit import audit_record

    user = request.user
    if not permissions.may_open_canteen(user):
        raise NotAllowed(_("The canteen pages are for canteen staff and those who keep canteens."))
    canteens = list(selectors.canteens_run_by(user))
    since = _day(request.GET.get("since"))
    until = _day(request.GET.get("until"))
    if until < since:
        since, until = until, since
    rows = [{"canteen": order.facility.name, "day": order.served_on.isoformat(), "code": order.booking.code,
             "diner": order.booking.masked_for_name, "id_number": order.booking.masked_for_id_number,
             "age": order.age, "rule": order.rule, "full_price": order.full_price, "price": order.price,
             "subsidy": order.subsidy, "delivery": _("yes") if order.delivery else "",
             "state": order.booking.get_state_display()}
            for order in selectors.subsidy_rows(facilities=canteens, since=since, until=until)]
    audit_record(actor=user, verb="facilities.subsidy.export", target=None,
                 data={"since": since.isoformat(), "until": until.isoformat(), "rows": len(rows)})
    content = write_xlsx(columns=SUBSIDY_COLUMNS, rows=rows, title=_("Meal subsidies"))
    return xlsx_response(content, f"meal-subsidies-{since:%Y%m%d}-{until:%Y%m%d}.xlsx")


def home_panel(request) -> str:
    """Today's orders of the canteens the user runs, on their home page (core.home)."""
    from django.template.loader import render_to_string
    from django.urls import reverse

    user = request.user
    if not getattr(user, "is_authenticated", False) or user.is_resident:
        return ""
    canteens = list(selectors.canteens_run_by(user)[:10]) if permissions.may_open_canteen(user) else []
    posts = list(selectors.facilities_run_as_staff(user).exclude(pk__in=[c.pk for c in canteens])[:10])
    if not canteens and not posts:
        return ""
    counts = selectors.meal_counts(day=timezone.localdate(), facilities=canteens)
    for canteen in canteens:
        day = counts.get(canteen.pk)
        canteen.today_orders = day.orders if day else 0
        canteen.today_delivered = day.delivered if day else 0
        canteen.today_checked_in = day.checked_in if day else 0
    return render_to_string("facilities/home_panel.html", {
        "canteens": canteens, "posts": posts, "canteen_url": reverse("facilities:canteen")}, request=request)
