"""Every read of the deliberation hall, limited to what the reader may see: the public (any visitor)
reads public topics; staff read the topics of the units they moderate or oversee; residents also read
their own proposals whatever their state. Also the figures the 民生实事 targets read (indicators)."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from deliberation import permissions
from deliberation.models import (
    PUBLIC_STATES,
    Comment,
    CommentState,
    Rating,
    Residency,
    ResidencyStatus,
    Support,
    Task,
    TaskKind,
    Topic,
    TopicDemand,
    TopicEvent,
    TopicState,
    VoterRoll,
)
from orgs.models import Level, Unit
from orgs.selectors import scope_for

OPEN_FOR_MERGE = (TopicState.PENDING, TopicState.DISCUSSION, TopicState.DELIBERATION)


def with_counts(qs: QuerySet[Topic]) -> QuerySet[Topic]:
    return qs.select_related("unit").annotate(
        support_count=Count("supports", distinct=True),
        comment_count=Count("comments", filter=Q(comments__state=CommentState.PUBLISHED), distinct=True),
    )


def public_topics(*, unit: Unit | None = None) -> QuerySet[Topic]:
    qs = Topic.objects.filter(state__in=PUBLIC_STATES)
    if unit is not None:
        qs = qs.filter(unit=unit)
    return with_counts(qs)


def topics_visible_to_staff(user) -> QuerySet[Topic]:
    """The topics of the units ``user`` moderates or oversees."""
    if not getattr(user, "is_authenticated", False) or user.is_resident:
        return Topic.objects.none()
    ids = permissions.moderated_unit_ids(user)
    if ids is None:
        return Topic.objects.all()
    scope = scope_for(user, roles=permissions.OVERSEE_ROLES)
    if scope.everything:
        return Topic.objects.all()
    q = Q(unit_id__in=ids)
    for path in scope.unit_paths:
        q |= Q(unit__path__startswith=path)
    return Topic.objects.filter(q)


def topic_for_reader(user, pk: int) -> Topic | None:
    """A topic ``user`` may open: public, or their own proposal, or one their role reaches."""
    topic = Topic.objects.select_related("unit", "proposer", "merged_into", "meeting").filter(pk=pk).first()
    if topic is None:
        return None
    if topic.is_public or (getattr(user, "is_authenticated", False) and topic.proposer_id == user.pk):
        return topic
    if permissions.may_see_staff_page(user, topic):
        return topic
    return None


def units_moderated(user) -> QuerySet[Unit]:
    ids = permissions.moderated_unit_ids(user)
    qs = Unit.objects.filter(level=Level.VILLAGE, is_active=True)
    return qs if ids is None else qs.filter(pk__in=ids)


def units_with_topics() -> QuerySet[Unit]:
    return Unit.objects.filter(pk__in=Topic.objects.filter(state__in=PUBLIC_STATES).values("unit_id"))


THREADS_PER_PAGE = 50
# What a comment shows: its author's display name and kind, never their phone (decrypting it for each of
# two thousand authors was most of a long page's time).
COMMENT_FIELDS = [
    "topic_id",
    "parent_id",
    "text",
    "state",
    "held_words",
    "created_at",
    "author__display_name",
    "author__kind",
]


def _states(moderator: bool) -> list[str]:
    return [CommentState.PUBLISHED, CommentState.HELD] if moderator else [CommentState.PUBLISHED]


def _count(qs: QuerySet):
    return Coalesce(Subquery(qs.order_by().values("topic").annotate(n=Count("pk")).values("n")[:1]), 0)


def topic_facts(topic: Topic, *, reader=None, moderator: bool = False) -> dict:
    """What a topic page counts, in one query: its supporters, published comments, the threads the
    reader sees (for the pages), the demands behind it and, for a resident ``reader``, whether they
    have supported, voted and rated."""
    here = OuterRef("pk")
    annotations = {
        "n_supports": _count(Support.objects.filter(topic=here)),
        "n_comments": _count(Comment.objects.filter(topic=here, state=CommentState.PUBLISHED)),
        "n_threads": _count(Comment.objects.filter(topic=here, parent__isnull=True, state__in=_states(moderator))),
        "n_demands": _count(TopicDemand.objects.filter(topic=here)),
    }
    if reader is not None:
        annotations |= {
            "n_supported": Exists(Support.objects.filter(topic=here, resident=reader)),
            "n_voted": Exists(VoterRoll.objects.filter(topic=here, voter=reader)),
            "n_rated": Exists(Rating.objects.filter(topic=here, resident=reader)),
        }
    row = Topic.objects.filter(pk=topic.pk).values(**annotations).get()
    facts = {"supported": False, "voted": False, "rated": False}
    return facts | {key.removeprefix("n_"): value for key, value in row.items()}


def comments_for(
    topic: Topic, *, moderator: bool = False, page: int = 1, threads: int | None = None
) -> tuple[list[Comment], int]:
    """One page of a topic's threads, oldest first: published top-level comments, each with its
    published replies (a moderator also sees held ones), and the number of pages. Two queries
    whatever the number of comments, and one more when the number of threads is not given."""
    states = _states(moderator)
    tops = Comment.objects.filter(topic=topic, parent__isnull=True, state__in=states)
    pages = max(1, -(-(tops.count() if threads is None else threads) // THREADS_PER_PAGE))
    page = min(max(1, page), pages)
    replies = (
        Comment.objects.filter(state__in=states)
        .select_related("author")
        .only(*COMMENT_FIELDS)
        .order_by("created_at", "pk")
    )
    threads = list(
        tops.select_related("author")
        .only(*COMMENT_FIELDS)
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "pk")[(page - 1) * THREADS_PER_PAGE : page * THREADS_PER_PAGE]
    )
    return threads, pages


def held_comments(user) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(
            state=CommentState.HELD, topic__in=topics_visible_to_staff(user).filter(unit__in=units_moderated(user))
        )
        .select_related("topic", "author")
        .order_by("created_at")
    )


def moderation_queue(user) -> QuerySet[Topic]:
    return with_counts(Topic.objects.filter(state=TopicState.PENDING, unit__in=units_moderated(user))).order_by(
        "created_at"
    )


def timeline(topic: Topic, *, staff: bool = False) -> QuerySet[TopicEvent]:
    qs = topic.events.select_related("actor").order_by("created_at", "pk")
    return qs if staff else qs.filter(public=True)


def similar_topics(topic: Topic, *, limit: int = 5, threshold: float = 0.25) -> list[tuple[Topic, float]]:
    """Open topics of the same community that say nearly the same (dispatch's text similarity): the
    moderator's merge suggestions."""
    from dispatch.duplicates import similar

    candidates = list(
        Topic.objects.filter(unit=topic.unit, state__in=OPEN_FOR_MERGE)
        .exclude(pk=topic.pk)
        .order_by("-created_at")[:500]
    )
    by_pk = {t.pk: t for t in candidates}
    ranked = similar(
        f"{topic.title} {topic.description}",
        [(t.pk, f"{t.title} {t.description}") for t in candidates],
        limit=limit,
        threshold=threshold,
    )
    return [(by_pk[pk], score) for pk, score in ranked]


def task_progress(task: Task) -> dict:
    """How a task stands, for every reader: done or not, overdue, and for a demand task its demand's
    state as appeals names it."""
    today = timezone.localdate()
    info = {"done": task.done_at is not None, "overdue": task.done_at is None and task.due_on < today}
    if task.kind == TaskKind.DEMAND and task.appeal_id:
        appeal = task.appeal
        info |= {
            "state": appeal.get_state_display(),
            "code": appeal.code,
            "satisfaction": appeal.get_satisfaction_display() if appeal.satisfaction else "",
        }
    if task.target_id:
        from targets.selectors import target_progress

        info["target"] = target_progress(task.target)
    return info


def overdue_tasks_for(user, *, today: date | None = None) -> QuerySet[Task]:
    """督办: the tasks past their due date, not done, of the units the supervisor reaches."""
    today = today or timezone.localdate()
    if not permissions.may_supervise(user):
        return Task.objects.none()
    qs = Task.objects.filter(done_at__isnull=True, due_on__lt=today).select_related("topic__unit", "appeal", "target")
    if user.is_superuser:
        return qs.order_by("due_on")
    from orgs.models import Role

    scope = scope_for(user, roles=[Role.SUPERVISOR])
    q = Q(pk__in=[])
    for path in scope.unit_paths:
        q |= Q(topic__unit__path__startswith=path)
    return qs.filter(q).order_by("due_on")


def residents_of(unit: Unit):
    return Residency.objects.filter(unit=unit, ended_at__isnull=True).select_related("resident")


def residencies_to_confirm(user) -> QuerySet[Residency]:
    """居住确认: the declarations waiting in the communities ``user`` moderates, oldest first."""
    return (
        Residency.objects.filter(status=ResidencyStatus.PENDING, ended_at__isnull=True, unit__in=units_moderated(user))
        .select_related("resident", "unit", "recorded_by")
        .order_by("since", "pk")
    )


def residencies_decided(user) -> QuerySet[Residency]:
    """The declarations the staff of ``user``'s communities have confirmed or refused, latest first."""
    return (
        Residency.objects.filter(reviewed_at__isnull=False, unit__in=units_moderated(user))
        .select_related("resident", "unit", "reviewed_by")
        .order_by("-reviewed_at", "-pk")
    )


def latest_refusal(user) -> Residency | None:
    """The resident's declaration refused since their current one was made (or ever, without one): what
    their page tells them."""
    if not permissions.is_resident(user):
        return None
    refused = Residency.objects.filter(resident=user, status=ResidencyStatus.REJECTED).select_related("unit")
    current = permissions.residency_of(user)
    if current is not None:
        refused = refused.filter(reviewed_at__gt=current.since)
    return refused.order_by("-reviewed_at").first()


# --- indicators: what the 民生实事 targets count ---------------------------------------------------------------


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def _in_unit(unit: Unit) -> Q:
    return Q(unit__path__startswith=unit.path)


def indicator_decisions_made(unit: Unit, start: date, end: date) -> int:
    """议事决议数: topics the councils of ``unit`` (and the units below it) decided from ``start`` to ``end``."""
    lo, hi = _bounds(start, end)
    return (
        Topic.objects.filter(_in_unit(unit), decided_at__gte=lo, decided_at__lt=hi)
        .exclude(state=TopicState.NOT_ADOPTED)
        .count()
    )


def indicator_decisions_executed(unit: Unit, start: date, end: date) -> int:
    """决议执行完成数: decided topics whose every task was done in the period (rating opened then)."""
    lo, hi = _bounds(start, end)
    return Topic.objects.filter(_in_unit(unit), rating_opens_at__gte=lo, rating_opens_at__lt=hi).count()


def indicator_rated_satisfied(unit: Unit, start: date, end: date) -> dict:
    """监督评议满意: of the topics whose rating was published in the period, how many most residents
    rated satisfied or basically satisfied, and the residents' ratings behind it."""
    lo, hi = _bounds(start, end)
    topics = Topic.objects.filter(_in_unit(unit), state=TopicState.CLOSED, closed_at__gte=lo, closed_at__lt=hi)
    satisfied_topics = 0
    for topic in topics.annotate(
        good=Count("ratings", filter=Q(ratings__value__in=["satisfied", "basic"])), n=Count("ratings")
    ):
        if topic.n and topic.good * 2 > topic.n:
            satisfied_topics += 1
    ratings = Rating.objects.filter(topic__in=topics)
    return {
        "topics": topics.count(),
        "satisfied_topics": satisfied_topics,
        "ratings": ratings.count(),
        "satisfied_ratings": ratings.filter(value__in=["satisfied", "basic"]).count(),
    }


INDICATORS = {
    "deliberation.decisions_made": indicator_decisions_made,
    "deliberation.decisions_executed": indicator_decisions_executed,
    "deliberation.rated_satisfied": indicator_rated_satisfied,
}
