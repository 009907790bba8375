"""The English UI has one word for 诉求: "demand". The code calls the model Appeal, and many messages were
written with that word; the English catalogue gives them the one term, so no page says both."""

import re

import pytest

from conftest import new_appeal

TAGS = re.compile(r"<[^>]+>")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return TAGS.sub(" ", html)


@pytest.mark.parametrize(("who", "paths"), [
    ("dispatcher", ["/", "/appeals/staff/", "/appeals/staff/?queue=all", "/appeals/kpi/", "/dispatch/hotspots/"]),
    ("handler_a", ["/", "/appeals/staff/"]),
    ("city_supervisor", ["/", "/appeals/staff/extensions/"]),
    ("resident", ["/", "/appeals/new/", "/appeals/mine/"]),
])
def test_english_pages_say_demand_never_appeal(client, cast, english, who, paths):
    appeal = new_appeal(cast)
    client.force_login(getattr(cast, who))
    if who == "dispatcher":  # the demand waits to be dispatched: the dispatcher sees it
        paths = [*paths, f"/appeals/staff/{appeal.code}/"]
    for path in paths:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, path
        text = visible_text(response.content.decode())
        assert "demand" in text.lower() or path == "/appeals/kpi/", path
        assert not re.search(r"\bappeals?\b", text, re.I), (path, re.findall(r".{30}\bappeals?\b.{30}", text, re.I)[:3])
