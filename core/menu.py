"""The site menu, filled by the apps: each registers its entries in its ``AppConfig.ready()``, and the
base template (core/templates/core/base.html) shows those the signed-in user may open.

Core never names a URL of an app above it: an entry carries the URL *name*, reversed when the menu is
built, and a predicate written with the registering app's own permission checks. An app that is not
installed registers nothing, so its entries simply do not appear.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

# Which menu an entry belongs to, and the sections of the staff menu in the order they are shown.
STAFF = "staff"
RESIDENT = "resident"
ACCOUNT = "account"  # beside the user's name: signing out
SECTIONS = {
    STAFF: ["work", "insight", "system"],
    RESIDENT: ["main"],
    ACCOUNT: ["main"],
}


@dataclass(frozen=True)
class MenuEntry:
    key: str  # unique, "<app>.<what>"; registering the same key again replaces the entry
    label: str  # usually a gettext_lazy string, translated when shown
    url_name: str
    visible: Callable[[object], bool]  # given a signed-in user of this menu's kind
    menu: str = STAFF
    section: str = "work"
    order: int = 50
    method: str = "get"  # "post" for an action such as signing out: the template renders a form

    def __post_init__(self):
        if self.menu not in SECTIONS:
            raise ValueError(f"unknown menu {self.menu!r}")
        if self.section not in SECTIONS[self.menu]:
            raise ValueError(f"unknown section {self.section!r} of menu {self.menu!r}")


_entries: dict[str, MenuEntry] = {}


def register(entry: MenuEntry) -> None:
    _entries[entry.key] = entry


def unregister(key: str) -> None:
    _entries.pop(key, None)


def registered() -> list[MenuEntry]:
    return sorted(_entries.values(), key=lambda e: (e.menu, SECTIONS[e.menu].index(e.section), e.order, e.key))


def menu_for(user) -> str | None:
    """Which main menu ``user`` sees: staff, resident, or none for a visitor."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return RESIDENT if getattr(user, "is_resident", False) else STAFF


def links_for(user, menu: str, *, path: str = "") -> list[dict]:
    """The entries of ``menu`` that ``user`` may open, as dicts for the template. The entry whose URL is
    the longest prefix of ``path`` is marked current (a detail page lights up its list's entry)."""
    if menu_for(user) is None or (menu != ACCOUNT and menu_for(user) != menu):
        return []
    links = []
    for entry in registered():
        if entry.menu != menu or not entry.visible(user):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:  # the app's URLs are not mounted in this deployment
            continue
        links.append({"key": entry.key, "label": entry.label, "url": url, "section": entry.section,
                      "method": entry.method, "current": False})
    matches = [link for link in links if link["method"] == "get" and path.startswith(link["url"])]
    if matches:
        max(matches, key=lambda link: len(link["url"]))["current"] = True
    for before, link in zip([None, *links], links, strict=False):
        link["new_section"] = before is not None and before["section"] != link["section"]
    return links
