"""core.menu and core.context_processors.menu: entries registered by the apps, shown to whom they allow."""

from types import SimpleNamespace

import pytest
from django.http import HttpResponse
from django.template import engines
from django.test import RequestFactory
from django.urls import include, path

from core import menu
from core.context_processors import menu as menu_context


def page(request):
    return HttpResponse("")


urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("work/", page, name="work"),
    path("work/import/", page, name="work_import"),
    path("numbers/", page, name="numbers"),
    path("mine/", page, name="mine"),
    path("bye/", page, name="bye"),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture(autouse=True)
def only_these_entries(monkeypatch):
    """The project's own entries aside: this registry holds just the ones below."""
    monkeypatch.setattr(menu, "_entries", {})
    menu.register(menu.MenuEntry("t.numbers", "Numbers", "numbers", lambda u: u.counts, section="insight"))
    menu.register(menu.MenuEntry("t.import", "Import", "work_import", lambda u: True, order=20))
    menu.register(menu.MenuEntry("t.work", "Work", "work", lambda u: True, order=10))
    menu.register(menu.MenuEntry("t.gone", "Gone", "not_mounted", lambda u: True))
    menu.register(menu.MenuEntry("t.mine", "Mine", "mine", lambda u: True, menu=menu.RESIDENT, section="main"))
    menu.register(menu.MenuEntry("t.bye", "Bye", "bye", lambda u: True, menu=menu.ACCOUNT, section="main",
                                 method="post"))


def person(*, resident=False, counts=False, authenticated=True):
    return SimpleNamespace(is_authenticated=authenticated, is_active=True, is_resident=resident, counts=counts)


def keys(links):
    return [link["key"] for link in links]


def test_staff_see_their_entries_in_section_order_and_nothing_unmounted():
    assert keys(menu.links_for(person(counts=True), menu.STAFF)) == ["t.work", "t.import", "t.numbers"]
    assert keys(menu.links_for(person(), menu.STAFF)) == ["t.work", "t.import"]


def test_residents_and_visitors_never_get_the_staff_menu():
    assert menu.links_for(person(resident=True, counts=True), menu.STAFF) == []
    assert keys(menu.links_for(person(resident=True), menu.RESIDENT)) == ["t.mine"]
    assert menu.links_for(person(authenticated=False), menu.STAFF) == []
    assert menu.links_for(person(authenticated=False), menu.ACCOUNT) == []
    assert menu.links_for(None, menu.RESIDENT) == []


def test_the_longest_matching_entry_is_the_current_one():
    links = menu.links_for(person(), menu.STAFF, path="/work/import/")
    assert [(link["key"], link["current"]) for link in links] == [("t.work", False), ("t.import", True)]
    links = menu.links_for(person(), menu.STAFF, path="/work/ABC123/")
    assert [link["key"] for link in links if link["current"]] == ["t.work"]


def test_a_new_section_is_marked_and_registering_a_key_again_replaces_it():
    menu.register(menu.MenuEntry("t.work", "Work again", "work", lambda u: True, order=10))
    links = menu.links_for(person(counts=True), menu.STAFF)
    assert [(link["label"], link["new_section"]) for link in links] == [
        ("Work again", False), ("Import", False), ("Numbers", True)]


def test_an_entry_names_a_known_menu_and_some_section():
    with pytest.raises(ValueError):
        menu.MenuEntry("t.x", "X", "work", lambda u: True, menu="sideways")
    with pytest.raises(ValueError):
        menu.MenuEntry("t.x", "X", "work", lambda u: True, section="")


@pytest.fixture
def sections(monkeypatch):
    """name_section changes the registry's module state: each test gets it back as it was."""
    monkeypatch.setattr(menu, "SECTIONS", {kind: list(names) for kind, names in menu.SECTIONS.items()})
    monkeypatch.setattr(menu, "SECTION_LABELS", dict(menu.SECTION_LABELS))


def headings(groups):
    return [(str(group["label"]), [link["key"] for link in group["links"]]) for group in groups]


def test_the_staff_menu_is_grouped_under_its_sections_headings_in_order(sections):
    links = menu.links_for(person(counts=True), menu.STAFF, path="/numbers/")
    groups = menu.groups_for(links, menu.STAFF)
    assert headings(groups) == [("工作", ["t.work", "t.import"]), ("数据与督办", ["t.numbers"])]
    assert [group["current"] for group in groups] == [False, True]
    assert headings(menu.groups_for(menu.links_for(person(resident=True), menu.RESIDENT), menu.RESIDENT)) == [
        ("服务", ["t.mine"])]


def test_a_section_no_app_named_still_shows_its_entries_last_under_more(sections):
    menu.register(menu.MenuEntry("t.courses", "Courses", "mine", lambda u: True, section="courses", order=1))
    menu.register(menu.MenuEntry("t.zoo", "Zoo", "bye", lambda u: True, section="animals", order=99))
    menu.register(menu.MenuEntry("t.help", "Help", "work", lambda u: True, section="system", order=5))
    links = menu.links_for(person(), menu.STAFF)
    assert headings(menu.groups_for(links, menu.STAFF)) == [
        ("工作", ["t.work", "t.import"]), ("管理", ["t.help"]), ("更多", ["t.zoo", "t.courses"])]


def test_an_app_may_name_its_own_section(sections):
    menu.name_section(menu.STAFF, "courses", "Courses and training")
    menu.register(menu.MenuEntry("t.courses", "Courses", "mine", lambda u: True, section="courses"))
    menu.register(menu.MenuEntry("t.zoo", "Zoo", "bye", lambda u: True, section="animals"))
    links = menu.links_for(person(counts=True), menu.STAFF)
    assert headings(menu.groups_for(links, menu.STAFF)) == [
        ("工作", ["t.work", "t.import"]), ("数据与督办", ["t.numbers"]),
        ("Courses and training", ["t.courses"]), ("更多", ["t.zoo"])]
    with pytest.raises(ValueError):
        menu.name_section("sideways", "x", "X")


def test_the_layout_shows_the_menu_and_the_account_actions():
    request = RequestFactory().get("/work/")
    request.user = person(counts=True)
    request.user.masked_phone = ""
    template = engines["django"].from_string(
        "{% for l in menu.main %}[{{ l.label }}{% if l.current %}*{% endif %}]{% endfor %}"
        "{% for l in menu.account %}({{ l.label }} {{ l.method }}){% endfor %}{{ menu.kind }}")
    assert template.render(menu_context(request)) == "[Work*][Import][Numbers](Bye post)staff"


def test_the_menu_is_built_only_when_a_page_shows_it():
    calls = []
    menu.register(menu.MenuEntry("t.spy", "Spy", "work", lambda u: calls.append(u) or True))
    request = RequestFactory().get("/")
    request.user = person()
    context = menu_context(request)
    assert calls == []
    assert "t.spy" in keys(context["menu"].main)
    context["menu"].main  # noqa: B018 - cached for the rest of the page
    assert len(calls) == 1
