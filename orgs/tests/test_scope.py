"""The scope rule: who sees which units, departments and staff."""

from orgs.models import Role
from orgs.selectors import (
    can_reach_department,
    can_reach_unit,
    departments_visible_to,
    memberships_visible_to,
    scope_for,
    scope_q,
    units_visible_to,
)


def names(qs):
    return sorted(str(row) for row in qs)


def test_county_handler_cannot_see_the_other_countys_departments(cast):
    visible = departments_visible_to(cast.handler_a)
    assert names(visible) == ["榆次区卫生健康局"]
    assert not can_reach_department(cast.handler_a, cast.taigu_health)
    assert not can_reach_department(cast.handler_a, cast.yuci_housing)


def test_county_handler_reaches_places_below_their_county_only(cast):
    units = set(units_visible_to(cast.handler_a))
    assert cast.community in units and cast.beiguan in units
    assert cast.taigu not in units and cast.village not in units and cast.city not in units


def test_city_supervisor_sees_both_counties(cast):
    departments = set(departments_visible_to(cast.city_supervisor))
    assert {cast.yuci_health, cast.taigu_health, cast.yuci_housing, cast.city_health} <= departments
    assert can_reach_unit(cast.city_supervisor, cast.village)
    assert can_reach_unit(cast.city_supervisor, cast.community)


def test_supervisor_of_another_county_sees_none_of_yuci(cast):
    assert not can_reach_unit(cast.taigu_supervisor, cast.community)
    assert not can_reach_department(cast.taigu_supervisor, cast.yuci_health)
    assert can_reach_department(cast.taigu_supervisor, cast.taigu_health)


def test_city_department_reaches_same_kind_departments_below(cast):
    from conftest import make_staff

    city_health_handler = make_staff("city_health", (Role.HANDLER, cast.city_health), root=cast.root)
    assert set(departments_visible_to(city_health_handler)) == {cast.city_health, cast.yuci_health,
                                                                cast.taigu_health}


def test_scope_can_be_limited_to_one_role(cast):
    from conftest import make_staff

    both = make_staff("both", (Role.GRID_WORKER, cast.community), (Role.HANDLER, cast.taigu_health),
                      root=cast.root)
    assert can_reach_department(both, cast.taigu_health)
    assert not can_reach_department(both, cast.taigu_health, roles=[Role.GRID_WORKER])
    assert can_reach_unit(both, cast.community, roles=[Role.GRID_WORKER])


def test_residents_and_strangers_reach_nothing(cast, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert scope_for(cast.resident).empty
    assert not units_visible_to(cast.resident).exists()
    assert not departments_visible_to(AnonymousUser()).exists()


def test_scope_q_filters_rows_by_place_and_department(cast):
    from orgs.models import Membership

    # Memberships are rows with a unit or a department: the same rule applies to any module's rows.
    yuci_view = memberships_visible_to(cast.dispatcher)
    usernames = {m.user.username for m in yuci_view}
    assert {"grid", "handler_a", "handler_b", "dispatcher", "county_admin"} <= usernames
    assert "taigu_handler" not in usernames and "city_supervisor" not in usernames
    q = scope_q(scope_for(cast.taigu_handler), unit="unit", department="department")
    assert {m.user.username for m in Membership.objects.filter(q)} == {"taigu_handler"}


def test_inactive_staff_lose_their_scope(cast):
    cast.handler_a.is_active = False
    assert scope_for(cast.handler_a).empty


# --- an organisation's API key: no memberships, a scope of its own (orgs.selectors.OwnScope) ------------

def _key(cast, *units, **flags):
    from accounts.apikeys import apikey_issue

    key, _raw = apikey_issue(actor=cast.root, organisation="FixMyStreet 晋中", units=units or [cast.yuci], **flags)
    return key


def test_a_key_reaches_the_subtrees_of_its_units(cast):
    key = _key(cast)  # 榆次区
    units = set(units_visible_to(key))
    assert {cast.yuci, cast.beiguan, cast.community} <= units
    assert cast.taigu not in units and cast.village not in units and cast.city not in units
    assert set(departments_visible_to(key)) == {cast.yuci_health, cast.yuci_housing}
    assert can_reach_unit(key, cast.community) and not can_reach_unit(key, cast.village)
    assert scope_for(key).unit_paths == (cast.yuci.path,)


def test_a_key_reaches_nothing_to_read_once_revoked_or_when_it_may_not_read(cast):
    from accounts.apikeys import apikey_revoke
    from orgs.selectors import Purpose

    write_only = _key(cast, may_read=False)
    assert not units_visible_to(write_only).exists() and not departments_visible_to(write_only).exists()
    assert can_reach_unit(write_only, cast.community, purpose=Purpose.CREATE)
    assert cast.community in units_visible_to(write_only, purpose=Purpose.ANY)  # the places it files for
    read_only = _key(cast, may_create=False)
    assert not can_reach_unit(read_only, cast.community, purpose=Purpose.CREATE)
    revoked = _key(cast)
    apikey_revoke(actor=cast.root, key=revoked)
    for purpose in Purpose:
        assert scope_for(revoked, purpose=purpose).empty
        assert not units_visible_to(revoked, purpose=purpose).exists()


def test_a_key_holds_no_role_and_administers_nobody(cast):
    key = _key(cast, cast.city)
    assert not units_visible_to(key, roles=[Role.DISPATCHER]).exists()
    assert not can_reach_unit(key, cast.community, roles=[Role.ADMIN])
    assert not memberships_visible_to(key).exists()
