from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmploymentConfig(AppConfig):
    name = "employment"
    verbose_name = _("Employment (就业)")

    def ready(self):
        self.register_menu()
        self.register_indicators()

    @staticmethod
    def register_indicators():
        """1131 completion, public-welfare places filled and people placed in the 民生实事 registry
        (targets.registry)."""
        from employment.indicators import register_all

        register_all()

    @staticmethod
    def register_menu():
        """就业服务 (seekers and their 1131) for 人社 and unit staff; 用人单位 (employers, postings, public-welfare
        posts, job fairs) for 人社 staff; the 1131 completion rates among the figures; 就业 for residents
        (the job list, their own registration, and an employer's postings)."""
        from core.menu import RESIDENT, MenuEntry, register
        from employment import permissions

        register(MenuEntry("employment.seekers", _("Job seekers and 1131 (求职登记与1131)"), "employment:seekers",
                           permissions.may_open_seekers, section="work", order=42))
        register(MenuEntry("employment.employers", _("Employers and posts (用人单位)"), "employment:employers",
                           permissions.may_open_hrss, section="work", order=44))
        register(MenuEntry("employment.dashboard", _("1131 completion (1131完成率)"), "employment:dashboard",
                           permissions.may_open_seekers, section="insight", order=25))
        register(MenuEntry("employment.jobs", _("Jobs (就业)"), "employment:portal", lambda user: True,
                           menu=RESIDENT, section="main", order=30))
