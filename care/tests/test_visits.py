"""The visit on a phone: photos checked (a real image, within size and pixels) and shown on the visit;
a form sent again returns the first visit (photos and demand not doubled); the visit page shows its
demands' states; the form carries the script that keeps what was typed."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from appeals.models import Appeal
from care.models import Visit, VisitPhoto
from care.tests.conftest import register
from care.tests.test_views_staff import visit_post
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def png(name="灶台.png", size=(40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def bomb() -> SimpleUploadedFile:
    """A small PNG whose header claims 30,000 × 30,000 pixels (a decompression bomb)."""
    buffer = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(buffer, "PNG")
    return SimpleUploadedFile("bomb.png", buffer.getvalue(), content_type="image/png")


def test_photos_are_stored_and_shown_on_the_visit(client, care, media_root):
    person = register(care)
    client.force_login(care.grid_worker)
    response = client.post(reverse("care:visit_new", args=[person.pk]),
                           {**visit_post(), "photos": [png(), png("电线.png")]})
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("care:visit", args=[visit.pk])
    photos = list(visit.photos.all())
    assert [(p.content_type, p.width, p.height) for p in photos] == [("image/png", 40, 30)] * 2
    page = client.get(reverse("care:visit", args=[visit.pk])).content.decode()
    url = reverse("care:visit_photo", args=[visit.pk, photos[0].pk])
    assert url in page and "王**" in page and "王秀英" not in page
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert AuditEvent.objects.get(verb="care.visit.record").data["photos"] == 2
    client.force_login(care.ruyi_worker)  # outside the person's scope: neither the visit nor its photos
    assert client.get(reverse("care:visit", args=[visit.pk])).status_code == 404
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("upload, message", [
    (lambda: SimpleUploadedFile("照片.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg"), "不是可识别的图片"),
    (bomb, "像素过多"),
])
def test_a_bad_photo_refuses_the_visit_and_keeps_what_was_typed(client, care, media_root, upload, message):
    person = register(care)
    client.force_login(care.grid_worker)
    response = client.post(reverse("care:visit_new", args=[person.pk]),
                           {**visit_post(notes="记下的话"), "photos": [upload()]})
    page = response.content.decode()
    assert response.status_code == 400 and message in page and "记下的话" in page
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()
    assert not AuditEvent.objects.filter(verb="care.visit.record").exists()


def test_a_resubmission_returns_the_first_visit(client, care, media_root):
    """The upload seemed to fail and the phone sends the same form (same token) again: the first visit
    is the answer, with one demand and one set of photos."""
    person = register(care)
    client.force_login(care.grid_worker)
    url = reverse("care:visit_new", args=[person.pk])
    need = {"found_need": "on", "need_type": "help", "need_title": "取暖炉漏烟",
            "need_description": "取暖炉烟道漏烟，需要维修。"}
    first = client.post(url, {**visit_post(**need), "photos": [png()]})
    again = client.post(url, {**visit_post(**need), "photos": [png()]})
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert Visit.objects.count() == 1 and VisitPhoto.objects.count() == 1 and Appeal.objects.count() == 1
    page = client.get(again["Location"]).content.decode()
    assert "这次走访已经登记过，没有重复登记。" in page


def test_the_visit_page_shows_its_demands_states(client, care):
    person = register(care)
    client.force_login(care.grid_worker)
    client.post(reverse("care:visit_new", args=[person.pk]), visit_post(
        found_need="on", need_type="help", need_title="燃气软管老化", need_description="燃气软管老化开裂，需更换。"))
    appeal = Appeal.objects.get()
    page = client.get(reverse("care:visit", args=[Visit.objects.get().pk])).content.decode()
    assert appeal.code in page and str(appeal.get_state_display()) in page and "燃气软管老化" in page


def test_the_form_keeps_what_was_typed_on_the_phone(client, care):
    person = register(care)
    client.force_login(care.grid_worker)
    page = client.get(reverse("care:visit_new", args=[person.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in page and "care/visit_form.js" in page
    assert f'data-keep-key="care-visit-{person.pk}"' in page and 'name="photos"' in page
