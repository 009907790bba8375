"""API tokens: issued and revoked by a superuser in the admin, presented by other systems as
``Authorization: Bearer <token>``. Only a SHA-256 hash of a token is stored, so a leaked database
does not leak working tokens; the token is shown once, when it is issued.

Also the two django-ninja authenticators the API's routers use: ``ApiTokenAuth`` (bearer) and
``SessionAuth`` (the signed-in browser, with Django's CSRF check on writes)."""

import copy
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from accounts.models import ApiToken
from core.audit import audit_record
from core.errors import NotAllowed
from orgs import scope_cache

TOKEN_PREFIX = "ms_"
# last_used_at is a hint for administrators, not an audit trail: writing it on every request would
# turn each read into a write, so it is refreshed at most once per interval.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def token_issue(*, actor, user, name: str) -> tuple[ApiToken, str]:
    """Create a token acting as ``user``; returns it with the clear token, which is never stored."""
    if not getattr(actor, "is_superuser", False):
        raise NotAllowed(_("Only a superuser may issue API tokens."))
    public = secrets.token_hex(4)  # 8 hex characters: enough to tell tokens apart in a list
    token = f"{TOKEN_PREFIX}{public}_{secrets.token_urlsafe(32)}"
    api_token = ApiToken.objects.create(user=user, name=(name or "").strip()[:80], prefix=f"{TOKEN_PREFIX}{public}",
                                        key_hash=_hash(token), created_by=actor)
    audit_record(actor=actor, verb="api_token.issue", target=api_token, data={"user": user.pk})
    return api_token, token


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke at once; idempotent. The row stays, for the audit trail."""
    if not getattr(actor, "is_superuser", False):
        raise NotAllowed(_("Only a superuser may revoke API tokens."))
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
        audit_record(actor=actor, verb="api_token.revoke", target=token)
        scope_cache.org_changed()  # every process forgets the tokens it kept: refused from the next request
    token.refresh_from_db()
    return token


# Tokens a process has seen, by hash, tagged with the version of who-may-do-what (orgs.scope_cache):
# a revoked token, a disabled account or any other change of a token or a user's access publishes a
# new version, and a kept token is used only under the version it was read with.
_kept = scope_cache.Kept(max_entries=10_000)


def _token_by_hash(key_hash: str) -> tuple[ApiToken, ApiToken]:
    """(a private copy for this request, the kept one); ApiToken.DoesNotExist for an unknown hash."""
    # get(), not first(): key_hash is unique, and first() would add an ORDER BY to build and run.
    kept = _kept.get_or_read(key_hash, lambda: ApiToken.objects.select_related("user").get(key_hash=key_hash))
    # Each request gets its own objects: what a request caches on its user (its memberships) or
    # changes must not reach the next one.
    token = copy.copy(kept)
    token.user = copy.copy(kept.user)
    return token, kept


def token_authenticate(raw: str) -> ApiToken:
    """The active token ``raw`` is, or AuthenticationError (401) saying what is wrong."""
    raw = (raw or "").strip()
    if not raw:
        raise AuthenticationError(message=_("The Authorization header has no token after “Bearer”."))
    try:
        api_token, kept = _token_by_hash(_hash(raw))
    except ApiToken.DoesNotExist:
        raise AuthenticationError(message=_("The API token is not valid.")) from None
    if api_token.revoked_at is not None:
        raise AuthenticationError(message=_("The API token was revoked; ask an administrator for a new one."))
    if not api_token.user.is_active:
        raise AuthenticationError(message=_("The account of this API token is disabled."))
    now = timezone.now()
    if api_token.last_used_at is None or api_token.last_used_at < now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        kept.last_used_at = api_token.last_used_at = now
    return api_token


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``. A bad token is refused outright (401 with the reason) rather
    than falling through to the session, so a misconfigured client learns what is wrong."""

    def __call__(self, request):
        header = request.headers.get(self.header, "")
        scheme, _sep, rest = header.partition(" ")
        if not header:
            return None
        if scheme.lower() != self.openapi_scheme:
            raise AuthenticationError(message=_("Use “Authorization: Bearer <token>”."))
        return self.authenticate(request, rest)

    def authenticate(self, request, token):
        api_token = token_authenticate(token)
        request.api_token = api_token
        request.user = api_token.user
        return api_token.user


class SessionAuth(APIKeyCookie):
    """A signed-in browser (the site's own pages calling the API). Unlike ninja's ``django_auth`` it
    checks CSRF only for a signed-in user, so a client with no credentials at all is told to send a
    token (401) instead of failing a CSRF check (403)."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            raise AuthenticationError(message=_("Authentication required: send “Authorization: Bearer <token>” "
                                                "with an API token, or sign in."))
        if (request.method not in ("GET", "HEAD", "OPTIONS")
                and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request)):
            raise HttpError(403, _("CSRF check failed: a signed-in browser must send the CSRF token."))
        return user


api_auth = [ApiTokenAuth(), SessionAuth()]
