"""The unit pages' counts from a summary (care.models.PlaceSummary) instead of a million people counted
live: one set-based pass counts every place (village or community, and grid) and category — nightly
after care_refresh, or ``manage.py care_summarize`` — and a page sums the rows of its subtree in one
query. The summary is read only when it is at most a day old and the user sees everyone of the unit and
every category (a department's staff, who see some categories, are counted live); otherwise the pages
count live, so a fresh install shows its figures at once."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from care.models import CareMembership, Person, PlaceSummary

MAX_AGE = timedelta(days=1)
FIELDS = ("people", "covered", "gaps", "overdue_window", "overdue_now", "done", "on_time", "open_needs")


@dataclass
class Counts:
    by_place: dict[tuple[int, int | None], dict[str, int]]
    by_category: dict[int, int] | None  # None: not counted (the live path counts them itself)
    counted_at: datetime | None  # None: counted live


def recompute(*, today: date | None = None) -> int:
    """Count every place and category of the current registry and replace the summary with it, in one
    transaction (a page reads the old rows or the new, never half). Returns the rows written."""
    from care.selectors import place_counts

    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        people = Person.objects.filter(ended_on__isnull=True)
        memberships = CareMembership.objects.filter(until__isnull=True)
        rows = [PlaceSummary(unit_id=unit_id, grid_id=grid_id, day=today, computed_at=now, **counts)
                for (unit_id, grid_id), counts in place_counts(people, memberships, today).items()]
        per_category = (memberships.filter(person__ended_on__isnull=True)
                        .values(place_unit=F("person__unit_id"), place_grid=F("person__grid_id"),
                                place_category=F("category_id")).order_by()
                        .annotate(n=Count("person_id", distinct=True)))
        rows += [PlaceSummary(unit_id=row["place_unit"], grid_id=row["place_grid"], category_id=row["place_category"],
                              day=today, computed_at=now, people=row["n"]) for row in per_category]
        PlaceSummary.objects.all().delete()
        PlaceSummary.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def read(user, unit, today: date) -> Counts | None:
    """The summed summary of ``unit``'s subtree as the live count would give it to ``user``, or None when
    it may not stand for it (no summary, older than a day, counted for another day, or a user who sees
    only part of the unit)."""
    from care.permissions import SEE_ROLES, unit_scope, visible_category_ids
    from orgs.models import Level, Unit

    if visible_category_ids(user) is not None:
        return None
    scope = unit_scope(user, SEE_ROLES)
    if not (scope.everything or any(unit.path.startswith(path) for path in scope.unit_paths)):
        return None
    latest = PlaceSummary.objects.order_by("-computed_at").values("computed_at", "day").first()
    if (latest is None or latest["computed_at"] < timezone.now() - MAX_AGE
            or abs((today - latest["day"]).days) > 1):
        return None
    rows = PlaceSummary.objects.filter(computed_at=latest["computed_at"])
    # The places the live count reads (care.selectors.people_of_unit): a grid's people, else those of
    # the villages below.
    if unit.level == Level.GRID:
        rows = rows.filter(grid_id=unit.pk)
    else:
        villages = list(Unit.objects.filter(path__startswith=unit.path, level=Level.VILLAGE).values_list("pk", flat=True))
        if villages:
            rows = rows.filter(unit_id__in=villages)
        else:
            from django.db.models import Q

            under = Unit.objects.filter(path__startswith=unit.path).values("pk")
            rows = rows.filter(Q(unit_id__in=under) | Q(grid_id__in=under))
    by_place: dict[tuple[int, int | None], dict[str, int]] = {}
    by_category: dict[int, int] = {}
    for row in rows.values("unit_id", "grid_id", "category_id", *FIELDS):
        if row["category_id"] is None:
            by_place[(row["unit_id"], row["grid_id"])] = {name: row[name] for name in FIELDS}
        else:
            by_category[row["category_id"]] = by_category.get(row["category_id"], 0) + row["people"]
    return Counts(by_place=by_place, by_category=by_category, counted_at=latest["computed_at"])
