"""Near-duplicates (疑似重复): ``similar`` scores candidate texts against one text, and
``duplicates_for`` suggests, among the open appeals a staff member may see in the same area, those
that say nearly the same as an appeal — shown as a panel on the staff appeal page. Nothing is ever
merged here: a person decides with the appeal's own 合并 action.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

import numpy as np
from django.db.models import Q

from appeals.models import OPEN_STATES, Appeal
from appeals.selectors import appeals_visible_to
from core.text import normalize, tokens
from orgs.models import Level, Unit

DUPLICATE_SIMILARITY = 0.6  # ``similar`` scores from here on are worth a merge suggestion
SIMILAR_CHARS = 1000  # a candidate's title and the start of its text are enough to tell a near-copy
DUPLICATE_DAYS = 30
MAX_DUPLICATE_CANDIDATES = 2000  # the most recent ones; a township rarely has this many open appeals at once


def _char_bigrams(text: str) -> list[str]:
    compact = "".join(text.split())
    return [compact[i:i + 2] for i in range(len(compact) - 1)]


def _cosine_counts(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    return dot / (np.sqrt(sum(v * v for v in a.values())) * np.sqrt(sum(v * v for v in b.values())))


def similar(text: str, candidates: Iterable[tuple[object, str]], *, limit: int = 10,
            threshold: float = 0.0) -> list[tuple[object, float]]:
    """Candidates ranked by how nearly they say the same as ``text``: (id, score in 0..1), best
    first, those under ``threshold`` left out. ``candidates`` are (id, text) pairs.

    The score averages the cosine of the content words and that of the character pairs of the
    normalised texts: the first ignores wording noise, the second catches segmentation differences
    and traditional/simplified or full-width variants (normalised away already)."""
    query = normalize(text)
    q_words, q_chars = Counter(tokens(query, normalized=True)), Counter(_char_bigrams(query))
    scored = []
    for key, body in candidates:
        body = normalize(body[:SIMILAR_CHARS])
        score = 0.5 * _cosine_counts(q_words, Counter(tokens(body, normalized=True))) \
            + 0.5 * _cosine_counts(q_chars, Counter(_char_bigrams(body)))
        if score >= threshold:
            scored.append((key, round(float(score), 4)))
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]


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
