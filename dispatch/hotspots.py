"""Scoped reads behind the merge suggestion (疑似重复) and the 热点 page.

Everything here starts from ``appeals.selectors.appeals_visible_to(user)``: a staff member sees
suggested duplicates and hot spots only among appeals they may see. Nothing is ever merged here; a
person decides with the appeal's own 合并 action.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone

from appeals.models import OPEN_STATES, Appeal, State
from appeals.selectors import PLACE_ROLES, appeals_visible_to
from dispatch.duplicates import DUPLICATE_SIMILARITY, Message, cluster, similar
from orgs.models import Level, Role, Unit
from orgs.selectors import scope_for

DUPLICATE_DAYS = 30
MAX_DUPLICATE_CANDIDATES = 2000  # the most recent ones; a township rarely has this many open appeals at once
HOTSPOT_CACHE_SECONDS = 300
MAX_HOTSPOT_APPEALS = 20000  # per period and the one before it: beyond this the page asks for a narrower one
HOTSPOT_LIMIT = 30


# --- duplicates ------------------------------------------------------------------------------------

def area_q(place: Unit, *, lookup: str = "place") -> Q:
    """Appeals in the same area as ``place``: its township (乡镇/街道) and everything below it; a city
    or county place only matches itself (an appeal filed "for the whole county" is not near a village)."""
    codes = place.ancestors_and_self_codes()
    if place.level in (Level.CITY, Level.COUNTY) or len(codes) < 3:
        return Q(**{lookup: place})
    return Q(**{f"{lookup}__path__startswith": "/".join(codes[:3]) + "/"})


def duplicates_for(appeal: Appeal, *, user, days: int = DUPLICATE_DAYS,
                   threshold: float = DUPLICATE_SIMILARITY, limit: int = 10) -> list[tuple[Appeal, float]]:
    """Open appeals that say nearly the same as ``appeal``, in the same area and within ``days`` of
    it, best first, as (appeal, score) — a merge suggestion. ``user`` limits the candidates to what
    they may see (pass the acting staff member; ``None`` means the platform itself, unscoped)."""
    base = Appeal.objects.select_related("place") if user is None else appeals_visible_to(user)
    window = timedelta(days=days)
    candidates = (base.filter(area_q(appeal.place), state__in=OPEN_STATES, merged_into__isnull=True,
                              created_at__gte=appeal.created_at - window, created_at__lte=appeal.created_at + window)
                  .exclude(pk=appeal.pk).order_by("-created_at")[:MAX_DUPLICATE_CANDIDATES])
    rows = {a.pk: a for a in candidates}
    if not rows:
        return []
    ranked = similar(appeal.search_text or f"{appeal.title}\n{appeal.description}",
                     [(pk, a.search_text) for pk, a in rows.items()], limit=limit, threshold=threshold)
    return [(rows[pk], score) for pk, score in ranked]


# --- hot spots -------------------------------------------------------------------------------------

def hotspot_places(user) -> QuerySet[Unit]:
    """Places to narrow the page to: the counties and townships (and city) the user reaches."""
    from orgs.selectors import units_visible_to

    return units_visible_to(user).filter(is_active=True, level__in=[Level.CITY, Level.COUNTY, Level.TOWNSHIP])


@dataclass
class HotSpot:
    rank: int
    count: int  # appeals in the chosen period
    previous: int  # appeals of the same matter in the period of equal length before it
    growth: float | None  # (count - previous) / previous; None when it is new
    key_words: list[str]
    samples: list[dict]  # {"code", "title"} of typical appeals
    place: str
    appeal_ids: list[int] = field(default_factory=list)  # of the chosen period

    @property
    def growth_percent(self) -> int | None:
        return None if self.growth is None else round(self.growth * 100)


@dataclass
class HotSpotReport:
    start: date
    end: date  # inclusive
    total: int
    spots: list[HotSpot]
    too_many: bool = False
    seconds: float = 0.0


def _area_name(path: str, names: dict[str, str]) -> str:
    """The township an appeal's place belongs to (or the place itself above township level)."""
    codes = [c for c in path.split("/") if c]
    code = codes[2] if len(codes) >= 3 else codes[-1]
    return names.get(code, "")


def _scope_key(user) -> str:
    scope = (scope_for(user, roles=PLACE_ROLES), scope_for(user, roles=[Role.HANDLER]), user.pk)
    return hashlib.sha256(repr(scope).encode()).hexdigest()[:24]


def _bounds(start: date, end: date):
    tz = timezone.get_current_timezone()
    return (timezone.make_aware(datetime.combine(start, time.min), tz),
            timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz))


def hotspots_for(user, *, start: date, end: date, place: Unit | None = None,
                 limit: int = HOTSPOT_LIMIT) -> HotSpotReport:
    """The hot spots among the appeals ``user`` may see received from ``start`` to ``end`` (inclusive
    local days), grouped by matter and township, ranked by size and growth against the period of
    equal length just before. Cached per (user scope, period, place) for a few minutes."""
    key = f"dispatch:hotspots:v1:{_scope_key(user)}:{start}:{end}:{place.pk if place else ''}:{limit}"
    cached = cache.get(key)
    if cached is not None:
        spots = [HotSpot(**s) for s in cached.pop("spots")]
        return HotSpotReport(spots=spots, **cached)
    report = _compute(user, start=start, end=end, place=place, limit=limit)
    data = asdict(report)
    cache.set(key, data, HOTSPOT_CACHE_SECONDS)
    return report


def _compute(user, *, start, end, place, limit) -> HotSpotReport:
    import time as clock

    started = clock.perf_counter()
    length = (end - start) + timedelta(days=1)
    since, until = _bounds(start, end)
    before = since - length
    qs = appeals_visible_to(user).exclude(state=State.REJECTED).filter(created_at__gte=before, created_at__lt=until)
    if place is not None:
        qs = qs.filter(place__path__startswith=place.path)
    qs = qs.order_by()
    total = qs.filter(created_at__gte=since).count()
    if qs.count() > MAX_HOTSPOT_APPEALS:
        return HotSpotReport(start=start, end=end, total=total, spots=[], too_many=True)
    rows = list(qs.values_list("pk", "code", "title", "description", "created_at", "place__path"))
    area_codes = set()
    for row in rows:
        codes = [c for c in row[5].split("/") if c]
        area_codes.add(codes[2] if len(codes) >= 3 else codes[-1])
    names = dict(Unit.objects.filter(code__in=area_codes).values_list("code", "name"))
    messages = [Message(id=pk, title=title, text=description, created_at=created, place=_area_name(path, names))
                for pk, _code, title, description, created, path in rows]
    info = {pk: (code, title, created >= since) for pk, code, title, _d, created, _p in rows}
    spots = []
    for group in cluster(messages, min_size=2, limit=None):
        current = [pk for pk in group.message_ids if info[pk][2]]
        previous = len(group.message_ids) - len(current)
        if len(current) < 2:
            continue  # a matter of the previous period only (or a single appeal now) is not a hot spot now
        samples, seen = [], set()
        for title in group.sample_titles:
            for pk in current:
                code, own_title, _now = info[pk]
                if own_title.strip() == title and code not in seen:
                    seen.add(code)
                    samples.append({"code": code, "title": own_title})
                    break
        if not samples:
            code, own_title, _now = info[current[0]]
            samples.append({"code": code, "title": own_title})
        growth = None if previous == 0 else round((len(current) - previous) / previous, 2)
        spots.append(HotSpot(rank=0, count=len(current), previous=previous, growth=growth,
                             key_words=list(group.key_words), samples=samples, place=group.place or "",
                             appeal_ids=sorted(current)))
    # Size first, with what grew counted again: a matter that doubled outranks a steady one of equal size.
    spots.sort(key=lambda s: (-(s.count + max(s.count - s.previous, 0)), -s.count, s.previous))
    spots = spots[:limit] if limit else spots
    for rank, spot in enumerate(spots, 1):
        spot.rank = rank
    return HotSpotReport(start=start, end=end, total=total, spots=spots,
                         seconds=round(clock.perf_counter() - started, 2))


# --- the panel on the staff appeal page ------------------------------------------------------------

def duplicates_panel(request, appeal: Appeal) -> str:
    """The suggested duplicates of an open ``appeal`` as an HTML panel for the staff detail page (or
    "" when there are none). Ready for the appeals "panels" extension point."""
    from django.template.loader import render_to_string

    from appeals.exports import mask_text

    if appeal.state not in OPEN_STATES:
        return ""
    suggested = duplicates_for(appeal, user=request.user)
    if not suggested:
        return ""
    rows = [{"appeal": other, "title": mask_text(other.title), "percent": round(score * 100)}
            for other, score in suggested]
    return render_to_string("dispatch/hotspots_duplicates_panel.html", {"appeal": appeal, "rows": rows},
                            request=request)
