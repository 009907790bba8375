"""The indicator registry: what a 民生实事 target can be measured by, filled at start-up by the apps that
hold the data. ``targets`` imports none of them; each registers its own indicators.

How a feature app registers an indicator
----------------------------------------
1. Write ``<app>/indicators.py`` with one compute function per indicator::

       from targets.registry import Aggregation, Direction, Indicator, Value, register, rolled_up

       def canteens_open(units, period):
           # ``units``: a list of orgs.Unit; ``period``: appeals.kpis.Period (whole days, both ends
           # included). Return {unit.pk: Value} for every unit, counting the unit AND everything
           # below it (its subtree: ``unit.path`` is a prefix of theirs). A stock (people, facilities
           # open) is read as of ``period.end``; a flow (demands received) over the whole period.
           by_path = {...}  # {village path: count}: one GROUP BY over your own tables
           return rolled_up(units, by_path)

       def register_all():
           register(Indicator(
               code="facilities.canteens_open",       # "<app>.<what>", unique
               name=_("Community canteens open (标准化社区食堂)"),  # gettext_lazy
               unit_of_measure=_("canteens"),
               aggregation=Aggregation.SUM,           # SUM of counts, or RATIO (Value(numerator=, denominator=))
               compute=canteens_open,
               section="services", section_label=_("Services (服务)"), section_order=30,
               direction=Direction.RISE,              # which way is better
               year_to_date=YearToDate.LAST,          # optional: see YearToDate
           ))

   For a rate return ``Value(numerator=n, denominator=d)``: the registry derives the percentage, and
   rolls rates up by summing numerators and denominators (never by averaging percentages). A unit
   with nothing to count returns ``Value(None)``. An optional ``breakdown(unit, period)`` returns
   ``[(label, number), …]`` for the dashboard (people per category …). Set ``year_to_date`` only when
   the figure from 1 January to a day equals, exactly, the months' figures added up (``SUM``: each
   row counted in the one month its date falls in) or the figure of the day's month (``LAST``: a stock
   read as of the period's last day): targets' progress then reads the months the nightly refresh
   keeps instead of recounting the year for every month's end.
2. In ``<app>/apps.py``'s ``ready()``: ``from <app>.indicators import register_all; register_all()``.
3. That is all: the indicator appears in the target form's list, the leader's dashboard shows a section
   ``section`` with its figures for each unit (city → county → township, same screen) and the
   monthly report includes it. Compute functions must be fast (a GROUP BY or two for all the units at
   once): the refresh calls each once per month it keeps (``targets.snapshots``), every ten minutes for
   the month running, and the dashboard when what is kept is missing or an hour old.

Indicators the platform cannot see (family-doctor contract rate …) are not registered in code: they are
``ReportedIndicator`` rows an administrator defines, filled by the departments (填报 → 审核).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Aggregation(models.TextChoices):
    SUM = "sum", _("Sum of the units below")
    RATIO = "ratio", _("Rate: numerators and denominators summed")


class Direction(models.TextChoices):
    RISE = "rise", _("Must rise")
    FALL = "fall", _("Must fall")


class YearToDate:
    """How a figure from 1 January to a day follows from the months' figures, which the nightly refresh
    keeps (``IndicatorSnapshot``): a target's progress then reads the months kept instead of counting
    the year again. Unset: the year to date is computed as it is (the safe default)."""

    SUM = "sum"  # a flow (demands received, meals served): the months add up; rates by their parts
    LAST = "last"  # a stock as of a day (people in care): the figure of the day's month, as of that day


@dataclass(frozen=True)
class Value:
    """One figure: a number, or a rate as numerator and denominator (``value`` is then derived)."""

    amount: Decimal | int | float | None = None
    numerator: Decimal | int | None = None
    denominator: Decimal | int | None = None

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None or self.numerator is not None

    @property
    def value(self) -> Decimal | None:
        """The number a target compares: a count, or a rate in per cent."""
        if self.is_rate:
            if not self.denominator:
                return None
            return (Decimal(self.numerator or 0) * 100 / Decimal(self.denominator)).quantize(Decimal("0.01"))
        return None if self.amount is None else Decimal(str(self.amount))

    def shown(self) -> str:
        value = self.value
        if value is None:
            return "—"
        if self.is_rate:
            return f"{value:.2f}%"
        return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.2f}"

    def detail(self) -> str:
        return f"{_plain(self.numerator)}/{_plain(self.denominator)}" if self.is_rate else ""


def _plain(number) -> str:
    if number is None:
        return "0"
    number = Decimal(str(number))
    return f"{number.normalize():f}" if number == number.to_integral() else f"{number:f}"


def add_values(values: Iterable[Value]) -> Value:
    """Values rolled up: counts summed; rates by summing numerators and denominators."""
    values = list(values)
    if any(v.is_rate for v in values):
        return Value(
            numerator=sum(Decimal(v.numerator or 0) for v in values),
            denominator=sum(Decimal(v.denominator or 0) for v in values),
        )
    known = [v.amount for v in values if v.amount is not None]
    return Value(sum(Decimal(str(a)) for a in known) if known else None)


Compute = Callable[[list, object], dict[int, Value]]


@dataclass(frozen=True)
class Indicator:
    code: str
    name: object  # a lazy translation
    unit_of_measure: object
    aggregation: str
    compute: Compute
    section: str = "other"
    section_label: object = ""
    section_order: int = 50
    direction: str = Direction.RISE
    order: int = 50
    breakdown: Callable | None = None
    # False for what makes no sense as a past month (an "open now" count): left out of the history.
    historical: bool = True
    reported: bool = False
    # YearToDate.SUM or LAST when the year to date follows from the months exactly; "" computes it.
    year_to_date: str = ""

    @property
    def is_rate(self) -> bool:
        return self.aggregation == Aggregation.RATIO

    def values(self, units, period) -> dict[int, Value]:
        units = list(units)
        if not units:
            return {}
        found = self.compute(units, period)
        return {unit.pk: found.get(unit.pk, Value(None)) for unit in units}

    def value(self, unit, period) -> Value:
        return self.values([unit], period)[unit.pk]


_registry: dict[str, Indicator] = {}


def register(indicator: Indicator) -> None:
    """Add (or replace) an indicator; called from an app's ``AppConfig.ready``."""
    _registry[indicator.code] = indicator


def unregister(code: str) -> None:
    _registry.pop(code, None)


def registered() -> list[Indicator]:
    return sorted(_registry.values(), key=lambda i: (i.section_order, i.section, i.order, i.code))


def get(code: str) -> Indicator | None:
    return _registry.get(code)


def sections() -> list[tuple[str, str, list[Indicator]]]:
    """The dashboard's sections, in order: (key, label, indicators)."""
    grouped: dict[str, list[Indicator]] = defaultdict(list)
    for indicator in registered():
        grouped[indicator.section].append(indicator)
    return [(key, str(items[0].section_label or key), items) for key, items in grouped.items()]


# --- helpers for compute functions -------------------------------------------------------------


def rolled_up(units, counts_by_path: dict[str, object], *, rate: bool = False) -> dict[int, Value]:
    """``counts_by_path``: {a small unit's path: count} or, with ``rate``, {path: (numerator, denominator)};
    each of ``units`` gets the sum over its subtree (the paths it is a prefix of). Compute functions
    count per village or place in one GROUP BY and roll up with this."""
    out = {}
    for unit in units:
        inside = [count for path, count in counts_by_path.items() if path.startswith(unit.path)]
        if rate:
            out[unit.pk] = Value(numerator=sum(c[0] for c in inside), denominator=sum(c[1] for c in inside))
        else:
            out[unit.pk] = Value(sum(inside))
    return out


# --- one computation, shared by the indicators that need it ---------------------------------------

_batch: ContextVar[dict | None] = ContextVar("targets_indicator_batch", default=None)


@contextmanager
def batch():
    """Within this block, ``shared(key, fn)`` computes each key once: the demand indicators all read
    one count of the 三率 per period, the dashboard and the report compute many indicators at once."""
    token = _batch.set({})
    try:
        yield
    finally:
        _batch.reset(token)


def shared(key, compute: Callable[[], object]):
    memo = _batch.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]
