"""Hot spots (热点): the appeals of a period grouped by what they are about and where, ranked by size
and growth, each with its key words and typical titles — the 热点 page, where a supervisor may turn
one into a 每月一题 topic (dispatch.topics).

``cluster`` works on plain messages; ``hotspots_for`` feeds it the appeals a staff member may see
(``appeals.selectors.appeals_visible_to``) and the period of equal length before, for the growth.

How ``cluster`` works, and why: each message becomes a TF-IDF vector of its words and word pairs (the
title counted twice, the first ``DETAIL_CHARS`` characters of the text, where residents say what is
wrong), keeping its ``TERMS_PER_MESSAGE`` strongest terms so that the similarity matrix stays sparse
and fast. Messages are then grouped around "leaders": the message with most close neighbours takes
its unassigned neighbours, then the next, and so on. Unlike joining every pair above a threshold,
this cannot chain unrelated messages into one giant group. Groups whose centres are close are merged
last (the same matter written in different words).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np
import scipy.sparse as sp
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from appeals.models import State
from appeals.selectors import PLACE_ROLES, appeals_visible_to
from core.text import normalize, tokens
from dispatch.classifier import word_grams
from orgs.models import Level, Role, Unit
from orgs.selectors import scope_for

DETAIL_CHARS = 400
TERMS_PER_MESSAGE = 25
NEIGHBOUR_SIMILARITY = 0.3  # two messages this close say the same thing
MERGE_SIMILARITY = 0.35  # two groups whose centres are this close are one matter
OTHER_PLACE_FACTOR = 0.25  # similarity kept when two messages name different places
HOTSPOT_CACHE_SECONDS = 300
MAX_HOTSPOT_APPEALS = 20000  # per period and the one before it: beyond this the page asks for a narrower one
HOTSPOT_LIMIT = 30


# --- grouping messages -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Message:
    id: object
    title: str
    text: str = ""
    created_at: datetime | None = None
    place: str | None = None  # a unit code or name, when known


@dataclass
class Cluster:
    size: int
    key_words: list[str]
    sample_titles: list[str]
    message_ids: list
    place: str | None = None
    first: datetime | None = None
    last: datetime | None = None
    recent: int = 0  # messages in the latest part of the period
    earlier: int = 0  # messages in the equally long part before it
    growth: float = 0.0  # (recent - earlier) / max(earlier, 1)
    score: float = 0.0  # what the ranking uses: size, with recent messages counted twice
    members: list[int] = field(default_factory=list, repr=False)  # positions in the input


def _document(message: Message) -> str:
    title = tokens(message.title)
    return " ".join(title + title + tokens((message.text or "")[:DETAIL_CHARS]))


def _keep_strongest(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Each row's ``k`` largest entries, re-normalised."""
    matrix = matrix.tocsr()
    lengths = np.diff(matrix.indptr)
    if lengths.max(initial=0) <= k:
        return matrix
    keep = np.zeros(matrix.nnz, dtype=bool)
    for row in np.nonzero(lengths > k)[0]:
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        keep[start + np.argpartition(-matrix.data[start:end], k)[:k]] = True
    keep[np.repeat(lengths <= k, lengths)] = True
    pruned = matrix.copy()
    pruned.data = np.where(keep, pruned.data, 0)
    pruned.eliminate_zeros()
    return l2_normalize(pruned)


def cluster(messages: Iterable[Message], *, min_size: int = 2, limit: int | None = 50,
            window: timedelta | None = None) -> list[Cluster]:
    """Groups of at least ``min_size`` messages, hottest first (at most ``limit``). Growth compares
    the latest ``window`` of the period (default: its last quarter) with the window before it.
    """
    items = list(messages)
    if len(items) < min_size:
        return []
    docs = [_document(m) for m in items]
    vectorizer = TfidfVectorizer(analyzer=word_grams, sublinear_tf=True, min_df=2 if len(docs) >= 20 else 1,
                                 max_df=0.1 if len(docs) >= 200 else 1.0, dtype=np.float32)
    try:
        full = vectorizer.fit_transform(docs)
    except ValueError:  # no term left (all empty)
        return []
    vectors = _keep_strongest(full, TERMS_PER_MESSAGE)
    similarity = (vectors @ vectors.T).tocsr()
    places = [normalize(m.place, mask=False) if m.place else "" for m in items]
    if any(places):
        coo = similarity.tocoo()
        p = np.array(places, dtype=object)
        differ = (p[coo.row] != "") & (p[coo.col] != "") & (p[coo.row] != p[coo.col])
        coo.data[differ] *= OTHER_PLACE_FACTOR
        similarity = coo.tocsr()
    similarity.data[similarity.data < NEIGHBOUR_SIMILARITY] = 0
    similarity.eliminate_zeros()

    labels = _leaders(similarity)
    labels = _merge_close(labels, full, places)
    names = vectorizer.get_feature_names_out()
    groups = [np.nonzero(labels == g)[0] for g in np.unique(labels)]
    groups = [g for g in groups if len(g) >= min_size]

    dates = [m.created_at for m in items if m.created_at]
    end = max(dates) if dates else None
    if end is not None and window is None:
        window = max((end - min(dates)) / 4, timedelta(days=1))

    clusters = []
    for members in groups:
        centre = np.asarray(full[members].mean(axis=0)).ravel()
        strongest = np.argpartition(-centre, 16)[:16] if len(centre) > 16 else np.arange(len(centre))
        top_terms = [names[j] for j in strongest[np.argsort(-centre[strongest])] if centre[j] > 0]
        key_words = _key_words(top_terms)
        centre_unit = centre / (np.linalg.norm(centre) or 1.0)
        closeness = np.asarray(full[members] @ centre_unit).ravel()
        titles, seen = [], set()
        for i in members[np.argsort(-closeness)]:
            title = items[i].title.strip()
            if title and normalize(title) not in seen:
                seen.add(normalize(title))
                titles.append(title)
            if len(titles) >= 3:
                break
        member_dates = [items[i].created_at for i in members if items[i].created_at]
        recent = earlier = 0
        if end is not None and member_dates:
            recent = sum(1 for d in member_dates if d > end - window)
            earlier = sum(1 for d in member_dates if end - 2 * window < d <= end - window)
        place_counts = Counter(items[i].place for i in members if items[i].place)
        clusters.append(Cluster(
            size=len(members), key_words=key_words, sample_titles=titles,
            message_ids=[items[i].id for i in members], members=[int(i) for i in members],
            place=place_counts.most_common(1)[0][0] if place_counts else None,
            first=min(member_dates) if member_dates else None, last=max(member_dates) if member_dates else None,
            recent=recent, earlier=earlier, growth=round((recent - earlier) / max(earlier, 1), 2),
            score=len(members) + recent))
    clusters.sort(key=lambda c: (-c.score, -c.growth, -c.size))
    return clusters[:limit] if limit else clusters


def _key_words(terms: Sequence[str], n: int = 6) -> list[str]:
    """Up to ``n`` key words from a cluster's strongest terms (words and word pairs, strongest first):
    pairs written as one word, none repeated inside another, and no single character (满, 陵), which
    tells a reader nothing."""
    key_words: list[str] = []
    for term in terms:
        word = term.replace(" ", "")
        if len(word) < 2:
            continue
        if word not in key_words and not any(word in other for other in key_words):
            key_words = [w for w in key_words if w not in word] + [word]
        if len(key_words) >= n:
            break
    return key_words


def _leaders(similarity: sp.csr_matrix) -> np.ndarray:
    """The message with most neighbours leads a group of its unassigned neighbours, then the next."""
    n = similarity.shape[0]
    degree = np.diff(similarity.indptr)
    labels = np.full(n, -1, dtype=np.int64)
    group = 0
    for i in np.argsort(-degree, kind="stable"):
        if labels[i] >= 0:
            continue
        neighbours = similarity.indices[similarity.indptr[i]:similarity.indptr[i + 1]]
        labels[neighbours[labels[neighbours] < 0]] = group
        labels[i] = group
        group += 1
    return labels


def _merge_close(labels: np.ndarray, vectors: sp.csr_matrix, places: list[str]) -> np.ndarray:
    """Merge groups (of two or more) whose centres are at least MERGE_SIMILARITY alike."""
    n_groups = labels.max() + 1
    sizes = np.bincount(labels, minlength=n_groups)
    multi = np.nonzero(sizes >= 2)[0]
    if len(multi) < 2:
        return labels
    membership = sp.csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))),
                               shape=(n_groups, len(labels)))
    centres = l2_normalize(membership[multi] @ vectors)
    close = (centres @ centres.T).toarray()
    if any(places):
        group_place = []
        for g in multi:
            known = Counter(places[i] for i in np.nonzero(labels == g)[0] if places[i])
            group_place.append(known.most_common(1)[0][0] if known else "")
        gp = np.array(group_place, dtype=object)
        differ = (gp[:, None] != "") & (gp[None, :] != "") & (gp[:, None] != gp[None, :])
        close[differ] *= OTHER_PLACE_FACTOR
    _count, merged = connected_components(sp.csr_matrix(close >= MERGE_SIMILARITY), directed=False)
    relabel = np.arange(n_groups)
    relabel[multi] = n_groups + merged
    return relabel[labels]


# --- the 热点 page: the appeals a staff member may see ------------------------------------------------

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
