"""Generate synthetic appeals, with their events, spread over the past year: data for the KPI
benchmark and for trying the pages on a realistic volume.

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
from django.utils import timezone

from appeals.models import Action, Appeal, AppealEvent, AppealType, Channel, Satisfaction, State, Urgency
from appeals.services import CODE_ALPHABET, CODE_LENGTH, analysis_text
from orgs.models import Department, Level, Unit

# (title, description, urgency, department kind that handles it; "" for a matter the township or
# village deals with itself). Several wordings per matter, so the hot-spot page and the routing
# model see what residents write, not one sentence a thousand times.
LOCAL = ""
SUBJECTS = [
    ("小区供暖不热", "3号楼暖气一直不热，室温只有12度，请尽快处理。", Urgency.UTILITIES, "housing"),
    ("暖气不热", "家里暖气片是凉的，供热公司电话打不通，老人孩子受不了。", Urgency.UTILITIES, "housing"),
    ("自来水停水", "今天早上开始停水，没有提前通知。", Urgency.UTILITIES, "housing"),
    ("燃气泄漏", "楼道里有明显燃气味，请紧急处理。", Urgency.EMERGENCY, "housing"),
    ("物业不作为", "物业公司收了物业费，电梯坏了半个月没人修。", Urgency.ORDINARY, "housing"),
    ("路灯不亮", "小区门口路灯坏了一周，晚上出行不安全。", Urgency.ORDINARY, "urban_management"),
    ("垃圾清运不及时", "小区垃圾站三天没有清运，气味很大。", Urgency.ORDINARY, "urban_management"),
    ("占道经营", "菜市场门口商贩占道摆摊，车辆行人无法通行。", Urgency.ORDINARY, "urban_management"),
    ("违章建筑", "楼下住户私自在绿地上搭建彩钢房。", Urgency.COMPLEX, "urban_management"),
    ("噪音扰民", "附近工地夜间施工，噪音很大，影响休息。", Urgency.ORDINARY, "environment"),
    ("烧烤油烟扰民", "楼下烧烤店油烟直排，窗户都不敢开。", Urgency.ORDINARY, "environment"),
    ("河道有污水排放", "村边河道有工厂排放污水，水发黑发臭。", Urgency.COMPLEX, "environment"),
    ("医保报销咨询", "想咨询异地就医医保报销的办理流程。", Urgency.ORDINARY, "medical_insurance"),
    ("医保卡无法使用", "在药店刷医保卡显示异常，无法结算。", Urgency.ORDINARY, "medical_insurance"),
    ("养老金发放", "本月养老金未按时到账，请帮忙查询。", Urgency.ORDINARY, "hrss"),
    ("拖欠工资", "在工地干了三个月，老板拖欠农民工工资不给。", Urgency.COMPLEX, "hrss"),
    ("就业培训报名", "想报名参加政府组织的免费技能培训，去哪里报名？", Urgency.ORDINARY, "hrss"),
    ("家庭医生签约", "想给家里老人签约家庭医生，社区卫生服务站说名额满了。", Urgency.ORDINARY, "health"),
    ("医院挂号难", "市医院专家号总是挂不上，黄牛倒号严重。", Urgency.ORDINARY, "health"),
    ("疫苗接种咨询", "孩子该打疫苗了，社区卫生院说没有疫苗。", Urgency.ORDINARY, "health"),
    ("学校招生政策", "咨询今年小学入学的划片政策。", Urgency.ORDINARY, "education"),
    ("校外培训机构退费难", "培训机构关门，预交的学费退不回来。", Urgency.COMPLEX, "education"),
    ("低保申请", "家里生活困难，想申请低保，不知道需要什么材料。", Urgency.ORDINARY, "civil_affairs"),
    ("独居老人无人照料", "邻居独居老人腿脚不便，子女不在身边，希望社区帮忙。", Urgency.ORDINARY, "civil_affairs"),
    ("公交线路调整", "12路公交改线后小区附近没有站点，出行很不方便。", Urgency.ORDINARY, "transport"),
    ("出租车拒载", "火车站出租车拒载、不打表，乱要价。", Urgency.ORDINARY, "transport"),
    ("超市销售过期食品", "在超市买到过期的牛奶，商家拒绝退换。", Urgency.ORDINARY, "market_regulation"),
    ("健身器材损坏", "公园里的健身器材坏了很久，存在安全隐患。", Urgency.ORDINARY, "sports"),
    ("文化馆课程报名", "文化馆的书法公益课怎么报名？名额太少。", Urgency.ORDINARY, "culture_tourism"),
    ("道路破损", "村口道路塌陷，车辆通行困难。", Urgency.COMPLEX, LOCAL),
    ("楼道堆放杂物", "楼道里堆满杂物，消防通道被堵。", Urgency.ORDINARY, LOCAL),
    ("邻里纠纷", "楼上住户经常往楼下扔垃圾，沟通无果。", Urgency.ORDINARY, LOCAL),
]
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
    help = "Generate N synthetic appeals with their events over the past year (test data; bypasses services)."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--days", type=int, default=365, help="spread over this many days up to now")
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing when there are appeals already (for `make run`'s demo).")

    def handle(self, *, count, days, batch, seed, if_empty=False, **options):
        if count < 1 or batch < 1 or days < 1:
            raise CommandError("count, --batch and --days must be positive")
        if if_empty and Appeal.objects.exists():
            return
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
