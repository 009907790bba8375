"""The employment JSON API (/api/v1/employment/): the public job list for any authenticated client; a
resident's own seeker record, 1131 ledger, recommended jobs and 社保补贴 applications (and applying, with the
eligibility checklist); for staff, the seekers of their scope and who is due a follow-up.

Scope is the pages' (employment.selectors); personal data is masked as on the pages. A refused application
answers 400 with every failing rule in ``errors``, as the page's checklist shows them."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from accounts.authentication import api_auth
from appeals.api import ErrorOut, RateLimitOut, ValidationErrorOut
from core.errors import NotAllowed, NotFound
from employment import matching, selectors, services
from employment.models import PostingKind, Seeker, SeekerKind, SeekerStatus, SubsidyForm, Suggestion

router = Router(tags=["employment"], auth=api_auth)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut, 429: RateLimitOut}


# --- schemas -------------------------------------------------------------------------------------------

class JobOut(Schema):
    id: int
    kind: str = Field(json_schema_extra={"enum": PostingKind.values})
    title: str
    employer: str
    place_code: str
    place_name: str
    salary_min: int
    salary_max: int
    education: str
    headcount: int
    closes_on: date
    duration_months: int | None
    subsidy: int | None


class JobPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[JobOut]


class LedgerOut(Schema):
    service: str
    label: str
    needed: int
    done: int


class SeekerOut(Schema):
    id: int
    name: str = Field(description="Masked.")
    id_number: str = Field(description="Masked.")
    phone: str = Field(description="Masked.")
    kind: str = Field(json_schema_extra={"enum": SeekerKind.values})
    status: str = Field(json_schema_extra={"enum": SeekerStatus.values})
    place_code: str
    place_name: str
    school: str
    graduation_year: int | None
    ledger_complete: bool
    next_follow_up_due: date | None


class MeOut(SeekerOut):
    ledger: list[LedgerOut]


class SeekerPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[SeekerOut]


class RecommendationOut(Schema):
    job: JobOut
    score: float
    reasons: list[str]


class CheckOut(Schema):
    key: str
    label: str
    ok: bool
    detail: str


class SubsidyOut(Schema):
    id: int
    form: str = Field(json_schema_extra={"enum": SubsidyForm.values})
    first_month: date
    last_month: date
    months: int
    monthly_amount: Decimal
    total: Decimal
    status: str
    reason: str
    submitted_at: datetime
    paid_on: date | None
    checks: list[CheckOut]


class SubsidyIn(Schema):
    form: str = Field(json_schema_extra={"enum": SubsidyForm.values})
    first_month: str = Field(description="YYYY-MM", json_schema_extra={"pattern": r"^\d{4}-\d{1,2}$"})
    last_month: str = Field(description="YYYY-MM", json_schema_extra={"pattern": r"^\d{4}-\d{1,2}$"})
    monthly_amount: str = Field(description="Yuan, at most two decimals, e.g. \"480.50\".",
                                json_schema_extra={"maxLength": 12})
    proof: str = Field("", json_schema_extra={"maxLength": 200})
    check_only: bool = Field(False, description="Answer the checklist without applying.")


class CheckListOut(Schema):
    eligible: bool
    checks: list[CheckOut]


class DueOut(Schema):
    seeker: SeekerOut
    due_on: date
    overdue: bool
    last_at: datetime | None


# --- helpers -------------------------------------------------------------------------------------------

def _user(request: HttpRequest):
    from accounts.models import User

    actor = request.auth
    if not isinstance(actor, User) or not actor.is_active:
        raise NotAllowed(_("This part of the employment API is for a person's account, not an organisation's key."))
    return actor


def _staff(request: HttpRequest):
    actor = _user(request)
    if actor.is_resident:
        raise NotAllowed(_("This part of the employment API is for staff accounts."))
    return actor


def _my_seeker(request) -> Seeker:
    seeker = selectors.seeker_of(_user(request))
    if seeker is None:
        raise NotFound(_("You are not registered as a job seeker."))
    return seeker


def job_out(p) -> dict:
    return {"id": p.pk, "kind": p.kind, "title": p.title, "employer": p.employer.name, "place_code": p.unit.code,
            "place_name": p.unit.name, "salary_min": p.salary_min, "salary_max": p.salary_max,
            "education": p.education, "headcount": p.headcount, "closes_on": p.closes_on,
            "duration_months": p.duration_months, "subsidy": p.subsidy}


def seeker_out(s: Seeker) -> dict:
    due = getattr(s, "follow_up_due", None) if s.kind == SeekerKind.HARD_TO_EMPLOY else None
    return {"id": s.pk, "name": s.masked_name, "id_number": s.masked_id_number, "phone": s.masked_phone,
            "kind": s.kind, "status": s.status, "place_code": s.unit.code, "place_name": s.unit.name,
            "school": s.school, "graduation_year": s.graduation_year, "ledger_complete": s.ledger_complete,
            "next_follow_up_due": due.due_on if due else None}


def subsidy_out(a) -> dict:
    return {"id": a.pk, "form": a.form, "first_month": a.first_month, "last_month": a.last_month,
            "months": a.months, "monthly_amount": a.monthly_amount, "total": a.total, "status": a.status,
            "reason": a.reason, "submitted_at": a.submitted_at,
            "paid_on": a.payment.paid_on if a.payment_id else None, "checks": a.checks}


def _page(qs, page: int, page_size: int, out):
    count = qs.count()
    start = (page - 1) * page_size
    items = [out(row) for row in qs[start:start + page_size]] if start < count else []
    return {"count": count, "page": page, "page_size": page_size, "items": items}


# --- endpoints -----------------------------------------------------------------------------------------

@router.get("/jobs", response={200: JobPage, **ERRORS}, summary="Open jobs and internships (public)",
            description="Open postings of verified employers, not past their closing date: what anyone may read.")
def list_jobs(request, q: Annotated[str, Query(max_length=50)] = "",
              kind: Annotated[PostingKind | None, Query()] = None,
              page: Annotated[int, Query(ge=1)] = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 20):
    qs = selectors.public_postings(query=q, kind=kind or "")
    return Status(200, _page(qs, page, page_size, job_out))


@router.get("/me", response={200: MeOut, 404: ErrorOut, **ERRORS}, summary="My job seeker record and 1131")
def me(request):
    seeker = _my_seeker(request)
    return Status(200, {**seeker_out(seeker), "ledger": [
        {"service": line.kind, "label": str(line.label), "needed": line.needed, "done": line.done}
        for line in selectors.ledger(seeker)]})


@router.get("/me/recommendations", response={200: list[RecommendationOut], 404: ErrorOut, **ERRORS},
            summary="Jobs recommended for me, with the reasons",
            description="The nightly ranking when there is one (open postings only), ranked live otherwise.")
def my_recommendations(request):
    seeker = _my_seeker(request)
    open_ids = set(matching.open_postings().values_list("pk", flat=True))
    stored = [s for s in Suggestion.objects.filter(seeker=seeker).select_related("posting__employer", "posting__unit")
              if s.posting_id in open_ids]
    if stored:
        matches = [matching.explain(seeker, s.posting) for s in stored]
    else:
        matches = matching.jobs_for(seeker, k=10)
    return Status(200, [{"job": job_out(m.obj), "score": m.score, "reasons": [str(r) for r in m.reasons]}
                        for m in matches])


@router.get("/me/subsidies", response={200: list[SubsidyOut], 404: ErrorOut, **ERRORS},
            summary="My social insurance subsidy applications (社保补贴)")
def my_subsidies(request):
    seeker = _my_seeker(request)
    return Status(200, [subsidy_out(a) for a in selectors.subsidies_of(seeker)])


@router.post("/me/subsidies", response={200: CheckListOut, 201: SubsidyOut, 404: ErrorOut, **ERRORS},
             summary="Apply for the social insurance subsidy, or check eligibility",
             description="With `check_only` the checklist is answered and nothing written (200). Otherwise the "
             "application is made (201), or refused (400) with each failing rule in `errors`.")
def apply_subsidy(request, body: SubsidyIn):
    seeker = _my_seeker(request)
    data = services.SubsidyData(form=body.form, first_month=body.first_month, last_month=body.last_month,
                                monthly_amount=body.monthly_amount, proof=body.proof)
    if body.check_only:
        result = services.subsidy_check(seeker, data)
        return Status(200, {"eligible": result.ok, "checks": result.as_json()})
    application = services.subsidy_apply(actor=request.auth, seeker=seeker, data=data)
    return Status(201, subsidy_out(application))


@router.get("/seekers", response={200: SeekerPage, **ERRORS}, summary="Job seekers in your scope (staff)",
            description="`q` searches names, schools and majors, or finds a whole ID number or phone exactly.")
def list_seekers(request, q: Annotated[str, Query(max_length=50)] = "",
                 kind: Annotated[SeekerKind | None, Query()] = None,
                 status: Annotated[SeekerStatus | None, Query()] = None,
                 page: Annotated[int, Query(ge=1)] = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 20):
    actor = _staff(request)
    qs = selectors.seekers_search(selectors.seekers_visible_to(actor).select_related("follow_up_due"),
                                  query=q, kind=kind or "", status=status or "").order_by("-created_at", "-pk")
    return Status(200, _page(qs, page, page_size, seeker_out))


@router.get("/follow-ups/due", response={200: list[DueOut], **ERRORS},
            summary="Hard-to-employ seekers due a follow-up (staff)",
            description="Overdue or due within a week, most overdue first; `mine` for the seekers you counsel.")
def follow_ups_due(request, mine: bool = False, limit: Annotated[int, Query(ge=1, le=500)] = 100):
    actor = _staff(request)
    today = timezone.localdate()
    rows = selectors.follow_ups_due(actor, mine=mine)[:limit]
    return Status(200, [{"seeker": seeker_out(row.seeker), "due_on": row.due_on, "overdue": row.due_on < today,
                         "last_at": row.last_at} for row in rows])
