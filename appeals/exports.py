"""How an appeal's personal data leaves the record: masked on staff pages and in xlsx exports.

Clear values are only ever returned by services.appeal_unmask, which is audited. Free text a
resident wrote (title, description, added information) may hold a phone or ID number too, so it is
masked the same way wherever staff read it.
"""

import re

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.crypto import mask_id_number, mask_name, mask_phone
from core.xlsx import Column, write_xlsx

# Mainland mobiles (optionally +86, with spaces or dashes) and 18/15-digit ID numbers, not inside
# longer numbers. The same shapes core.text masks for analysis.
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9])")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{16}[0-9Xx]|[1-9]\d{14})(?![0-9A-Za-z])")

MAX_EXPORT_ROWS = 20_000


def mask_text(text: str | None) -> str:
    """``text`` with every mobile number shown as 138****1234 and every ID number masked."""
    if not text:
        return ""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(1).upper()), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(1) + m.group(2) + m.group(3)), text)


def masked_contact(appeal) -> dict:
    """The resident's details as staff see them by default. An anonymous resident shows nothing."""
    if appeal.anonymous:
        return {"name": "", "phone": "", "id_number": "", "anonymous": True}
    return {
        "name": mask_name(appeal.contact_name),
        "phone": mask_phone(appeal.contact_phone),
        "id_number": mask_id_number(appeal.id_number),
        "anonymous": False,
    }


def is_overdue_now(appeal, now=None) -> bool:
    """Flagged by the sweep, or past its deadline while a handler holds it (the sweep may lag)."""
    from appeals.models import ASSIGNED_STATES

    if appeal.state not in ASSIGNED_STATES:
        return False
    now = now or timezone.now()
    return bool(appeal.is_overdue or (appeal.due_at and appeal.due_at < now))


def _local(value):
    # Excel has no time zones: write the local wall-clock time people expect.
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0) if value else None


# What a 12345 report reads: the demand, who handled it and when, the reply and the resident's verdict.
# Free text is masked as on the staff pages; the contact as by default (never the clear values).
APPEAL_COLUMNS = (
    Column("code", gettext_lazy("Tracking code"), width=14),
    Column("received", gettext_lazy("Received"), width=18),
    Column("channel", gettext_lazy("Channel"), width=14),
    Column("type", gettext_lazy("Type"), width=16),
    Column("category", gettext_lazy("Category"), width=14),
    Column("title", gettext_lazy("Title"), width=36),
    Column("content", gettext_lazy("Content (诉求内容)"), width=60),
    Column("place", gettext_lazy("Place"), width=20),
    Column("state", gettext_lazy("State"), width=18),
    Column("handler", gettext_lazy("Handling department or unit"), width=22),
    Column("dispatched", gettext_lazy("Dispatched"), width=18),
    Column("due", gettext_lazy("Due"), width=18),
    Column("overdue", gettext_lazy("Overdue"), width=8),
    Column("replied", gettext_lazy("Replied"), width=18),
    Column("reply", gettext_lazy("Reply (答复)"), width=60),
    Column("closed", gettext_lazy("Closed (办结时间)"), width=18),
    Column("closed_on_time", gettext_lazy("Closed on time"), width=10),
    Column("satisfaction", gettext_lazy("Satisfaction (满意度)"), width=12),
    Column("resolved", gettext_lazy("Resolved, in the resident's words"), width=10),
    Column("rating_comment", gettext_lazy("Rating comment"), width=30),
    Column("contact_name", gettext_lazy("Contact name (masked)"), width=14),
    Column("contact_phone", gettext_lazy("Contact phone (masked)"), width=16),
)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else str(_("yes") if value else _("no"))


def appeal_row(appeal, now=None) -> dict:
    contact = masked_contact(appeal)
    return {
        "code": appeal.code,
        "received": _local(appeal.created_at),
        "channel": str(appeal.get_channel_display()),
        "type": str(appeal.get_appeal_type_display()),
        "category": appeal.category.name if appeal.category_id else "",
        "title": mask_text(appeal.title),
        "content": mask_text(appeal.description),
        "place": appeal.place.name,
        "state": str(appeal.get_state_display()),
        "handler": str(appeal.assignee or ""),
        "dispatched": _local(appeal.dispatched_at),
        "due": _local(appeal.due_at),
        "overdue": _("yes") if is_overdue_now(appeal, now) else "",
        "replied": _local(appeal.replied_at),
        "reply": mask_text(appeal.reply),
        "closed": _local(appeal.closed_at),
        "closed_on_time": _yes_no(appeal.closed_on_time) if appeal.closed_at else "",
        "satisfaction": str(appeal.get_satisfaction_display()) if appeal.satisfaction else "",
        "resolved": _yes_no(appeal.resolved),
        "rating_comment": mask_text(appeal.rating_comment),
        "contact_name": contact["name"],
        "contact_phone": contact["phone"],
    }


def appeals_xlsx(appeals, *, title: str) -> bytes:
    """An export of ``appeals`` (a queryset already limited to the user's scope and filters)."""
    now = timezone.now()
    rows = (appeal_row(appeal, now) for appeal in appeals.iterator(chunk_size=500))
    return write_xlsx(columns=APPEAL_COLUMNS, rows=rows, title=title)
