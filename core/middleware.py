"""Response headers Django 5.2 does not set by itself: a strict Content-Security-Policy (every
asset is ours, so 'self' is all a page needs) and a Permissions-Policy; and the one handler that turns
a domain error raised by a page's view into a response."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from core.errors import DomainError


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        return response


# --- domain errors on pages ---------------------------------------------------------------------------

RETURN_ATTR = "_minsheng_refusal_return"


def returns_to(url_name: str, *kwarg_names: str):
    """For a POST-only view: where DomainErrorMiddleware sends the user when a service refuses and
    neither ``next`` nor the Referer says where they came from (the path itself would answer 405).
    ``kwarg_names`` are the view's URL arguments that ``url_name`` takes."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            setattr(request, RETURN_ATTR, (url_name, {name: kwargs[name] for name in kwarg_names}))
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _safe(request, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return None


def back_url(request) -> str:
    """Where the user was: a safe ``next``, else the Referer of this host, else the page the view names
    (``returns_to``), else the same path."""
    for candidate in (request.POST.get("next"), request.GET.get("next"), request.headers.get("Referer")):
        if url := _safe(request, candidate):
            return url
    named = getattr(request, RETURN_ATTR, None)
    if named is not None:
        return reverse(named[0], kwargs=named[1])
    return request.path


class DomainErrorMiddleware:
    """The one place a page turns a refused service call (core.errors.DomainError) into a response.

    A POST: the message is shown (django.contrib.messages) on the page the user came from, where the
    database is as it was before. A GET: an error page in the site layout, with the error's status
    (400, 403, 404, 409) and its message. The API (django-ninja) and Open311 answer their own errors
    before anything reaches here. A view that must show the error on a form field, with what was typed,
    keeps its own except and says so.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        message = str(exception.message)
        details = [str(d) for d in exception.details if str(d) != message]
        if request.method == "POST":
            messages.error(request, " ".join([message, *details]))
            return redirect(back_url(request))
        return render(request, "core/error.html", {
            "status": exception.status, "message": message, "details": details,
        }, status=exception.status)
