"""The edge of the platform: what arrives is made fit to keep before any view sees it, and what fails is
answered in the caller's format and language, never as a bare 500.

- ``InputBoundaryMiddleware`` runs ``core.text.clean_input`` over every query and form parameter and
  every string of a JSON body (control characters, NUL and lone surrogates removed), so that no
  intake path, present or future, can store what breaks a page, an export or PostgreSQL; a path that
  itself holds such a character names nothing and answers 404.
- ``refusal`` answers an error in the caller's format: a face with its own error document (Open311)
  registers it with ``register_error_format``; otherwise JSON for the API, the site's page for people.
- ``server_error`` (handler500) turns a database outage into 503 with Retry-After and a friendly
  "系统繁忙" page (JSON for the API), rendered without touching the database.
"""

import json
import logging
import re
import sys
from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse, QueryDict
from django.template import loader
from django.utils.translation import gettext as _

from core.text import clean_input, clean_value, has_hostile

log = logging.getLogger(__name__)

# Seconds a client is asked to wait after an outage answer.
OUTAGE_RETRY_AFTER = 30

# path prefix → render(request, status, message) for faces with their own error document.
_FORMATS: list[tuple[str, Callable[[object, int, str], HttpResponse]]] = []


def register_error_format(prefix: str, render: Callable[[object, int, str], HttpResponse]) -> None:
    """A face (Open311) answers errors under ``prefix`` in its own document; called from AppConfig.ready."""
    _FORMATS.append((prefix, render))


def wants_json(request) -> bool:
    path = request.path_info
    if path.startswith("/api/") or path.endswith(".json"):
        return True
    return "application/json" in request.headers.get("Accept", "")


def refusal(request, status: int, message: str, *, retry_after: int | None = None, page: bool = True) -> HttpResponse:
    """An error answer in the caller's format. ``page`` False: a page that cannot touch the database
    (no layout, no menu)."""
    path = request.path_info
    response = None
    for prefix, render in _FORMATS:
        if path.startswith(prefix):
            response = render(request, status, message)
            break
    if response is None and wants_json(request):
        body = {"detail": message, "errors": [], "fields": {}}
        if retry_after is not None:
            body["retry_after"] = retry_after
        response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    if response is None:
        if page:
            from django.shortcuts import render as render_page

            response = render_page(
                request, "core/error.html", {"status": status, "message": message, "details": []}, status=status
            )
        else:
            html = loader.get_template("core/busy.html").render({"status": status, "message": message})
            response = HttpResponse(html, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
        response["Cache-Control"] = "no-store"
    return response


# A JSON body that may carry what clean_input removes: a \\u escape of a control character or a
# surrogate, or a raw control byte. Bodies without one (nearly all) are passed on untouched.
_JSON_SUSPECT = re.compile(
    rb"\\u(?:00[01][0-9a-fA-F]|007[fF]|008[0-9a-fA-F]|009[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2})"
    rb"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _clean_querydict(data: QueryDict) -> QueryDict:
    if not any(has_hostile(key) or any(has_hostile(v) for v in values) for key, values in data.lists()):
        return data
    cleaned = QueryDict(mutable=True)
    for key, values in data.lists():
        cleaned.setlist(clean_input(key), [clean_input(v) for v in values])
    cleaned._mutable = False
    return cleaned


class InputBoundaryMiddleware:
    """Every parameter cleaned with core.text.clean_input before a view reads it (see the module's
    docstring); a path holding a control character is refused with 404 in the caller's format."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_hostile(request.path_info):
            return refusal(request, 404, _("There is nothing at this address: it holds characters no address has."))
        request.GET = _clean_querydict(request.GET)
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            content_type = request.content_type or ""
            if content_type in _FORM_TYPES:
                request.POST = _clean_querydict(request.POST)
            elif content_type.endswith("json"):
                self._clean_json(request)
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path_info.startswith("/api/")
            and response.get("Content-Type", "").startswith("text/html")
        ):
            # No route at all under /api/: still an API answer.
            return refusal(request, 404, _("There is no API resource at this address."))
        return response

    @staticmethod
    def _clean_json(request) -> None:
        body = request.body
        if not _JSON_SUSPECT.search(body):
            return
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return  # the API answers unparseable JSON itself
        request._body = json.dumps(clean_value(data), ensure_ascii=False).encode()


# --- outages ------------------------------------------------------------------------------------------------

OUTAGE_ERRORS = (OperationalError, InterfaceError)


def is_outage(exc: BaseException | None) -> bool:
    """A database that cannot be reached (connection refused, dropped, server shutting down), as opposed
    to a bug: a DatabaseError raised because of the query itself is not an outage."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OUTAGE_ERRORS):
            return True
        if isinstance(exc, DatabaseError):
            return False
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def server_error(request, *args, **kwargs):
    """handler500: a database outage is 503 "系统繁忙" with Retry-After (JSON for the API, the spec's
    document for Open311); anything else 500 in the same formats. Never touches the database."""
    exc = sys.exc_info()[1]
    if is_outage(exc):
        message = _("The system is busy (系统繁忙): the service is briefly unavailable. Please try again in a minute.")
        return refusal(request, 503, message, retry_after=OUTAGE_RETRY_AFTER, page=False)
    return refusal(
        request, 500, _("Something went wrong on our side. It has been logged; please try again later."), page=False
    )
