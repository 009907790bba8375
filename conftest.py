"""What every app's tests share: the fixed cast (a small city with two counties, their departments and one
person in each role, built through the services as an administrator would), helpers that build more of
it (``from conftest import make_staff, new_appeal``), and the fixtures more than one app uses.
An app's own tests/conftest.py keeps only what that app alone needs."""

from types import SimpleNamespace

import pytest

from accounts.models import User, UserKind
from orgs.models import Department, DepartmentKind, Level, Role, Unit, UnitKind
from orgs.services import department_save, membership_grant, unit_save

PASSWORD = "correct-horse-battery"
# Debian's chromium, kept off the network (NOTES.md): no update checks, no sync, no QUIC.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def make_unit(root, code, name, level, kind, parent=None, short_name=""):
    return unit_save(
        actor=root, unit=Unit(code=code, name=name, short_name=short_name, level=level, kind=kind, parent=parent)
    )


def make_department(root, unit, kind, name, code, short_name=""):
    return department_save(
        actor=root, department=Department(unit=unit, kind=kind, name=name, code=code, short_name=short_name)
    )


def make_staff(username, *grants, root):
    user = User.objects.create_user(username=username, password=PASSWORD, kind=UserKind.STAFF, display_name=username)
    for role, place in grants:
        if isinstance(place, Department):
            membership_grant(actor=root, user=user, role=role, department=place)
        else:
            membership_grant(actor=root, user=user, role=role, unit=place)
    return user


@pytest.fixture
def cast(db):
    root = User.objects.create_superuser(username="root", password=PASSWORD, email="")
    c = SimpleNamespace(root=root, password=PASSWORD)
    c.city = make_unit(root, "140700000000", "晋中市", Level.CITY, UnitKind.CITY)
    c.yuci = make_unit(root, "140702000000", "榆次区", Level.COUNTY, UnitKind.DISTRICT, c.city)
    c.taigu = make_unit(root, "140703000000", "太谷区", Level.COUNTY, UnitKind.DISTRICT, c.city)
    c.beiguan = make_unit(
        root, "140702001000", "榆次区北关街道", Level.TOWNSHIP, UnitKind.SUBDISTRICT, c.yuci, short_name="北关街道"
    )
    c.community = make_unit(root, "140702001001", "顺城社区", Level.VILLAGE, UnitKind.COMMUNITY, c.beiguan)
    c.mingxing = make_unit(root, "140703100000", "明星镇", Level.TOWNSHIP, UnitKind.TOWN, c.taigu)
    c.village = make_unit(root, "140703100201", "东阳村", Level.VILLAGE, UnitKind.VILLAGE, c.mingxing)
    c.city_health = make_department(
        root, c.city, DepartmentKind.HEALTH, "晋中市卫生健康委员会", "1407-health", "市卫健委"
    )
    c.yuci_health = make_department(
        root, c.yuci, DepartmentKind.HEALTH, "榆次区卫生健康局", "140702-health", "榆次区卫健局"
    )
    c.yuci_housing = make_department(
        root, c.yuci, DepartmentKind.HOUSING, "榆次区住房和城乡建设局", "140702-housing", "榆次区住建局"
    )
    c.taigu_health = make_department(
        root, c.taigu, DepartmentKind.HEALTH, "太谷区卫生健康局", "140703-health", "太谷区卫健局"
    )
    c.grid_worker = make_staff("grid", (Role.GRID_WORKER, c.community), root=root)
    c.handler_a = make_staff("handler_a", (Role.HANDLER, c.yuci_health), root=root)
    c.handler_b = make_staff("handler_b", (Role.HANDLER, c.yuci_housing), root=root)
    c.taigu_handler = make_staff("taigu_handler", (Role.HANDLER, c.taigu_health), root=root)
    c.dispatcher = make_staff("dispatcher", (Role.DISPATCHER, c.yuci), root=root)
    c.city_supervisor = make_staff("city_supervisor", (Role.SUPERVISOR, c.city), root=root)
    c.taigu_supervisor = make_staff("taigu_supervisor", (Role.SUPERVISOR, c.taigu), root=root)
    c.leader = make_staff("leader", (Role.LEADER, c.city), root=root)
    c.admin = make_staff("county_admin", (Role.ADMIN, c.yuci), root=root)
    c.resident = User.objects.create_user(username="r-resident", kind=UserKind.RESIDENT, phone="13800138000")
    return c


@pytest.fixture
def english(settings):
    """Run a test in English, for assertions on message wording (the default UI is zh-hans); requests made
    with the test client are answered in English too."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def new_appeal(cast, **overrides):
    """A resident's appeal in 榆次区's 顺城社区, built through the intake service; ``overrides`` are Intake fields."""
    from appeals.models import AppealType, Channel
    from appeals.services import Intake, appeal_create

    data = Intake(
        title=overrides.pop("title", "小区供暖不热"),
        description=overrides.pop("description", "顺城社区3号楼暖气一直不热，室温只有12度。"),
        appeal_type=overrides.pop("appeal_type", AppealType.COMPLAINT),
        channel=overrides.pop("channel", Channel.WEB),
        place=overrides.pop("place", cast.community),
        **overrides,
    )
    return appeal_create(actor=cast.resident, data=data)


@pytest.fixture
def root_client(client, cast):
    """The test client signed in as the superuser."""
    client.force_login(cast.root)
    return client


@pytest.fixture
def county_admin_client(client, cast):
    """The test client signed in as 榆次区's administrator, with access to the Django admin."""
    cast.admin.is_staff = True
    cast.admin.save()
    client.force_login(cast.admin)
    return client


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache: no rate-limit counters, access versions or hot-spot
    results of an earlier test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the site's default language: a request the test client made in another language
    (LocaleMiddleware activates it for the thread and leaves it so) must not turn a later test's command
    output or report English."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


def _test_clock_start():
    """The moment MINSHENG_TEST_CLOCK names: ``HH:MM`` (today, Beijing time) or an ISO date and time."""
    import os
    from datetime import datetime
    from zoneinfo import ZoneInfo

    text = os.environ.get("MINSHENG_TEST_CLOCK", "").strip()
    if not text:
        return None
    beijing = ZoneInfo("Asia/Shanghai")
    if len(text) <= 5:
        hour, minute = (int(part) for part in text.split(":"))
        return datetime.now(beijing).replace(hour=hour, minute=minute, second=0, microsecond=0)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=beijing)


TEST_CLOCK = _test_clock_start()


@pytest.fixture(autouse=True)
def test_clock():
    """``MINSHENG_TEST_CLOCK=00:30 make test`` starts every test at that hour (the clock ticking on from
    there): to run the suite at the hour CI will, or at the hours a test may depend on by mistake (a test
    that recorded a visit at "09:30 today" failed only between midnight and 09:30). Unset, it does nothing."""
    if TEST_CLOCK is None:
        yield
        return
    import time_machine

    with time_machine.travel(TEST_CLOCK, tick=True):
        yield


@pytest.fixture
def within_one_window():
    """Rate limits count in fixed windows of a minute or an hour (core.ratelimit): a test that counts requests
    starts 20 seconds into the next hour, so that its requests cannot straddle two windows (60 requests did
    once, under load, and 58 passed a limit of 40)."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    start = timezone.now().replace(minute=0, second=20, microsecond=0) + timedelta(hours=1)
    with time_machine.travel(start, tick=True):
        yield


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads go to a temporary directory, never into the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


S3_ENDPOINT = "http://minio.intranet:9000"


@pytest.fixture
def s3_media(settings, monkeypatch, tmp_path):
    """Media on an S3-compatible store: STORAGES["default"] switched to S3Storage with the options the settings
    build for MEDIA_STORAGE=s3 (core.storage.s3_media_backend), over an empty bucket of moto's in-process S3
    at an intranet endpoint; nothing leaves the process. MEDIA_ROOT points at a directory nothing should
    write to. Returns the storage; ``s3_media.bucket.objects`` lists what it holds."""
    monkeypatch.setenv("MOTO_S3_CUSTOM_ENDPOINTS", S3_ENDPOINT)  # read when moto is first imported
    import boto3
    from django.core.files.storage import default_storage
    from moto import mock_aws

    from core.storage import s3_media_backend

    settings.MEDIA_ROOT = tmp_path / "no-media-here"
    with mock_aws():
        boto3.client("s3", endpoint_url=S3_ENDPOINT, region_name="us-east-1", aws_access_key_id="minsheng",
                     aws_secret_access_key="minsheng-secret").create_bucket(Bucket="minsheng-media")
        settings.STORAGES = {**settings.STORAGES, "default": s3_media_backend(
            bucket="minsheng-media", endpoint_url=S3_ENDPOINT, access_key="minsheng", secret_key="minsheng-secret",
            prefix="jinzhong/media")}
        yield default_storage


@pytest.fixture
def sms_outbox():
    """The SMS the test sent (the test settings use accounts.sms.MemoryBackend): ``[(phone, text), …]``."""
    from accounts.sms import MemoryBackend

    MemoryBackend.outbox.clear()
    yield MemoryBackend.outbox
    MemoryBackend.outbox.clear()


def pytest_sessionstart(session):
    """Compile any catalogue whose .mo is missing or older than its .po (``make test`` does this too)
    before the test modules are imported, so that any test, run alone or in any order, sees the real
    translated pages, and text a module translates when imported is translated the same way."""
    import polib
    from django.utils.translation import trans_real

    from core.catalogues import po_files

    changed = False
    for po_path in po_files():
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            changed = True
    if changed:  # Django caches catalogues per process
        trans_real._translations = {}
        trans_real._default = None


# Function scope on purpose: while Playwright's sync API is running, the thread has a running event loop,
# and Django then hands out a different database connection (asgiref's Local keys it by context), one
# that sees no rows this test wrote. The browser must stop before pytest-django's teardown flushes the tables.
@pytest.fixture
def browser():
    """Debian's chromium through Playwright (tests marked ``browser``)."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        connections.close_all()  # the connections of that other context, or PostgreSQL keeps the test DB busy


@pytest.fixture
def person(browser):
    """A browser context per person (cookies of their own), Chinese, phone-sized unless asked. Any console
    error or uncaught script error on any page fails the test (a CSP violation, a 404 asset, a 500)."""
    contexts, errors = [], []

    def open_as(who, *, width=375, height=812):
        context = browser.new_context(
            viewport={"width": width, "height": height}, device_scale_factor=1, locale="zh-CN"
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda m: m.type == "error" and errors.append(f"{who} {page.url}: {m.text}"))
        page.on("pageerror", lambda exc: errors.append(f"{who} {page.url}: {exc}"))
        return page

    yield open_as
    for context in contexts:
        context.close()
    assert errors == [], f"console errors: {errors}"


def staff_sign_in(page, base, username, password):
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def open_menu(page):
    """On a phone the site menu is folded behind its 菜单 button: open it before clicking one of its
    links (nothing to do on a wider screen, where its groups stand open)."""
    toggle = page.locator("summary.sitenav-toggle").first
    if toggle.count() and toggle.is_visible() and page.locator("details.sitenav-menu").first.get_attribute("open") is None:
        toggle.click()


# Rows the data migrations seed (facility types and price rules, volunteer skills, care categories and
# their rules, seasonal checks). A transactional test (the browser tests, backups) ends by
# flushing every table, seeds included, so a later transactional test that needs them gets them back
# here: each seed runs again, in migration order, when its table is empty.
DATA_SEEDS = [
    ("care.migrations.0002_seed_categories", "care.CareCategory"),
    ("care.migrations.0004_category_served_by", None),
    ("care.migrations.0006_seed_seasonal_checks", "care.SeasonalCheck"),
    ("facilities.migrations.0002_seed_types", "facilities.FacilityType"),
    ("volunteers.migrations.0002_seed_skills", "volunteers.Skill"),
]


@pytest.fixture(autouse=True)
def _seeds_after_a_flush(request):
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        yield
        return
    import importlib

    from django.apps import apps as registry

    request.getfixturevalue("transactional_db")
    reseeded = False
    for module, model in DATA_SEEDS:
        if model is not None:
            reseeded = not registry.get_model(model).objects.exists()
        if reseeded:
            importlib.import_module(module).seed(registry, None)
    yield

