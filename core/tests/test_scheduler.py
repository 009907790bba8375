"""The scheduler (manage.py run_scheduler) that make run and a deployment start beside the web server:
interval jobs run at once and then every N seconds, daily jobs at their time, and a failing job
never stops the others."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from core.management.commands.run_scheduler import Job, jobs_from_settings, run_due

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_deployment_schedule_runs_the_sweep_often_and_retrains_nightly(settings):
    jobs = {job.command: job for job in jobs_from_settings()}
    assert jobs["appeals_sweep"].every <= 300
    assert jobs["dispatch_retrain"].at == (2, 30)


def test_interval_job_runs_at_once_then_after_its_interval(monkeypatch):
    ran = []
    monkeypatch.setattr("core.management.commands.run_scheduler.call_command", lambda name, *a, **k: ran.append(name))
    job = Job.from_entry({"command": "appeals_sweep", "every": 60})
    start = datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        assert run_due([job], start) == ["appeals_sweep"]
    with time_machine.travel(start.replace(second=59), tick=False):
        assert run_due([job], start.replace(second=59)) == []
    later = start.replace(minute=1)
    with time_machine.travel(later, tick=False):
        assert run_due([job], later) == ["appeals_sweep"]
    assert ran == ["appeals_sweep", "appeals_sweep"]


def test_daily_job_waits_for_its_time(monkeypatch):
    ran = []
    monkeypatch.setattr("core.management.commands.run_scheduler.call_command", lambda name, *a, **k: ran.append(name))
    job = Job.from_entry({"command": "dispatch_retrain", "at": "02:30"})
    evening = datetime(2026, 11, 30, 21, 0, tzinfo=SHANGHAI)
    assert run_due([job], evening) == []
    assert job.next_run == datetime(2026, 12, 1, 2, 30, tzinfo=SHANGHAI)
    night = datetime(2026, 12, 1, 2, 30, tzinfo=SHANGHAI)
    with time_machine.travel(night, tick=False):
        assert run_due([job], night) == ["dispatch_retrain"]
    assert job.next_run == datetime(2026, 12, 2, 2, 30, tzinfo=SHANGHAI)


def test_a_failing_job_does_not_stop_the_others(monkeypatch, caplog):
    ran = []

    def fake(name, *args, **kwargs):
        if name == "broken":
            raise RuntimeError("database gone")
        ran.append(name)

    monkeypatch.setattr("core.management.commands.run_scheduler.call_command", fake)
    jobs = [Job.from_entry({"command": "broken", "every": 60}), Job.from_entry({"command": "appeals_sweep", "every": 60})]
    assert run_due(jobs, datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)) == ["broken", "appeals_sweep"]
    assert ran == ["appeals_sweep"]
    assert "scheduled command broken failed" in caplog.text


@pytest.mark.parametrize("entry", [{"command": "x"}, {"command": "x", "every": 5, "at": "01:00"},
                                   {"command": "x", "at": "25:00"}, {"command": "x", "every": 0}])
def test_a_wrong_schedule_entry_is_refused_with_what_is_wrong(entry):
    with pytest.raises(CommandError, match="SCHEDULE entry"):
        Job.from_entry(entry)


@pytest.mark.django_db
def test_once_runs_the_real_sweep(settings):
    settings.SCHEDULE = [{"command": "appeals_sweep", "every": 60}]
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert "scheduled: appeals_sweep" in out.getvalue()
    assert "notifications sent" in out.getvalue() or "通知" in out.getvalue()
