"""The native API's authenticators (django-ninja): a bearer credential is an organisation's API key
(``msk_…``, accounts.apikeys) or a person's API token (``ms_…``, accounts.tokens), else the signed-in
browser session. Each request is counted against the rate limits (core.ratelimit) per address
before anything else, so guessing credentials is limited too, and per key, token or account once the
caller is known.

The authenticated principal (``request.auth``) is the ApiKey for a key, which the services and
selectors take as the actor, and the person for a token or a session."""

from django.conf import settings
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from accounts.apikeys import KEY_PREFIX, KEYS
from accounts.tokens import TOKENS, token_authenticate
from core import ratelimit
from orgs import scope_cache


def _limit(request, key=None, **kwargs) -> None:
    limited = ratelimit.check(request, key=key, **kwargs)
    if limited is not None:
        raise ratelimit.RateLimited(limited)


class BearerAuth(HttpBearer):
    """``Authorization: Bearer <API key or API token>``. A bad credential is refused outright (401
    with the reason) rather than falling through to the session, so a misconfigured client learns
    what is wrong."""

    def __call__(self, request):
        header = request.headers.get(self.header, "")
        scheme, _sep, rest = header.partition(" ")
        # Per address, before the credential is even looked at (the database is read for a credential
        # only after this). One round trip on Redis counts the address, the credential this process
        # has already seen for this header (only while the address is within its limit: the key's
        # count is what the second check would have made) and reads the org network's version.
        seen = self._seen(rest.strip()) if header and scheme.lower() == self.openapi_scheme else None
        _limit(request, read=(scope_cache.VERSION_KEY,), count_also=seen)
        scope_cache.version_read_with(getattr(request, "_ratelimit_read", {}).get(scope_cache.VERSION_KEY))
        if not header:
            return None
        if scheme.lower() != self.openapi_scheme:
            raise AuthenticationError(message=_("Use “Authorization: Bearer <key>”."))
        return self.authenticate(request, rest.strip())

    @staticmethod
    def _seen(token: str):
        return (KEYS if token.startswith(KEY_PREFIX) else TOKENS).seen(token)

    def authenticate(self, request, token):
        if token.startswith(KEY_PREFIX):
            key = KEYS.lookup(token)
            if key is None:
                raise AuthenticationError(message=_("The API key is not valid."))
            if key.revoked_at is not None:
                raise AuthenticationError(message=_("The API key was revoked; ask an administrator for a new one."))
            KEYS.touch(key)
            request.api_key = key
            _limit(request, key)
            return key
        api_token = token_authenticate(token)
        request.api_token = api_token
        request.user = api_token.user
        _limit(request, api_token)
        return api_token.user


class SessionAuth(APIKeyCookie):
    """A signed-in browser (the site's own pages calling the API), counted per account. Unlike ninja's
    ``django_auth`` it checks CSRF only for a signed-in user, so a client with no credentials at all is
    told to send a token (401) instead of failing a CSRF check (403)."""

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
        _limit(request, user)
        return user


api_auth = [BearerAuth(), SessionAuth()]
