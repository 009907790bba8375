"""Fixtures of the appeals tests alone; the cast and ``new_appeal`` are in the root conftest.py."""

import pytest

from conftest import new_appeal


@pytest.fixture
def appeal(cast):
    """A resident's appeal in 榆次区's 顺城社区, waiting to be dispatched."""
    return new_appeal(cast)


@pytest.fixture
def march(cast):
    """March 2026 of two departments, with hand-computed 三率 (appeals/tests/test_kpis.py says how)."""
    from appeals.tests.test_kpis import build_march

    return build_march(cast)


@pytest.fixture
def holiday_calendar(transactional_db):
    """An earlier transactional test's flush may have emptied the calendar: seed it again (idempotent)."""
    import importlib

    from django.apps import apps

    importlib.import_module("appeals.migrations.0002_holidays_2026").seed(apps, None)
