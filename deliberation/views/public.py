"""The hall as residents and the public see it: topics are read without signing in; residents of the
community propose, support, comment, vote and rate. Each post calls one service; a refusal comes back
as a message on the page (core.middleware), except the forms that keep what was typed (said below)."""

import segno
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.decorators import resident_required
from core.errors import BadInput, NotAllowed
from core.middleware import returns_to
from deliberation import lifecycle, permissions, selectors, services
from deliberation.models import (
    Choice,
    Comment,
    Meeting,
    Notice,
    Topic,
    TopicState,
)
from orgs.models import Level, Unit

ACTS = ("propose", "comment", "support", "vote", "rate")
RATING_CHOICES = [
    ("satisfied", gettext_lazy("Satisfied (满意)")),
    ("basic", gettext_lazy("Basically satisfied (基本满意)")),
    ("unsatisfied", gettext_lazy("Unsatisfied (不满意)")),
]


def _topic(request, pk) -> Topic:
    topic = selectors.topic_for_reader(request.user, pk)
    if topic is None:
        raise Http404(_("No such topic."))
    return topic


def hall(request):
    """议事厅: the public topics, a resident's own community first."""
    residency = permissions.residency_of(request.user)
    unit = None
    if request.GET.get("unit", "").isdigit():
        unit = Unit.objects.filter(pk=int(request.GET["unit"]), level=Level.VILLAGE).first()
    elif residency is not None and "all" not in request.GET:
        unit = residency.unit
    state = request.GET.get("state", "")
    topics = selectors.public_topics(unit=unit)
    if state in TopicState.values:
        topics = topics.filter(state=state)
    return render(
        request,
        "deliberation/hall.html",
        {
            "topics": topics.order_by("-created_at")[:100],
            "unit": unit,
            "residency": residency,
            "units": selectors.units_with_topics(),
            "state": state,
            "states": [
                (s, TopicState(s).label)
                for s in ("discussion", "deliberation", "decided", "executing", "rating", "closed", "not_adopted")
            ],
        },
    )


def _timeline_rows(topic, *, staff=False):
    from appeals.models import State
    from targets.models import Status

    rows = []
    for event in selectors.timeline(topic, staff=staff):
        state = event.data.get("state", "")
        target_status = event.data.get("target_status", "")
        rows.append(
            {
                "at": event.created_at,
                "what": event.get_action_display(),
                "note": event.note,
                "data": event.data,
                "action": event.action,
                "public": event.public,
                "demand_state": State(state).label if state in State.values else "",
                "target_status": Status(target_status).label if target_status in Status.values else "",
                "actor": (_("Resident") if event.actor.is_resident else str(event.actor))
                if staff and event.actor
                else "",
            }
        )
    return rows


def topic_context(request, topic, *, staff=False) -> dict:
    """Everything the topic page shows, in a handful of queries whatever the number of comments: the
    counts in one (selectors.topic_facts), one page of threads in two."""
    user = request.user
    resident_here = permissions.lives_in(user, topic.unit) if permissions.is_resident(user) else False
    now = timezone.now()
    try:
        meeting = topic.meeting
    except Meeting.DoesNotExist:
        meeting = None
    facts = selectors.topic_facts(topic, reader=user if resident_here else None, moderator=staff)
    page = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    threads, pages = selectors.comments_for(topic, moderator=staff, page=page, threads=facts["threads"])
    tasks = list(topic.tasks.select_related("appeal", "department", "target").prefetch_related("notes"))
    for task in tasks:
        task.progress = selectors.task_progress(task)
    vote_open = bool(
        topic.state == TopicState.DELIBERATION
        and topic.vote_opens_at
        and topic.vote_opens_at <= now <= topic.vote_closes_at
    )
    rating_open = bool(topic.state == TopicState.RATING and topic.rating_closes_at and now <= topic.rating_closes_at)
    result = None
    if topic.state == TopicState.CLOSED:
        event = topic.events.filter(action="rating_result").order_by("-pk").first()
        result = event.data if event else None
    elif topic.state == TopicState.RATING:
        result = services.rating_counts(topic)
    # What this resident may do here: until the community confirms where they live, its rules decide.
    awaiting = resident_here and permissions.awaits_confirmation(user, topic.unit)
    rules = services.HallRules.for_unit(topic.unit) if awaiting else None
    may = {act: resident_here and (rules is None or rules.unconfirmed_may_do(act)) for act in ACTS}
    return {
        "topic": topic,
        "staff": staff,
        "resident_here": resident_here,
        "may": may,
        "awaiting_confirmation": awaiting,
        "support_count": facts["supports"],
        "supported": facts["supported"],
        "support_open": topic.state == TopicState.DISCUSSION
        and (not topic.discussion_deadline or now <= topic.discussion_deadline),
        "threads": threads,
        "comment_pages": range(1, pages + 1) if pages > 1 else None,
        "comment_page": page,
        "comment_total": facts["comments"],
        "comments_open": topic.state in lifecycle.COMMENT_STATES,
        # The comment and reply forms: a resident who may comment here, or the community's staff.
        "may_write": topic.state in lifecycle.COMMENT_STATES
        and (may["comment"] or (staff and permissions.may_moderate(user, topic.unit))),
        "photos": list(topic.photos.all()),
        "meeting": meeting,
        "participants": list(meeting.participants.all()) if meeting else [],
        "tasks": tasks,
        "timeline": _timeline_rows(topic, staff=staff),
        "vote_open": vote_open,
        "voted": facts["voted"],
        "choices": Choice.choices,
        "rating_open": rating_open,
        "rating_choices": RATING_CHOICES,
        "rated": facts["rated"],
        "result": result,
        "online": services.ballot_tally(topic) if topic.vote_opens_at else None,
        "demands": facts["demands"],
    }


def topic_detail(request, pk):
    topic = _topic(request, pk)
    return render(request, "deliberation/topic.html", topic_context(request, topic))


def topic_print(request, pk):
    """A4 公示 for the notice board: the topic or its decision, with a QR code that opens it on a phone."""
    topic = _topic(request, pk)
    if not topic.is_public:
        raise Http404(_("No such topic."))
    url = request.build_absolute_uri(reverse("deliberation:topic", args=[topic.pk]))
    context = topic_context(request, topic)
    context |= {
        "qr": segno.make(url, error="m").svg_inline(scale=4, title=topic.title),
        "url": url,
        "printed": timezone.now(),
    }
    return render(request, "deliberation/print_notice.html", context)


def photo(request, pk, photo_pk):
    topic = _topic(request, pk)
    item = get_object_or_404(topic.photos, pk=photo_pk)
    try:
        return FileResponse(item.image.open("rb"), content_type=item.content_type)
    except FileNotFoundError:
        raise Http404 from None


def task_photo(request, pk, note_pk):
    topic = _topic(request, pk)
    from deliberation.models import TaskNote

    note = get_object_or_404(TaskNote, pk=note_pk, task__topic=topic)
    if not note.photo:
        raise Http404
    try:
        return FileResponse(note.photo.open("rb"), content_type=note.photo_type or "image/jpeg")
    except FileNotFoundError:
        raise Http404 from None


@require_POST
@returns_to("deliberation:topic", "pk")
def support(request, pk):
    topic = _topic(request, pk)
    counted = services.topic_support(actor=request.user, topic=topic)
    messages.success(
        request,
        _("Your support is counted (已附议).")
        if counted
        else _("You had supported this topic already; it counts once."),
    )
    return redirect("deliberation:topic", pk=topic.pk)


@require_POST
@returns_to("deliberation:topic", "pk")
def comment(request, pk):
    topic = _topic(request, pk)
    parent = None
    if request.POST.get("parent", "").isdigit():
        parent = Comment.objects.filter(pk=int(request.POST["parent"]), topic=topic).first()
    made = services.comment_post(actor=request.user, topic=topic, text=request.POST.get("text", ""), parent=parent)
    messages.success(
        request,
        _("Your comment is published.")
        if made.state == "published"
        else _("Your comment will be shown after the community has read it."),
    )
    return redirect(reverse("deliberation:topic", args=[topic.pk]) + "#comments")


@require_POST
@returns_to("deliberation:topic", "pk")
def vote(request, pk):
    topic = _topic(request, pk)
    services.ballot_cast(actor=request.user, topic=topic, choice=request.POST.get("choice", ""))
    messages.success(request, _("Your vote is counted. The ballot is secret: no one can see how you voted."))
    return redirect("deliberation:topic", pk=topic.pk)


@require_POST
@returns_to("deliberation:topic", "pk")
def rate(request, pk):
    topic = _topic(request, pk)
    services.rating_submit(
        actor=request.user, topic=topic, value=request.POST.get("value", ""), comment=request.POST.get("comment", "")
    )
    messages.success(request, _("Thank you: your rating is counted."))
    return redirect("deliberation:topic", pk=topic.pk)


@resident_required
def residency(request):
    """居住登记: which village or community the resident lives in."""
    units = Unit.objects.filter(level=Level.VILLAGE, is_active=True).select_related("parent").order_by("path")
    current = permissions.residency_of(request.user)
    if request.method == "POST":
        unit = (
            units.filter(pk=request.POST.get("unit") or 0).first()
            if (request.POST.get("unit") or "").isdigit()
            else None
        )
        made = services.residency_declare(actor=request.user, unit=unit, address=request.POST.get("address", ""))
        if made.is_confirmed:
            messages.success(request, _("Saved: you take part in %(unit)s's deliberation.") % {"unit": unit.name})
        else:
            messages.success(
                request,
                _(
                    "Saved: %(unit)s's staff will confirm that you live there; this page shows what you may do meanwhile."
                )
                % {"unit": unit.name},
            )
        return redirect(request.POST.get("next") or reverse("deliberation:hall"))
    return render(
        request,
        "deliberation/residency.html",
        {
            "units": units,
            "current": current,
            "refused": selectors.latest_refusal(request.user),
            "meanwhile": services.HallRules.for_unit(current.unit).unconfirmed_may if current else "",
            "next": request.GET.get("next", ""),
        },
    )


@resident_required
def propose(request):
    """提出议题 on a phone: title, description, the place, photos."""
    residency = permissions.residency_of(request.user)
    if residency is None:
        return redirect(reverse("deliberation:residency") + "?next=" + reverse("deliberation:propose"))
    form, error = {"title": "", "description": "", "location": ""}, ""
    if request.method == "POST":
        form = {key: request.POST.get(key, "") for key in form}
        try:
            topic = services.topic_propose(
                actor=request.user, unit=residency.unit, photos=request.FILES.getlist("photos"), **form
            )
        except (BadInput, NotAllowed) as exc:  # kept here so the form comes back with what was typed
            error = str(exc.message)
        else:
            messages.success(request, _("Your topic is received. The community reviews it before it is published."))
            return redirect("deliberation:topic", pk=topic.pk)
    return render(
        request,
        "deliberation/propose.html",
        {
            "form": form,
            "error": error,
            "residency": residency,
            "limit": services.HallRules.for_unit(residency.unit).weekly_limit,
        },
    )


@resident_required
def mine(request):
    """我的议事: my proposals and what I was told (站内信)."""
    notices = list(Notice.objects.filter(recipient=request.user).select_related("topic")[:50])
    Notice.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return render(
        request,
        "deliberation/mine.html",
        {
            "topics": Topic.objects.filter(proposer=request.user).select_related("unit").order_by("-created_at"),
            "notices": notices,
            "residency": permissions.residency_of(request.user),
        },
    )
