"""Helpers for appeals tests: a resident's appeal in 榆次区's 顺城社区, built through the intake service."""

import pytest

from appeals.models import AppealType, Channel
from appeals.services import Intake, appeal_create


def new_appeal(cast, **overrides):
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
def appeal(cast):
    return new_appeal(cast)
