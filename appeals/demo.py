"""The demo's history (``manage.py appeals_generate N --demo``): demands replayed through the real
services, as the demo city's own staff (orgs.demo) and a few registered residents, on working days
in working hours, so that every demo login opens onto work and the 三率 differ between departments.

Each demand follows a story — received, dispatched, sometimes returned (退单) and dispatched again,
accepted, sometimes urged (督办), given an extension (延期) or overdue, replied, rated, sometimes
unsatisfied and reopened (重办) — told as a generator that yields the moment of its next step. The
stories run interleaved in time order with the services' clock moved to each step's moment
(``Clock``), one transaction per simulated day, after which the notification outbox is delivered as
the sweep would have. A step planned after now has not happened yet: the demand stays where it is,
which is what fills the queues. ``--seed`` makes a run repeatable; only tracking codes differ.
"""

import heapq
import logging
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import reset_queries, transaction
from django.test.utils import override_settings
from django.utils import timezone

from appeals import notifications, services
from appeals.deadlines import add_working_time, calendar_exceptions, is_working_day, working_window
from appeals.models import AppealType, Channel, ExtensionRequest, Satisfaction, State, Urgency
from core.errors import DomainError

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

REPLIES = [
    "经核实，已安排工作人员到现场处理，问题已解决。感谢您的反映。",
    "已联系相关单位现场查看并完成整改，后续将加强日常巡查。",
    "您反映的情况属实，已责成责任单位限期整改，目前已处理完毕。",
    "已电话联系您说明有关政策和办理流程，如仍有疑问可拨打12345。",
    "经协调，相关单位已于近日完成维修，请您留意使用情况。",
]
SECOND_REPLIES = [
    "重办：再次到现场核实，已督促责任单位彻底整改，并电话回访确认。",
    "重办：已约见您当面沟通，问题已按您的意见重新处理。",
]
RETURN_REASON = "经核实，该事项不属于本单位职责范围，请重新派单。"
REJECT_REASON = "不属于政务服务范围，已告知来电人向有关单位反映。"
URGE_ANSWERS = ["已收到督办，已安排专人现场核实，预计三个工作日内办结。", "已联系诉求人说明进展，正在协调相关单位处理。",
                "已列入本周重点事项，办结后第一时间答复。"]
URGE_NOTES = ["群众多次来电反映，请加快办理并及时答复。", "该诉求临近办理时限，请抓紧办理。",
              "已超期，请说明原因并尽快办结。"]
EXTENSION_REASON = "涉及多个部门协调，需现场勘查后制定方案，申请延长办理期限。"
RATING_COMMENTS = {Satisfaction.UNSATISFIED: ["问题没有解决，只是打了个电话。", "答复敷衍，现场没人来看。"],
                   Satisfaction.BASIC: ["处理得有点慢。", ""], Satisfaction.SATISFIED: ["谢谢，处理很及时！", "", ""]}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐"
APPEAL_TYPES = ([AppealType.COMPLAINT] * 4 + [AppealType.HELP] * 3 + [AppealType.INQUIRY] * 2
                + [AppealType.SUGGESTION])
RESIDENTS = 80  # demo residents, phones 13900000001 … (obviously fake, like the staff's 1380000xxxx)
RESIDENT_PHONE = "139{:08d}"


class Clock:
    """Moves the services' clock (``django.utils.timezone.now``) to ``at`` while history is replayed.
    Needs no test library: the command runs it at ``make run``. Not thread-safe; a command is one thread."""

    def __init__(self):
        self.at: datetime | None = None

    def __enter__(self):
        self._real = timezone.now
        timezone.now = lambda: self.at or self._real()
        return self

    def __exit__(self, *exc):
        timezone.now = self._real
        return False


@dataclass
class Holder:
    """A department or unit with a demo handler, the places it serves and the matters it handles."""

    target: object  # orgs Department or Unit
    handler: object
    county: object | None  # None for the city's own departments
    places: list
    subjects: list
    weight: float
    # How well it works: chances that a resident is unhappy, that the reply is late.
    unsatisfied: float = 0.1
    late: float = 0.08
    name: str = field(default="")


class DemoHistory:
    def __init__(self, *, count: int, days: int, seed: int | None, now: datetime | None = None):
        self.count, self.days = count, days
        self.rng = random.Random(seed)
        self.now = now or timezone.now()
        self.stopped: Counter = Counter()
        self.residents: dict[int, object] = {}
        self.calendar = calendar_exceptions()

    # --- the cast ---------------------------------------------------------------------------------
    def load_cast(self) -> None:
        from accounts.models import User
        from orgs import demo
        from orgs.models import Level, Membership, Role, Unit

        users = {u.username: u for u in User.objects.filter(username__in=[s[0] for s in demo.STAFF], is_active=True)}
        if not users:
            raise DomainError("No demo staff: run `manage.py seed_demo` first.")
        self.users = users
        units = list(Unit.objects.filter(is_active=True))
        self.city = next(u for u in units if u.level == Level.CITY)
        counties = sorted((u for u in units if u.level == Level.COUNTY), key=lambda u: u.code)
        self.counties = counties

        def county_of(unit):
            return next((c for c in counties if unit.path.startswith(c.path)), None)

        def below(unit, levels):
            return sorted((u for u in units if u.path.startswith(unit.path) and u.level in levels), key=lambda u: u.code)

        memberships = list(Membership.objects.filter(user__in=users.values()).select_related(
            "user", "unit", "department__unit"))
        self.dispatchers, self.supervisors, self.grid_workers = {}, {}, []
        for m in memberships:
            place = m.unit or (m.department.unit if m.department_id else None)
            if m.role == Role.DISPATCHER:
                self.dispatchers[place.pk] = m.user
            elif m.role == Role.SUPERVISOR:
                self.supervisors[place.pk] = m.user
            elif m.role == Role.GRID_WORKER:
                self.grid_workers.append((m.user, m.unit))
        local = [s for s in SUBJECTS if s[3] == LOCAL]
        self.holders: list[Holder] = []
        for m in sorted((m for m in memberships if m.role == Role.HANDLER), key=lambda m: m.user.username):
            if m.department_id:
                department = m.department
                county = county_of(department.unit)
                subjects = [s for s in SUBJECTS if s[3] == department.kind]
                if not subjects:
                    continue
                places = below(county, (Level.VILLAGE, Level.GRID)) if county else [self.city]
                weight = 3.0 if county and county.code.startswith("140702") else (2.0 if county and
                                                                                    county.code.startswith("140703") else 1.0)
                holder = Holder(department, m.user, county, places, subjects, weight, name=department.name)
            else:
                unit = m.unit
                places = below(unit, (Level.VILLAGE, Level.GRID))
                holder = Holder(unit, m.user, county_of(unit), places, local, 1.5, name=unit.name)
            self.holders.append(holder)
        if not self.holders:
            raise DomainError("The demo staff has no handlers: run `manage.py seed_demo` first.")
        for holder in self.holders:
            holder.unsatisfied = self.rng.choice([0.02, 0.05, 0.08, 0.12, 0.18, 0.3])
            holder.late = self.rng.choice([0.02, 0.05, 0.1, 0.2])

    def dispatcher_for(self, place):
        county = next((c for c in self.counties if place.path.startswith(c.path)), None)
        return (self.dispatchers.get(county.pk) if county else None) or self.dispatchers.get(self.city.pk)

    def supervisor_for(self, place):
        county = next((c for c in self.counties if place.path.startswith(c.path)), None)
        return (self.supervisors.get(county.pk) if county else None) or self.supervisors.get(self.city.pk)

    def grid_worker_for(self, place):
        return next((user for user, unit in self.grid_workers if place.path.startswith(unit.path)), None)

    def resident(self, number: int):
        """Demo resident ``number``, registered as any resident is: a code by SMS, then sign-in."""
        from accounts.models import User
        from accounts.privacy import PRIVACY_NOTICE_VERSION
        from accounts.services import otp_request, otp_verify
        from accounts.sms import MemoryBackend
        from core.crypto import blind_index

        if number in self.residents:
            return self.residents[number]
        phone = RESIDENT_PHONE.format(number)
        user = User.objects.filter(phone_index=blind_index(phone)).first()
        if user is None:
            with override_settings(SMS_BACKEND="accounts.sms.MemoryBackend"):
                MemoryBackend.outbox.clear()
                otp_request(phone=phone)
                code = re.search(r"\d{6}", MemoryBackend.outbox[-1][1]).group()
                MemoryBackend.outbox.clear()
            # A demo resident agrees to the privacy notice, as a real one must before registering.
            user = otp_verify(phone=phone, code=code, consent_version=PRIVACY_NOTICE_VERSION)
        self.residents[number] = user
        return user

    # --- time ---------------------------------------------------------------------------------------
    def later(self, moment: datetime, hours: float) -> datetime:
        """``hours`` of working time after ``moment``: steps happen when offices are open. Like
        ``deadlines.add_working_time``, with the holiday calendar read once rather than per call."""
        tz = timezone.get_current_timezone()
        open_at, close_at = working_window()
        remaining = timedelta(hours=max(hours, 1 / 60))
        cursor = timezone.localtime(moment, tz).replace(tzinfo=None)
        day = cursor.date()
        for _n in range(3660):
            if is_working_day(day, self.calendar):
                begin = max(cursor, datetime.combine(day, open_at))
                close = datetime.combine(day, close_at)
                if begin < close:
                    if remaining <= close - begin:
                        return timezone.make_aware(begin + remaining, tz)
                    remaining -= close - begin
            day += timedelta(days=1)
            cursor = datetime.combine(day, open_at)
        raise ValueError("beyond ten years")

    def creation_times(self) -> list[datetime]:
        tz = timezone.get_current_timezone()
        open_at, close_at = working_window()
        today = timezone.localtime(self.now, tz).date()
        days = [today - timedelta(days=n) for n in range(self.days, -1, -1)]
        days = [d for d in days if is_working_day(d, self.calendar)]
        earlier = today - timedelta(days=self.days + 1)
        while not days:  # a few days that are all holidays (国庆): the working day before them
            days = [earlier] if is_working_day(earlier, self.calendar) else []
            earlier -= timedelta(days=1)
        seconds = (datetime.combine(today, close_at) - datetime.combine(today, open_at)).total_seconds()
        moments = []
        while len(moments) < self.count:
            day = self.rng.choice(days)
            at = timezone.make_aware(datetime.combine(day, open_at) + timedelta(seconds=self.rng.random() * seconds), tz)
            if at < self.now - timedelta(minutes=5):
                moments.append(at)
        return sorted(moments)

    # --- the plan -----------------------------------------------------------------------------------
    def plan(self) -> list[dict]:
        """Who each demand goes to and where it comes from. The newest go round the counties and stay
        waiting for a dispatcher; those of the last days go round every handler and every grid, so
        each demo login has work; the rest are drawn by weight."""
        rng = self.rng
        times = self.creation_times()
        weights = [h.weight for h in self.holders]
        plans = [{"at": at, "holder": rng.choices(self.holders, weights)[0]} for at in times]
        waiting = [holder for county in [*self.counties, None]
                   for holder in [next((h for h in self.holders if h.county == county), None)] if holder] * 2
        for plan, holder in zip(reversed(plans), waiting, strict=False):
            plan["holder"], plan["wait"] = holder, True
        # The newest demands (after those still waiting) go round the grids and the handlers, and are
        # handled without haste, so that each demo login has some of them open.
        grid_quota = [(user, unit) for user, unit in self.grid_workers for _n in range(2)]
        quota = [h for h in self.holders for _n in range(2)]
        rng.shuffle(quota)
        recent = [p for p in reversed(plans) if not p.get("wait")][:len(grid_quota) + len(quota)]
        for plan, (user, unit) in zip(recent, grid_quota, strict=False):
            serving = [h for h in self.holders if any(p.path.startswith(unit.path) for p in h.places)]
            if serving:
                plan["holder"], plan["grid"], plan["slow"] = rng.choice(serving), (user, unit), True
        for plan, holder in zip(recent[len(grid_quota):], quota, strict=False):
            plan["holder"], plan["slow"] = holder, True
        # And each supervisor has some of them urged (督办) while they are being handled.
        for county in [*self.counties, None]:
            if (county.pk if county else self.city.pk) in self.supervisors:
                mine = [p for p in recent if county is None or p["holder"].county == county]
                for plan in mine[-3:]:  # three: one may be refused, withdrawn or moved past now
                    plan["urge"] = True
        for plan in plans:
            holder = plan["holder"]
            unhurried = [s for s in holder.subjects if s[2] in (Urgency.ORDINARY, Urgency.COMPLEX)]
            plan["subject"] = rng.choice(unhurried if plan.get("slow") and unhurried else holder.subjects)
            if "grid" in plan:
                user, unit = plan["grid"]
                plan["place"], plan["recorder"], plan["channel"] = unit, user, Channel.GRID_VISIT
            else:
                plan["place"] = rng.choice(holder.places)
                plan["channel"] = rng.choice([Channel.HOTLINE, Channel.HOTLINE, Channel.WEB])
                plan["recorder"] = None
            roll = rng.random()
            plan["resident"] = None if roll < 0.1 else rng.randrange(1, RESIDENTS + 1)
            if plan["channel"] == Channel.WEB and plan["resident"] is None:
                plan["channel"] = Channel.HOTLINE
        return plans

    # --- one demand's story ---------------------------------------------------------------------------
    def story(self, plan: dict):
        """Yields the moment of each next step; performs the step when resumed."""
        rng, holder, place = self.rng, plan["holder"], plan["place"]
        title, description, urgency, _kind = plan["subject"]
        dispatcher = self.dispatcher_for(place)
        resident = self.resident(plan["resident"]) if plan["resident"] else None
        recorder = plan["recorder"] or (resident if plan["channel"] == Channel.WEB else dispatcher)
        name = rng.choice(SURNAMES) + rng.choice(["先生", "女士"])
        appeal = services.appeal_create(actor=recorder, resident=resident, data=services.Intake(
            title=title, description=description, appeal_type=rng.choice(APPEAL_TYPES), channel=plan["channel"],
            place=place, contact_name=name, urgency=urgency,
            contact_phone=resident.phone if resident and plan["channel"] != Channel.WEB else ""))
        if plan.get("wait") or dispatcher is None:
            return
        if rng.random() < 0.02:
            yield self.later(plan["at"], rng.uniform(0.3, 2))
            services.appeal_reject(actor=dispatcher, appeal=appeal, reason=REJECT_REASON)
            return
        moment = self.later(plan["at"], rng.uniform(0.2, 3))
        if rng.random() < 0.07:  # sent to the wrong department first, which returns it (退单)
            wrong = [h for h in self.holders if h is not holder and h.county == holder.county
                     and h.target.__class__ is holder.target.__class__]
            if wrong:
                other = rng.choice(wrong)
                yield moment
                if appeal.state != State.TO_DISPATCH:  # dispatched automatically meanwhile
                    return
                services.appeal_dispatch(actor=dispatcher, appeal=appeal, target=other.target)
                yield self.later(moment, rng.uniform(0.5, 4))
                services.appeal_return(actor=other.handler, appeal=appeal, reason=RETURN_REASON)
                moment = self.later(self.clock.at, rng.uniform(1, 8))
        yield moment
        if appeal.state != State.TO_DISPATCH:
            return
        services.appeal_dispatch(actor=dispatcher, appeal=appeal, target=holder.target)
        late_accept = rng.random() < 0.05
        yield self.later(moment, rng.uniform(3, 8) if late_accept else rng.expovariate(1 / 0.8))
        services.appeal_accept(actor=holder.handler, appeal=appeal)
        yield from self.handling(appeal, holder, resident, first=True, slow=plan.get("slow", False),
                                 urge=plan.get("urge", False))

    def handling(self, appeal, holder: Holder, resident, *, first: bool, slow: bool = False, urge: bool = False):
        rng = self.rng
        started = self.clock.at
        due = appeal.due_at
        span = max(due - started, timedelta(minutes=30))
        supervisor = self.supervisor_for(appeal.place)
        if first and resident is not None and rng.random() < 0.01:
            yield self.later(started, rng.uniform(2, 20))
            services.appeal_withdraw(actor=resident, appeal=appeal, reason="问题已自行解决。")
            return
        late = rng.random() < holder.late
        soon = urge  # planned: urged within hours of being accepted
        # Not extended as well: the extension's request would come first and, planned after now, would leave
        # the supervisor's planned 督办 unmade (taigu_supervisor opened onto nothing at 20:30).
        extend = (first and not late and not soon and appeal.urgency in (Urgency.ORDINARY, Urgency.COMPLEX)
                  and rng.random() < 0.07)
        urge = urge or rng.random() < (0.5 if late else 0.07)
        reply_at = self.later(started + span * (rng.uniform(0.6, 0.95) if slow else rng.uniform(0.1, 0.85)), 0)
        if late:
            reply_at = self.later(due, rng.uniform(2, 30))
        if extend and supervisor is not None:
            asked = self.later(started + span * rng.uniform(0.3, 0.6), 0)
            yield asked
            new_due = add_working_time(due, timedelta(hours=9 * rng.choice([3, 5])))
            request = services.appeal_request_extension(actor=holder.handler, appeal=appeal, new_due_at=new_due,
                                                        reason=EXTENSION_REASON)
            decided = self.later(asked, rng.uniform(1, 8))
            approve = rng.random() < 0.8
            yield decided
            services.appeal_decide_extension(actor=supervisor, request=request, approve=approve,
                                             note="同意延期。" if approve else "理由不充分，请按期办结。")
            appeal.refresh_from_db()
            if approve:
                reply_at = self.later(decided + (appeal.due_at - decided) * rng.uniform(0.3, 0.9), 0)
            else:
                reply_at = self.later(decided, rng.uniform(1, 16))
            due = appeal.due_at
            late = reply_at > due
        if late:  # the sweep flags it once the deadline has passed (超期)
            yield self.later(due, 0.02)
            services.appeal_mark_overdue(appeal=appeal, now=self.clock.at)
        if urge and supervisor is not None:
            urged = self.later(due, rng.uniform(0.5, 1.5)) if late else self.later(
                started + (reply_at - started) * rng.uniform(0.3, 0.8), 0)
            if soon:
                urged = min(urged, self.later(started, rng.uniform(0.5, 3)))
            if urged < reply_at:
                yield urged
                appeal.refresh_from_db()
                urge_row = services.appeal_urge(actor=supervisor, appeal=appeal,
                                                note=URGE_NOTES[2 if late else rng.randrange(2)])
                # Most handlers answer a 督办 (督办反馈) within hours; the rest show up as 督办超期.
                answered = self.later(urged, rng.uniform(1, 6))
                if rng.random() < 0.8 and answered < reply_at:
                    yield answered
                    services.appeal_urge_answer(actor=holder.handler, urge=urge_row, text=rng.choice(URGE_ANSWERS))
        yield reply_at
        appeal.refresh_from_db()
        services.appeal_reply(actor=holder.handler, appeal=appeal,
                              text=rng.choice(REPLIES if first else SECOND_REPLIES))
        if resident is None or rng.random() < 0.2:
            yield self.later(appeal.replied_at + timedelta(days=7), 0.1)  # the sweep closes it, unrated
            services.appeal_close_unrated(appeal=appeal)
            return
        yield self.later(appeal.replied_at, rng.uniform(1, 24))
        unhappy = holder.unsatisfied * (1 if first else 1.5) + (0.25 if late else 0)
        satisfaction = rng.choices(list(Satisfaction.values), weights=(1 - unhappy - 0.15, 0.15, unhappy))[0]
        services.appeal_rate(actor=resident, appeal=appeal, satisfaction=satisfaction,
                             comment=rng.choice(RATING_COMMENTS[satisfaction]))
        appeal.refresh_from_db()
        if appeal.state == State.HANDLING:  # 不满意 the first time: reopened (重办)
            yield from self.handling(appeal, holder, resident, first=False)

    # --- the run ------------------------------------------------------------------------------------
    def run(self, progress=None) -> Counter:
        self.load_cast()
        plans = self.plan()
        self.clock = Clock()
        queue: list = []
        for number, plan in enumerate(plans):
            queue.append((plan["at"], number, self.story(plan)))
        heapq.heapify(queue)
        done = 0
        tz = timezone.get_current_timezone()
        previous_level = logging.root.manager.disable
        logging.disable(logging.INFO)  # a thousand "SMS to …" lines from the outbox would bury the output
        try:
            # DEBUG keeps every query in memory: let go of them day by day (tens of thousands here). Not
            # DEBUG=False: the demo's SMS backend refuses to send without DEBUG, and every notification of
            # the demo's demands ended as given up.
            with self.clock:
                while queue and queue[0][0] <= self.now:  # what is planned after now has not happened yet
                    day = timezone.localtime(queue[0][0], tz).date()
                    with transaction.atomic():
                        while queue and timezone.localtime(queue[0][0], tz).date() == day:
                            at, number, story = heapq.heappop(queue)
                            if at > self.now:
                                continue  # not yet happened: the demand stays where it is
                            self.clock.at = at
                            try:
                                # A step planned before the one just taken (a later decision moved it)
                                # happens right after it instead: a story's clock only moves forward.
                                following = max(next(story), at)
                            except StopIteration:
                                done += 1
                                continue
                            except DomainError as exc:
                                self.stopped[type(exc).__name__ + ": " + str(exc.message)[:80]] += 1
                                continue
                            heapq.heappush(queue, (following, number, story))
                        notifications.deliver_all(now=self.clock.at)  # as the sweep would have, that day
                    reset_queries()
                    if progress:
                        progress(day)
        finally:
            logging.disable(previous_level)
        return self.stopped


def pending_extensions():
    return ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING)
