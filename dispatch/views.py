"""Staff pages of dispatch: the 热点 (hot spots) page, and 每月一题 topics made from it.

Reads come from dispatch.hotspots and dispatch.topics (limited to what the user may see); each
change is one service call; a refusal is shown to the user by core.middleware.
"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from appeals.exports import mask_text
from appeals.selectors import appeals_visible_to
from core.errors import DomainError
from core.middleware import returns_to
from dispatch import permissions, services
from dispatch.hotspots import hotspot_places, hotspots_for
from dispatch.labels import display
from dispatch.models import TopicStatus
from dispatch.selectors import catalogue_entries_visible_to
from dispatch.topics import topic_appeals, topics_visible_to
from orgs.models import Role
from orgs.selectors import departments_visible_to

DEFAULT_DAYS = 30
MAX_DAYS = 366
MAX_TOPIC_APPEALS = 2000  # a re-shown form lists at most this many of the appeals it was posted with


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=gettext_lazy("To"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    place = forms.ModelChoiceField(label=gettext_lazy("Place"), queryset=None, required=False,
                                   empty_label=gettext_lazy("All places in my scope"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = hotspot_places(user).order_by("path")

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError(_("The start of the period must not be after its end."))
        if (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most %(n)s days.") % {"n": MAX_DAYS})
        data["start"], data["end"] = start, end
        return data


class TopicForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=100)
    owner_department = forms.ModelChoiceField(label=gettext_lazy("Owner department"), queryset=None)
    description = forms.CharField(label=gettext_lazy("Description"), required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    appeal_ids = forms.CharField(widget=forms.HiddenInput)
    key_words = forms.CharField(widget=forms.HiddenInput, required=False)
    period = forms.DateField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_department"].queryset = departments_visible_to(
            user, roles=[Role.SUPERVISOR]).filter(is_active=True)

    def clean_appeal_ids(self):
        try:
            ids = [int(part) for part in self.cleaned_data["appeal_ids"].split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("The list of appeals is malformed; reload the page.")) from None
        if not ids:
            raise forms.ValidationError(_("A topic needs at least one appeal."))
        return ids

    def clean_key_words(self):
        return [w for w in self.cleaned_data.get("key_words", "").split(",") if w.strip()]


class TopicStatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=TopicStatus.choices)
    note = forms.CharField(label=gettext_lazy("Progress note"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))


def _period(request):
    """The period and place asked for (default: the last 30 days, everywhere); None if invalid."""
    if not request.GET:
        today = timezone.localdate()
        default = {"start": today - timedelta(days=DEFAULT_DAYS - 1), "end": today, "place": None}
        # The form shows the period the page reports, so that changing one end keeps the other.
        return PeriodForm(None, user=request.user, initial=default), default
    form = PeriodForm(request.GET, user=request.user)
    return form, (form.cleaned_data if form.is_valid() else None)


@staff_required
@require_GET
def hotspots(request):
    user = request.user
    if not permissions.may_see_hotspots(user):
        raise PermissionDenied(_("The hot spots page is for supervisors, leaders and dispatchers."))
    form, data = _period(request)
    report = None
    if data is not None:
        report = hotspots_for(user, start=data["start"], end=data["end"], place=data.get("place"))
        for spot in report.spots:
            for sample in spot.samples:
                sample["title"] = mask_text(sample["title"])
    may_create = permissions.may_create_topics(user)
    params = request.GET.copy()
    params.pop("rank", None)
    return render(request, "dispatch/hotspots.html", {
        "form": form,
        "report": report,
        "spots": report.spots if report else [],
        "may_create": may_create,
        "query": params.urlencode(),
        "back": request.get_full_path(),
    })


def _render_topic_form(request, form, *, spot=None, appeal_ids=(), error=None, status=200):
    """The topic form, with every appeal the topic would keep listed for review (masked, each linked
    to its page: they all come from the staff member's own scope)."""
    members = appeals_visible_to(request.user).filter(pk__in=list(appeal_ids)).order_by("-created_at")
    return render(request, "dispatch/hotspots_topic.html", {
        "form": form, "spot": spot, "error": error, "back": _back(request),
        "members": [{"appeal": a, "title": mask_text(a.title)} for a in members],
    }, status=status)


def _posted_ids(form) -> list[int]:
    raw = form.data.get("appeal_ids", "")
    return [int(part) for part in raw.split(",") if part.strip().isdigit()][:MAX_TOPIC_APPEALS]


def _back(request):
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        back = ""
    return back or reverse("dispatch:hotspots")


@staff_required
def topic_create(request):
    """GET: the form for one hot spot of the period (by its rank); POST: create the topic."""
    user = request.user
    if not permissions.may_create_topics(user):
        raise PermissionDenied(_("Only supervisors (督办员) may create monthly topics (每月一题)."))
    if request.method == "GET":
        _form, data = _period(request)
        try:
            rank = int(request.GET.get("rank", ""))
        except ValueError:
            raise Http404 from None
        if data is None:
            raise Http404
        report = hotspots_for(user, start=data["start"], end=data["end"], place=data.get("place"))
        spot = next((s for s in report.spots if s.rank == rank), None)
        if spot is None:
            raise Http404(_("This hot spot is no longer in the list; reload the hot spots page."))
        for sample in spot.samples:
            sample["title"] = mask_text(sample["title"])
        form = TopicForm(user=user, initial={
            "title": spot.samples[0]["title"][:100] if spot.samples else "",
            "appeal_ids": ",".join(str(pk) for pk in spot.appeal_ids),
            "key_words": ",".join(spot.key_words),
            "period": report.end,
        })
        return _render_topic_form(request, form, spot=spot, appeal_ids=spot.appeal_ids)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    form = TopicForm(request.POST, user=user)
    if not form.is_valid():
        return _render_topic_form(request, form, appeal_ids=_posted_ids(form), status=400)
    data = form.cleaned_data
    # Kept here rather than left to core.middleware: the form comes back with the title and description
    # the supervisor wrote, and the hot spot's appeals, under the service's message.
    try:
        topic = services.monthly_topic_create(
            actor=user, title=data["title"], description=data["description"],
            owner_department=data["owner_department"], appeals=data["appeal_ids"], key_words=data["key_words"],
            period=data["period"])
    except DomainError as exc:
        return _render_topic_form(request, form, appeal_ids=data["appeal_ids"], error=exc.message,
                                  status=exc.status)
    messages.success(request, _("Monthly topic (每月一题) created and given to %(department)s.")
                     % {"department": topic.owner_department.name})
    return redirect("dispatch:topic_detail", pk=topic.pk)


@staff_required
@require_GET
def topics(request):
    status = request.GET.get("status", "")
    qs = topics_visible_to(request.user)
    if status in TopicStatus.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    return render(request, "dispatch/topics.html", {
        "topics": qs[:200],
        "status": status,
        "statuses": TopicStatus.choices,
    })


def _visible_topic(request, pk):
    topic = topics_visible_to(request.user).filter(pk=pk).first()
    if topic is None:
        raise Http404(_("No such topic in your scope."))
    return topic


def _render_topic(request, topic, *, form=None, status=200):
    may_update = permissions.may_update_topic(request.user, topic)
    appeals = list(topic_appeals(request.user, topic)[:200])
    return render(request, "dispatch/topics_detail.html", {
        "topic": topic,
        "appeals": [{"appeal": a, "title": mask_text(a.title)} for a in appeals],
        "hidden": max(len(topic.source_appeal_ids) - len(appeals), 0),
        "form": (form or TopicStatusForm(initial={"status": topic.status})) if may_update else None,
    }, status=status)


@staff_required
@require_GET
def topic_detail(request, pk):
    return _render_topic(request, _visible_topic(request, pk))


@staff_required
@require_POST
@returns_to("dispatch:topic_detail", "pk")
def topic_update(request, pk):
    topic = _visible_topic(request, pk)
    form = TopicStatusForm(request.POST)
    if not form.is_valid():
        return _render_topic(request, topic, form=form, status=400)
    services.monthly_topic_update(actor=request.user, topic=topic, status=form.cleaned_data["status"],
                                  note=form.cleaned_data["note"])
    messages.success(request, _("Topic updated."))
    return redirect("dispatch:topic_detail", pk=topic.pk)


@staff_required
@require_GET
def catalogue(request):
    """The responsibility catalogue (派单目录) as dispatchers read it: which phrase points to which
    department or kind of department. Administrators change it in the admin."""
    if not permissions.may_read_catalogue(request.user):
        raise PermissionDenied(_("The dispatch catalogue is for dispatchers and administrators."))
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(catalogue_entries_visible_to(request.user, query=query), 100).get_page(request.GET.get("page"))
    rows = [{"entry": entry,
             "target": entry.department.name if entry.department_id else display(entry.label),
             "everywhere": not entry.department_id,
             "edit_url": (reverse("admin:dispatch_catalogueentry_change", args=[entry.pk])
                          if request.user.is_staff and permissions.may_edit_catalogue_entry(request.user, entry) else "")}
            for entry in page]
    return render(request, "dispatch/catalogue.html", {"page": page, "rows": rows, "query": query})
