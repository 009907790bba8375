"""Open311 in a browser: Debian's chromium shows the XML as a readable tree under the site's security
headers (its XML viewer styles the tree inline, which the pages' CSP would block: the text ran together)."""

import os

import pytest

from conftest import new_appeal

# Playwright's sync API runs an event loop in this thread; Django's ORM must be allowed to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["requests.xml", "services.xml", "discovery.xml", "requests/0.xml"])
def test_the_xml_reads_as_a_tree_in_chromium(live_server, cast, browser, path):
    new_appeal(cast, description="顺城社区3号楼暖气一直不热")
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    response = page.goto(f"{live_server.url}/open311/v2/{path}")
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    # The viewer's tree is drawn and styled: one line per element, not the text run together.
    assert page.locator(".pretty-print .line").count() > 3
    assert page.locator(".pretty-print").evaluate("e => getComputedStyle(e).fontFamily") == "monospace"
    if path == "requests.xml":
        assert page.get_by_text("待派单").count() and page.get_by_text("暖气一直不热").count()
        page.screenshot(path="/tmp/minsheng-open311-requests.png", full_page=True)
    context.close()
    assert [e for e in errors if "Content Security Policy" in e] == []
