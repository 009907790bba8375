"""Staff pages of appeals, under /appeals/staff/ (namespace "appeals")."""

from django.urls import path

from appeals.views import print as print_views
from appeals.views import staff

urlpatterns = [
    path("", staff.queue, name="staff_queue"),
    # Before "<str:code>/", which would read "extensions" as a tracking code.
    path("extensions/", staff.extension_queue, name="staff_extensions"),
    path("extensions/<int:pk>/decide/", staff.extension_decide, name="staff_extension_decide"),
    path("export.xlsx", staff.export, name="staff_export"),
    path("bulk-dispatch/", staff.bulk_dispatch, name="staff_bulk_dispatch"),
    path("<str:code>/", staff.detail, name="staff_detail"),
    path("<str:code>/unmask/", staff.unmask, name="staff_unmask"),
    path("<str:code>/photos/<int:photo_id>/", staff.photo, name="staff_photo"),
    path("<str:code>/print/", print_views.work_order, name="staff_print"),
    path("<str:code>/<slug:key>/", staff.act, name="staff_act"),
]

# The hotline import page (appeals.views.imports). Put first so that "import/" is not read as a tracking
# code by "<str:code>/".
from appeals.views import imports  # noqa: E402

urlpatterns[:0] = [
    path("import/", imports.hotline_import, name="staff_import"),
    path("import/<uuid:pk>/", imports.hotline_import_job, name="staff_import_job"),
    path("import/<uuid:pk>/confirm/", imports.hotline_import_confirm, name="staff_import_confirm"),
]
