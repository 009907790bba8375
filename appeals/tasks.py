"""Periodic work on appeals, as Django tasks (django_tasks, run by the task
worker: deploy/README.md). Nothing schedules them by itself: cron runs ``manage.py appeals_sweep``
every few minutes, either doing the work in place or, with ``--enqueue``, queueing these tasks for
the worker. Every step is safe to run twice at once: each appeal is flagged or closed by a service
that re-checks its row, and the outbox is claimed with a conditional UPDATE.
"""

from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import task

from appeals import notifications, services
from appeals.models import Appeal, KpiSettings, State, Urge

CHUNK = 500


def _in_chunks(queryset):
    """Primary keys of ``queryset`` in chunks, so a sweep over many rows never holds one long cursor
    open while it writes (SQLite cannot, and PostgreSQL should not)."""
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CHUNK])
        if not ids:
            return
        yield ids
        last = ids[-1]


def overdue_candidates(now: datetime):
    return Appeal.objects.filter(state__in=[State.TO_ACCEPT, State.HANDLING], is_overdue=False, due_at__lt=now)


def mark_overdue(ids, now: datetime) -> int:
    """Flag each appeal through the service; the OVERDUE event it writes is the notification to the
    handler and their supervisor (the outbox delivers it). Returns how many this run flagged."""
    return sum(services.appeal_mark_overdue(appeal=Appeal(pk=pk), now=now) for pk in ids)


def overdue_sweep(now: datetime | None = None) -> int:
    now = now or timezone.now()
    return sum(mark_overdue(ids, now) for ids in _in_chunks(overdue_candidates(now)))


def urge_overdue_sweep(now: datetime | None = None) -> int:
    """Flag urgings (督办) left unanswered past their 反馈期限; each flag's event escalates to the
    supervisors. Returns how many this run flagged."""
    now = now or timezone.now()
    candidates = Urge.objects.filter(answered_at__isnull=True, overdue_at__isnull=True, answer_due_at__lt=now,
                                     appeal__state__in=[State.TO_ACCEPT, State.HANDLING])
    return sum(services.urge_mark_overdue(urge=Urge(pk=pk), now=now)
               for ids in _in_chunks(candidates) for pk in ids)


def unrated_sweep(now: datetime | None = None) -> int:
    """Close replied appeals whose resident did not rate within KpiSettings.rating_days."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=KpiSettings.current().rating_days)
    candidates = Appeal.objects.filter(state=State.REPLIED, replied_at__lte=cutoff)
    closed = 0
    for ids in _in_chunks(candidates):
        for appeal in Appeal.objects.filter(pk__in=ids):
            closed += services.appeal_close_unrated(appeal=appeal) is not None
    return closed


@task()
def sweep_overdue() -> int:
    """Flag overdue appeals (超期) and urgings left unanswered (督办超期), and queue their notifications.
    Returns how many of both were flagged."""
    now = timezone.now()
    return overdue_sweep(now) + urge_overdue_sweep(now)


@task()
def close_unrated() -> int:
    """Close replied appeals left unrated past the rating period."""
    return unrated_sweep()


@task()
def deliver_notifications() -> dict:
    """Send what the outbox holds that is due."""
    report = notifications.deliver_all()
    return {"sent": report.sent, "retrying": report.retrying, "failed": report.failed}


def idempotency_expiry() -> int:
    """Forget Idempotency-Keys older than settings.IDEMPOTENCY_KEY_DAYS (the table would grow with every
    create forever). Returns how many were forgotten."""
    from django.conf import settings

    from appeals.models import IdempotencyKey

    cutoff = timezone.now() - timedelta(days=settings.IDEMPOTENCY_KEY_DAYS)
    forgotten, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return forgotten


@task()
def forget_idempotency_keys() -> int:
    """Forget API Idempotency-Keys past their retention."""
    return idempotency_expiry()


@task()
def kpi_rollup(full: bool = False) -> dict:
    """Bring the 三率 daily summary up to yesterday (appeals.kpi_rollup); safe to run twice at once."""
    from appeals import kpi_rollup as rollup

    result = rollup.rollup(full=full)
    return {"days": result.days, "rows": result.rows, "covered_until": result.covered_until.isoformat(),
            "full": result.full}
