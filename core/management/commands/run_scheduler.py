"""The platform's clock: runs each command of settings.SCHEDULE when it is due, for as long as it
runs. ``make run`` starts it beside the web server and the task worker (deploy/Procfile.dev), and a
deployment runs it as a service (deploy/Procfile) instead of cron lines (deploy/crontab says the
same schedule for those who prefer cron). Each scheduled command is idempotent and safe to run while
another copy runs, so a restart that runs a command again early does no harm.

An entry is ``{"command": name, "args": [...], "every": seconds}`` or ``{..., "at": "HH:MM"}`` (once a
day, local time). A command that fails is logged and tried again at its next turn: one failing job
never stops the others."""

import logging
import signal
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

logger = logging.getLogger("minsheng.scheduler")


@dataclass
class Job:
    command: str
    args: list[str] = field(default_factory=list)
    every: int | None = None  # seconds
    at: tuple[int, int] | None = None  # (hour, minute), local time
    next_run: datetime | None = None

    @classmethod
    def from_entry(cls, entry: dict) -> "Job":
        every, at = entry.get("every"), entry.get("at")
        if (every is None) == (at is None):
            raise CommandError(f"SCHEDULE entry {entry!r}: give either 'every' (seconds) or 'at' ('HH:MM')")
        parsed_at = None
        if at is not None:
            try:
                hour, minute = (int(part) for part in str(at).split(":"))
                if not (0 <= hour < 24 and 0 <= minute < 60):
                    raise ValueError
            except ValueError:
                raise CommandError(f"SCHEDULE entry {entry!r}: 'at' must be HH:MM") from None
            parsed_at = (hour, minute)
        elif int(every) < 1:
            raise CommandError(f"SCHEDULE entry {entry!r}: 'every' must be at least 1 second")
        return cls(command=entry["command"], args=list(entry.get("args", [])),
                   every=int(every) if every is not None else None, at=parsed_at)

    def schedule_after(self, now: datetime) -> None:
        """When this job runs next, after ``now``: an interval job at once on start, then every N
        seconds; a daily job at its time today, or tomorrow when that has passed."""
        if self.every is not None:
            self.next_run = now if self.next_run is None else now + timedelta(seconds=self.every)
            return
        local = timezone.localtime(now)
        candidate = local.replace(hour=self.at[0], minute=self.at[1], second=0, microsecond=0)
        if candidate <= local:
            candidate += timedelta(days=1)
        self.next_run = candidate


def jobs_from_settings() -> list[Job]:
    return [Job.from_entry(entry) for entry in settings.SCHEDULE]


def run_due(jobs: list[Job], now: datetime, out=None) -> list[str]:
    """Run every job due at ``now``; returns the names of those that ran (failed ones included)."""
    ran = []
    for job in jobs:
        if job.next_run is None:
            job.schedule_after(now)
        if job.next_run > now:
            continue
        ran.append(job.command)
        try:
            call_command(job.command, *job.args, stdout=out, stderr=out)
        except Exception:  # noqa: BLE001 - one failing job must not stop the clock
            logger.exception("scheduled command %s failed; it runs again at its next turn", job.command)
        job.schedule_after(timezone.now())
    return ran


class Command(BaseCommand):
    help = "Run the scheduled commands (settings.SCHEDULE) when due, until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run what is due now, then stop.")
        parser.add_argument("--tick", type=float, default=5.0, help="Seconds between looks at the clock.")

    def handle(self, *args, once=False, tick=5.0, **options):
        jobs = jobs_from_settings()
        for job in jobs:
            when = f"every {job.every} s" if job.every else f"daily at {job.at[0]:02d}:{job.at[1]:02d}"
            self.stdout.write(f"scheduled: {job.command} {' '.join(job.args)} ({when})")
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        try:
            while not stopping:
                run_due(jobs, timezone.now(), out=self.stdout)
                if once:
                    return
                time.sleep(tick)
        except KeyboardInterrupt:
            pass
