"""The registry's staff pages: register and change a person, their categories and responsible people, end
a record, file a need heard of outside a visit, the coverage gaps of a unit with one-click assignment, the
exports of the lists and figures, and a person's whole record for them (PIPL). Every read starts from
care.selectors; every change is one service call; every export is audited."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from care import exports, permissions, selectors, services
from care.forms import (
    AccessExportForm,
    AssignForm,
    EndRecordForm,
    GapFilterForm,
    MembershipEndForm,
    MembershipForm,
    NeedForm,
    PeopleFilterForm,
    PersonForm,
)
from care.models import CareCategory, CareMembership, CarerRole
from core.errors import BadInput, DomainError, NotAllowed
from core.middleware import returns_to
from core.xlsx import write_xlsx, xlsx_response
from orgs.models import Level, Unit

MAX_EXPORT_ROWS = 20_000


def _visible_person(request, pk):
    person = selectors.people_visible_to(request.user).filter(pk=pk).first()
    if person is None:
        raise Http404(_("No such person in your scope."))
    return person


def _managed_person(request, pk):
    person = _visible_person(request, pk)
    permissions.require_manage(request.user, person)
    return person


def _places(user):
    """The villages and grids whose registry ``user`` keeps (for the person form)."""
    from orgs.selectors import units_visible_to

    units = units_visible_to(user, roles=permissions.MANAGE_ROLES).filter(is_active=True)
    return (
        units.filter(level=Level.VILLAGE).order_by("code"),
        units.filter(level=Level.GRID).select_related("parent").order_by("code"),
    )


def _require_registry(user):
    if not permissions.may_open_registry(user):
        raise NotAllowed(
            _(
                "The registry is for village, township and county staff, grid workers and the "
                "departments that serve its people."
            )
        )


# --- a person ----------------------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def person_new(request):
    """Register someone. A registered ID number is refused with a link to that record, when the user may
    open it."""
    user = request.user
    units, grids = _places(user)
    if not units.exists():
        raise NotAllowed(_("Only village, township or county staff register people in care."))
    form = PersonForm(request.POST or None, units=units, grids=grids)
    existing, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            # Kept here rather than left to core.middleware: a refused registration comes back with what
            # was typed, and a duplicate with the way to the record that holds the number.
            try:
                person = services.person_register(
                    actor=user,
                    name=data["name"],
                    id_number=data["id_number"],
                    unit=data["unit"],
                    grid=data["grid"],
                    phone=data["phone"],
                    address=data["address"],
                )
            except services.DuplicatePerson as exc:
                form.add_error("id_number", exc.message)
                if permissions.may_see(user, exc.person):
                    existing = exc.person
                status = 409
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Registered. Add the person's categories and responsible people."))
                return redirect("care:person", pk=person.pk)
    return render(request, "care/person_form.html", {"form": form, "existing": existing, "person": None}, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    user = request.user
    person = _managed_person(request, pk)
    units, grids = _places(user)
    initial = {
        "name": person.name,
        "phone": person.masked_phone,
        "address": person.address,
        "unit": person.unit,
        "grid": person.grid,
    }
    form = PersonForm(request.POST or None, initial=initial, units=units, grids=grids, editing=True)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            # The form shows the phone masked; sent back unchanged it keeps the number on file.
            phone = person.phone if data["phone"] == person.masked_phone else data["phone"]
            try:  # re-rendered with what was typed, as above
                services.person_update(
                    actor=user,
                    person=person,
                    name=data["name"],
                    unit=data["unit"],
                    grid=data["grid"],
                    phone=phone,
                    address=data["address"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Saved."))
                return redirect("care:person", pk=person.pk)
    return render(request, "care/person_form.html", {"form": form, "person": person}, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def person_end(request, pk):
    """End a record: moved away or died, with the date and the reason; the history stays."""
    person = _managed_person(request, pk)
    if person.ended_on:
        messages.info(request, _("This record was ended already."))
        return redirect("care:person", pk=person.pk)
    form = EndRecordForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:  # re-rendered with what was typed
                services.person_end(
                    actor=request.user,
                    person=person,
                    ended_on=data["ended_on"],
                    reason=data["reason"],
                    note=data["note"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("The record is ended; it stays in the registry with its history."))
                return redirect("care:person", pk=person.pk)
    return render(request, "care/person_end.html", {"form": form, "person": person}, status=status)


# --- categories --------------------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def membership_new(request, pk):
    """Add the person to a category (or change their open membership of it), with its own fields."""
    person = _managed_person(request, pk)
    categories = CareCategory.objects.filter(is_active=True)
    chosen = request.POST.get("category") or request.GET.get("category")
    category = categories.filter(pk=chosen).first() if chosen and str(chosen).isdigit() else None
    form, status = None, 200
    if category is not None:
        current = person.memberships.filter(category=category, until__isnull=True).first()
        initial = (
            {"since": current.since, "source": current.source, **{f"field_{k}": v for k, v in current.values.items()}}
            if current
            else None
        )
        form = MembershipForm(request.POST if request.method == "POST" else None, category=category, initial=initial)
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:  # re-rendered with what was typed
                    _membership, created = services.membership_set(
                        actor=request.user,
                        person=person,
                        category=category,
                        since=form.cleaned_data["since"],
                        source=form.cleaned_data["source"],
                        values=form.values(),
                    )
                except DomainError as exc:
                    form.add_error(None, exc.message)
                    status = exc.status
                else:
                    messages.success(
                        request, _("Added to %(category)s.") % {"category": category.name} if created else _("Saved.")
                    )
                    return redirect("care:person", pk=person.pk)
    return render(
        request,
        "care/membership_form.html",
        {"person": person, "categories": categories, "category": category, "form": form},
        status=status,
    )


@staff_required
@require_POST
@returns_to("care:person", "pk")
def membership_end(request, pk, membership_pk):
    person = _managed_person(request, pk)
    membership = get_object_or_404(
        CareMembership.objects.select_related("category", "person"), pk=membership_pk, person=person
    )
    form = MembershipEndForm(request.POST)
    if not form.is_valid():
        raise BadInput(_("Give the date the membership ends."))
    if form.cleaned_data["until"] > timezone.localdate():
        raise BadInput(_("The membership cannot end in the future."))
    services.membership_end(
        actor=request.user, membership=membership, until=form.cleaned_data["until"], reason=form.cleaned_data["reason"]
    )
    messages.success(
        request, _("%(category)s ended; it stays in the history.") % {"category": membership.category.name}
    )
    return redirect("care:person", pk=person.pk)


# --- responsible people ------------------------------------------------------------------------------------


@staff_required
@require_POST
@returns_to("care:person", "pk")
def assignment_new(request, pk):
    person = _managed_person(request, pk)
    form = AssignForm(request.POST, candidates=selectors.carer_candidates(person))
    if not form.is_valid():
        raise BadInput("; ".join(str(e) for errors in form.errors.values() for e in errors))
    carer = form.cleaned_data["user"]
    services.assignment_start(actor=request.user, person=person, carer=carer, role=form.cleaned_data["role"])
    messages.success(
        request, _("%(carer)s is now responsible for %(name)s.") % {"carer": carer, "name": person.masked_name}
    )
    return redirect(
        request.POST.get("next") if _is_gaps_url(request.POST.get("next")) else reverse("care:person", args=[person.pk])
    )


def _is_gaps_url(url) -> bool:
    return bool(url) and url.startswith(reverse("care:gaps"))


@staff_required
@require_POST
@returns_to("care:person", "pk")
def assignment_end(request, pk, assignment_pk):
    person = _managed_person(request, pk)
    assignment = get_object_or_404(person.assignments.select_related("carer", "person"), pk=assignment_pk)
    services.assignment_end(actor=request.user, assignment=assignment)
    messages.success(
        request,
        _("%(carer)s is no longer responsible for %(name)s.") % {"carer": assignment.carer, "name": person.masked_name},
    )
    return redirect("care:person", pk=person.pk)


# --- a need heard of outside a visit -----------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def need_new(request, pk):
    person = _visible_person(request, pk)
    permissions.require_file_need(request.user, person)
    form = NeedForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:  # re-rendered with what was typed
                link = services.person_need_file(actor=request.user, person=person, need=form.need())
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("The need was filed as demand %(code)s; its state shows on the record.")
                    % {"code": link.appeal.code},
                )
                return redirect("care:person", pk=person.pk)
    return render(request, "care/need_form.html", {"form": form, "person": person}, status=status)


# --- the whole record, for the person (PIPL) ---------------------------------------------------------------


@staff_required
@require_POST
@returns_to("care:person", "pk")
def access_export(request, pk):
    person = _visible_person(request, pk)
    permissions.require_export_access(request.user, person)
    form = AccessExportForm(request.POST)
    if not form.is_valid():
        raise BadInput(_("Say why the record is exported, e.g. the person's request of today."))
    record = services.person_access_export(
        actor=request.user, person=person, purpose=form.cleaned_data["purpose"], fmt=form.cleaned_data["fmt"]
    )
    sections = exports.record_sections(record)
    if form.cleaned_data["fmt"] == "xlsx":
        response = xlsx_response(
            exports.record_workbook(sections), f"{_('personal record')}-{timezone.localdate():%Y%m%d}.xlsx"
        )
    else:
        response = render(
            request,
            "care/person_record.html",
            {
                "person": person,
                "sections": sections,
                "now": timezone.localtime(),
                "purpose": form.cleaned_data["purpose"],
            },
        )
    response["Cache-Control"] = "no-store"
    return response


# --- the registry as a list, exported ----------------------------------------------------------------------


def _with_assignments(qs):
    from django.db.models import Prefetch

    from care.models import CareAssignment

    return qs.prefetch_related(
        Prefetch(
            "assignments",
            queryset=CareAssignment.objects.filter(until__isnull=True).select_related("carer"),
            to_attr="open_assignments",
        )
    )


@staff_required
@require_GET
def people_export(request):
    """The list 包联对象 shows, with its filters, masked, as xlsx."""
    user = request.user
    _require_registry(user)
    form = PeopleFilterForm(request.GET or None)
    qs = selectors.people_visible_to(user)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        qs = selectors.people_search(
            qs,
            query=data["q"],
            category=data["category"],
            risk=data["risk"],
            status=data["status"] or selectors.RecordStatus.CURRENT,
        )
        filters = {k: (str(v.code) if hasattr(v, "code") else v) for k, v in data.items() if v}
        filters.pop("q", None)  # a searched name or number is personal data: the trail says only that one was given
        if data["q"]:
            filters["search"] = True
    else:
        qs = qs.filter(ended_on__isnull=True)
    qs = _with_assignments(selectors.with_open_memberships(qs.order_by("unit__code", "name", "pk"), user))
    people = list(qs[:MAX_EXPORT_ROWS])
    services.export_audit(actor=user, what=_("People in care (包联对象)"), rows=len(people), filters=filters)
    content = write_xlsx(columns=exports.PEOPLE_COLUMNS, rows=exports.people_rows(people), title=_("People in care"))
    return xlsx_response(content, f"{_('people in care')}-{timezone.localdate():%Y%m%d}.xlsx")


# --- a unit: figures, drill-down, coverage gaps ------------------------------------------------------------


def _chosen_unit(request) -> tuple[Unit, list[Unit]]:
    """The unit asked for (``?unit=``), or the first of the user's; the picker's list. A grid is reached by
    drilling down from its village."""
    scope_units = selectors.units_for_dashboard(request.user)
    units = list(scope_units[:500])
    if not units:
        raise NotAllowed(_("You hold no role in a unit."))
    wanted = request.GET.get("unit") or ""
    if not wanted:
        return units[0], units
    chosen = Unit.objects.filter(pk=int(wanted)).first() if wanted.isdigit() else None
    if (
        chosen is None
        or not scope_units.filter(pk=chosen.parent_id if chosen.level == Level.GRID else chosen.pk).exists()
    ):
        raise Http404(_("No such unit in your scope."))
    return chosen, units


@staff_required
@require_GET
def unit_page(request):
    """A unit's figures (people per category, coverage, visits on time, open needs, the high-risk people
    not seen longest), the units below it to drill down into, and the exports."""
    user = request.user
    _require_registry(user)
    unit, units = _chosen_unit(request)
    today = timezone.localdate()
    figures, children = selectors.unit_overview(user, unit, today=today)
    return render(
        request,
        "care/unit.html",
        {
            "units": units,
            "unit": unit,
            "figures": figures,
            "children": children,
            "parent": unit.parent
            if unit.parent_id and selectors.units_for_dashboard(user).filter(pk=unit.parent_id).exists()
            else None,
            "today": today,
        },
    )


@staff_required
@require_GET
def unit_export(request):
    user = request.user
    _require_registry(user)
    unit, _units = _chosen_unit(request)
    today = timezone.localdate()
    figures, children = selectors.unit_overview(user, unit, today=today)
    services.export_audit(
        actor=user,
        what=_("Care figures of %(unit)s") % {"unit": unit.name},
        rows=1 + len(children),
        filters={"unit": unit.code},
    )
    return xlsx_response(
        exports.unit_workbook(unit, figures, children), f"{unit.name}-{_('care figures')}-{today:%Y%m%d}.xlsx"
    )


@staff_required
@require_GET
def gaps(request):
    """Coverage gaps: the people of a unit in a category with no one responsible, and, for those who keep
    the registry, a one-click assignment to one of the village's staff."""
    user = request.user
    _require_registry(user)
    unit, units = _chosen_unit(request)
    form = GapFilterForm(request.GET or None)
    category = form.cleaned_data["category"] if form.is_valid() else None
    people = list(selectors.with_open_memberships(selectors.coverage_gaps(user, unit, category=category), user)[:300])
    candidates = {}
    for person in people:
        place = (person.unit_id, person.grid_id)
        if place not in candidates:
            candidates[place] = selectors.carer_candidates(person)
        person.may_assign = permissions.may_manage(user, person)
        person.candidates = candidates[place]
    total = selectors.coverage_gaps(user, unit, category=category).count()
    return render(
        request,
        "care/gaps.html",
        {
            "unit": unit,
            "units": units,
            "form": form,
            "people": people,
            "total": total,
            "roles": CarerRole.choices,
            "category": category,
            "next": request.get_full_path(),
        },
    )


@staff_required
@require_GET
def gaps_export(request):
    user = request.user
    _require_registry(user)
    unit, _units = _chosen_unit(request)
    form = GapFilterForm(request.GET or None)
    category = form.cleaned_data["category"] if form.is_valid() else None
    people = list(
        _with_assignments(
            selectors.with_open_memberships(selectors.coverage_gaps(user, unit, category=category), user)
        )[:MAX_EXPORT_ROWS]
    )
    services.export_audit(
        actor=user,
        what=_("Coverage gaps of %(unit)s") % {"unit": unit.name},
        rows=len(people),
        filters={"unit": unit.code, **({"category": category.code} if category else {})},
    )
    content = write_xlsx(columns=exports.PEOPLE_COLUMNS, rows=exports.people_rows(people), title=_("Coverage gaps"))
    return xlsx_response(content, f"{unit.name}-{_('coverage gaps')}-{timezone.localdate():%Y%m%d}.xlsx")
