"""appeals.extensions' vouchers: a higher app may let one staff member who records no demands otherwise
file one found on a visit, in one place; nothing else changes (care's carer voucher is tested in care)."""

import pytest

from appeals import extensions
from appeals.models import Appeal, Channel
from appeals.services import Intake, appeal_create
from conftest import make_staff
from core.errors import NotAllowed
from orgs.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def voucher(cast):
    asked = []

    def vouch(actor, place, reference):
        asked.append((actor, place, reference))
        if reference == "boom":
            raise RuntimeError("broken")
        return reference == "yes" and place == cast.community

    extensions.register_voucher("test", vouch)
    yield asked
    extensions.unregister_voucher("test")


def intake(cast, **kw):
    return Intake(
        title="老人家中漏水",
        description="走访发现老人家中水管漏水，需要维修。",
        channel=Channel.GRID_VISIT,
        place=cast.community,
        **kw,
    )


def test_a_voucher_lets_one_staff_member_record_a_visit_s_demand(cast, voucher):
    cadre = make_staff("cadre", (Role.HANDLER, cast.community), root=cast.root)
    appeal = appeal_create(actor=cadre, data=intake(cast, on_behalf_of="test:yes"))
    assert appeal.created_by == cadre and voucher == [(cadre, cast.community, "yes")]


@pytest.mark.parametrize("on_behalf_of", ["", "test:no", "test:", "other:yes", "test:boom"])
def test_no_voucher_a_refusal_or_a_failing_one_refuses(cast, voucher, on_behalf_of):
    cadre = make_staff("cadre", (Role.HANDLER, cast.community), root=cast.root)
    with pytest.raises(NotAllowed):
        appeal_create(actor=cadre, data=intake(cast, on_behalf_of=on_behalf_of))
    assert not Appeal.objects.exists()


def test_a_voucher_counts_only_for_a_visit(cast, voucher):
    cadre = make_staff("cadre", (Role.HANDLER, cast.community), root=cast.root)
    data = intake(cast, on_behalf_of="test:yes")
    data.channel = Channel.PHONE
    with pytest.raises(NotAllowed):
        appeal_create(actor=cadre, data=data)
    assert voucher == [] and not Appeal.objects.exists()
