"""The platform's background work on the RQ backend (TASK_BACKEND=rq: tasks queued in Redis, run by
``manage.py rqworker``): a hotline import started from the page is checked and imported by an RQ worker,
and the notification outbox is delivered by one, with what a person sees the same as on the database
backend. Needs the Redis server this machine runs (database 12, which the tests empty); without one the
tests are skipped and say why.

The worker is RQ's SimpleWorker in this process, in burst mode (it stops when the queue is empty), with
django-tasks-rq's Job class, as ``rqworker --job-class django_tasks_rq.Job`` runs it: it shares the test's
database connection, so it sees the test's rows inside the test's transaction."""

import os

import pytest
from django.core.files.storage import default_storage

from appeals import importers, tasks
from appeals.models import Action, Appeal, AppealEvent, Channel
from appeals.tests.test_import import xlsx
from appeals.tests.test_import_job import rows, upload
from conftest import new_appeal
from core.models import Job, JobState

REDIS_URL = os.environ.get("RQ_TEST_URL", "redis://127.0.0.1:6379/12")

pytestmark = pytest.mark.usefixtures("english", "media_root")


@pytest.fixture
def small_limit(monkeypatch):
    """Anything above 3 rows goes to the worker, in chunks of two rows."""
    from appeals.views import imports

    monkeypatch.setattr(imports, "SYNC_MAX_ROWS", 3)
    monkeypatch.setattr(importers, "CHUNK", 2)


@pytest.fixture
def rq_queue(settings):
    """The settings TASK_BACKEND=rq builds, over an empty Redis database; returns the queue."""
    import django_rq
    import redis
    from django_tasks_rq import Job as TaskJob

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis server at {REDIS_URL}")
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 60}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default", job_class=TaskJob)
    queue.connection.flushdb()
    yield queue
    queue.connection.flushdb()


def work(queue) -> int:
    """Run every queued task, as ``rqworker --burst`` would; returns how many the worker ran."""
    from django_tasks_rq import Job as TaskJob
    from rq import SimpleWorker

    def finished():
        return queue.finished_job_registry.count + queue.failed_job_registry.count

    before = finished()
    SimpleWorker([queue], connection=queue.connection, job_class=TaskJob).work(burst=True)
    assert queue.count == 0
    return finished() - before


def test_a_big_hotline_file_is_checked_and_imported_by_an_rq_worker(cast, client, small_limit, rq_queue,
                                                                     django_capture_on_commit_callbacks):
    client.force_login(cast.dispatcher)
    with django_capture_on_commit_callbacks(execute=True):  # the task is queued when the upload commits
        response = upload(client, xlsx(rows(5)), place=cast.yuci.pk)
    check = Job.objects.get()
    assert check.kind == importers.HOTLINE_IMPORT and check.state == JobState.QUEUED
    assert rq_queue.count == 1  # in Redis, not in the database's task table

    assert work(rq_queue) == 1
    check.refresh_from_db()
    assert check.state == JobState.DONE and not Appeal.objects.exists()  # a check saves nothing
    page = client.get(response["Location"]).content.decode()
    assert "Rows checked: 5. To create: 5." in page and "Import 5 demands" in page

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"/appeals/staff/import/{check.pk}/confirm/")
    assert work(rq_queue) == 1
    status = client.get(f"/jobs/{Job.objects.exclude(pk=check.pk).get().pk}/status/").json()
    assert status["percent"] == 100 and status["over"] is True
    assert Appeal.objects.filter(channel=Channel.IMPORT, created_by=cast.dispatcher).count() == 5
    assert "Demands created: 5." in client.get(confirmed["Location"]).content.decode()
    assert not default_storage.exists(check.file_path)  # the worker removed the file nothing reads again


def test_a_task_delivered_twice_by_rq_imports_once(cast, client, small_limit, rq_queue,  # noqa: F811
                                                   django_capture_on_commit_callbacks):
    from core.tasks import run_job_task

    client.force_login(cast.dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, xlsx(rows(4)), place=cast.yuci.pk)
    check = Job.objects.get()
    run_job_task.enqueue(str(check.pk))  # the same job queued a second time
    assert work(rq_queue) == 2
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/appeals/staff/import/{check.pk}/confirm/")
    imported = Job.objects.exclude(pk=check.pk).get()
    run_job_task.enqueue(str(imported.pk))
    assert work(rq_queue) == 2
    assert Appeal.objects.filter(channel=Channel.IMPORT).count() == 4  # not 8


def test_the_notification_outbox_is_delivered_by_an_rq_worker(cast, rq_queue, sms_outbox):
    appeal = new_appeal(cast)
    assert sms_outbox == []  # the intake only writes the event
    result = tasks.deliver_notifications.enqueue()
    assert work(rq_queue) == 1
    (phone, text), = sms_outbox
    assert phone == "13800138000" and appeal.code in text
    assert appeal.events.get(action=Action.CREATE).delivery == AppealEvent.Delivery.SENT
    # The backend answers for the task's result, as the database backend does.
    done = tasks.deliver_notifications.get_result(result.id)
    assert done.status == "SUCCESSFUL" and done.return_value["sent"] == 1


def test_an_import_whose_rq_worker_died_is_queued_again_and_finished_by_another(
        cast, client, small_limit, rq_queue, monkeypatch, django_capture_on_commit_callbacks):
    """The worker dies in the middle of the file: RQ puts the task in its failed registry (at once here; after
    the job's timeout when the worker was SIGKILLed) and will not run it again by itself, and the job's page
    would say "running" for ever. ``jobs_recover`` queues it again in Redis; the next worker finishes it,
    each row imported once."""
    from datetime import timedelta

    from django.utils import timezone

    from appeals.tests.test_import_job_recover import die_at_chunk
    from core.jobs import jobs_recover

    client.force_login(cast.dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, xlsx(rows(5)), place=cast.yuci.pk)
    check = Job.objects.get()
    assert work(rq_queue) == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/appeals/staff/import/{check.pk}/confirm/")
    imported = Job.objects.exclude(pk=check.pk).get()

    revive = die_at_chunk(monkeypatch, 2)
    assert work(rq_queue) == 1 and rq_queue.failed_job_registry.count == 1
    revive()
    imported.refresh_from_db()
    assert imported.state == JobState.RUNNING and rq_queue.count == 0  # nothing left for RQ to run
    assert Appeal.objects.filter(channel=Channel.IMPORT).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_recover(now=timezone.now() + timedelta(minutes=11))["restarted"] == 1
    assert rq_queue.count == 1  # queued again, in Redis
    assert work(rq_queue) == 1
    imported.refresh_from_db()
    assert imported.state == JobState.DONE and imported.attempts == 2
    assert Appeal.objects.filter(channel=Channel.IMPORT).values("external_id").distinct().count() == 5
    assert Appeal.objects.filter(channel=Channel.IMPORT).count() == 5
