"""The API's docs page (/api/v1/docs) works on an intranet: Swagger UI comes from the platform itself,
so the page renders with every request outside the site cut off, under the site's own CSP."""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def test_docs_page_names_no_asset_outside_the_site(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html and "http://" not in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_docs_page_renders_with_the_network_cut_off(live_server):
    from playwright.sync_api import sync_playwright

    outside, problems = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))

        def only_the_site(route):
            if route.request.url.startswith(live_server.url):
                return route.continue_()
            outside.append(route.request.url)
            return route.abort()

        page.route("**/*", only_the_site)
        page.goto(f"{live_server.url}/api/v1/docs")
        page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
        title = page.inner_text(".swagger-ui .info .title")
        operations = page.locator(".swagger-ui .opblock").count()
        browser.close()
    assert "Minsheng API" in title
    assert operations >= 5  # the orgs and appeals operations, listed from the OpenAPI document
    assert outside == [] and problems == []
