"""A hotline import whose worker dies mid-file (SIGKILL, its machine lost) is not left "running" for
ever: ``jobs_recover`` (core.jobs, every two minutes from the scheduler) queues it again once it has made
no progress for JOB_STALE_MINUTES, the next worker finishes it, and every row of the file is a demand
exactly once. A worker thought dead that wakes up writes nothing over the new run; a job whose worker keeps
dying is given up with a message that says so; a job whose task was lost is queued again."""

import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from appeals.importers import HotlineImporter
from appeals.models import Appeal, Channel
from appeals.tests.test_import import xlsx
from appeals.tests.test_import_job import rows, small_limit, upload  # noqa: F401 - the fixture
from core import jobs
from core.models import Job, JobState

pytestmark = pytest.mark.usefixtures("english", "media_root", "small_limit")


class WorkerKilled(BaseException):
    """What SIGKILL looks like from inside a runner: it stops where it is, and nothing after it runs (no
    ``except Exception``, no finishing write)."""


def later(minutes):
    return timezone.now() + timedelta(minutes=minutes)


def jobs_recovered(**kwargs) -> dict:
    """What jobs_recover did to core's jobs (the apps' own recoveries left out)."""
    report = jobs.jobs_recover(**kwargs)
    return {key: report[key] for key in ("restarted", "failed", "requeued")}


def queued_tasks(job) -> int:
    return DBTaskResult.objects.filter(task_path="core.tasks.run_job_task", args_kwargs__args=[str(job.pk)]).count()


@pytest.fixture
def confirmed(cast, client):
    """The import of a checked file of 5 rows (chunks of two), queued."""
    client.force_login(cast.dispatcher)
    upload(client, xlsx(rows(5)), place=cast.yuci.pk)
    check = Job.objects.get()
    assert jobs.run_job(check.pk) == JobState.DONE
    client.post(f"/appeals/staff/import/{check.pk}/confirm/")
    return Job.objects.exclude(pk=check.pk).get()


def die_at_chunk(monkeypatch, n):
    """The worker dies as it starts the n-th chunk, after the chunks before it were saved."""
    real, calls = HotlineImporter._apply, []

    def dying(self, chunk, result):
        calls.append(1)
        if len(calls) == n:
            raise WorkerKilled
        return real(self, chunk, result)

    monkeypatch.setattr(HotlineImporter, "_apply", dying)
    return lambda: monkeypatch.setattr(HotlineImporter, "_apply", real)


def test_an_import_whose_worker_died_is_finished_by_the_next_with_every_row_once(
        confirmed, client, monkeypatch, django_capture_on_commit_callbacks):
    revive = die_at_chunk(monkeypatch, 2)
    with pytest.raises(WorkerKilled):
        jobs.run_job(confirmed.pk)
    revive()
    confirmed.refresh_from_db()
    assert confirmed.state == JobState.RUNNING and confirmed.attempts == 1
    assert Appeal.objects.filter(channel=Channel.IMPORT).count() == 2  # the first chunk was saved

    # Still within JOB_STALE_MINUTES of its last progress: a slow worker is not taken for dead.
    assert jobs_recovered(now=later(5)) == {"restarted": 0, "failed": 0, "requeued": 0}
    before = queued_tasks(confirmed)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.jobs_recover(now=later(11))["restarted"] == 1
    confirmed.refresh_from_db()
    assert confirmed.state == JobState.QUEUED and queued_tasks(confirmed) == before + 1
    page = client.get(f"/appeals/staff/import/{confirmed.pk}/").content.decode()
    assert "Started again: the worker running it stopped" in page

    assert jobs.run_job(confirmed.pk) == JobState.DONE  # the next worker takes the task
    confirmed.refresh_from_db()
    assert confirmed.attempts == 2
    imported = Appeal.objects.filter(channel=Channel.IMPORT)
    assert imported.count() == 5 and imported.values("external_id").distinct().count() == 5
    assert not default_storage.exists(confirmed.file_path)


def test_a_worker_thought_dead_that_wakes_up_writes_nothing_over_the_new_run(
        confirmed, django_capture_on_commit_callbacks):
    Job.objects.filter(pk=confirmed.pk).update(state=JobState.RUNNING, attempts=1)
    first = Job.objects.get(pk=confirmed.pk)  # the first worker's view of its job
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.jobs_recover(now=later(11))["restarted"] == 1
    Job.objects.filter(pk=confirmed.pk).update(state=JobState.RUNNING, attempts=2, stage="second")  # taken again

    progress = jobs.Progress(first)
    progress.stage("first, woken up", total=99)
    jobs._finish(first, JobState.FAILED, error="the first worker's late ending")
    confirmed.refresh_from_db()
    assert (confirmed.state, confirmed.stage, confirmed.error) == (JobState.RUNNING, "second", "")
    assert default_storage.exists(confirmed.file_path)  # the second run still reads it


def test_a_job_whose_worker_keeps_dying_is_given_up_with_a_message(cast, confirmed, client, settings,
                                                                    django_capture_on_commit_callbacks):
    settings.JOB_MAX_ATTEMPTS = 3
    translation.activate("zh-hans")  # the scheduler's language, which the message is written in
    for attempt in (1, 2, 3):
        Job.objects.filter(pk=confirmed.pk).update(state=JobState.RUNNING, attempts=attempt, updated_at=timezone.now())
        with django_capture_on_commit_callbacks(execute=True):
            report = jobs_recovered(now=later(11))
        assert report == ({"restarted": 1, "failed": 0, "requeued": 0} if attempt < 3 else
                          {"restarted": 0, "failed": 1, "requeued": 0})
    confirmed.refresh_from_db()
    assert confirmed.state == JobState.FAILED and confirmed.finished_at is not None
    assert not default_storage.exists(confirmed.file_path)
    client.force_login(cast.dispatcher)
    page = client.get(f"/jobs/{confirmed.pk}/").content.decode()
    assert "任务在完成前中断了 3 次" in page and "请重新开始" in page


def test_a_job_whose_task_was_lost_is_queued_again_once_per_period(confirmed, django_capture_on_commit_callbacks):
    DBTaskResult.objects.all().delete()  # the task lost (with Redis, under TASK_BACKEND=rq)
    assert jobs.jobs_recover(now=later(5))["requeued"] == 0  # waiting its turn, not lost yet
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.jobs_recover(now=later(11))["requeued"] == 1
        assert jobs.jobs_recover(now=later(12))["requeued"] == 0  # not again at every sweep
    assert queued_tasks(confirmed) == 1
    assert jobs.run_job(confirmed.pk) == JobState.DONE
    assert Appeal.objects.filter(channel=Channel.IMPORT).count() == 5
    # Queued again while it was only waiting: the second delivery finds it done and imports nothing.
    assert jobs.run_job(confirmed.pk) == JobState.DONE
    assert Appeal.objects.filter(channel=Channel.IMPORT).count() == 5


def test_the_scheduler_runs_the_recovery(db, settings):
    from django.core.management import call_command

    assert {"command": "jobs_recover", "every": 120} in settings.SCHEDULE
    out = io.StringIO()
    call_command("jobs_recover", stdout=out)
    assert "restarted: 0, failed: 0, requeued: 0, monthly_reports_given_up: 0" in out.getvalue()
