"""Photos on an S3-compatible store (MEDIA_STORAGE=s3; moto in process): a resident files a demand with a
photo from the form, the object lands in the bucket under the deployment's prefix (not under MEDIA_ROOT), and
the resident and the dispatcher open it through the pages that check permission; staff outside the scope
do not."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from appeals.models import Appeal

pytestmark = pytest.mark.usefixtures("english")


def test_a_demand_filed_with_a_photo_is_stored_on_s3_and_opened_by_staff(s3_media, settings, client, cast):
    buffer = io.BytesIO()
    Image.new("RGB", (12, 9), "red").save(buffer, "PNG")
    client.force_login(cast.resident)
    response = client.post("/appeals/new/", {
        "appeal_type": "complaint", "title": "路灯坏了", "description": "顺城街3号楼门口的路灯坏了一个星期。",
        "place": str(cast.community.pk), "address": "顺城街3号楼",
        "photos": [SimpleUploadedFile("路灯.png", buffer.getvalue(), content_type="image/png")]})
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/appeals/submitted/{appeal.code}/"
    photo = appeal.photos.get()
    assert [obj.key for obj in s3_media.bucket.objects.all()] == [f"jinzhong/media/{photo.image.name}"]
    assert not settings.MEDIA_ROOT.exists()

    own = client.get(f"/appeals/track/{appeal.code}/photos/{photo.pk}/")
    assert own.status_code == 200 and b"".join(own.streaming_content) == buffer.getvalue()

    url = reverse("appeals:staff_photo", args=[appeal.code, photo.pk])
    client.force_login(cast.dispatcher)
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["Content-Length"] == str(len(buffer.getvalue()))
    assert b"".join(served.streaming_content) == buffer.getvalue()
    client.force_login(cast.taigu_supervisor)
    assert client.get(url).status_code == 404
