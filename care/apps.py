from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "care"
    verbose_name = _("Care (包联)")

    def ready(self):
        self.plug_into_appeals()
        self.register_menu()
        self.register_indicators()

    @staticmethod
    def register_indicators():
        """People in care, coverage and visits on time in the 民生实事 registry (targets.registry)."""
        from care.indicators import register_all

        register_all()

    @staticmethod
    def plug_into_appeals():
        """A demand a visit filed shows, on its staff page, the visit and the person it came from.
        Appeals never imports care: without this app its pages simply lack the panel."""
        from appeals import extensions
        from care.services import VOUCHER, carer_vouches
        from care.views.panels import need_panel, visit_panel

        extensions.register_panel("care.visit", visit_panel)
        extensions.register_panel("care.need", need_panel)
        # A person's responsible person may file a need for them (appeals asks care, which checks).
        extensions.register_voucher(VOUCHER, carer_vouches)

    @staticmethod
    def register_menu():
        """我的走访 for grid workers and responsible people; 包联对象 for village, township and county staff."""
        from care import permissions
        from core.menu import MenuEntry, register

        register(MenuEntry("care.visits", _("My visits (我的走访)"), "care:mine",
                           permissions.may_open_visits, section="work", order=25))
        register(MenuEntry("care.escalated", _("Overdue visits (走访超期)"), "care:escalated",
                           permissions.may_open_escalated, section="work", order=40))
        register(MenuEntry("care.people", _("People in care (包联对象)"), "care:people",
                           permissions.may_open_registry_menu, section="work", order=40))
