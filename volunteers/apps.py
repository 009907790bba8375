from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Volunteer service")

    def ready(self):
        self.register_menu()
        self.register_indicators()

    @staticmethod
    def register_indicators():
        """Volunteers registered, service hours, volunteers active, activities held and the active rate in
        the 民生实事 registry (targets.registry)."""
        from volunteers.indicators import register_all

        register_all()

    @staticmethod
    def register_menu():
        """志愿服务 and 我的时长 for residents; 志愿者 and 活动 for community, township and county staff."""
        from core.menu import RESIDENT, MenuEntry, register
        from volunteers import permissions

        register(MenuEntry("volunteers.home", _("Volunteer service"), "volunteers:home",
                           permissions.may_open_resident, menu=RESIDENT, section="main", order=60))
        register(MenuEntry("volunteers.hours", _("My service hours"), "volunteers:hours",
                           permissions.may_open_hours, menu=RESIDENT, section="main", order=61))
        register(MenuEntry("volunteers.people", _("Volunteers"), "volunteers:staff_volunteers",
                           permissions.may_open_staff, section="work", order=45))
        register(MenuEntry("volunteers.activities", _("Volunteer activities"), "volunteers:staff_activities",
                           permissions.may_open_staff, section="work", order=46))
