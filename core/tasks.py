"""Background work of core: the jobs people start from pages (core.jobs), run by the task worker."""

from django_tasks import task


@task()
def run_job_task(job_id: str) -> str:
    """Run one job (core.jobs.run_job); delivered twice, it runs once."""
    from core.jobs import run_job

    return run_job(job_id)
