"""The registry's services and selectors: ending a record (history kept, out of the due lists and the
figures, still findable), carers and coverage gaps, a department's scope by the categories it serves, the
unit figures with open needs and the drill-down, a carer's need filed through appeals' voucher, and the
PIPL whole-record export."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appeals.models import Appeal, Channel, State
from care import permissions, selectors, services
from care.models import CareAssignment, CareCategory, CareMembership, CarerRole, EndReason, Person, PersonNeed, Source
from care.tests.conftest import id_number, register
from conftest import make_department, make_staff
from core.errors import BadInput, InvalidTransition, NotAllowed
from core.models import AuditEvent
from orgs.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpf(care):
    """榆次区残联 (the disabled persons' federation) and one of its staff."""
    cast = care.cast
    department = make_department(
        cast.root, cast.yuci, "disabled_federation", "榆次区残疾人联合会", "140702-dpf", "榆次区残联"
    )
    care.dpf = department
    care.dpf_handler = make_staff("dpf_handler", (Role.HANDLER, department), root=cast.root)
    return care


def disabled_person(care, **kw):
    return register(care, category="disabled", values={"disability_type": "肢体", "disability_grade": "三级"}, **kw)


# --- ending a record ----------------------------------------------------------------------------------------


def test_ending_a_record_keeps_its_history_and_takes_it_out_of_lists_and_figures(care):
    person = register(care)
    today = timezone.localdate()
    assert list(selectors.due_list(care.grid_worker, today=today + timedelta(days=60))) == [person]
    services.person_end(actor=care.cast.root, person=person, ended_on=today, reason=EndReason.DIED)

    person.refresh_from_db()
    assert (person.ended_on, person.end_reason, person.next_visit_due) == (today, EndReason.DIED, None)
    assert CareMembership.objects.get(person=person).until == today  # ended, not deleted
    assert CareAssignment.objects.get(person=person).until == today
    assert list(selectors.due_list(care.grid_worker, today=today + timedelta(days=60))) == []
    figures = selectors.unit_figures(care.cast.root, care.cast.community)
    assert figures.people == 0 and figures.covered == 0
    # Still findable: by status, and by the whole ID number whatever the status asked.
    everyone = selectors.people_visible_to(care.cast.root)
    assert list(selectors.people_search(everyone)) == []
    assert list(selectors.people_search(everyone, status=selectors.RecordStatus.ENDED)) == [person]
    assert list(selectors.people_search(everyone, query=id_number())) == [person]
    event = AuditEvent.objects.get(verb="care.person.end")
    assert event.data["reason"] == "died" and event.data["memberships"] == 1 and event.data["assignments"] == 1
    # The nightly refresh does not bring the due date back.
    services.person_refresh(person)
    assert Person.objects.get(pk=person.pk).next_visit_due is None


def test_an_ended_record_takes_no_visit_no_category_no_carer_and_ends_once(care):
    person = register(care)
    services.person_end(
        actor=care.cast.root, person=person, ended_on=timezone.localdate(), reason=EndReason.MOVED_AWAY, note="迁往太原"
    )
    assert not permissions.may_visit(care.grid_worker, person)
    with pytest.raises(InvalidTransition):
        services.membership_set(
            actor=care.cast.root,
            person=person,
            category=care.categories["dibao"],
            since=timezone.localdate(),
            source=Source.CIVIL_AFFAIRS,
        )
    with pytest.raises(InvalidTransition):
        services.assignment_start(
            actor=care.cast.root, person=person, carer=care.village_cadre, role=CarerRole.VILLAGE_CADRE
        )
    with pytest.raises(InvalidTransition):
        services.person_end(actor=care.cast.root, person=person, ended_on=timezone.localdate(), reason=EndReason.DIED)
    assert AuditEvent.objects.filter(verb="care.person.end").count() == 1


@pytest.mark.parametrize(
    ("days", "reason", "note", "message"),
    [
        (1, "died", "", "future"),
        (0, "gone", "", "moved away"),
        (0, "other", "", "note"),
    ],
)
def test_ending_refuses_bad_input_and_changes_nothing(care, english, days, reason, note, message):
    person = register(care)
    with pytest.raises(BadInput, match=message):
        services.person_end(
            actor=care.cast.root,
            person=person,
            reason=reason,
            note=note,
            ended_on=timezone.localdate() + timedelta(days=days),
        )
    person.refresh_from_db()
    assert person.ended_on is None and CareMembership.objects.get(person=person).until is None
    assert not AuditEvent.objects.filter(verb="care.person.end").exists()


def test_only_those_who_keep_the_record_end_it(care):
    person = register(care)
    with pytest.raises(NotAllowed):
        services.person_end(actor=care.grid_worker, person=person, ended_on=timezone.localdate(), reason=EndReason.DIED)
    services.person_end(actor=care.village_cadre, person=person, ended_on=timezone.localdate(), reason=EndReason.DIED)
    assert Person.objects.get(pk=person.pk).ended_on is not None


# --- carers and coverage gaps -------------------------------------------------------------------------------


def test_coverage_gaps_list_people_in_a_category_with_no_one_responsible(care):
    covered = register(care)
    gap = register(care, name="李桂兰", seq="004")
    services.assignment_end(actor=care.cast.root, assignment=gap.assignments.get())
    no_category = register(care, name="张玉兰", seq="006", category=None)
    services.assignment_end(actor=care.cast.root, assignment=no_category.assignments.get())
    root = care.cast.root
    assert list(selectors.coverage_gaps(root, care.cast.community)) == [gap]
    assert list(selectors.coverage_gaps(root, care.cast.community, category=care.categories["dibao"])) == []
    assert list(selectors.coverage_gaps(root, care.cast.mingxing)) == []  # another township
    figures = selectors.unit_figures(root, care.cast.community)
    assert (figures.people, figures.covered, figures.gaps, figures.coverage) == (3, 1, 1, 33.3)
    services.assignment_start(
        actor=care.village_cadre, person=gap, carer=care.village_cadre, role=CarerRole.VILLAGE_CADRE
    )
    assert list(selectors.coverage_gaps(root, care.cast.community)) == []
    assert covered.pk != gap.pk


def test_carer_candidates_are_the_village_staff_with_the_role_their_post_suggests(care):
    grid_worker = make_staff("grid1_worker", (Role.GRID_WORKER, care.grid), root=care.cast.root)
    person = register(care, grid=care.grid)
    candidates = [(c.user, c.role) for c in selectors.carer_candidates(person)]
    # Their own grid's worker first, then the community's grid workers, then its staff; no one elsewhere.
    assert candidates == [
        (grid_worker, CarerRole.GRID_WORKER),
        (care.grid_worker, CarerRole.GRID_WORKER),
        (care.village_cadre, CarerRole.VILLAGE_CADRE),
    ]


# --- a department sees only the categories it serves -------------------------------------------------------


def test_a_department_sees_the_people_of_the_categories_it_serves_in_its_area(dpf):
    care = dpf
    disabled = disabled_person(care)
    dibao = register(care, name="李桂兰", seq="004", category="dibao")
    taigu_disabled = disabled_person(care, name="赵德明", seq="005", unit=care.cast.village)
    visible = selectors.people_visible_to(care.dpf_handler)
    assert list(visible) == [disabled]
    assert permissions.may_see(care.dpf_handler, disabled)
    assert not permissions.may_see(care.dpf_handler, dibao)
    assert not permissions.may_see(care.dpf_handler, taigu_disabled)
    # Read only: a department keeps no one's record, reads no ID number in clear.
    assert not permissions.may_manage(care.dpf_handler, disabled)
    assert not permissions.may_reveal(care.dpf_handler, disabled)
    assert permissions.may_open_registry(care.dpf_handler) and permissions.may_open_registry_menu(care.dpf_handler)


def test_a_department_sees_only_its_categories_of_a_person(dpf):
    care = dpf
    person = disabled_person(care)
    services.membership_set(
        actor=care.cast.root,
        person=person,
        category=care.categories["dibao"],
        since=timezone.localdate(),
        source=Source.CIVIL_AFFAIRS,
    )
    assert [m.category.code for m in selectors.open_memberships(person, care.dpf_handler)] == ["disabled"]
    assert {m.category.code for m in selectors.open_memberships(person, care.grid_worker)} == {"disabled", "dibao"}
    figures = selectors.unit_figures(care.dpf_handler, care.cast.yuci)
    assert [(c.code, n) for c, n in figures.by_category] == [("disabled", 1)]
    assert figures.people == 1


def test_a_department_serving_no_category_sees_no_one(dpf):
    care = dpf
    disabled_person(care)
    assert list(selectors.people_visible_to(care.cast.handler_a)) == []  # 卫健局 serves none of the seeded ones
    assert not permissions.may_open_registry(care.cast.handler_a)


def test_a_category_names_its_serving_department_types_in_the_admin_checked(care):
    category = care.categories["disabled"]
    category.served_by = ["disabled_federation", "health", "health"]
    services.category_save(actor=care.cast.root, category=category)
    assert category.served_by == ["disabled_federation", "health"]
    category.served_by = ["nobody"]
    with pytest.raises(BadInput):
        services.category_save(actor=care.cast.root, category=category)


# --- the unit page: open needs, drill-down ------------------------------------------------------------------


def test_open_needs_count_the_demands_not_closed_yet(care):
    person = register(care)
    link = services.person_need_file(
        actor=care.grid_worker,
        person=person,
        need=services.NeedInput(title="老人需要助行器", description="走访时老人说腿脚不便，需要一副助行器。"),
    )
    figures = selectors.unit_figures(care.cast.root, care.cast.community)
    assert figures.open_needs == 1
    Appeal.objects.filter(pk=link.appeal_id).update(state=State.CLOSED)
    assert selectors.unit_figures(care.cast.root, care.cast.community).open_needs == 0


def test_the_drill_down_lists_the_units_below_with_their_figures(care):
    register(care, grid=care.grid)
    register(care, name="李桂兰", seq="004")
    rows = selectors.unit_children(care.cast.root, care.cast.beiguan)
    assert [(unit.name, figures.people) for unit, figures in rows] == [("顺城社区", 2), ("如意社区", 0)]
    grids = selectors.unit_children(care.cast.root, care.cast.community)
    assert [(unit.name, figures.people) for unit, figures in grids] == [("顺城社区第一网格", 1)]


# --- a carer files a need (appeals' voucher) ----------------------------------------------------------------


def test_a_village_cadre_responsible_for_a_person_files_a_need_for_them(care):
    person = register(care, carer=care.village_cadre)
    link = services.person_need_file(
        actor=care.village_cadre,
        person=person,
        need=services.NeedInput(title="冬季取暖困难", description="老人家中暖气不热，请供热单位上门检修。"),
    )
    appeal = link.appeal
    assert appeal.channel == Channel.GRID_VISIT and appeal.place == care.cast.community
    assert appeal.created_by == care.village_cadre and appeal.contact_name == "王秀英"
    assert PersonNeed.objects.get().person == person
    assert AuditEvent.objects.get(verb="care.need.file").data == {"appeal": appeal.code}
    assert selectors.need_for_appeal(appeal) == link


def test_the_voucher_widens_nothing_else(care):
    """A cadre responsible for one person may not record demands in general, nor for someone else, nor
    in another place; nor once the record ended."""
    from appeals.services import Intake, appeal_create

    mine = register(care, carer=care.village_cadre)
    other = register(care, name="李桂兰", seq="004")
    with pytest.raises(NotAllowed):
        services.person_need_file(
            actor=care.village_cadre,
            person=other,
            need=services.NeedInput(title="需要帮助", description="需要帮助需要帮助"),
        )
    intake = {"title": "需要帮助", "description": "需要帮助需要帮助", "channel": Channel.GRID_VISIT}
    with pytest.raises(NotAllowed):
        appeal_create(actor=care.village_cadre, data=Intake(place=care.cast.community, **intake))
    with pytest.raises(NotAllowed):  # naming someone else's person
        appeal_create(
            actor=care.village_cadre,
            data=Intake(place=care.cast.community, on_behalf_of=f"care.person:{other.pk}", **intake),
        )
    with pytest.raises(NotAllowed):  # their person, another place
        appeal_create(
            actor=care.village_cadre, data=Intake(place=care.ruyi, on_behalf_of=f"care.person:{mine.pk}", **intake)
        )
    with pytest.raises(NotAllowed):  # another channel
        appeal_create(
            actor=care.village_cadre,
            data=Intake(
                place=care.cast.community,
                title="需要帮助",
                description="需要帮助需要帮助",
                channel=Channel.PHONE,
                on_behalf_of=f"care.person:{mine.pk}",
            ),
        )
    services.person_end(actor=care.cast.root, person=mine, ended_on=timezone.localdate(), reason=EndReason.DIED)
    with pytest.raises(NotAllowed):
        appeal_create(
            actor=care.village_cadre,
            data=Intake(place=care.cast.community, on_behalf_of=f"care.person:{mine.pk}", **intake),
        )
    assert not Appeal.objects.exists() and not PersonNeed.objects.exists()


# --- the PIPL whole-record export ---------------------------------------------------------------------------


def test_the_whole_record_is_exported_in_clear_with_the_purpose_audited(care):
    person = register(care)
    services.person_need_file(
        actor=care.grid_worker,
        person=person,
        need=services.NeedInput(title="老人需要助行器", description="老人腿脚不便，需要一副助行器。"),
    )
    with pytest.raises(BadInput):
        services.person_access_export(actor=care.village_cadre, person=person, purpose="", fmt="xlsx")
    with pytest.raises(NotAllowed):  # a grid worker reads, but does not keep the record
        services.person_access_export(actor=care.grid_worker, person=person, purpose="本人申请", fmt="xlsx")
    assert not AuditEvent.objects.filter(verb="care.person.access_export").exists()
    record = services.person_access_export(
        actor=care.village_cadre, person=person, purpose="本人书面申请查阅", fmt="print"
    )
    assert record["person"].id_number == id_number()
    assert [m.category.code for m in record["memberships"]] == ["solitary_elderly"]
    assert [a.carer for a in record["assignments"]] == [care.grid_worker]
    assert [n["appeal"].title for n in record["needs"]] == ["老人需要助行器"]
    event = AuditEvent.objects.get(verb="care.person.access_export")
    assert event.actor == care.village_cadre and event.data == {"purpose": "本人书面申请查阅", "format": "print"}


def test_a_record_cannot_end_before_its_last_visit(care, english):
    person = register(care)
    visited = timezone.now() - timedelta(days=2)
    services.visit_record(actor=care.grid_worker, person=person, visited_at=visited, token="t" * 32)
    with pytest.raises(BadInput, match="last visit"):
        services.person_end(
            actor=care.cast.root,
            person=person,
            reason=EndReason.DIED,
            ended_on=timezone.localdate() - timedelta(days=5),
        )
    assert Person.objects.get(pk=person.pk).ended_on is None


def test_the_admin_says_which_department_types_serve_a_category(client, care):
    from django.urls import reverse

    care.cast.root.is_staff = True
    care.cast.root.save()
    client.force_login(care.cast.root)
    category = care.categories["disabled"]
    assert client.get(reverse("admin:care_carecategory_change", args=[category.pk])).status_code == 200
    data = {"code": "disabled", "name": "残疾人", "fields": "[]", "checklist": "[]", "visit_days_high": 7,
            "visit_days_medium": 14, "visit_days_low": 30, "order": 60, "is_active": "on",
            "served_by": ["disabled_federation", "health"]}
    assert client.post(reverse("admin:care_carecategory_change", args=[category.pk]), data).status_code == 302
    assert CareCategory.objects.get(pk=category.pk).served_by == ["disabled_federation", "health"]
    assert permissions.served_categories()["health"] == {category.pk}
    event = AuditEvent.objects.filter(verb="care.category.update").latest("pk")
    assert event.data["served_by"] == ["disabled_federation", "health"]
