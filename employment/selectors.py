"""Reads of employment, limited to what the actor may see (employment.permissions), and the figures the
dashboards and the 民生实事 targets read: 1131 completion in a unit, public-welfare posts filled,
placements in a period."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from employment import permissions
from employment.matching import open_postings
from employment.models import (
    LEDGER_TARGETS,
    Employer,
    EmployerStatus,
    FairRegistration,
    FollowUp,
    FollowUpDue,
    JobFair,
    Placement,
    Posting,
    PublicWelfarePost,
    Seeker,
    SeekerKind,
    SeekerStatus,
    ServiceKind,
    ServiceRecord,
    SubsidyApplication,
    SubsidyStatus,
)
from orgs.selectors import Scope


def _paths_q(scope: Scope, lookup: str) -> Q:
    if scope.everything:
        return Q()
    q = Q(pk__in=[])
    for path in scope.unit_paths:
        q |= Q(**{f"{lookup}__path__startswith": path})
    return q


# --- seekers ---------------------------------------------------------------------------------------------

def _seeker_scope_q(scope: Scope) -> Q:
    """Seekers in ``scope``. A reach of a whole county or city is read from the seeker's county (a column of
    their own row: no join, so the city's dashboard counts 100,000 seekers in one pass); a township's or
    village's from the path of where they live."""
    from orgs.models import Level, Unit

    if scope.everything:
        return Q()
    q, coarse = Q(pk__in=[]), []
    for path in scope.unit_paths:
        if path.count("/") <= 2:  # "city/" or "city/county/"
            coarse.append(path)
        else:
            q |= Q(unit__path__startswith=path)
    if coarse:
        counties = Q(pk__in=[])
        for path in coarse:
            counties |= Q(path__startswith=path)
        q |= Q(county_id__in=list(Unit.objects.filter(counties, level=Level.COUNTY).values_list("pk", flat=True)))
    return q


def seekers_in_scope(user) -> QuerySet[Seeker]:
    """The seekers of the user's scope (the dashboards' population)."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "is_resident", True):
        return Seeker.objects.none()
    return Seeker.objects.filter(_seeker_scope_q(permissions.see_scope(user)))


def seekers_visible_to(user) -> QuerySet[Seeker]:
    """The seekers of the user's scope, those they counsel, and those the care registry names them 包联 person of."""
    from care.selectors import id_indexes_cared_for_by

    qs = Seeker.objects.select_related("unit", "county", "counselor")
    if getattr(user, "is_authenticated", False) and not getattr(user, "is_resident", True):
        q = _seeker_scope_q(permissions.see_scope(user)) | Q(counselor=user)
        cared = id_indexes_cared_for_by(user)
        if cared:
            q |= Q(id_index__in=cared)
        return qs.filter(q)
    return qs.none()


def seeker_of(user) -> Seeker | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Seeker.objects.select_related("unit", "desired_place").filter(user=user).first()


def seekers_search(qs: QuerySet[Seeker], *, query: str = "", kind: str = "", status: str = "",
                   incomplete: bool = False, school: str = "") -> QuerySet[Seeker]:
    from core.crypto import blind_index

    query = (query or "").strip()
    if query:
        compact = query.replace(" ", "").upper()
        if len(compact) == 18 and compact[:17].isdigit():
            qs = qs.filter(id_index=blind_index(compact))
        elif compact.isdigit() and len(compact) >= 7:
            qs = qs.filter(phone_index=blind_index(compact))
        else:
            qs = qs.filter(Q(name__contains=query) | Q(school__contains=query) | Q(major__contains=query))
    if kind in SeekerKind.values:
        qs = qs.filter(kind=kind)
    if status in SeekerStatus.values:
        qs = qs.filter(status=status)
    if school:
        qs = qs.filter(school=school)
    if incomplete:
        qs = qs.filter(kind=SeekerKind.GRADUATE, ledger_complete=False)
    return qs


def incomplete_1131(qs: QuerySet[Seeker]) -> QuerySet[Seeker]:
    """Graduates (registered unemployed) whose 1131 is not complete, least served first."""
    return (qs.filter(kind=SeekerKind.GRADUATE, ledger_complete=False)
            .order_by("n_policy", "n_guidance", "n_recommendation", "n_opportunity", "created_at", "pk"))


def counselor_incomplete(user) -> QuerySet[Seeker]:
    return incomplete_1131(Seeker.objects.select_related("unit").filter(counselor=user))


@dataclass
class LedgerLine:
    kind: str
    label: str
    needed: int
    done: int
    records: list

    @property
    def complete(self) -> bool:
        return self.done >= self.needed

    @property
    def missing(self) -> int:
        return max(0, self.needed - self.done)


def ledger(seeker: Seeker) -> list[LedgerLine]:
    """The seeker's 1131: each service, how many are owed and given, and who gave which, when, outcome."""
    records = list(seeker.services.select_related("given_by", "posting__employer").order_by("given_at", "pk"))
    lines = []
    for kind, needed in LEDGER_TARGETS.items():
        mine = [r for r in records if r.kind == kind]
        lines.append(LedgerLine(kind=kind, label=ServiceKind(kind).label, needed=needed, done=len(mine),
                                records=mine))
    return lines


# --- employers and postings ------------------------------------------------------------------------------

def employers_visible_to(user) -> QuerySet[Employer]:
    scope = permissions.hrss_scope(user)
    qs = Employer.objects.select_related("unit", "decided_by")
    if scope.everything or scope.unit_paths:
        return qs.filter(_paths_q(scope, "unit"))
    return qs.none()


def public_postings(*, query: str = "", kind: str = "", county=None) -> QuerySet[Posting]:
    """What anyone may read: open postings of verified employers, not past their closing date."""
    qs = open_postings().select_related("employer", "unit").order_by("-created_at", "-pk")
    if kind:
        qs = qs.filter(kind=kind)
    if county is not None:
        qs = qs.filter(unit__path__startswith=county.path)
    query = (query or "").strip()
    if query:
        qs = qs.filter(Q(title__contains=query) | Q(duties__contains=query) | Q(employer__name__contains=query))
    return qs


def postings_visible_to(user) -> QuerySet[Posting]:
    """Staff: the postings of the employers they verify, and open public postings everywhere (to
    recommend). An employer's account: its own."""
    employer = permissions.employer_of(user)
    if employer is not None:
        return Posting.objects.filter(employer=employer).select_related("employer", "unit")
    scope = permissions.hrss_scope(user)
    if scope.everything or scope.unit_paths:
        return Posting.objects.filter(_paths_q(scope, "employer__unit") | Q(pk__in=open_postings().values("pk"))
                                      ).select_related("employer", "unit")
    return public_postings()


# --- public-welfare posts, placements, fairs --------------------------------------------------------------

def welfare_posts_visible_to(user) -> QuerySet[PublicWelfarePost]:
    scope = permissions.see_scope(user)
    return (PublicWelfarePost.objects.filter(_paths_q(scope, "unit")).select_related("unit")
            .annotate(filled=Count("placements", filter=Q(placements__ended_on__isnull=True))))


def fairs_visible_to(user) -> QuerySet[JobFair]:
    scope = permissions.see_scope(user)
    return JobFair.objects.filter(_paths_q(scope, "unit")).select_related("unit")


def fairs_open_to_seekers() -> QuerySet[JobFair]:
    return JobFair.objects.filter(held_on__gte=timezone.localdate(), status="planned").select_related("unit")


def fair_figures(fair: JobFair) -> dict:
    regs = fair.registrations.aggregate(
        registered=Count("pk"), checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)),
        interviewed=Count("pk", filter=Q(result__in=["interviewed", "hired"])),
        hired=Count("pk", filter=Q(result="hired")))
    return {**regs, "employers": fair.employers.count(), "postings": fair.postings.count()}


def fair_registrations(fair: JobFair) -> QuerySet[FairRegistration]:
    return fair.registrations.select_related("seeker", "seeker__unit")


# --- the 1131 dashboard and the indicators -----------------------------------------------------------------

@dataclass
class Completion:
    label: str
    key: object
    graduates: int
    complete: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.complete / self.graduates, 1) if self.graduates else None


@dataclass
class Dashboard:
    total: Completion
    counties: list[Completion]
    schools: list[Completion]


def completion(user, *, schools: int = 50) -> Dashboard:
    """The 1131 completion of the user's scope: graduates registered and complete, in total, by county and
    by school (the ``schools`` with most graduates). One grouped query over (county, school) read from an
    index alone; the three views are summed from it."""
    from orgs.models import Unit

    rows = list(seekers_in_scope(user).filter(kind=SeekerKind.GRADUATE).values("county", "school")
                .annotate(n=Count("pk"), done=Count("pk", filter=Q(ledger_complete=True)))
                .order_by().values_list("county", "school", "n", "done"))
    by_county: dict[int, list[int]] = {}
    by_school: dict[str, list[int]] = {}
    for county, school, n, done in rows:
        for table, key in ((by_county, county), (by_school, school)):
            figures = table.setdefault(key, [0, 0])
            figures[0] += n
            figures[1] += done
    names = dict(Unit.objects.filter(pk__in=list(by_county)).values_list("pk", "name"))
    counties = sorted((Completion(label=names.get(pk, "?"), key=pk, graduates=n, complete=done)
                       for pk, (n, done) in by_county.items()), key=lambda c: c.label)
    top = sorted(by_school.items(), key=lambda item: (-item[1][0], item[0]))[:schools]
    return Dashboard(
        total=Completion(label="", key=None, graduates=sum(c.graduates for c in counties),
                         complete=sum(c.complete for c in counties)),
        counties=counties,
        schools=[Completion(label=school or "—", key=school, graduates=n, complete=done)
                 for school, (n, done) in top])


def ledger_completion_in_unit(unit) -> Completion:
    """Indicator: graduates registered in ``unit`` and below, and how many have their 1131 complete."""
    figures = Seeker.objects.filter(kind=SeekerKind.GRADUATE, unit__path__startswith=unit.path).aggregate(
        n=Count("pk"), done=Count("pk", filter=Q(ledger_complete=True)))
    return Completion(label=unit.name, key=unit.pk, graduates=figures["n"], complete=figures["done"])


def welfare_posts_filled(unit, *, on: date | None = None) -> dict:
    """Indicator: public-welfare places in ``unit`` and below and how many are filled on ``on``."""
    on = on or timezone.localdate()
    posts = PublicWelfarePost.objects.filter(unit__path__startswith=unit.path, status="open")
    places = sum(posts.values_list("headcount", flat=True))
    filled = Placement.objects.filter(post__unit__path__startswith=unit.path, starts_on__lte=on).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=on)).count()
    return {"places": places, "filled": filled}


def placements_in_period(unit, start: date, end: date) -> dict:
    """Indicator: people placed in ``unit`` and below between ``start`` and ``end`` (inclusive): in
    public-welfare posts, in 见习 internships, and hired through a recommendation."""
    welfare = Placement.objects.filter(post__unit__path__startswith=unit.path, starts_on__gte=start,
                                       starts_on__lte=end).count()
    hired = ServiceRecord.objects.filter(seeker__unit__path__startswith=unit.path, outcome="hired",
                                         outcome_at__date__gte=start, outcome_at__date__lte=end)
    return {"public_welfare": welfare,
            "internships": hired.filter(kind=ServiceKind.OPPORTUNITY, posting__kind="internship").count(),
            "jobs": hired.filter(kind=ServiceKind.RECOMMENDATION, posting__kind="job").count()}


def pending_employers(user) -> QuerySet[Employer]:
    return employers_visible_to(user).filter(status=EmployerStatus.PENDING)


def employer_postings(employer) -> QuerySet[Posting]:
    """For an employer's page: its postings, each with how many seekers 人社 recommended it to and how many
    of them it hired."""
    recommended = Q(services__kind=ServiceKind.RECOMMENDATION)
    return (employer.postings.select_related("unit").order_by("-created_at")
            .annotate(n_recommended=Count("services", filter=recommended),
                      n_hired=Count("services", filter=recommended & Q(services__outcome="hired"))))


def seeker_by_id_number(number: str) -> Seeker | None:
    """Unscoped, for the services and pages that then check scope: the seeker with this ID number."""
    from core.crypto import blind_index

    number = (number or "").replace(" ", "").upper()
    return Seeker.objects.select_related("unit").filter(id_index=blind_index(number)).first() if number else None


# --- follow-up of the hard-to-employ ------------------------------------------------------------------------

DUE_SOON_DAYS = 7


def follow_ups_due(user, *, today: date | None = None, mine: bool = False, overdue_only: bool = False
                   ) -> QuerySet[FollowUpDue]:
    """The hard-to-employ seekers the user sees whose follow-up is overdue or due within a week, most overdue
    first: a unit's list, or (``mine``) a counselor's own seekers."""
    today = today or timezone.localdate()
    seekers = seekers_visible_to(user)
    if mine:
        seekers = seekers.filter(counselor=user)
    limit = today - timedelta(days=1) if overdue_only else today + timedelta(days=DUE_SOON_DAYS)
    return (FollowUpDue.objects.filter(seeker__in=seekers.values("pk"), due_on__lte=limit)
            .select_related("seeker", "seeker__unit", "seeker__counselor").order_by("due_on", "seeker_id"))


def follow_up_figures(user, *, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    qs = FollowUpDue.objects.filter(seeker__in=seekers_visible_to(user).values("pk"))
    return qs.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)),
                        soon=Count("pk", filter=Q(due_on__gte=today, due_on__lte=today + timedelta(days=DUE_SOON_DAYS))))


def seeker_follow_ups(seeker: Seeker) -> QuerySet[FollowUp]:
    return seeker.follow_ups.select_related("by").order_by("-followed_at", "-pk")


# --- 社保补贴 ----------------------------------------------------------------------------------------------

def subsidies_visible_to(user) -> QuerySet[SubsidyApplication]:
    """人社 staff: the applications of seekers in their 人社 units; anyone else who sees seekers: theirs."""
    qs = SubsidyApplication.objects.select_related("seeker", "seeker__unit", "payment", "decided_by")
    if not getattr(user, "is_authenticated", False) or getattr(user, "is_resident", True):
        return qs.none()
    return qs.filter(seeker__in=seekers_visible_to(user).values("pk"))


def subsidy_queue(user, *, status: str = "") -> QuerySet[SubsidyApplication]:
    """A 人社 reviewer's queue: the applications of their units, waiting ones first, oldest first."""
    scope = permissions.hrss_scope(user)
    if not (scope.everything or scope.unit_paths):
        return SubsidyApplication.objects.none()
    qs = (SubsidyApplication.objects.select_related("seeker", "seeker__unit", "payment", "decided_by")
          .filter(seeker__in=Seeker.objects.filter(_seeker_scope_q(scope)).values("pk")))
    if status in SubsidyStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("submitted_at", "pk")


def subsidy_counts(user) -> dict:
    rows = subsidy_queue(user).order_by().values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    return {value: counts.get(value, 0) for value in SubsidyStatus.values}


def subsidies_of(seeker: Seeker) -> QuerySet[SubsidyApplication]:
    return seeker.subsidy_applications.select_related("payment").order_by("-first_month", "-pk")


def subsidies_paid(unit, start: date, end: date) -> dict:
    """Indicator: 社保补贴 paid to seekers living in ``unit`` and below between ``start`` and ``end``."""
    qs = SubsidyApplication.objects.filter(status=SubsidyStatus.PAID, seeker__unit__path__startswith=unit.path,
                                           payment__paid_on__gte=start, payment__paid_on__lte=end)
    figures = qs.aggregate(n=Count("pk"), people=Count("seeker", distinct=True), total=Sum("total"))
    return {"applications": figures["n"], "people": figures["people"], "total": figures["total"] or Decimal("0")}
