"""Core's own pages: a background job's progress and result (core.jobs). Only the person who started a
job sees it."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core import jobs
from core.middleware import returns_to


def _job_context(job) -> dict:
    return {"job": job, "result": job.result or {}}


@login_required
@require_GET
def job_page(request, pk):
    job = jobs.job_for(request.user, pk)
    return render(request, "core/job.html", _job_context(job))


@login_required
@require_GET
def job_status(request, pk):
    """What the page polls while the job runs: small, and never cached."""
    job = jobs.job_for(request.user, pk)
    response = JsonResponse({"state": job.state, "state_label": str(job.get_state_display()), "stage": job.stage,
                             "done": job.done, "total": job.total, "percent": job.percent, "over": job.is_over})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
@returns_to("core:job", "pk")
def job_confirm(request, pk):
    job = jobs.job_for(request.user, pk)
    following = jobs.job_continue(actor=request.user, job=job)
    return redirect("core:job", pk=following.pk)
