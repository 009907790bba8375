from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses (数字文化馆课程)")

    def ready(self):
        self.register_menu()
        self.register_indicators()

    @staticmethod
    def register_indicators():
        """Course enrolments and completions in a period, per unit (targets.registry)."""
        from courses.indicators import register_all

        register_all()

    @staticmethod
    def register_menu():
        """课程 for residents (the catalogue, with 我的课程 on it); 课程管理 for the culture centre's staff."""
        from core.menu import RESIDENT, MenuEntry, register
        from courses import permissions

        register(MenuEntry("courses.list", _("Courses (课程)"), "courses:list",
                           lambda user: user.is_resident, menu=RESIDENT, section="main", order=45))
        register(MenuEntry("courses.staff", _("Courses (课程管理)"), "courses:staff_list",
                           permissions.may_open_staff, section="work", order=48))
