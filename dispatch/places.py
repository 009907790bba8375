"""Which place an appeal is about: names and short forms of the org tree's counties, townships
(街道/乡镇) and villages (社区/村) found in its text and address ("榆次区北关街道", "北关街道", or just
"北关"), the most specific first.

The name index is built once per process and rebuilt when a unit changes (signals connected in
``DispatchConfig.ready``) or after ``INDEX_SECONDS`` at the latest, for changes made by another process.
"""

import threading
import time
from dataclasses import dataclass

from core.text import normalize
from orgs.models import LEVEL_DEPTH, Level, Unit

INDEX_SECONDS = 300
LEVELS = (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
# What people drop when they say a place's name: 北关街道 → 北关, 东阳村 → 东阳.
SUFFIXES = ("街道办事处", "社区居委会", "村民委员会", "居民委员会", "办事处", "居委会", "村委会", "街道", "社区",
            "镇", "乡", "村", "区", "县", "市")
MIN_SHORT_FORM = 2


@dataclass(frozen=True)
class _Variant:
    unit_id: int
    full: bool  # the name as registered (or its short name), rather than a form with the suffix dropped


@dataclass
class _Index:
    built: float
    variants: dict[str, list[_Variant]]
    max_length: int
    units: dict[int, Unit]


_lock = threading.Lock()
_index: _Index | None = None


def forget_index(**_kwargs) -> None:
    """Drop the cached index (a signal receiver: units changed)."""
    global _index
    _index = None


def _strip_suffix(name: str) -> str | None:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= MIN_SHORT_FORM:
            return name[: -len(suffix)]
    return None


def _names(unit: Unit, ancestors: list[Unit]) -> dict[str, bool]:
    """Every form of a unit's name → whether it is a full form."""
    full = {normalize(unit.name, mask=False), normalize(unit.short_name, mask=False)} - {""}
    for ancestor in ancestors:  # 榆次区北关街道 → 北关街道
        for prefix in {normalize(ancestor.name, mask=False), _strip_suffix(normalize(ancestor.name, mask=False))}:
            for name in list(full):
                if prefix and name.startswith(prefix) and len(name) - len(prefix) >= MIN_SHORT_FORM:
                    full.add(name[len(prefix):])
    forms = dict.fromkeys(full, True)
    for name in full:
        short = _strip_suffix(name)
        if short and short not in forms:
            forms[short] = False
    return forms


def _build() -> _Index:
    units = {u.pk: u for u in Unit.objects.filter(is_active=True, level__in=LEVELS)}
    by_code = {u.code: u for u in Unit.objects.filter(is_active=True, level__in=(Level.CITY, *LEVELS))}
    variants: dict[str, list[_Variant]] = {}
    for unit in units.values():
        ancestors = [by_code[c] for c in unit.ancestors_and_self_codes()[:-1] if c in by_code]
        for form, full in _names(unit, ancestors).items():
            variants.setdefault(form, []).append(_Variant(unit.pk, full))
    return _Index(time.monotonic(), variants, max((len(v) for v in variants), default=0), units)


def _get_index() -> _Index:
    global _index
    index = _index
    if index is None or time.monotonic() - index.built > INDEX_SECONDS:
        with _lock:
            index = _index
            if index is None or time.monotonic() - index.built > INDEX_SECONDS:
                index = _index = _build()
    return index


def _scan(text: str, index: _Index):
    """(form, variants) for each longest name form found, left to right, without overlaps."""
    i, n = 0, len(text)
    while i < n:
        for length in range(min(index.max_length, n - i), MIN_SHORT_FORM - 1, -1):
            form = text[i:i + length]
            hits = index.variants.get(form)
            if hits:
                yield form, hits
                i += length
                break
        else:
            i += 1


def find_places(text: str, address: str = "") -> list[Unit]:
    """Units the text and address mention, the most specific and best-supported first. A unit whose
    descendant is also mentioned is left out (the descendant says more)."""
    index = _get_index()
    if not index.variants:
        return []
    found: dict[int, float] = {}
    for source, bonus in ((normalize(address, mask=False), 4.0), (normalize(text, mask=False), 0.0)):
        for form, hits in _scan(source, index):
            for variant in hits:
                # A bare short form ("北关") that several units share says little about each of them.
                score = len(form) + bonus + (3.0 if variant.full else 0.0) - (len(hits) - 1)
                found[variant.unit_id] = max(found.get(variant.unit_id, 0.0), score)
    if not found:
        return []
    units = [index.units[pk] for pk in found]
    paths = {u.pk: u.path for u in units}
    ranked = []
    for unit in units:
        if any(other != unit.pk and path.startswith(unit.path) for other, path in paths.items()):
            continue  # an ancestor of another match
        support = sum(1 for other in units if other.pk != unit.pk and unit.path.startswith(other.path))
        score = found[unit.pk] + 4.0 * support + 2.0 * LEVEL_DEPTH[unit.level]
        ranked.append((score, LEVEL_DEPTH[unit.level], unit))
    ranked.sort(key=lambda item: (-item[0], -item[1], item[2].path))
    return [unit for _score, _depth, unit in ranked]
