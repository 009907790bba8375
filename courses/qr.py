"""An enrolment's QR code: the URL of the staff attendance page for its code, so a staff member's phone
camera opens it directly; rendered by segno as inline SVG (no image service, nothing fetched)."""

import segno
from django.urls import reverse
from django.utils.safestring import mark_safe


def attend_url(request, enrolment) -> str:
    return request.build_absolute_uri(reverse("courses:attend_code", args=[enrolment.code]))


def enrolment_qr_svg(request, enrolment) -> str:
    qr = segno.make(attend_url(request, enrolment), error="m")
    return mark_safe(qr.svg_inline(scale=4, omitsize=True, title=enrolment.code))  # noqa: S308 - segno's markup
