"""Telling the proposer and the supporters what became of a topic: in-site notices (站内信) from the
event outbox. ``deliver_pending`` claims pending events with a conditional UPDATE (two sweeps never take
the same row; a sweep that dies lets its rows go after ``LEASE``) and writes one Notice per recipient,
at most once (a unique constraint), so a retry never tells anyone twice."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from deliberation.models import Action, Notice, Support, TopicEvent
from deliberation.services import NOTIFY_FOLLOWERS

LEASE = timedelta(minutes=5)
BATCH = 200


def notice_text(event: TopicEvent) -> str:
    topic = event.topic
    subject = {"title": topic.title[:40], "unit": topic.unit.name}
    texts = {
        Action.ACCEPT: _("Your topic “%(title)s” has been accepted and is open for discussion and support."),
        Action.REJECT: _("Your topic “%(title)s” was not accepted: %(reason)s"),
        Action.MERGE: _("Your topic “%(title)s” was merged into a similar topic; your support goes with it."),
        Action.DECIDE: _("The council of %(unit)s has decided on “%(title)s”. Read the decision (决议)."),
        Action.NOT_ADOPTED: _("The council of %(unit)s did not adopt “%(title)s”."),
        Action.RATING_OPEN: _("“%(title)s” has been carried out. Please rate how it was done (监督评议)."),
        Action.RATING_RESULT: _("The residents' rating of “%(title)s” is published."),
    }
    return (texts[event.action] % {**subject, "reason": event.note[:200]})[:500]


def recipients(event: TopicEvent) -> list[int]:
    topic = event.topic
    ids = [topic.proposer_id] if topic.proposer_id else []
    if event.action in NOTIFY_FOLLOWERS:
        ids += list(Support.objects.filter(topic=topic).values_list("resident_id", flat=True))
    return list(dict.fromkeys(ids))


def claim(*, now=None, limit: int = BATCH) -> list[int]:
    now = now or timezone.now()
    candidates = list(
        TopicEvent.objects.filter(delivery=TopicEvent.Delivery.PENDING)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE))
        .order_by("pk")
        .values_list("pk", "claimed_at")[:limit]
    )
    claimed = []
    for pk, was in candidates:
        # Only the sweep whose UPDATE still sees the row as it read it takes it.
        if TopicEvent.objects.filter(pk=pk, delivery=TopicEvent.Delivery.PENDING, claimed_at=was).update(
            claimed_at=now
        ):
            claimed.append(pk)
    return claimed


def deliver_pending(*, now=None) -> int:
    sent = 0
    for pk in claim(now=now):
        with transaction.atomic():
            event = TopicEvent.objects.select_related("topic__unit").get(pk=pk)
            text = notice_text(event)
            Notice.objects.bulk_create(
                [
                    Notice(recipient_id=user_id, topic=event.topic, event=event, text=text)
                    for user_id in recipients(event)
                ],
                ignore_conflicts=True,
            )
            TopicEvent.objects.filter(pk=pk).update(delivery=TopicEvent.Delivery.SENT)
            sent += 1
    return sent
