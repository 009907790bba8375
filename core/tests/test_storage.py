"""Media through the storage API (core/storage.py) on both backends: every stored name listed, a file's size
and a byte range read without reading the rest; on S3 (moto, in process) the objects are private and carry
the deployment's prefix, and nothing is written under MEDIA_ROOT."""

import urllib.parse

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from core import storage as media

DATA = bytes(range(256)) * 1024  # 256 KiB: more than one chunk


def fill(store):
    for name in ("appeals/2026/11/a.png", "appeals/2026/11/b.png", "courses/7/lesson.wav", "notes.txt"):
        store.save(name, ContentFile(DATA if name.endswith(".wav") else name.encode()))


@pytest.fixture(params=["filesystem", "s3"])
def store(request, settings, tmp_path):
    if request.param == "s3":
        return request.getfixturevalue("s3_media")
    settings.MEDIA_ROOT = tmp_path / "media"
    return default_storage


def test_walk_stat_and_ranges_through_the_storage(store):
    assert media.is_empty(store) and list(media.walk(store)) == []
    fill(store)
    names = list(media.walk(store))
    assert sorted(names) == ["appeals/2026/11/a.png", "appeals/2026/11/b.png", "courses/7/lesson.wav", "notes.txt"]
    assert list(media.walk(store, "appeals")) == ["appeals/2026/11/a.png", "appeals/2026/11/b.png"]
    size, modified = media.stat(store, "courses/7/lesson.wav")
    assert size == len(DATA) and modified > 0
    with pytest.raises(FileNotFoundError):
        media.stat(store, "courses/7/gone.wav")
    assert b"".join(media.read_range(store, "courses/7/lesson.wav", 70_000, 100_000)) == DATA[70_000:170_000]
    assert b"".join(media.read_range(store, "courses/7/lesson.wav", len(DATA) - 5, 5)) == DATA[-5:]


def test_on_s3_objects_are_private_under_the_prefix_and_media_root_stays_empty(s3_media, settings):
    fill(s3_media)
    keys = sorted(obj.key for obj in s3_media.bucket.objects.all())
    assert keys[0] == "jinzhong/media/appeals/2026/11/a.png" and len(keys) == 4
    grants = s3_media.bucket.Object(keys[0]).Acl().grants
    assert all(grant["Grantee"].get("URI") is None for grant in grants)  # no AllUsers / AuthenticatedUsers grant
    url = urllib.parse.urlsplit(s3_media.url("notes.txt"))
    query = urllib.parse.parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}" == "http://minio.intranet:9000"  # the deployment's own endpoint
    assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query  # signed, short-lived
    assert not settings.MEDIA_ROOT.exists()


def test_the_s3_backend_refuses_an_endpoint_that_is_not_a_url():
    with pytest.raises(ImproperlyConfigured, match="MEDIA_S3_ENDPOINT_URL must start with http"):
        media.s3_media_backend(bucket="b", endpoint_url="minio.intranet:9000")
