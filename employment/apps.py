from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmploymentConfig(AppConfig):
    name = "employment"
    verbose_name = _("Employment (就业)")

    def ready(self):
        self.register_menu()
        self.register_indicators()
        self.register_voucher()

    @staticmethod
    def register_voucher():
        """A need heard on a follow-up is filed as a demand by the seeker's counselor, on employment's word
        (appeals.extensions), in the seeker's place only."""
        from appeals import extensions
        from employment.services import SEEKER_VOUCHER, counselor_vouches

        extensions.register_voucher(SEEKER_VOUCHER, counselor_vouches)

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
        register(MenuEntry("employment.follow_ups", _("Hard-to-employ follow-ups (困难人员跟踪帮扶)"),
                           "employment:follow_ups", permissions.may_follow_up_any, section="work", order=43))
        register(MenuEntry("employment.subsidies", _("Social insurance subsidies (社保补贴)"), "employment:subsidies",
                           permissions.may_review_subsidies, section="work", order=44))
        register(MenuEntry("employment.dashboard", _("1131 completion (1131完成率)"), "employment:dashboard",
                           permissions.may_open_seekers, section="insight", order=25))
        register(MenuEntry("employment.jobs", _("Jobs (就业)"), "employment:portal", lambda user: True,
                           menu=RESIDENT, section="main", order=30))
