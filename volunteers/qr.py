"""QR codes as inline SVG (segno, no image files, nothing fetched): an activity's check-in code, a
volunteer's own code, a certificate's verification link."""

import segno


def qr_svg(text: str, *, scale: int = 5) -> str:
    """An SVG element for ``text``; safe to put in a page (segno writes only the element and its path)."""
    return segno.make(text, error="m").svg_inline(scale=scale, title="QR", border=2)
