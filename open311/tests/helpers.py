"""Reading GeoReport responses in either format."""

import json
import xml.etree.ElementTree as ET

BASE = "/open311/v2/"
FORMATS = ("json", "xml")


def parse(response):
    """The body as Python: JSON as is; XML as its root element (after checking the declaration)."""
    body = response.content
    if response["Content-Type"].startswith("application/json"):
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(body.decode("utf-8"))
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(body)


def errors(response, fmt):
    """[(code, description)] of an error document, checking its shape."""
    doc = parse(response)
    if fmt == "json":
        assert isinstance(doc, list) and doc
        assert all(set(e) == {"code", "description"} for e in doc)
        return [(e["code"], e["description"]) for e in doc]
    assert doc.tag == "errors"
    assert [child.tag for child in doc] == ["error"] * len(doc) and len(doc)
    return [(int(e.findtext("code")), e.findtext("description")) for e in doc]


def requests_of(response, fmt):
    """The service requests of a response, each as a dict of its fields (XML text or JSON values)."""
    doc = parse(response)
    if fmt == "json":
        assert isinstance(doc, list)
        return doc
    assert doc.tag == "service_requests"
    assert all(child.tag == "request" for child in doc)
    return [{field.tag: field.text for field in request} for request in doc]
