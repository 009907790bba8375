from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from accounts.models import ApiToken
        from orgs.scope_cache import org_changed

        # Tokens are kept per process (accounts.tokens) under the version orgs.scope_cache publishes.
        post_save.connect(org_changed, sender=ApiToken, dispatch_uid="accounts.tokens.kept.save")
        post_delete.connect(org_changed, sender=ApiToken, dispatch_uid="accounts.tokens.kept.delete")
