"""core/templates/403.html and 404.html: Django's own refusals in the site layout, with their message."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import include, path


def missing(request):
    raise Http404("没有这个诉求。")


def missing_silently(request):
    raise Http404


def forbidden(request):
    raise PermissionDenied("此页面仅供工作人员使用。")


urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("missing/", missing),
    path("missing-silently/", missing_silently),
    path("forbidden/", forbidden),
]

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


def test_not_found_says_what_was_not_found(client):
    response = client.get("/missing/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "没有这个诉求。" in html and 'class="brand"' in html


@pytest.mark.parametrize("url", ["/missing-silently/", "/no-such-page/"])
def test_not_found_without_a_message_says_so_plainly(client, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 404
    assert "There is no page at this address" in html
    assert "Http404" not in html and "Resolver404" not in html


def test_forbidden_gives_the_reason(client):
    response = client.get("/forbidden/")
    assert response.status_code == 403
    assert "此页面仅供工作人员使用。" in response.content.decode()
