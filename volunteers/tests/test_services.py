from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.errors import BadInput, InvalidTransition, NotAllowed
from core.models import AuditEvent
from volunteers import selectors, services
from volunteers.models import (
    Certificate,
    EntryKind,
    HoursEntry,
    Invitation,
    Organisation,
    OrganisationKind,
    Signup,
    SignupStatus,
    Slot,
    Volunteer,
    VolunteerStatus,
)
from volunteers.tests.conftest import id_number, make_activity, make_volunteer, resident


def audit_verbs():
    return list(AuditEvent.objects.filter(verb__startswith="volunteers.").order_by("pk").values_list("verb", flat=True))


# --- organisations and profiles -------------------------------------------------------------------------

def test_a_credit_code_is_checked_when_given_and_kept_upper_case(vol):
    org = services.organisation_save(actor=vol.cast.root, organisation=Organisation(
        name="榆次区阳光社工服务中心", kind=OrganisationKind.AGENCY, unit=vol.cast.yuci,
        credit_code="91110000600037341l"))
    assert org.credit_code == "91110000600037341L"
    with pytest.raises(BadInput):
        services.organisation_save(actor=vol.cast.root, organisation=Organisation(
            name="假机构", kind=OrganisationKind.AGENCY, unit=vol.cast.yuci, credit_code="911100006000373410"))
    assert Organisation.objects.filter(name="假机构").count() == 0


def test_an_organisation_outside_the_scope_is_refused(vol):
    with pytest.raises(NotAllowed):
        services.organisation_save(actor=vol.grid_worker, organisation=Organisation(
            name="太谷队", kind=OrganisationKind.TEAM, unit=vol.cast.village))


def test_applying_keeps_the_id_number_encrypted_and_needs_consent(vol):
    user = resident("13900003333")
    with pytest.raises(BadInput):
        services.volunteer_apply(actor=user, name="张丽娟", id_number=id_number(), unit=vol.cast.community,
                                 consent=False)
    with pytest.raises(BadInput):
        services.volunteer_apply(actor=user, name="张丽娟", id_number="140702199003150021", unit=vol.cast.community,
                                 consent=True)  # wrong check digit
    assert not Volunteer.objects.exists()
    volunteer = services.volunteer_apply(actor=user, name="张丽娟", id_number=id_number(), unit=vol.cast.community,
                                         skills=[vol.skills["tutoring"]], availability={"2": ["evening"]},
                                         consent=True)
    assert volunteer.status == VolunteerStatus.APPLIED and volunteer.consent_at is not None
    assert volunteer.masked_id_number == id_number()[:4] + "*" * 10 + id_number()[-4:]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM volunteers_volunteer WHERE id = %s", [volunteer.pk])
        stored = cursor.fetchone()[0]
    assert id_number() not in stored
    with pytest.raises(BadInput):  # the same ID on another account
        services.volunteer_apply(actor=resident("13900004444"), name="张丽娟", id_number=id_number(),
                                 unit=vol.cast.community, consent=True)
    assert audit_verbs()[-1:] == ["volunteers.volunteer.apply"]


def test_approval_takes_the_id_checked_once_and_a_scope(vol):
    volunteer = make_volunteer(vol, approve=False)
    with pytest.raises(BadInput):
        services.volunteer_decide(actor=vol.grid_worker, volunteer=volunteer, approve=True)
    with pytest.raises(NotAllowed):
        services.volunteer_decide(actor=vol.cast.taigu_supervisor, volunteer=volunteer, approve=True, id_checked=True)
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.APPLIED and volunteer.id_checked_at is None
    services.volunteer_decide(actor=vol.grid_worker, volunteer=volunteer, approve=True, id_checked=True)
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.APPROVED and volunteer.id_checked_by == vol.grid_worker
    assert "volunteers.volunteer.approve" in audit_verbs()


def test_refusing_needs_a_note(vol):
    volunteer = make_volunteer(vol, approve=False)
    with pytest.raises(BadInput):
        services.volunteer_decide(actor=vol.grid_worker, volunteer=volunteer, approve=False, note="")
    services.volunteer_decide(actor=vol.grid_worker, volunteer=volunteer, approve=False, note="不在本社区居住")
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.REFUSED and volunteer.decision_note == "不在本社区居住"


# --- activities -----------------------------------------------------------------------------------------

def test_an_activity_refuses_overlapping_and_past_slots(vol):
    start = timezone.now() + timedelta(days=1)
    overlapping = [services.SlotInput(start, start + timedelta(hours=2), 2),
                   services.SlotInput(start + timedelta(hours=1), start + timedelta(hours=3), 2)]
    with pytest.raises(BadInput):
        services.activity_create(actor=vol.grid_worker, title="t", unit=vol.cast.community, place="p",
                                 slots=overlapping)
    with pytest.raises(BadInput):
        services.activity_create(actor=vol.grid_worker, title="t", unit=vol.cast.community, place="p",
                                 slots=[services.SlotInput(start - timedelta(days=2), start, 2)])
    with pytest.raises(NotAllowed):
        make_activity(vol, actor=vol.grid_worker, unit=vol.cast.village)
    assert not Slot.objects.exists()


def test_a_care_persons_need_links_the_person_in_scope_only(vol):
    from care import services as care_services

    person = care_services.person_register(actor=vol.cast.root, name="王秀英", id_number=id_number("19400315", "002"),
                                           unit=vol.cast.community)
    activity = make_activity(vol, care_person_id=person.pk)
    assert activity.need_source == "care"
    assert list(selectors.activities_for_person(person.pk)) == [activity]
    other = care_services.person_register(actor=vol.cast.root, name="赵桂兰", id_number=id_number("19380101", "004",
                                                                                                 "140703"),
                                          unit=vol.cast.village)
    with pytest.raises(BadInput):  # 太谷区's person is outside the grid worker's scope
        make_activity(vol, care_person_id=other.pk)


# --- sign-ups -------------------------------------------------------------------------------------------

def test_signing_up_twice_or_beyond_capacity_is_refused_and_nothing_is_lost(vol, volunteer):
    activity = make_activity(vol, capacity=1)
    slot = activity.slots.get()
    services.signup_create(actor=volunteer.user, slot=slot)
    with pytest.raises(BadInput):
        services.signup_create(actor=volunteer.user, slot=slot)
    other = make_volunteer(vol, phone="13900005555", name="周红霞", seq="024")
    with pytest.raises(InvalidTransition):
        services.signup_create(actor=other.user, slot=slot)
    slot.refresh_from_db()
    assert slot.taken == 1
    assert list(Signup.objects.values_list("volunteer", flat=True)) == [volunteer.pk]


def test_an_applicant_not_yet_approved_cannot_sign_up(vol, activity):
    applicant = make_volunteer(vol, approve=False)
    with pytest.raises(NotAllowed):
        services.signup_create(actor=applicant.user, slot=activity.slots.get())
    assert not Signup.objects.exists()


def test_withdrawing_frees_the_place_until_the_cutoff(vol, volunteer):
    activity = make_activity(vol, starts_in=timedelta(days=2), withdraw_cutoff_hours=12, capacity=1)
    slot = activity.slots.get()
    signup = services.signup_create(actor=volunteer.user, slot=slot)
    services.signup_withdraw(actor=volunteer.user, signup=signup)
    slot.refresh_from_db()
    assert slot.taken == 0 and Signup.objects.get().status == SignupStatus.WITHDRAWN
    again = services.signup_create(actor=volunteer.user, slot=slot)  # a withdrawn sign-up does not block
    with time_machine.travel(slot.starts_at - timedelta(hours=6)), pytest.raises(InvalidTransition):
        services.signup_withdraw(actor=volunteer.user, signup=again)
    slot.refresh_from_db()
    assert slot.taken == 1


# --- check-in, check-out and the ledger ---------------------------------------------------------------

def test_check_out_before_check_in_is_refused_and_records_nothing(vol, volunteer, activity):
    slot = activity.slots.get()
    signup = services.signup_create(actor=volunteer.user, slot=slot)
    with time_machine.travel(slot.starts_at + timedelta(minutes=5)):
        with pytest.raises(InvalidTransition):
            services.signup_check_out(actor=volunteer.user, signup=signup)
    signup.refresh_from_db()
    assert signup.checked_out_at is None and not HoursEntry.objects.exists()


def test_check_in_opens_an_hour_before_and_check_out_records_the_minutes(vol, volunteer, activity):
    slot = activity.slots.get()
    signup = services.signup_create(actor=volunteer.user, slot=slot)
    with time_machine.travel(slot.starts_at - timedelta(hours=2)), pytest.raises(InvalidTransition):
        services.signup_check_in(actor=volunteer.user, signup=signup)
    with time_machine.travel(slot.starts_at - timedelta(minutes=10)):
        services.signup_check_in(actor=volunteer.user, signup=signup)
    with time_machine.travel(slot.starts_at + timedelta(minutes=95)):
        entry = services.signup_check_out(actor=vol.grid_worker, signup=signup)  # the organiser scans them out
        with pytest.raises(InvalidTransition):
            services.signup_check_out(actor=volunteer.user, signup=signup)
    assert entry.minutes == 105 and entry.kind == EntryKind.SERVICE and entry.unit == vol.cast.community
    assert selectors.total_minutes(volunteer) == 105
    assert audit_verbs()[-2:] == ["volunteers.signup.check_in", "volunteers.signup.check_out"]


def test_minutes_are_capped_at_the_slot_length(vol, volunteer, activity):
    slot = activity.slots.get()
    signup = services.signup_create(actor=volunteer.user, slot=slot)
    with time_machine.travel(slot.starts_at - timedelta(minutes=30)):
        services.signup_check_in(actor=volunteer.user, signup=signup)
    with time_machine.travel(slot.ends_at + timedelta(hours=3)):
        entry = services.signup_check_out(actor=volunteer.user, signup=signup)
    assert entry.minutes == slot.minutes == 120


def test_someone_else_cannot_check_a_volunteer_in(vol, volunteer, activity):
    slot = activity.slots.get()
    signup = services.signup_create(actor=volunteer.user, slot=slot)
    with time_machine.travel(slot.starts_at), pytest.raises(NotAllowed):
        services.signup_check_in(actor=vol.cast.taigu_supervisor, signup=signup)


def served(vol, volunteer, activity, minutes=90):
    slot = activity.slots.get()
    signup = services.signup_create(actor=volunteer.user, slot=slot)
    with time_machine.travel(slot.starts_at):
        services.signup_check_in(actor=volunteer.user, signup=signup)
    with time_machine.travel(slot.starts_at + timedelta(minutes=minutes)):
        return services.signup_check_out(actor=volunteer.user, signup=signup)


def test_a_correction_without_reason_is_refused_and_a_correction_adds_a_row(vol, volunteer, activity):
    entry = served(vol, volunteer, activity)
    with pytest.raises(BadInput):
        services.hours_correct(actor=vol.grid_worker, entry=entry, minutes=120, reason="  ")
    assert HoursEntry.objects.count() == 1
    correction = services.hours_correct(actor=vol.grid_worker, entry=entry, minutes=120, reason="签退时手机没电，实际服务两小时")
    entry.refresh_from_db()
    assert entry.minutes == 90  # never edited
    assert (correction.kind, correction.minutes, correction.corrects) == (EntryKind.CORRECTION, 30, entry)
    assert selectors.total_minutes(volunteer) == 120
    event = AuditEvent.objects.get(verb="volunteers.hours.correct")
    assert event.data["reason"] == "签退时手机没电，实际服务两小时" and event.actor == vol.grid_worker
    with pytest.raises(NotAllowed):
        services.hours_correct(actor=vol.cast.taigu_supervisor, entry=entry, minutes=10, reason="x")
    with pytest.raises(NotAllowed):  # the volunteer does not correct their own hours
        services.hours_correct(actor=volunteer.user, entry=entry, minutes=300, reason="多记一点")


def test_a_certificate_carries_the_total_and_a_code_anyone_can_verify(vol, volunteer, activity):
    served(vol, volunteer, activity, minutes=90)
    certificate = services.certificate_issue(actor=volunteer.user, volunteer=volunteer)
    assert (certificate.minutes, certificate.activities) == (90, 1)
    assert selectors.certificate_by_code(certificate.code.lower()) == certificate
    assert selectors.certificate_by_code("NOTACODE00") is None
    with pytest.raises(NotAllowed):
        services.certificate_issue(actor=vol.grid_worker, volunteer=volunteer)
    assert Certificate.objects.count() == 1


# --- matching and invitations -------------------------------------------------------------------------

def test_suggestions_rank_by_skill_nearness_and_availability_and_say_why(vol, activity):
    saturday_morning = {"5": ["morning"]}
    near = make_volunteer(vol, phone="13900006001", name="近邻", seq="031", skills=("companionship",),
                          availability=saturday_morning)
    far = make_volunteer(vol, phone="13900006002", name="远方", seq="033", unit=vol.ruyi, skills=("repair",),
                         availability={})
    suggestions = selectors.suggestions(vol.grid_worker, activity)
    order = [s.volunteer for s in suggestions]
    assert order.index(near) < order.index(far)
    from core.notes import render

    reasons = {s.volunteer.pk: render(s.reasons) for s in suggestions}
    assert "陪伴聊天" in reasons[near.pk]
    assert "陪伴聊天" not in reasons[far.pk]


def test_an_invitation_is_sent_once_by_sms(vol, activity, sms_outbox, django_capture_on_commit_callbacks):
    volunteer = make_volunteer(vol, phone="13900007001", seq="041")
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(actor=vol.grid_worker, activity=activity, volunteer=volunteer, reasons=[])
    assert [phone for phone, _text in sms_outbox] == ["13900007001"]
    assert "陪独居老人聊天" in sms_outbox[0][1]
    with pytest.raises(BadInput):
        services.invitation_send(actor=vol.grid_worker, activity=activity, volunteer=volunteer)
    assert services.invitations_deliver() == 0  # nothing left to send
    assert Invitation.objects.get().notified_at is not None
    assert list(selectors.invitations_for(volunteer)) == [Invitation.objects.get()]


# --- indicators -----------------------------------------------------------------------------------------

def test_indicators_count_hours_volunteers_and_activities_of_a_unit_and_period(vol, volunteer, activity):
    entry = served(vol, volunteer, activity, minutes=90)
    services.hours_correct(actor=vol.grid_worker, entry=entry, minutes=120, reason="补录")
    day = entry.served_on
    assert selectors.service_hours(vol.cast.beiguan, day, day) == 2.0
    assert selectors.active_volunteers(vol.cast.yuci, day, day) == 1
    assert selectors.activities_held(vol.cast.city, day, day) == 1
    assert selectors.service_hours(vol.cast.taigu, day, day) == 0
    assert selectors.service_hours(vol.cast.yuci, day + timedelta(days=1), day + timedelta(days=9)) == 0
    assert selectors.volunteers_registered(vol.cast.community) == 1
