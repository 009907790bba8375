"""Fixtures of the employment tests alone: 榆次区's and 太谷区's 人社局 with a counselor each, an employer
account (a resident) with a verified employer and open postings, and seekers built through the services."""

import importlib
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from stdnum.cn import ric, uscc

from accounts.models import User, UserKind
from conftest import make_department, make_staff
from employment import matching, services
from employment.models import Education, PostingKind, SeekerKind
from orgs.models import DepartmentKind, Role


def id_number(birth="20020315", seq="015", place="140702") -> str:
    body = place + birth + seq
    return body + ric.calc_check_digit(body + "0")


def credit_code(serial="MA0K12345", region="140702") -> str:
    body = "91" + region + serial
    return body + uscc.calc_check_digit(body)


@pytest.fixture(autouse=True)
def chinese():
    """Services called outside a request speak the active language, which an earlier test of the session
    may have left in English: these tests read the Chinese a user sees."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def fresh_matcher():
    matching.forget()
    yield
    matching.forget()


@pytest.fixture
def hard_to_employ_category(db):
    from django.apps import apps

    importlib.import_module("care.migrations.0002_seed_categories").seed(apps, None)


@pytest.fixture
def emp(cast):
    c = SimpleNamespace(cast=cast)
    c.yuci_hrss = make_department(cast.root, cast.yuci, DepartmentKind.HUMAN_RESOURCES, "榆次区人力资源和社会保障局",
                                  "140702-hrss", "榆次区人社局")
    c.taigu_hrss = make_department(cast.root, cast.taigu, DepartmentKind.HUMAN_RESOURCES,
                                   "太谷区人力资源和社会保障局", "140703-hrss", "太谷区人社局")
    c.counselor = make_staff("yuci_hrss", (Role.HANDLER, c.yuci_hrss), root=cast.root)
    c.taigu_counselor = make_staff("taigu_hrss", (Role.HANDLER, c.taigu_hrss), root=cast.root)
    c.hr = User.objects.create_user(username="r-hr", kind=UserKind.RESIDENT, phone="13900002222")
    c.employer = services.employer_register(actor=c.hr, data=services.EmployerData(
        name="晋中云数科技有限公司", credit_code=credit_code(), unit=cast.beiguan, contact_name="刘敏",
        contact_phone="13900002222", industry="软件"))
    services.employer_decide(actor=c.counselor, employer=c.employer, approve=True)
    c.employer.refresh_from_db()
    closes = date.today() + timedelta(days=30)
    c.job = services.posting_create(actor=c.hr, employer=c.employer, data=services.PostingData(
        title="软件测试工程师", duties="编写测试用例，执行功能测试和自动化测试", requirements="熟悉Python，计算机相关专业",
        salary_min=4000, salary_max=6000, unit=cast.community, closes_on=closes, education=Education.BACHELOR))
    c.intern = services.posting_create(actor=c.hr, employer=c.employer, data=services.PostingData(
        title="数据分析见习生", duties="整理业务数据，制作报表", requirements="会用Excel和Python",
        salary_min=2000, salary_max=2500, unit=cast.community, closes_on=closes, kind=PostingKind.INTERNSHIP,
        duration_months=6, subsidy=1800))
    c.far_job = services.posting_create(actor=c.hr, employer=c.employer, data=services.PostingData(
        title="仓库管理员", duties="货物出入库登记，盘点", salary_min=3000, salary_max=3500, unit=cast.village,
        closes_on=closes))
    return c


def graduate(emp, *, name="李思远", seq="015", unit=None, actor=None, **extra):
    data = services.SeekerData(name=name, id_number=id_number(seq=seq), unit=unit or emp.cast.community,
                               kind=SeekerKind.GRADUATE, education=Education.BACHELOR, school="太原理工大学",
                               major="计算机科学与技术", graduation_year=2025, skills="Python 测试 数据分析",
                               wishes="软件测试", phone=extra.pop("phone", "13900003333"), **extra)
    return services.seeker_register(actor=actor or emp.counselor, data=data, counselor=emp.counselor)
