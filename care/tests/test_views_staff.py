"""care's staff pages: masked by default, an audited reveal with a purpose, scope on every page, the visit
form (sent twice, one visit; a need filed and its state shown), the menu per role, the unit page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals.models import Appeal
from care.models import Person, Visit
from care.tests.conftest import id_number, register
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def visit_post(token="v" * 32, **extra):
    data = {"token": token, "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "notes": "老人精神不错",
            "check_health": "ok", "check_living": "ok", "check_gas": "concern", "check_heating": "ok",
            "check_electricity": "ok", "check_needs": "ok", "check_adl_change": "ok", "check_medicine": "ok"}
    data.update(extra)
    return data


def test_pages_mask_the_id_number_and_phone(client, care):
    person = register(care)
    client.force_login(care.grid_worker)
    for url in (reverse("care:person", args=[person.pk]), reverse("care:people"), reverse("care:mine")):
        page = client.get(url).content.decode()
        assert id_number() not in page and "13900001111" not in page and "王秀英" not in page, url
    page = client.get(reverse("care:person", args=[person.pk])).content.decode()
    assert "1407**********" in page and "139****1111" in page


def test_reveal_needs_a_purpose_and_is_audited(client, care):
    person = register(care)
    client.force_login(care.grid_worker)
    url = reverse("care:reveal", args=[person.pk])
    refused = client.post(url, {"purpose": ""})
    assert refused.status_code == 400 and id_number() not in refused.content.decode()
    assert not AuditEvent.objects.filter(verb="care.person.reveal").exists()
    shown = client.post(url, {"purpose": "电话预约明天走访"})
    assert id_number() in shown.content.decode() and "13900001111" in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(verb="care.person.reveal")
    assert event.actor == care.grid_worker and event.data == {"purpose": "电话预约明天走访"}


def test_a_grid_worker_of_another_community_sees_nothing_and_is_refused(client, care):
    person = register(care)
    client.force_login(care.ruyi_worker)
    assert client.get(reverse("care:person", args=[person.pk])).status_code == 404
    assert client.get(reverse("care:visit_new", args=[person.pk])).status_code == 404
    assert client.post(reverse("care:visit_new", args=[person.pk]), visit_post()).status_code == 404
    assert client.post(reverse("care:reveal", args=[person.pk]), {"purpose": "看看"}).status_code == 404
    assert "顺城" not in client.get(reverse("care:people")).content.decode()
    assert not Visit.objects.exists()
    assert not AuditEvent.objects.filter(verb="care.person.reveal").exists()


def test_the_visit_form_sent_twice_records_one_visit(client, care):
    person = register(care)
    client.force_login(care.grid_worker)
    url = reverse("care:visit_new", args=[person.pk])
    form = client.get(url)
    assert form.status_code == 200 and 'name="token"' in form.content.decode()
    first = client.post(url, visit_post())
    second = client.post(url, visit_post())
    assert first.status_code == second.status_code == 302
    assert Visit.objects.count() == 1
    assert Visit.objects.get().checklist["gas"] == "concern"


def test_a_visit_in_the_future_comes_back_with_what_was_typed(client, care):
    person = register(care)
    client.force_login(care.grid_worker)
    later = (timezone.localtime() + timezone.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("care:visit_new", args=[person.pk]), visit_post(visited_at=later,
                                                                                   notes="记下的话"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "走访时间不能是未来的时间" in page and "记下的话" in page
    assert not Visit.objects.exists()


def test_a_need_on_the_form_files_a_demand_and_the_visit_shows_its_state(client, care):
    person = register(care)
    client.force_login(care.grid_worker)
    response = client.post(reverse("care:visit_new", args=[person.pk]), visit_post(
        found_need="on", need_type="help", need_title="燃气软管老化",
        need_description="厨房燃气软管老化开裂，老人独居，需燃气公司上门更换。"))
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.channel == "grid_visit"
    page = client.get(reverse("care:person", args=[person.pk])).content.decode()
    assert appeal.code in page and str(appeal.get_state_display()) in page
    # The way back: the demand's staff page names the visit (masked) and links the person's record.
    client.force_login(care.cast.dispatcher)
    detail = client.get(reverse("appeals:staff_detail", args=[appeal.code])).content.decode()
    assert "来自包联走访" in detail and "王**" in detail
    assert reverse("care:person", args=[person.pk]) not in detail  # the dispatcher does not see the registry


def test_override_on_the_page_needs_a_reason(client, care):
    person = register(care, birth="19700101", category="dibao")
    client.force_login(care.village_cadre)
    url = reverse("care:override_risk", args=[person.pk])
    assert client.post(url, {"level": "high", "reason": ""}).status_code == 400
    assert client.post(url, {"level": "high", "reason": "子女失联"}).status_code == 302
    person.refresh_from_db()
    assert person.risk_level == "high"
    client.force_login(care.grid_worker)  # visits, but does not set risk by hand
    response = client.post(url, {"level": "low", "reason": "好转"}, HTTP_REFERER=reverse("care:person",
                                                                                       args=[person.pk]))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.risk_level == "high"


def test_menu_entries_by_role(client, care):
    register(care)
    client.force_login(care.grid_worker)
    page = client.get("/").content.decode()
    assert 'data-menu="care.visits"' in page and 'data-menu="care.people"' not in page
    client.force_login(care.village_cadre)
    page = client.get("/").content.decode()
    assert 'data-menu="care.people"' in page and 'data-menu="care.visits"' not in page
    client.force_login(care.cast.handler_a)  # a department's handler
    page = client.get("/").content.decode()
    assert 'data-menu="care.people"' not in page and 'data-menu="care.visits"' not in page
    assert client.get(reverse("care:people")).status_code == 403
    assert client.get(reverse("care:mine")).status_code == 403


def test_the_due_list_and_unit_page(client, care):
    person = register(care)
    client.force_login(care.grid_worker)
    page = client.get(reverse("care:mine")).content.decode()
    assert reverse("care:visit_new", args=[person.pk]) in page
    client.force_login(care.cast.admin)
    unit_page = client.get(reverse("care:units") + f"?unit={care.cast.community.pk}")
    assert unit_page.status_code == 200
    assert "顺城社区" in unit_page.content.decode() and "王**" in unit_page.content.decode()
    assert Person.objects.count() == 1


def test_the_due_list_comes_a_page_at_a_time_the_most_overdue_first(client, care, monkeypatch):
    """A carer with more people due than a page holds sees the size of the whole list, the most overdue
    first and plain links to the next page and back; a page past the end shows the last one."""
    from datetime import timedelta

    from care import selectors

    monkeypatch.setattr(selectors, "DUE_PAGE_SIZE", 2)
    today = timezone.localdate()
    people = {}
    for name, seq, due_in in (("甲", "001", -1), ("乙", "003", -5), ("丙", "005", 2), ("丁", "007", 30)):
        people[name] = register(care, name=name, seq=seq, category="dibao")  # no seasonal check for 低保
        Person.objects.filter(pk=people[name].pk).update(next_visit_due=today + timedelta(days=due_in))
    visit = {name: reverse("care:visit_new", args=[person.pk]) for name, person in people.items()}
    client.force_login(care.grid_worker)

    first = client.get(reverse("care:mine")).content.decode()
    assert "3 人应走访" in first and "2 人逾期" in first  # the whole list, not the page
    due, rest = first.split('class="pager"')
    assert due.index(visit["乙"]) < due.index(visit["甲"]) and visit["丙"] not in due
    assert 'href="?page=2"' in rest.split("</nav>")[0] and "1 / 2" in rest
    assert reverse("care:person", args=[people["丁"].pk]) in rest  # later, on the first page

    second = client.get(reverse("care:mine") + "?page=2").content.decode()
    due, rest = second.split('class="pager"')
    assert visit["丙"] in due and visit["乙"] not in second and visit["甲"] not in second
    assert 'href="?page=1"' in rest and "2 / 2" in rest
    past_the_end = client.get(reverse("care:mine") + "?page=9").content.decode()
    assert past_the_end[past_the_end.index("care-head"):] == second[second.index("care-head"):]
    for nonsense in ("x", "²", "9" * 5000):
        assert visit["乙"] in client.get(reverse("care:mine"), {"page": nonsense}).content.decode()


def test_the_person_page_lists_the_volunteer_activities_serving_them(client, care):
    """volunteers (a peer) arranges activities for a person in care; the person's page lists them, and only
    theirs, with the way to arrange another."""
    from datetime import timedelta

    from volunteers import services as volunteer_services

    person = register(care)
    other = register(care, name="李桂兰", seq="004")
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    slot = volunteer_services.SlotInput(starts_at=start, ends_at=start + timedelta(hours=2), capacity=2)
    activity = volunteer_services.activity_create(
        actor=care.grid_worker, title="陪王奶奶去医院复查", unit=care.cast.community, place="顺城街12号",
        slots=[slot], care_person_id=person.pk)
    client.force_login(care.grid_worker)
    page = client.get(reverse("care:person", args=[person.pk])).content.decode()
    assert "陪王奶奶去医院复查" in page and f'data-activity="{activity.pk}"' in page
    assert reverse("volunteers:staff_activity", args=[activity.pk]) in page
    assert f"{reverse('volunteers:staff_activity_new')}?care_person={person.pk}" in page
    page = client.get(reverse("care:person", args=[other.pk])).content.decode()
    assert "陪王奶奶去医院复查" not in page and f"?care_person={other.pk}" in page


def test_the_people_due_later_are_folded_below_and_only_the_first_few_shown(client, care, monkeypatch):
    """A phone shows the due list first; those due later wait folded at the bottom, the earliest first,
    with how many there are in all and the way to the registry for the rest."""
    from datetime import timedelta

    from care import selectors
    from care.models import SeasonalCheck

    monkeypatch.setattr(selectors, "LATER_SHOWN", 1)
    SeasonalCheck.objects.all().delete()  # none open: the two are due later only
    today = timezone.localdate()
    soon = register(care, name="甲", seq="001", category="dibao")
    far = register(care, name="乙", seq="003", category="dibao")
    Person.objects.filter(pk=soon.pk).update(next_visit_due=today + timedelta(days=20))
    Person.objects.filter(pk=far.pk).update(next_visit_due=today + timedelta(days=40))
    client.force_login(care.grid_worker)
    page = client.get(reverse("care:mine")).content.decode()
    start = page.index('<details class="care-later">')
    later = page[start:page.index("</details>", start)]
    assert "1 / 2" in later and reverse("care:person", args=[soon.pk]) in later
    assert reverse("care:person", args=[far.pk]) not in page
    assert f"{(today + timedelta(days=20)).isoformat()}" in later and reverse("care:people") in later
