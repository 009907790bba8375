"""People who use Minsheng: staff (username and password) and residents (phone and one-time code)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField, Masked, blind_index


class UserKind(models.TextChoices):
    STAFF = "staff", _("Staff")
    RESIDENT = "resident", _("Resident")


class User(AbstractUser):
    kind = models.CharField(_("kind"), max_length=16, choices=UserKind.choices, default=UserKind.STAFF)
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    # The phone number is personal data: stored encrypted, found through a keyed hash.
    phone = EncryptedTextField(_("mobile phone"), blank=True, default="")
    phone_index = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    PERSONAL_INDEXES = {"phone_index": "phone"}  # recomputed by manage.py personal_data_rekey
    # PIPL: a resident registers only after agreeing to the privacy notice (accounts/privacy.py); when,
    # and to which version of it. Blank for staff and for residents registered before it was asked.
    privacy_consent_at = models.DateTimeField(_("privacy notice agreed at"), null=True, blank=True, editable=False)
    privacy_consent_version = models.CharField(_("privacy notice version agreed"), max_length=20, blank=True,
                                               default="", editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    def save(self, *args, **kwargs):
        # The index always follows the phone, however the account was made (createsuperuser, the shell,
        # an import), or signing in with that phone would find nobody and register a stranger.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "phone" in update_fields:
            self.phone_index = blind_index(self.phone) if self.phone else None
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "phone_index"}
        super().save(*args, **kwargs)

    @property
    def is_resident(self) -> bool:
        return self.kind == UserKind.RESIDENT

    masked_phone = Masked("phone")


class OneTimeCode(models.Model):
    """A login code sent by SMS to a resident's phone; only its hash is kept."""

    phone_index = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M}"


class Credential(models.Model):
    """What an API token and an API key have in common: a secret another system presents, of which
    only a SHA-256 hash is kept; the prefix identifies it in lists and logs (accounts.credentials)."""

    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(User, verbose_name=_("issued by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiToken(Credential):
    """A key another system uses to call the API as ``user`` (``Authorization: Bearer <token>``)."""

    user = models.ForeignKey(User, verbose_name=_("acts as"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80, help_text=_("What the token is for, e.g. “12345 hotline bridge”."))

    class Meta(Credential.Meta):
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class ApiKey(Credential):
    """A key an integrating organisation (a FixMyStreet site, a vendor's app) uses for Open311 and
    the native API, scoped to the units whose appeals it may create or read (each unit with the
    units below it). Unlike an ApiToken it acts as no person: the scope rule (orgs.selectors) asks
    the key itself for its scope, through ``unit_scope``."""

    organisation = models.CharField(_("organisation"), max_length=200,
                                     help_text=_("Who integrates with this key, e.g. “FixMyStreet 晋中”."))
    units = models.ManyToManyField("orgs.Unit", verbose_name=_("units"), related_name="+",
                                   help_text=_("The key may create and read appeals in these units and the "
                                               "units below them."))
    may_create = models.BooleanField(_("may create appeals"), default=True)
    may_read = models.BooleanField(_("may read appeals"), default=True)

    class Meta(Credential.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.organisation} ({self.prefix}…)"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def unit_paths(self) -> tuple[str, ...]:
        """The materialised paths of the key's units (each one covers its subtree); read once per
        object, and kept with the key by accounts.apikeys."""
        cached = self.__dict__.get("_unit_paths")
        if cached is None:
            cached = tuple(sorted(unit.path for unit in self.units.all()))
            self.__dict__["_unit_paths"] = cached
        return cached

    def unit_scope(self, purpose: str):
        """orgs.selectors.OwnScope: the subtrees of the key's units for ``purpose`` (orgs.selectors.Purpose),
        empty once revoked or when the key may not do that."""
        from orgs.selectors import Purpose, Scope

        if self.revoked_at is not None:
            return Scope()
        if (purpose == Purpose.READ and not self.may_read) or (purpose == Purpose.CREATE and not self.may_create):
            return Scope()
        return Scope(unit_paths=self.unit_paths())
