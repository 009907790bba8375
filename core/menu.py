"""The site menu, filled by the apps: each registers its entries in its ``AppConfig.ready()``, and the
base template (core/templates/core/base.html) shows those the signed-in user may open.

Core never names a URL of an app above it: an entry carries the URL *name*, reversed when the menu is
built, and a predicate written with the registering app's own permission checks. An app that is not
installed registers nothing, so its entries simply do not appear.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import pgettext_lazy

# Which menu an entry belongs to, and the sections of the staff menu in the order they are shown.
STAFF = "staff"
RESIDENT = "resident"
ACCOUNT = "account"  # beside the user's name: signing out
SECTIONS = {
    STAFF: ["work", "insight", "system"],
    RESIDENT: ["main"],
    ACCOUNT: ["main"],
}
# The heading each section's group has in the menu. An app may name a section of its own (an entry's
# ``section`` is any word): with ``name_section`` it gets a heading and its place after those above;
# without, its entries still show, after the known sections, under the generic group ``OTHER``.
SECTION_LABELS = {
    (STAFF, "work"): pgettext_lazy("menu group", "Work"),
    (STAFF, "insight"): pgettext_lazy("menu group", "Data and oversight"),
    (STAFF, "system"): pgettext_lazy("menu group", "Administration"),
    (RESIDENT, "main"): pgettext_lazy("menu group", "Services"),
}
OTHER = pgettext_lazy("menu group", "More")


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
        if not self.section or not isinstance(self.section, str):
            raise ValueError(f"an entry of menu {self.menu!r} needs a section")


_entries: dict[str, MenuEntry] = {}


def register(entry: MenuEntry) -> None:
    _entries[entry.key] = entry


def unregister(key: str) -> None:
    _entries.pop(key, None)


def name_section(menu: str, section: str, label) -> None:
    """Give ``section`` of ``menu`` a heading of its own (a lazy string), shown after the sections
    named before it. Naming it again changes only its heading."""
    if menu not in SECTIONS:
        raise ValueError(f"unknown menu {menu!r}")
    if section not in SECTIONS[menu]:
        SECTIONS[menu].append(section)
    SECTION_LABELS[(menu, section)] = label


def _section_rank(menu: str, section: str) -> tuple[int, str]:
    known = SECTIONS[menu]
    return (known.index(section), "") if section in known else (len(known), section)


def section_label(menu: str, section: str):
    return SECTION_LABELS.get((menu, section), OTHER)


def registered() -> list[MenuEntry]:
    return sorted(_entries.values(), key=lambda e: (e.menu, _section_rank(e.menu, e.section), e.order, e.key))


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


def groups_for(links: list[dict], menu: str) -> list[dict]:
    """``links`` (as ``links_for`` returns them, in order) grouped by the heading of their section: the
    staff menu's 工作 / 数据与督办 / 管理 …, every section no app named gathered in one last group 更多.
    A group is marked current when it holds the current entry."""
    groups: list[dict] = []
    by_label: dict[str, dict] = {}
    for link in links:
        known = link["section"] in SECTIONS[menu]
        key = link["section"] if known else "other"
        group = by_label.get(key)
        if group is None:
            group = by_label[key] = {"key": key, "label": section_label(menu, link["section"]) if known else OTHER,
                                     "links": [], "entry_keys": [], "current": False}
            groups.append(group)
        group["links"].append(link)
        group["entry_keys"].append(link["key"])
        group["current"] = group["current"] or link["current"]
    return groups
