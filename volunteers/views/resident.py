"""The volunteer's pages, made for a phone: 志愿服务 (apply; upcoming activities, invitations, open
activities to sign up for), an activity's slots, the page a scanned activity QR opens (check in, check
out), 我的时长 (the ledger, the volunteer's own QR code, a certificate), and the public page that
verifies a certificate. Every change is one service call."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError, NotAllowed
from core.middleware import returns_to
from volunteers import selectors, services
from volunteers.forms import ApplyForm, ProfileForm
from volunteers.models import Activity, Certificate, Signup, SignupStatus, Slot, VolunteerStatus
from volunteers.qr import qr_svg, qr_svg_document


def signed_in(view):
    """Any signed-in account (residents mostly; a staff social worker too); visitors go to the
    residents' sign-in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("resident_login"))
        return view(request, *args, **kwargs)

    return wrapper


def _approved(request):
    volunteer = selectors.volunteer_of(request.user)
    if volunteer is None:
        raise NotAllowed(_("Apply as a volunteer first."))
    return volunteer


@signed_in
@require_GET
def home(request):
    volunteer = selectors.volunteer_of(request.user)
    approved = volunteer is not None and volunteer.status == VolunteerStatus.APPROVED
    context = {"volunteer": volunteer, "approved": approved,
               "open": list(selectors.with_places(selectors.open_activities(volunteer=volunteer))[:30])}
    if volunteer is not None:
        context.update({
            "upcoming": list(selectors.upcoming_signups(volunteer)[:20]),
            "total_hours": round(selectors.total_minutes(volunteer) / 60, 1),
            "invitations": list(selectors.invitations_for(volunteer)[:10]),
        })
    return render(request, "volunteers/home.html", context)


@signed_in
@require_http_methods(["GET", "POST"])
def apply(request):
    if selectors.volunteer_of(request.user) is not None:
        return redirect("volunteers:home")
    form = ApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Caught here rather than in the middleware: the form keeps what was typed.
        try:
            services.volunteer_apply(actor=request.user, name=data["name"], id_number=data["id_number"],
                                     unit=data["unit"], organisation=data["organisation"], skills=data["skills"],
                                     availability=form.availability(), consent=data["consent"])
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Thank you: your application is with the community, who will check "
                                        "your ID card once and approve it."))
            return redirect("volunteers:home")
    return render(request, "volunteers/apply.html", {"form": form}, status=400 if form.errors else 200)


@signed_in
@require_http_methods(["GET", "POST"])
def profile(request):
    volunteer = _approved(request)
    form = ProfileForm(request.POST or None, volunteer=volunteer)
    if request.method == "POST" and form.is_valid():
        services.volunteer_update_own(actor=request.user, volunteer=volunteer, skills=form.cleaned_data["skills"],
                                      availability=form.availability())
        messages.success(request, _("Saved."))
        return redirect("volunteers:home")
    return render(request, "volunteers/profile.html", {"form": form, "volunteer": volunteer})


@signed_in
@require_GET
def activity(request, pk):
    activity = Activity.objects.select_related("unit", "organisation").filter(pk=pk).first()
    if activity is None:
        raise Http404(_("No such activity."))
    volunteer = selectors.volunteer_of(request.user)
    mine = {}
    if volunteer is not None:
        mine = {s.slot_id: s for s in Signup.objects.filter(volunteer=volunteer, slot__activity=activity,
                                                            status=SignupStatus.SIGNED_UP)}
    slots = list(selectors.future_slots(activity))
    for slot in slots:
        slot.mine = mine.get(slot.pk)
    return render(request, "volunteers/activity.html", {
        "activity": activity, "slots": slots, "volunteer": volunteer,
        "approved": volunteer is not None and volunteer.status == VolunteerStatus.APPROVED,
        "skills": list(activity.skills.all()), "now": timezone.now(),
    })


@signed_in
@require_POST
@returns_to("volunteers:activity", "pk")
def signup(request, pk, slot):
    slot = Slot.objects.select_related("activity").filter(pk=slot, activity_id=pk).first()
    if slot is None:
        raise Http404(_("No such time slot."))
    services.signup_create(actor=request.user, slot=slot)
    messages.success(request, _("You are signed up. On the day, scan the activity's QR code to check in."))
    return redirect("volunteers:activity", pk=slot.activity_id)


@signed_in
@require_POST
@returns_to("volunteers:home")
def withdraw(request, pk):
    volunteer = _approved(request)
    signup = Signup.objects.select_related("slot__activity", "volunteer").filter(pk=pk, volunteer=volunteer).first()
    if signup is None:
        raise Http404(_("No such sign-up."))
    services.signup_withdraw(actor=request.user, signup=signup)
    messages.success(request, _("You withdrew; the place is free for someone else."))
    return redirect("volunteers:home")


@signed_in
@require_http_methods(["GET", "POST"])
@returns_to("volunteers:checkin", "code")
def checkin(request, code):
    """What the activity's QR code opens on the volunteer's phone: check in, later check out."""
    activity = selectors.activity_by_checkin_code(code)
    if activity is None:
        raise Http404(_("This QR code is not an activity's."))
    volunteer = _approved(request)
    signup = services.signup_for_scan(volunteer=volunteer, activity=activity)
    if request.method == "POST":
        if request.POST.get("action") == "out":
            entry = services.signup_check_out(actor=request.user, signup=signup)
            messages.success(request, _("Checked out: %(minutes)s minutes of service added to your hours.") % {
                "minutes": entry.minutes})
            return redirect("volunteers:hours")
        services.signup_check_in(actor=request.user, signup=signup)
        messages.success(request, _("Checked in. Check out here when you leave."))
        return redirect("volunteers:checkin", code=code)
    return render(request, "volunteers/checkin.html", {"activity": activity, "signup": signup, "code": code})


@signed_in
@require_GET
def hours(request):
    volunteer = _approved(request)
    entries = list(selectors.ledger(volunteer)[:200])
    return render(request, "volunteers/hours.html", {
        "volunteer": volunteer, "entries": entries,
        "total_hours": round(selectors.total_minutes(volunteer) / 60, 1),
        "approved": volunteer.status == VolunteerStatus.APPROVED,
        "certificates": list(volunteer.certificates.all()[:5]),
    })


@signed_in
@require_GET
def my_qr(request):
    """The volunteer's own code, for an organiser to scan."""
    volunteer = _approved(request)
    url = request.build_absolute_uri(reverse("volunteers:staff_scan", args=[volunteer.code]))
    response = HttpResponse(qr_svg_document(url), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


@signed_in
@require_POST
@returns_to("volunteers:hours")
def certificate_new(request):
    volunteer = _approved(request)
    certificate = services.certificate_issue(actor=request.user, volunteer=volunteer)
    return redirect("volunteers:certificate", code=certificate.code)


@signed_in
@require_GET
def certificate(request, code):
    """The printable certificate, for its holder."""
    found = Certificate.objects.select_related("volunteer__unit", "volunteer__organisation").filter(
        code=code, volunteer__user=request.user).first()
    if found is None:
        raise Http404(_("No such certificate of yours."))
    verify_url = request.build_absolute_uri(reverse("volunteers:verify") + f"?code={found.code}")
    return render(request, "volunteers/certificate.html", {
        "certificate": found, "hours": round(found.minutes / 60, 1), "verify_url": verify_url,
        "qr": qr_svg(verify_url)})


@require_GET
def verify(request):
    """Public: anyone holding a certificate's code sees whether it is genuine, and what it says."""
    code = request.GET.get("code", "")
    found = selectors.certificate_by_code(code) if code else None
    return render(request, "volunteers/verify.html", {
        "code": code, "certificate": found, "hours": round(found.minutes / 60, 1) if found else None})
