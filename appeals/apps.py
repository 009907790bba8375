from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "appeals"
    verbose_name = _("Appeals (诉求)")

    def ready(self):
        self.register_menu()
        from appeals.importers import HOTLINE_IMPORT, run_hotline_job
        from core.jobs import register

        register(HOTLINE_IMPORT, run_hotline_job)  # the worker runs the hotline import (appeals.views.imports)

    @staticmethod
    def register_menu():
        """The pages of appeals in the site menu (core.menu), each shown to whom its view lets in."""
        from appeals import permissions
        from core.menu import RESIDENT, MenuEntry, register

        register(MenuEntry("appeals.queue", _("Workbench (工作台)"), "appeals:staff_queue",
                           permissions.may_open_queue, section="work", order=10))
        register(MenuEntry("appeals.extensions", _("Extension requests (延期审批)"), "appeals:staff_extensions",
                           permissions.may_supervise, section="work", order=15))
        register(MenuEntry("appeals.record", _("Record for a resident (代录)"), "appeals:record",
                           permissions.may_record_for_residents, section="work", order=20))
        register(MenuEntry("appeals.import", _("Import hotline export (12345 工单导入)"), "appeals:staff_import",
                           permissions.may_import_hotline, section="work", order=30))
        register(MenuEntry("appeals.kpi", _("The three rates (三率)"), "appeals:kpi",
                           permissions.may_see_kpis, section="insight", order=30))
        register(MenuEntry("appeals.new", _("New appeal"), "appeals:new",
                           lambda user: user.is_resident, menu=RESIDENT, section="main", order=10))
        register(MenuEntry("appeals.mine", _("My appeals"), "appeals:mine",
                           lambda user: user.is_resident, menu=RESIDENT, section="main", order=20))
