"""The booking's QR code: the URL of the staff check-in page for its code, so a staff member's phone
camera opens it directly; rendered by segno as inline SVG (no image service, nothing fetched)."""

import segno
from django.urls import reverse
from django.utils.safestring import mark_safe


def checkin_url(request, booking) -> str:
    return request.build_absolute_uri(reverse("facilities:checkin_code", args=[booking.code]))


def booking_qr_svg(request, booking) -> str:
    qr = segno.make(checkin_url(request, booking), error="m")
    svg = qr.svg_inline(scale=4, omitsize=True, title=booking.code)
    return mark_safe(svg)  # noqa: S308 - segno's own markup for a URL we built
