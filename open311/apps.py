from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "open311"
    verbose_name = _("Open311 GeoReport v2")

    def ready(self):
        from core.boundary import register_error_format

        # A refusal at the platform's edge (a path with a NUL, a database outage) in the spec's error
        # document, in the format the path asks for.
        register_error_format("/open311/", _render_refusal)


def _render_refusal(request, status, message):
    from open311.serializers import render_errors

    return render_errors("json" if request.path_info.endswith(".json") else "xml", status, message)
