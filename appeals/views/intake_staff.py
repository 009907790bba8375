"""Staff recording a demand on a resident's behalf: a dispatcher taking a call (12345 hotline or an
ordinary phone call) or a grid worker (网格员) on a visit. The channel is recorded with the appeal."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import staff_required
from accounts.models import User, UserKind
from appeals.forms import RecordForm
from appeals.models import Channel
from appeals.services import appeal_create
from appeals.views.resident import form_errors_to, intake_from
from core.crypto import blind_index
from core.errors import DomainError
from orgs.models import Role
from orgs.selectors import memberships_of, units_visible_to

RECORDING_ROLES = [Role.DISPATCHER, Role.GRID_WORKER]


def channels_for(user) -> list[str]:
    if user.is_superuser:
        return [Channel.HOTLINE, Channel.PHONE, Channel.GRID_VISIT]
    roles = {m.role for m in memberships_of(user, RECORDING_ROLES)}
    channels = []
    if Role.DISPATCHER in roles:
        channels += [Channel.HOTLINE, Channel.PHONE]
    if Role.GRID_WORKER in roles:
        channels += [Channel.GRID_VISIT] + ([] if Channel.PHONE in channels else [Channel.PHONE])
    return channels


def resident_with_phone(phone: str):
    """The resident account with this phone, so the appeal shows in their "my appeals" and they can
    rate it after signing in with that number."""
    return User.objects.filter(phone_index=blind_index(phone), kind=UserKind.RESIDENT, is_active=True).first()


@staff_required
@require_http_methods(["GET", "POST"])
def record(request):
    user = request.user
    channels = channels_for(user)
    if not channels:
        raise PermissionDenied(_("Only dispatchers and grid workers (网格员) record demands for residents."))
    units = units_visible_to(user, roles=RECORDING_ROLES)
    form = RecordForm(request.POST or None, request.FILES or None, units=units, channels=channels)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        intake = intake_from(data, channel=data["channel"], contact_name=data["contact_name"],
                             contact_phone=data["contact_phone"], id_number=data["id_number"])
        try:
            appeal = appeal_create(actor=user, data=intake, photos=data["photos"],
                                   resident=resident_with_phone(data["contact_phone"]))
        except DomainError as exc:
            # Kept here: the form comes back with the problem on it and everything typed still there.
            form_errors_to(form, exc)
        else:
            return redirect("appeals:submitted", code=appeal.code)
    return render(request, "appeals/intake/record.html", {"form": form, "photos_lost": form.photos_lost()},
                  status=400 if form.is_bound and form.errors else 200)
