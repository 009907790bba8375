"""The admin for the appeal settings: a city administrator edits the holiday calendar, deadline rules,
reply templates, categories and KPI weights through the services, each change audited with a
readable label; a county administrator reads them but cannot change them; a year's holidays come
in from xlsx with a dry run."""

import io
from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from appeals import selectors, services
from appeals.calendar_import import CalendarImporter
from appeals.deadlines import deadlines_from
from appeals.models import CalendarDay, Category, DeadlineRule, KpiSettings, ReplyTemplate, Urgency
from appeals.tests.conftest import new_appeal
from conftest import make_staff
from core.audit import verb_label
from core.errors import BadInput, NotAllowed
from core.models import AuditEvent
from orgs.models import Role


@pytest.fixture
def city_admin(cast):
    user = make_staff("city_admin", (Role.ADMIN, cast.city), root=cast.root)
    user.refresh_from_db()
    assert user.is_staff
    return user


@pytest.fixture
def city_client(client, city_admin):
    client.force_login(city_admin)
    return client


@pytest.fixture
def county_client(client, cast):
    cast.admin.refresh_from_db()
    client.force_login(cast.admin)
    return client


def at(*args):
    return timezone.make_aware(datetime(*args))


def xlsx(*rows, header=("date", "kind", "name")):
    workbook = Workbook()
    workbook.active.append(list(header))
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "2026.xlsx"
    return buffer


def test_the_settings_pages_load_for_a_superuser(client, cast):
    client.force_login(cast.root)
    services.calendar_day_save(actor=cast.root, day=CalendarDay(date=date(2027, 10, 1), kind="holiday", name="国庆节"))
    for name in ["calendarday", "deadlinerule", "replytemplate", "category", "kpisettings"]:
        for page in ["changelist", "add"]:
            url = reverse(f"admin:appeals_{name}_{page}")
            assert client.get(url).status_code == 200, url
    assert client.get(reverse("admin:appeals_calendarday_xlsx_import")).status_code == 200
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:appeals_calendarday_changelist") in page
    assert reverse("admin:appeals_replytemplate_changelist") in page


def test_an_added_holiday_moves_the_deadlines_computed_afterwards(city_client, city_admin):
    start = at(2026, 11, 2, 10, 0)  # a Monday
    _accept, due_before = deadlines_from(start, urgency=Urgency.ORDINARY)
    assert due_before == at(2026, 11, 11, 10, 0)  # 7 working days: the next Wednesday

    response = city_client.post(reverse("admin:appeals_calendarday_add"),
                                {"date": "2026-11-04", "kind": "holiday", "name": "演示假日"})
    assert response.status_code == 302
    _accept, due_after = deadlines_from(start, urgency=Urgency.ORDINARY)
    assert due_after == at(2026, 11, 12, 10, 0)  # one working day later

    day = CalendarDay.objects.get(date=date(2026, 11, 4))
    event = AuditEvent.objects.get(verb="appeals.calendar.create")
    assert (event.actor, event.target_id) == (city_admin, str(day.pk))

    # Removed again: the next computation follows at once.
    response = city_client.post(reverse("admin:appeals_calendarday_delete", args=[day.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert deadlines_from(start, urgency=Urgency.ORDINARY)[1] == due_before
    assert AuditEvent.objects.filter(verb="appeals.calendar.delete", actor=city_admin).exists()


def test_a_county_administrator_reads_the_city_calendar_but_cannot_change_it(county_client, cast):
    day = services.calendar_day_save(actor=cast.root, day=CalendarDay(date=date(2027, 10, 1), kind="holiday",
                                                                      name="国庆节"))
    audit_rows = AuditEvent.objects.count()
    assert county_client.get(reverse("admin:appeals_calendarday_changelist")).status_code == 200
    response = county_client.post(reverse("admin:appeals_calendarday_change", args=[day.pk]),
                                  {"date": "2027-10-01", "kind": "workday", "name": "改掉"})
    assert response.status_code == 403
    assert county_client.post(reverse("admin:appeals_calendarday_add"),
                              {"date": "2027-10-04", "kind": "holiday", "name": ""}).status_code == 403
    assert county_client.post(reverse("admin:appeals_calendarday_delete", args=[day.pk]),
                              {"post": "yes"}).status_code == 403
    assert county_client.get(reverse("admin:appeals_calendarday_xlsx_import")).status_code == 403
    day.refresh_from_db()
    assert (day.kind, day.name) == ("holiday", "国庆节")
    assert not CalendarDay.objects.filter(date=date(2027, 10, 4)).exists()
    assert AuditEvent.objects.count() == audit_rows

    # The service refuses on its own too, whatever calls it.
    day.kind = CalendarDay.Kind.WORKDAY
    with pytest.raises(NotAllowed):
        services.calendar_day_save(actor=cast.admin, day=day)
    assert CalendarDay.objects.get(pk=day.pk).kind == "holiday"


def test_staff_who_are_not_administrators_do_not_see_the_settings(client, cast):
    cast.handler_a.is_staff = True
    cast.handler_a.save()
    client.force_login(cast.handler_a)
    assert client.get(reverse("admin:appeals_calendarday_changelist")).status_code == 403


def test_every_admin_change_is_audited_with_a_readable_label(city_client, city_admin, english):
    posts = [
        ("calendarday", {"date": "2027-10-01", "kind": "holiday", "name": "国庆节"}, "appeals.calendar.create"),
        ("category", {"code": "heating", "name": "供暖", "parent": "", "urgency": "utilities",
                      "default_department_kind": "housing", "is_active": "on"}, "appeals.category.create"),
        ("replytemplate", {"name": "供暖答复", "department_kind": "housing", "body": "您好！已处理。"},
         "appeals.reply_template.create"),
        ("deadlinerule", {"urgency": "ordinary", "appeal_type": "", "category": "", "handle_amount": "5",
                          "handle_unit": "working_days", "accept_working_hours": "2"},
         "appeals.deadline_rule.create"),
        ("kpisettings", {"response_weight": "0.2", "resolution_weight": "0.4", "satisfaction_weight": "0.4",
                         "basic_satisfied_value": "0.9", "max_returns": "3", "rating_days": "7"},
         "appeals.settings.create"),
    ]
    for model, data, verb in posts:
        response = city_client.post(reverse(f"admin:appeals_{model}_add"), data)
        assert response.status_code == 302, (model, response.context["adminform"].form.errors)
        event = AuditEvent.objects.get(verb=verb)
        assert event.actor == city_admin
        assert verb_label(verb) != verb
    assert DeadlineRule.objects.get().handle_amount == 5
    assert KpiSettings.current().max_returns == 3

    template = ReplyTemplate.objects.get()
    response = city_client.post(reverse("admin:appeals_replytemplate_change", args=[template.pk]),
                                {"name": "供暖答复", "department_kind": "housing", "body": "您好！已修好。"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(verb="appeals.reply_template.update")
    assert event.data == {"before": {"body": "您好！已处理。"}, "after": {"body": "您好！已修好。"}}
    assert verb_label(event.verb) == "Reply template changed"


def test_a_rule_the_service_enforces_shows_as_a_form_error(city_client):
    response = city_client.post(reverse("admin:appeals_kpisettings_add"), {
        "response_weight": "0.5", "resolution_weight": "0.5", "satisfaction_weight": "0.4",
        "basic_satisfied_value": "0.9", "max_returns": "2", "rating_days": "7"})
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert not KpiSettings.objects.exists()
    response = city_client.post(reverse("admin:appeals_calendarday_add"),
                                {"date": "2026-11-03", "kind": "workday", "name": ""})  # a Tuesday
    assert response.status_code == 200 and response.context["adminform"].form.non_field_errors()
    assert not CalendarDay.objects.filter(date=date(2026, 11, 3)).exists()
    assert not AuditEvent.objects.filter(verb__startswith="appeals.").exists()


def test_a_category_cannot_be_put_under_itself(cast, english):
    parent = services.category_save(actor=cast.root, category=Category(code="a", name="甲", urgency="ordinary"))
    child = services.category_save(actor=cast.root, category=Category(code="b", name="乙", urgency="ordinary",
                                                                       parent=parent))
    parent.parent = child
    with pytest.raises(BadInput, match="under itself"):
        services.category_save(actor=cast.root, category=parent)
    assert Category.objects.get(code="a").parent is None


def test_a_years_holidays_come_in_from_xlsx_checked_first(city_client, city_admin):
    services.calendar_day_save(actor=city_admin, day=CalendarDay(date=date(2027, 10, 1), kind="holiday", name="旧名"))
    before = CalendarDay.objects.count()
    url = reverse("admin:appeals_calendarday_xlsx_import")
    bad = xlsx(("2027-10-01", "放假", "国庆节"), ("2027/10/4", "休", "国庆节"), ("2027-13-01", "放假", ""),
               ("2027-10-05", "请假", ""), ("2027年10月4日", "放假", ""), ("2027-10-08", "调休", "国庆节"))
    response = city_client.post(url, {"step": "check", "file": bad})
    assert response.status_code == 200
    report = response.context["report"]
    # Row numbers as Excel shows them: 2027-13-01, 请假, 4 October twice, a Friday as a make-up day.
    assert sorted({error.row for error in report.errors}) == [4, 5, 6, 7]
    assert CalendarDay.objects.count() == before

    good = xlsx(("2027-10-01", "放假", "国庆节"), ("2027/10/4", "休", "国庆节"), ("2027-10-09", "调休上班", "国庆节"))
    response = city_client.post(url, {"step": "check", "file": good})
    assert response.context["report"].ok and CalendarDay.objects.count() == before
    response = city_client.post(url, {"step": "confirm", "token": response.context["token"]})
    assert response.status_code == 302
    assert dict(CalendarDay.objects.filter(date__year=2027).values_list("date", "kind")) == {
        date(2027, 10, 1): "holiday", date(2027, 10, 4): "holiday", date(2027, 10, 9): "workday"}
    assert CalendarDay.objects.get(date=date(2027, 10, 1)).name == "国庆节"
    assert AuditEvent.objects.filter(verb="appeals.calendar.create", actor=city_admin).count() == 3  # 1 before
    assert AuditEvent.objects.filter(verb="appeals.calendar.update", actor=city_admin).count() == 1

    # The export reads back as an import: the same columns, the weekday added for people.
    response = city_client.get(reverse("admin:appeals_calendarday_xlsx_export"))
    rows = [[cell.value for cell in row] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]
    assert rows[-1][0].date() == date(2027, 10, 9) and rows[-1][-1] == "六"
    report = CalendarImporter(actor=city_admin).run(io.BytesIO(response.content), commit=False)
    assert report.ok and report.outcomes == {"unchanged": len(rows) - 1}


def test_templates_added_in_the_admin_reach_the_handlers_reply_form(city_client, cast):
    city_client.post(reverse("admin:appeals_replytemplate_add"),
                     {"name": "卫健答复", "department_kind": "health", "body": "您好！医院已整改。"})
    city_client.post(reverse("admin:appeals_replytemplate_add"),
                     {"name": "住建答复", "department_kind": "housing", "body": "您好！已修复。"})
    appeal = new_appeal(cast)
    services.appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    assert [t.name for t in selectors.reply_templates_for(appeal)] == ["卫健答复"]
