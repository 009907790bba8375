"""The shell every module lives in: sign-in, sign-out, a home page for each role, and the
directory of the units and departments a staff member reaches."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.services import otp_request, otp_verify
from core.crypto import mask_phone
from core.errors import DomainError
from orgs.models import Level, Role
from orgs.selectors import (
    departments_visible_to,
    memberships_of,
    memberships_visible_to,
    unit_counts_by_level,
    units_visible_to,
)
from web.forms import ResidentCodeForm, ResidentPhoneForm, StaffLoginForm


class StaffLogin(LoginView):
    """Username and password; django-axes counts failures and locks the account out after too many."""

    template_name = "web/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True


staff_login = StaffLogin.as_view()


def _safe_next(request) -> str | None:
    """Where to go after signing in (?next=, which the forms keep by posting to the same URL)."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return None


@require_http_methods(["GET", "POST"])
def resident_login(request):
    """Two steps on one page: the phone number, then the code sent to it by SMS."""
    if request.user.is_authenticated:
        return redirect("home")
    phone_form, code_form = ResidentPhoneForm(), None
    if request.method == "POST":
        if request.POST.get("step") == "code":
            code_form = ResidentCodeForm(request.POST)
            if code_form.is_valid():
                try:
                    user = otp_verify(phone=code_form.cleaned_data["phone"], code=code_form.cleaned_data["code"])
                except DomainError as exc:
                    code_form.add_error("code", str(exc.message))
                else:
                    if not user.is_resident:
                        # Staff accounts may carry a phone number, but they sign in with their password so
                        # that the lockout and the password policy apply to them.
                        code_form.add_error("code", _("This phone number belongs to a staff account. Staff sign "
                                                      "in with their username and password."))
                    else:
                        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                        return redirect(_safe_next(request) or "home")
        else:
            phone_form = ResidentPhoneForm(request.POST)
            if phone_form.is_valid():
                phone = phone_form.cleaned_data["phone"]
                try:
                    otp_request(phone=phone)
                except DomainError as exc:
                    phone_form.add_error("phone", str(exc.message))
                else:
                    messages.success(request, _("We have sent a 6-digit code to %(phone)s.")
                                     % {"phone": mask_phone(phone)})
                    code_form = ResidentCodeForm(initial={"phone": phone})
    phone = code_form["phone"].value() if code_form is not None else ""
    return render(request, "web/resident_login.html", {
        "phone_form": phone_form,
        "code_form": code_form,
        "masked_phone": mask_phone(phone),
        "phone": phone,
    })


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("login")


# Which home page a person sees, strongest role first.
ROLE_ORDER = [Role.ADMIN, Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER, Role.HANDLER, Role.GRID_WORKER]


def strongest_role(user, memberships) -> str | None:
    if user.is_superuser:
        return Role.ADMIN
    roles = {m.role for m in memberships}
    return next((r for r in ROLE_ORDER if r in roles), None)


# The administration pages an administrator uses most, as (admin URL name, title, description).
ADMIN_ENTRIES = [
    ("admin:orgs_unit_changelist", gettext_lazy("Units (组织架构)"),
     gettext_lazy("Cities, counties, townships, villages and communities, with import and export in xlsx.")),
    ("admin:orgs_department_changelist", gettext_lazy("Departments"),
     gettext_lazy("The departments of the city and county governments.")),
    ("admin:accounts_user_changelist", gettext_lazy("Staff accounts and roles"),
     gettext_lazy("Create accounts, give roles in units and departments, reset passwords.")),
]


def admin_links(user) -> list[dict]:
    """Links into the Django admin, only for pages this user can actually open."""
    if not user.is_staff:
        return []
    links = []
    for name, title, text in ADMIN_ENTRIES:
        try:
            url = reverse(name)
        except NoReverseMatch:  # that model is not registered in the admin
            continue
        links.append({"url": url, "title": title, "text": text})
    return links


@login_required
@require_GET
def home(request):
    user = request.user
    if user.is_resident:
        return render(request, "web/home_resident.html", {"masked_phone": user.masked_phone})
    memberships = memberships_of(user)
    role = strongest_role(user, memberships)
    if role is None:
        return render(request, "web/home_no_role.html", {})
    counts = unit_counts_by_level(units_visible_to(user))
    context = {
        "memberships": memberships,
        "role": role,
        "role_label": Role(role).label,
        "other_roles": sorted({m.get_role_display() for m in memberships if m.role != role}),
        "unit_counts": [{"level": level, "label": Level(level).label, "count": counts[level]}
                        for level in Level.values if counts[level]],
        "unit_total": sum(counts.values()),
        "department_count": departments_visible_to(user).filter(is_active=True).count(),
        "staff_count": memberships_visible_to(user).values("user").distinct().count(),
        "admin_links": admin_links(user) if role == Role.ADMIN else [],
    }
    return render(request, f"web/home_{role}.html", context)


def staff_required(view):
    """Signed-in staff only: residents get a 403, anonymous visitors the sign-in page."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_resident:
            raise PermissionDenied(_("This page is for staff."))
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
@require_GET
def directory(request):
    """The units and departments the staff member reaches: the scope rule made visible."""
    level = request.GET.get("level", "")
    units = units_visible_to(request.user).filter(is_active=True).select_related("parent")
    if level in Level.values:
        units = units.filter(level=level)
    else:
        level = ""
    page = Paginator(units.order_by("path"), 100).get_page(request.GET.get("page"))
    departments = departments_visible_to(request.user).filter(is_active=True).order_by("unit__path", "kind", "name")
    return render(request, "web/directory.html", {
        "page": page,
        "level": level,
        "levels": Level.choices,
        "departments": departments,
    })


def healthz(request):
    """For the load balancer and for operators: is the database reachable?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return JsonResponse({"status": "ok"})
