"""Receivers of other apps' signals: appeals tells of each step of a demand; a demand that is a
council task moves its task (deliberation.services.task_sync)."""

import logging

logger = logging.getLogger("minsheng.deliberation")


def on_appeal_event(sender, event, **kwargs):
    from deliberation.models import Task
    from deliberation.services import task_sync

    if event.action == "create":
        # A new demand is no task yet: a council task files its demand, then records the state it
        # reached (task_create); skipping it saves every other intake a query after its commit.
        return
    task = Task.objects.filter(appeal_id=event.appeal_id).only("pk").first()
    if task is None:
        return
    try:
        task_sync(task=task, state=event.to_state or "")
    except Exception:  # noqa: BLE001 - the demand's step is done; the sweep catches the task up
        logger.exception("deliberation: task %s could not follow demand %s", task.pk, event.appeal_id)
