"""API tokens: issued and revoked by a superuser in the admin, presented by other systems as
``Authorization: Bearer <token>`` to act as a person. Stored, kept and touched like API keys
(accounts.credentials); the token is shown once, when it is issued. The native API's
authenticators are in accounts.authentication."""

from django.db import transaction
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError

from accounts.credentials import CredentialKind
from accounts.models import ApiToken
from core.errors import NotAllowed

TOKEN_PREFIX = "ms_"

TOKENS = CredentialKind(
    ApiToken, prefix=TOKEN_PREFIX, verb="api_token",
    read=lambda key_hash: ApiToken.objects.select_related("user").get(key_hash=key_hash),
    # Each request gets its own user: what it caches on it (its memberships) must not reach the next.
    private=("user",),
)


@transaction.atomic
def token_issue(*, actor, user, name: str) -> tuple[ApiToken, str]:
    """Create a token acting as ``user``; returns it with the clear token, which is never stored."""
    if not getattr(actor, "is_superuser", False):
        raise NotAllowed(_("Only a superuser may issue API tokens."))
    return TOKENS.issue(actor=actor, audit_data={"user": user.pk}, user=user, name=(name or "").strip()[:80])


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke at once; idempotent. The row stays, for the audit trail."""
    if not getattr(actor, "is_superuser", False):
        raise NotAllowed(_("Only a superuser may revoke API tokens."))
    return TOKENS.revoke(actor=actor, credential=token)


def token_authenticate(raw: str) -> ApiToken:
    """The active token ``raw`` is, or AuthenticationError (401) saying what is wrong."""
    raw = (raw or "").strip()
    if not raw:
        raise AuthenticationError(message=_("The Authorization header has no token after “Bearer”."))
    api_token = TOKENS.lookup(raw)
    if api_token is None:
        raise AuthenticationError(message=_("The API token is not valid."))
    if api_token.revoked_at is not None:
        raise AuthenticationError(message=_("The API token was revoked; ask an administrator for a new one."))
    if not api_token.user.is_active:
        raise AuthenticationError(message=_("The account of this API token is disabled."))
    TOKENS.touch(api_token)
    return api_token
