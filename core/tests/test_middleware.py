"""core.middleware.DomainErrorMiddleware: the one place a page's domain error becomes a response."""

import pytest
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_POST

from core.errors import BadInput, DomainError, InvalidTransition, NotAllowed, NotFound
from core.middleware import returns_to

ERRORS = {"bad": BadInput, "denied": NotAllowed, "missing": NotFound, "conflict": InvalidTransition,
          "plain": DomainError}


def refuse(request, kind):
    if request.GET.get("ok") or request.POST.get("ok"):
        return HttpResponse("done")
    raise ERRORS[kind](f"说明：{kind} 不行", details=["第 3 行有误"] if kind == "bad" else None)


@require_POST
@returns_to("page", "kind")
def action(request, kind):
    raise ERRORS[kind]("操作被拒绝")


def page(request, kind):
    return HttpResponse(f"page {kind}")


urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("things/<str:kind>/", refuse, name="refuse"),
    path("pages/<str:kind>/", page, name="page"),
    path("pages/<str:kind>/act/", action, name="action"),
]

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(("kind", "status"), [("bad", 400), ("denied", 403), ("missing", 404),
                                              ("conflict", 409), ("plain", 400)])
def test_a_get_answers_the_status_with_the_message_in_the_layout(client, kind, status):
    response = client.get(f"/things/{kind}/")
    html = response.content.decode()
    assert response.status_code == status
    assert f"说明：{kind} 不行" in html
    assert 'class="brand"' in html and "core/error.html" in [t.name for t in response.templates]


def test_a_get_shows_the_details_too(client):
    assert "第 3 行有误" in client.get("/things/bad/").content.decode()


def test_a_view_that_succeeds_is_untouched(client):
    assert client.get("/things/bad/", {"ok": "1"}).content == b"done"
    assert client.post("/things/bad/", {"ok": "1"}).content == b"done"


def test_a_refused_post_goes_back_to_next_with_the_message(client):
    response = client.post("/things/denied/", {"next": "/pages/x/?tab=2"})
    assert response.status_code == 302 and response["Location"] == "/pages/x/?tab=2"
    assert messages_of(response) == ["说明：denied 不行"]


def test_a_refused_post_goes_back_to_the_referer(client):
    response = client.post("/things/conflict/", HTTP_REFERER="http://testserver/pages/y/")
    assert response.status_code == 302 and response["Location"] == "http://testserver/pages/y/"
    assert messages_of(response) == ["说明：conflict 不行"]


def test_another_site_is_never_where_the_user_is_sent(client):
    response = client.post("/things/bad/", {"next": "https://evil.example/"}, HTTP_REFERER="https://evil.example/x")
    assert response.status_code == 302 and response["Location"] == "/things/bad/"
    assert messages_of(response) == ["说明：bad 不行 第 3 行有误"]


def test_a_post_only_view_names_the_page_to_go_back_to(client):
    response = client.post("/pages/denied/act/", follow=True)
    assert response.redirect_chain == [("/pages/denied/", 302)]
    assert response.content == b"page denied"
    assert messages_of(response) == ["操作被拒绝"]


def test_the_message_is_shown_in_the_layout_of_the_page_gone_back_to(client):
    response = client.post("/things/denied/", {"next": "/things/missing/"}, follow=True)
    html = response.content.decode()
    assert '<p class="message error">说明：denied 不行</p>' in html
    assert "说明：missing 不行" in html  # that page's own error, under the message
