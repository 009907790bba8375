"""The hall as community staff run it (moderation, meetings, decisions, tasks) and as the township,
county and supervisors oversee it. Each post parses the form and calls one service; a refusal comes
back as a message on the page it came from (core.middleware)."""

from datetime import date, datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from accounts.models import User
from core.crypto import mask_name
from core.errors import BadInput, NotAllowed
from core.middleware import returns_to
from deliberation import lifecycle, permissions, selectors, services
from deliberation.models import (
    Action,
    Comment,
    HallRules,
    Majority,
    Meeting,
    Participant,
    ParticipantKind,
    Residency,
    Task,
    TaskKind,
    Topic,
    TopicState,
    Unconfirmed,
)
from deliberation.views.public import topic_context
from orgs.models import Department, Unit


def _staff_topic(request, pk) -> Topic:
    topic = get_object_or_404(Topic.objects.select_related("unit", "proposer", "merged_into", "meeting"), pk=pk)
    if not permissions.may_see_staff_page(request.user, topic):
        raise PermissionDenied(_("This topic is outside your scope."))
    return topic


@staff_required
def staff_hall(request):
    """The workbench: topics to review, comments held, topics by stage, in the units of one's scope."""
    if not permissions.may_open_staff_hall(request.user):
        raise PermissionDenied(_("The deliberation hall is for community, township and county staff."))
    topics = selectors.with_counts(selectors.topics_visible_to_staff(request.user))
    state = request.GET.get("state", "")
    if state in TopicState.values:
        topics = topics.filter(state=state)
    query = request.GET.get("q", "").strip()
    if query:
        topics = topics.filter(Q(title__icontains=query) | Q(unit__name__icontains=query))
    counts = dict(selectors.topics_visible_to_staff(request.user).values_list("state").annotate(n=Count("pk")))
    return render(
        request,
        "deliberation/staff_hall.html",
        {
            "topics": topics.order_by("-updated_at")[:200],
            "state": state,
            "q": query,
            "states": [(value, label, counts.get(value, 0)) for value, label in TopicState.choices],
            "queue": selectors.moderation_queue(request.user),
            "held": selectors.held_comments(request.user)[:50],
            "moderated": selectors.units_moderated(request.user)[:20],
            "may_moderate": permissions.moderated_unit_ids(request.user) != set(),
            "to_confirm": selectors.residencies_to_confirm(request.user).count(),
            "overdue": selectors.overdue_tasks_for(request.user).count()
            if permissions.may_supervise(request.user)
            else None,
        },
    )


@staff_required
def staff_new(request):
    """征集 by the community: its own topic, one for a resident, or from a 每月一题 or 热点."""
    units = selectors.units_moderated(request.user)
    grid_units = [
        u
        for u in Unit.objects.filter(level="village", is_active=True)
        if permissions.may_propose_for_resident(request.user, u)
    ][:50]
    all_units = list(units) + [u for u in grid_units if u not in units]
    if not all_units:
        raise PermissionDenied(_("Only community staff and grid workers propose topics."))
    from dispatch.topics import topics_visible_to

    monthly = list(topics_visible_to(request.user)[:30])
    hotspots = _hotspots(request.user)
    form = {
        key: request.POST.get(key, "") for key in ("unit", "title", "description", "location", "resident", "source")
    }
    error = ""
    if request.method == "POST":
        unit = next((u for u in all_units if str(u.pk) == form["unit"]), None)
        resident, monthly_topic, hotspot = None, None, None
        if form["resident"].isdigit():
            resident = User.objects.filter(pk=int(form["resident"]), kind="resident").first()
        if form["source"].startswith("monthly:"):
            monthly_topic = next((t for t in monthly if f"monthly:{t.pk}" == form["source"]), None)
        elif form["source"].startswith("hotspot:"):
            hotspot = next((h for h in hotspots if h["ref"] == form["source"]), None)
        try:
            topic = services.topic_propose(
                actor=request.user,
                unit=unit,
                title=form["title"],
                description=form["description"],
                location=form["location"],
                photos=request.FILES.getlist("photos"),
                resident=resident,
                monthly_topic=monthly_topic,
                hotspot=hotspot,
            )
        except (BadInput, NotAllowed) as exc:  # kept here so the form comes back with what was typed
            error = str(exc.message)
        else:
            messages.success(request, _("The topic is proposed; it waits for review."))
            return redirect("deliberation:staff_topic", pk=topic.pk)
    residents = {u.pk: list(selectors.residents_of(u)[:200]) for u in grid_units}
    return render(
        request,
        "deliberation/staff_new.html",
        {
            "units": all_units,
            "form": form,
            "error": error,
            "monthly": monthly,
            "hotspots": hotspots,
            "residents": [(u, residents.get(u.pk, [])) for u in grid_units],
        },
    )


def _hotspots(user) -> list[dict]:
    """The 热点 of the last 30 days the user may see, as choices that carry their demands."""
    from datetime import timedelta

    from dispatch.hotspots import hotspots_for

    end = timezone.localdate()
    start = end - timedelta(days=29)
    try:
        report = hotspots_for(user, start=start, end=end, limit=15)
    except Exception:  # noqa: BLE001 - without hot spots the form still offers everything else
        return []
    return [
        {
            "ref": f"hotspot:{start}..{end}:{spot.rank}",
            "label": f"{spot.place} · {'、'.join(spot.key_words[:4])} ({spot.count})",
            "appeal_ids": spot.appeal_ids,
        }
        for spot in report.spots
    ]


@staff_required
def staff_topic(request, pk):
    topic = _staff_topic(request, pk)
    moderator = permissions.may_moderate(request.user, topic.unit)
    context = topic_context(request, topic, staff=True)
    context |= {
        "moderator": moderator,
        "similar": selectors.similar_topics(topic) if moderator and topic.state in selectors.OPEN_FOR_MERGE else [],
        "can": {
            action: lifecycle.allowed(topic, action)
            for action in ("accept", "reject", "merge", "close_discussion", "task", "rating_open", "rating_result")
        },
        "rules": HallRules.for_unit(topic.unit),
        "participant_kinds": ParticipantKind.choices,
        "departments": Department.objects.filter(
            is_active=True,
            unit__path__in=[topic.unit.path[: i + 1] for i, ch in enumerate(topic.unit.path) if ch == "/"],
        ).order_by("unit__path", "name"),
        "task_kinds": TaskKind.choices,
        "targets": _targets_offered(request.user, topic) if moderator and lifecycle.allowed(topic, "task") else [],
        "all_done": bool(context["tasks"]) and all(t.done_at for t in context["tasks"]),
        "now": timezone.localtime(),
    }
    return render(request, "deliberation/staff_topic.html", context)


def _targets_offered(user, topic) -> list:
    """The 民生实事 targets of this year that reach the topic's community and the staff member may see,
    with their progress, to tie a task to."""
    from targets.selectors import target_progress, targets_reaching

    return [(t, target_progress(t)) for t in targets_reaching(user, topic.unit)[:100]]


def _date(value) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _datetime(value) -> datetime | None:
    try:
        return datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None


@staff_required
@require_POST
@returns_to("deliberation:staff_topic", "pk")
def staff_action(request, pk, action):
    """One form post, one service: review, council, record, tasks, rating."""
    topic = _staff_topic(request, pk)
    post, user = request.POST, request.user
    done = _("Saved.")
    if action == "accept":
        services.topic_accept(actor=user, topic=topic, note=post.get("note", ""))
        done = _("Accepted: the topic is public and open for support and comments.")
    elif action == "reject":
        services.topic_reject(actor=user, topic=topic, reason=post.get("reason", ""))
        done = _("Not accepted; the proposer reads the reason.")
    elif action == "merge":
        into = Topic.objects.filter(pk=int(post["into"]) if post.get("into", "").isdigit() else 0).first()
        if into is None:
            raise BadInput(_("Choose the topic to merge into."))
        services.topic_merge(actor=user, topic=topic, into=into, note=post.get("note", ""))
        done = _("Merged.")
    elif action == "council":
        held_at = _datetime(post.get("held_at"))
        days = int(post["online_vote_days"]) if post.get("online_vote_days", "").isdigit() else None
        services.topic_to_council(
            actor=user,
            topic=topic,
            held_at=held_at,
            place=post.get("place", ""),
            agenda=post.get("agenda", ""),
            expected=post.get("expected", ""),
            online_vote_days=days,
        )
        done = _("The council meeting is set.")
    elif action == "participant":
        meeting = get_object_or_404(Meeting, topic=topic)
        services.participant_add(
            actor=user,
            meeting=meeting,
            kind=post.get("kind", ""),
            name=post.get("name", ""),
            organisation=post.get("organisation", ""),
        )
        done = _("Participant added.")
    elif action == "signin":
        participant = get_object_or_404(Participant, pk=post.get("participant") or 0, meeting__topic=topic)
        services.participant_sign_in(actor=user, participant=participant, present=post.get("present") != "0")
        done = _("Sign-in recorded.")
    elif action == "record":
        services.meeting_record(
            actor=user,
            topic=topic,
            minutes=post.get("minutes", ""),
            votes_for=post.get("votes_for", ""),
            votes_against=post.get("votes_against", ""),
            votes_abstain=post.get("votes_abstain", ""),
            decision=post.get("decision", ""),
        )
        topic.refresh_from_db()
        done = (
            _("The decision is published.")
            if topic.state == TopicState.DECIDED
            else _("Recorded: the motion was not carried.")
        )
    elif action == "task":
        department = target = None
        if post.get("department", "").isdigit():
            department = Department.objects.filter(pk=int(post["department"])).first()
        if post.get("target", "").isdigit():
            from targets.models import Target

            target = Target.objects.filter(pk=int(post["target"])).first()
        task = services.task_add(
            actor=user,
            topic=topic,
            title=post.get("title", ""),
            kind=post.get("kind", ""),
            due_on=_date(post.get("due_on")),
            owner_name=post.get("owner_name", ""),
            department=department,
            details=post.get("details", ""),
            target=target,
        )
        done = _("Task set; demand %(code)s is filed.") % {"code": task.appeal.code} if task.appeal else _("Task set.")
    elif action == "rating_open":
        services.topic_open_rating(actor=user, topic=topic)
        done = _("Rating is open to residents.")
    elif action == "rating_result":
        services.topic_publish_rating(actor=user, topic=topic)
        done = _("The rating result is published.")
    else:
        raise Http404
    messages.success(request, done)
    return redirect("deliberation:staff_topic", pk=topic.pk)


@staff_required
@require_POST
def moderate_comment(request, pk):
    comment = get_object_or_404(Comment.objects.select_related("topic__unit"), pk=pk)
    services.comment_moderate(actor=request.user, comment=comment, publish=request.POST.get("publish") == "1")
    messages.success(request, _("Done."))
    return redirect(request.POST.get("next") or reverse("deliberation:staff_topic", args=[comment.topic_id]))


@staff_required
@require_POST
def task_action(request, pk, action):
    task = get_object_or_404(Task.objects.select_related("topic__unit"), pk=pk)
    if action == "note":
        services.task_note(
            actor=request.user, task=task, text=request.POST.get("text", ""), photo=request.FILES.get("photo")
        )
    elif action == "done":
        services.task_done(actor=request.user, task=task, note=request.POST.get("note", ""))
    else:
        raise Http404
    messages.success(request, _("Saved."))
    return redirect(reverse("deliberation:staff_topic", args=[task.topic_id]) + "#tasks")


@staff_required
def rules(request):
    """议事规则 of the communities one moderates."""
    units = list(selectors.units_moderated(request.user)[:50])
    if not units:
        raise PermissionDenied(_("Only community staff set the deliberation rules."))
    if request.method == "POST":
        unit = next((u for u in units if str(u.pk) == request.POST.get("unit")), None)
        if unit is None:
            raise BadInput(_("Choose the community."))
        post = request.POST
        services.rules_save(
            actor=request.user,
            unit=unit,
            quorum_percent=post.get("quorum_percent") or 0,
            majority=post.get("majority", ""),
            weekly_limit=post.get("weekly_limit") or 0,
            discussion_days=post.get("discussion_days") or 0,
            rating_days=post.get("rating_days") or 0,
            online_voting=post.get("online_voting") == "on",
            unconfirmed_may=post.get("unconfirmed_may", ""),
        )
        messages.success(request, _("The rules of %(unit)s are saved.") % {"unit": unit.name})
        return redirect("deliberation:rules")
    return render(
        request,
        "deliberation/rules.html",
        {
            "rows": [(u, HallRules.for_unit(u)) for u in units],
            "majorities": Majority.choices,
            "unconfirmed_choices": Unconfirmed.choices,
        },
    )


@staff_required
def residencies(request):
    """居住确认: residents' declarations of where they live, in the communities one moderates, to confirm
    or refuse with a reason the resident reads; with what the rules let residents do meanwhile."""
    units = list(selectors.units_moderated(request.user)[:50])
    if not units:
        raise PermissionDenied(_("Only community staff confirm where residents live."))
    return render(
        request,
        "deliberation/residencies.html",
        {
            "pending": _with_names(selectors.residencies_to_confirm(request.user)[:200]),
            "decided": _with_names(selectors.residencies_decided(request.user)[:30]),
            "rules": [(u, HallRules.for_unit(u)) for u in units],
        },
    )


def _with_names(rows):
    rows = list(rows)
    for row in rows:
        row.masked_name = mask_name(row.resident.display_name) if row.resident.display_name else ""
    return rows


@staff_required
@require_POST
@returns_to("deliberation:residencies")
def residency_decide(request, pk):
    residency = get_object_or_404(Residency.objects.select_related("unit", "resident"), pk=pk)
    if request.POST.get("decision") == "confirm":
        services.residency_confirm(actor=request.user, residency=residency)
        messages.success(request, _("Confirmed: the resident's supports, votes and ratings count."))
    elif request.POST.get("decision") == "reject":
        services.residency_reject(actor=request.user, residency=residency, reason=request.POST.get("reason", ""))
        messages.success(request, _("Not confirmed; the resident reads the reason."))
    else:
        raise BadInput(_("Choose to confirm or not."))
    return redirect("deliberation:residencies")


@staff_required
def overdue(request):
    """议事督办: council tasks past their due date in the supervisor's units."""
    if not permissions.may_supervise(request.user):
        raise PermissionDenied(_("This queue is for supervisors."))
    tasks = list(selectors.overdue_tasks_for(request.user)[:500])
    for task in tasks:
        task.progress = selectors.task_progress(task)
    return render(request, "deliberation/overdue.html", {"tasks": tasks, "today": timezone.localdate()})


@staff_required
def meeting_sheet(request, pk):
    """The printable sign-in sheet and minutes of the council meeting."""
    topic = _staff_topic(request, pk)
    meeting = Meeting.objects.filter(topic=topic).first()
    if meeting is None:
        raise Http404(_("No meeting is set for this topic."))
    return render(
        request,
        "deliberation/print_sheet.html",
        {
            "topic": topic,
            "meeting": meeting,
            "participants": list(meeting.participants.all()),
            "blank_rows": range(max(0, 12 - meeting.participants.count())),
            "printed": timezone.now(),
            "actions": Action,
        },
    )
