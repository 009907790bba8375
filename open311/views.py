"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2) under /open311/v2/.

Every resource exists as ``.json`` and ``.xml``; errors are the spec's list of {code, description}
in the format asked for (XML when the extension itself is unknown), with HTTP 400, 403 or 404 (and
429 from the rate limiter). Writes need an ``api_key``; reads do not, and show only public fields.
``jurisdiction_id`` is accepted and ignored, as the spec allows for an endpoint serving one
jurisdiction. Requests are realtime: a POST answers with the ``service_request_id`` at once, so
there is no token resource.
"""

import functools
import re
from datetime import datetime, time, timedelta

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from accounts.apikeys import authenticate_api_key
from appeals.services import MAX_DESCRIPTION
from core import ratelimit
from core.errors import DomainError, NotAllowed, NotFound
from open311 import selectors
from open311.serializers import FORMATS, render, render_errors
from open311.services import ServiceRequest, open311_request_submit

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# Bumped when the shape of the service list or definitions changes (the discovery's changeset).
CHANGESET = "2025-06-01T00:00:00+08:00"
MAX_IDS = selectors.MAX_REQUESTS
# Dates outside these years name no service request and would overflow date arithmetic.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999
_ATTRIBUTE = re.compile(r"attribute\[([^\]]+)\](\[\])?")


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions):
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = [str(d) for d in descriptions]


def _status_of(exc: DomainError) -> int:
    if isinstance(exc, NotAllowed):
        return 403
    if isinstance(exc, NotFound):
        return 404
    return 400


def endpoint(*methods):
    """A GeoReport resource: the format checked, the method checked, the rate limit applied, and
    every failure turned into the spec's error document."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs) -> HttpResponse:
            if fmt not in FORMATS:
                return render_errors("xml", 400, _("Unknown format “%(fmt)s”: use .xml or .json.") % {"fmt": fmt})
            if request.method not in methods:
                response = render_errors(fmt, 400, _("%(method)s is not supported here; use %(allowed)s.")
                                         % {"method": request.method, "allowed": ", ".join(methods)})
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, fmt, **kwargs)
            except _Respond as early:
                return early.response
            except Open311Error as exc:
                return render_errors(fmt, exc.status, *exc.descriptions)
            except DomainError as exc:
                details = [str(d) for d in exc.details] or [str(exc.message)]
                return render_errors(fmt, _status_of(exc), *details)

        return wrapper

    return decorate


def _limit(request, fmt, key=None):
    """The platform's rate limits (core.ratelimit), per address and per key; over them, the spec's
    error document with 429 and Retry-After."""
    limited = ratelimit.check(request, key=key)
    if limited is None:
        return
    retry_after = limited.get("Retry-After")
    response = render_errors(fmt, 429, _("Too many requests; try again in %(seconds)s seconds.")
                             % {"seconds": retry_after or "a few"})
    if retry_after:
        response["Retry-After"] = retry_after
    raise _Respond(response)


class _Respond(Exception):
    def __init__(self, response):
        super().__init__()
        self.response = response


def _param(request, name: str) -> str:
    source = request.POST if request.method == "POST" else request.GET
    return (source.get(name) or "").strip()


def _read_key(request, fmt, required: bool):
    """The request's api_key (None when optional and absent); the rate limit applied either way, so
    guessing keys is limited by address too."""
    raw = _param(request, "api_key")
    key = authenticate_api_key(raw) if raw else None
    _limit(request, fmt, key)
    if not raw:
        if required:
            raise Open311Error(403, _("api_key is required to submit a service request."))
        return None
    if key is None:
        raise Open311Error(403, _("Invalid api_key: it is unknown or has been revoked."))
    return key


# --- discovery and services -----------------------------------------------------------------------

@endpoint("GET")
def discovery(request, fmt):
    _limit(request, fmt)
    root = request.build_absolute_uri(reverse("open311:root"))
    document = {
        "changeset": CHANGESET,
        "contact": _("Contact the platform administrator of this city's Minsheng (民生) service."),
        "key_service": _("API keys are issued per integrating organisation by the platform administrator."),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": root.rstrip("/"),
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    }
    return render(fmt, "discovery", document)


@endpoint("GET")
def services(request, fmt):
    _limit(request, fmt)
    return render(fmt, "services", [selectors.service_document(s) for s in selectors.services_catalogue()])


@endpoint("GET")
def service_definition(request, fmt, code):
    _limit(request, fmt)
    service = selectors.service_by_code(code)
    if service is None:
        raise Open311Error(404, _("service_code “%(code)s” was not found.") % {"code": code})
    return render(fmt, "service_definition", selectors.definition_document(service))


# --- requests -------------------------------------------------------------------------------------

@endpoint("GET", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    key = _read_key(request, fmt, required=False)
    ids_param = _param(request, "service_request_id")
    if ids_param:
        appeals = selectors.public_requests(ids=_ids(ids_param), api_key=key)
    else:
        start, end = _window(_param(request, "start_date"), _param(request, "end_date"))
        appeals = selectors.public_requests(codes=_codes(_param(request, "service_code")), start=start, end=end,
                                            statuses=_statuses(_param(request, "status")), api_key=key)
    return render(fmt, "service_requests", selectors.request_documents(appeals))


@endpoint("GET")
def request_detail(request, fmt, request_id):
    key = _read_key(request, fmt, required=False)
    number = _request_number(request_id)
    appeals = selectors.public_requests(ids=[number], api_key=key) if number is not None else []
    documents = selectors.request_documents(appeals)
    if not documents:
        raise Open311Error(404, _("Service request “%(id)s” was not found.") % {"id": request_id})
    return render(fmt, "service_requests", documents)


@csrf_exempt
def root(request):
    """The endpoint's root answers with the discovery document, as the spec suggests."""
    return discovery(request, "xml")


@csrf_exempt
def not_found(request, rest=""):
    fmt = rest.rsplit(".", 1)[-1] if "." in rest else "xml"
    return render_errors(fmt, 404, _("There is no GeoReport resource at “%(path)s”.") % {"path": request.path})


def _request_number(text: str) -> int | None:
    """A service_request_id as a row id: ASCII digits only ("²" and "١" are digits to Python, not to a
    database) and within a bigint."""
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        return None
    return int(text)


def _ids(text: str) -> list[int]:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    numbers = [_request_number(part) for part in parts]
    if None in numbers:
        raise Open311Error(400, _("service_request_id must be numbers separated by commas."))
    if len(parts) > MAX_IDS:
        raise Open311Error(400, _("At most %(n)s service_request_id values at once.") % {"n": MAX_IDS})
    return numbers


def _codes(text: str) -> list[str]:
    codes = [part.strip() for part in text.split(",") if part.strip()]
    unknown = sorted(set(codes) - selectors.known_service_codes(codes))
    if unknown:
        raise Open311Error(404, *[_("service_code “%(code)s” was not found.") % {"code": c} for c in unknown])
    return codes


def _statuses(text: str) -> list[str]:
    statuses = [part.strip().lower() for part in text.split(",") if part.strip()]
    wrong = [s for s in statuses if s not in ("open", "closed")]
    if wrong:
        raise Open311Error(400, _("status must be open or closed (or both, separated by a comma), not “%(value)s”.")
                           % {"value": ", ".join(wrong)})
    return statuses


def _parse_moment(text: str, name: str) -> datetime | None:
    """A W3C date-time (2010-01-01T00:00:00Z, with an offset) or a date (the start of that day,
    local time). A date-time without an offset is read as local time."""
    if not text:
        return None
    try:
        moment = parse_datetime(text.replace(" ", "+")) if "T" in text else None
        if moment is None and "T" not in text:
            day = parse_date(text)
            moment = datetime.combine(day, time.min) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(400, _("%(name)s “%(value)s” is not a W3C date-time such as 2010-01-01T00:00:00Z.")
                           % {"name": name, "value": text})
    if not (EARLIEST_YEAR <= moment.year <= LATEST_YEAR):
        # Year 1 or 9999 overflow as soon as they are shifted to UTC or widened by the 90-day window.
        raise Open311Error(400, _("%(name)s must lie between the years %(first)s and %(last)s.")
                           % {"name": name, "first": EARLIEST_YEAR, "last": LATEST_YEAR})
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _window(start_text: str, end_text: str) -> tuple[datetime, datetime]:
    """The spec's window: start_date..end_date, at most 90 days; the most recent 90 days by default."""
    start = _parse_moment(start_text, "start_date")
    end = _parse_moment(end_text, "end_date")
    span = timedelta(days=selectors.DEFAULT_DAYS)
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - span
    if end is None:
        end = start + span
    if start > end:
        raise Open311Error(400, _("start_date must be before end_date."))
    if end - start > span:
        raise Open311Error(400, _("start_date and end_date may be at most %(days)s days apart.")
                           % {"days": selectors.DEFAULT_DAYS})
    return start, end


# --- POST requests ---------------------------------------------------------------------------------

def _attributes(request) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name in request.POST:
        match = _ATTRIBUTE.fullmatch(name)
        if match:
            values = [v.strip() for v in request.POST.getlist(name) if v.strip()]
            found.setdefault(match.group(1), []).extend(values)
    return found


def _check_attributes(service, given: dict[str, list[str]]) -> list[str]:
    problems = []
    for attribute in service.attributes:
        values = given.get(attribute.code, [])
        if not values:
            if attribute.required:
                problems.append(_("attribute[%(code)s] is required: %(description)s")
                                % {"code": attribute.code, "description": attribute.description})
            continue
        if attribute.datatype in ("singlevaluelist", "multivaluelist"):
            allowed = [key for key, _name in attribute.values]
            if attribute.datatype == "singlevaluelist" and len(values) > 1:
                problems.append(_("attribute[%(code)s] takes one value.") % {"code": attribute.code})
            for value in values:
                if value not in allowed:
                    problems.append(_("attribute[%(code)s] “%(value)s” is not one of %(allowed)s.")
                                    % {"code": attribute.code, "value": value, "allowed": ", ".join(allowed)})
    return problems


def _coordinate(text: str, name: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not (low <= value <= high):
        raise Open311Error(400, _("%(name)s must be a number between %(low)s and %(high)s (WGS84).")
                           % {"name": name, "low": low, "high": high})
    return value


def _create(request, fmt):
    key = _read_key(request, fmt, required=True)
    problems = []
    code = _param(request, "service_code")
    if not code:
        raise Open311Error(400, _("service_code is required."))
    service = selectors.service_by_code(code)
    if service is None:
        raise Open311Error(404, _("service_code “%(code)s” was not found.") % {"code": code})

    lat_text, long_text = _param(request, "lat"), _param(request, "long")
    address = _param(request, "address_string")
    address_id = _param(request, "address_id")
    description = _param(request, "description")
    if not (lat_text or long_text or address or address_id):
        problems.append(_("A location is required: lat and long, address_string or address_id."))
    latitude = longitude = None
    if lat_text or long_text:
        if not (lat_text and long_text):
            problems.append(_("lat and long must be sent together."))
        else:
            try:
                latitude = _coordinate(lat_text, "lat", -90, 90)
                longitude = _coordinate(long_text, "long", -180, 180)
            except Open311Error as exc:
                problems += exc.descriptions
    if len(description) > MAX_DESCRIPTION:
        problems.append(_("description may be at most %(limit)s characters; this one has %(n)s.")
                        % {"limit": f"{MAX_DESCRIPTION:,}", "n": f"{len(description):,}"})
    media_url = _param(request, "media_url")
    if media_url and (len(media_url) > 1000 or not re.match(r"https?://[^\s/]+", media_url)):
        problems.append(_("media_url must be an http(s) URL of at most 1,000 characters."))
    attributes = _attributes(request)
    problems += _check_attributes(service, attributes)
    place = None
    if address_id:
        place = selectors.unit_by_code(address_id)
        if place is None:
            problems.append(_("address_id “%(id)s” is not the division code of any place here.") % {"id": address_id})
    if problems:
        raise Open311Error(400, *problems)

    appeal = open311_request_submit(api_key=key, request=ServiceRequest(
        service=service,
        description=description,
        place=place,
        address=address,
        latitude=latitude,
        longitude=longitude,
        contact_name=(_param(request, "last_name") + _param(request, "first_name")).strip(),
        phone=_param(request, "phone"),
        email=_param(request, "email"),
        media_url=media_url,
        jurisdiction_id=_param(request, "jurisdiction_id"),
        device_id=_param(request, "device_id"),
        account_id=_param(request, "account_id"),
        attributes=attributes,
    ))
    notice = _("Received. Tracking code %(code)s: the resident can follow the request with it.") % {
        "code": appeal.code}
    return render(fmt, "service_requests", [{
        "service_request_id": str(appeal.pk),
        "service_notice": notice,
        "account_id": _param(request, "account_id") or None,
    }], status=201)
