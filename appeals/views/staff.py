"""The staff side of appeals: queues by role and scope, an appeal's detail with its timeline and the
actions the user may take now, bulk dispatch, and xlsx export of every list.

Every read starts from selectors.appeals_visible_to; every change is one service call. Personal data
is masked on these pages; the clear values appear once, on the response to an audited unmask.
"""

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from accounts.models import UserKind
from appeals import extensions, forms_staff, permissions, selectors, services
from appeals.exports import MAX_EXPORT_ROWS, is_overdue_now, mask_text, masked_contact
from appeals.lifecycle import allowed_actions
from appeals.models import Action, ExtensionRequest, State
from core import notes
from core.dbrouter import current_read_alias, replica_view
from core.errors import DomainError, NotFound
from core.middleware import returns_to
from core.xlsx import xlsx_response
from orgs.models import Role
from orgs.selectors import memberships_of

PAGE_SIZE = 25

QUEUE_LABELS = {
    "to_dispatch": gettext_lazy("To dispatch (待派单)"),
    "to_accept": gettext_lazy("To accept (待签收)"),
    "handling": gettext_lazy("In handling (办理中)"),
    "due_soon": gettext_lazy("Due soon (即将超期)"),
    "overdue": gettext_lazy("Overdue (已超期)"),
    "returned": gettext_lazy("Returned (被退回)"),
    "urged": gettext_lazy("Urged (被督办)"),
    "urged_overdue": gettext_lazy("Urging unanswered (督办超期)"),
    "all": gettext_lazy("All"),
}
# What the list shows first: the oldest waiting demand, or the nearest deadline.
QUEUE_ORDER = {
    "to_dispatch": ["created_at", "id"],
    "returned": ["created_at", "id"],
    "to_accept": ["accept_due_at", "created_at", "id"],
    "handling": ["due_at", "created_at", "id"],
    "due_soon": ["due_at", "id"],
    "overdue": ["due_at", "id"],
    "urged": ["due_at", "created_at", "id"],
    "urged_overdue": ["due_at", "created_at", "id"],
    "all": ["-created_at", "-id"],
}
BULK_QUEUES = {"to_dispatch", "returned"}


def default_queue(user) -> str:
    roles = {m.role for m in memberships_of(user)}
    if Role.DISPATCHER in roles:
        return "to_dispatch"
    if Role.HANDLER in roles:
        return "to_accept"
    if Role.SUPERVISOR in roles:
        return "overdue"
    return "all"


def _queue_and_filters(request):
    user = request.user
    queue = request.GET.get("queue") or default_queue(user)
    if queue not in selectors.QUEUES:
        queue = default_queue(user)
    form = forms_staff.QueueFilterForm(request.GET or None, user=user)
    filtered = selectors.appeals_filtered(selectors.appeals_visible_to(user), **form.filters())
    return queue, form, filtered


def _list_rows(appeals, now):
    return [{
        "appeal": appeal,
        "title": mask_text(appeal.title),
        "overdue": is_overdue_now(appeal, now),
        "urged": appeal.urge_count > 0 and appeal.state in (State.TO_DISPATCH, State.TO_ACCEPT, State.HANDLING),
        "returned": appeal.return_count > 0 and appeal.state == State.TO_DISPATCH,
    } for appeal in appeals]


@staff_required
@require_GET
def queue(request):
    user = request.user
    now = timezone.now()
    queue_name, form, filtered = _queue_and_filters(request)
    counts = selectors.queue_counts(user, now=now, base=filtered)
    appeals = filtered.filter(selectors.queue_q(queue_name, now=now)).order_by(*QUEUE_ORDER[queue_name])
    page = Paginator(appeals, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("queue", None)
    params.pop("page", None)
    filter_query = params.urlencode()
    bulk = queue_name in BULK_QUEUES and permissions.may_bulk_dispatch(user)
    return render(request, "appeals/staff/queue.html", {
        "queue": queue_name,
        "queue_label": QUEUE_LABELS[queue_name],
        "tabs": [{"key": key, "label": QUEUE_LABELS[key], "count": counts[key]} for key in selectors.QUEUES],
        "form": form,
        "filters_active": any(v for k, v in request.GET.items() if k not in ("queue", "page")),
        "filter_query": filter_query,
        "page": page,
        "rows": _list_rows(page.object_list, now),
        "bulk_form": forms_staff.BulkDispatchForm(user=user) if bulk else None,
        "export_query": request.GET.urlencode() if "queue" in request.GET else f"queue={queue_name}&{filter_query}",
    })


@staff_required
@require_GET
@replica_view  # the list is read from a replica when there is one; the audit record goes to the primary
def export(request):
    queue_name, form, filtered = _queue_and_filters(request)
    # Pinned to the replica chosen for this page, as the export service reads it inside its own transaction.
    appeals = filtered.filter(selectors.queue_q(queue_name)).order_by(*QUEUE_ORDER[queue_name]).using(
        current_read_alias())
    if appeals.count() > MAX_EXPORT_ROWS:
        messages.error(request, _("This list has more than %(n)s appeals; narrow it with the filters before "
                                  "exporting.") % {"n": MAX_EXPORT_ROWS})
        return redirect(f"{reverse('appeals:staff_queue')}?{request.GET.urlencode()}")
    label = str(QUEUE_LABELS[queue_name])
    content = services.appeals_export(actor=request.user, appeals=appeals, title=label, query=request.GET.urlencode())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(content, f"{_('appeals')}-{label}-{stamp}.xlsx")


# --- one appeal ------------------------------------------------------------------------------------

def _visible_appeal(request, code):
    code = (code or "").strip().upper()
    appeal = selectors.appeals_visible_to(request.user).filter(code=code).first()
    if appeal is None:
        raise Http404(_("No appeal with this code in your scope."))
    return appeal


def _pending_extension(appeal):
    return appeal.extension_requests.filter(status=ExtensionRequest.Status.PENDING).select_related(
        "requested_by").first()


# key in the URL → (the action as permissions and the transition table know it, label)
ACTIONS = {
    "dispatch": (Action.DISPATCH, gettext_lazy("Dispatch (派单)")),
    "reassign": (Action.REASSIGN, gettext_lazy("Reassign (改派)")),
    "accept": (Action.ACCEPT, gettext_lazy("Accept (签收)")),
    "return": (Action.RETURN, gettext_lazy("Return (退单)")),
    "transfer": (Action.TRANSFER, gettext_lazy("Pass down (转办)")),
    "request_extension": (Action.REQUEST_EXTENSION, gettext_lazy("Request an extension (申请延期)")),
    "decide_extension": (Action.APPROVE_EXTENSION, gettext_lazy("Decide the extension request (延期审批)")),
    "urge": (Action.URGE, gettext_lazy("Urge (督办)")),
    "answer_urge": (Action.ANSWER_URGE, gettext_lazy("Answer the urging (督办反馈)")),
    "progress": (Action.PROGRESS, gettext_lazy("Add a progress note (进展记录)")),
    "reply": (Action.REPLY, gettext_lazy("Reply (答复)")),
    "merge": (Action.MERGE, gettext_lazy("Merge into another appeal (合并)")),
    "reject": (Action.REJECT, gettext_lazy("Do not accept (不予受理)")),
}


def _make_form(key, *, user, appeal, data=None):
    if key in ("dispatch", "reassign"):
        cls = forms_staff.DispatchForm if key == "dispatch" else forms_staff.ReassignForm
        return cls(data, user=user, prefix=key)
    if key == "accept":
        return forms_staff.EmptyForm(data, prefix=key)
    if key in ("return", "reject"):
        return forms_staff.ReasonForm(data, prefix=key)
    if key == "transfer":
        return forms_staff.TransferForm(data, appeal=appeal, prefix=key)
    if key == "request_extension":
        return forms_staff.ExtensionRequestForm(data, prefix=key)
    if key == "decide_extension":
        return forms_staff.ExtensionDecisionForm(data, prefix=key)
    if key == "urge":
        return forms_staff.UrgeForm(data, prefix=key)
    if key == "answer_urge":
        return forms_staff.UrgeAnswerForm(data, urges=selectors.open_urges_of(appeal), prefix=key)
    if key == "progress":
        return forms_staff.ProgressNoteForm(data, prefix=key)
    if key == "reply":
        return forms_staff.ReplyForm(data, templates=selectors.reply_templates_for(appeal), prefix=key)
    if key == "merge":
        return forms_staff.MergeForm(data, prefix=key)
    raise Http404


def _available(key, *, user, appeal, state_actions, pending) -> bool:
    action = ACTIONS[key][0]
    if action not in state_actions or not permissions.may(user, action, appeal):
        return False
    if key == "request_extension":
        return pending is None
    if key == "decide_extension":
        return pending is not None
    if key == "answer_urge":
        return selectors.open_urges_of(appeal).exists()
    return True


def _perform(key, *, user, appeal, data, pending) -> str:
    """Call the one service behind ``key``; return the message to show on success."""
    if key == "dispatch":
        services.appeal_dispatch(actor=user, appeal=appeal, target=data["target"], note=data["note"])
        return _("Dispatched to %(target)s.") % {"target": data["target"]}
    if key == "reassign":
        services.appeal_reassign(actor=user, appeal=appeal, target=data["target"], note=data["note"])
        return _("Reassigned to %(target)s.") % {"target": data["target"]}
    if key == "accept":
        services.appeal_accept(actor=user, appeal=appeal)
        return _("Accepted. The appeal is now in handling.")
    if key == "return":
        services.appeal_return(actor=user, appeal=appeal, reason=data["reason"])
        return _("Returned to the dispatcher.")
    if key == "transfer":
        services.appeal_transfer(actor=user, appeal=appeal, unit=data["unit"], note=data["note"])
        return _("Passed down to %(unit)s.") % {"unit": data["unit"]}
    if key == "request_extension":
        services.appeal_request_extension(actor=user, appeal=appeal, new_due_at=data["new_due_at"],
                                          reason=data["reason"])
        return _("Extension requested; a supervisor will decide.")
    if key == "decide_extension":
        if pending is None:
            raise DomainError(_("There is no extension request waiting for a decision."))
        approve = data["decision"] == "approve"
        services.appeal_decide_extension(actor=user, request=pending, approve=approve, note=data["note"])
        return _("Extension approved: the deadline has moved.") if approve else _("Extension denied.")
    if key == "urge":
        urge = services.appeal_urge(actor=user, appeal=appeal, note=data["note"],
                                    answer_due_at=data.get("answer_due_at"))
        return _("Urged. The handler sees the appeal flagged in their queue and answers by %(due)s.") % {
            "due": timezone.localtime(urge.answer_due_at).strftime("%Y-%m-%d %H:%M")}
    if key == "answer_urge":
        services.appeal_urge_answer(actor=user, urge=data["urge"], text=data["text"])
        return _("Your answer to the urging was recorded; the supervisors see it.")
    if key == "progress":
        public = data["visibility"] == "public"
        services.appeal_progress_note(actor=user, appeal=appeal, text=data["text"], public=public)
        return _("Progress note added; the resident sees it on the tracking page.") if public else _(
            "Progress note added for staff.")
    if key == "reply":
        services.appeal_reply(actor=user, appeal=appeal, text=data["text"])
        return _("Reply sent to the resident.")
    if key == "merge":
        into = selectors.appeals_visible_to(user).filter(code=data["into"]).first()
        if into is None:
            raise DomainError(_("No appeal with code %(code)s in your scope.") % {"code": data["into"]})
        services.appeal_merge(actor=user, appeal=appeal, into=into, note=data["note"])
        return _("Merged into %(code)s.") % {"code": into.code}
    if key == "reject":
        services.appeal_reject(actor=user, appeal=appeal, reason=data["reason"])
        return _("Marked as not accepted.")
    raise Http404


def _timeline(appeal):
    events = []
    for event in selectors.appeal_timeline(appeal):
        data = event.data or {}
        if event.actor is not None and event.actor.is_resident:
            # A resident's account name is a random r-… handle and may belong to someone who asked to stay
            # anonymous: staff see only that a resident did it.
            actor = UserKind.RESIDENT.label
        else:
            actor = event.actor or (_("automatic dispatch") if event.actor_label == "auto"
                                    else _("system") if event.actor_label else "—")
        events.append({
            "event": event,
            "actor": actor,
            "note": mask_text(notes.shown(event.note, data)),
            "from_label": State(event.from_state).label if event.from_state else "",
            "to_label": State(event.to_state).label if event.to_state else "",
            "target": data.get("to") or data.get("into") or "",
            "source": data.get("from") or "",
        })
    return events


def _render_detail(request, appeal, *, bound_key=None, bound_form=None, error=None, unmasked=None,
                   status=200):
    user = request.user
    pending = _pending_extension(appeal)
    state_actions = set(allowed_actions(appeal.state))
    actions = []
    for key, (_action, label) in ACTIONS.items():
        if not _available(key, user=user, appeal=appeal, state_actions=state_actions, pending=pending):
            continue
        form = bound_form if key == bound_key else _make_form(key, user=user, appeal=appeal)
        if key == "transfer" and not form.fields["unit"].queryset.exists():
            continue  # nothing below this handler to pass the appeal down to
        actions.append({"key": key, "label": label, "form": form, "open": key == bound_key,
                        "url": reverse("appeals:staff_act", args=[appeal.code, key])})
    reply_templates = {str(t.pk): t.body for t in selectors.reply_templates_for(appeal)}
    contact = masked_contact(appeal)
    has_contact = bool(appeal.contact_name or appeal.contact_phone or appeal.id_number)
    response = render(request, "appeals/staff/detail.html", {
        "appeal": appeal,
        "title": mask_text(appeal.title),
        "description": mask_text(appeal.description),
        "contact": contact,
        "has_contact": has_contact,
        "unmasked": unmasked,
        "may_unmask": has_contact and not appeal.anonymous and permissions.may(user, Action.UNMASK, appeal),
        "overdue": is_overdue_now(appeal),
        "urged": appeal.urge_count > 0 and appeal.state in (State.TO_DISPATCH, State.TO_ACCEPT, State.HANDLING),
        "pending_extension": pending,
        "urges": list(selectors.urges_of(appeal)),
        "now": timezone.now(),
        "actions": actions,
        "error": error,
        "events": _timeline(appeal),
        "photos": list(appeal.photos.all()),
        "duplicates": list(appeal.duplicates.only("code", "title")),
        "reply_templates": reply_templates,
        "rating_comment": mask_text(appeal.rating_comment),
        # What apps above appeals add (dispatch: suggested departments, possible duplicates).
        "panels": extensions.staff_panels(request, appeal),
    }, status=status)
    if unmasked is not None:
        response["Cache-Control"] = "no-store"
    return response


# --- confirming what cannot be undone -----------------------------------------------------------------
# 答复, 不予受理 and 合并 cannot be taken back: a first POST shows what will happen (the reply as the
# resident will read it) on a page of its own; only a second POST with ``confirm`` calls the service.
# Plain forms, so it works without script (the CSP forbids inline script anyway).

CONFIRM = {"reply", "reject", "merge"}
# Blanks a reply template leaves to fill in, e.g. 【核查情况】.
TEMPLATE_BLANK = re.compile(r"【[^】]{1,20}】")


def _confirm_fields(key, form) -> dict[str, str]:
    """What the confirmation posts again: the cleaned values, so a reply started from a template
    carries the template's text, which the handler sees and may edit."""
    data = form.cleaned_data
    names = {"reply": ["text"], "reject": ["reason"], "merge": ["into", "note"]}[key]
    return {form.add_prefix(name): data.get(name) or "" for name in names}


def _render_confirm(request, appeal, key, form):
    from appeals.models import AppealEvent
    from appeals.notifications import resident_text

    data = form.cleaned_data
    context = {
        "appeal": appeal,
        "title": mask_text(appeal.title),
        "key": key,
        "label": ACTIONS[key][1],
        "url": reverse("appeals:staff_act", args=[appeal.code, key]),
        "hidden": _confirm_fields(key, form),
    }
    if key == "reply":
        context |= {
            "reply": data["text"],
            "blanks": list(dict.fromkeys(TEMPLATE_BLANK.findall(data["text"]))),
            # The text message the resident gets with it, as the outbox will word it.
            "sms": resident_text(AppealEvent(appeal=appeal, action=Action.REPLY)),
        }
    elif key == "reject":
        context["reason"] = data["reason"]
    elif key == "merge":
        into = selectors.appeals_visible_to(request.user).filter(code=data["into"]).first()
        if into is None:
            raise DomainError(_("No appeal with code %(code)s in your scope.") % {"code": data["into"]})
        if into.pk == appeal.pk:
            raise DomainError(_("An appeal cannot be merged into itself."))
        context |= {"into": into, "into_title": mask_text(into.title), "note": data.get("note", "")}
    return render(request, "appeals/staff/confirm.html", context)


@staff_required
@require_GET
def detail(request, code):
    return _render_detail(request, _visible_appeal(request, code))


@staff_required
@require_POST
@returns_to("appeals:staff_detail", "code")
def act(request, code, key):
    if key not in ACTIONS:
        raise Http404
    user = request.user
    appeal = _visible_appeal(request, code)
    permissions.require(user, ACTIONS[key][0], appeal)  # a refusal goes to core.middleware
    form = _make_form(key, user=user, appeal=appeal, data=request.POST)
    if not form.is_valid():
        return _render_detail(request, appeal, bound_key=key, bound_form=form, status=400)
    if key in CONFIRM and not request.POST.get("confirm"):
        if request.POST.get("edit"):  # back from the confirmation, to change what was written
            return _render_detail(request, appeal, bound_key=key, bound_form=form)
        try:
            return _render_confirm(request, appeal, key, form)
        except DomainError as exc:  # e.g. no such main appeal: the form comes back with what was typed
            return _render_detail(request, appeal, bound_key=key, bound_form=form, error=exc.message,
                                  status=exc.status)
    # Kept here rather than left to core.middleware: the action's form comes back open, with the
    # reason or reply the user typed, and the service's message above it.
    try:
        message = _perform(key, user=user, appeal=appeal, data=form.cleaned_data,
                           pending=_pending_extension(appeal))
    except DomainError as exc:
        appeal = _visible_appeal(request, code)
        return _render_detail(request, appeal, bound_key=key, bound_form=form, error=exc.message,
                              status=exc.status)
    messages.success(request, message)
    if selectors.appeals_visible_to(user).filter(pk=appeal.pk).exists():
        return redirect("appeals:staff_detail", code=appeal.code)
    return redirect("appeals:staff_queue")  # returned or passed out of this user's scope


@staff_required
@require_POST
@returns_to("appeals:staff_detail", "code")
def unmask(request, code):
    appeal = _visible_appeal(request, code)
    clear = services.appeal_reveal_contact(actor=request.user, appeal=appeal)
    return _render_detail(request, appeal, unmasked=clear)


@staff_required
@require_GET
def photo(request, code, photo_id):
    appeal = _visible_appeal(request, code)
    item = appeal.photos.filter(pk=photo_id).first()
    if item is None:
        raise Http404
    response = FileResponse(item.image.open("rb"), content_type=item.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@staff_required
@require_POST
def bulk_dispatch(request):
    user = request.user
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        back = ""
    back = back or reverse("appeals:staff_queue")
    if not permissions.may_bulk_dispatch(user):
        raise PermissionDenied(_("Only dispatchers may dispatch appeals."))
    form = forms_staff.BulkDispatchForm(request.POST, user=user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    target = form.cleaned_data["target"]
    codes = form.cleaned_data["codes"]
    found = {a.code: a for a in selectors.appeals_visible_to(user).filter(code__in=codes)}
    done, failures = 0, []
    for code in codes:
        appeal = found.get(code)
        if appeal is None:
            failures.append(_("%(code)s: not found in your scope") % {"code": code})
            continue
        # Each appeal on its own: one refused does not stop the others, and the page lists why.
        try:
            services.appeal_dispatch(actor=user, appeal=appeal, target=target)
        except DomainError as exc:
            failures.append(f"{code}: {exc.message}")
        else:
            done += 1
    if done:
        messages.success(request, ngettext("%(n)s appeal dispatched to %(target)s.",
                                           "%(n)s appeals dispatched to %(target)s.", done)
                         % {"n": done, "target": target})
    if failures:
        messages.error(request, ngettext("%(n)s appeal could not be dispatched: %(reasons)s",
                                         "%(n)s appeals could not be dispatched: %(reasons)s", len(failures))
                       % {"n": len(failures), "reasons": "；".join(str(f) for f in failures)})
    return redirect(back)


# --- the supervisor's queue of extension requests (延期审批) ---------------------------------------------

def _extension_rows(user, now, *, bound=None):
    rows = []
    for request_row in selectors.extension_requests_pending_for(user):
        prefix = f"x{request_row.pk}"
        form = bound if bound is not None and bound.prefix == prefix else forms_staff.ExtensionDecisionForm(
            prefix=prefix)
        rows.append({"request": request_row, "appeal": request_row.appeal,
                     "title": mask_text(request_row.appeal.title), "reason": mask_text(request_row.reason),
                     "waited": now - request_row.created_at, "form": form,
                     "url": reverse("appeals:staff_extension_decide", args=[request_row.pk])})
    return rows


def _render_extensions(request, *, bound=None, status=200):
    if not permissions.may_supervise(request.user):
        raise PermissionDenied(_("Only supervisors decide extension requests."))
    now = timezone.now()
    return render(request, "appeals/staff/extensions.html", {"rows": _extension_rows(request.user, now, bound=bound),
                                                             "now": now}, status=status)


@staff_required
@require_GET
def extension_queue(request):
    """Pending extension requests in the supervisor's scope, oldest first, each decided from here."""
    return _render_extensions(request)


@staff_required
@require_POST
@returns_to("appeals:staff_extensions")
def extension_decide(request, pk):
    if not permissions.may_supervise(request.user):
        raise PermissionDenied(_("Only supervisors decide extension requests."))
    pending = selectors.extension_requests_pending_for(request.user).filter(pk=pk).first()
    if pending is None:
        # Decided by someone else, lapsed with its appeal, or not in this supervisor's scope: all the same
        # to them (core.middleware shows the message on the queue).
        raise NotFound(_("This extension request is no longer waiting for your decision."))
    form = forms_staff.ExtensionDecisionForm(request.POST, prefix=f"x{pending.pk}")
    if not form.is_valid():
        return _render_extensions(request, bound=form, status=400)
    approve = form.cleaned_data["decision"] == "approve"
    services.appeal_decide_extension(actor=request.user, request=pending, approve=approve,
                                     note=form.cleaned_data["note"])
    messages.success(request, (_("Extension for %(code)s approved: the deadline has moved.") if approve
                               else _("Extension for %(code)s denied.")) % {"code": pending.appeal.code})
    return redirect("appeals:staff_extensions")
