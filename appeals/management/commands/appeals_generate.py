"""Generate synthetic appeals, with their events, spread over the past year: data for the KPI
benchmark and for trying the pages on a realistic volume; with ``--demo``, the demo's history instead.

``--demo`` (what ``make run`` uses) drives the real services as the demo city's staff, over working
hours, with returns, urging, extensions, overdue and unsatisfied demands (``appeals.demo``): slower
(about 1,500 demands in half a minute on SQLite), but every row is what the platform itself would
have written, and every demo login opens onto work.

Without ``--demo``:

This is test-data generation, so it deliberately bypasses appeals.services: going through the
services for a million appeals (a transaction, a row lock and a permission check per step) would
take hours. It writes rows in batches instead, shaped like the services would leave them (states,
clocks, on-time flags, ratings and one event per step): with PostgreSQL's COPY (ids taken from the
tables' sequences), which writes a million appeals and their five million events in a few
minutes, and with ``bulk_create`` on SQLite. Never run it against a production database: the
appeals it makes are fake.

Needs the org network (``manage.py seed_demo``). ``--seed`` makes a run repeatable.
"""

import json
import random
import secrets
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from appeals.demo import SUBJECTS, DemoHistory
from appeals.models import Action, Appeal, AppealEvent, AppealType, Channel, Satisfaction, State, Urgency
from appeals.services import CODE_ALPHABET, CODE_LENGTH, analysis_text
from core.errors import DomainError
from orgs.models import Department, Level, Unit

HOUR = timedelta(hours=1)
APPEAL_TYPES = list(AppealType.values)
CHANNELS = [Channel.HOTLINE, Channel.HOTLINE, Channel.WEB, Channel.API]
SATISFACTIONS = list(Satisfaction.values)
HANDLE_TIME = {Urgency.EMERGENCY: timedelta(hours=2), Urgency.UTILITIES: timedelta(hours=24),
               Urgency.ORDINARY: timedelta(days=9), Urgency.COMPLEX: timedelta(days=21)}


class _Values:
    """Attribute access to one appeal's column values while it is being made up."""

    def __init__(self, **values):
        self.__dict__.update(values)


class Command(BaseCommand):
    help = ("Generate N synthetic appeals with their events over the past year (test data; bypasses services). "
            "With --demo: the demo's history, through the services, as the demo's staff.")

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--days", type=int, default=365, help="spread over this many days up to now")
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing when there are appeals already (for `make run`'s demo).")
        parser.add_argument("--demo", action="store_true",
                            help="Replay the demo's history through the services as the demo's staff (seed_demo), "
                                 "in working hours, so that every demo login has work waiting.")

    def handle(self, *, count, days, batch, seed, if_empty=False, demo=False, **options):
        if count < 1 or batch < 1 or days < 1:
            raise CommandError("count, --batch and --days must be positive")
        if if_empty and Appeal.objects.exists():
            return
        if demo:
            return self.demo_history(count, days, seed)
        # Each appeal goes where a dispatcher would send it: the department of its kind in its own
        # county (the city's when the county has none), or its own township or village for what they
        # handle themselves.
        departments = list(Department.objects.filter(is_active=True).values_list("pk", "kind", "unit__path"))
        village_rows = list(Unit.objects.filter(is_active=True, level=Level.VILLAGE).values_list("pk", "path"))
        townships = dict(Unit.objects.filter(is_active=True, level=Level.TOWNSHIP).values_list("path", "pk"))
        places, self.place_departments, self.place_units = [], {}, {}
        by_chain: dict[tuple[str, str], dict[str, int]] = {}
        for pk, path in village_rows:
            codes = path.strip("/").split("/")
            city, county = codes[0] + "/", "/".join(codes[:2]) + "/"
            mine = by_chain.get((city, county))
            if mine is None:
                mine = by_chain[city, county] = {}
                for unit_path in (city, county):  # the county's department replaces the city's
                    mine.update({kind: d for d, kind, dept_path in departments if dept_path == unit_path})
            if mine:
                places.append(pk)
                self.place_departments[pk] = mine
                township = townships.get("/".join(codes[:3]) + "/")
                self.place_units[pk] = [pk] + ([township] if township else [])
        if not places:
            raise CommandError("No org network to spread appeals over: run `manage.py seed_demo` first.")
        self.rng = random.Random(seed)
        self.subjects = [(title, text, analysis_text(title, text), urgency, kind)
                         for title, text, urgency, kind in SUBJECTS]
        self.places = places
        self.now = timezone.now()
        self.span = timedelta(days=days).total_seconds()
        # Codes: consecutive numbers from a random start, written in the tracking-code alphabet, so a
        # run never repeats itself and meeting a real (random) code is as unlikely as for any code.
        self.next_code = secrets.randbelow(len(CODE_ALPHABET) ** CODE_LENGTH - count)

        started, done = time.monotonic(), 0
        while done < count:
            size = min(batch, count - done)
            with transaction.atomic():
                self.write_batch(size)
            done += size
            elapsed = time.monotonic() - started
            self.stdout.write(f"\r{done:>10,} / {count:,} appeals  {done / elapsed:,.0f}/s", ending="")
            self.stdout.flush()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"{count:,} appeals generated in {time.monotonic() - started:.1f} s"))

    def demo_history(self, count: int, days: int, seed: int | None) -> None:
        started = time.monotonic()
        history = DemoHistory(count=count, days=days, seed=seed)

        def progress(day):
            self.stdout.write(f"\r  {day:%Y-%m-%d}", ending="")
            self.stdout.flush()

        try:
            stopped = history.run(progress=progress)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write("")
        for reason, n in sorted(stopped.items()):
            self.stderr.write(f"  {n} demands stopped early: {reason}")
        counts = dict(Appeal.objects.order_by().values_list("state").annotate(n=Count("pk")))
        summary = ", ".join(f"{State(state).label} {n}" for state, n in sorted(counts.items()))
        self.stdout.write(self.style.SUCCESS(f"{count:,} demo appeals replayed through the services in "
                                             f"{time.monotonic() - started:.1f} s ({summary})"))

    def code(self) -> str:
        number, self.next_code = self.next_code, self.next_code + 1
        base = len(CODE_ALPHABET)
        chars = []
        for _position in range(CODE_LENGTH):
            number, digit = divmod(number, base)
            chars.append(CODE_ALPHABET[digit])
        return "".join(reversed(chars))

    def write_batch(self, size: int) -> None:
        made = [self.make_appeal() for _index in range(size)]
        if connection.vendor == "postgresql":
            self.copy_batch(made)
            return
        appeals = Appeal.objects.bulk_create([Appeal(**values) for values, _steps in made])
        AppealEvent.objects.bulk_create([
            AppealEvent(appeal_id=appeal.pk, created_at=at, actor_label="generated", action=action,
                        from_state=from_state, to_state=to_state, data=data)
            for appeal, (_values, steps) in zip(appeals, made, strict=True)
            for at, action, from_state, to_state, data in steps
        ])

    def copy_batch(self, made: list) -> None:
        """COPY both tables; every column the model has is written (its default when not set here)."""
        event_count = sum(len(steps) for _values, steps in made)
        with connection.cursor() as cursor:
            appeal_ids = self.reserve_ids(cursor, Appeal, len(made))
            event_ids = self.reserve_ids(cursor, AppealEvent, event_count)
            appeal_columns, appeal_defaults = self.columns(Appeal)
            with cursor.cursor.copy(self.copy_sql(Appeal, appeal_columns)) as copy:
                for pk, (values, _steps) in zip(appeal_ids, made, strict=True):
                    values["id"] = pk
                    copy.write_row([values.get(name, appeal_defaults[name]) for name in appeal_columns])
            event_columns, event_defaults = self.columns(AppealEvent)
            event_ids = iter(event_ids)
            with cursor.cursor.copy(self.copy_sql(AppealEvent, event_columns)) as copy:
                for pk, (_values, steps) in zip(appeal_ids, made, strict=True):
                    for at, action, from_state, to_state, data in steps:
                        row = {"id": next(event_ids), "appeal_id": pk, "created_at": at, "actor_label": "generated",
                               "action": action, "from_state": from_state, "to_state": to_state,
                               "data": json.dumps(data, ensure_ascii=False)}
                        copy.write_row([row.get(name, event_defaults[name]) for name in event_columns])

    @staticmethod
    def reserve_ids(cursor, model, count: int) -> list[int]:
        table, pk = model._meta.db_table, model._meta.pk.column
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [table, pk, count])
        return [row[0] for row in cursor.fetchall()]

    @staticmethod
    def columns(model) -> tuple[list[str], dict]:
        fields = model._meta.concrete_fields
        defaults = {}
        for field in fields:
            default = field.get_default()
            defaults[field.column] = json.dumps(default) if isinstance(default, dict | list) else default
        return [field.column for field in fields], defaults

    @staticmethod
    def copy_sql(model, columns: list[str]) -> str:
        quote = connection.ops.quote_name
        return f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"

    def make_appeal(self) -> tuple[dict, list]:
        """One appeal's column values and its steps, taken as far as they have got by now; last
        updated at its last step, as history is (so the KPI rollup does not see it as just changed)."""
        values, steps = self._make_appeal()
        values["updated_at"] = steps[-1][0]
        return values, steps

    def _make_appeal(self) -> tuple[dict, list]:
        rng, now = self.rng, self.now
        title, description, search_text, urgency, kind = rng.choice(self.subjects)
        created = now - timedelta(seconds=rng.random() * self.span)
        appeal = _Values(
            code=self.code(), appeal_type=rng.choice(APPEAL_TYPES), urgency=urgency, title=title,
            description=description, search_text=search_text, place_id=rng.choice(self.places),
            channel=rng.choice(CHANNELS), created_at=created, updated_at=now, state=State.TO_DISPATCH,
        )
        steps = [(created, Action.CREATE, "", State.TO_DISPATCH, {})]

        def step(at, action, to_state, data=None):
            steps.append((at, action, appeal.state, to_state, data or {}))
            appeal.state = to_state

        roll = rng.random()
        if roll < 0.02:
            at = created + HOUR * rng.uniform(0.2, 4)
            if at < now:
                step(at, Action.REJECT, State.REJECTED)
                appeal.closed_at, appeal.close_reason = at, "不属于政务服务范围"
            return appeal.__dict__, steps
        dispatched = created + HOUR * rng.uniform(0.1, 4)
        if dispatched > now:
            return appeal.__dict__, steps
        department = self.place_departments[appeal.place_id].get(kind) if kind else None
        if department is not None:
            appeal.assigned_department_id = department
            target = {"to_id": appeal.assigned_department_id, "to_kind": "department"}
        else:
            appeal.assigned_unit_id = rng.choice(self.place_units[appeal.place_id])
            target = {"to_id": appeal.assigned_unit_id, "to_kind": "unit"}
        appeal.dispatched_at, appeal.accept_due_at = dispatched, dispatched + 2 * HOUR
        appeal.due_at = dispatched + HANDLE_TIME[urgency]
        step(dispatched, Action.DISPATCH, State.TO_ACCEPT, target)

        accepted = dispatched + HOUR * rng.expovariate(1 / 1.2)
        if accepted > now:
            return appeal.__dict__, steps
        appeal.accepted_at, appeal.accepted_on_time = accepted, accepted <= appeal.accept_due_at
        step(accepted, Action.ACCEPT, State.HANDLING)
        if roll > 0.99:
            at = accepted + HOUR * rng.uniform(1, 48)
            if at < now:
                step(at, Action.WITHDRAW, State.WITHDRAWN)
                appeal.closed_at = at
            return appeal.__dict__, steps

        handle = HANDLE_TIME[urgency]
        replied = accepted + handle * rng.uniform(0.05, 1.15)
        if replied > now:
            appeal.is_overdue = appeal.due_at < now
            return appeal.__dict__, steps
        appeal.replied_at, appeal.reply = replied, "已联系相关单位处理完毕，感谢您的反映。"
        step(replied, Action.REPLY, State.REPLIED)
        on_time = replied <= appeal.due_at

        if rng.random() < 0.8:
            rated = replied + HOUR * rng.uniform(1, 72)
            if rated > now:
                return appeal.__dict__, steps
            satisfaction = rng.choices(SATISFACTIONS, weights=(70, 20, 10))[0]
            resolved = satisfaction != Satisfaction.UNSATISFIED and rng.random() < 0.95
            appeal.satisfaction, appeal.resolved, appeal.rated_at = satisfaction, resolved, rated
            step(rated, Action.RATE, State.REPLIED, {"satisfaction": satisfaction, "resolved": resolved})
            closed = rated
        else:
            closed = replied + timedelta(days=7, minutes=5)
            if closed > now:
                return appeal.__dict__, steps
        appeal.closed_at, appeal.closed_on_time = closed, on_time
        step(closed, Action.CLOSE, State.CLOSED)
        return appeal.__dict__, steps
