"""Panels on a staff member's home page, filled by the apps: each registers a function in its
``AppConfig.ready()`` that returns the HTML of its panel for a user (or "" when it has nothing for them),
and the home page (web) shows them in order. Like core.menu, this lets a home page show a feature app's
work of the day (a canteen's orders) without naming that app, and lets an app give a home to people
whose work is its own, who hold no role in the org network (a canteen's manager)."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HomePanel:
    key: str  # "<app>.<what>"; registering the same key again replaces the panel
    render: Callable[[object], str]  # given the request, the panel's HTML or ""
    order: int = 50


_panels: dict[str, HomePanel] = {}


def register(panel: HomePanel) -> None:
    _panels[panel.key] = panel


def unregister(key: str) -> None:
    _panels.pop(key, None)


def panels_for(request) -> list[str]:
    """The HTML of every registered panel that has something for ``request.user``."""
    html = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        text = panel.render(request)
        if text:
            html.append(text)
    return html
