"""events' indicators in the 民生实事 registry (targets.registry; plugged in by events/apps.py): community
events held and the people who took part, over a period, for each unit and everything below it. Each is
one GROUP BY by the organising unit's path over events' own tables, rolled up the tree."""

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from events.models import Event, EventState, Signup, SignupState
from targets.registry import Aggregation, Indicator, register, rolled_up, shared

SECTION = {"section": "services", "section_label": _("Services (服务)"), "section_order": 30}


def events_held(units, period):
    """Events finished (held, not cancelled) that began in the period."""

    def compute():
        begin, stop = period.bounds
        rows = (Event.objects.filter(state=EventState.FINISHED, starts_at__gte=begin, starts_at__lt=stop)
                .order_by().values("unit_path").annotate(n=Count("pk")))
        return {row["unit_path"]: row["n"] for row in rows}

    return rolled_up(units, shared(("events.held", period.start, period.end), compute))


def participants(units, period):
    """People checked in (each member of a team counted) at the events that began in the period."""

    def compute():
        begin, stop = period.bounds
        rows = (Signup.objects.filter(state=SignupState.CHECKED_IN, event__starts_at__gte=begin,
                                      event__starts_at__lt=stop)
                .filter(~Q(event__state=EventState.CANCELLED))
                .order_by().values("event__unit_path").annotate(n=Sum("people")))
        return {row["event__unit_path"]: row["n"] or 0 for row in rows}

    return rolled_up(units, shared(("events.participants", period.start, period.end), compute))


def register_all():
    register(Indicator("events.held", _("Community events held (文体活动场次)"), _("events (场)"),
                       Aggregation.SUM, events_held, order=70, **SECTION))
    register(Indicator("events.participants", _("People taking part in events (文体活动参与人次)"),
                       _("person-times (人次)"), Aggregation.SUM, participants, order=71, **SECTION))
