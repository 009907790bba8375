"""Hostile input at every intake path: a table of hostile strings sent in every field of the resident
form, the staff recording form, the JSON API, Open311, the hotline import, the care import, the sign-in
forms and the tracking page, plus hostile files (corrupted, XXE, billion laughs, a 128 KB CSV field,
a NUL) and a decompression-bomb photo. No answer is a 5xx, each refusal is a 4xx in the caller's
format, and nothing is half-saved: a refused request leaves no appeal, event or submission behind, and
what is accepted is stored without control characters."""

import io
import json
import struct
import zlib
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from accounts.apikeys import apikey_issue
from accounts.tokens import token_issue
from appeals.models import Appeal, AppealEvent, Category
from care.models import Person
from care.tests.conftest import care, categories  # noqa: F401 (fixtures)
from open311.models import Open311Submission

pytestmark = pytest.mark.django_db

# What a broken or malicious client sends: NUL, a lone surrogate, control characters, digits that are
# not ASCII, dates at the ends of the calendar, numbers too big for any column, markup.
HOSTILE = [
    "\x00",
    "a\x00b",
    "a\ud800b",
    "\udfff",
    "\x01\x1b[31m\x7f",
    "²",
    "١٢٣",
    "0001-01-01",
    "9999-12-31T23:59:59-12:00",
    "99999999999999999999999",
    "<script>alert(1)</script>&amp;",
    "\u202e\ufeff",
    "x" * 5000,
]
CONTROL = set(chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), *range(0x7F, 0xA0)])


def form_body(data: dict) -> bytes:
    """An urlencoded body as a client would send it, lone surrogates as the raw bytes they would be."""
    return "&".join(f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in data.items()).encode()


def post_form(client, url, data, **extra):
    return client.generic("POST", url, form_body(data), content_type="application/x-www-form-urlencoded", **extra)


def no_server_error(response, what):
    assert response.status_code < 500, (what, response.status_code, response.content[:300])


def stored_text_is_clean():
    for appeal in Appeal.objects.all():
        for value in (appeal.title, appeal.description, appeal.address, appeal.external_id, appeal.contact_name):
            assert not (set(value or "") & CONTROL), value
            assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in value or "")


@pytest.fixture
def quiet_client():
    """A test client that answers 500 instead of raising, as a server would."""
    return Client(raise_request_exception=False)


def counts():
    return Appeal.objects.count(), AppealEvent.objects.count(), Open311Submission.objects.count()


def all_or_nothing(before, after):
    """Each request either created one whole appeal (with its event) or nothing."""
    appeals = after[0] - before[0]
    assert appeals in (0, 1)
    if appeals == 0:
        assert after == before


# --- resident form, staff recording -----------------------------------------------------------------------

RESIDENT_FORM = {
    "appeal_type": "complaint",
    "title": "路灯不亮",
    "description": "顺城街东口路灯不亮。",
    "place": "",
    "address": "顺城街",
    "anonymous": "",
}


@pytest.mark.parametrize("hostile", HOSTILE)
def test_resident_form(cast, quiet_client, hostile):
    quiet_client.force_login(cast.resident)
    for name in RESIDENT_FORM:
        data = dict(RESIDENT_FORM, place=str(cast.community.pk))
        data[name] = hostile
        before = counts()
        response = post_form(quiet_client, "/appeals/new/", data)
        no_server_error(response, name)
        all_or_nothing(before, counts())
    stored_text_is_clean()


@pytest.mark.parametrize("hostile", HOSTILE)
def test_staff_record_form(cast, quiet_client, hostile):
    quiet_client.force_login(cast.grid_worker)
    base = dict(
        RESIDENT_FORM,
        place=str(cast.community.pk),
        channel="grid_visit",
        contact_name="王女士",
        contact_phone="13900139000",
        id_number="",
    )
    for name in base:
        data = dict(base)
        data[name] = hostile
        before = counts()
        response = post_form(quiet_client, "/appeals/record/", data)
        no_server_error(response, name)
        all_or_nothing(before, counts())
    stored_text_is_clean()


# --- the JSON API ---------------------------------------------------------------------------------------

API_BODY = {
    "type": "complaint",
    "title": "路灯不亮",
    "description": "顺城街东口三盏路灯连续一周不亮。",
    "place_code": "140702001001",
    "address": "顺城街",
    "contact_name": "王女士",
    "contact_phone": "13900139000",
    "external_id": "X-1",
    "channel": "api",
    "latitude": 37.7,
    "longitude": 112.7,
    "anonymous": False,
}


@pytest.fixture
def api_auth(cast):
    _token, clear = token_issue(actor=cast.root, user=cast.dispatcher, name="hostile")
    return {"HTTP_AUTHORIZATION": f"Bearer {clear}"}


@pytest.mark.parametrize("hostile", HOSTILE)
def test_api_create_every_field(cast, quiet_client, api_auth, hostile):
    for name in API_BODY:
        body = dict(API_BODY, external_id=f"X-{name}")
        body[name] = hostile
        before = counts()
        response = quiet_client.post("/api/v1/appeals/", json.dumps(body), content_type="application/json", **api_auth)
        no_server_error(response, name)
        assert response["Content-Type"].startswith("application/json"), name
        all_or_nothing(before, counts())
    response = quiet_client.post(
        "/api/v1/appeals/",
        json.dumps(API_BODY),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=hostile.encode("utf-8", "surrogatepass").decode("latin-1"),
        **api_auth,
    )
    no_server_error(response, "Idempotency-Key")
    stored_text_is_clean()


@pytest.mark.parametrize("hostile", HOSTILE)
def test_api_reads(cast, quiet_client, api_auth, hostile):
    raw = quote(hostile.encode("utf-8", "surrogatepass"), safe="")
    for url in (
        f"/api/v1/appeals/{raw}",
        f"/api/v1/appeals/?state={raw}",
        f"/api/v1/appeals/?page={raw}",
        f"/api/v1/orgs/units?q={raw}",
    ):
        response = quiet_client.get(url, **api_auth)
        no_server_error(response, url)
        assert response["Content-Type"].startswith("application/json"), url


def test_api_nul_in_the_path_is_a_json_404(quiet_client, api_auth):
    response = quiet_client.get("/api/v1/appeals/%00", **api_auth)
    assert response.status_code == 404 and response.json()["detail"]


def test_api_unparseable_json_is_a_json_400(quiet_client, api_auth):
    response = quiet_client.post(
        "/api/v1/appeals/", b'{"title": "\xff\xfe', content_type="application/json", **api_auth
    )
    assert 400 <= response.status_code < 500 and response["Content-Type"].startswith("application/json")


# --- Open311 ----------------------------------------------------------------------------------------------

OPEN311_FORM = {
    "service_code": "heating",
    "attribute[appeal_type]": "complaint",
    "address_id": "140702001001",
    "address_string": "顺城街3号楼",
    "description": "3号楼暖气一直不热。",
    "first_name": "三丰",
    "last_name": "张",
    "phone": "13912345678",
    "email": "zhang@example.com",
    "media_url": "https://img.example.com/1.jpg",
    "account_id": "fms-77",
    "device_id": "dev-1",
    "jurisdiction_id": "jz.gov.cn",
    "lat": "37.7",
    "long": "112.7",
}


@pytest.fixture
def open311_key(cast):
    Category.objects.create(code="heating", name="供暖")
    _key, raw = apikey_issue(actor=cast.root, organisation="FixMyStreet", units=[cast.yuci])
    return raw


@pytest.mark.parametrize("hostile", HOSTILE)
def test_open311_post_every_field(cast, quiet_client, open311_key, hostile):
    for name in [*OPEN311_FORM, "api_key"]:
        data = dict(OPEN311_FORM, api_key=open311_key)
        data[name] = hostile
        before = counts()
        response = post_form(quiet_client, "/open311/v2/requests.json", data)
        no_server_error(response, name)
        assert response["Content-Type"].startswith("application/json"), name
        all_or_nothing(before, counts())
    stored_text_is_clean()


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_reads(cast, quiet_client, open311_key, hostile, fmt):
    raw = quote(hostile.encode("utf-8", "surrogatepass"), safe="")
    urls = [f"/open311/v2/requests/{raw}.{fmt}", f"/open311/v2/services/{raw}.{fmt}"]
    urls += [
        f"/open311/v2/requests.{fmt}?{name}={raw}"
        for name in ("service_request_id", "start_date", "end_date", "status", "service_code", "api_key")
    ]
    for url in urls:
        response = quiet_client.get(url)
        no_server_error(response, url)
        assert fmt in response["Content-Type"], url


@pytest.mark.parametrize(
    "params",
    [
        "start_date=0001-01-01",
        "end_date=0001-01-01",
        "start_date=9999-12-31T23:59:59-12:00",
        "end_date=9999-12-31T23:59:59-12:00",
        "start_date=0001-01-01T00:00:00%2B14:00",
        "service_request_id=²",
        "service_request_id=99999999999999999999",
    ],
)
def test_open311_edge_values_are_a_400_in_the_spec_format(quiet_client, params):
    response = quiet_client.get(f"/open311/v2/requests.json?{params}")
    assert response.status_code == 400, response.content
    assert response.json()[0]["code"] == 400


# --- sign-in and the tracking page -------------------------------------------------------------------------


@pytest.mark.parametrize("hostile", HOSTILE)
def test_sign_in_and_tracking(cast, quiet_client, hostile, sms_outbox):
    steps = [
        ("/login/resident/", {"step": "phone", "phone": hostile}),
        ("/login/resident/", {"step": "code", "phone": hostile, "code": "123456"}),
        ("/login/resident/", {"step": "code", "phone": "13800138000", "code": hostile}),
        ("/login/resident/", {"step": "consent", "phone": hostile, "code": hostile, "version": hostile, "agree": "on"}),
        ("/login/resident/", {"step": hostile}),
        ("/login/", {"username": hostile, "password": hostile}),
    ]
    for url, data in steps:
        response = post_form(quiet_client, url, data)
        no_server_error(response, (url, data))
    raw = quote(hostile.encode("utf-8", "surrogatepass"), safe="")
    for url in (
        f"/appeals/track/?code={raw}",
        f"/appeals/track/{raw}/",
        f"/appeals/{raw}/",
        f"/appeals/staff/{raw}/",
        f"/login/?next={raw}",
    ):
        no_server_error(quiet_client.get(url), url)


def test_a_nul_in_a_page_path_is_a_404_page(quiet_client):
    response = quiet_client.get("/appeals/track/%00/")
    assert response.status_code == 404 and b'class="brand"' in response.content


# --- imports ------------------------------------------------------------------------------------------------


def xlsx_bytes(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_with_sheet(xml: str) -> bytes:
    """A real workbook whose first sheet's XML is replaced by ``xml`` (an XXE or a billion laughs)."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["工单编号", "诉求内容"], ["1", "x"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = xml.encode()
            target.writestr(item, data)
    return out.getvalue()


XXE = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>工单编号</t></is></c><c r="B1" t="inlineStr"><is><t>诉求内容</t>'
    '</is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>T1</t></is></c><c r="B2" t="inlineStr"><is>'
    "<t>&e;</t></is></c></row></sheetData></worksheet>"
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "lollollollollollollollollollol">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&j;</t></is></c></row></sheetData></worksheet>'
)


def hostile_files() -> dict[str, bytes]:
    header = "工单编号,诉求内容,来电时间,联系电话,属地\r\n"
    return {
        "corrupted.xlsx": b"PK\x03\x04" + b"\x00garbage" * 50,
        "truncated.xlsx": xlsx_bytes([["工单编号", "诉求内容"], ["1", "x"]])[:700],
        "xxe.xlsx": xlsx_with_sheet(XXE),
        "laughs.xlsx": xlsx_with_sheet(LAUGHS),
        "bigfield.csv": (header + 'T1,"' + "长" * 140_000 + '",,,\r\n').encode(),
        "nul.csv": (header + "T1,a\x00b,,,\r\n").encode(),
        "nulheader.csv": b"\x00\x00\x00\x00",
        "binary.csv": bytes(range(256)) * 20,
        "hostile-cells.csv": (
            header + "".join(f'T{i},"{h.replace(chr(34), "")}",{h},{h},{h}\r\n' for i, h in enumerate(HOSTILE))
        ).encode("utf-8", "surrogatepass"),
        "hostile-cells.xlsx": xlsx_bytes(
            [["工单编号", "诉求内容", "来电时间", "联系电话", "属地"]]
            + [
                [f"T{i}", h.replace("\x00", ""), h, h, h]
                for i, h in enumerate(HOSTILE)
                if "\ud800" not in h and "\udfff" not in h and h.isprintable()
            ]
        ),
    }


@pytest.mark.parametrize("name", list(hostile_files()))
def test_hotline_import(cast, quiet_client, name):
    quiet_client.force_login(cast.dispatcher)
    content = hostile_files()[name]
    before = counts()
    response = quiet_client.post(
        "/appeals/staff/import/",
        {"file": SimpleUploadedFile(name, content), "place": str(cast.yuci.pk), "mapping": "", "step": "check"},
    )
    no_server_error(response, name)
    assert b"root:x:" not in response.content
    assert counts() == before


@pytest.mark.parametrize("name", list(hostile_files()))
def test_care_import(care, quiet_client, name):  # noqa: F811
    care.cast.admin.is_staff = True
    care.cast.admin.save()
    quiet_client.force_login(care.cast.admin)
    content = hostile_files()[name]
    response = quiet_client.post(
        "/admin/care/person/import/", {"file": SimpleUploadedFile(name, content), "step": "check"}
    )
    no_server_error(response, name)
    assert b"root:x:" not in response.content
    assert not Person.objects.exists()


# --- photos -----------------------------------------------------------------------------------------------


def png_bomb(width=30000, height=30000) -> bytes:
    """A tiny PNG whose header declares ``width`` × ``height`` pixels."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")


def test_the_bomb_is_small():
    assert len(png_bomb()) < 100


@pytest.mark.parametrize("dims", [(30000, 30000), (12000, 12000)])
def test_photo_bomb_on_the_resident_form(cast, quiet_client, media_root, dims):
    quiet_client.force_login(cast.resident)
    data = dict(
        RESIDENT_FORM,
        place=str(cast.community.pk),
        photos=SimpleUploadedFile("bomb.png", png_bomb(*dims), content_type="image/png"),
    )
    response = quiet_client.post("/appeals/new/", data)
    assert response.status_code in (200, 400), response.status_code
    assert not Appeal.objects.exists()
    assert "bomb.png" in response.content.decode()


def test_photo_bomb_on_the_staff_form(cast, quiet_client, media_root):
    quiet_client.force_login(cast.grid_worker)
    data = dict(
        RESIDENT_FORM,
        place=str(cast.community.pk),
        channel="grid_visit",
        contact_name="王女士",
        contact_phone="13900139000",
        photos=SimpleUploadedFile("bomb.png", png_bomb(), content_type="image/png"),
    )
    response = quiet_client.post("/appeals/record/", data)
    assert response.status_code in (200, 400) and not Appeal.objects.exists()


@pytest.mark.parametrize("hostile", [h for h in HOSTILE if h.isprintable()])
def test_care_import_rows(care, quiet_client, hostile):  # noqa: F811
    """Every column of the care list with a hostile value: refused row by row or stored clean."""
    from care.tests.test_importers import HEADER, row

    care.cast.admin.is_staff = True
    care.cast.admin.save()
    quiet_client.force_login(care.cast.admin)
    for index in range(len(HEADER)):
        cells = row()
        cells[index] = hostile
        book = Workbook()
        book.active.append(HEADER)
        book.active.append(cells)
        buffer = io.BytesIO()
        book.save(buffer)
        response = quiet_client.post(
            "/admin/care/person/import/", {"file": SimpleUploadedFile("list.xlsx", buffer.getvalue()), "step": "check"}
        )
        no_server_error(response, HEADER[index])
    assert not Person.objects.exists()  # a check saves nothing


def test_an_imported_cell_is_read_without_control_characters():
    from core.xlsx import cell_text

    assert cell_text(" 王\u0001秀英\x00 ") == "王秀英" and cell_text("顺城街12号") == "顺城街12号"
