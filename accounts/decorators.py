"""Who may open a page at all, by kind of account. What a user may do on it is each app's permissions."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _


def staff_required(view):
    """Signed-in staff only: residents get a 403, anonymous visitors the (staff) sign-in page."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_resident:
            raise PermissionDenied(_("This page is for staff."))
        return view(request, *args, **kwargs)

    return wrapper


def resident_required(view):
    """Signed-in residents only: visitors go to the resident sign-in, staff get a 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("resident_login"))
        if not request.user.is_resident:
            raise PermissionDenied(_("This page is for residents."))
        return view(request, *args, **kwargs)

    return wrapper
