"""Matching seekers and postings: text similarity (TF-IDF over core.text's jieba tokens, the same
tokenizer dispatch reads demands with) between a seeker's skills, wishes and major and a posting's
title, duties and requirements; place, by distance in the org tree (same village, township, county);
pay against the pay wanted; education against the posting's minimum. Every match carries its reasons.

The open postings (and the seekers looking for work) are held per process as one sparse matrix with
arrays beside it, rebuilt when the set changes (a cheap version query), so one seeker's top ten is a
sparse product and an argpartition. ``recommend_all`` does every seeker in chunks."""

import threading
import uuid
from dataclasses import dataclass, field

import numpy as np
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from sklearn.feature_extraction.text import TfidfVectorizer

from employment.models import (
    EDUCATION_RANK,
    Education,
    EmployerStatus,
    Posting,
    PostingKind,
    PostingStatus,
    Seeker,
    SeekerStatus,
)

W_TEXT, W_PLACE, W_PAY = 0.55, 0.25, 0.20
EDUCATION_SHORT = 0.3  # the score is multiplied by this when the seeker's education is below the minimum
PLACE_SCORES = {3: 1.0, 2: 0.75, 1: 0.5, 0: 0.15}  # levels shared below the city: village, township, county


def _split(text: str) -> list[str]:
    return text.split()


def _place_codes(path: str) -> tuple[int, int, int]:
    """(county, township, village) codes of a unit path "city/county/township/village/…" (0 when absent)."""
    parts = [p for p in (path or "").split("/") if p]
    out = []
    for depth in (1, 2, 3):
        out.append(int(parts[depth]) if len(parts) > depth and parts[depth].isdigit() else 0)
    return tuple(out)


@dataclass
class _Index:
    version: tuple
    ids: np.ndarray
    vectorizer: TfidfVectorizer | None
    matrix: object  # csr, rows L2-normalised
    places: np.ndarray  # (n, 3) county, township, village codes
    pay: np.ndarray  # postings: salary_max; seekers: desired_salary (0 = none)
    pay_low: np.ndarray
    education: np.ndarray
    extra: dict = field(default_factory=dict)


_lock = threading.Lock()
_cache: dict[str, _Index] = {}
VERSION_KEY = "employment:matching:%s"


def _version(what: str) -> tuple:
    """The version of the postings or the seekers every process agrees on (the shared cache), and the
    day: an index built yesterday still holds postings closed since."""
    version = cache.get(VERSION_KEY % what)
    if version is None:
        cache.add(VERSION_KEY % what, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY % what)
    return (timezone.localdate(), version)


def changed(what: str) -> None:
    """The services call this when postings ("postings") or seekers ("seekers") change what matching reads:
    every process rebuilds its index at its next question. Set now and again once committed, so that an
    index another process builds from the uncommitted state in between is dropped too."""
    def bump():
        cache.set(VERSION_KEY % what, uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)


def open_postings(today=None):
    today = today or timezone.localdate()
    return Posting.objects.filter(status=PostingStatus.OPEN, closes_on__gte=today,
                                  employer__status=EmployerStatus.VERIFIED)


def _build(rows, version, *, vectorizer=None) -> _Index:
    """rows: (pk, tokens, unit path, pay, pay_low, education, kind)."""
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    texts = [r[1] or "" for r in rows]
    if vectorizer is None:
        vectorizer = TfidfVectorizer(analyzer=_split, sublinear_tf=True, min_df=1, dtype=np.float32)
        if any(texts):
            matrix = vectorizer.fit_transform(texts)
        else:
            vectorizer, matrix = None, None
    else:
        matrix = vectorizer.transform(texts)
    places = np.array([_place_codes(r[2]) for r in rows], dtype=np.int64).reshape(-1, 3)
    return _Index(version=version, ids=ids, vectorizer=vectorizer, matrix=matrix, places=places,
                  pay=np.array([r[3] or 0 for r in rows], dtype=np.float32),
                  pay_low=np.array([r[4] or 0 for r in rows], dtype=np.float32),
                  education=np.array([EDUCATION_RANK.get(r[5], 0) for r in rows], dtype=np.int8),
                  extra={"internship": np.array([r[6] == PostingKind.INTERNSHIP for r in rows], dtype=bool),
                         "graduate": np.array([r[6] == "graduate" for r in rows], dtype=bool)})


def posting_index() -> _Index:
    qs = open_postings()
    version = _version("postings")
    with _lock:
        index = _cache.get("postings")
        if index is not None and index.version == version:
            return index
    rows = list(qs.order_by("pk").values_list("pk", "tokens", "unit__path", "salary_max", "salary_min", "education",
                                              "kind"))
    index = _build(rows, version)
    with _lock:
        _cache["postings"] = index
    return index


def looking_seekers():
    return Seeker.objects.filter(status__in=[SeekerStatus.UNEMPLOYED, SeekerStatus.TRAINING])


def seeker_index() -> _Index:
    """The seekers looking for work, vectorised with the postings' vocabulary (what a posting asks for)."""
    postings = posting_index()
    qs = looking_seekers()
    version = (postings.version, _version("seekers"))
    with _lock:
        index = _cache.get("seekers")
        if index is not None and index.version == version:
            return index
    rows = list(qs.order_by("pk").values_list("pk", "tokens", "desired_place__path", "desired_salary", "desired_salary",
                                              "education", "kind"))
    # Where a seeker has no wished place, where they live.
    homes = dict(qs.values_list("pk", "unit__path"))
    rows = [(r[0], r[1], r[2] or homes.get(r[0], ""), *r[3:]) for r in rows]
    index = _build(rows, version, vectorizer=postings.vectorizer) if postings.vectorizer else _build(rows, version)
    with _lock:
        _cache["seekers"] = index
    return index


def forget() -> None:
    """Drop this process's indexes (tests, and after writing in bulk; the services call ``changed``)."""
    with _lock:
        _cache.clear()
    cache.delete_many([VERSION_KEY % "postings", VERSION_KEY % "seekers"])


@dataclass
class Match:
    pk: int
    score: float
    reasons: list[str]
    obj: object = None


def _seeker_profile(seeker: Seeker) -> dict:
    place = seeker.desired_place or seeker.unit
    return {"tokens": seeker.tokens, "places": _place_codes(place.path), "pay": seeker.desired_salary or 0,
            "education": EDUCATION_RANK.get(seeker.education, 0),
            "graduate": seeker.kind == "graduate"}


def _place_score(a: np.ndarray, b: tuple[int, int, int]) -> np.ndarray:
    """Levels shared by each row of ``a`` (n, 3) with ``b``: 3 same village … 0 other county."""
    county = (a[:, 0] == b[0]) & (b[0] != 0)
    township = county & (a[:, 1] == b[1]) & (b[1] != 0)
    village = township & (a[:, 2] == b[2]) & (b[2] != 0)
    shared = county.astype(np.int8) + township + village
    # A posting placed at the county (no township) is as near as the county goes for anyone in it.
    table = np.array([PLACE_SCORES[k] for k in range(4)], dtype=np.float32)
    return table[shared], shared


def _pay_score(pay_max: np.ndarray, wanted: float) -> np.ndarray:
    if not wanted:
        return np.full(pay_max.shape, 0.6, dtype=np.float32)
    return np.clip(pay_max / wanted, 0, 1).astype(np.float32) ** 2


def _text_scores(index: _Index, tokens: str) -> np.ndarray:
    if index.vectorizer is None or index.matrix is None or not tokens:
        return np.zeros(len(index.ids), dtype=np.float32)
    vector = index.vectorizer.transform([tokens])
    return np.asarray((index.matrix @ vector.T).todense()).ravel().astype(np.float32)


def _scores_for_seeker(index: _Index, profile: dict):
    text = _text_scores(index, profile["tokens"])
    place, shared = _place_score(index.places, profile["places"])
    pay = _pay_score(index.pay, profile["pay"])
    score = W_TEXT * text + W_PLACE * place + W_PAY * pay
    short = index.education > profile["education"]
    score = np.where(short, score * EDUCATION_SHORT, score)
    if profile["graduate"]:  # 见习 is meant for graduates: a nudge, not a filter
        score = score + 0.03 * index.extra["internship"]
    return score, text, shared, short


def _top(score: np.ndarray, k: int) -> np.ndarray:
    if len(score) <= k:
        return np.argsort(-score)
    part = np.argpartition(-score, k)[:k]
    return part[np.argsort(-score[part])]


def _place_reason(shared: int) -> str:
    return {3: _("Same village or community"), 2: _("Same township"), 1: _("Same county"),
            0: _("In another county")}[int(shared)]


def _reasons(*, seeker: Seeker, posting: Posting, text: float, shared: int, short: bool) -> list[str]:
    reasons = []
    common = [t for t in dict.fromkeys(seeker.tokens.split()) if t in set(posting.tokens.split())]
    if common:
        reasons.append(_("Skills and wishes match: %(words)s") % {"words": "、".join(common[:5])})
    elif text <= 0:
        reasons.append(_("No skill or wish in common"))
    reasons.append(_place_reason(shared))
    wanted = seeker.desired_salary
    if wanted and posting.salary_max >= wanted:
        reasons.append(_("Pay %(low)s–%(high)s yuan meets the %(wanted)s wanted") % {
            "low": posting.salary_min, "high": posting.salary_max, "wanted": wanted})
    elif wanted:
        reasons.append(_("Pay up to %(high)s yuan, below the %(wanted)s wanted") % {
            "high": posting.salary_max, "wanted": wanted})
    else:
        reasons.append(_("Pay %(low)s–%(high)s yuan") % {"low": posting.salary_min, "high": posting.salary_max})
    if posting.education != Education.NONE:
        reasons.append((_("Education required: %(education)s (met)") if not short
                        else _("Education required: %(education)s (not met)"))
                       % {"education": posting.get_education_display()})
    if posting.kind == PostingKind.INTERNSHIP:
        reasons.append(_("见习 internship, %(months)s months, subsidy %(subsidy)s yuan a month") % {
            "months": posting.duration_months, "subsidy": posting.subsidy})
    return reasons


def jobs_for(seeker: Seeker, *, k: int = 10, exclude=()) -> list[Match]:
    """The top ``k`` open postings for ``seeker``, each with its reasons."""
    index = posting_index()
    if not len(index.ids):
        return []
    score, text, shared, short = _scores_for_seeker(index, _seeker_profile(seeker))
    if exclude:
        score = np.where(np.isin(index.ids, np.fromiter(exclude, dtype=np.int64)), -1.0, score)
    order = [i for i in _top(score, k) if score[i] >= 0]
    postings = Posting.objects.select_related("employer", "unit").in_bulk([int(index.ids[i]) for i in order])
    out = []
    for i in order:
        posting = postings.get(int(index.ids[i]))
        if posting is None:
            continue
        out.append(Match(pk=posting.pk, score=round(float(score[i]), 3), obj=posting,
                         reasons=_reasons(seeker=seeker, posting=posting, text=float(text[i]),
                                          shared=int(shared[i]), short=bool(short[i]))))
    return out


def explain(seeker: Seeker, posting: Posting) -> Match:
    """The score and reasons of one pair (a recommendation made by hand)."""
    rows = [(posting.pk, posting.tokens, posting.unit.path, posting.salary_max, posting.salary_min,
             posting.education, posting.kind)]
    postings = posting_index()
    index = _build(rows, None, vectorizer=postings.vectorizer) if postings.vectorizer else _build(rows, None)
    score, text, shared, short = _scores_for_seeker(index, _seeker_profile(seeker))
    return Match(pk=posting.pk, score=round(float(score[0]), 3), obj=posting,
                 reasons=_reasons(seeker=seeker, posting=posting, text=float(text[0]), shared=int(shared[0]),
                                  short=bool(short[0])))


def seekers_for(posting: Posting, *, k: int = 10, within=None) -> list[Match]:
    """The top ``k`` seekers looking for work for ``posting``; ``within``: a Seeker queryset the result
    is limited to (the actor's scope)."""
    index = seeker_index()
    if not len(index.ids):
        return []
    vector_tokens = posting.tokens
    text = _text_scores(index, vector_tokens)
    place, shared = _place_score(index.places, _place_codes(posting.unit.path))
    wanted = index.pay
    pay = np.where(wanted > 0, np.clip(posting.salary_max / np.maximum(wanted, 1), 0, 1) ** 2, 0.6)
    score = W_TEXT * text + W_PLACE * place + W_PAY * pay
    short = index.education < EDUCATION_RANK.get(posting.education, 0)
    score = np.where(short, score * EDUCATION_SHORT, score).astype(np.float32)
    if within is not None:
        allowed = np.fromiter(within.values_list("pk", flat=True), dtype=np.int64)
        score = np.where(np.isin(index.ids, allowed), score, -1.0)
    order = [i for i in _top(score, k) if score[i] >= 0]
    seekers = Seeker.objects.select_related("unit", "desired_place").in_bulk([int(index.ids[i]) for i in order])
    out = []
    for i in order:
        seeker = seekers.get(int(index.ids[i]))
        if seeker is None:
            continue
        out.append(Match(pk=seeker.pk, score=round(float(score[i]), 3), obj=seeker,
                         reasons=_reasons(seeker=seeker, posting=posting, text=float(text[i]),
                                          shared=int(shared[i]), short=bool(short[i]))))
    return out


def recommend_all(*, k: int = 10, chunk: int = 256, progress=None,
                  limit: int | None = None) -> dict[int, list[tuple[int, float]]]:
    """Every seeker looking for work (the first ``limit`` of them when given): their top ``k`` postings as
    (posting id, score), computed in chunks of seekers (a sparse product, then dense scoring of the chunk
    against every posting)."""
    postings = posting_index()
    seekers = seeker_index()
    out: dict[int, list[tuple[int, float]]] = {}
    if not len(postings.ids) or not len(seekers.ids):
        return out
    table = np.array([PLACE_SCORES[k_] for k_ in range(4)], dtype=np.float32)
    p_places = postings.places
    count = len(seekers.ids) if limit is None else min(limit, len(seekers.ids))
    for start in range(0, count, chunk):
        stop = min(start + chunk, count)
        if postings.matrix is not None and seekers.matrix is not None:
            text = (seekers.matrix[start:stop] @ postings.matrix.T).toarray().astype(np.float32)
        else:
            text = np.zeros((stop - start, len(postings.ids)), dtype=np.float32)
        s_places = seekers.places[start:stop]
        county = (s_places[:, None, 0] == p_places[None, :, 0]) & (s_places[:, None, 0] != 0)
        township = county & (s_places[:, None, 1] == p_places[None, :, 1]) & (s_places[:, None, 1] != 0)
        village = township & (s_places[:, None, 2] == p_places[None, :, 2]) & (s_places[:, None, 2] != 0)
        place = table[county.astype(np.int8) + township + village]
        wanted = seekers.pay[start:stop, None]
        pay = np.where(wanted > 0, np.clip(postings.pay[None, :] / np.maximum(wanted, 1), 0, 1) ** 2, 0.6)
        score = W_TEXT * text + W_PLACE * place + W_PAY * pay
        short = postings.education[None, :] > seekers.education[start:stop, None]
        score = np.where(short, score * EDUCATION_SHORT, score)
        score = score + 0.03 * (seekers.extra["graduate"][start:stop, None] & postings.extra["internship"][None, :])
        kk = min(k, score.shape[1])
        top = np.argpartition(-score, kk - 1, axis=1)[:, :kk]
        for row in range(stop - start):
            cols = top[row][np.argsort(-score[row, top[row]])]
            out[int(seekers.ids[start + row])] = [(int(postings.ids[c]), float(score[row, c])) for c in cols]
        if progress:
            progress(stop - start)
    return out
