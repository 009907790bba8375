"""QR codes as inline SVG by segno (nothing fetched): a sign-up's opens the staff check-in page for its
code on the organiser's phone; the printed notice's opens the event page."""

import segno
from django.urls import reverse
from django.utils.safestring import mark_safe


def checkin_url(request, signup) -> str:
    return request.build_absolute_uri(reverse("events:checkin_code", args=[signup.code]))


def qr_svg(url: str, title: str) -> str:
    return mark_safe(segno.make(url, error="m").svg_inline(scale=4, omitsize=True, title=title))  # noqa: S308


def signup_qr_svg(request, signup) -> str:
    return qr_svg(checkin_url(request, signup), signup.code)
