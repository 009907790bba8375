"""The care JSON API (/api/v1/care/): a grid worker's app reads the people of their scope and their due
list, and records visits, offline-first. Staff accounts only (a person's API token or a signed-in
session): an organisation's API key reaches no one in the registry.

Scope is the pages' (care.selectors.people_visible_to); personal data is masked as on the pages (the
clear ID number and phone are for the audited reveal on the person's page). A visit is idempotent by
the ``token`` the app makes when the visit is begun: sent again (the answer was lost on a poor
connection), the visit already recorded is returned, with ``Idempotent-Replayed: true``, and nothing
is written twice."""

from datetime import date, datetime
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from accounts.authentication import api_auth
from appeals.api import ErrorOut, RateLimitOut, ValidationErrorOut
from care import selectors, services
from care.models import Person, RiskLevel, Visit
from core.errors import NotAllowed, NotFound

router = Router(tags=["care"], auth=api_auth)

# The API's due list comes a hundred at a time by default: most carers' whole list (a median of 67 of
# their 200 people in the bench), so an app written before it was paged still gets everything.
DUE_PAGE_SIZE = 100

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut, 429: RateLimitOut}


# --- schemas -----------------------------------------------------------------------------------------

class CategoryOut(Schema):
    code: str
    name: str
    since: date


class PersonOut(Schema):
    id: int
    name: str = Field(description="Masked (王**).")
    id_number: str = Field(description="Masked.")
    phone: str = Field(description="Masked.")
    sex: str
    birth_date_year: int
    address: str
    village_code: str
    village_name: str
    grid_code: str
    risk_level: str = Field(json_schema_extra={"enum": RiskLevel.values})
    last_visit_at: datetime | None
    next_visit_due: date | None
    overdue: bool
    escalation: str = Field(description="\"\", \"village\" or \"township\": the queue an overdue visit came to.")
    categories: list[CategoryOut]


class PersonPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PersonOut]


class NeedOut(Schema):
    code: str = Field(description="The demand's tracking code; empty when outside your scope.")
    state: str


class VisitOut(Schema):
    id: int
    person_id: int
    visited_at: datetime
    visitor: str
    checklist: dict[str, str]
    notes: str
    due_on: date | None
    on_time: bool
    token: str
    needs: list[NeedOut]
    photos: int


class PersonDetailOut(PersonOut):
    carers: list[str]
    checklist_items: list[list[str]] = Field(description="[key, label] of the items a visit asks about today.")
    visits: list[VisitOut]


class DueOut(Schema):
    count: int = Field(description="Everyone on your due list (overdue or due within three days), all pages.")
    overdue_count: int = Field(description="How many of them are overdue, all pages.")
    page: int
    page_size: int
    overdue: list[PersonOut] = Field(description="This page's overdue people (the list runs overdue first).")
    due_soon: list[PersonOut] = Field(description="This page's people due within three days.")
    seasonal: dict[str, list[PersonOut]] = Field(description="By seasonal check: who is due for it now (up to 200 "
                                                 "each); on the first page only, empty on the others.")


class NeedIn(Schema):
    title: str = Field(json_schema_extra={"minLength": 1, "maxLength": 100})
    description: str = Field(json_schema_extra={"minLength": 1, "maxLength": 4000})
    type: str = Field("help", json_schema_extra={"enum": ["help", "complaint", "suggestion"]})


class VisitIn(Schema):
    token: str = Field(description="Made by the app when the visit is begun (16–64 letters, digits, - or _); "
                       "the same token sent again returns the visit already recorded.",
                       json_schema_extra={"pattern": r"^[-A-Za-z0-9_]{16,64}$"})
    visited_at: datetime
    checklist: dict[str, str] = Field({}, description="Item key → \"ok\" or \"concern\" (see checklist_items).")
    notes: str = Field("", json_schema_extra={"maxLength": 2000})
    need: NeedIn | None = Field(None, description="A need found: filed as a demand in the person's place.")


# --- helpers ----------------------------------------------------------------------------------------

def _staff(request: HttpRequest):
    from accounts.models import User

    actor = request.auth
    if not isinstance(actor, User) or actor.is_resident or not actor.is_active:
        raise NotAllowed(_("The care API is for staff accounts."))
    return actor


def person_out(person: Person, *, today: date, memberships=None) -> dict:
    memberships = memberships if memberships is not None else getattr(person, "open_memberships", None)
    if memberships is None:
        memberships = selectors.open_memberships(person)
    return {
        "id": person.pk, "name": person.masked_name, "id_number": person.masked_id_number,
        "phone": person.masked_phone, "sex": person.sex, "birth_date_year": person.birth_date.year,
        "address": person.address, "village_code": person.unit.code, "village_name": person.unit.name,
        "grid_code": person.grid.code if person.grid_id else "", "risk_level": person.risk_level,
        "last_visit_at": person.last_visit_at, "next_visit_due": person.next_visit_due,
        "overdue": bool(person.next_visit_due and person.next_visit_due < today), "escalation": person.escalation,
        "categories": [{"code": m.category.code, "name": m.category.name, "since": m.since} for m in memberships],
    }


def visit_out(visit: Visit, needs: list[dict]) -> dict:
    return {
        "id": visit.pk, "person_id": visit.person_id, "visited_at": visit.visited_at, "visitor": str(visit.visitor),
        "checklist": visit.checklist, "notes": visit.notes, "due_on": visit.due_on, "on_time": visit.on_time,
        "token": visit.token, "photos": len(visit.photos.all()),
        "needs": [{"code": n["code"], "state": str(n["state"])} for n in needs],
    }


def _person(request, person_id: int) -> Person:
    person = selectors.people_visible_to(_staff(request)).filter(pk=person_id).first()
    if person is None:
        # The same answer whether the person does not exist or is outside the caller's scope.
        raise NotFound(_("No such person in your scope."))
    return person


# --- endpoints --------------------------------------------------------------------------------------

@router.get("/people", response={200: PersonPage, **ERRORS}, summary="People in care you may see",
            description="Highest risk first, then the earliest due. `q` searches names and addresses, or finds "
            "a whole ID number or phone exactly. Everything personal is masked.")
def list_people(request, q: Annotated[str, Query(max_length=50)] = "",
                category: Annotated[str, Query(description="A category's code.")] = "",
                risk: Annotated[RiskLevel | None, Query()] = None,
                page: Annotated[int, Query(ge=1)] = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 20):
    from care.models import CareCategory

    actor = _staff(request)
    chosen = CareCategory.objects.filter(code=category).first() if category else None
    if category and chosen is None:
        return Status(200, {"count": 0, "page": page, "page_size": page_size, "items": []})
    qs = selectors.people_search(selectors.people_visible_to(actor), query=q, category=chosen, risk=risk or "")
    qs = selectors.with_open_memberships(qs.annotate(risk_rank=selectors.RISK_ORDER)
                                         .order_by("-risk_rank", "next_visit_due", "pk"))
    count = qs.count()
    start = (page - 1) * page_size
    today = timezone.localdate()
    items = [person_out(p, today=today) for p in qs[start:start + page_size]] if start < count else []
    return Status(200, {"count": count, "page": page, "page_size": page_size, "items": items})


@router.get("/people/{person_id}", response={200: PersonDetailOut, 404: ErrorOut, **ERRORS},
            summary="One person in care, with their last visits", url_name="care_person")
def get_person(request, person_id: int):
    person = _person(request, person_id)
    visits = list(selectors.person_visits(person)[:20])
    needs = selectors.needs_with_state(request.auth, visits)
    today = timezone.localdate()
    return Status(200, {
        **person_out(person, today=today),
        "carers": [str(a.carer) for a in selectors.carers_of(person)],
        "checklist_items": [[key, str(label)] for key, label in services.checklist_items(person)],
        "visits": [visit_out(v, needs.get(v.pk, [])) for v in visits],
    })


@router.get("/due", response={200: DueOut, **ERRORS}, summary="Your due list (我的走访)",
            description="The people you are responsible for who are overdue or due within three days, a page at a "
            "time: the overdue first, then the highest risk, then the earliest due; `count` is the whole list's "
            f"(read further pages while `page × page_size < count`). {DUE_PAGE_SIZE} a page unless `page_size` "
            "says otherwise (up to 200); a page past the end is empty. The first page also lists those due for "
            "a seasonal check now.")
def due(request, page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=200)] = DUE_PAGE_SIZE):
    actor = _staff(request)
    today = timezone.localdate()
    listed = selectors.due_list(actor, today=today)
    counts = selectors.due_counts(listed, today=today)
    start = (page - 1) * page_size
    people = (list(selectors.with_open_memberships(listed[start:start + page_size]))
              if start < counts["count"] else [])
    return Status(200, {
        **counts, "page": page, "page_size": page_size,
        "overdue": [person_out(p, today=today) for p in people if p.overdue],
        "due_soon": [person_out(p, today=today) for p in people if not p.overdue],
        "seasonal": {season.check.name: [person_out(p, today=today) for p in season.people]
                     for season in selectors.seasonal_due(actor, today=today)} if page == 1 else {},
    })


@router.post("/people/{person_id}/visits", response={201: VisitOut, 200: VisitOut, 404: ErrorOut, **ERRORS},
             summary="Record a visit (idempotent by token)",
             description="201 with the new visit; 200 with header Idempotent-Replayed: true when the token was "
             "recorded already (nothing is written twice). A need files a demand through the appeals services.")
def record_visit(request, response: HttpResponse, person_id: int, payload: VisitIn):
    actor = _staff(request)
    person = _person(request, person_id)
    need = None
    if payload.need is not None:
        need = services.NeedInput(title=payload.need.title.strip(), description=payload.need.description.strip(),
                                  appeal_type=payload.need.type)
    visit, created = services.visit_record(actor=actor, person=person, visited_at=payload.visited_at,
                                           token=payload.token, checklist=payload.checklist, notes=payload.notes,
                                           need=need)
    visit = selectors.visit_visible_to(actor, visit.pk)
    needs = selectors.needs_with_state(actor, [visit]).get(visit.pk, [])
    if not created:
        response["Idempotent-Replayed"] = "true"
    return Status(201 if created else 200, visit_out(visit, needs))
