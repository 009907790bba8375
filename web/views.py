"""The top of the site: a home page for each role, the directory of the units and departments a staff
member reaches, and the health check. Signing in and out is accounts' (accounts.views)."""

from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.decorators import staff_required
from appeals.forms import TrackForm
from orgs.models import Level, Role
from orgs.selectors import (
    departments_visible_to,
    memberships_of,
    memberships_visible_to,
    unit_counts_by_level,
    units_visible_to,
)

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


def supervision_counts(user) -> dict:
    """What waits for a supervisor's decision: extension requests (延期) and urgings left unanswered
    past their deadline (督办超期), in their scope."""
    from appeals.selectors import appeals_in_queue, extension_requests_pending_for

    return {"extensions": extension_requests_pending_for(user).count(),
            "urged_overdue": appeals_in_queue(user, "urged_overdue").count()}


@require_GET
def home(request):
    user = request.user
    if not user.is_authenticated:
        return landing(request)
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
    if role == Role.SUPERVISOR:
        context["supervision"] = supervision_counts(user)
    return render(request, f"web/home_{role}.html", context)


def landing(request):
    """The front door for a visitor: find a demand by its tracking code, sign in with a phone to raise or
    follow demands, and — smaller — staff sign-in."""
    return render(request, "web/landing.html", {"track_form": TrackForm()})


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
