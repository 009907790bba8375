"""Extension points of the appeals pages, for apps above appeals (dispatch, …) to plug into at
start-up (``AppConfig.ready``) without appeals importing them.

A *panel* is a callable ``panel(request, appeal) -> str`` returning an HTML fragment (rendered from
a template, so already escaped) for the staff detail page of ``appeal``, or "" to show nothing. A
panel that fails is logged and left out: it never breaks the page.
"""

import logging
from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger("minsheng.appeals")

Panel = Callable[..., str]
_panels: dict[str, Panel] = {}


def register_panel(key: str, panel: Panel) -> None:
    """Add (or replace) the panel named ``key``; panels show in the order they were first registered."""
    _panels[key] = panel


def unregister_panel(key: str) -> None:
    _panels.pop(key, None)


def staff_panels(request, appeal) -> list[SafeString]:
    """The non-empty panels for ``appeal``'s staff detail page."""
    out = []
    for key, panel in list(_panels.items()):
        try:
            html = panel(request, appeal)
        except Exception:  # noqa: BLE001 - an extension must never take the appeal page down
            logger.exception("staff panel %s failed for appeal %s", key, getattr(appeal, "code", "?"))
            continue
        if html:
            out.append(mark_safe(html))  # noqa: S308 - panels render templates with autoescaping
    return out


# --- recording a demand on a higher app's word ----------------------------------------------------------
# Dispatchers and grid workers record demands for residents (appeals.permissions). A higher app may vouch
# for someone else in one precise case: care lets a person's responsible person (包联人: a village cadre, a
# volunteer) file a need for that person, in that person's place. ``Intake.on_behalf_of`` names the case
# ("care.person:17"); the voucher registered under its prefix checks it again from its own records, so
# naming a case grants nothing by itself, and who may record demands in general does not change.

Voucher = Callable[[object, object, str], bool]  # (actor, place, reference) -> may record
_vouchers: dict[str, Voucher] = {}


def register_voucher(prefix: str, voucher: Voucher) -> None:
    _vouchers[prefix] = voucher


def unregister_voucher(prefix: str) -> None:
    _vouchers.pop(prefix, None)


def vouches(actor, place, on_behalf_of: str) -> bool:
    """Whether the app named by ``on_behalf_of``'s prefix says ``actor`` may record this demand in ``place``.
    No voucher, a malformed reference or a failing voucher all say no."""
    prefix, _sep, reference = (on_behalf_of or "").partition(":")
    voucher = _vouchers.get(prefix)
    if voucher is None or not reference:
        return False
    try:
        return bool(voucher(actor, place, reference))
    except Exception:  # noqa: BLE001 - a broken voucher refuses; it never lets anyone through
        logger.exception("voucher %s failed for %s", prefix, reference)
        return False
