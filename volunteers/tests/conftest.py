"""Fixtures of the volunteers tests alone: the seeded skills, a volunteer team in 顺城社区, approved
volunteers (resident accounts) and an activity with two slots, all built through the services."""

import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from stdnum.cn import ric

from accounts.models import User, UserKind
from conftest import make_staff, make_unit
from orgs.models import Level, Role, UnitKind
from volunteers import services
from volunteers.models import Organisation, OrganisationKind, Skill


def id_number(birth="19900315", seq="002", place="140702") -> str:
    body = place + birth + seq
    return body + ric.calc_check_digit(body + "0")


def resident(phone: str) -> User:
    return User.objects.create_user(username=f"r-{phone}", kind=UserKind.RESIDENT, phone=phone)


@pytest.fixture
def skills(db):
    from django.apps import apps

    importlib.import_module("volunteers.migrations.0002_seed_skills").seed(apps, None)
    return {skill.code: skill for skill in Skill.objects.all()}


@pytest.fixture
def vol(cast, skills):
    c = SimpleNamespace(cast=cast, skills=skills)
    c.ruyi = make_unit(cast.root, "140702001002", "如意社区", Level.VILLAGE, UnitKind.COMMUNITY, cast.beiguan)
    c.handler = make_staff("shuncheng_cadre", (Role.HANDLER, cast.community), root=cast.root)
    c.team = services.organisation_save(actor=cast.root, organisation=Organisation(
        name="顺城社区志愿服务队", kind=OrganisationKind.TEAM, unit=cast.community))
    c.grid_worker = cast.grid_worker
    return c


def make_volunteer(vol, *, phone="13900002222", name="李晓峰", seq="011", unit=None, skills=("companionship",),
                   availability=None, approve=True):
    user = resident(phone)
    volunteer = services.volunteer_apply(
        actor=user, name=name, id_number=id_number(seq=seq), unit=unit or vol.cast.community,
        organisation=vol.team, skills=[vol.skills[code] for code in skills],
        availability=availability if availability is not None else {"5": ["morning"]}, consent=True)
    if approve:
        services.volunteer_decide(actor=vol.cast.admin, volunteer=volunteer, approve=True, id_checked=True)
    return volunteer


def make_activity(vol, *, actor=None, starts_in=timedelta(days=2), hours=2, capacity=3, slots=1, **kwargs):
    start = timezone.now().replace(microsecond=0) + starts_in
    slot_inputs = [services.SlotInput(starts_at=start + timedelta(days=n), ends_at=start + timedelta(days=n, hours=hours),
                                      capacity=capacity) for n in range(slots)]
    kwargs.setdefault("skills", [vol.skills["companionship"]])
    return services.activity_create(actor=actor or vol.grid_worker, title=kwargs.pop("title", "陪独居老人聊天"),
                                    unit=kwargs.pop("unit", vol.cast.community), place="顺城街12号",
                                    slots=slot_inputs, **kwargs)


@pytest.fixture
def volunteer(vol):
    return make_volunteer(vol)


@pytest.fixture
def activity(vol):
    return make_activity(vol)
