"""Fixtures of the targets tests alone: a reported indicator, a county leader, department staff who
report, and a few demands through the services."""

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from conftest import make_department, make_staff
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
    c.beiguan_health = make_department(
        cast.root, cast.beiguan, DepartmentKind.HEALTH, "北关街道卫生院", "140702001-health"
    )
    c.beiguan_reporter = make_staff("beiguan_doctor", (Role.HANDLER, c.beiguan_health), root=cast.root)
    # The unit above 北关街道 is 榆次区: its health bureau's handler reviews.
    c.yuci_reviewer = cast.handler_a
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
