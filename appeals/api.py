"""The appeals JSON API (/api/v1/appeals/): other systems (a 12345 hotline bridge, a mini program)
file demands and read those their account may see.

Authentication: ``Authorization: Bearer <token>`` (accounts.tokens) or a signed-in browser session.

Idempotency: a client that sends ``Idempotency-Key: <any unique string>`` with a create may retry it
as often as it likes (timeouts, dropped connections): the first request creates the appeal, every
retry with the same key and the same body gets the same answer (201, same body, plus
``Idempotent-Replayed: true``), and the same key with a different body is refused with 409, because
it means the client reused a key for a different demand. Keys belong to one client (one API token,
or one user when signed in), and are forgotten after settings.IDEMPOTENCY_KEY_DAYS (by appeals_sweep).
The key row is inserted in the appeal's own transaction and its unique constraint decides: there is
no look-up before creating (it would cost every create a query for the rare retry), so a retry, or the loser of two simultaneous requests with one key, has its appeal
rolled back whole and answers with the first request's appeal. A request refused for its content or
scope with a key that was already used answers as the first request did, as if checked first."""

import hashlib
import json
from datetime import datetime
from typing import Annotated

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status
from pydantic import ConfigDict, field_validator

from accounts.apikeys import api_auth, key_may_create_at, key_read_q, request_api_key
from appeals.models import Appeal, AppealType, Channel, IdempotencyKey, State
from appeals.selectors import appeals_visible_to
from appeals.services import Intake, appeal_create, default_place, intake_validate
from core.errors import BadInput, DomainError, NotAllowed, NotFound
from orgs.models import Unit

router = Router(tags=["appeals"], auth=api_auth)

# Channels a client may claim. "api" is the default; a hotline bridge or a staff app may record the
# channel the demand really came through (the intake service then checks the caller may record it).
API_CHANNELS = (Channel.API, Channel.HOTLINE, Channel.PHONE, Channel.GRID_VISIT)
MAX_KEY = 128
MAX_EXTERNAL_ID = 64
# Intake field names as the API spells them.
FIELD_NAMES = {"appeal_type": "type"}


class IdempotencyConflict(DomainError):
    status = 409


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

def tracking_url(request: HttpRequest, code: str) -> str:
    try:
        path = reverse("appeals:track_detail", kwargs={"code": code})
    except NoReverseMatch:
        path = f"/appeals/track/{code}/"
    return request.build_absolute_uri(path)


def appeal_out(request: HttpRequest, appeal: Appeal) -> dict:
    return {
        "code": appeal.code,
        "state": appeal.state,
        "state_label": str(appeal.get_state_display()),
        "type": appeal.appeal_type,
        "title": appeal.title,
        "description": appeal.description,
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
    if (api_key := request_api_key(request)) is not None:
        return f"apikey:{api_key.pk}"
    api_token = getattr(request, "api_token", None)
    return f"token:{api_token.pk}" if api_token is not None else f"user:{request.auth.pk}"


def _clean_key(raw: str | None) -> str:
    if raw is None:
        return ""
    key = raw.strip()
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise BadInput(_("The Idempotency-Key header must be 1 to %(max)s printable characters, such as a UUID.")
                       % {"max": MAX_KEY})
    return key


def _replay(client: str, key: str, fingerprint: str) -> Appeal | None:
    """The appeal an earlier request with this key created, or None; 409 when the bodies differ."""
    try:
        earlier = IdempotencyKey.objects.select_related("appeal__place").get(client=client, key=key)
    except IdempotencyKey.DoesNotExist:
        return None
    if earlier.request_hash != fingerprint:
        raise IdempotencyConflict(_(
            "The Idempotency-Key “%(key)s” was already used for a different request (appeal %(code)s). "
            "Send the identical body to retry that request, or a new key for a new appeal.")
            % {"key": key, "code": earlier.appeal.code})
    return earlier.appeal


def _intake(payload: AppealIn) -> Intake:
    """The service's Intake; BadInput listing every problem, the API's own checks and the intake's."""
    problems = {}
    place = None
    if payload.place_code.strip():
        # get(), not first(): the code is unique, and first() would make the ORM build an ORDER BY.
        try:
            place = Unit.objects.get(code=payload.place_code.strip(), is_active=True)
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
    """The appeals the caller may read: an organisation's API key those placed in its units, a
    person (token or session) those appeals_visible_to allows."""
    api_key = request_api_key(request)
    if api_key is None:
        return appeals_visible_to(request.auth)
    if not api_key.may_read:
        raise NotAllowed(_("This API key may not read appeals."))
    return Appeal.objects.filter(key_read_q(api_key)).select_related("place").order_by("-created_at")


def _create(request: HttpRequest, data: Intake) -> Appeal:
    """appeal_create as the caller: a person as the actor; an organisation's key, which is no person,
    only in its units and with no actor (like Open311)."""
    api_key = request_api_key(request)
    if api_key is None:
        return appeal_create(actor=request.auth, data=data)
    place = data.place or default_place()
    if not key_may_create_at(api_key, place):
        raise NotAllowed(_("This API key may not create appeals in %(place)s.") % {"place": place.name}
                         if api_key.may_create else _("This API key may not create appeals."))
    return appeal_create(actor=None, data=data)


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
    key = _clean_key(idempotency_key)
    client = _client(request)
    fingerprint = payload.fingerprint() if key else ""
    try:
        data = _intake(payload)
        with transaction.atomic():
            appeal = _create(request, data)
            if key:
                IdempotencyKey.objects.create(client=client, key=key, request_hash=fingerprint, appeal=appeal)
    except DomainError as exc:
        # Refused (bad content, out of scope): a retry of a request that once succeeded still gets
        # its answer, and a reused key its 409, exactly as if the key had been looked up first.
        if key and (earlier := _replay(client, key, fingerprint)) is not None:
            response["Idempotent-Replayed"] = "true"
            return Status(201, appeal_out(request, earlier))
        if isinstance(exc, BadInput):
            return Status(400, _bad_input(exc))
        raise
    except IntegrityError:
        # The key was taken: a retry, or a simultaneous request with the same key that committed
        # first. Everything this request wrote was rolled back; answer with the first one's appeal.
        earlier = _replay(client, key, fingerprint) if key else None
        if earlier is None:
            raise
        response["Idempotent-Replayed"] = "true"
        return Status(201, appeal_out(request, earlier))
    response["Location"] = reverse("api:appeal_detail", kwargs={"code": appeal.code})
    return Status(201, appeal_out(request, appeal))


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
