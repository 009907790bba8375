"""deliberation's indicators in the 民生实事 registry (targets.registry; plugged in by deliberation/apps.py):
decisions the councils made, decisions carried out, and how residents rated the execution, for a unit
and everything below it. Each is one GROUP BY per community over deliberation's own tables, rolled up
the tree. All three are flows over the period (a decision made, a rating opened, a rating published in
it), so a past month is computed as it happened."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from deliberation.models import Rating, Topic, TopicState
from targets.registry import Aggregation, Direction, Indicator, register, rolled_up, shared

SECTION = {"section": "deliberation", "section_label": _("Deliberation (议事协商)"), "section_order": 45}
# What a resident's rating counts as satisfied: 满意 and 基本满意 (as the published 评议结果 counts it).
SATISFIED = ["satisfied", "basic"]


def _by_path(rows, key: str = "unit__path") -> dict[str, int]:
    return {row[key]: row["n"] for row in rows}


def decisions_made(units, period):
    """议事决议数: topics a council carried (decided, not 未通过) in the period."""
    lo, hi = period.bounds

    def compute():
        rows = (
            Topic.objects.filter(decided_at__gte=lo, decided_at__lt=hi)
            .exclude(state=TopicState.NOT_ADOPTED)
            .order_by()
            .values("unit__path")
            .annotate(n=Count("pk"))
        )
        return _by_path(rows)

    return rolled_up(units, shared(("deliberation.decisions_made", period.start, period.end), compute))


def decisions_executed(units, period):
    """决议执行完成数: decided topics whose every task was done in the period (their rating opened then)."""
    lo, hi = period.bounds

    def compute():
        rows = (
            Topic.objects.filter(rating_opens_at__gte=lo, rating_opens_at__lt=hi)
            .order_by()
            .values("unit__path")
            .annotate(n=Count("pk"))
        )
        return _by_path(rows)

    return rolled_up(units, shared(("deliberation.decisions_executed", period.start, period.end), compute))


def rated_satisfied(units, period):
    """监督评议满意率: of the residents' ratings of the topics whose rating result was published in the
    period, those satisfied or basically satisfied."""
    lo, hi = period.bounds

    def compute():
        rows = (
            Rating.objects.filter(topic__state=TopicState.CLOSED, topic__closed_at__gte=lo, topic__closed_at__lt=hi)
            .order_by()
            .values("topic__unit__path")
            .annotate(good=Count("pk", filter=Q(value__in=SATISFIED)), n=Count("pk"))
        )
        return {row["topic__unit__path"]: (row["good"], row["n"]) for row in rows}

    return rolled_up(units, shared(("deliberation.rated_satisfied", period.start, period.end), compute), rate=True)


def register_all():
    register(
        Indicator(
            "deliberation.decisions_made",
            _("Council decisions made (议事决议数)"),
            _("decisions"),
            Aggregation.SUM,
            decisions_made,
            direction=Direction.RISE,
            order=10,
            **SECTION,
        )
    )
    register(
        Indicator(
            "deliberation.decisions_executed",
            _("Council decisions carried out (决议执行完成数)"),
            _("decisions"),
            Aggregation.SUM,
            decisions_executed,
            direction=Direction.RISE,
            order=20,
            **SECTION,
        )
    )
    register(
        Indicator(
            "deliberation.rated_satisfied",
            _("Residents satisfied with the execution (监督评议满意率)"),
            "%",
            Aggregation.RATIO,
            rated_satisfied,
            direction=Direction.RISE,
            order=30,
            **SECTION,
        )
    )
