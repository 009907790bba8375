"""How the accounts' audit rows read (found at start-up by core.apps; see core.audit)."""

from django.utils.translation import gettext_lazy as _

from core.audit import register_verbs

register_verbs({
    "resident.register": _("Resident registered"),
    "resident.consent": _("Privacy notice agreed"),
    "resident.locked": _("Phone locked after wrong sign-in codes"),
    "staff.create": _("Staff account created"),
    "staff.update": _("Staff account changed"),
    "api_key.issue": _("API key issued"),
    "api_key.revoke": _("API key revoked"),
    "api_token.issue": _("API token issued"),
    "api_token.revoke": _("API token revoked"),
})
