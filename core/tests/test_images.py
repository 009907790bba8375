"""core.images: a real image of an allowed kind, within bytes and pixels, or a clear refusal."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.errors import BadInput
from core.images import check_image, check_images


def image(kind="PNG", size=(50, 40), name="a.png"):
    buffer = io.BytesIO()
    Image.new("RGB", size).save(buffer, kind)
    return SimpleUploadedFile(name, buffer.getvalue())


def test_a_photo_is_read_with_its_kind_and_size():
    checked = check_image(image("JPEG", name="a.jpg"))
    assert (checked.content_type, checked.width, checked.height) == ("image/jpeg", 50, 40)


def test_too_many_pixels_is_refused_from_the_header():
    with pytest.raises(BadInput, match="50 × 40"):
        check_image(image(), max_pixels=1000)


def test_too_many_bytes_and_other_kinds_are_refused():
    with pytest.raises(BadInput):
        check_image(image(), max_bytes=10)
    with pytest.raises(BadInput):
        check_image(image("BMP", name="a.bmp"))
    with pytest.raises(BadInput):
        check_image(SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n broken"))


def test_every_bad_photo_is_named_and_the_count_is_limited():
    with pytest.raises(BadInput) as refused:
        check_images([image(), SimpleUploadedFile("坏.jpg", b"no"), SimpleUploadedFile("也坏.jpg", b"no")], max_count=5)
    assert len(refused.value.details) == 2
    with pytest.raises(BadInput):
        check_images([image()] * 3, max_count=2)
