"""courses' indicators in the 民生实事 registry (targets.registry; plugged in by courses/apps.py): residents
enrolled in the culture centres' courses, and courses completed, over a period. One GROUP BY per course's
unit over courses' own tables, rolled up the tree with ``rolled_up``."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from courses.models import Enrolment
from targets.registry import Aggregation, Indicator, register, rolled_up, shared

SECTION = {"section": "services", "section_label": _("Services (服务)"), "section_order": 30}


def _counts(period, field: str) -> dict:
    def compute():
        begin, stop = period.bounds
        rows = (Enrolment.objects.filter(**{f"{field}__gte": begin, f"{field}__lt": stop}).order_by()
                .values("course__unit_path").annotate(n=Count("pk")))
        return {row["course__unit_path"]: row["n"] for row in rows}

    return shared((f"courses.{field}", period.start, period.end), compute)


def enrolments(units, period):
    """Enrolments made in the period (cancelled ones too: a flow of people who signed up)."""
    return rolled_up(units, _counts(period, "created_at"))


def completions(units, period):
    """Enrolments that met their course's completion rule in the period."""
    return rolled_up(units, _counts(period, "completed_at"))


def register_all():
    register(Indicator("courses.enrolments", _("Culture course enrolments (美育课堂报名人次)"), _("enrolments"),
                       Aggregation.SUM, enrolments, order=80, **SECTION))
    register(Indicator("courses.completions", _("Culture courses completed (美育课堂结业人次)"), _("completions"),
                       Aggregation.SUM, completions, order=81, **SECTION))
