from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Dispatch intelligence")

    def ready(self):
        # Per-process caches follow changes to what they were built from.
        from dispatch import catalogue, places
        from dispatch.models import CatalogueEntry
        from orgs.models import Department, Unit

        for model in (Unit,):
            post_save.connect(places.forget_index, sender=model, dispatch_uid=f"dispatch-places-{model.__name__}")
            post_delete.connect(places.forget_index, sender=model, dispatch_uid=f"dispatch-places-del-{model.__name__}")
        for model in (CatalogueEntry, Department):
            post_save.connect(catalogue.forget_index, sender=model, dispatch_uid=f"dispatch-cat-{model.__name__}")
            post_delete.connect(catalogue.forget_index, sender=model,
                                dispatch_uid=f"dispatch-cat-del-{model.__name__}")
        self.plug_into_appeals()
        self.register_menu()
        self.plug_into_targets()

    @staticmethod
    def plug_into_targets():
        """The month's hot spots and 每月一题 in the monthly 民生实事 report (targets imports no dispatch)."""
        from dispatch import report_sections
        from targets.monthly import register_section

        register_section("dispatch.hotspots", report_sections.hotspots_section)
        register_section("dispatch.topics", report_sections.topics_section)

    @staticmethod
    def plug_into_appeals():
        """Appeals never imports dispatch: dispatch plugs itself in. Without this app, appeals still
        works, every appeal waiting for a dispatcher."""
        from appeals import extensions
        from appeals.models import AppealEvent
        from appeals.services import set_router
        from appeals.signals import appeal_event_recorded
        from dispatch import corrections, duplicates, routing

        set_router(routing.route_appeal)  # every new appeal: dispatch it, or say why not
        extensions.register_panel("dispatch.suggestions", routing.suggestions_panel)
        extensions.register_panel("dispatch.duplicates", duplicates.duplicates_panel)
        appeal_event_recorded.connect(corrections.on_appeal_event, sender=AppealEvent,
                                      dispatch_uid="dispatch-corrections")

    @staticmethod
    def register_menu():
        """热点, 每月一题 and the 派单目录 in the site menu (core.menu), for whom their views let in."""
        from core.menu import MenuEntry, register
        from dispatch import permissions

        register(MenuEntry("dispatch.hotspots", _("Hot spots (热点)"), "dispatch:hotspots",
                           permissions.may_see_hotspots, section="insight", order=10))
        register(MenuEntry("dispatch.topics", _("Monthly topics (每月一题)"), "dispatch:topics",
                           permissions.may_open_topics, section="insight", order=20))
        register(MenuEntry("dispatch.catalogue", _("Dispatch catalogue (派单目录)"), "dispatch:catalogue",
                           permissions.may_read_catalogue, section="work", order=40))
