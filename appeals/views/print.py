"""The 工单 (work order) print view: one demand on one A4 page, for the paper file a handling unit
keeps and signs (承办人, 审核人, 日期). Only someone who may see the appeal may print it; personal data
is masked as on the staff pages (the clear values are never printed)."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.decorators import staff_required
from accounts.models import UserKind
from appeals import selectors
from appeals.exports import mask_text, masked_contact
from appeals.models import Action, State
from core import notes


def _visible(user, code: str):
    code = (code or "").strip().upper()
    appeal = (selectors.appeals_visible_to(user).select_related("merged_into").filter(code=code).first())
    if appeal is None:
        raise Http404(_("No appeal with this code in your scope."))
    return appeal


def _timeline(appeal) -> list[dict]:
    """The events as staff see them, in print: when, what, by whom, the masked note."""
    lines = []
    for event in selectors.appeal_timeline(appeal):
        if event.actor is not None and event.actor.is_resident:
            actor = UserKind.RESIDENT.label  # never the resident's account handle
        else:
            actor = event.actor or (_("automatic dispatch") if event.actor_label == "auto"
                                    else _("system") if event.actor_label else "—")
        data = event.data or {}
        lines.append({
            "at": event.created_at,
            "action": event.get_action_display(),
            "to_state": State(event.to_state).label if event.to_state and event.to_state != event.from_state else "",
            "actor": actor,
            "target": data.get("to") or data.get("into") or "",
            # The reply is printed in full below the timeline: not twice.
            "note": "" if event.action == Action.REPLY else mask_text(notes.shown(event.note, event.data)),
        })
    return lines


@staff_required
@require_GET
def work_order(request, code):
    appeal = _visible(request.user, code)
    return render(request, "appeals/staff/print.html", {
        "appeal": appeal,
        "title": mask_text(appeal.title),
        "description": mask_text(appeal.description),
        "reply": mask_text(appeal.reply),
        "rating_comment": mask_text(appeal.rating_comment),
        "contact": masked_contact(appeal),
        "events": _timeline(appeal),
        "printed_at": timezone.now(),
    })
