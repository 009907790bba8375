"""Background work of care (django-tasks, run by the task worker: deploy/README.md): re-evaluating people's
risk and due dates when an administrator changes a rule or a visit plan, so that the admin's save does
not wait for a whole city's registry. Each is idempotent and works in chunks (care.services)."""

from django_tasks import task


@task()
def refresh_people(category_id: int | None = None) -> int:
    """Re-evaluate the risk and next visit due of everyone (or of one category's people)."""
    from care.models import CareCategory
    from care.services import people_refresh

    category = CareCategory.objects.filter(pk=category_id).first() if category_id else None
    if category_id and category is None:
        return 0
    return people_refresh(category=category)


@task()
def nightly() -> dict:
    """The nightly run: risk and due dates, then the escalation of overdue visits and its messages, then
    the unit pages' summary (care.summary)."""
    from care import summary
    from care.services import escalation_sweep, escalations_deliver, people_refresh

    seen = people_refresh()
    moved = escalation_sweep()
    told = escalations_deliver()
    return {"people": seen, **moved, "told": told, "summary_rows": summary.recompute()}


def refresh_later(category_id: int | None = None) -> None:
    """Queue the re-evaluation once the caller's transaction commits."""
    from django.db import transaction

    transaction.on_commit(lambda: refresh_people.enqueue(category_id))
