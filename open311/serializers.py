"""Open311 GeoReport v2 output: the same Python structure rendered as JSON or as XML.

The spec's JSON is a mechanical mapping of its XML (the "Spark convention"): a list becomes a
wrapper element whose items are named by ``ITEM_NAMES`` (``<services><service>…``), booleans are
``true``/``false``, and a missing value is ``null`` in JSON and an empty element in XML. Everything
is UTF-8, and the XML starts with its declaration, as the spec requires.

Also the privacy filter every public field goes through (``public_text``): phone and ID numbers,
e-mail addresses, the names the appeal was filed under, and names and home addresses typed in the
text (core.redact) never leave the platform.
"""

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone

from core.redact import mask_people

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# A document is data, never a page: nothing runs and nothing loads, but the browser's own XML viewer
# may style its tree (inline styles, data: images for the fold arrows). Under the pages' CSP
# (settings.CONTENT_SECURITY_POLICY) chromium blocked those, and the text ran together unreadably.
DOCUMENT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
                "base-uri 'none'; form-action 'none'")
# The element name of each item of a list, by the name of the list's element.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
# Characters XML 1.0 cannot carry at all; a resident's text pasted from elsewhere may contain them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --- rendering -------------------------------------------------------------------------------------

def _xml_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value))


def _xml_fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child_value in value.items():
            _xml_fill(ET.SubElement(element, key), child_value)
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES[element.tag]
        for item in value:
            _xml_fill(ET.SubElement(element, item_name), item)
    else:
        element.text = _xml_text(value)


def to_xml(root: str, data) -> bytes:
    element = ET.Element(root)
    _xml_fill(element, data)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode").encode("utf-8")


def to_json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def render(fmt: str, root: str, data, *, status: int = 200) -> HttpResponse:
    """``data`` as the response in format ``fmt`` ("json" or "xml"); ``root`` names the XML root."""
    body = to_json(data) if fmt == "json" else to_xml(root, data)
    response = HttpResponse(body, status=status, content_type=FORMATS.get(fmt, FORMATS["xml"]))
    response.headers["Content-Security-Policy"] = DOCUMENT_CSP
    return response


def render_errors(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    """The spec's error document: a list of {code, description}, with the HTTP status as the code.
    An unknown format gets XML, the one format every GeoReport client must read."""
    fmt = fmt if fmt in FORMATS else "xml"
    errors = [{"code": status, "description": str(text)} for text in descriptions]
    return render(fmt, "errors", errors, status=status)


def w3_datetime(value: datetime | None) -> str | None:
    """ISO 8601 as the W3C note profiles it, to the second, always with the offset (+08:00)."""
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


# --- privacy ---------------------------------------------------------------------------------------

# Seven or more digits, however spaced or dashed (mobile, landline, ID card, bank card), with an ID
# card's final X. ``\d`` also matches full-width digits (１３８…), so those are caught too.
_LONG_NUMBER = re.compile(r"(?<!\d)(?:\+\s*)?\d(?:[\s\-－—.．]*\d){6,}(?:[\s\-－]*[xX])?(?![\dA-Za-z])")
_EMAIL = re.compile(r"[\w.+\-]+\s*[@＠]\s*[\w\-]+(?:\.[\w\-]+)+")
NUMBER_MASK = "***"
EMAIL_MASK = "***@***"
NAME_MASK = "某某"
ADDRESS_MASK = "[地址已隐去]"


def _longest_first(values, shortest: int) -> list[str]:
    return sorted({v.strip() for v in values if v and len(v.strip()) >= shortest}, key=len, reverse=True)


def public_text(text: str | None, *, names=(), addresses=()) -> str:
    """``text`` fit for the public: numbers that could be phones or IDs, e-mail addresses, the given
    ``names`` (the appeal's contact and resident) and ``addresses`` (the one typed) replaced."""
    if not text:
        return ""
    for address in _longest_first(addresses, 4):
        text = text.replace(address, ADDRESS_MASK)
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _LONG_NUMBER.sub(NUMBER_MASK, text)
    for name in _longest_first(names, 2):
        text = text.replace(name, NAME_MASK)
    # Names and home addresses the resident typed about themselves or others (我叫赵六，家住顺城街5号).
    return mask_people(text)


def public_url(url: str | None) -> str | None:
    """A media URL the submitting system gave, unless it carries something personal in it."""
    if not url:
        return None
    return url if public_text(url) == url else None
