"""A lesson on an S3-compatible store (MEDIA_STORAGE=s3; moto in process): served by the platform after the
enrolment check, with Range requests answered from a ranged read of the object (206, 416), never from a path
on disk and never by a redirect to the store."""

import pytest

from courses import services

pytestmark = pytest.mark.usefixtures("s3_media")


def test_a_lesson_on_s3_answers_range_requests_to_the_enrolled_only(s3_media, settings, client, crs):
    url = f"/courses/lessons/{crs.audio.pk}/file/"
    key = f"jinzhong/media/{crs.audio.file.name}"
    stored = s3_media.bucket.Object(key).get()["Body"].read()
    assert len(stored) == crs.audio.size and not settings.MEDIA_ROOT.exists()

    client.force_login(crs.people[0])
    assert client.get(url, HTTP_RANGE="bytes=0-3").status_code == 403  # not enrolled
    services.enrolment_create(actor=crs.people[0], course=crs.online)
    part = client.get(url, HTTP_RANGE="bytes=40-1063")
    assert part.status_code == 206 and part["Content-Type"] == "audio/wav"
    assert part["Content-Range"] == f"bytes 40-1063/{crs.audio.size}" and part["Content-Length"] == "1024"
    assert b"".join(part.streaming_content) == stored[40:1064]
    tail = client.get(url, HTTP_RANGE="bytes=-6")
    assert tail.status_code == 206 and b"".join(tail.streaming_content) == stored[-6:]
    whole = client.get(url)
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == stored
    again = client.get(url, HTTP_RANGE="bytes=0-3", HTTP_IF_RANGE=whole["ETag"])
    assert again.status_code == 206
    too_far = client.get(url, HTTP_RANGE=f"bytes={crs.audio.size}-")
    assert too_far.status_code == 416 and too_far["Content-Range"] == f"bytes */{crs.audio.size}"

    s3_media.bucket.Object(key).delete()
    assert client.get(url).status_code == 404  # the object is gone: said so, not a 500
