"""dispatch's sections of the monthly 民生实事 report (targets.monthly, plugged in by dispatch/apps.py): the
month's hot spots in the unit's area and the 每月一题 owned by its departments."""

from django.utils.translation import gettext as _

from dispatch.hotspots import hotspots_for
from dispatch.models import MonthlyTopic
from targets.monthly import ReportTable


def _reader(viewer):
    """Who the hot spots are counted for: who asked for the report; for the nightly build, a superuser
    (the area is the report's unit either way)."""
    if viewer is not None:
        return viewer
    from accounts.models import User

    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def hotspots_section(unit, period, viewer):
    reader = _reader(viewer)
    if reader is None:
        return None
    found = hotspots_for(reader, start=period.start, end=period.end, place=unit, limit=10)
    rows = [[spot.rank, "、".join(spot.key_words[:5]), spot.place, spot.count] for spot in found.spots]
    return ReportTable(_("Hot spots (热点)"), [_("Rank"), _("Key words"), _("Place"), _("Demands")], rows)


def topics_section(unit, period, viewer):
    topics = (
        MonthlyTopic.objects.filter(period=period.start, owner_department__unit__path__startswith=unit.path)
        .select_related("owner_department")
        .order_by("pk")
    )
    rows = [
        [topic.title, topic.owner_department.name, topic.get_status_display(), topic.status_note] for topic in topics
    ]
    return ReportTable(
        _("Monthly topics (每月一题)"), [_("Title"), _("Owner department"), _("Status"), _("Progress note")], rows
    )
