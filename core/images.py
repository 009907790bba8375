"""Photos people upload, checked before anything is stored: a real image (Pillow decodes it), of a
kind browsers show, within a size in bytes and in pixels. The pixel limit is what stops a
decompression bomb: a small file that claims 30,000 × 30,000 pixels is refused from its header,
before anything is decoded."""

import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from core.errors import BadInput

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48-megapixel phone photo is 8000 × 6000; more is no photo of a home
ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


@dataclass
class CheckedImage:
    upload: object
    content_type: str
    width: int
    height: int
    size: int


def check_image(upload, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> CheckedImage:
    """The upload as a checked image, or BadInput saying what is wrong with it, by its name."""
    name = getattr(upload, "name", "") or _("photo")
    size = getattr(upload, "size", None) or 0
    if size > max_bytes:
        raise BadInput(_("%(name)s is larger than %(mb)s MB.") % {"name": name, "mb": max_bytes // (1024 * 1024)})
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                kind, (width, height) = image.format, image.size
                if width * height > max_pixels:
                    raise BadInput(_("%(name)s has too many pixels (%(w)s × %(h)s); send a smaller photo.") % {
                        "name": name, "w": width, "h": height})
                image.verify()
    except BadInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # Pillow's own, larger limit
        raise BadInput(_("%(name)s has too many pixels; send a smaller photo.") % {"name": name}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise BadInput(_("%(name)s is not an image we can read (JPEG, PNG, WebP or GIF).") % {"name": name}) \
            from None
    if kind not in ALLOWED_FORMATS:
        raise BadInput(_("%(name)s is a %(kind)s file; send JPEG, PNG, WebP or GIF.") % {"name": name, "kind": kind})
    upload.seek(0)
    return CheckedImage(upload=upload, content_type=ALLOWED_FORMATS[kind], width=width, height=height, size=size)


def check_images(uploads, *, max_count: int) -> list[CheckedImage]:
    """Every upload checked; BadInput naming every bad one (and nothing kept) when any is."""
    uploads = [upload for upload in (uploads or []) if upload]
    if len(uploads) > max_count:
        raise BadInput(_("At most %(n)s photos may be attached.") % {"n": max_count})
    checked, problems = [], []
    for upload in uploads:
        try:
            checked.append(check_image(upload))
        except BadInput as exc:
            problems.append(str(exc.message))
    if problems:
        raise BadInput("; ".join(problems), details=problems)
    return checked
