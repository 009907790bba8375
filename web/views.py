"""The top of the site: a home page for each role, the directory of the units and departments a staff
member reaches, and the health check. Signing in and out is accounts' (accounts.views)."""

from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.decorators import staff_required
from appeals.forms import TrackForm
from core import home as home_panels
from core import menu
from deliberation.apps import TILE_TEXT as DELIBERATION_TILES
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
    ("admin:dispatch_catalogueentry_changelist", gettext_lazy("Dispatch catalogue (派单目录)"),
     gettext_lazy("Which department is responsible for which kind of matter.")),
]

# The work waiting for each role, counted on its home page: queues of the workbench (appeals.selectors).
WAITING_QUEUES = {
    Role.DISPATCHER: ["to_dispatch", "returned"],
    Role.HANDLER: ["to_accept", "handling", "due_soon", "overdue", "urged"],
    Role.SUPERVISOR: ["overdue", "urged", "urged_overdue"],
}

# What each page of the site menu (core.menu) is for, under its name on the home page's tiles. The tiles
# are the menu's entries the user may open, so the home page and the menu never disagree, and a module
# that is not built (or not installed) has neither.
TILE_TEXT = {
    "appeals.queue": gettext_lazy("Every demand (诉求) in your scope by queue, with search, filters and export."),
    "appeals.record": gettext_lazy("For a call you took: the resident gets a tracking code by SMS."),
    "appeals.import": gettext_lazy("Bring in the 12345 hotline's export (xlsx) as demands, checked before they are filed."),
    "appeals.kpi": gettext_lazy("Response, resolution and satisfaction rates of each unit and department."),
    "appeals.extensions": gettext_lazy("Approve or refuse handlers' requests for more time."),
    "care.visits": gettext_lazy("The people in your care who are due a visit, most urgent first; record a visit on the spot."),
    "care.people": gettext_lazy("The register of people in care (包联对象): categories, risk, carers and visits on time."),
    "dispatch.hotspots": gettext_lazy("Demands of a period grouped by matter and place, ranked by size and growth."),
    "dispatch.catalogue": gettext_lazy("Which matter goes to which department: the phrases the router and the "
                                       "dispatchers go by (权责清单)."),
    "dispatch.topics": gettext_lazy("Recurring problems picked from the hotline data and what is being done about them."),
    "volunteers.people": gettext_lazy("Volunteers and social workers of your area: applications to approve, "
                                      "their skills and service hours."),
    "volunteers.activities": gettext_lazy("Volunteer activities: publish a need with time slots, check volunteers "
                                          "in by QR, invite the best suited."),
    "targets.dashboard": gettext_lazy("One screen per unit: the 民生实事 targets' progress, demands and care, down "
                                      "to each county and township; the monthly report."),
    "targets.reports": gettext_lazy("Report the figures the platform cannot see (填报), and review those of the "
                                    "units below (审核)."),
    "web.directory": gettext_lazy("The units and departments in your scope, with their division codes."),
    "web.admin": gettext_lazy("The administration pages: units, departments, accounts, calendars and settings."),
    **DELIBERATION_TILES,
}


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


def feature_tiles(user, *, path: str = "/") -> list[dict]:
    """The pages of the site menu ``user`` may open, each with what it is for."""
    return [{**link, "text": TILE_TEXT.get(link["key"], "")}
            for link in menu.links_for(user, menu.menu_for(user) or menu.STAFF, path=path)]


def waiting_work(user, role: str, *, now=None) -> list[dict]:
    """The counts of the role's queues, each linking to the queue: the same numbers as the workbench."""
    from appeals.selectors import queue_counts
    from appeals.views.staff import QUEUE_LABELS

    queues = WAITING_QUEUES.get(role, [])
    if not queues:
        return []
    counts = queue_counts(user, now=now)
    url = reverse("appeals:staff_queue")
    waiting = [{"key": queue, "label": QUEUE_LABELS[queue], "count": counts[queue], "url": f"{url}?queue={queue}"}
               for queue in queues]
    if role == Role.SUPERVISOR:  # handlers' requests for more time wait for the supervisor's decision
        from appeals.selectors import extension_requests_pending_for

        waiting.append({"key": "extensions", "label": gettext_lazy("Extension requests (延期审批)"),
                        "count": extension_requests_pending_for(user).count(),
                        "url": reverse("appeals:staff_extensions")})
    return waiting


def month_headline(user, *, now=None) -> list[dict]:
    """A leader's headline figures for this month so far, as the 三率 page shows them."""
    from appeals import kpis

    now = now or timezone.now()
    report = kpis.kpi_report(user=user, period=kpis.period_from_params({}, today=timezone.localdate(now)), now=now)
    headline = kpis.kpi_headline(user=user, report=report, now=now)
    f = headline.figures
    rate = kpis.percent(f.satisfaction_rate)
    url = reverse("appeals:kpi")
    return [
        {"key": "received", "label": gettext_lazy("Received (受理)"), "count": headline.received, "url": url},
        {"key": "closed", "label": gettext_lazy("Closed (办结)"), "count": f.closed, "url": url},
        {"key": "overdue", "label": gettext_lazy("Overdue (已超期)"), "count": headline.overdue_now,
         "url": f"{reverse('appeals:staff_queue')}?queue=overdue"},
        {"key": "satisfaction", "label": gettext_lazy("Satisfaction rate (满意率)"),
         "count": "—" if rate is None else f"{rate:.1f}%", "url": url},
    ]


@require_GET
def home(request):
    user = request.user
    if not user.is_authenticated:
        return landing(request)
    if user.is_resident:
        from volunteers.selectors import home_summary

        return render(request, "web/home_resident.html", {"masked_phone": user.masked_phone,
                                                          "volunteer_summary": home_summary(user)})
    memberships = memberships_of(user)
    role = strongest_role(user, memberships)
    if role is None:  # no role in the network; an app may still give them work (a canteen's manager)
        tiles, panels = feature_tiles(user), home_panels.panels_for(request)
        if not panels:
            tiles = []  # nothing of their own to do: send them to their administrator
        return render(request, "web/home_no_role.html", {"tiles": tiles, "panels": panels})
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
        "tiles": feature_tiles(user),
        "waiting": month_headline(user) if role == Role.LEADER else waiting_work(user, role),
        "panels": home_panels.panels_for(request),
    }
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
