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
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np
import rjieba
import scipy.sparse as sp
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from appeals.models import State
from appeals.selectors import PLACE_ROLES, appeals_visible_to
from core.text import STOP_WORDS, normalize, tokens
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
    groups = [np.nonzero(labels == g)[0] for g in np.unique(labels)]
    groups = [g for g in groups if len(g) >= min_size]
    # Key words are read from every message, so that a term all messages use is no key word of one.
    all_terms = [_message_terms(m) for m in items]
    document_frequency = Counter(term for terms in all_terms for term in terms.every)
    terms_of = all_terms.__getitem__

    dates = [m.created_at for m in items if m.created_at]
    end = max(dates) if dates else None
    if end is not None and window is None:
        window = max((end - min(dates)) / 4, timedelta(days=1))

    clusters = []
    for members in groups:
        centre = np.asarray(full[members].mean(axis=0)).ravel()
        key_words = cluster_key_words([terms_of(i) for i in members], document_frequency, len(items))
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


# --- key words: whole words and phrases, negations kept ----------------------------------------------
# The clustering above drops stop words (不, 没, 无 …) and pairs the words either side of them, which is
# right for telling messages apart and wrong for telling a person what they say: 物业不作为 becomes the
# pair 物业 作为. Key words are therefore read again from the cluster's own text: words from the jieba
# dictionary only (its guesses at unknown words make fragments such as 坏久 of 坏久了), each negation
# bound to the word it negates, and phrases that never reach across a stop word or punctuation.

# A token negates the next one when it is one of these, or ends in one of NEGATING_ENDS (很久没, 从未, 毫无).
NEGATIONS = frozenset("不 没 未 无 别 非 没有 无法 不能 不会 未能 不再 没能 不予 拒不 从不 尚未 仍未 毫无".split())
NEGATING_ENDS = ("不", "没", "未", "无")
NOBODY = "人"  # 没人, 无人: "nobody", which negates the word after it in turn (没人管, 无人维修)
MAX_PHRASE_ATOMS = 3
MAX_PHRASE_CHARS = 10
KEY_WORDS = 6
CLOSED_SHARE = 0.7  # a phrase replaces a word inside it when it is said nearly as often


def _negates(token: str) -> bool:
    return token in NEGATIONS or (len(token) <= 3 and token.endswith(NEGATING_ENDS))


def _is_break(token: str) -> bool:
    """Where a phrase must stop: punctuation, spaces, numbers, stop words, masks and stray Latin letters."""
    if token.isspace() or token.isdigit() or token in STOP_WORDS:
        return True
    if token.isascii() and len(token) <= 2:  # "a" of "A市", the pieces of "<phone>"
        return True
    return all(unicodedata.category(ch)[0] in "PSZC" for ch in token)


# Parts of speech (jieba's tags) a single character may carry and still be part of a word or phrase:
# nouns, verbs, adjectives, places and directions. Others (prepositions such as 往, pronouns such as 何,
# particles) end a phrase.
_CONTENT_TAGS = ("n", "v", "a", "s", "f", "l", "i", "j")
# The last character of a place's name (市 of A市, 区 of 2区, 城 of 魅力之城) with nothing before it in the
# clause: its name was a number, a letter or a stop word, and alone it would stick to the next word (市伊).
ORPHAN_SUFFIXES = frozenset("省市区县镇乡村街路巷号栋楼室城园苑院厂站摊店")


def _atoms(text: str) -> list[list[str]]:
    """The clauses of ``text``, each a list of atoms: a dictionary word; a negation with the word it
    negates (不作为, 没人修); or a word with the single characters that belong to it, which alone are
    seldom words: a verb takes its object (扔垃圾), another character joins the word before it (滨河苑)
    or, first in its clause, the word after it (伊景园). A place's suffix left alone (市 of A市) is no
    atom."""
    raw = [(word, tag) for word, tag in rjieba.tag(normalize(text), False)]
    # Negations first: 不 + 作为 → 不作为; 没 + 人 + 修 → 没人修.
    words: list[tuple[str, str] | None] = []  # None marks a break
    i = 0
    while i < len(raw):
        token, tag = raw[i]
        if _negates(token):
            j = i + 1
            while j < len(raw) and raw[j][0] == NOBODY:
                token += raw[j][0]
                j += 1
            if j < len(raw) and not _is_break(raw[j][0]) and not _negates(raw[j][0]):
                words.append((token + raw[j][0], "neg"))
                i = j + 1
                continue
            words.append(None)  # a negation with nothing after it tells nothing on its own
            i = j
            continue
        single_function_word = len(token) == 1 and not tag.startswith(_CONTENT_TAGS)
        words.append(None if _is_break(token) or single_function_word else (token, tag))
        i += 1
    clauses: list[list[str]] = []
    current: list[str] = []
    pending = ""  # single characters waiting for the word after them
    for item in [*words, None]:
        if item is None:
            if current:
                clauses.append(current)
            current, pending = [], ""
            continue
        word, tag = item
        if len(word) > 1:
            current.append(pending + word)
            pending = ""
        elif not current and not pending and word in ORPHAN_SUFFIXES:
            continue
        elif tag.startswith("v") or not current or pending:
            pending += word  # a verb before its object; a character first in its clause
        else:
            current[-1] += word
    return clauses


def key_terms(text: str) -> set[str]:
    """Every term ``text`` could be summed up by: its atoms and runs of up to MAX_PHRASE_ATOMS adjacent
    atoms within a clause, of two characters or more."""
    terms = set()
    for clause in _atoms(text):
        for start in range(len(clause)):
            phrase = ""
            for atom in clause[start:start + MAX_PHRASE_ATOMS]:
                phrase += atom
                if len(phrase) > MAX_PHRASE_CHARS:
                    break
                if len(phrase) >= 2:
                    terms.add(phrase)
    return terms


@dataclass(frozen=True)
class _Terms:
    title: frozenset
    every: frozenset  # the title's and the text's


def _message_terms(message: Message) -> _Terms:
    title = key_terms(message.title)
    return _Terms(frozenset(title), frozenset(title | key_terms((message.text or "")[:DETAIL_CHARS])))


def cluster_key_words(members: Sequence[_Terms], document_frequency: Counter, total: int,
                      n: int = KEY_WORDS) -> list[str]:
    """Up to ``n`` key words of a cluster whose messages have the terms ``members``: the terms most of
    its messages share — in their titles above all, where residents say what is wrong — and few other
    messages use (``document_frequency`` over ``total`` messages). A phrase replaces a word it contains
    when nearly as many messages say it (物业不作为 over 不作为); no term is shown twice."""
    said = Counter(term for terms in members for term in terms.every)
    weight = Counter(said)
    weight.update(term for terms in members for term in terms.title)  # a title counts twice
    least = 2 if len(members) >= 2 else 1
    scored = sorted(
        ((weight[term] * (np.log((total + 1) / (document_frequency.get(term, count) + 1)) + 1), count, term)
         for term, count in said.items() if count >= least),
        key=lambda item: (-item[0], -len(item[2]), item[2]))
    chosen: list[tuple[str, int]] = []
    for _score, count, term in scored:
        if any(term in word for word, _count in chosen):
            continue
        inside = [(word, c) for word, c in chosen if word in term]
        if inside and any(count < CLOSED_SHARE * c for _word, c in inside):
            continue  # the shorter word says what most of the cluster says
        chosen = [(word, c) for word, c in chosen if word not in term] + [(term, count)]
        if len(chosen) >= n:
            break
    return [word for word, _count in chosen]


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
