"""Who may change routing, see the 热点 page, and create or update 每月一题 topics."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from conftest import make_staff
from core.errors import NotAllowed
from dispatch.models import CatalogueEntry
from dispatch.permissions import (
    may_create_topics,
    may_edit_catalogue_entry,
    may_manage_models,
    may_own_topic,
    may_see_hotspots,
    may_update_topic,
    require_model_manager,
)
from orgs.models import Role


@pytest.fixture
def city_admin(cast):
    return make_staff("city_admin", (Role.ADMIN, cast.city), root=cast.root)


def test_only_superusers_and_city_administrators_manage_models(cast, city_admin):
    assert may_manage_models(cast.root) and may_manage_models(city_admin)
    assert not may_manage_models(cast.admin)  # an administrator of one county
    assert not may_manage_models(cast.dispatcher)
    require_model_manager(None)  # the platform itself: a management command, the scheduled task
    require_model_manager(city_admin)
    with pytest.raises(NotAllowed):
        require_model_manager(cast.admin)


def test_a_departments_catalogue_entries_take_its_administrator_and_categories_the_city(cast, city_admin):
    own = CatalogueEntry(phrase="医院", department=cast.yuci_health)
    other = CatalogueEntry(phrase="医院", department=cast.taigu_health)
    everywhere = CatalogueEntry(phrase="路灯", label="城乡建设")
    assert may_edit_catalogue_entry(cast.admin, own) and not may_edit_catalogue_entry(cast.admin, other)
    assert not may_edit_catalogue_entry(cast.admin, everywhere)
    assert all(may_edit_catalogue_entry(city_admin, entry) for entry in (own, other, everywhere))


def test_hot_spots_are_for_supervisors_leaders_and_dispatchers(cast):
    assert all(may_see_hotspots(u) for u in (cast.city_supervisor, cast.leader, cast.dispatcher, cast.root))
    assert not any(may_see_hotspots(u) for u in (cast.handler_a, cast.grid_worker, cast.admin, cast.resident,
                                                 AnonymousUser()))
    cast.leader.is_active = False
    assert not may_see_hotspots(cast.leader)


def test_supervisors_create_topics_for_departments_they_supervise(cast):
    assert may_create_topics(cast.city_supervisor) and may_create_topics(cast.root)
    assert not any(may_create_topics(u) for u in (cast.leader, cast.dispatcher, cast.handler_a, AnonymousUser()))
    assert may_own_topic(cast.city_supervisor, cast.yuci_housing)
    assert may_own_topic(cast.taigu_supervisor, cast.taigu_health)
    assert not may_own_topic(cast.taigu_supervisor, cast.yuci_housing)
    assert not may_own_topic(cast.handler_b, cast.yuci_housing)


def test_the_owner_departments_handlers_and_its_supervisors_update_a_topic(cast):
    topic = SimpleNamespace(owner_department=cast.yuci_housing)
    assert may_update_topic(cast.handler_b, topic) and may_update_topic(cast.city_supervisor, topic)
    assert not any(may_update_topic(u, topic) for u in (cast.handler_a, cast.taigu_supervisor, cast.dispatcher,
                                                        AnonymousUser()))
    cast.handler_b.is_active = False
    assert not may_update_topic(cast.handler_b, topic)
