"""Hot spots (热点) and near-duplicates.

``cluster`` groups the messages of a period by what they are about (and where, when the place is
known), and ranks the groups by size and growth, each with its key words and typical titles.
``similar`` scores candidate messages against one text, for merge suggestions (never merged
silently: a person decides).

How ``cluster`` works, and why: each message becomes a TF-IDF vector of its words and word pairs (the
title counted twice, the first ``DETAIL_CHARS`` characters of the text, where residents say what is
wrong), keeping its ``TERMS_PER_MESSAGE`` strongest terms so that the similarity matrix stays sparse
and fast. Messages are then grouped around "leaders": the message with most close neighbours takes
its unassigned neighbours, then the next, and so on. Unlike joining every pair above a threshold,
this cannot chain unrelated messages into one giant group. Groups whose centres are close are merged
last (the same matter written in different words).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from core.text import normalize, tokens
from dispatch.classifier import word_grams

DETAIL_CHARS = 400
TERMS_PER_MESSAGE = 25
NEIGHBOUR_SIMILARITY = 0.3  # two messages this close say the same thing
MERGE_SIMILARITY = 0.35  # two groups whose centres are this close are one matter
OTHER_PLACE_FACTOR = 0.25  # similarity kept when two messages name different places
DUPLICATE_SIMILARITY = 0.6
SIMILAR_CHARS = 1000  # a candidate's title and the start of its text are enough to tell a near-copy  # ``similar`` scores from here on are worth a merge suggestion


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


def _as_message(item) -> Message:
    if isinstance(item, Message):
        return item
    get = item.get if isinstance(item, dict) else (lambda key, default=None: getattr(item, key, default))
    return Message(id=get("id"), title=get("title") or "", text=get("text") or "", created_at=get("created_at"),
                   place=get("place"))


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


def cluster(messages: Iterable, *, min_size: int = 2, limit: int | None = 50,
            window: timedelta | None = None) -> list[Cluster]:
    """Groups of at least ``min_size`` messages, hottest first (at most ``limit``).

    ``messages`` are ``Message`` objects, dicts or objects with ``id``, ``title``, ``text`` and
    optionally ``created_at`` and ``place``. Growth compares the latest ``window`` of the period
    (default: its last quarter) with the window before it.
    """
    items = [_as_message(m) for m in messages]
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


def _char_bigrams(text: str) -> list[str]:
    compact = "".join(text.split())
    return [compact[i:i + 2] for i in range(len(compact) - 1)]


def _cosine_counts(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    return dot / (np.sqrt(sum(v * v for v in a.values())) * np.sqrt(sum(v * v for v in b.values())))


def similar(text: str, candidates: Sequence, *, limit: int = 10, threshold: float = 0.0) -> list[tuple[object, float]]:
    """Candidates ranked by how nearly they say the same as ``text``: (id, score in 0..1), best
    first, those under ``threshold`` left out. ``candidates`` are (id, text) pairs or objects/dicts
    with ``id`` and ``text`` (and ``title``, which is put before the text).

    The score averages the cosine of the content words and that of the character pairs of the
    normalised texts: the first ignores wording noise, the second catches segmentation differences
    and traditional/simplified or full-width variants (normalised away already)."""
    query = normalize(text)
    q_words, q_chars = Counter(tokens(query, normalized=True)), Counter(_char_bigrams(query))
    scored = []
    for candidate in candidates:
        if isinstance(candidate, tuple):
            key, body = candidate
        else:
            message = _as_message(candidate)
            key, body = message.id, f"{message.title}\n{message.text}"
        body = normalize(body[:SIMILAR_CHARS])
        score = 0.5 * _cosine_counts(q_words, Counter(tokens(body, normalized=True))) \
            + 0.5 * _cosine_counts(q_chars, Counter(_char_bigrams(body)))
        if score >= threshold:
            scored.append((key, round(float(score), 4)))
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]
