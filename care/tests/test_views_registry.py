"""The registry's staff pages: registering (ID number checked, a duplicate linked), changing and ending a
record, categories with their own fields, carers and the coverage gaps' one-click assignment, a carer's
need, the unit page's drill-down, the exports (xlsx, masked, audited) and the PIPL record; every page
refuses those outside its scope."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from appeals.models import Appeal
from care import services
from care.models import CareAssignment, CareMembership, Person, PersonNeed
from care.tests.conftest import id_number, register
from care.tests.test_registry import disabled_person, dpf  # noqa: F401 - the fixture
from conftest import make_staff
from core.models import AuditEvent
from orgs.models import Role

pytestmark = pytest.mark.django_db


def sheet_rows(response, sheet=0):
    workbook = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook.worksheets[sheet].iter_rows(values_only=True)]


def new_person(**extra):
    data = {"name": "王秀英", "id_number": id_number(), "phone": "13900001111", "address": "顺城街12号"}
    data.update(extra)
    return data


# --- registering and changing -------------------------------------------------------------------------------


def test_village_staff_register_a_person_with_sex_and_birth_read_from_the_id_number(client, care):
    client.force_login(care.village_cadre)
    page = client.get(reverse("care:person_new"))
    assert page.status_code == 200 and "顺城社区" in page.content.decode()
    response = client.post(reverse("care:person_new"), new_person(unit=care.cast.community.pk, grid=care.grid.pk))
    person = Person.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("care:person", args=[person.pk])
    assert (person.sex, person.birth_date.isoformat(), person.grid) == ("female", "1940-03-15", care.grid)
    assert AuditEvent.objects.get(verb="care.person.create").actor == care.village_cadre


def test_a_bad_id_number_comes_back_with_what_was_typed(client, care):
    client.force_login(care.village_cadre)
    bad = id_number()[:-1] + ("0" if id_number()[-1] != "0" else "1")
    response = client.post(reverse("care:person_new"), new_person(id_number=bad, unit=care.cast.community.pk))
    page = response.content.decode()
    assert response.status_code == 400 and "校验位" in page and "顺城街12号" in page
    assert not Person.objects.exists()


def test_a_duplicate_links_to_the_existing_record(client, care):
    person = register(care)
    client.force_login(care.village_cadre)
    response = client.post(reverse("care:person_new"), new_person(name="王秀", unit=care.cast.community.pk))
    assert response.status_code == 409
    assert reverse("care:person", args=[person.pk]) in response.content.decode()
    assert Person.objects.count() == 1


def test_a_duplicate_outside_ones_scope_is_named_but_not_linked(client, care):
    person = register(care)
    ruyi_cadre = make_staff("ruyi_cadre", (Role.HANDLER, care.ruyi), root=care.cast.root)
    client.force_login(ruyi_cadre)
    response = client.post(reverse("care:person_new"), new_person(unit=care.ruyi.pk))
    assert response.status_code == 409 and reverse("care:person", args=[person.pk]) not in response.content.decode()


def test_a_grid_worker_registers_no_one(client, care):
    client.force_login(care.grid_worker)
    assert client.get(reverse("care:person_new")).status_code == 403
    # A refused form post goes back with the reason (core.middleware); nothing is written.
    assert client.post(reverse("care:person_new"), new_person(unit=care.cast.community.pk)).status_code in (302, 403)
    assert not Person.objects.exists()


def test_changing_a_record_keeps_the_phone_shown_masked(client, care):
    person = register(care)
    client.force_login(care.village_cadre)
    url = reverse("care:person_edit", args=[person.pk])
    assert "139****1111" in client.get(url).content.decode()
    response = client.post(
        url,
        {"name": "王秀英", "phone": "139****1111", "address": "如意路3号", "unit": care.cast.community.pk, "grid": ""},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.address, person.phone) == ("如意路3号", "13900001111")
    assert AuditEvent.objects.get(verb="care.person.update").data == {"changed": ["address"]}


def test_another_community_s_staff_cannot_change_or_end_a_record(client, care):
    person = register(care)
    client.force_login(care.ruyi_worker)
    for name in ("care:person_edit", "care:person_end", "care:membership_new", "care:need_new"):
        assert client.get(reverse(name, args=[person.pk])).status_code == 404, name
    assert (
        client.post(
            reverse("care:person_end", args=[person.pk]),
            {"ended_on": timezone.localdate().isoformat(), "reason": "died"},
        ).status_code
        == 404
    )
    assert Person.objects.get(pk=person.pk).ended_on is None


# --- ending a record -----------------------------------------------------------------------------------------


def test_ending_a_record_from_its_page(client, care):
    person = register(care)
    client.force_login(care.village_cadre)
    url = reverse("care:person_end", args=[person.pk])
    refused = client.post(url, {"ended_on": timezone.localdate().isoformat(), "reason": "other", "note": ""})
    assert refused.status_code == 400 and Person.objects.get(pk=person.pk).ended_on is None
    response = client.post(
        url, {"ended_on": timezone.localdate().isoformat(), "reason": "moved_away", "note": "随子女迁往太原"}
    )
    assert response.status_code == 302
    page = client.get(reverse("care:person", args=[person.pk])).content.decode()
    assert "迁出" in page and "随子女迁往太原" in page and reverse("care:visit_new", args=[person.pk]) not in page
    # Out of the list by default, there when asked for the ended ones.
    people = reverse("care:people")
    assert reverse("care:person", args=[person.pk]) not in client.get(people).content.decode()
    assert reverse("care:person", args=[person.pk]) in client.get(people, {"status": "ended"}).content.decode()


# --- categories ---------------------------------------------------------------------------------------------


def test_adding_a_category_with_its_own_fields_and_ending_it(client, care):
    person = register(care)
    disabled = care.categories["disabled"]
    client.force_login(care.village_cadre)
    url = reverse("care:membership_new", args=[person.pk])
    form = client.get(url, {"category": disabled.pk}).content.decode()
    assert "残疾等级" in form and "一级" in form
    refused = client.post(url, {"category": disabled.pk, "since": "2099-01-01", "source": "civil_affairs"})
    assert refused.status_code == 400 and not person.memberships.filter(category=disabled).exists()
    response = client.post(
        url,
        {
            "category": disabled.pk,
            "since": "2024-03-01",
            "source": "civil_affairs",
            "field_disability_type": "肢体",
            "field_disability_grade": "一级",
        },
    )
    assert response.status_code == 302
    membership = person.memberships.get(category=disabled)
    assert membership.values == {"disability_type": "肢体", "disability_grade": "一级"}
    assert Person.objects.get(pk=person.pk).risk_level == "high"  # 一级 disability, by the seeded rule
    ended = client.post(
        reverse("care:membership_end", args=[person.pk, membership.pk]),
        {"until": timezone.localdate().isoformat(), "reason": "残疾证注销"},
    )
    assert ended.status_code == 302
    assert CareMembership.objects.get(pk=membership.pk).until == timezone.localdate()
    assert AuditEvent.objects.filter(verb="care.membership.end").get().data["reason"] == "残疾证注销"


# --- carers and coverage gaps -------------------------------------------------------------------------------


def test_assigning_and_ending_a_carer_from_the_record(client, care):
    person = register(care)
    client.force_login(care.village_cadre)
    response = client.post(
        reverse("care:assignment_new", args=[person.pk]), {"username": "shuncheng_cadre", "role": "village_cadre"}
    )
    assert response.status_code == 302
    assignment = CareAssignment.objects.get(person=person, carer=care.village_cadre)
    assert client.post(reverse("care:assignment_end", args=[person.pk, assignment.pk])).status_code == 302
    assert CareAssignment.objects.get(pk=assignment.pk).until == timezone.localdate()
    unknown = client.post(reverse("care:assignment_new", args=[person.pk]), {"username": "nobody", "role": "volunteer"})
    assert unknown.status_code == 302 and CareAssignment.objects.filter(person=person).count() == 2  # refused, back


def test_the_coverage_gaps_page_assigns_in_one_click(client, care):
    gap = register(care)
    services.assignment_end(actor=care.cast.root, assignment=gap.assignments.get())
    client.force_login(care.village_cadre)
    url = reverse("care:gaps") + f"?unit={care.cast.community.pk}"
    page = client.get(url).content.decode()
    assert reverse("care:person", args=[gap.pk]) in page and f'value="{care.grid_worker.pk}"' in page
    response = client.post(
        reverse("care:assignment_new", args=[gap.pk]),
        {"carer": care.grid_worker.pk, "role": "grid_worker", "next": url},
    )
    assert response.status_code == 302 and response["Location"] == url
    assert CareAssignment.objects.filter(person=gap, carer=care.grid_worker, until__isnull=True).exists()
    assert reverse("care:person", args=[gap.pk]) not in client.get(url).content.decode()


def test_a_leader_sees_the_gaps_but_assigns_no_one(client, care):
    gap = register(care)
    services.assignment_end(actor=care.cast.root, assignment=gap.assignments.get())
    client.force_login(care.cast.leader)
    page = client.get(reverse("care:gaps") + f"?unit={care.cast.community.pk}").content.decode()
    assert reverse("care:person", args=[gap.pk]) in page
    assert reverse("care:assignment_new", args=[gap.pk]) not in page
    assert client.post(
        reverse("care:assignment_new", args=[gap.pk]), {"carer": care.grid_worker.pk, "role": "grid_worker"}
    ).status_code in (302, 403)
    assert not CareAssignment.objects.filter(person=gap, until__isnull=True).exists()


# --- a carer's need -----------------------------------------------------------------------------------------


def test_a_village_cadre_carer_files_a_need_from_the_record(client, care):
    person = register(care, carer=care.village_cadre)
    client.force_login(care.village_cadre)
    page = client.get(reverse("care:person", args=[person.pk])).content.decode()
    assert reverse("care:need_new", args=[person.pk]) in page
    blank = client.post(
        reverse("care:need_new", args=[person.pk]), {"need_type": "help", "title": "", "description": "老人说家里漏水"}
    )
    assert blank.status_code == 400 and "老人说家里漏水" in blank.content.decode() and not Appeal.objects.exists()
    response = client.post(
        reverse("care:need_new", args=[person.pk]),
        {"need_type": "help", "title": "家中水管漏水", "description": "老人说家里厨房水管漏水，需要维修。"},
    )
    assert response.status_code == 302
    appeal = PersonNeed.objects.get(person=person).appeal
    page = client.get(reverse("care:person", args=[person.pk])).content.decode()
    assert appeal.code in page
    # The demand's staff page leads back to the person.
    client.force_login(care.cast.dispatcher)
    detail = client.get(reverse("appeals:staff_detail", args=[appeal.code])).content.decode()
    assert "包联人" in detail


def test_someone_not_responsible_files_no_need(client, care):
    person = register(care)
    client.force_login(care.cast.leader)
    assert client.get(reverse("care:need_new", args=[person.pk])).status_code == 403
    assert client.post(
        reverse("care:need_new", args=[person.pk]),
        {"need_type": "help", "title": "漏水", "description": "家里漏水需要维修"},
    ).status_code in (302, 403)
    assert not Appeal.objects.exists()


# --- the unit page and the exports --------------------------------------------------------------------------


def test_the_unit_page_drills_down_and_shows_open_needs(client, care):
    register(care, grid=care.grid)
    client.force_login(care.cast.city_supervisor)
    page = client.get(reverse("care:units") + f"?unit={care.cast.beiguan.pk}").content.decode()
    assert "顺城社区" in page and f"?unit={care.cast.community.pk}" in page
    grid_page = client.get(reverse("care:units") + f"?unit={care.grid.pk}")
    assert grid_page.status_code == 200 and "顺城社区第一网格" in grid_page.content.decode()
    client.force_login(care.ruyi_worker)
    assert client.get(reverse("care:units") + f"?unit={care.cast.community.pk}").status_code == 404


def test_the_people_list_exports_masked_and_audited(client, care):
    register(care)
    register(care, name="李桂兰", seq="004", category="dibao")
    client.force_login(care.village_cadre)
    response = client.get(reverse("care:people_export"), {"category": care.categories["dibao"].pk})
    rows = sheet_rows(response)
    assert response.status_code == 200 and len(rows) == 2
    assert rows[1][0] == "李**" and "*" in rows[1][1] and id_number("19400315", "004") not in str(rows)
    event = AuditEvent.objects.get(verb="care.export")
    assert event.actor == care.village_cadre and event.data["rows"] == 1
    assert event.data["filters"] == {"category": "dibao"}


def test_the_unit_figures_and_gaps_export(client, care):
    register(care)
    client.force_login(care.cast.city_supervisor)
    response = client.get(reverse("care:unit_export"), {"unit": care.cast.beiguan.pk})
    rows = sheet_rows(response)
    assert rows[1][:4] == ["榆次区北关街道", 1, 1, 100] and rows[2][0] == "顺城社区"
    assert load_workbook(io.BytesIO(response.content)).sheetnames[0] == "统计"  # not targets' 数据 (msgctxt)
    gaps = client.get(reverse("care:gaps_export"), {"unit": care.cast.beiguan.pk})
    assert len(sheet_rows(gaps)) == 1  # the header alone: everyone is covered
    assert AuditEvent.objects.filter(verb="care.export").count() == 2
    client.force_login(care.ruyi_worker)
    assert client.get(reverse("care:unit_export"), {"unit": care.cast.beiguan.pk}).status_code == 404


def test_a_department_s_export_and_pages_hold_only_its_categories(client, dpf):  # noqa: F811
    care = dpf
    person = disabled_person(care)
    dibao = register(care, name="李桂兰", seq="004", category="dibao")
    client.force_login(care.dpf_handler)
    rows = sheet_rows(client.get(reverse("care:people_export")))
    assert [row[0] for row in rows[1:]] == ["王**"] and rows[1][6] == "残疾人"
    assert client.get(reverse("care:person", args=[person.pk])).status_code == 200
    assert client.get(reverse("care:person", args=[dibao.pk])).status_code == 404
    assert client.get(reverse("care:person_edit", args=[person.pk])).status_code == 403
    assert client.get(reverse("care:units")).status_code == 200
    menu = client.get("/").content.decode()
    assert reverse("care:people") in menu


# --- the PIPL record ----------------------------------------------------------------------------------------


def test_the_whole_record_for_the_person_as_xlsx_and_printable(client, care):
    person = register(care)
    # Yesterday morning: this morning's 09:30 lies in the future between midnight and 09:30.
    visited = (timezone.localtime() - timedelta(days=1)).replace(hour=9, minute=30, second=0, microsecond=0)
    services.visit_record(
        actor=care.grid_worker,
        person=person,
        visited_at=visited,
        token="r" * 32,
        checklist={"gas": "concern"},
        notes="老人精神不错",
    )
    client.force_login(care.village_cadre)
    url = reverse("care:access_export", args=[person.pk])
    refused = client.post(url, {"purpose": "", "fmt": "xlsx"})
    assert refused.status_code == 302 and not AuditEvent.objects.filter(verb="care.person.access_export").exists()
    response = client.post(url, {"purpose": "本人书面申请查阅", "fmt": "xlsx"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    facts = sheet_rows(response)
    assert [id_number()] == [row[1] for row in facts if row[1] == id_number()]
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 5
    printable = client.post(url, {"purpose": "本人书面申请查阅", "fmt": "print"})
    assert id_number() in printable.content.decode() and "13900001111" in printable.content.decode()
    # The visit in local time, its checklist in words.
    assert f"{visited:%Y-%m-%d} 09:30" in printable.content.decode() and "安全隐患：燃气" in printable.content.decode()
    assert list(
        AuditEvent.objects.filter(verb="care.person.access_export")
        .values_list("data__format", flat=True)
        .order_by("pk")
    ) == ["xlsx", "print"]
    client.force_login(care.grid_worker)
    assert client.post(url, {"purpose": "本人申请", "fmt": "print"}).status_code in (302, 403)
    assert AuditEvent.objects.filter(verb="care.person.access_export").count() == 2


def test_the_unit_page_reads_the_same_number_of_queries_however_many_units_lie_below(
        client, care, django_assert_max_num_queries):
    """The drill-down's figures come from grouped queries over the subtree, not a few queries per unit."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from conftest import make_unit
    from orgs.models import Level, UnitKind

    register(care)
    register(care, name="李桂兰", seq="004", unit=care.ruyi, carer=care.ruyi_worker)
    client.force_login(care.cast.city_supervisor)
    url = reverse("care:units")
    with CaptureQueriesContext(connection) as few:
        page = client.get(url, {"unit": care.cast.beiguan.pk})
    assert page.status_code == 200 and "如意社区" in page.content.decode()
    for n in range(3, 9):
        village = make_unit(care.cast.root, f"14070200100{n}", f"新社区{n}", Level.VILLAGE, UnitKind.COMMUNITY,
                            care.cast.beiguan)
        register(care, name=f"新{n}", seq=f"{n + 10:03d}", unit=village, carer=care.ruyi_worker)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url, {"unit": care.cast.beiguan.pk})
    body = page.content.decode()
    assert all(f"新社区{n}" in body for n in range(3, 9))
    figures, children = page.context["figures"], page.context["children"]
    assert figures.people == 8 == sum(child_figures.people for _child, child_figures in children)
