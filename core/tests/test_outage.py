"""A database outage (core.boundary.server_error): the API answers JSON 503 with Retry-After, Open311 its
error document, pages a friendly "系统繁忙" page in the site's language — never a bare HTML 500. The
outage is made by letting every new cursor fail as a refused connection does."""

from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client

from accounts.tokens import token_issue

pytestmark = pytest.mark.django_db


@contextmanager
def database_down():
    refused = OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')
    with mock.patch.object(connection, "ensure_connection", side_effect=refused):
        yield


@pytest.fixture
def server():
    """A client that answers as a server would (the handler's response, not the exception)."""
    return Client(raise_request_exception=False)


def test_the_api_answers_json_503_with_retry_after(cast, server):
    _token, clear = token_issue(actor=cast.root, user=cast.dispatcher, name="outage")
    with database_down():
        response = server.get("/api/v1/appeals/", HTTP_AUTHORIZATION=f"Bearer {clear}")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"] == "30"
    assert "系统繁忙" in response.json()["detail"] and response.json()["retry_after"] == 30


def test_an_api_create_answers_json_503(cast, server):
    _token, clear = token_issue(actor=cast.root, user=cast.resident, name="outage")
    with database_down():
        response = server.post(
            "/api/v1/appeals/",
            {"title": "路灯不亮", "description": "不亮"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {clear}",
        )
    assert response.status_code == 503 and response["Retry-After"]
    assert response.json()["detail"]


def test_a_page_answers_the_busy_page_in_chinese(cast, server):
    server.force_login(cast.dispatcher)
    with database_down():
        response = server.get("/appeals/staff/")
    html = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/html")
    assert "系统繁忙" in html and 'class="brand"' in html and "Server Error" not in html


def test_the_busy_page_follows_the_site_language(cast, server):
    server.force_login(cast.dispatcher)
    with database_down():
        response = server.get("/appeals/staff/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 503
    assert "The system is busy" in html and 'lang="en"' in html


def test_the_tracking_page_of_an_anonymous_resident(server):
    with database_down():
        response = server.get("/appeals/track/?code=ABCDE12345")
    assert response.status_code == 503 and "系统繁忙" in response.content.decode()


def test_open311_answers_its_error_document(server):
    with database_down():
        response = server.get("/open311/v2/services.json")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    (error,) = response.json()
    assert error["code"] == 503 and "系统繁忙" in error["description"]


def test_a_bug_is_still_a_500_in_the_callers_format(cast, server):
    _token, clear = token_issue(actor=cast.root, user=cast.dispatcher, name="bug")
    with mock.patch("appeals.api.appeal_out", side_effect=RuntimeError("a bug")):
        from conftest import new_appeal

        appeal = new_appeal(cast)
        response = server.get(f"/api/v1/appeals/{appeal.code}", HTTP_AUTHORIZATION=f"Bearer {clear}")
    assert response.status_code == 500 and response["Content-Type"].startswith("application/json")
    assert "Retry-After" not in response
