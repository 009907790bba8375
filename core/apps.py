from axes.apps import AppConfig as _AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig as _TasksDatabaseAppConfig


class CoreConfig(AppConfig):
    default = True  # "core" in INSTALLED_APPS means this one, not the third-party configs below
    name = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from core import checks  # noqa: F401 - registers the system checks
        from core.audit import register_verbs

        register_verbs({
            "admin.export": _("List exported from the admin (xlsx)"),
        })
        # Each app's ``audit`` module labels its verbs (and orgs plugs in who may read what).
        autodiscover_modules("audit")


# Third-party apps under the names our administrators read. Their model names are gettext'd by the
# apps themselves and translated in our catalogue ("access attempts" → 登录尝试记录).
class AxesConfig(_AxesAppConfig):
    """django-axes (locking out repeated failed sign-ins); INSTALLED_APPS names this instead of "axes"."""

    verbose_name = _("Sign-in protection")


class TasksDatabaseConfig(_TasksDatabaseAppConfig):
    """django-tasks' database backend; INSTALLED_APPS names this instead of "django_tasks_db"."""

    verbose_name = _("Background tasks")
