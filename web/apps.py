from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "web"
    verbose_name = _("Web shell")

    def ready(self):
        from core.menu import MenuEntry, register

        # The home page is the site root, which the layout links itself; these are web's other pages.
        register(MenuEntry("web.directory", _("Units and departments"), "directory",
                           lambda user: not user.is_resident, section="system", order=10))
        # The Django admin opens for accounts with is_staff, which granting the administrator role sets.
        register(MenuEntry("web.admin", _("Administration"), "admin:index",
                           lambda user: user.is_staff, section="system", order=20))
