"""Every change in the deliberation hall. Each function is keyword-only, atomic, checks the actor's
permission again (deliberation.permissions) and the transition table (deliberation.lifecycle), and
writes a TopicEvent — the topic's public timeline — in the same transaction. Pages, the demo and the
sweep all come through here. A refused call raises before anything is written."""

import re
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import BadInput, InvalidTransition, NotAllowed
from core.text import clean_input, normalize
from deliberation import lifecycle, permissions
from deliberation.models import (
    MAX_COMMENT,
    MAX_TEXT,
    MAX_TITLE,
    VOTING_KINDS,
    Action,
    Ballot,
    Choice,
    Comment,
    CommentState,
    HallRules,
    Majority,
    Meeting,
    Origin,
    Participant,
    ParticipantKind,
    Rating,
    Residency,
    ResidencyStatus,
    SensitiveWord,
    Support,
    Task,
    TaskKind,
    TaskNote,
    Topic,
    TopicDemand,
    TopicEvent,
    TopicPhoto,
    TopicState,
    Unconfirmed,
    VoterRoll,
)
from orgs.models import Level

# Events the proposer and the supporters hear of (站内信); those only the proposer hears of.
NOTIFY_FOLLOWERS = {Action.DECIDE, Action.NOT_ADOPTED, Action.RATING_OPEN, Action.RATING_RESULT}
NOTIFY_PROPOSER = {Action.ACCEPT, Action.REJECT, Action.MERGE}
# A comment is conversation, not a web page: no markup, no scripts, no links.
HOSTILE = re.compile(
    r"<\s*/?\s*[a-z!]|javascript\s*:|https?://|www\.|\b[a-z0-9-]+\.(?:com|cn|net|org|top|xyz)\b", re.IGNORECASE
)
RATING_VALUES = ("satisfied", "basic", "unsatisfied")


def _now() -> datetime:
    return timezone.now()


def _text(value, what, limit: int, *, required: bool = True) -> str:
    value = clean_input(value or "").strip()
    if required and not value:
        raise BadInput(_("%(what)s is required.") % {"what": what})
    if len(value) > limit:
        raise BadInput(
            _("%(what)s may be at most %(n)s characters (it has %(has)s).")
            % {"what": what, "n": limit, "has": len(value)}
        )
    return value


def sensitive_words_in(text: str) -> list[str]:
    """The active sensitive words ``text`` contains, compared after normalisation (traditional and
    full-width forms, spaces between the characters)."""
    compact = "".join(normalize(text, mask=False).split()).lower()
    found = []
    for word in SensitiveWord.objects.filter(is_active=True).values_list("word", flat=True):
        if "".join(normalize(word, mask=False).split()).lower() in compact:
            found.append(word)
    return found


def _record(
    topic: Topic, *, action: str, actor=None, note: str = "", data: dict | None = None, public: bool = True
) -> TopicEvent:
    notify = action in NOTIFY_FOLLOWERS or action in NOTIFY_PROPOSER
    return TopicEvent.objects.create(
        topic=topic,
        created_at=_now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        note=note,
        data=data or {},
        public=public,
        delivery=TopicEvent.Delivery.PENDING if notify else TopicEvent.Delivery.NONE,
    )


def _locked(topic: Topic) -> Topic:
    return Topic.objects.select_for_update(of=("self",)).select_related("unit").get(pk=topic.pk)


def _move(topic: Topic, *, actor, action: str, note: str = "", data: dict | None = None, **changes) -> Topic:
    """Lock, check the table, apply ``changes``, save, write the event; ``topic`` follows the row."""
    locked = _locked(topic)
    target = lifecycle.check_transition(locked, action)
    locked.state = target
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.save()
    _record(locked, action=action, actor=actor, note=note, data=data)
    topic.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


# --- configuration ------------------------------------------------------------------------------------------


@transaction.atomic
def rules_save(
    *,
    actor,
    unit,
    quorum_percent: int,
    majority: str,
    weekly_limit: int,
    discussion_days: int,
    rating_days: int,
    online_voting: bool,
    unconfirmed_may: str = Unconfirmed.SPEAK,
) -> HallRules:
    """议事规则 of a village or community, set by its staff."""
    permissions.require_moderate(actor, unit)
    problems = []
    if not 1 <= int(quorum_percent) <= 100:
        problems.append(_("The quorum is a percentage from 1 to 100."))
    if majority not in Majority.values:
        problems.append(_("Choose a majority rule."))
    if unconfirmed_may not in Unconfirmed.values:
        problems.append(_("Choose what residents not yet confirmed may do."))
    for value, what in (
        (weekly_limit, _("The weekly limit")),
        (discussion_days, _("The days of discussion")),
        (rating_days, _("The days of rating")),
    ):
        if not 1 <= int(value) <= 365:
            problems.append(_("%(what)s must be from 1 to 365.") % {"what": what})
    if problems:
        raise BadInput("; ".join(str(p) for p in problems), details=problems)
    rules = HallRules.for_unit(unit)
    rules.quorum_percent, rules.majority, rules.weekly_limit = int(quorum_percent), majority, int(weekly_limit)
    rules.discussion_days, rules.rating_days, rules.online_voting = (
        int(discussion_days),
        int(rating_days),
        bool(online_voting),
    )
    rules.unconfirmed_may = unconfirmed_may
    rules.save()
    audit_record(
        actor=actor,
        verb="deliberation.rules.update",
        target=rules,
        data={
            "unit": unit.code,
            "quorum_percent": rules.quorum_percent,
            "majority": rules.majority,
            "weekly_limit": rules.weekly_limit,
            "online_voting": rules.online_voting,
            "unconfirmed_may": rules.unconfirmed_may,
        },
    )
    return rules


@transaction.atomic
def sensitive_word_save(*, actor, word: SensitiveWord) -> SensitiveWord:
    from orgs.permissions import may_administer_city

    if not may_administer_city(actor):
        raise NotAllowed(_("Only a city administrator may change the sensitive-word list."))
    word.word = _text(word.word, _("The word"), 40)
    created = word.pk is None
    word.save()
    audit_record(
        actor=actor,
        verb="deliberation.sensitive_word.create" if created else "deliberation.sensitive_word.update",
        target=word,
        data={"active": word.is_active},
    )
    return word


# --- residency ------------------------------------------------------------------------------------------------


@transaction.atomic
def residency_declare(*, actor, unit, address: str = "", resident=None) -> Residency:
    """A resident says which village or community they live in (or a grid worker records it for
    them). A move ends the earlier residency: one open at a time."""
    if unit is None or unit.level != Level.VILLAGE or not unit.is_active:
        raise BadInput(_("Choose the village or community (村/社区) you live in."))
    if resident is None:
        if not permissions.is_resident(actor):
            raise NotAllowed(_("Sign in as a resident to take part."))
        resident = actor
    elif not permissions.may_propose_for_resident(actor, unit):
        raise NotAllowed(_("Only a grid worker of %(unit)s may record its residents.") % {"unit": unit.name})
    if not getattr(resident, "is_resident", False):
        raise BadInput(_("Only a resident's account can be registered as living somewhere."))
    address = _text(address, _("The address"), 100, required=False)
    # A grid worker records what they know of their own residents: that is the community confirming it.
    by_staff = actor != resident
    current = Residency.objects.select_for_update().filter(resident=resident, ended_at__isnull=True).first()
    if current is not None and current.unit_id == unit.pk:
        fields = []
        if address and current.address != address:
            current.address = address
            fields.append("address")
        if by_staff and not current.is_confirmed:
            current.status, current.reviewed_by, current.reviewed_at = ResidencyStatus.CONFIRMED, actor, _now()
            fields += ["status", "reviewed_by", "reviewed_at"]
        if fields:
            current.save(update_fields=fields)
            permissions.forget_residency(resident)
            if "status" in fields:
                _audit_residency(actor, current, "deliberation.residency.confirm")
        return current
    if current is not None:
        current.ended_at = _now()
        current.save(update_fields=["ended_at"])
    residency = Residency.objects.create(
        resident=resident,
        unit=unit,
        address=address,
        recorded_by=actor if by_staff else None,
        status=ResidencyStatus.CONFIRMED if by_staff else ResidencyStatus.PENDING,
        reviewed_by=actor if by_staff else None,
        reviewed_at=_now() if by_staff else None,
    )
    permissions.forget_residency(resident)
    _audit_residency(actor, residency, "deliberation.residency.declare")
    return residency


def _audit_residency(actor, residency: Residency, verb: str, **data) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        target=residency,
        label=f"{residency.unit.name} #{residency.resident_id}",
        data={"unit": residency.unit.code, "resident": residency.resident_id, "status": residency.status, **data},
    )


def _pending_residency(actor, residency: Residency) -> Residency:
    permissions.require_moderate(actor, residency.unit)
    locked = Residency.objects.select_for_update(of=("self",)).select_related("unit").get(pk=residency.pk)
    if locked.ended_at is not None or locked.status != ResidencyStatus.PENDING:
        raise InvalidTransition(_("This declaration has been dealt with already."))
    return locked


@transaction.atomic
def residency_confirm(*, actor, residency: Residency) -> Residency:
    """The community's staff confirm that the resident lives there: from now on their supports, votes and
    ratings count whatever the community's rule for residents not yet confirmed."""
    residency = _pending_residency(actor, residency)
    residency.status, residency.reviewed_by, residency.reviewed_at = ResidencyStatus.CONFIRMED, actor, _now()
    residency.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    permissions.forget_residency(residency.resident)
    _audit_residency(actor, residency, "deliberation.residency.confirm")
    return residency


@transaction.atomic
def residency_reject(*, actor, residency: Residency, reason: str) -> Residency:
    """Not confirmed, with the reason the resident reads on their page. The declaration ends: the resident
    may declare again (the right community, or the same one with a better address)."""
    residency = _pending_residency(actor, residency)
    reason = _text(reason, _("The reason"), 200)
    now = _now()
    residency.status, residency.reviewed_by, residency.reviewed_at = ResidencyStatus.REJECTED, actor, now
    residency.review_reason, residency.ended_at = reason, now
    residency.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason", "ended_at"])
    permissions.forget_residency(residency.resident)
    _audit_residency(actor, residency, "deliberation.residency.reject", reason=reason)
    return residency


# --- 征集: proposals ---------------------------------------------------------------------------------------


def _check_photos(photos):
    from appeals.photos import check_photos  # the same checks as a demand's photos: size, count, real images

    return [TopicPhoto(image=p.image, content_type=p.content_type, size=p.size) for p in check_photos(photos)]


def _week_count(resident) -> int:
    return Topic.objects.filter(proposer=resident, created_at__gte=_now() - timedelta(days=7)).count()


@transaction.atomic
def topic_propose(
    *,
    actor,
    unit,
    title: str,
    description: str,
    location: str = "",
    photos=(),
    resident=None,
    monthly_topic=None,
    hotspot=None,
) -> Topic:
    """征集. Who proposes decides the origin: a resident of ``unit``; a grid worker for ``resident``; the
    community's staff themselves, or from a 每月一题 (``monthly_topic``, a dispatch MonthlyTopic the actor
    may see) or a 热点 cluster (``hotspot``: {"label", "appeal_ids"} from dispatch.hotspots), whose
    demands are linked. A text with a sensitive word waits for a person; otherwise it waits for review
    all the same (审核) — nothing is public before the community accepts it."""
    if unit is None or unit.level != Level.VILLAGE:
        raise BadInput(_("A topic belongs to a village or community (村/社区)."))
    proposer, origin, source_ref, source_label, demand_ids = None, Origin.COMMUNITY, "", "", []
    if permissions.is_resident(actor):
        permissions.require_resident_of(actor, unit, "propose")
        proposer, origin = actor, Origin.RESIDENT
    elif resident is not None:
        if not permissions.may_propose_for_resident(actor, unit):
            raise NotAllowed(_("Only a grid worker of %(unit)s may propose for its residents.") % {"unit": unit.name})
        if not permissions.lives_in(resident, unit):
            raise BadInput(_("This resident is not registered as living in %(unit)s.") % {"unit": unit.name})
        proposer, origin = resident, Origin.GRID_WORKER
    else:
        permissions.require_moderate(actor, unit)
        if monthly_topic is not None:
            from dispatch.topics import topic_appeals, topics_visible_to

            if not topics_visible_to(actor).filter(pk=monthly_topic.pk).exists():
                raise NotAllowed(_("This monthly topic is outside your scope."))
            origin, source_ref = Origin.MONTHLY_TOPIC, f"monthly_topic:{monthly_topic.pk}"
            source_label = f"{monthly_topic.period:%Y-%m} {monthly_topic.title}"[:120]
            demand_ids = list(topic_appeals(actor, monthly_topic).values_list("pk", flat=True))
        elif hotspot is not None:
            from appeals.selectors import appeals_visible_to

            origin, source_ref = Origin.HOTSPOT, str(hotspot.get("ref", "hotspot"))[:80]
            source_label = str(hotspot.get("label", ""))[:120]
            demand_ids = list(
                appeals_visible_to(actor).filter(pk__in=hotspot.get("appeal_ids") or []).values_list("pk", flat=True)
            )
            if not demand_ids:
                raise BadInput(_("The hot spot has no demands you may see."))
    title = _text(title, _("The title"), MAX_TITLE)
    description = _text(description, _("The description"), MAX_TEXT)
    location = _text(location, _("The place"), 100, required=False)
    if origin == Origin.RESIDENT or origin == Origin.GRID_WORKER:
        limit = HallRules.for_unit(unit).weekly_limit
        if _week_count(proposer) >= limit:
            raise BadInput(
                _("A resident may propose at most %(n)s topics a week; please try again later.") % {"n": limit}
            )
    checked = _check_photos(photos)
    held = sensitive_words_in(f"{title}\n{description}\n{location}")
    topic = Topic.objects.create(
        unit=unit,
        title=title,
        description=description,
        location=location,
        origin=origin,
        proposer=proposer,
        created_by=actor,
        source_ref=source_ref,
        source_label=source_label,
        held_words=held,
    )
    for photo in checked:
        photo.topic = topic
        photo.save()
    if demand_ids:
        TopicDemand.objects.bulk_create([TopicDemand(topic=topic, appeal_id=pk) for pk in demand_ids])
    _record(
        topic,
        action=Action.PROPOSE,
        actor=actor,
        data={"origin": origin, "demands": len(demand_ids), "source": source_label},
    )
    if held:
        # Which words is for the moderators only: the public timeline says no more than "held".
        _record(topic, action=Action.HOLD, data={"words": held}, public=False)
    return topic


@transaction.atomic
def topic_accept(*, actor, topic: Topic, note: str = "") -> Topic:
    """审核通过: published for discussion until the deadline the rules give."""
    permissions.require_moderate(actor, topic.unit)
    note = _text(note, _("The note"), 500, required=False)
    days = HallRules.for_unit(topic.unit).discussion_days
    return _move(
        topic,
        actor=actor,
        action=Action.ACCEPT,
        note=note,
        data={"days": days},
        discussion_deadline=_now() + timedelta(days=days),
    )


@transaction.atomic
def topic_reject(*, actor, topic: Topic, reason: str) -> Topic:
    """不予采纳, with the reason the proposer reads."""
    permissions.require_moderate(actor, topic.unit)
    reason = _text(reason, _("The reason"), 500)
    return _move(topic, actor=actor, action=Action.REJECT, note=reason, reject_reason=reason)


@transaction.atomic
def topic_merge(*, actor, topic: Topic, into: Topic, note: str = "") -> Topic:
    """合并 with a similar topic of the same community: its supporters and demands go with it."""
    permissions.require_moderate(actor, topic.unit)
    if into.pk == topic.pk or into.unit_id != topic.unit_id:
        raise BadInput(_("A topic merges into another topic of the same community."))
    if into.state not in (TopicState.PENDING, TopicState.DISCUSSION, TopicState.DELIBERATION):
        raise BadInput(_("The topic to merge into is no longer open."))
    note = _text(note, _("The note"), 500, required=False)
    moved = _move(
        topic,
        actor=actor,
        action=Action.MERGE,
        note=note,
        data={"into": into.pk, "title": into.title},
        merged_into=into,
    )
    target = _locked(into)
    Support.objects.bulk_create(
        [
            Support(topic=target, resident_id=pk)
            for pk in Support.objects.filter(topic=moved).values_list("resident_id", flat=True)
        ],
        ignore_conflicts=True,
    )
    if moved.proposer_id:
        Support.objects.bulk_create([Support(topic=target, resident_id=moved.proposer_id)], ignore_conflicts=True)
    TopicDemand.objects.bulk_create(
        [
            TopicDemand(topic=target, appeal_id=pk)
            for pk in TopicDemand.objects.filter(topic=moved).values_list("appeal_id", flat=True)
        ],
        ignore_conflicts=True,
    )
    _record(target, action=Action.MERGED_IN, actor=actor, data={"from": moved.pk, "title": moved.title})
    return moved


# --- 公示与讨论: support and comments ----------------------------------------------------------------------


def topic_support(*, actor, topic: Topic) -> bool:
    """附议: one per resident of the unit while discussion is open. True when counted now, False when
    this resident had supported already (a double tap, two tabs): the database's unique constraint
    decides, so concurrent clicks count once."""
    permissions.require_resident_of(actor, topic.unit, "support")
    if topic.state != TopicState.DISCUSSION:
        raise InvalidTransition(_("Support is open only while the topic is in public discussion."))
    if topic.discussion_deadline and _now() > topic.discussion_deadline:
        raise BadInput(
            _("The discussion closed on %(day)s; support is no longer counted.")
            % {"day": timezone.localtime(topic.discussion_deadline).strftime("%Y-%m-%d %H:%M")}
        )
    try:
        with transaction.atomic():
            Support.objects.create(topic=topic, resident=actor)
    except IntegrityError:
        return False
    return True


def _check_comment_text(text: str) -> str:
    text = _text(text, _("The comment"), MAX_COMMENT)
    if HOSTILE.search(text):
        raise BadInput(_("A comment may not contain links, web addresses or HTML code; write it as plain text."))
    return text


@transaction.atomic
def comment_post(*, actor, topic: Topic, text: str, parent: Comment | None = None) -> Comment:
    """评论, or a reply to a comment (one level). Residents of the unit and its staff write; a comment
    with a sensitive word is held for a moderator."""
    staff = permissions.may_moderate(actor, topic.unit)
    if not staff:
        permissions.require_resident_of(actor, topic.unit, "comment")
    if topic.state not in lifecycle.COMMENT_STATES:
        raise InvalidTransition(_("Comments are closed on this topic."))
    text = _check_comment_text(text)
    if parent is not None:
        if parent.topic_id != topic.pk:
            raise BadInput(_("The comment replied to is not on this topic."))
        if parent.parent_id is not None:
            parent = parent.parent  # one level: a reply to a reply joins the same thread
        if parent.state != CommentState.PUBLISHED:
            raise BadInput(_("The comment replied to is not published."))
    held = sensitive_words_in(text)
    return Comment.objects.create(
        topic=topic,
        parent=parent,
        author=actor,
        text=text,
        held_words=held,
        state=CommentState.HELD if held else CommentState.PUBLISHED,
    )


@transaction.atomic
def comment_moderate(*, actor, comment: Comment, publish: bool) -> Comment:
    """Publish a held comment, or hide one (屏蔽)."""
    permissions.require_moderate(actor, comment.topic.unit)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    comment.state = CommentState.PUBLISHED if publish else CommentState.HIDDEN
    comment.moderated_by = actor
    comment.save(update_fields=["state", "moderated_by"])
    audit_record(
        actor=actor,
        verb="deliberation.comment.publish" if publish else "deliberation.comment.hide",
        target=comment,
        label=f"#{comment.pk}",
        data={"topic": comment.topic_id},
    )
    return comment


# --- 议事会: the council meeting and the online ballot -------------------------------------------------------


def _aware(moment) -> datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@transaction.atomic
def topic_to_council(
    *,
    actor,
    topic: Topic,
    held_at: datetime,
    place: str,
    agenda: str,
    expected: int,
    online_vote_days: int | None = None,
) -> Meeting:
    """提交议事会: discussion ends; the meeting is set (date, place, agenda, members expected); with the
    community's online voting on, residents may vote for ``online_vote_days``."""
    permissions.require_moderate(actor, topic.unit)
    place = _text(place, _("The place"), 100)
    agenda = _text(agenda, _("The agenda"), MAX_TEXT)
    if held_at is None:
        raise BadInput(_("Give the meeting's date and time."))
    try:
        expected = int(expected)
    except (TypeError, ValueError):
        expected = 0
    if not 1 <= expected <= 10000:
        raise BadInput(_("Give the number of members expected (应到人数), at least 1."))
    changes = {}
    if online_vote_days:
        if not HallRules.for_unit(topic.unit).online_voting:
            raise BadInput(_("This community's rules do not provide for online voting."))
        if not 1 <= int(online_vote_days) <= 30:
            raise BadInput(_("An online vote lasts from 1 to 30 days."))
        now = _now()
        changes = {"vote_opens_at": now, "vote_closes_at": now + timedelta(days=int(online_vote_days))}
    moved = _move(
        topic,
        actor=actor,
        action=Action.CLOSE_DISCUSSION,
        data={"held_at": _aware(held_at).isoformat(), "place": place},
        **changes,
    )
    meeting = Meeting.objects.create(
        topic=moved, held_at=_aware(held_at), place=place, agenda=agenda, expected=expected
    )
    if changes:
        _record(moved, action=Action.OPEN_VOTE, actor=actor, data={"closes": changes["vote_closes_at"].isoformat()})
    return meeting


def _meeting_open(actor, meeting: Meeting) -> Meeting:
    permissions.require_moderate(actor, meeting.topic.unit)
    if meeting.topic.state != TopicState.DELIBERATION or meeting.passed is not None:
        raise InvalidTransition(_("The meeting's record is closed."))
    return meeting


@transaction.atomic
def participant_add(*, actor, meeting: Meeting, kind: str, name: str, organisation: str = "") -> Participant:
    _meeting_open(actor, meeting)
    if kind not in ParticipantKind.values:
        raise BadInput(_("Choose the kind of participant."))
    name = _text(name, _("The name"), 50)
    organisation = _text(organisation, _("The organisation"), 100, required=False)
    return Participant.objects.create(meeting=meeting, kind=kind, name=name, organisation=organisation)


@transaction.atomic
def participant_sign_in(*, actor, participant: Participant, present: bool = True) -> Participant:
    """签到 (or undo it, for a tick made in error, while the record is open)."""
    _meeting_open(actor, participant.meeting)
    participant.signed_in_at = _now() if present else None
    participant.save(update_fields=["signed_in_at"])
    return participant


def ballot_cast(*, actor, topic: Topic, choice: str) -> None:
    """网上表决: one vote per resident, within the period, secret (the roll and the ballot are not linked)."""
    permissions.require_resident_of(actor, topic.unit, "vote")
    if choice not in Choice.values:
        raise BadInput(_("Choose for, against or abstain."))
    now = _now()
    if (
        topic.state != TopicState.DELIBERATION
        or not topic.vote_opens_at
        or not (topic.vote_opens_at <= now <= topic.vote_closes_at)
    ):
        raise BadInput(_("The online vote on this topic is not open."))
    try:
        with transaction.atomic():
            VoterRoll.objects.create(topic=topic, voter=actor)
            Ballot.objects.create(topic=topic, choice=choice)
    except IntegrityError:
        raise BadInput(_("You have voted on this topic already; each resident votes once.")) from None


def ballot_tally(topic: Topic) -> dict[str, int]:
    counts = dict.fromkeys(Choice.values, 0)
    for row in Ballot.objects.filter(topic=topic).values("choice").annotate(n=Count("pk")):
        counts[row["choice"]] = row["n"]
    return counts


def meeting_result(
    *,
    expected: int,
    present: int,
    votes_for: int,
    votes_against: int,
    votes_abstain: int,
    online: dict[str, int],
    rules: HallRules,
) -> dict:
    """The tally under the community's rules: quorum on the members present, majority of all votes
    (present and online)."""
    quorum_met = present * 100 >= expected * rules.quorum_percent
    total_for = votes_for + online.get("for", 0)
    total = present + sum(online.values())
    if rules.majority == Majority.TWO_THIRDS:
        majority = total_for * 3 >= total * 2 and total_for > 0
    else:
        majority = total_for * 2 > total
    return {
        "quorum_met": quorum_met,
        "passed": bool(quorum_met and majority),
        "total_for": total_for,
        "total": total,
        "present": present,
    }


@transaction.atomic
def meeting_record(
    *, actor, topic: Topic, minutes: str, votes_for: int, votes_against: int, votes_abstain: int, decision: str = ""
) -> Meeting:
    """议事会记录 and 决议: the minutes and the tally under the rules; a topic carried is decided (its
    decision published, the proposer and supporters told), one not carried is not adopted."""
    permissions.require_moderate(actor, topic.unit)
    meeting = Meeting.objects.select_for_update().filter(topic=topic).first()
    if meeting is None:
        raise InvalidTransition(_("Send the topic to the council first."))
    _meeting_open(actor, meeting)
    minutes = _text(minutes, _("The minutes"), MAX_TEXT * 2)
    decision = _text(decision, _("The decision"), MAX_TEXT, required=False)
    try:
        votes = [int(v) for v in (votes_for, votes_against, votes_abstain)]
    except (TypeError, ValueError):
        raise BadInput(_("The votes are whole numbers.")) from None
    if any(v < 0 for v in votes):
        raise BadInput(_("The votes are whole numbers."))
    if topic.vote_closes_at and _now() < topic.vote_closes_at:
        raise BadInput(
            _("The online vote is open until %(when)s; record the result after it closes.")
            % {"when": timezone.localtime(topic.vote_closes_at).strftime("%Y-%m-%d %H:%M")}
        )
    present = meeting.participants.filter(kind__in=VOTING_KINDS, signed_in_at__isnull=False).count()
    if sum(votes) > present:
        raise BadInput(
            _("%(votes)s votes were counted but only %(present)s voting members signed in.")
            % {"votes": sum(votes), "present": present}
        )
    rules = HallRules.for_unit(topic.unit)
    online = ballot_tally(topic) if topic.vote_opens_at else {}
    result = meeting_result(
        expected=meeting.expected,
        present=present,
        votes_for=votes[0],
        votes_against=votes[1],
        votes_abstain=votes[2],
        online=online,
        rules=rules,
    )
    if result["passed"] and not decision:
        raise BadInput(_("The motion is carried: write the decision (决议) to publish."))
    meeting.minutes = minutes
    meeting.votes_for, meeting.votes_against, meeting.votes_abstain = votes
    meeting.quorum_met, meeting.passed = result["quorum_met"], result["passed"]
    meeting.rule = {"quorum_percent": rules.quorum_percent, "majority": rules.majority, "online": online}
    meeting.recorded_by = actor
    meeting.save()
    tally = {
        "for": votes[0],
        "against": votes[1],
        "abstain": votes[2],
        "present": present,
        "expected": meeting.expected,
        "online": online,
        "quorum_met": result["quorum_met"],
    }
    _record(topic, action=Action.MEETING, actor=actor, data=tally)
    if result["passed"]:
        _move(topic, actor=actor, action=Action.DECIDE, note=decision, decision=decision, decided_at=_now())
    else:
        _move(topic, actor=actor, action=Action.NOT_ADOPTED, note=decision, decision=decision, decided_at=_now())
    return meeting


# --- 执行: tasks ------------------------------------------------------------------------------------------------


def _department_for(topic: Topic, department):
    if department is None or not department.is_active:
        raise BadInput(_("Choose the department that must act."))
    if not topic.unit.path.startswith(department.unit.path):
        raise BadInput(
            _("%(department)s does not serve %(unit)s.") % {"department": department.name, "unit": topic.unit.name}
        )
    return department


@transaction.atomic
def task_add(
    *,
    actor,
    topic: Topic,
    title: str,
    kind: str,
    due_on: date,
    owner_name: str = "",
    owner=None,
    department=None,
    details: str = "",
    target=None,
) -> Task:
    """分解任务. A demand task files a demand (诉求) through appeals for the department that must act —
    dispatched to it at once when the actor may dispatch, else with the dispatchers, the department
    named — and follows it from then on; the topic's proposer is the demand's resident, who reads the
    reply and rates it. A target task is the community's part of a 民生实事 target (targets) that reaches
    the community and that the actor may see: it shows the target's progress and is done when the
    target is achieved, or when its owner marks the community's part done. A manual task is the
    community's own."""
    permissions.require_moderate(actor, topic.unit)
    lifecycle.check_transition(topic, Action.TASK)
    title = _text(title, _("The task"), 100)
    details = _text(details, _("The details"), 1000, required=False)
    if kind not in TaskKind.values:
        raise BadInput(_("Choose how the task is carried out."))
    if not isinstance(due_on, date):
        raise BadInput(_("Give the task's due date."))
    if due_on < timezone.localdate():
        raise BadInput(_("The due date is in the past."))
    appeal = progress = None
    if kind == TaskKind.DEMAND:
        department, target = _department_for(topic, department), None
        owner_name = department.name
        appeal = _file_demand(actor, topic, title, details, department, due_on)
    elif kind == TaskKind.TARGET:
        from targets.selectors import target_progress

        department, target = None, _target_for(actor, topic, target)
        progress = target_progress(target)
        owner_name = _text(owner_name or (str(owner) if owner else ""), _("The owner"), 100)
    else:
        department = target = None
        owner_name = _text(owner_name or (str(owner) if owner else ""), _("The owner"), 100)
    task = Task.objects.create(
        topic=topic,
        title=title,
        kind=kind,
        owner_name=owner_name,
        owner=owner,
        department=department,
        appeal=appeal,
        due_on=due_on,
        demand_state=appeal.state if appeal else "",
        target=target,
        target_seen=_progress_sign(progress) if progress else "",
    )
    data = {
        "task": task.pk,
        "title": title,
        "owner": owner_name,
        "due": due_on.isoformat(),
        "demand": appeal.code if appeal else "",
    }
    if target is not None:
        data |= _target_data(target, progress)
    _move(topic, actor=actor, action=Action.TASK, data=data)
    return task


def _target_for(actor, topic: Topic, target):
    """The 民生实事 target chosen, if it reaches the topic's community and the actor may see it."""
    from targets.selectors import targets_reaching

    if target is None:
        raise BadInput(_("Choose the 民生实事 target the task is part of."))
    found = targets_reaching(actor, topic.unit, year=target.year).filter(pk=target.pk).first()
    if found is None:
        raise BadInput(
            _("The 民生实事 target “%(target)s” does not reach %(unit)s, or is not one you may see.")
            % {"target": target.title, "unit": topic.unit.name}
        )
    return found


def _progress_sign(progress) -> str:
    return f"{progress.status}:{'' if progress.share is None else progress.share}"


def _target_data(target, progress) -> dict:
    """What the timeline keeps of a target's progress when it is told: the figures as they were then."""
    return {
        "target": target.title,
        "target_share": progress.share,
        "target_status": progress.status,
        "target_as_of": progress.as_of.isoformat() if progress.as_of else "",
    }


def _file_demand(actor, topic, title, details, department, due_on):
    from appeals import permissions as appeal_permissions
    from appeals.models import Action as AppealAction
    from appeals.models import AppealType, Channel
    from appeals.services import MAX_DESCRIPTION, Intake, appeal_create, appeal_dispatch

    text = _(
        "Decision of the council of %(unit)s on “%(topic)s”: %(decision)s\nTask: %(task)s\n%(details)s\n"
        "To be carried out by %(department)s by %(due)s."
    ) % {
        "unit": topic.unit.name,
        "topic": topic.title,
        "decision": topic.decision,
        "task": title,
        "details": details,
        "department": department.name,
        "due": due_on.isoformat(),
    }
    appeal = appeal_create(
        actor=actor,
        data=Intake(
            title=title,
            description=text[:MAX_DESCRIPTION],
            appeal_type=AppealType.SUGGESTION,
            channel=Channel.WEB,
            place=topic.unit,
            address=topic.location,
        ),
        resident=topic.proposer,
    )
    appeal.refresh_from_db()
    if appeal.state == "to_dispatch" and appeal_permissions.may(actor, AppealAction.DISPATCH, appeal):
        appeal_dispatch(actor=actor, appeal=appeal, target=department, note=_("Council decision task (议事决议任务)"))
    return appeal


# The tasks whose owner reports by hand: a target task too, since the community's part of a target (one
# canteen of the city's thirty) may be finished long before the target is.
NOTED_KINDS = (TaskKind.MANUAL, TaskKind.TARGET)


def _require_task_owner(actor, task: Task) -> None:
    if not (permissions.may_moderate(actor, task.topic.unit) or (task.owner_id and task.owner_id == actor.pk)):
        raise NotAllowed(_("Only the task's owner or the community's staff may report on it."))


@transaction.atomic
def task_note(*, actor, task: Task, text: str, photo=None) -> TaskNote:
    """进展: a manual task's progress, with a photo."""
    _require_task_owner(actor, task)
    if task.kind not in NOTED_KINDS:
        raise BadInput(_("A demand task reports itself: its progress is its demand's."))
    if task.done_at:
        raise InvalidTransition(_("The task is done."))
    text = _text(text, _("The progress note"), MAX_COMMENT)
    note = TaskNote(task=task, author=actor, text=text)
    if photo:
        checked = _check_photos([photo])[0]
        note.photo, note.photo_type = checked.image, checked.content_type
    note.save()
    _record(
        task.topic,
        action=Action.TASK_PROGRESS,
        actor=actor,
        note=text,
        data={"task": task.pk, "title": task.title, "photo": bool(photo)},
    )
    return note


@transaction.atomic
def task_done(*, actor, task: Task, note: str = "") -> Task:
    _require_task_owner(actor, task)
    if task.kind not in NOTED_KINDS:
        raise BadInput(_("A demand task is done when its demand is closed."))
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.done_at:
        return task
    note = _text(note, _("The note"), 500, required=False)
    task.done_at = _now()
    task.save(update_fields=["done_at"])
    _record(task.topic, action=Action.TASK_DONE, actor=actor, note=note, data={"task": task.pk, "title": task.title})
    _open_rating_if_done(task.topic)
    return task


DONE_DEMAND_STATES = ("closed",)
# The demand's states worth a line on the topic's timeline, and how residents read them.
DEMAND_STEP = {
    "to_dispatch": "to_dispatch",
    "to_accept": "dispatched",
    "handling": "handling",
    "replied": "replied",
    "closed": "closed",
}


@transaction.atomic
def task_sync(*, task: Task, state: str = "") -> bool:
    """A demand task follows its demand: each new state is a timeline event, closed is done. Called by
    the appeals signal with the state an event moved the demand to (so each step is told, even when
    several commit at once) and by the sweep with none (the demand's state now); idempotent. True when
    something changed."""
    task = Task.objects.select_for_update(of=("self",)).select_related("appeal", "topic").get(pk=task.pk)
    if task.appeal_id is None or task.done_at is not None:
        return False
    state = state or task.appeal.state
    if state == task.demand_state:
        return False
    task.demand_state = state
    fields = ["demand_state"]
    done_now = state in DONE_DEMAND_STATES and task.done_at is None
    if done_now:
        task.done_at = _now()
        fields.append("done_at")
    task.save(update_fields=fields)
    data = {
        "task": task.pk,
        "title": task.title,
        "demand": task.appeal.code,
        "state": state,
        "satisfaction": task.appeal.satisfaction or "",
    }
    _record(task.topic, action=Action.TASK_DONE if done_now else Action.TASK_PROGRESS, data=data)
    if done_now:
        _open_rating_if_done(task.topic)
    return True


@transaction.atomic
def task_follow_target(*, task: Task) -> bool:
    """A target task follows its 民生实事 target: a new status or share of the way is a timeline event,
    told once; the target achieved is the task done. Called by the sweep; idempotent. True when
    something changed."""
    from targets.selectors import target_progress

    task = Task.objects.select_for_update(of=("self",)).select_related("target", "topic").get(pk=task.pk)
    if task.target_id is None or task.done_at is not None:
        return False
    progress = target_progress(task.target)
    sign = _progress_sign(progress)
    if sign == task.target_seen:
        return False
    task.target_seen = sign
    fields = ["target_seen"]
    if progress.achieved:
        task.done_at = _now()
        fields.append("done_at")
    task.save(update_fields=fields)
    _record(
        task.topic,
        action=Action.TASK_DONE if progress.achieved else Action.TASK_PROGRESS,
        data={"task": task.pk, "title": task.title, **_target_data(task.target, progress)},
    )
    if progress.achieved:
        _open_rating_if_done(task.topic)
    return True


def tasks_sync_open() -> int:
    """The sweep's catch-up: every open demand task whose demand moved, every open target task whose
    target's progress changed."""
    from targets.selectors import target_progress

    changed = 0
    for task in Task.objects.filter(kind=TaskKind.DEMAND, done_at__isnull=True).select_related("appeal"):
        if task.appeal.state != task.demand_state:
            changed += task_sync(task=task)
    for task in Task.objects.filter(kind=TaskKind.TARGET, done_at__isnull=True).select_related("target"):
        if _progress_sign(target_progress(task.target)) != task.target_seen:
            changed += task_follow_target(task=task)
    return changed


def _open_rating_if_done(topic: Topic) -> None:
    topic = _locked(topic)
    if topic.state == TopicState.EXECUTING and not topic.tasks.filter(done_at__isnull=True).exists():
        _open_rating(topic, actor=None)


def _open_rating(topic: Topic, *, actor) -> Topic:
    days = HallRules.for_unit(topic.unit).rating_days
    now = _now()
    return _move(
        topic,
        actor=actor,
        action=Action.RATING_OPEN,
        data={"days": days},
        rating_opens_at=now,
        rating_closes_at=now + timedelta(days=days),
    )


@transaction.atomic
def topic_open_rating(*, actor, topic: Topic) -> Topic:
    """执行完毕: the staff open the rating when every task is done (it opens by itself when the last
    task is done)."""
    permissions.require_moderate(actor, topic.unit)
    if not topic.tasks.exists() or topic.tasks.filter(done_at__isnull=True).exists():
        raise InvalidTransition(_("Every task must be done before residents rate the execution."))
    return _open_rating(topic, actor=actor)


# --- 监督评议 ----------------------------------------------------------------------------------------------------


def rating_submit(*, actor, topic: Topic, value: str, comment: str = "") -> Rating:
    permissions.require_resident_of(actor, topic.unit, "rate")
    if value not in RATING_VALUES:
        raise BadInput(_("Choose satisfied, basically satisfied or unsatisfied."))
    now = _now()
    if topic.state != TopicState.RATING or not (topic.rating_opens_at <= now <= topic.rating_closes_at):
        raise BadInput(_("Rating of this topic is not open."))
    comment = _text(comment, _("The comment"), 500, required=False)
    if comment and HOSTILE.search(comment):
        raise BadInput(_("A comment may not contain links, web addresses or HTML code; write it as plain text."))
    try:
        with transaction.atomic():
            return Rating.objects.create(topic=topic, resident=actor, value=value, comment=comment)
    except IntegrityError:
        raise BadInput(_("You have rated this topic already.")) from None


def rating_counts(topic: Topic) -> dict[str, int]:
    counts = dict.fromkeys(RATING_VALUES, 0)
    for row in Rating.objects.filter(topic=topic).values("value").annotate(n=Count("pk")):
        counts[row["value"]] = row["n"]
    return counts


@transaction.atomic
def topic_publish_rating(*, actor, topic: Topic, now: datetime | None = None) -> Topic:
    """评议结果: after the period closes, the counts are published and the topic is complete. The
    sweep calls it as the system (actor None); staff may too."""
    if actor is not None:
        permissions.require_moderate(actor, topic.unit)
    now = now or _now()
    if topic.rating_closes_at and now < topic.rating_closes_at:
        raise InvalidTransition(
            _("Rating is open until %(when)s.")
            % {"when": timezone.localtime(topic.rating_closes_at).strftime("%Y-%m-%d %H:%M")}
        )
    counts = rating_counts(topic)
    total = sum(counts.values())
    rate = round((counts["satisfied"] + counts["basic"]) * 100 / total) if total else None
    return _move(
        topic, actor=actor, action=Action.RATING_RESULT, data={**counts, "total": total, "rate": rate}, closed_at=now
    )


def ratings_publish_due(*, now: datetime | None = None) -> int:
    now = now or _now()
    done = 0
    for topic in Topic.objects.filter(state=TopicState.RATING, rating_closes_at__lt=now).select_related("unit"):
        topic_publish_rating(actor=None, topic=topic, now=now)
        done += 1
    return done
