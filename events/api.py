"""events's JSON API under /api/v1/events/: the events the caller may see (a resident: those of their
village or community and of the units above it; staff: their scope), one event with its results, and a
resident's own sign-ups. Reading only: signing up is done on the event's page. Personal data is masked
as on the pages; an organisation's API key sees nothing here (events are for people)."""

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from accounts.authentication import api_auth
from appeals.api import ErrorOut, RateLimitOut, ValidationErrorOut
from core.errors import NotAllowed, NotFound
from events import permissions, selectors
from events.models import Event, EventKind, EventState, SignupState

router = Router(tags=["events"], auth=api_auth)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut, 429: RateLimitOut}


class EventOut(Schema):
    id: int
    title: str
    kind: str = Field(json_schema_extra={"enum": EventKind.values})
    kind_label: str
    state: str = Field(json_schema_extra={"enum": EventState.values})
    unit_code: str
    unit_name: str
    organiser: str = Field(description="The department's name when a department organises it, else the unit's.")
    place: str
    starts_at: datetime
    ends_at: datetime
    signup_opens_at: datetime
    signup_closes_at: datetime
    capacity: int = Field(description="Places: people, or teams when teams sign up.")
    confirmed: int
    takes_teams: bool
    team_min: int | None
    team_max: int | None


class ResultOut(Schema):
    rank: int | None
    award: str
    winner: str


class EventDetailOut(EventOut):
    description: str
    contact_phone: str
    results: list[ResultOut]
    results_note: str
    photos: list[str] = Field(description="Addresses of the event's photos (served to those who see the event).")


class EventPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[EventOut]


class SignupOut(Schema):
    id: int
    event_id: int
    event_title: str
    starts_at: datetime
    name: str = Field(description="The team's name, or the person's.")
    is_team: bool
    people: int
    members: list[str] = Field(description="Team members' names and masked mobiles.")
    state: str = Field(json_schema_extra={"enum": SignupState.values})
    code: str = Field(description="The check-in code the QR code carries.")


def _person(request: HttpRequest):
    from accounts.models import User

    actor = request.auth
    if not isinstance(actor, User) or not actor.is_active:
        raise NotAllowed(_("The events API is for residents and staff, signed in."))
    return actor


def _visible(actor):
    if permissions.is_resident(actor):
        return selectors.events_for_resident(actor)
    return selectors.events_visible_to(actor)


def event_out(event: Event) -> dict:
    return {
        "id": event.pk, "title": event.title, "kind": event.kind, "kind_label": str(event.get_kind_display()),
        "state": event.state, "unit_code": event.unit.code, "unit_name": event.unit.name,
        "organiser": event.department.name if event.department_id else event.unit.name, "place": event.place,
        "starts_at": event.starts_at, "ends_at": event.ends_at, "signup_opens_at": event.signup_opens_at,
        "signup_closes_at": event.signup_closes_at, "capacity": event.capacity, "confirmed": event.confirmed,
        "takes_teams": event.takes_teams, "team_min": event.team_min, "team_max": event.team_max,
    }


@router.get("/events", response={200: EventPage, **ERRORS}, summary="Events you may see",
            description="A resident: the events of their village or community and of the units above it; staff: "
            "the events of their scope. Upcoming first (soonest first), then the past (latest first).")
def list_events(request, kind: Annotated[EventKind | None, Query()] = None,
                page: Annotated[int, Query(ge=1)] = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 20):
    actor = _person(request)
    qs = _visible(actor)
    if kind:
        qs = qs.filter(kind=kind)
    upcoming, past = selectors.upcoming_and_past(qs)
    items = upcoming + past
    start = (page - 1) * page_size
    return Status(200, {"count": len(items), "page": page, "page_size": page_size,
                        "items": [event_out(e) for e in items[start:start + page_size]]})


@router.get("/events/{event_id}", response={200: EventDetailOut, 404: ErrorOut, **ERRORS},
            summary="One event, with its results and photos", url_name="events_event")
def get_event(request, event_id: int):
    actor = _person(request)
    event = _visible(actor).filter(pk=event_id).first()
    if event is None:
        raise NotFound(_("No such event for your community or county."))
    from django.urls import reverse

    return Status(200, {
        **event_out(event), "description": event.description, "contact_phone": event.contact_phone,
        "results": [{"rank": r.rank, "award": r.award, "winner": r.winner} for r in event.results.all()]
        if event.has_results else [],
        "results_note": event.results_note,
        "photos": [reverse("events:photo", args=[p.pk]) for p in event.photos.all()],
    })


@router.get("/signups", response={200: list[SignupOut], **ERRORS}, summary="Your sign-ups (我的活动)",
            description="A resident's sign-ups, newest event first (the last 100).")
def my_signups(request):
    actor = _person(request)
    if not permissions.is_resident(actor):
        raise NotAllowed(_("Only residents have sign-ups."))
    return Status(200, [{
        "id": s.pk, "event_id": s.event_id, "event_title": s.event.title, "starts_at": s.event.starts_at,
        "name": s.name, "is_team": s.is_team, "people": s.people,
        "members": [f"{m.name} {m.masked_phone}".strip() for m in s.members.all()],
        "state": s.state, "code": s.code,
    } for s in selectors.signups_of(actor)[:100]])
