"""Build the demo city's deliberation halls (顺城社区 in 榆次区 and 桃园社区 in 太谷区) through
deliberation.services and appeals.services: topics at every stage — awaiting review (one held for a
sensitive word), in discussion with supporters and threads (one comment held), before the council with
its participants, decided, carried out by demands to departments (one done, one still with the
department) and by the community (one overdue), in rating, completed, not accepted, not adopted — so
the whole path can be toured, and the demo community staff have moderation work. Run after seed_demo
and appeals_generate; ``--if-empty`` skips when there is any topic."""

import re
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from deliberation import services
from deliberation.models import SensitiveWord, Topic
from orgs import demo as orgs_demo
from orgs.models import Department, Unit

RESIDENT_PHONE = "139{:08d}"  # the demo residents of appeals_generate: 13900000001 …
# (community code, moderator, grid worker who proposes for residents, first resident number, residents,
#  department for demand tasks, dispatcher, that department's handler)
HALLS = [
    (
        "140702001001",
        "shuncheng_handler",
        "shuncheng_grid1",
        1,
        40,
        "140702-urban-management",
        "yuci_dispatcher",
        "yuci_urban_handler",
    ),
    (
        "140703001001",
        "taoyuan_grid",
        "taoyuan_grid",
        41,
        20,
        "140703-urban-management",
        "taigu_dispatcher",
        "taigu_urban_handler",
    ),
]
SENSITIVE = ["游行", "罢工", "暴力"]
# Residents who declared a community and wait for its staff to confirm it (居住确认): work for the tour.
PENDING_RESIDENTS = {"140702001001": (91, 92), "140703001001": (93, 94)}


class Command(BaseCommand):
    help = (
        "Build demo topics at every stage in two communities of the demo city. Run after seed_demo. Refuses "
        "to run with DEBUG off unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Skip when there is any topic.")
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                _(
                    "Refusing to build demo data with DEBUG off: it creates accounts with a published "
                    "password. Run it on a development machine (DEBUG=1), or pass --force."
                )
            )
        if options["if_empty"] and Topic.objects.exists():
            self.stdout.write(_("Skipped the demo deliberation: there are topics already."))
            return
        root = User.objects.filter(username=orgs_demo.SUPERUSER["username"], is_superuser=True).first()
        if root is None or not Unit.objects.filter(code=HALLS[0][0]).exists():
            raise CommandError(_("The demo city is missing: run “manage.py seed_demo” first."))
        with transaction.atomic():
            for word in SENSITIVE:
                if not SensitiveWord.objects.filter(word=word).exists():
                    services.sensitive_word_save(actor=root, word=SensitiveWord(word=word))
            made = 0
            for hall in HALLS:
                made += Hall(self, root, *hall).build(full=hall is HALLS[0])
        services.tasks_sync_open()
        from deliberation.notifications import deliver_pending

        deliver_pending()
        self.stdout.write(
            self.style.SUCCESS(_("Demo deliberation ready: %(n)s topics in two communities.") % {"n": made})
        )


def resident(number: int) -> User:
    """Demo resident ``number``, registered as any resident is (a code by SMS, then sign-in)."""
    from accounts.privacy import PRIVACY_NOTICE_VERSION
    from accounts.services import otp_request, otp_verify
    from accounts.sms import MemoryBackend
    from core.crypto import blind_index

    phone = RESIDENT_PHONE.format(number)
    user = User.objects.filter(phone_index=blind_index(phone)).first()
    if user is None:
        with override_settings(SMS_BACKEND="accounts.sms.MemoryBackend"):
            MemoryBackend.outbox.clear()
            otp_request(phone=phone)
            code = re.search(r"\d{6}", MemoryBackend.outbox[-1][1]).group()
            MemoryBackend.outbox.clear()
        user = otp_verify(phone=phone, code=code, consent_version=PRIVACY_NOTICE_VERSION)
    return user


class Hall:
    def __init__(self, command, root, code, moderator, grid_worker, first, count, department, dispatcher, handler):
        self.command, self.root = command, root
        self.unit = Unit.objects.get(code=code)
        self.staff = User.objects.get(username=moderator)
        self.grid_worker = User.objects.get(username=grid_worker)
        self.department = Department.objects.get(code=department)
        self.dispatcher = User.objects.get(username=dispatcher)
        self.handler = User.objects.get(username=handler)
        self.residents = []
        for number in range(first, first + count):
            user = resident(number)
            residency = services.residency_declare(actor=user, unit=self.unit, address=f"{number % 12 + 1}号楼")
            if not residency.is_confirmed:
                services.residency_confirm(actor=self.staff, residency=residency)
            self.residents.append(user)
        for number in PENDING_RESIDENTS.get(code, ()):
            services.residency_declare(actor=resident(number), unit=self.unit, address=f"{number % 12 + 1}号楼")
        self.next_proposer = 0
        self.made = 0

    # --- the steps ------------------------------------------------------------------------------------------
    def propose(self, title, description, location="", **kw):
        actor = kw.pop("actor", None)
        if actor is None:
            actor = self.residents[self.next_proposer % len(self.residents)]
            self.next_proposer += 1
        self.made += 1
        return services.topic_propose(
            actor=actor, unit=self.unit, title=title, description=description, location=location, **kw
        )

    def discuss(self, topic, supporters=12, comments=()):
        services.topic_accept(actor=self.staff, topic=topic)
        for user in self.residents[1 : supporters + 1]:
            services.topic_support(actor=user, topic=topic)
        first = None
        for i, text in enumerate(comments):
            made = services.comment_post(
                actor=self.residents[(i * 3 + 5) % len(self.residents)],
                topic=topic,
                text=text,
                parent=first if text.startswith("回复") else None,
            )
            first = first or made
        return topic

    def council(self, topic, *, expected=9, present=7, online_days=None):
        meeting = services.topic_to_council(
            actor=self.staff,
            topic=topic,
            held_at=timezone.now() + timedelta(days=3),
            place=f"{self.unit.name}议事厅",
            agenda=f"1. 提议人说明“{topic.title}”\n2. 物业及相关部门意见\n3. 讨论\n4. 表决",
            expected=expected,
            online_vote_days=online_days,
        )
        kinds = [
            "committee",
            "committee",
            "committee",
            "representative",
            "representative",
            "representative",
            "representative",
            "representative",
            "representative",
        ]
        for i, kind in enumerate(kinds[:expected]):
            p = services.participant_add(
                actor=self.staff,
                meeting=meeting,
                kind=kind,
                name=f"{'两委委员' if kind == 'committee' else '居民代表'}{i + 1}",
            )
            if i < present:
                services.participant_sign_in(actor=self.staff, participant=p)
        services.participant_add(
            actor=self.staff, meeting=meeting, kind="property", name="物业经理", organisation="晋中宜居物业公司"
        )
        topic.refresh_from_db()
        return topic

    def decide(self, topic, decision, votes=(6, 1, 0)):
        services.meeting_record(
            actor=self.staff,
            topic=topic,
            minutes="与会人员充分讨论，意见如下：多数代表支持，物业表示配合。",
            votes_for=votes[0],
            votes_against=votes[1],
            votes_abstain=votes[2],
            decision=decision,
        )
        topic.refresh_from_db()
        return topic

    def demand_task(self, topic, title, *, close: bool, reply="已按议事会决议完成。"):
        from appeals.services import appeal_accept, appeal_dispatch, appeal_rate, appeal_reply

        task = services.task_add(
            actor=self.staff,
            topic=topic,
            title=title,
            kind="demand",
            department=self.department,
            due_on=timezone.localdate() + timedelta(days=20),
        )
        appeal = task.appeal
        appeal_dispatch(actor=self.dispatcher, appeal=appeal, target=self.department)
        appeal_accept(actor=self.handler, appeal=appeal)
        if close:
            appeal_reply(actor=self.handler, appeal=appeal, text=reply)
            appeal_rate(actor=topic.proposer, appeal=appeal, satisfaction="satisfied")
        return task

    def manual_task(self, topic, title, *, done: bool, note="", due_days=10):
        task = services.task_add(
            actor=self.staff,
            topic=topic,
            title=title,
            kind="manual",
            owner_name="社区居委会",
            due_on=timezone.localdate() + timedelta(days=due_days),
        )
        if note:
            services.task_note(actor=self.staff, task=task, text=note)
        if done:
            services.task_done(actor=self.staff, task=task)
        return task

    def target_task(self, topic, title, target_title, *, note=""):
        """The community's part of a 民生实事 target of the demo city (targets_demo), when there is one."""
        from targets.selectors import targets_reaching

        target = targets_reaching(self.staff, self.unit).filter(title__contains=target_title).first()
        if target is None:
            return self.manual_task(topic, title, done=False, note=note, due_days=60)
        task = services.task_add(
            actor=self.staff,
            topic=topic,
            title=title,
            kind="target",
            target=target,
            owner_name="社区居委会",
            due_on=timezone.localdate() + timedelta(days=60),
        )
        if note:
            services.task_note(actor=self.staff, task=task, text=note)
        return task

    def rate(self, topic, values):
        topic.refresh_from_db()
        for user, value in zip(self.residents[2:], values, strict=False):
            services.rating_submit(
                actor=user, topic=topic, value=value, comment="" if value == "satisfied" else "希望后续加强维护"
            )

    # --- the halls ----------------------------------------------------------------------------------------------
    def build(self, *, full: bool) -> int:
        # 待审核: moderation work for the community staff, one held for a sensitive word.
        self.propose(
            "楼道堆放杂物影响消防通道",
            "3号楼各单元楼道长期堆放纸箱、旧家具，影响消防通道，建议统一清理并建立长效机制。",
            "3号楼",
        )
        self.propose("组织居民到区政府门前游行反映停车难", "停车太难了，建议大家一起去反映。", "小区大门")
        services.topic_propose(
            actor=self.grid_worker,
            unit=self.unit,
            resident=self.residents[7],
            title="为独居老人安装烟感报警器",
            description="网格走访中老人反映，希望社区为独居老人家中安装烟感报警器。",
            location="全社区",
        )
        self.made += 1
        # 公示讨论: support and threads, one comment held.
        charging = self.discuss(
            self.propose(
                "小区东门加装电动车充电桩",
                "电动车在楼道充电很危险，去年隔壁小区就发生过火灾。建议在东门空地加装集中充电桩，按次收费。",
                "东门空地",
            ),
            supporters=26 if full else 9,
            comments=[
                "支持！楼道充电太危险了。",
                "回复：同意，东门空地够大。",
                "建议收费不要太高。",
                "晚上充电的时候能不能有人巡查？",
            ],
        )
        services.comment_post(actor=self.residents[9], topic=charging, text="物业不作为，大家罢工不交物业费")
        if full:
            # 议事中: the meeting is set, most members signed in.
            elevator = self.discuss(
                self.propose(
                    "老旧小区加装电梯费用分摊",
                    "5号楼住户大多是老人，希望加装电梯，费用按楼层分摊，申请政府补贴。",
                    "5号楼",
                ),
                supporters=18,
                comments=["一楼住户也要出钱吗？", "回复：一楼可以少出或者不出。"],
            )
            self.council(elevator)
            # 已决议, tasks still to set.
            dance = self.decide(
                self.council(
                    self.discuss(
                        self.propose(
                            "广场舞音响音量与时段", "晚上广场舞音响太吵，影响休息，建议规定时段和音量。", "中心广场"
                        ),
                        supporters=15,
                        comments=["早上七点前也别放音乐。"],
                    )
                ),
                "广场舞活动时间为每天8:00-10:00、19:00-21:00，音量不超过60分贝，由社区志愿者轮值提醒。",
            )
            del dance
            # 执行中, part of a 民生实事 target: the task shows the city's progress on it.
            canteen = self.decide(
                self.council(
                    self.discuss(
                        self.propose(
                            "社区建老年助餐食堂",
                            "社区老人多，子女白天上班，中午吃饭成问题。建议在社区服务中心一楼建老年助餐食堂。",
                            "社区服务中心一楼",
                        ),
                        supporters=22,
                        comments=["希望价格实惠，能送餐上门。", "回复：行动不便的老人送餐很需要。"],
                    )
                ),
                "社区服务中心一楼改建为标准化社区食堂，纳入全市“建成20个标准化社区食堂”民生实事；"
                "社区负责场地改造与助餐对象登记。",
            )
            self.target_task(
                canteen, "社区服务中心一楼改建为标准化社区食堂", "社区食堂", note="场地已腾空，正在进行厨房改造。"
            )
            self.manual_task(canteen, "登记助餐对象", done=False, note="已登记78位老人。", due_days=30)
            # 未通过.
            self.decide(
                self.council(
                    self.discuss(
                        self.propose("拆除小区围墙开放通行", "建议拆除南侧围墙方便出行。", "南侧围墙"), supporters=4
                    )
                ),
                "",
                votes=(2, 4, 1),
            )
            # 不予采纳.
            rejected = self.propose("要求降低全市水价", "水费太贵了。")
            services.topic_reject(
                actor=self.staff,
                topic=rejected,
                reason="水价由市发改委按程序定价，不属于社区议事范围，已转12345热线反映。",
            )
        # 执行中: a decision carried out by demands to a department (one done, one with the department) and
        # by the community itself (one overdue: the supervisor's queue).
        lights = self.decide(
            self.council(
                self.discuss(
                    self.propose(
                        "修复并增设小区路灯",
                        "小区北侧道路路灯坏了好几盏，晚上很黑，老人出行不安全。建议维修并在拐角处增设路灯。",
                        "北侧道路",
                    ),
                    supporters=20 if full else 8,
                    comments=["拐角处确实需要一盏灯。"],
                )
            ),
            "维修北侧道路损坏路灯6盏，在两处拐角增设路灯2盏，由区城管局实施；社区负责施工期间的告知与安全提示。",
        )
        self.demand_task(lights, "维修北侧道路损坏路灯6盏", close=True, reply="6盏路灯已全部修复，经夜间巡查正常点亮。")
        self.demand_task(lights, "北侧道路拐角增设路灯2盏", close=False)
        overdue = self.manual_task(
            lights, "张贴施工告知并设置安全提示", done=False, note="已在北门张贴告知。", due_days=1
        )
        # Demo history: the notice was due a few days ago (the supervisor's 议事督办 queue shows it).
        type(overdue).objects.filter(pk=overdue.pk).update(due_on=timezone.localdate() - timedelta(days=3))
        # 监督评议: every task done, residents rating.
        bins = self.decide(
            self.council(
                self.discuss(
                    self.propose("垃圾分类亭改造", "垃圾分类亭破旧、夏天异味大，建议改造并加装洗手池。", "2号楼旁"),
                    supporters=14,
                )
            ),
            "改造2号楼旁垃圾分类亭，加装洗手池和除臭设备，由社区组织实施。",
        )
        self.manual_task(bins, "垃圾分类亭改造施工", done=True, note="施工完成，已加装洗手池。")
        self.rate(bins, ["satisfied", "satisfied", "basic", "unsatisfied", "satisfied"])
        # 已办结: the rating published.
        gym = self.decide(
            self.council(
                self.discuss(
                    self.propose("更新小区健身器材", "健身器材老化生锈，存在安全隐患，建议更新。", "中心广场"),
                    supporters=16,
                )
            ),
            "更换中心广场健身器材8件，由社区申请体彩公益金实施。",
        )
        self.manual_task(gym, "更换健身器材8件", done=True, note="新器材已安装验收。")
        self.rate(gym, ["satisfied"] * 7 + ["basic"] * 2 + ["unsatisfied"])
        gym.refresh_from_db()
        # Demo history: the rating period has passed, so the result is published.
        Topic.objects.filter(pk=gym.pk).update(rating_closes_at=timezone.now() - timedelta(minutes=1))
        gym.refresh_from_db()
        services.topic_publish_rating(actor=self.staff, topic=gym)
        return self.made
