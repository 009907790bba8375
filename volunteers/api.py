"""The volunteers JSON API (/api/v1/volunteers/): activities open for sign-up with their slots, a
volunteer's sign-up and withdrawal, and 我的时长 (the hours ledger and the total).

Any credential lists activities (an organisation's key included: a partner's app shows them); signing
up, withdrawing and the hours are a volunteer's own, so they take a person's API token or a signed-in
session, of an approved volunteer. The rules are the services' (a full slot, a second sign-up, a slot
that has started: 400 or 409 with the reason), the same the pages call."""

from datetime import date, datetime
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from accounts.authentication import api_auth
from appeals.api import ErrorOut, RateLimitOut, ValidationErrorOut
from core.errors import NotAllowed, NotFound
from volunteers import selectors, services
from volunteers.models import Activity, EntryKind, Signup, SignupStatus, Slot

router = Router(tags=["volunteers"], auth=api_auth)

ERRORS = {401: ErrorOut, 422: ValidationErrorOut, 429: RateLimitOut}
REFUSALS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class SlotOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    places_left: int


class ActivityOut(Schema):
    id: int
    title: str
    description: str
    place: str
    unit_code: str
    unit_name: str
    organisation: str
    skills: list[str]
    slots: list[SlotOut] = Field(description="The slots still to come.")


class ActivityPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ActivityOut]


class SignupOut(Schema):
    id: int
    activity_id: int
    activity_title: str
    slot: SlotOut
    status: str = Field(json_schema_extra={"enum": SignupStatus.values})
    checked_in_at: datetime | None
    checked_out_at: datetime | None


class HoursEntryOut(Schema):
    id: int
    kind: str = Field(json_schema_extra={"enum": EntryKind.values})
    minutes: int = Field(description="Negative for a correction that takes time away.")
    served_on: date
    activity: str
    reason: str


class HoursOut(Schema):
    total_minutes: int
    total_hours: float
    entries: list[HoursEntryOut] = Field(description="Newest first, at most 200.")


def _person(request: HttpRequest):
    from accounts.models import User

    actor = request.auth
    if not isinstance(actor, User) or not actor.is_active:
        raise NotAllowed(_("Volunteering is a person's: use a person's API token or sign in."))
    return actor


def _volunteer(request):
    volunteer = selectors.volunteer_of(_person(request))
    if volunteer is None:
        raise NotAllowed(_("Apply as a volunteer first."))
    return volunteer


def slot_out(slot: Slot) -> dict:
    return {"id": slot.pk, "starts_at": slot.starts_at, "ends_at": slot.ends_at, "capacity": slot.capacity,
            "places_left": max(slot.capacity - slot.taken, 0)}


def activity_out(activity: Activity) -> dict:
    return {
        "id": activity.pk, "title": activity.title, "description": activity.description, "place": activity.place,
        "unit_code": activity.unit.code, "unit_name": activity.unit.name,
        "organisation": activity.organisation.name if activity.organisation_id else "",
        "skills": [s.name for s in activity.skills.all()],
        "slots": [slot_out(s) for s in selectors.future_slots(activity)],
    }


def signup_out(signup: Signup) -> dict:
    return {"id": signup.pk, "activity_id": signup.slot.activity_id, "activity_title": signup.slot.activity.title,
            "slot": slot_out(signup.slot), "status": signup.status, "checked_in_at": signup.checked_in_at,
            "checked_out_at": signup.checked_out_at}


@router.get("/activities", response={200: ActivityPage, **ERRORS}, summary="Activities open for sign-up",
            description="Open activities with a slot still to come; for a volunteer, those of their county.")
def activities(request, page: Annotated[int, Query(ge=1, le=10000)] = 1,
               page_size: Annotated[int, Query(ge=1, le=50)] = 20):
    from accounts.models import User

    volunteer = selectors.volunteer_of(request.auth) if isinstance(request.auth, User) else None
    qs = selectors.open_activities(volunteer=volunteer).prefetch_related("skills")
    count = qs.count()
    start = (page - 1) * page_size
    items = [activity_out(a) for a in qs[start:start + page_size]] if start < count else []
    return Status(200, {"count": count, "page": page, "page_size": page_size, "items": items})


@router.post("/activities/{activity_id}/slots/{slot_id}/signups", response={201: SignupOut, **REFUSALS, **ERRORS},
             summary="Sign up for a slot",
             description="An approved volunteer takes a place; a full slot, one that has started or a second "
             "sign-up is refused with the reason.")
def sign_up(request, activity_id: int, slot_id: int):
    person = _person(request)
    slot = Slot.objects.select_related("activity").filter(pk=slot_id, activity_id=activity_id).first()
    if slot is None:
        raise NotFound(_("No such time slot."))
    signup = services.signup_create(actor=person, slot=slot)
    signup = Signup.objects.select_related("slot__activity").get(pk=signup.pk)
    return Status(201, signup_out(signup))


@router.post("/signups/{signup_id}/withdraw", response={200: SignupOut, **REFUSALS, **ERRORS},
             summary="Withdraw from a slot", description="Until the activity's cut-off before the slot starts.")
def withdraw(request, signup_id: int):
    volunteer = _volunteer(request)
    signup = Signup.objects.select_related("slot__activity", "volunteer").filter(pk=signup_id,
                                                                                volunteer=volunteer).first()
    if signup is None:
        raise NotFound(_("No such sign-up."))
    services.signup_withdraw(actor=request.auth, signup=signup)
    return Status(200, signup_out(Signup.objects.select_related("slot__activity").get(pk=signup.pk)))


@router.get("/signups/mine", response={200: list[SignupOut], 403: ErrorOut, **ERRORS},
            summary="My sign-ups still to serve")
def my_signups(request):
    volunteer = _volunteer(request)
    return Status(200, [signup_out(s) for s in selectors.upcoming_signups(volunteer)[:100]])


@router.get("/hours/mine", response={200: HoursOut, 403: ErrorOut, **ERRORS}, summary="My hours (我的时长)",
            description="The hours ledger: service entries and corrections (each with its reason), and the total.")
def my_hours(request):
    volunteer = _volunteer(request)
    total = selectors.total_minutes(volunteer)
    entries = [{"id": e.pk, "kind": e.kind, "minutes": e.minutes, "served_on": e.served_on,
                "activity": e.activity.title if e.activity_id else "", "reason": e.reason}
               for e in selectors.ledger(volunteer).order_by("-served_on", "-pk")[:200]]
    return Status(200, {"total_minutes": total, "total_hours": round(total / 60, 1), "entries": entries})
