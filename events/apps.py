from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Community events (文化活动与赛事)")

    def ready(self):
        self.register_menu()
        from events.indicators import register_all

        register_all()

    @staticmethod
    def register_menu():
        """活动 and 我的活动 for residents; 活动组织 for staff."""
        from core.menu import RESIDENT, MenuEntry, register
        from events import permissions

        register(MenuEntry("events.list", _("Events (文体活动)"), "events:list",
                           permissions.is_resident, menu=RESIDENT, section="main", order=50))
        register(MenuEntry("events.mine", _("My events (我的活动)"), "events:mine",
                           permissions.is_resident, menu=RESIDENT, section="main", order=51))
        register(MenuEntry("events.staff", _("Events to organise (活动组织)"), "events:staff_list",
                           permissions.may_open_staff, section="work", order=48))
