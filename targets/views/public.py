"""The public 民生实事 page: the list a city publishes and how far each item has come, for anyone,
without signing in."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from orgs.models import Level, Unit
from targets import selectors
from targets.models import Target


@require_GET
def public_list(request):
    code = (request.GET.get("unit") or "").strip()
    unit = (
        Unit.objects.filter(code=code, is_active=True).exclude(level=Level.GRID).first()
        if code
        else Unit.objects.filter(parent__isnull=True, is_active=True).order_by("path").first()
    )
    if unit is None:
        raise Http404(_("No such unit."))
    year_text = request.GET.get("year") or ""
    year = int(year_text) if year_text.isdigit() else timezone.localdate().year
    targets = selectors.public_targets(unit, year)
    lines = [(t, selectors.share_done(t, t.current_value)) for t in targets]
    years = sorted(
        set(
            Target.objects.filter(is_public=True, owner_unit__path__startswith=unit.path).values_list("year", flat=True)
        ),
        reverse=True,
    )
    return render(request, "targets/public.html", {"unit": unit, "year": year, "lines": lines, "years": years})
