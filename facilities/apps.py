from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "facilities"
    verbose_name = _("Facilities (服务设施)")

    def ready(self):
        self.register_menu()
        self.register_home_panel()
        self.register_indicators()

    @staticmethod
    def register_indicators():
        """Canteens, elderly-care and day-care centres operating, meals, bookings and bookings kept in the
        民生实事 registry (targets.registry)."""
        from facilities.indicators import register_all

        register_all()

    @staticmethod
    def register_home_panel():
        """Today's meal orders on the home of those who run a canteen."""
        from core.home import HomePanel, register
        from facilities.views.staff import home_panel

        register(HomePanel("facilities.canteen_today", home_panel, order=20))

    @staticmethod
    def register_menu():
        """找设施 and 我的预约 for residents; 设施, 预约核销 and 食堂 for staff."""
        from core.menu import RESIDENT, MenuEntry, register
        from facilities import permissions

        register(MenuEntry("facilities.find", _("Find a facility (找设施)"), "facilities:directory",
                           lambda user: user.is_resident, menu=RESIDENT, section="main", order=30))
        register(MenuEntry("facilities.bookings", _("My bookings (我的预约)"), "facilities:my_bookings",
                           lambda user: user.is_resident, menu=RESIDENT, section="main", order=40))
        register(MenuEntry("facilities.registry", _("Facilities (设施)"), "facilities:staff_list",
                           permissions.may_open_registry, section="work", order=45))
        register(MenuEntry("facilities.checkin", _("Check-in (预约核销)"), "facilities:checkin",
                           permissions.may_open_checkin, section="work", order=46))
        register(MenuEntry("facilities.canteen", _("Canteen (食堂)"), "facilities:canteen",
                           permissions.may_open_canteen, section="work", order=47))
