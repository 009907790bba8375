"""An administrator changes an account only when every role it holds lies in their scope."""

from accounts.permissions import may_manage_account
from conftest import make_staff
from orgs.models import Role


def test_a_county_administrator_manages_staff_whose_roles_all_lie_in_the_county(cast):
    assert may_manage_account(cast.admin, cast.handler_a) and may_manage_account(cast.admin, cast.dispatcher)
    assert may_manage_account(cast.admin, make_staff("newcomer", root=cast.root))  # no role yet
    assert not may_manage_account(cast.admin, cast.taigu_handler)
    assert not may_manage_account(cast.admin, cast.city_supervisor)
    both = make_staff("both", (Role.HANDLER, cast.yuci_health), (Role.LEADER, cast.city), root=cast.root)
    assert not may_manage_account(cast.admin, both)  # one role outside the county is enough


def test_residents_and_superusers_are_for_superusers_to_manage(cast):
    assert not may_manage_account(cast.admin, cast.resident)
    assert not may_manage_account(cast.admin, cast.root)
    assert may_manage_account(cast.root, cast.city_supervisor) and may_manage_account(cast.root, cast.resident)
