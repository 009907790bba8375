"""Appeals' events (``appeals_appealevent``) partitioned by month on PostgreSQL: the conversion of the
plain table and the months made ahead (``manage.py appeals_partition_events``; the scheduler runs
``--ahead`` nightly, which does nothing until the table has been converted).

What the conversion keeps, so that Django and the rest of the platform see the same table:

- the columns, their defaults and check constraints; the id numbering (the identity's sequence becomes
  a sequence of the same name owned by ``id``, continuing where it was: PostgreSQL 15 has no identity
  columns on partitioned tables);
- every index, under its own name, now one per partition (a partitioned index); the primary key
  becomes ``(id, created_at)`` because a partitioned table's unique keys must hold the partition key.
  Nothing else enforces a unique ``id``: the sequence alone hands ids out, as before;
- the foreign keys from the events to the appeals, users and API keys, under their own names.
  Nothing refers to the events (checked when converting: a foreign key pointing at the table stops it).

Partitions are months of ``settings.TIME_ZONE`` (Beijing's months, so a month past retention is one
``DETACH``/``DROP``), named ``appeals_appealevent_pYYYY_MM``, plus a default partition
(``appeals_appealevent_default``) that takes a row outside every month made (an import of old hotline
records, a clock far off); ``ensure_months_ahead`` moves such rows into their month when it makes it.

Every function takes a DB-API cursor (Django's or psycopg's) and runs in the caller's transaction; the
conversion locks the table (ACCESS EXCLUSIVE) until that transaction ends, so readers and writers wait:
bench/appeals_events_scale.py measures how long, and deploy/README.md says when to run it.
"""
# ruff: noqa: S608 - SQL built from this module's own table names and dates; values go as parameters

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

TABLE = "appeals_appealevent"


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month: date, table: str = TABLE) -> str:
    return f"{table}_p{month.year:04d}_{month.month:02d}"


def _bound(month: date, tz: ZoneInfo) -> str:
    """The month's first instant in ``tz``, as a literal that does not depend on the session's time zone."""
    return datetime(month.year, month.month, 1, tzinfo=tz).isoformat(sep=" ")


def is_partitioned(cursor, table: str = TABLE) -> bool:
    cursor.execute("SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass(%s)", [table])
    row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def months(cursor, table: str = TABLE) -> list[date]:
    """The first instants of the months that have a partition, in order."""
    cursor.execute(
        "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(%s)", [table])
    found = []
    for (bound,) in cursor.fetchall():
        if bound == "DEFAULT":
            continue
        # FOR VALUES FROM ('2026-11-01 00:00:00+08') TO (...): the lower bound in the session's zone.
        cursor.execute("SELECT %s::timestamptz", [bound.split("'")[1]])
        found.append(cursor.fetchone()[0])
    return sorted(found)


def partition_months(cursor, tz: ZoneInfo, table: str = TABLE) -> list[date]:
    """The months that have a partition, as local (``tz``) first days."""
    return sorted(moment.astimezone(tz).date() for moment in months(cursor, table))


def _create_month(cursor, month: date, tz: ZoneInfo, table: str) -> None:
    # DDL takes no parameters; the bounds are literals made from dates above.
    cursor.execute(f'CREATE TABLE "{partition_name(month, table)}" PARTITION OF "{table}" '
                   f"FOR VALUES FROM ('{_bound(month, tz)}') TO ('{_bound(add_months(month, 1), tz)}')")


def ensure_months_ahead(cursor, *, today: date, ahead: int, tz: ZoneInfo, table: str = TABLE) -> list[str]:
    """Make the partitions of this month and the ``ahead`` months after it that do not exist yet; return
    their names. Rows the default partition holds for such a month are moved into it (PostgreSQL refuses
    to attach a month the default partition has rows of)."""
    made = []
    have = set(partition_months(cursor, tz, table))
    default = f"{table}_default"
    for step in range(ahead + 1):
        month = add_months(month_start(today), step)
        if month in have:
            continue
        lower, upper = _bound(month, tz), _bound(add_months(month, 1), tz)
        cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{default}" WHERE created_at >= %s AND created_at < %s)',
                       [lower, upper])
        if cursor.fetchone()[0]:
            stray = f"{default}_moving"
            cursor.execute(f'CREATE TEMPORARY TABLE "{stray}" ON COMMIT DROP AS SELECT * FROM "{default}" '
                           f"WHERE created_at >= %s AND created_at < %s", [lower, upper])
            cursor.execute(f'DELETE FROM "{default}" WHERE created_at >= %s AND created_at < %s', [lower, upper])
            _create_month(cursor, month, tz, table)
            cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{stray}"')
            cursor.execute(f'DROP TABLE "{stray}"')
        else:
            _create_month(cursor, month, tz, table)
        made.append(partition_name(month, table))
    return made


@dataclass
class Conversion:
    rows: int = 0
    partitions: list[str] = field(default_factory=list)
    next_id: int = 0


def referencing_keys(cursor, table: str = TABLE) -> list[str]:
    """Foreign keys of other tables that point at ``table`` (a partitioned table's primary key changes,
    so they would have to be rebuilt on (id, created_at)); none exist today."""
    cursor.execute("SELECT conrelid::regclass::text || '.' || conname FROM pg_constraint "
                   "WHERE contype = 'f' AND confrelid = to_regclass(%s) AND conrelid <> confrelid", [table])
    return [name for (name,) in cursor.fetchall()]


def convert(cursor, *, today: date, ahead: int, tz: ZoneInfo, table: str = TABLE) -> Conversion | None:
    """Turn the plain ``table`` into one partitioned by month of ``created_at``, its rows moved, with a
    partition for every month from the oldest row's to ``ahead`` months after ``today``. Does nothing and
    returns None when it is partitioned already."""
    if is_partitioned(cursor, table):
        return None
    pointing = referencing_keys(cursor, table)
    if pointing:
        raise ValueError(f"foreign keys point at {table}: {', '.join(pointing)}; partitioning would break them")
    old = f"{table}_unpartitioned"
    # Deferred foreign-key checks of rows written earlier in this transaction must run before their table
    # is dropped (PostgreSQL refuses to drop a table with pending trigger events).
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
    # What to create again on the new table, read before anything changes.
    cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                   "AND tablename = %s ORDER BY indexname", [table])
    indexes = cursor.fetchall()
    cursor.execute("SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = to_regclass(%s) AND contype IN ('p', 'f') ORDER BY conname", [table])
    constraints = cursor.fetchall()
    primary = [name for name, kind, _definition in constraints if kind == "p"]
    foreign = [(name, definition) for name, kind, definition in constraints if kind == "f"]
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    if sequence:
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
        last, called = cursor.fetchone()
        next_id = last + 1 if called else last
    else:
        next_id = 1
    cursor.execute(f'SELECT coalesce(max(id) + 1, 1), min(created_at) FROM "{table}"')
    after_max, oldest = cursor.fetchone()
    next_id = max(next_id, after_max)

    cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
    # LIKE copies the columns, NOT NULLs, defaults and check constraints; not the identity (not allowed on a
    # partitioned table in PostgreSQL 15), the indexes or the foreign keys, made below under their own names.
    cursor.execute(f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
                   f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE (created_at)")
    cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT')
    first = month_start(oldest.astimezone(tz).date()) if oldest else month_start(today)
    first = min(first, month_start(today))
    made = []
    month = first
    last_month = add_months(month_start(today), ahead)
    while month <= last_month:
        _create_month(cursor, month, tz, table)
        made.append(partition_name(month, table))
        month = add_months(month, 1)
    cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')
    rows = cursor.rowcount
    cursor.execute(f'DROP TABLE "{old}"')  # its indexes, constraints and identity sequence with it

    seq = f"{table}_id_seq"  # the identity's own name, so pg_get_serial_sequence and Django find it
    cursor.execute(f'CREATE SEQUENCE "{seq}" AS bigint OWNED BY "{table}".id')
    cursor.execute("SELECT setval(%s, %s, false)", [seq, next_id])
    cursor.execute(f"ALTER TABLE \"{table}\" ALTER COLUMN id SET DEFAULT nextval('\"{seq}\"'::regclass)")
    pkey = primary[0] if primary else f"{table}_pkey"
    cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{pkey}" PRIMARY KEY (id, created_at)')
    for name, definition in indexes:
        if name in primary:
            continue
        # "CREATE INDEX x ON public.t USING ..." on the parent makes one index per partition.
        cursor.execute(definition.replace(f" ON {_qualified(cursor, table)} ", f' ON "{table}" ', 1)
                       .replace(f" ON ONLY {_qualified(cursor, table)} ", f' ON "{table}" ', 1))
    for name, definition in foreign:
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    cursor.execute(f'ANALYZE "{table}"')
    return Conversion(rows=rows, partitions=made, next_id=next_id)


def _qualified(cursor, table: str) -> str:
    """How pg_indexes.indexdef names ``table`` (``public.appeals_appealevent``)."""
    cursor.execute("SELECT current_schema()")
    return f"{cursor.fetchone()[0]}.{table}"
