"""议事协商: a village's or community's deliberation hall. A topic goes from a proposal (征集) through
review (审核), public discussion and support (公示与讨论), the council meeting (议事会) and its decision
(决议) to tasks carried out (执行) and residents' rating of the result (监督评议). Every step is an
event on the topic's public timeline (TopicEvent), which is also the notification outbox.

Links to other apps are link rows: a task's demand (appeals.Appeal, the lower app) and the demands a
热点 cluster or 每月一题 brought with it (TopicDemand); a 每月一题 is named by reference, never by a
foreign key into dispatch's tables."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MAX_TITLE = 60
MAX_TEXT = 4000
MAX_COMMENT = 1000


class TopicState(models.TextChoices):
    PENDING = "pending", _("Awaiting review (待审核)")
    DISCUSSION = "discussion", _("Open for discussion (公示讨论)")
    DELIBERATION = "deliberation", _("Before the council (议事中)")
    DECIDED = "decided", _("Decided (已决议)")
    EXECUTING = "executing", _("Being carried out (执行中)")
    RATING = "rating", _("Residents rating (监督评议)")
    CLOSED = "closed", _("Completed (已办结)")
    NOT_ADOPTED = "not_adopted", _("Not adopted (未通过)")
    REJECTED = "rejected", _("Not accepted (不予采纳)")
    MERGED = "merged", _("Merged (已合并)")


# Shown to the public: everything a resident may read. A topic awaiting review, refused or merged is
# seen by its proposer and the community's staff only.
PUBLIC_STATES = (
    TopicState.DISCUSSION,
    TopicState.DELIBERATION,
    TopicState.DECIDED,
    TopicState.EXECUTING,
    TopicState.RATING,
    TopicState.CLOSED,
    TopicState.NOT_ADOPTED,
)


class Origin(models.TextChoices):
    RESIDENT = "resident", _("A resident (居民提议)")
    GRID_WORKER = "grid_worker", _("A grid worker for a resident (网格员代提)")
    COMMUNITY = "community", _("The community (社区提出)")
    HOTSPOT = "hotspot", _("A hot spot of demands (热点诉求)")
    MONTHLY_TOPIC = "monthly_topic", _("One topic a month (每月一题)")


class Majority(models.TextChoices):
    HALF = "half", _("More than half of those present (过半数)")
    TWO_THIRDS = "two_thirds", _("At least two thirds of those present (三分之二以上)")


class Unconfirmed(models.TextChoices):
    """What a resident whose residency the community has not confirmed yet may do (HallRules)."""

    ALL = "all", _("Everything, as a confirmed resident (不限制)")
    SPEAK = "speak", _("Propose and comment; support, vote and rate once confirmed (确认后附议、表决、评议)")
    READ = "read", _("Only read until confirmed (确认后参与)")


# What counts in a tally: under the default rule, only confirmed residents do it.
COUNTED_ACTS = ("support", "vote", "rate")


class HallRules(models.Model):
    """议事规则 of one village or community, set by its staff: quorum, majority, how many topics a
    resident may propose a week, how long discussion and rating last, whether residents vote online.
    A unit without a row follows the defaults (``for_unit``)."""

    unit = models.OneToOneField(
        "orgs.Unit", verbose_name=_("village / community"), on_delete=models.CASCADE, related_name="+"
    )
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum (% of members present)"),
        default=67,
        help_text=_("The share of the expected participants who must be present for a vote to count."),
    )
    majority = models.CharField(_("majority rule"), max_length=12, choices=Majority.choices, default=Majority.HALF)
    weekly_limit = models.PositiveSmallIntegerField(_("topics a resident may propose a week"), default=3)
    discussion_days = models.PositiveSmallIntegerField(_("days of public discussion"), default=14)
    rating_days = models.PositiveSmallIntegerField(_("days residents have to rate"), default=14)
    online_voting = models.BooleanField(_("residents may vote online"), default=False)
    unconfirmed_may = models.CharField(
        _("residents not yet confirmed may"), max_length=8, choices=Unconfirmed.choices, default=Unconfirmed.SPEAK
    )

    class Meta:
        verbose_name = _("deliberation rules")
        verbose_name_plural = _("deliberation rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_percent__gte=1, quorum_percent__lte=100), name="deliberation_rules_quorum_percent"
            ),
            models.CheckConstraint(
                condition=Q(discussion_days__gte=1, rating_days__gte=1, weekly_limit__gte=1),
                name="deliberation_rules_positive",
            ),
        ]

    def __str__(self):
        return str(self.unit)

    @classmethod
    def for_unit(cls, unit) -> "HallRules":
        return cls.objects.filter(unit=unit).first() or cls(unit=unit)

    def unconfirmed_may_do(self, act: str) -> bool:
        """May a resident whose residency is not confirmed yet ``act`` (propose, comment, support, vote, rate)?"""
        if self.unconfirmed_may == Unconfirmed.ALL:
            return True
        return self.unconfirmed_may == Unconfirmed.SPEAK and act not in COUNTED_ACTS


class SensitiveWord(models.Model):
    """A word or phrase that holds a proposal or a comment for a person to read before it is shown."""

    word = models.CharField(_("word"), max_length=40, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("sensitive word")
        verbose_name_plural = _("sensitive words")
        ordering = ["word"]

    def __str__(self):
        return self.word


class ResidencyStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the community to confirm (待确认)")
    CONFIRMED = "confirmed", _("Confirmed by the community (已确认)")
    REJECTED = "rejected", _("Not confirmed (未确认)")


class Residency(models.Model):
    """A resident's village or community (居住登记): only its residents support, vote and rate its
    topics. Declared by the resident (then the community's staff confirm it or, with a reason the
    resident reads, do not) or recorded by a grid worker (confirmed as recorded); ended, never deleted.
    A declaration not confirmed is ended when it is refused, so the resident may declare again."""

    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="deliberation_residencies",
    )
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("village / community"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("building / address"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    since = models.DateTimeField(_("since"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    status = models.CharField(
        _("confirmation"), max_length=12, choices=ResidencyStatus.choices, default=ResidencyStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed or refused by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("confirmed or refused"), null=True, blank=True)
    review_reason = models.CharField(_("reason for not confirming"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("residency")
        verbose_name_plural = _("residencies")
        constraints = [
            models.UniqueConstraint(
                fields=["resident"], condition=Q(ended_at__isnull=True), name="deliberation_one_open_residency"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | (~Q(review_reason="") & Q(ended_at__isnull=False)),
                name="deliberation_residency_refused_with_reason",
            ),
        ]
        indexes = [models.Index(fields=["unit", "ended_at"], name="delib_residency_unit")]

    def __str__(self):
        return f"{self.resident} · {self.unit}"

    @property
    def is_confirmed(self) -> bool:
        return self.status == ResidencyStatus.CONFIRMED


class Topic(models.Model):
    """议题: one matter a village or community deliberates."""

    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("village / community"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=MAX_TITLE)
    description = models.TextField(_("description"), max_length=MAX_TEXT)
    location = models.CharField(_("the place it concerns"), max_length=100, blank=True)
    origin = models.CharField(_("proposed by"), max_length=16, choices=Origin.choices)
    # The resident it is proposed by (or for, when a grid worker typed it); empty for the community's own.
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliberation_topics",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("typed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # "monthly_topic:12" or "hotspot:2026-11-01..2026-11-30:3": where a topic from the demand data came from.
    source_ref = models.CharField(_("source"), max_length=80, blank=True)
    source_label = models.CharField(_("source"), max_length=120, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=TopicState.choices, default=TopicState.PENDING, db_index=True
    )
    # Words of the sensitive-word list the proposal contained: a person reads it before accepting.
    held_words = models.JSONField(_("sensitive words found"), default=list, blank=True)
    reject_reason = models.CharField(_("reason for not accepting"), max_length=500, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_topics",
    )
    discussion_deadline = models.DateTimeField(_("discussion until"), null=True, blank=True)
    vote_opens_at = models.DateTimeField(_("online vote opens"), null=True, blank=True)
    vote_closes_at = models.DateTimeField(_("online vote closes"), null=True, blank=True)
    decision = models.TextField(_("decision (决议)"), max_length=MAX_TEXT, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    rating_opens_at = models.DateTimeField(_("rating opens"), null=True, blank=True)
    rating_closes_at = models.DateTimeField(_("rating closes"), null=True, blank=True)
    closed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("topic (议题)")
        verbose_name_plural = _("topics (议题)")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["unit", "state"], name="delib_topic_unit_state")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(reject_reason=""), name="deliberation_rejected_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(state="merged") | Q(merged_into__isnull=False), name="deliberation_merged_has_target"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_public(self) -> bool:
        return self.state in PUBLIC_STATES


class TopicPhoto(models.Model):
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("image"), upload_to="deliberation/%Y/%m/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return self.image.name


class TopicDemand(models.Model):
    """A demand (诉求) the topic came from: a 热点 cluster's or a 每月一题's. appeals knows nothing of topics."""

    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="demand_links")
    appeal = models.ForeignKey("appeals.Appeal", verbose_name=_("demand"), on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("demand behind a topic")
        verbose_name_plural = _("demands behind topics")
        constraints = [models.UniqueConstraint(fields=["topic", "appeal"], name="deliberation_topic_demand_unique")]

    def __str__(self):
        return f"{self.topic_id} ← {self.appeal_id}"


class Support(models.Model):
    """附议: one per resident and topic, held by the database, so two clicks at once count once."""

    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="supports")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("supported"), auto_now_add=True)

    class Meta:
        verbose_name = _("support (附议)")
        verbose_name_plural = _("supports (附议)")
        constraints = [models.UniqueConstraint(fields=["topic", "resident"], name="deliberation_one_support")]

    def __str__(self):
        return f"{self.topic_id} · {self.resident_id}"


class CommentState(models.TextChoices):
    PUBLISHED = "published", _("Published")
    HELD = "held", _("Held for review (待审核)")
    HIDDEN = "hidden", _("Hidden by a moderator (已屏蔽)")


class Comment(models.Model):
    """A comment on a topic, or a reply to one (one level deep)."""

    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", verbose_name=_("reply to"), null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(_("text"), max_length=MAX_COMMENT)
    state = models.CharField(_("state"), max_length=12, choices=CommentState.choices, default=CommentState.PUBLISHED)
    held_words = models.JSONField(_("sensitive words found"), default=list, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["topic", "state", "created_at"], name="delib_comment_topic")]

    def __str__(self):
        return self.text[:30]


class Meeting(models.Model):
    """议事会: the council meeting that decides a topic, with its record and the tally."""

    topic = models.OneToOneField(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="meeting")
    held_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=100)
    agenda = models.TextField(_("agenda"), max_length=MAX_TEXT)
    expected = models.PositiveSmallIntegerField(_("members expected (应到)"))
    minutes = models.TextField(pgettext_lazy("council", "minutes"), max_length=MAX_TEXT * 2, blank=True)
    votes_for = models.PositiveIntegerField(pgettext_lazy("vote", "for"), default=0)
    votes_against = models.PositiveIntegerField(_("against"), default=0)
    votes_abstain = models.PositiveIntegerField(_("abstaining"), default=0)
    quorum_met = models.BooleanField(_("quorum met"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    # The rules in force when it voted, as they were: a later change of the rules does not rewrite it.
    rule = models.JSONField(_("rules applied"), default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("council meeting (议事会)")
        verbose_name_plural = _("council meetings (议事会)")
        constraints = [models.CheckConstraint(condition=Q(expected__gte=1), name="deliberation_meeting_expected")]

    def __str__(self):
        return f"{self.topic} · {self.held_at:%Y-%m-%d}"


class ParticipantKind(models.TextChoices):
    COMMITTEE = "committee", _("Two committees (两委)")
    REPRESENTATIVE = "representative", _("Residents' representative (居民代表)")
    PROPERTY = "property", _("Property company (物业)")
    DEPARTMENT = "department", _("Department (部门)")
    RESIDENT = "resident", _("Resident (居民)")
    OTHER = "other", _("Other (其他)")


# Those who vote at the meeting; the others attend and speak.
VOTING_KINDS = (ParticipantKind.COMMITTEE, ParticipantKind.REPRESENTATIVE, ParticipantKind.RESIDENT)


class Participant(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="participants"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ParticipantKind.choices)
    name = models.CharField(_("name"), max_length=50)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    signed_in_at = models.DateTimeField(_("signed in"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["kind", "pk"]

    def __str__(self):
        return self.name


class VoterRoll(models.Model):
    """Who has voted online on a topic (one vote each), kept apart from what they voted: the ballots
    (Ballot) carry no voter, no time and a random key, so the count can be checked and no one's vote read."""

    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="voters")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("voter"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        constraints = [models.UniqueConstraint(fields=["topic", "voter"], name="deliberation_one_vote")]

    def __str__(self):
        return f"{self.topic_id} · {self.voter_id}"


class Choice(models.TextChoices):
    FOR = "for", _("For (赞成)")
    AGAINST = "against", _("Against (反对)")
    ABSTAIN = "abstain", _("Abstain (弃权)")


class Ballot(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="ballots")
    choice = models.CharField(_("choice"), max_length=8, choices=Choice.choices)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")

    def __str__(self):
        return self.get_choice_display()


class TaskKind(models.TextChoices):
    DEMAND = "demand", _("A demand to a department (诉求)")
    MANUAL = "manual", _("Carried out by the community (社区自办)")
    TARGET = "target", _("Part of a 民生实事 target (民生实事)")


class Task(models.Model):
    """执行任务: a part of the decision, with an owner and a due date. A demand task's progress is its
    demand's state, read from appeals; a manual task's is its notes and the owner's mark of done."""

    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=TaskKind.choices)
    owner_name = models.CharField(_("owner"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (account)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("department that must act"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    appeal = models.OneToOneField(
        "appeals.Appeal", verbose_name=_("demand"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The demand's state as last seen (appeals.models.State): each change becomes a timeline event once.
    demand_state = models.CharField(_("demand's state"), max_length=16, blank=True)
    # A 民生实事 target (targets, the lower app) the task is part of: its progress is the target's.
    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("民生实事 target"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The target's progress as last told on the timeline ("status:share"): each change is told once.
    target_seen = models.CharField(_("target's progress as last told"), max_length=24, blank=True)
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(pgettext_lazy("task", "done"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="demand") | Q(appeal__isnull=False), name="deliberation_demand_task_has_demand"
            ),
            models.CheckConstraint(
                condition=~Q(kind="target") | Q(target__isnull=False), name="deliberation_target_task_has_target"
            ),
        ]
        indexes = [models.Index(fields=["done_at", "due_on"], name="delib_task_due")]

    def __str__(self):
        return self.title


class TaskNote(models.Model):
    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("progress"), max_length=MAX_COMMENT)
    photo = models.ImageField(_("photo"), upload_to="deliberation/tasks/%Y/%m/", blank=True)
    photo_type = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.text[:30]


class Rating(models.Model):
    """监督评议: a resident's judgement of how the decision was carried out, one each."""

    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="ratings")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="+"
    )
    # The same three grades as a demand's rating (appeals.models.Satisfaction).
    value = models.CharField(_("rating"), max_length=12)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("rated"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["topic", "resident"], name="deliberation_one_rating"),
            models.CheckConstraint(
                condition=Q(value__in=["satisfied", "basic", "unsatisfied"]), name="deliberation_rating_value"
            ),
        ]

    def __str__(self):
        return f"{self.topic_id} · {self.value}"


class Action(models.TextChoices):
    PROPOSE = "propose", _("Proposed (提出议题)")
    HOLD = "hold", _("Held for review: sensitive words (敏感词待审)")
    ACCEPT = "accept", _("Accepted and published (审核通过, 公示)")
    REJECT = "reject", _("Not accepted (不予采纳)")
    MERGE = "merge", _("Merged into another topic (合并)")
    MERGED_IN = "merged_in", _("Another topic merged into this one (并入)")
    CLOSE_DISCUSSION = "close_discussion", _("Sent to the council (提交议事会)")
    OPEN_VOTE = "open_vote", _("Online vote opened (开启网上表决)")
    MEETING = "meeting", _("Council meeting recorded (议事会记录)")
    DECIDE = "decide", _("Decision published (决议公布)")
    NOT_ADOPTED = "not_adopted", _("Not adopted by the council (未通过)")
    TASK = "task", _("Task set (分解任务)")
    TASK_PROGRESS = "task_progress", _("Task progress (任务进展)")
    TASK_DONE = "task_done", _("Task done (任务完成)")
    RATING_OPEN = "rating_open", _("Carried out; rating opened (执行完毕, 开始评议)")
    RATING_RESULT = "rating_result", _("Rating result published (评议结果公布)")


class TopicEvent(models.Model):
    """One step of a topic. Append-only; the public timeline, the audit trail and the notification
    outbox (``delivery``), claimed by a conditional UPDATE as appeals' events are."""

    class Delivery(models.TextChoices):
        NONE = "none", _("nothing to send")
        PENDING = "pending", _("to send")
        SENT = "sent", _("sent")

    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    public = models.BooleanField(_("shown on the public timeline"), default=True)
    delivery = models.CharField(max_length=8, choices=Delivery.choices, default=Delivery.NONE)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("topic event")
        verbose_name_plural = _("topic events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["delivery", "claimed_at"], name="delib_event_outbox")]

    def __str__(self):
        return f"{self.topic_id} · {self.action}"


class Notice(models.Model):
    """An in-site notice (站内信) to a resident or staff member about a topic they are part of."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(TopicEvent, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("text"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["event", "recipient"], name="deliberation_notice_once")]

    def __str__(self):
        return self.text[:40]
