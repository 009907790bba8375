"""Photos residents attach: at most 5, each at most 10 MB and 50 megapixels, and really images (Pillow
decodes them). The pixel limit is checked from the header, before anything is decoded: a 60-byte PNG
may declare 30000×30000 pixels (a decompression bomb), which thumbnails would try to fill in memory."""

import warnings

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from appeals.models import Photo
from core.errors import BadInput

MAX_PHOTOS = 5
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50-megapixel phone camera; 30000×30000 is 900 million
ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif",
                   "HEIF": "image/heif", "BMP": "image/bmp"}


def check_photos(files) -> list[Photo]:
    """Unsaved Photo rows for ``files`` (uploaded files), or BadInput naming every bad one."""
    files = list(files or [])
    if len(files) > MAX_PHOTOS:
        raise BadInput(_("At most %(n)s photos may be attached.") % {"n": MAX_PHOTOS})
    errors, photos = [], []
    for upload in files:
        name = getattr(upload, "name", "") or _("photo")
        if upload.size > MAX_BYTES:
            errors.append(_("%(name)s is larger than 10 MB.") % {"name": name})
            continue
        try:
            upload.seek(0)
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(upload) as image:
                    width, height = image.size
                    if width * height > MAX_PIXELS:
                        raise Image.DecompressionBombError(f"{width}x{height}")
                    image.verify()
                    kind = image.format
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            errors.append(_("%(name)s declares more than %(megapixels)s megapixels; send a smaller photo.")
                          % {"name": name, "megapixels": MAX_PIXELS // 1_000_000})
            continue
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            errors.append(_("%(name)s is not an image we can read (JPEG, PNG, WebP or GIF).") % {"name": name})
            continue
        if kind not in ALLOWED_FORMATS:
            errors.append(_("%(name)s is a %(kind)s file; send JPEG, PNG, WebP or GIF.") % {"name": name,
                                                                                           "kind": kind})
            continue
        upload.seek(0)
        photos.append(Photo(image=upload, content_type=ALLOWED_FORMATS[kind], size=upload.size))
    if errors:
        raise BadInput("; ".join(errors), details=errors)
    return photos
