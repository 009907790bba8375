"""employment's indicators in the 民生实事 registry (targets.registry; plugged in by employment/apps.py): the
1131 completion rate of registered graduates, public-welfare places filled, and people placed in work.
Each is one GROUP BY per village (or place) over employment's own tables for all the units asked at once,
rolled up the tree with ``rolled_up``; stocks are read as of the period's last day, flows over the period,
rates as numerator/denominator (so a county's rate is its villages' numerators over their denominators).
They count what employment.selectors' ``ledger_completion_in_unit``, ``welfare_posts_filled`` and
``placements_in_period`` count for one unit."""

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from employment.models import (
    Outcome,
    Placement,
    PostingKind,
    PostStatus,
    PublicWelfarePost,
    Seeker,
    SeekerKind,
    ServiceKind,
    ServiceRecord,
    SubsidyApplication,
    SubsidyStatus,
)
from targets.registry import Aggregation, Indicator, register, rolled_up, shared

SECTION = {"section": "employment", "section_label": _("Employment (就业)"), "section_order": 40}


def _by_path(rows, key: str, *fields: str) -> dict:
    if len(fields) == 1:
        return {row[key]: row[fields[0]] or 0 for row in rows}
    return {row[key]: tuple(row[f] or 0 for f in fields) for row in rows}


# --- 1131 completion ------------------------------------------------------------------------------------


def ledger_completion(units, period):
    """Graduates registered (by the period's last day) whose 1131 is complete ÷ graduates registered. The
    ledger's completeness is the seeker's current state (the services keep it), so this is a figure of
    now: left out of past months (``historical=False``)."""

    def compute():
        _begin, stop = period.bounds
        rows = (
            Seeker.objects.filter(kind=SeekerKind.GRADUATE, created_at__lt=stop)
            .order_by()
            .values("unit__path")
            .annotate(done=Count("pk", filter=Q(ledger_complete=True)), n=Count("pk"))
        )
        return _by_path(rows, "unit__path", "done", "n")

    return rolled_up(units, shared(("employment.ledger", period.end), compute), rate=True)


# --- public-welfare posts -------------------------------------------------------------------------------


def _filled_on(day) -> Q:
    return Q(starts_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))


def _welfare(period) -> dict[str, tuple[int, int]]:
    """{place path: (places filled, places)} of the open posts created by the period's last day, the
    places filled on that day."""

    def compute():
        _begin, stop = period.bounds
        posts = PublicWelfarePost.objects.filter(status=PostStatus.OPEN, created_at__lt=stop)
        places = _by_path(posts.order_by().values("unit__path").annotate(n=Sum("headcount")), "unit__path", "n")
        filled = _by_path(
            Placement.objects.filter(_filled_on(period.end), post__in=posts)
            .order_by()
            .values("post__unit__path")
            .annotate(n=Count("pk")),
            "post__unit__path",
            "n",
        )
        return {path: (filled.get(path, 0), n) for path, n in places.items()}

    return shared(("employment.welfare", period.end), compute)


def welfare_fill_rate(units, period):
    """Public-welfare places filled ÷ places in open posts, on the period's last day."""
    return rolled_up(units, _welfare(period), rate=True)


def welfare_people(units, period):
    """People holding a public-welfare post on the period's last day."""
    return rolled_up(units, {path: filled for path, (filled, _n) in _welfare(period).items()})


# --- placements ---------------------------------------------------------------------------------------


def _hired_q(period) -> Q:
    begin, stop = period.bounds
    return Q(outcome=Outcome.HIRED, outcome_at__gte=begin, outcome_at__lt=stop) & (
        Q(kind=ServiceKind.OPPORTUNITY, posting__kind=PostingKind.INTERNSHIP)
        | Q(kind=ServiceKind.RECOMMENDATION, posting__kind=PostingKind.JOB)
    )


def _placements(period) -> dict[str, tuple[int, int, int]]:
    """{place path: (public-welfare posts started, 见习 internships, jobs)} in the period: a placement by
    the post's place, a hire by where the seeker lives."""

    def compute():
        out: dict[str, list[int]] = {}
        welfare = (
            Placement.objects.filter(starts_on__gte=period.start, starts_on__lte=period.end)
            .order_by()
            .values("post__unit__path")
            .annotate(n=Count("pk"))
        )
        for row in welfare:
            out.setdefault(row["post__unit__path"], [0, 0, 0])[0] += row["n"]
        hired = (
            ServiceRecord.objects.filter(_hired_q(period))
            .order_by()
            .values("seeker__unit__path")
            .annotate(
                internships=Count("pk", filter=Q(kind=ServiceKind.OPPORTUNITY)),
                jobs=Count("pk", filter=Q(kind=ServiceKind.RECOMMENDATION)),
            )
        )
        for row in hired:
            figures = out.setdefault(row["seeker__unit__path"], [0, 0, 0])
            figures[1] += row["internships"]
            figures[2] += row["jobs"]
        return {path: tuple(figures) for path, figures in out.items()}

    return shared(("employment.placements", period.start, period.end), compute)


def placements(units, period):
    """People placed in the period: in public-welfare posts, in 见习 internships, hired for a job."""
    return rolled_up(units, {path: sum(figures) for path, figures in _placements(period).items()})


def placements_by_kind(unit, period):
    totals = [0, 0, 0]
    for path, figures in _placements(period).items():
        if path.startswith(unit.path):
            totals = [a + b for a, b in zip(totals, figures, strict=True)]
    labels = (_("Public-welfare posts (公益性岗位)"), _("Internships (见习)"), _("Jobs (就业)"))
    return [(str(label), n) for label, n in zip(labels, totals, strict=True)]


# --- 社保补贴 ------------------------------------------------------------------------------------------


def subsidised_people(units, period):
    """People paid 社保补贴 in the period (by the payment's day), by where they live."""

    def compute():
        rows = (
            SubsidyApplication.objects.filter(
                status=SubsidyStatus.PAID, payment__paid_on__gte=period.start, payment__paid_on__lte=period.end
            )
            .order_by()
            .values("seeker__unit__path")
            .annotate(n=Count("seeker", distinct=True))
        )
        return _by_path(rows, "seeker__unit__path", "n")

    return rolled_up(units, shared(("employment.subsidised", period.start, period.end), compute))


def register_all():
    register(
        Indicator(
            "employment.ledger_completion",
            _("1131 completion of graduates (高校毕业生1131完成率)"),
            "%",
            Aggregation.RATIO,
            ledger_completion,
            order=10,
            historical=False,
            **SECTION,
        )
    )
    register(
        Indicator(
            "employment.welfare_fill_rate",
            _("Public-welfare places filled (公益性岗位在岗率)"),
            "%",
            Aggregation.RATIO,
            welfare_fill_rate,
            order=20,
            **SECTION,
        )
    )
    register(
        Indicator(
            "employment.welfare_people",
            _("People in public-welfare posts (公益性岗位在岗人数)"),
            _("people"),
            Aggregation.SUM,
            welfare_people,
            order=30,
            **SECTION,
        )
    )
    register(
        Indicator(
            "employment.placements",
            _("People placed in work (就业安置人数)"),
            _("people"),
            Aggregation.SUM,
            placements,
            order=40,
            breakdown=placements_by_kind,
            **SECTION,
        )
    )
    register(
        Indicator(
            "employment.subsidised_people",
            _("People paid the social insurance subsidy (社保补贴发放人数)"),
            _("people"),
            Aggregation.SUM,
            subsidised_people,
            order=50,
            **SECTION,
        )
    )
