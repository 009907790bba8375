"""QR codes (segno; no image files, nothing fetched): inline SVG elements for pages (an activity's check-in
code, a certificate's verification link) and standalone SVG documents for an <img> (a volunteer's code)."""

import io

import segno


def qr_svg(text: str, *, scale: int = 5) -> str:
    """An SVG element for ``text``; safe to put in a page (segno writes only the element and its path)."""
    return segno.make(text, error="m").svg_inline(scale=scale, title="QR", border=2)


def qr_svg_document(text: str, *, scale: int = 8) -> bytes:
    """A standalone SVG file (with its namespace, which an <img> needs)."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=scale, border=2, xmldecl=True)
    return out.getvalue()
