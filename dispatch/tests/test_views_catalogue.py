"""The responsibility catalogue (派单目录) as dispatchers read it: the lines of their departments and the
lines naming a kind of department, never another county's; administrators get a link to edit."""

import pytest

from dispatch.models import CatalogueEntry
from orgs.models import DepartmentKind

URL = "/dispatch/catalogue/"


@pytest.fixture
def lines(cast):
    return {
        "yuci": CatalogueEntry.objects.create(phrase="暖气不热", department=cast.yuci_housing, note="供暖季"),
        "taigu": CatalogueEntry.objects.create(phrase="疫苗接种", department=cast.taigu_health),
        "kind": CatalogueEntry.objects.create(phrase="医保报销", label=DepartmentKind.HEALTH),
        "off": CatalogueEntry.objects.create(phrase="旧词条", label=DepartmentKind.HEALTH, is_active=False),
    }


def phrases(response):
    import re

    return re.findall(r'data-phrase="([^"]+)"', response.content.decode())


def test_a_dispatcher_reads_the_lines_of_their_county_and_those_for_a_kind(client, cast, lines):
    client.force_login(cast.dispatcher)
    response = client.get(URL)
    assert response.status_code == 200
    assert phrases(response) == ["医保报销", "暖气不热"]  # not 太谷区's line, not the inactive one
    html = response.content.decode()
    assert "榆次区住房和城乡建设局" in html and "各地适用" in html


def test_the_search_finds_a_phrase_written_in_traditional_characters_or_a_department(client, cast, lines):
    client.force_login(cast.dispatcher)
    assert phrases(client.get(URL, {"q": "暖氣"})) == ["暖气不热"]
    assert phrases(client.get(URL, {"q": "住房和城乡建设局"})) == ["暖气不热"]
    assert "没有符合条件的词条" in client.get(URL, {"q": "不存在的词"}).content.decode()


@pytest.mark.parametrize("who", ["handler_a", "grid_worker", "leader"])
def test_others_are_refused(client, cast, lines, who):
    client.force_login(getattr(cast, who))
    assert client.get(URL).status_code == 403


def test_a_resident_and_a_visitor_are_kept_out(client, cast, lines):
    assert client.get(URL).status_code == 302  # to sign-in
    client.force_login(cast.resident)
    assert client.get(URL).status_code == 403


def test_an_administrator_who_may_edit_a_line_gets_a_link_to_the_admin(client, cast, lines):
    client.force_login(cast.root)
    html = client.get(URL).content.decode()
    assert f"/admin/dispatch/catalogueentry/{lines['taigu'].pk}/change/" in html
