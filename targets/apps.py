from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("民生实事 targets")

    def ready(self):
        # The demand loop's indicators are computed here: appeals is below targets and cannot register.
        from targets.indicators import register_all

        register_all()
        self.register_menu()
        from core.jobs import register_recovery
        from targets.monthly import reports_recover

        register_recovery(reports_recover)  # a report whose worker died stops being "built"

    @staticmethod
    def register_menu():
        from core.menu import MenuEntry, register
        from targets import permissions

        register(
            MenuEntry(
                "targets.dashboard",
                _("Leader's dashboard (领导驾驶舱)"),
                "targets:dashboard",
                permissions.may_open_dashboard,
                section="insight",
                order=5,
            )
        )
        register(
            MenuEntry(
                "targets.reports",
                _("Indicator reports (指标填报)"),
                "targets:reports",
                permissions.may_open_reporting,
                section="work",
                order=60,
            )
        )
