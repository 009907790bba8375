"""Fixtures of the care tests alone: the seeded categories and rules, a grid, a second community with
its own grid worker, and people built through the services."""

import importlib
from types import SimpleNamespace

import pytest
from stdnum.cn import ric

from care import services
from care.models import CareCategory, CarerRole, Source
from conftest import make_staff, make_unit
from orgs.models import Level, Role, UnitKind


def id_number(birth="19400315", seq="002", place="140702") -> str:
    """A valid 身份证号 (check digit computed): seq odd → male, even → female."""
    body = place + birth + seq
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def categories(db):
    """The seeded categories and rules (a transactional test's flush removes what the migration added)."""
    from django.apps import apps

    importlib.import_module("care.migrations.0002_seed_categories").seed(apps, None)
    importlib.import_module("care.migrations.0004_category_served_by").seed(apps, None)
    return {category.code: category for category in CareCategory.objects.all()}


@pytest.fixture
def care(cast, categories):
    c = SimpleNamespace(cast=cast, categories=categories)
    c.grid = make_unit(cast.root, "140702001001001", "顺城社区第一网格", Level.GRID, UnitKind.GRID, cast.community,
                       short_name="第一网格")
    c.ruyi = make_unit(cast.root, "140702001002", "如意社区", Level.VILLAGE, UnitKind.COMMUNITY, cast.beiguan)
    c.ruyi_worker = make_staff("ruyi_grid", (Role.GRID_WORKER, c.ruyi), root=cast.root)
    c.village_cadre = make_staff("shuncheng_cadre", (Role.HANDLER, cast.community), root=cast.root)
    c.grid_worker = cast.grid_worker  # 顺城社区's grid worker
    return c


def register(care, *, name="王秀英", birth="19400315", seq="002", unit=None, grid=None, phone="13900001111",
             category="solitary_elderly", values=None, carer=None):
    """A person in 顺城社区 (by default) in ``category``, registered by the superuser, with ``carer``
    (default: the community's grid worker) responsible as 网格员."""
    root = care.cast.root
    person = services.person_register(actor=root, name=name, id_number=id_number(birth, seq), unit=unit or
                                      care.cast.community, grid=grid, phone=phone, address="顺城街12号")
    if category:
        services.membership_set(actor=root, person=person, category=care.categories[category],
                                since=person.created_at.date(), source=Source.CIVIL_AFFAIRS, values=values or {})
    services.assignment_start(actor=root, person=person, carer=carer or care.grid_worker,
                              role=CarerRole.GRID_WORKER)
    person.refresh_from_db()
    return person
