"""Photos on an S3-compatible store (MEDIA_STORAGE=s3; moto in process): a resident files a demand with a
photo from the form, the object lands in the bucket under the deployment's prefix (not under MEDIA_ROOT), and
the resident and the dispatcher open it through the pages that check permission; staff outside the scope
do not. A hotline export waiting for the task worker is kept in the same store."""

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


def test_a_hotline_import_waits_for_the_worker_in_the_bucket(s3_media, settings, client, cast, monkeypatch):
    """A file too big to check in the request goes to the task worker through the store every app server and
    worker shares, not a local directory; the worker's check reads it, and the confirmed import removes it."""
    from appeals import importers
    from appeals.tests.test_import import xlsx
    from appeals.tests.test_import_job import rows, upload
    from appeals.views import imports
    from core import jobs
    from core.models import Job

    monkeypatch.setattr(imports, "SYNC_MAX_ROWS", 3)
    client.force_login(cast.dispatcher)
    upload(client, xlsx(rows(5)), place=cast.yuci.pk)
    job = Job.objects.get()
    assert [obj.key for obj in s3_media.bucket.objects.all()] == [f"jinzhong/media/{job.file_path}"]
    assert job.file_path.startswith("jobs/hotline-") and not settings.MEDIA_ROOT.exists()
    assert job.kind == importers.HOTLINE_IMPORT
    assert jobs.run_job(job.pk) == "done" and Job.objects.get(pk=job.pk).result["rows"] == 5
    follow_up = jobs.job_continue(actor=cast.dispatcher, job=Job.objects.get(pk=job.pk))
    assert jobs.run_job(follow_up.pk) == "done"
    assert Appeal.objects.filter(channel="import").count() == 5
    assert list(s3_media.bucket.objects.all()) == []
