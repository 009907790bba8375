from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = _("Organisation network")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.core.signals import request_finished, request_started
        from django.db.models.signals import post_delete, post_save

        from orgs.models import Department, Membership, Unit
        from orgs.scope_cache import org_changed, user_changed
        from orgs.scope_cache import request_finished as request_done
        from orgs.scope_cache import request_started as request_begun

        for model in (Membership, Unit, Department):
            post_save.connect(org_changed, sender=model, dispatch_uid=f"orgs.scope_cache.{model.__name__}.save")
            post_delete.connect(org_changed, sender=model, dispatch_uid=f"orgs.scope_cache.{model.__name__}.delete")
        post_save.connect(user_changed, sender=get_user_model(), dispatch_uid="orgs.scope_cache.user.save")
        post_delete.connect(org_changed, sender=get_user_model(), dispatch_uid="orgs.scope_cache.user.delete")
        request_started.connect(request_begun, dispatch_uid="orgs.scope_cache.request_started")
        request_finished.connect(request_done, dispatch_uid="orgs.scope_cache.request_finished")
