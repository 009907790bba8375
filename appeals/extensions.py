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
