"""Writes to the org network: tree rules, scope of administrators, audit rows."""

import pytest

from core.errors import BadInput, NotAllowed
from core.models import AuditEvent
from orgs.models import Level, Membership, Role, Unit, UnitKind
from orgs.services import membership_grant, membership_revoke, unit_save


def test_unit_paths_follow_the_tree_and_moves_repath_the_subtree(cast):
    assert cast.community.path == "140700000000/140702000000/140702001000/140702001001/"
    cast.beiguan.parent = cast.taigu
    unit_save(actor=cast.root, unit=cast.beiguan)
    cast.community.refresh_from_db()
    assert cast.community.path == "140700000000/140703000000/140702001000/140702001001/"


@pytest.mark.parametrize(
    ("code", "level", "kind", "parent", "message"),
    [
        ("14070200100", Level.VILLAGE, UnitKind.COMMUNITY, "beiguan", "12 digits"),
        ("140702001009", Level.VILLAGE, UnitKind.COMMUNITY, "yuci", "must be a"),
        ("140702001009", Level.VILLAGE, UnitKind.TOWN, "beiguan", "does not belong to the level"),
        ("140702001009", Level.COUNTY, UnitKind.DISTRICT, None, "needs a parent"),
        ("140702001001777", Level.GRID, UnitKind.GRID, "community", None),
        ("140799001001777", Level.GRID, UnitKind.GRID, "community", "must start with its community"),
    ],
)
def test_tree_rules_give_clear_errors(cast, code, level, kind, parent, message, english):
    unit = Unit(code=code, name="新单位", level=level, kind=kind, parent=getattr(cast, parent) if parent else None)
    if message is None:
        unit_save(actor=cast.root, unit=unit)
        assert unit.pk
        return
    with pytest.raises(BadInput, match=message):
        unit_save(actor=cast.root, unit=unit)


def test_county_admin_changes_their_county_only(cast):
    village = Unit(code="140702001002", name="如意社区", level=Level.VILLAGE, kind=UnitKind.COMMUNITY,
                   parent=cast.beiguan)
    unit_save(actor=cast.admin, unit=village)
    assert AuditEvent.objects.filter(verb="unit.create", target_id=str(village.pk), actor=cast.admin).exists()
    other = Unit(code="140703100202", name="西阳村", level=Level.VILLAGE, kind=UnitKind.VILLAGE,
                 parent=cast.mingxing)
    with pytest.raises(NotAllowed):
        unit_save(actor=cast.admin, unit=other)
    with pytest.raises(NotAllowed):
        unit_save(actor=cast.handler_a, unit=other)


def test_admin_role_opens_the_django_admin_and_revoking_closes_it(cast):
    assert cast.admin.is_staff and not cast.handler_a.is_staff
    membership_grant(actor=cast.root, user=cast.handler_a, role=Role.ADMIN, department=cast.yuci_health)
    cast.handler_a.refresh_from_db()
    assert cast.handler_a.is_staff
    membership_revoke(actor=cast.root,
                      membership=Membership.objects.get(user=cast.handler_a, role=Role.ADMIN))
    cast.handler_a.refresh_from_db()
    assert not cast.handler_a.is_staff


def test_outsider_cannot_grant_roles(cast):
    with pytest.raises(NotAllowed):
        membership_grant(actor=cast.admin, user=cast.handler_b, role=Role.HANDLER, department=cast.taigu_health)
    assert not Membership.objects.filter(user=cast.handler_b, department=cast.taigu_health).exists()
