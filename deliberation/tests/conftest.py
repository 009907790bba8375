"""What deliberation's tests share: residents of 顺城社区 (the cast's community) and of 东阳村 (another
unit), a community handler who moderates, and a topic at each stage, built through the services."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.models import User, UserKind
from conftest import make_staff
from deliberation import services
from orgs.models import Role


def make_resident(phone: str, unit=None, *, confirmed_by=None):
    """A resident who declared ``unit`` as home; confirmed there by ``confirmed_by`` (its staff) if given."""
    user = User.objects.create_user(
        username=f"r-{phone}", kind=UserKind.RESIDENT, phone=phone, display_name=f"居民{phone[-4:]}"
    )
    if unit is not None:
        residency = services.residency_declare(actor=user, unit=unit, address="3号楼")
        if confirmed_by is not None:
            services.residency_confirm(actor=confirmed_by, residency=residency)
    return user


@pytest.fixture
def hall(cast):
    h = SimpleNamespace(cast=cast, unit=cast.community)
    h.staff = make_staff("community_staff", (Role.HANDLER, cast.community), root=cast.root)
    h.village_staff = make_staff("village_staff", (Role.HANDLER, cast.village), root=cast.root)
    h.township = make_staff("township", (Role.SUPERVISOR, cast.beiguan), root=cast.root)
    residency = services.residency_declare(actor=cast.resident, unit=cast.community, address="1号楼")
    services.residency_confirm(actor=h.staff, residency=residency)
    h.resident = cast.resident
    h.neighbours = [make_resident(f"1390000{i:04d}", cast.community, confirmed_by=h.staff) for i in range(6)]
    h.outsider = make_resident("13700000001", cast.village, confirmed_by=h.village_staff)
    return h


def propose(h, **kw):
    return services.topic_propose(
        actor=kw.pop("actor", h.resident),
        unit=kw.pop("unit", h.unit),
        title=kw.pop("title", "小区东门加装充电桩"),
        description=kw.pop("description", "电动车在楼道充电很危险，建议在东门空地加装充电桩。"),
        location=kw.pop("location", "东门空地"),
        **kw,
    )


def accepted(h, **kw):
    topic = propose(h, **kw)
    return services.topic_accept(actor=h.staff, topic=topic)


def at_council(h, expected=5, **kw):
    topic = accepted(h, **kw)
    meeting = services.topic_to_council(
        actor=h.staff,
        topic=topic,
        held_at=timezone.now() + timedelta(days=1),
        place="社区议事厅",
        agenda="讨论充电桩选址与费用",
        expected=expected,
    )
    for i in range(expected):
        p = services.participant_add(actor=h.staff, meeting=meeting, kind="representative", name=f"代表{i}")
        services.participant_sign_in(actor=h.staff, participant=p)
    topic.refresh_from_db()
    return topic


def decided(h, **kw):
    topic = at_council(h, **kw)
    services.meeting_record(
        actor=h.staff,
        topic=topic,
        minutes="代表一致同意。",
        votes_for=4,
        votes_against=1,
        votes_abstain=0,
        decision="在东门空地加装10个充电桩，由区住建局组织实施。",
    )
    topic.refresh_from_db()
    return topic
