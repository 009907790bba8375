"""A visit's photos on an S3-compatible store (MEDIA_STORAGE=s3; moto in process): checked and measured from
the upload, stored in the bucket, shown to the carer through the page that checks scope, refused outside it."""

import pytest
from django.urls import reverse

from care.models import Visit
from care.tests.conftest import register
from care.tests.test_views_staff import visit_post
from care.tests.test_visits import png

pytestmark = pytest.mark.django_db


def test_a_visit_photo_is_stored_on_s3_and_served_within_scope(s3_media, settings, client, care):
    person = register(care)
    client.force_login(care.grid_worker)
    upload = png("灶台.png", size=(40, 30))
    data = upload.read()
    upload.seek(0)
    response = client.post(reverse("care:visit_new", args=[person.pk]), {**visit_post(), "photos": [upload]})
    visit = Visit.objects.get()
    assert response.status_code == 302
    photo = visit.photos.get()
    assert (photo.width, photo.height) == (40, 30)
    assert [obj.key for obj in s3_media.bucket.objects.all()] == [f"jinzhong/media/{photo.image.name}"]
    assert not settings.MEDIA_ROOT.exists()
    url = reverse("care:visit_photo", args=[visit.pk, photo.pk])
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == data
    client.force_login(care.ruyi_worker)
    assert client.get(url).status_code == 404
