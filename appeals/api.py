"""The appeals JSON API (/api/v1/appeals/): other systems (a 12345 hotline bridge, a mini program)
file demands and read those their account may see.

Authentication (accounts.authentication): ``Authorization: Bearer <key or token>`` (an organisation's
API key, which files and reads as itself, in its units; a person's API token) or a signed-in browser
session. ``request.auth`` is the actor the services and selectors take.

Idempotency: a client that sends ``Idempotency-Key: <any unique string>`` with a create may retry it
as often as it likes (timeouts, dropped connections): the first request creates the appeal, every
retry with the same key and the same body gets the same answer (201, same body, plus
``Idempotent-Replayed: true``), and the same key with a different body is refused with 409, because
it means the client reused a key for a different demand. Keys belong to one client (one API token,
or one user when signed in), and are forgotten after settings.IDEMPOTENCY_KEY_DAYS (by appeals_sweep).
How a retry is told from a new request is the service's business (appeals.services.appeal_create_idempotent)."""

import hashlib
import json
from datetime import datetime
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status
from pydantic import ConfigDict, field_validator

from accounts.authentication import api_auth
from appeals import permissions
from appeals.exports import mask_text
from appeals.models import Appeal, AppealType, Channel, State
from appeals.selectors import appeals_visible_to
from appeals.services import Idempotency, Intake, appeal_create_idempotent, appeal_replay, intake_validate
from core.errors import BadInput, NotFound
from orgs import scope_cache
from orgs.models import Unit

router = Router(tags=["appeals"], auth=api_auth)

# Channels a client may claim. "api" is the default; a hotline bridge or a staff app may record the
# channel the demand really came through (the intake service then checks the caller may record it).
API_CHANNELS = (Channel.API, Channel.HOTLINE, Channel.PHONE, Channel.GRID_VISIT)
MAX_KEY = 128
MAX_EXTERNAL_ID = 64
_STATES = frozenset(State.values)
# Intake field names as the API spells them.
FIELD_NAMES = {"appeal_type": "type"}


# --- schemas -----------------------------------------------------------------------------------------

class AppealIn(Schema):
    """A new demand. Content is checked by the intake service, whose messages follow Accept-Language."""

    model_config = ConfigDict(json_schema_extra={"required": ["title", "description"]})

    type: str = Field(AppealType.HELP.value, description="投诉 complaint / 求助 help / 咨询 inquiry / 建议 "
                      "suggestion / 表扬 praise", json_schema_extra={"enum": AppealType.values})
    # The constraints below are documented for clients (and schemathesis); the intake service enforces
    # them, with messages in the caller's language, so they are not also enforced here.
    title: str = Field("", description="At most 100 characters.",
                       json_schema_extra={"minLength": 1, "maxLength": 100, "pattern": r"\S"})
    description: str = Field("", description="At most 4,000 characters.",
                             json_schema_extra={"minLength": 1, "maxLength": 4000, "pattern": r"\S"})
    place_code: str = Field("", description="Division code of the unit the demand concerns (GET /api/v1/orgs/units); "
                            "without it the whole city.", json_schema_extra={"pattern": r"^(\d{12})?$"})
    address: str = Field("", description="Free-text address, at most 200 characters.",
                         json_schema_extra={"maxLength": 200})
    latitude: float | None = Field(None, json_schema_extra={"minimum": -90, "maximum": 90})
    longitude: float | None = Field(None, json_schema_extra={"minimum": -180, "maximum": 180})
    contact_name: str = ""
    contact_phone: str = Field("", description="A mainland mobile number (the resident gets SMS updates) or a "
                               "landline with its area code, e.g. 0354-3021234 (no SMS).",
                               json_schema_extra={"pattern": r"^(1[3-9]\d{9}|0(10|2\d|[3-9]\d{2})-?[2-9]\d{6,7})?$"})
    anonymous: bool = Field(False, description="Hide the resident's name and phone from handlers.")
    external_id: str = Field("", description="The calling system's own reference, at most 64 characters.",
                             json_schema_extra={"maxLength": 64})
    channel: str = Field(Channel.API.value, json_schema_extra={"enum": [c.value for c in API_CHANNELS]})

    @field_validator("latitude", "longitude", mode="before")
    @classmethod
    def _number(cls, value, info):
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise ValueError(_("%(field)s must be a number.") % {"field": info.field_name})
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(_("%(field)s must be a number.") % {"field": info.field_name}) from None

    def fingerprint(self) -> str:
        """What makes two requests "the same request" for an idempotency key."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


class AppealOut(Schema):
    code: str = Field(description="The tracking code the resident uses (查询码).")
    state: str = Field(json_schema_extra={"enum": State.values})
    state_label: str
    type: str
    title: str
    description: str
    place_code: str
    place_name: str
    address: str
    channel: str
    external_id: str
    created_at: datetime
    due_at: datetime | None
    tracking_url: str = Field(description="Where the resident follows the appeal without signing in.")


class AppealPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AppealOut]


class ErrorOut(Schema):
    detail: str = Field(description="What is wrong, in the language of Accept-Language.")
    errors: list[str] = Field([], description="Each problem, when there are several.")
    fields: dict[str, str] = Field({}, description="The problem with each request field, by field name.")


class ValidationItem(Schema):
    type: str
    loc: list[str | int]
    msg: str


class ValidationErrorOut(Schema):
    detail: list[ValidationItem] = Field(description="The request's JSON or parameters do not fit the schema.")


class RateLimitOut(Schema):
    detail: str = Field(description="Which limit was reached and when to try again.")
    retry_after: int = Field(description="Seconds to wait, as in the Retry-After header.")


# --- helpers ----------------------------------------------------------------------------------------

# Paths reversed once per process and script prefix, with a placeholder for the code (a create
# reversed two URL names, which cost more than forming the strings).
_PLACEHOLDER = "__CODE__"
_paths: dict[tuple[str, str], str] = {}


def _path(name: str, code: str, fallback: str | None = None) -> str:
    key = (get_script_prefix(), name)
    template = _paths.get(key)
    if template is None:
        try:
            template = reverse(name, kwargs={"code": _PLACEHOLDER})
        except NoReverseMatch:
            if fallback is None:
                raise
            template = fallback
        _paths[key] = template
    return template.replace(_PLACEHOLDER, code)


def tracking_url(request: HttpRequest, code: str) -> str:
    return request.build_absolute_uri(_path("appeals:track_detail", code, f"/appeals/track/{_PLACEHOLDER}/"))


def appeal_out(request: HttpRequest, appeal: Appeal) -> dict:
    return {
        "code": appeal.code,
        "state": appeal.state,
        # The choice's label directly: get_state_display() builds a dict of all the choices per call.
        "state_label": str(State(appeal.state).label) if appeal.state in _STATES else appeal.state,
        "type": appeal.appeal_type,
        # Masked as the staff page masks them: a phone or ID number the resident typed is shown in the
        # clear only through the audited unmask on the staff page, never to an API client.
        "title": mask_text(appeal.title),
        "description": mask_text(appeal.description),
        "place_code": appeal.place.code,
        "place_name": appeal.place.name,
        "address": appeal.address,
        "channel": appeal.channel,
        "external_id": appeal.external_id,
        "created_at": appeal.created_at,
        "due_at": appeal.due_at,
        "tracking_url": tracking_url(request, appeal.code),
    }


def _client(request: HttpRequest) -> str:
    if (api_key := getattr(request, "api_key", None)) is not None:
        return f"apikey:{api_key.pk}"
    api_token = getattr(request, "api_token", None)
    return f"token:{api_token.pk}" if api_token is not None else f"user:{request.auth.pk}"


def _idempotency(request: HttpRequest, raw: str | None, payload: "AppealIn") -> Idempotency | None:
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise BadInput(_("The Idempotency-Key header must be 1 to %(max)s printable characters, such as a UUID.")
                       % {"max": MAX_KEY})
    return Idempotency(client=_client(request), key=key, fingerprint=payload.fingerprint())


def _intake(payload: AppealIn) -> Intake:
    """The service's Intake; BadInput listing every problem, the API's own checks and the intake's."""
    problems = {}
    place = None
    if payload.place_code.strip():
        # get(), not first(): the code is unique, and first() would make the ORM build an ORDER BY.
        code = payload.place_code.strip()
        try:
            # Kept per process under the org network's version (a unit's change applies at once).
            place = scope_cache.units_by_code.get_or_read(code, lambda: Unit.objects.get(code=code, is_active=True))
        except Unit.DoesNotExist:
            problems["place_code"] = _("No unit has the division code “%(code)s”.") % {"code": payload.place_code}
    if payload.channel not in API_CHANNELS:
        problems["channel"] = _("Through the API the channel must be one of %(choices)s.") % {
            "choices": ", ".join(API_CHANNELS)}
    if len(payload.external_id.strip()) > MAX_EXTERNAL_ID:
        problems["external_id"] = _("The external reference may be at most %(max)s characters.") % {
            "max": MAX_EXTERNAL_ID}
    data = Intake(
        title=payload.title, description=payload.description, appeal_type=payload.type,
        channel=payload.channel if payload.channel in API_CHANNELS else Channel.API,
        place=place, address=payload.address, latitude=payload.latitude, longitude=payload.longitude,
        contact_name=payload.contact_name, contact_phone=payload.contact_phone, anonymous=payload.anonymous,
        external_id=payload.external_id.strip(),
    )
    if problems:
        try:
            intake_validate(data)
        except BadInput as exc:
            problems = getattr(exc, "field_errors", {}) | problems
        exc = BadInput("; ".join(problems.values()), details=list(problems.values()))
        exc.field_errors = problems
        raise exc
    return data


def _bad_input(exc: BadInput) -> dict:
    fields = {FIELD_NAMES.get(name, name): str(message)
              for name, message in getattr(exc, "field_errors", {}).items()}
    return {"detail": str(exc.message), "errors": [str(e) for e in exc.details], "fields": fields}


def _visible(request: HttpRequest):
    """The appeals the caller (a person, or an organisation's API key) may read."""
    permissions.require_may_read_appeals(request.auth)
    return appeals_visible_to(request.auth)


def _created(request: HttpRequest, response: HttpResponse, appeal: Appeal, *, replayed: bool):
    if replayed:
        response["Idempotent-Replayed"] = "true"
    else:
        response["Location"] = _path("api:appeal_detail", appeal.code)
    # Built from the appeal's own fields, of the schema's types: constructed without validating it
    # again (django-ninja then only dumps it).
    return Status(201, AppealOut.model_construct(**appeal_out(request, appeal)))


# --- endpoints --------------------------------------------------------------------------------------

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut, 429: RateLimitOut}


@router.post(
    "/", response={201: AppealOut, **ERRORS, 409: ErrorOut}, summary="File a demand (诉求)",
    description="Creates an appeal in 待派单 with channel “api” and the token's account as its recorder. "
    "A staff member's token may file only for places in their scope; a resident's token files for the "
    "resident. Send Idempotency-Key to make retries safe: a retry with the same key and body returns the "
    "same appeal (201, header Idempotent-Replayed: true); the same key with another body is refused (409). "
    "A key is remembered for 30 days (IDEMPOTENCY_KEY_DAYS).",
)
def create_appeal(request, response: HttpResponse, payload: AppealIn,
                  idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key",
                                                                description="A unique string per demand, "
                                                                "e.g. a UUID.")] = None):
    idempotency = _idempotency(request, idempotency_key, payload)
    try:
        data = _intake(payload)
    except BadInput as exc:
        # Refused before the service saw it: a retry of a request that once succeeded still gets its
        # answer (and a reused key its 409), as the service does for what it refuses.
        earlier = appeal_replay(idempotency=idempotency) if idempotency else None
        if earlier is None:
            return Status(400, _bad_input(exc))
        return _created(request, response, earlier, replayed=True)
    try:
        appeal, replayed = appeal_create_idempotent(actor=request.auth, data=data, idempotency=idempotency)
    except BadInput as exc:
        return Status(400, _bad_input(exc))
    return _created(request, response, appeal, replayed=replayed)


@router.get("/", response={200: AppealPage, **ERRORS}, summary="Appeals you may see",
            description="Newest first. A resident's token sees the resident's appeals; a staff member's "
            "token the appeals in their scope and those they recorded.")
def list_appeals(request, state: Annotated[State | None, Query()] = None, page: Annotated[int, Query(ge=1)] = 1,
                 page_size: Annotated[int, Query(ge=1, le=100)] = 20):
    qs = _visible(request)
    if state:
        qs = qs.filter(state=state)
    count = qs.count()
    start = (page - 1) * page_size
    # Past the end there is nothing to fetch, and a huge page would overflow the database's OFFSET.
    items = [appeal_out(request, appeal) for appeal in qs[start:start + page_size]] if start < count else []
    return Status(200, {"count": count, "page": page, "page_size": page_size, "items": items})


@router.get("/{code}", response={200: AppealOut, 404: ErrorOut, **ERRORS}, url_name="appeal_detail",
            summary="One appeal by its tracking code")
def get_appeal(request, code: str):
    normalized = code.strip().upper().replace("-", "").replace(" ", "")
    appeal = _visible(request).filter(code=normalized).first()
    if appeal is None:
        # Same answer whether the code does not exist or is outside the caller's scope.
        raise NotFound(_("No appeal %(code)s among those you may see.") % {"code": code})
    return Status(200, appeal_out(request, appeal))
