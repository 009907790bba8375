"""Discovery, the service list and service definitions, in both formats, and the URL-level errors."""

import pytest

from appeals.models import AppealType, Category, Urgency
from open311.tests.helpers import BASE, FORMATS, errors, parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def categories(db):
    heating = Category.objects.create(code="heating", name="供暖", urgency=Urgency.UTILITIES)
    Category.objects.create(code="heating-pipes", name="暖气管道", parent=heating)
    Category.objects.create(code="old-stuff", name="已停用类别", is_active=False)
    return heating


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_v2_endpoint_and_both_formats(client, fmt):
    response = client.get(f"{BASE}discovery.{fmt}")
    assert response.status_code == 200
    doc = parse(response)
    if fmt == "json":
        endpoint = doc["endpoints"][0]
        assert {"changeset", "contact", "key_service"} <= set(doc)
        formats = endpoint["formats"]
    else:
        assert doc.tag == "discovery"
        assert doc.findtext("changeset") and doc.findtext("contact") and doc.findtext("key_service")
        endpoint = {child.tag: child.text for child in doc.find("endpoints/endpoint")}
        formats = [f.text for f in doc.findall("endpoints/endpoint/formats/format")]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] == "production"
    assert sorted(formats) == ["application/json", "text/xml"]


def test_the_endpoint_root_serves_the_discovery_document(client):
    response = client.get(BASE)
    assert response.status_code == 200
    assert parse(response).tag == "discovery"


@pytest.mark.parametrize("fmt", FORMATS)
def test_without_categories_each_appeal_type_is_a_service(client, fmt):
    response = client.get(f"{BASE}services.{fmt}")
    assert response.status_code == 200
    doc = parse(response)
    if fmt == "xml":
        assert doc.tag == "services"
        doc = [{field.tag: field.text for field in service} for service in doc.findall("service")]
        assert {s["metadata"] for s in doc} == {"false"}
    else:
        assert {s["metadata"] for s in doc} == {False}
    assert [s["service_code"] for s in doc] == AppealType.values
    assert {s["type"] for s in doc} == {"realtime"}
    assert all(s["service_name"] for s in doc)


@pytest.mark.parametrize("fmt", FORMATS)
def test_active_categories_are_the_services_and_need_a_type(client, categories, fmt):
    doc = parse(client.get(f"{BASE}services.{fmt}"))
    if fmt == "xml":
        doc = [{field.tag: field.text for field in service} for service in doc.findall("service")]
        assert {s["metadata"] for s in doc} == {"true"}
    else:
        assert {s["metadata"] for s in doc} == {True}
    by_code = {s["service_code"]: s for s in doc}
    assert set(by_code) == {"heating", "heating-pipes"}  # the inactive category is not offered
    assert by_code["heating"]["service_name"] == "供暖"
    assert by_code["heating-pipes"]["group"] == "供暖"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_category_definition_lists_the_type_attribute_and_its_values(client, categories, fmt):
    response = client.get(f"{BASE}services/heating.{fmt}")
    assert response.status_code == 200
    doc = parse(response)
    if fmt == "json":
        assert doc["service_code"] == "heating"
        (attribute,) = doc["attributes"]
        assert attribute["variable"] is True and attribute["required"] is True and attribute["order"] == 1
        keys = [value["key"] for value in attribute["values"]]
        assert "datatype_description" in attribute
    else:
        assert doc.tag == "service_definition"
        assert doc.findtext("service_code") == "heating"
        (attribute_el,) = doc.findall("attributes/attribute")
        attribute = {field.tag: field.text for field in attribute_el}
        assert attribute["variable"] == "true" and attribute["required"] == "true" and attribute["order"] == "1"
        keys = [value.findtext("key") for value in attribute_el.findall("values/value")]
        assert all(value.findtext("name") for value in attribute_el.findall("values/value"))
    assert attribute["code"] == "appeal_type"
    assert attribute["datatype"] == "singlevaluelist"
    assert attribute["description"]
    assert keys == AppealType.values


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_type_service_has_no_attributes(client, fmt):
    doc = parse(client.get(f"{BASE}services/complaint.{fmt}"))
    if fmt == "json":
        assert doc == {"service_code": "complaint", "attributes": []}
    else:
        assert doc.findtext("service_code") == "complaint" and doc.findall("attributes/attribute") == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_or_inactive_service_code_is_404(client, categories, fmt):
    for code in ("no-such-thing", "old-stuff", "complaint"):  # types are not services while categories exist
        response = client.get(f"{BASE}services/{code}.{fmt}")
        assert response.status_code == 404
        ((status, description),) = errors(response, fmt)
        assert status == 404 and code in description


@pytest.mark.parametrize("path", ["services.csv", "discovery.html", "services/heating.yaml", "requests.txt",
                                  "requests/1.pdf"])
def test_an_unknown_format_is_400_in_xml(client, categories, path):
    response = client.get(BASE + path)
    assert response.status_code == 400
    ((status, description),) = errors(response, "xml")
    assert status == 400 and ".xml" in description and ".json" in description


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_resource_is_404_in_the_format_asked(client, fmt):
    response = client.get(f"{BASE}tokens/123.{fmt}")
    assert response.status_code == 404
    assert errors(response, fmt)[0][0] == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_method_is_400_with_allow(client, fmt):
    response = client.post(f"{BASE}services.{fmt}")
    assert response.status_code == 400
    assert response["Allow"] == "GET"
    assert errors(response, fmt)[0][0] == 400
