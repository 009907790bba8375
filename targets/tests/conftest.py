"""Fixtures of the targets tests alone: a reported indicator, a county leader, department staff who
report, and a few demands through the services."""

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from conftest import make_staff
from orgs.models import DepartmentKind, Role
from targets.models import ReportedIndicator

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str):
    return time_machine.travel(datetime.fromisoformat(text).replace(tzinfo=TZ), tick=False)


@pytest.fixture
def t(cast):
    c = SimpleNamespace(cast=cast)
    c.yuci_leader = make_staff("yuci_leader", (Role.LEADER, cast.yuci), root=cast.root)
    c.city_admin = make_staff("city_admin", (Role.ADMIN, cast.city), root=cast.root)
    # 榆次区卫健局 reports for 榆次区 (and its townships); the unit above, the city's 卫健委, reviews.
    c.yuci_reporter = cast.handler_a
    c.city_reviewer = make_staff("city_health", (Role.HANDLER, cast.city_health), root=cast.root)
    c.family_doctor = ReportedIndicator.objects.create(
        code="family-doctor",
        name="家庭医生签约率",
        unit_of_measure="%",
        is_rate=True,
        numerator_label="签约人数",
        denominator_label="常住人口",
        department_kind=DepartmentKind.HEALTH,
    )
    c.inpatient = ReportedIndicator.objects.create(
        code="inpatients",
        name="县域住院人次",
        unit_of_measure="人次",
        is_rate=False,
        department_kind=DepartmentKind.HEALTH,
        cumulative=True,
    )
    return c


from care.tests.conftest import categories  # noqa: E402,F401 - the seeded care categories, as a fixture here too
