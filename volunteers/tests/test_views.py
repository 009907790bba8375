"""The pages of 志愿服务, as a volunteer on a phone and as staff use them: each refusal is a clear Chinese
message and leaves the database as it was."""

from datetime import timedelta

import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from core.models import AuditEvent
from volunteers import services
from volunteers.models import Activity, Certificate, HoursEntry, Signup, Volunteer, VolunteerStatus
from volunteers.tests.conftest import id_number, make_activity, make_volunteer, resident


def said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_a_resident_applies_on_a_phone_and_consent_is_required(client, vol):
    user = resident("13900008001")
    client.force_login(user)
    assert client.get("/volunteers/").status_code == 200
    form = {"name": "孙小燕", "id_number": id_number(seq="052"), "unit": vol.cast.community.pk,
            "skills": [vol.skills["tutoring"].pk], "day_2": ["evening"]}
    response = client.post("/volunteers/apply/", form)
    assert response.status_code == 400
    assert "申请前请同意志愿者须知" in response.content.decode()
    assert not Volunteer.objects.exists()
    response = client.post("/volunteers/apply/", {**form, "consent": "on"})
    assert response.status_code == 302
    volunteer = Volunteer.objects.get()
    assert (volunteer.user, volunteer.status, volunteer.availability) == (user, VolunteerStatus.APPLIED,
                                                                          {"2": ["evening"]})
    assert "待审核" in client.get("/volunteers/").content.decode()


def test_a_bad_id_number_keeps_what_was_typed(client, vol):
    client.force_login(resident("13900008002"))
    valid = id_number(seq="052")
    wrong = valid[:17] + str((int(valid[17]) + 1) % 10 if valid[17].isdigit() else 0)
    response = client.post("/volunteers/apply/", {"name": "孙小燕", "id_number": wrong,
                                                   "unit": vol.cast.community.pk, "consent": "on"})
    html = response.content.decode()
    assert response.status_code == 400 and "校验位不正确" in html and "孙小燕" in html
    assert not Volunteer.objects.exists()


def test_staff_approve_with_the_id_checked_and_outsiders_cannot_see(client, vol):
    volunteer = make_volunteer(vol, approve=False)
    client.force_login(vol.cast.taigu_supervisor)
    assert client.get(f"/volunteers/staff/volunteers/{volunteer.pk}/").status_code in (403, 404)
    client.force_login(vol.grid_worker)
    page = client.get(f"/volunteers/staff/volunteers/{volunteer.pk}/").content.decode()
    assert volunteer.masked_id_number in page and volunteer.id_number not in page
    response = client.post(f"/volunteers/staff/volunteers/{volunteer.pk}/decide/", {"decision": "approve"})
    assert "核对身份证原件" in said(response)
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.APPLIED
    client.post(f"/volunteers/staff/volunteers/{volunteer.pk}/decide/", {"decision": "approve", "id_checked": "on"})
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.APPROVED


def test_the_id_number_is_shown_in_clear_only_with_a_purpose_and_audited(client, vol, volunteer):
    client.force_login(vol.grid_worker)
    response = client.post(f"/volunteers/staff/volunteers/{volunteer.pk}/reveal/", {"purpose": "核对身份证原件"})
    assert volunteer.id_number in response.content.decode()
    assert AuditEvent.objects.get(verb="volunteers.volunteer.reveal").data == {"purpose": "核对身份证原件"}


def test_signing_up_twice_and_beyond_capacity_say_why_in_chinese(client, vol, volunteer):
    activity = make_activity(vol, capacity=1)
    slot = activity.slots.get()
    url = f"/volunteers/activities/{activity.pk}/slots/{slot.pk}/signup/"
    client.force_login(volunteer.user)
    client.post(url)
    response = client.post(url)
    assert response.status_code == 302 and "不能重复报名" in said(response)
    client.force_login(make_volunteer(vol, phone="13900008003", seq="063").user)
    response = client.post(url)
    assert "名额已满" in said(response)
    assert Signup.objects.count() == 1


def test_a_volunteer_checks_in_by_the_activity_qr_and_checks_out_into_the_ledger(client, vol, volunteer, activity):
    slot = activity.slots.get()
    services.signup_create(actor=volunteer.user, slot=slot)
    url = f"/volunteers/checkin/{activity.checkin_code}/"
    with time_machine.travel(slot.starts_at + timedelta(minutes=1), tick=False):
        client.force_login(volunteer.user)  # the session would have expired by the day of the activity
        assert "签到" in client.get(url).content.decode()
        response = client.post(url, {"action": "out"})
        assert "尚未签到，不能签退" in said(response)
        assert not HoursEntry.objects.exists()
        client.post(url, {"action": "in"})
    with time_machine.travel(slot.starts_at + timedelta(minutes=81), tick=False):
        response = client.post(url, {"action": "out"})
        assert response.url == "/volunteers/hours/"
        page = client.get("/volunteers/hours/").content.decode()
    assert HoursEntry.objects.get().minutes == 80
    assert 'data-figure="hours">1.3<' in page
    assert 'data-figure="volunteer-hours">1.3<' in client.get("/").content.decode()


def test_the_organiser_scans_a_volunteers_code_and_checks_them_in(client, vol, volunteer, activity):
    slot = activity.slots.get()
    signup = services.signup_create(actor=volunteer.user, slot=slot)
    with time_machine.travel(slot.starts_at - timedelta(minutes=5)):
        client.force_login(vol.grid_worker)
        page = client.get(f"/volunteers/staff/scan/{volunteer.code}/").content.decode()
        assert activity.title in page
        client.post(f"/volunteers/staff/signups/{signup.pk}/check/in/")
    signup.refresh_from_db()
    assert signup.checked_in_at is not None
    with time_machine.travel(slot.starts_at):
        client.force_login(vol.cast.taigu_supervisor)
        assert client.post(f"/volunteers/staff/signups/{signup.pk}/check/out/").status_code == 404


def test_a_correction_without_reason_is_refused_on_the_page(client, vol, volunteer, activity):
    slot = activity.slots.get()
    signup = services.signup_create(actor=volunteer.user, slot=slot)
    with time_machine.travel(slot.starts_at):
        services.signup_check_in(actor=volunteer.user, signup=signup)
    with time_machine.travel(slot.starts_at + timedelta(minutes=30)):
        entry = services.signup_check_out(actor=volunteer.user, signup=signup)
    client.force_login(vol.grid_worker)
    response = client.post(f"/volunteers/staff/hours/{entry.pk}/correct/", {"minutes": 60, "reason": ""})
    assert "请填写更正原因" in said(response)
    assert HoursEntry.objects.count() == 1
    client.post(f"/volunteers/staff/hours/{entry.pk}/correct/", {"minutes": 60, "reason": "忘记签退"})
    assert sorted(HoursEntry.objects.values_list("minutes", flat=True)) == [30, 30]


def test_a_certificate_prints_and_its_code_is_checked_publicly(client, vol, volunteer, activity):
    slot = activity.slots.get()
    signup = services.signup_create(actor=volunteer.user, slot=slot)
    with time_machine.travel(slot.starts_at):
        services.signup_check_in(actor=volunteer.user, signup=signup)
    with time_machine.travel(slot.starts_at + timedelta(hours=2)):
        services.signup_check_out(actor=volunteer.user, signup=signup)
    client.force_login(volunteer.user)
    response = client.post("/volunteers/hours/certificate/")
    certificate = Certificate.objects.get()
    assert response.url == f"/volunteers/certificates/{certificate.code}/"
    page = client.get(response.url).content.decode()
    assert volunteer.name in page and certificate.code in page and "<svg" in page
    client.logout()
    public = client.get(f"/volunteers/verify/?code={certificate.code}").content.decode()
    assert 'data-verified="yes"' in public and volunteer.masked_name in public and volunteer.name not in public
    assert 'data-verified="no"' in client.get("/volunteers/verify/?code=ABCDEFGHJK").content.decode()
    assert client.get(f"/volunteers/certificates/{certificate.code}/").status_code == 302  # to sign-in


def test_staff_publish_an_activity_for_a_person_in_care_and_see_why_volunteers_are_suggested(client, vol):
    from care import services as care_services

    person = care_services.person_register(actor=vol.cast.root, name="王秀英", id_number=id_number("19400315", "002"),
                                           unit=vol.cast.community)
    make_volunteer(vol, phone="13900008004", seq="075", availability={})
    client.force_login(vol.grid_worker)
    assert person.masked_name in client.get(f"/volunteers/staff/activities/new/?care_person={person.pk}").content.decode()
    form = {"title": "探访王奶奶", "unit": vol.cast.community.pk, "place": "顺城街12号", "need_source": "care",
            "care_person": person.pk, "skills": [vol.skills["companionship"].pk], "withdraw_cutoff_hours": 12,
            "slot1_start": "2030-06-01T09:00", "slot1_end": "2030-06-01T08:00", "slot1_capacity": 2}
    response = client.post("/volunteers/staff/activities/new/", form)
    assert response.status_code == 400 and "结束时间早于开始时间" in response.content.decode()
    assert not Activity.objects.exists()
    response = client.post("/volunteers/staff/activities/new/", {**form, "slot1_end": "2030-06-01T11:00"})
    activity = Activity.objects.get()
    assert response.url == reverse("volunteers:staff_activity", args=[activity.pk])
    assert activity.care_person_id == person.pk
    page = client.get(response.url).content.decode()
    assert "技能：陪伴聊天" in page and "同一单位服务" in page and "<svg" in page
    snippet = client.get(f"/volunteers/staff/activities/{activity.pk}/").content.decode()
    assert "探访王奶奶" in snippet


def test_the_person_snippet_lists_the_activities_serving_them(rf, vol):
    from django.template.loader import render_to_string

    from volunteers.selectors import activities_for_person

    activity = make_activity(vol, care_person_id=None)
    Activity.objects.filter(pk=activity.pk).update(care_person_id=42, need_source="care")
    html = render_to_string("volunteers/_person_activities.html",
                            {"activities": activities_for_person(42), "person_id": 42})
    assert activity.title in html and "?care_person=42" in html


def test_a_volunteer_sees_my_hours_in_the_menu_once_they_have_a_profile(client, vol, volunteer):
    client.force_login(volunteer.user)
    html = client.get("/").content.decode()
    assert 'data-menu="volunteers.hours"' in html and 'data-menu="volunteers.home"' in html
    assert client.get("/volunteers/hours/").status_code == 200
    assert client.get("/volunteers/hours/qr.svg")["Content-Type"] == "image/svg+xml"
