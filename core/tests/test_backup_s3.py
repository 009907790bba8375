"""Backups of media on an S3-compatible store (MEDIA_STORAGE=s3; moto in process): every object is listed
and archived through the storage API; a restore into an empty bucket writes each back through it, verifies,
and the restored photos open on the pages; a bucket that holds anything is refused."""

import io

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from appeals.services import Intake, appeal_create
from conftest import S3_ENDPOINT
from core import backup
from core.errors import BadInput
from core.storage import s3_media_backend, walk
from core.tests.test_backup import target  # noqa: F401 (the empty database to restore into)

pytestmark = pytest.mark.django_db(transaction=True)


def png(colour) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_backup_from_s3_restores_every_object_into_an_empty_bucket(s3_media, settings, cast, client, tmp_path,
                                                                      target):  # noqa: F811
    photos = [png("red"), png("blue")]
    appeal = appeal_create(actor=cast.resident, data=Intake(title="下水道堵了", description="见照片",
                                                            place=cast.community),
                           photos=[SimpleUploadedFile(f"{n}.png", data, content_type="image/png")
                                   for n, data in enumerate(photos)])
    s3_media.save("evidence/2026/纪要.txt", ContentFile("会议纪要".encode()))
    names = sorted(walk(s3_media))
    assert len(names) == 3

    out = io.StringIO()
    call_command("backup_create", str(tmp_path / "backup"), stdout=out)
    assert "3 media files (from s3://minsheng-media/jinzhong/media at http://minio.intranet:9000)" in out.getvalue()
    assert sorted(backup._manifest(tmp_path / "backup")["media"]) == names

    boto3.client("s3", endpoint_url=S3_ENDPOINT, region_name="us-east-1").create_bucket(Bucket="minsheng-restored")
    settings.STORAGES = {**settings.STORAGES, "default": s3_media_backend(
        bucket="minsheng-restored", endpoint_url=S3_ENDPOINT, access_key="minsheng", secret_key="minsheng-secret",
        prefix="jinzhong/media")}
    from django.core.files.storage import default_storage as restored

    out = io.StringIO()
    call_command("backup_restore", str(tmp_path / "backup"), database_url=target, media_storage=True, stdout=out)
    assert "Restoring the media into s3://minsheng-restored/jinzhong/media" in out.getvalue()
    assert "3 media files (2 images opened)" in out.getvalue() and "matches the backup" in out.getvalue()
    assert sorted(walk(restored)) == names
    assert restored.open("evidence/2026/纪要.txt").read().decode() == "会议纪要"

    # The restored bucket serves the photos (the test database still holds the demand the backup has).
    photo = appeal.photos.order_by("pk").first()
    client.force_login(cast.dispatcher)
    served = client.get(reverse("appeals:staff_photo", args=[appeal.code, photo.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == photos[0]

    # Never over what a bucket holds; a lost or changed object is found.
    with pytest.raises(BadInput, match="is not empty"):
        backup.restore(tmp_path / "backup", database_url=target, storage=restored)
    restored.delete(names[0])
    check = backup.verify(tmp_path / "backup", database_url=target, storage=restored)
    assert check.problems == [f"media file {names[0]} is missing"]
