from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from accounts.models import ApiKey, ApiToken
        from orgs.scope_cache import org_changed

        # Tokens and keys are kept per process (accounts.credentials) under the version
        # orgs.scope_cache publishes; any change to one, or to a key's units, publishes a new version.
        for model in (ApiToken, ApiKey):
            post_save.connect(org_changed, sender=model, dispatch_uid=f"accounts.kept.{model.__name__}.save")
            post_delete.connect(org_changed, sender=model, dispatch_uid=f"accounts.kept.{model.__name__}.delete")
        m2m_changed.connect(org_changed, sender=ApiKey.units.through, dispatch_uid="accounts.kept.ApiKey.units")

        from core.menu import ACCOUNT, MenuEntry, register

        # Beside the user's name on every page (core/base.html): a form, since signing out is a POST.
        register(MenuEntry("accounts.logout", _("Sign out"), "logout", lambda user: True,
                           menu=ACCOUNT, section="main", method="post"))

        from core.context_processors import register_site_url

        # On every page (core/base.html): the privacy notice in the footer, the elder-mode switch above.
        register_site_url("privacy", "privacy")
        register_site_url("care_mode", "care_mode")
