"""居住确认: a resident's own word about where they live waits for the community's staff; until they
confirm it, the community's rules say what the resident may do (by default: propose and comment, not
support, vote or rate). Staff confirm or refuse with a reason the resident reads; every decision is
audited, and a refusal leaves everything else as it was."""

import pytest

from core.errors import BadInput, InvalidTransition, NotAllowed
from core.models import AuditEvent
from deliberation import permissions, services
from deliberation.models import Comment, Residency, ResidencyStatus, Support, Topic
from deliberation.tests.conftest import accepted, make_resident


def newcomer(hall, phone="13600000001"):
    """A resident who has just said they live in the hall's community (not confirmed)."""
    return make_resident(phone, hall.unit)


def fresh(user):
    permissions.forget_residency(user)
    return user


def test_a_residents_own_declaration_waits_and_by_default_they_speak_but_do_not_count(hall):
    topic = accepted(hall)
    person = newcomer(hall)
    residency = person.deliberation_residencies.get()
    assert residency.status == ResidencyStatus.PENDING and residency.recorded_by is None
    # Speaking is open: a proposal and a comment.
    services.topic_propose(actor=person, unit=hall.unit, title="楼下增设快递柜", description="快递经常丢。")
    services.comment_post(actor=person, topic=topic, text="我也觉得应该加装。")
    # Counting is not: support, with the reason in Chinese, and nothing saved.
    with pytest.raises(NotAllowed, match="确认"):
        services.topic_support(actor=person, topic=topic)
    assert not Support.objects.filter(resident=person).exists()


def test_staff_confirm_on_the_page_and_the_residents_support_then_counts(client, hall):
    topic = accepted(hall)
    person = newcomer(hall)
    client.force_login(hall.staff)
    page = client.get("/deliberation/staff/residents/").content.decode()
    residency = person.deliberation_residencies.get()
    assert f'data-residency="{residency.pk}"' in page
    assert person.phone not in page and person.masked_phone in page  # the phone is masked
    assert "3号楼" in page
    response = client.post(f"/deliberation/staff/residents/{residency.pk}/", {"decision": "confirm"})
    assert response.status_code == 302
    residency.refresh_from_db()
    assert residency.status == ResidencyStatus.CONFIRMED and residency.reviewed_by == hall.staff
    assert AuditEvent.objects.filter(verb="deliberation.residency.confirm", actor=hall.staff).exists()
    assert f'data-residency="{residency.pk}"' not in client.get("/deliberation/staff/residents/").content.decode()
    assert services.topic_support(actor=fresh(person), topic=topic) is True


def test_a_refusal_needs_a_reason_the_resident_then_reads_and_they_may_declare_again(client, hall):
    person = newcomer(hall)
    residency = person.deliberation_residencies.get()
    with pytest.raises(BadInput):
        services.residency_reject(actor=hall.staff, residency=residency, reason="  ")
    residency.refresh_from_db()
    assert residency.status == ResidencyStatus.PENDING and residency.ended_at is None

    client.force_login(hall.staff)
    client.post(
        f"/deliberation/staff/residents/{residency.pk}/",
        {"decision": "reject", "reason": "本社区无此门牌，请核对楼号。"},
    )
    residency.refresh_from_db()
    assert residency.status == ResidencyStatus.REJECTED and residency.ended_at is not None
    assert AuditEvent.objects.filter(verb="deliberation.residency.reject").exists()

    client.force_login(person)
    page = client.get("/deliberation/residency/").content.decode()
    assert "本社区无此门牌，请核对楼号。" in page and 'data-residency-status="rejected"' in page
    assert permissions.residency_of(fresh(person)) is None  # no longer counted as living there
    client.post("/deliberation/residency/", {"unit": hall.unit.pk, "address": "7号楼2单元"})
    again = Residency.objects.get(resident=person, ended_at__isnull=True)
    assert again.status == ResidencyStatus.PENDING and again.pk != residency.pk
    page = client.get("/deliberation/residency/").content.decode()
    assert "本社区无此门牌" not in page and 'data-residency-status="pending"' in page


def test_only_the_communitys_own_staff_confirm_and_a_decided_declaration_stays_decided(client, hall):
    person = newcomer(hall)
    residency = person.deliberation_residencies.get()
    with pytest.raises(NotAllowed):
        services.residency_confirm(actor=hall.village_staff, residency=residency)  # 东阳村's staff
    with pytest.raises(NotAllowed):
        services.residency_confirm(actor=hall.resident, residency=residency)
    client.force_login(hall.village_staff)
    assert f'data-residency="{residency.pk}"' not in client.get("/deliberation/staff/residents/").content.decode()
    client.post(f"/deliberation/staff/residents/{residency.pk}/", {"decision": "confirm"})
    residency.refresh_from_db()
    assert residency.status == ResidencyStatus.PENDING
    client.force_login(hall.resident)
    assert client.get("/deliberation/staff/residents/").status_code in (302, 403)

    services.residency_confirm(actor=hall.staff, residency=residency)
    with pytest.raises(InvalidTransition):
        services.residency_reject(actor=hall.staff, residency=residency, reason="弄错了")
    residency.refresh_from_db()
    assert residency.status == ResidencyStatus.CONFIRMED


def test_a_grid_workers_record_is_confirmed_at_once(hall):
    person = make_resident("13600000002")
    residency = services.residency_declare(actor=hall.cast.grid_worker, unit=hall.unit, resident=person)
    assert residency.status == ResidencyStatus.CONFIRMED and residency.reviewed_by == hall.cast.grid_worker
    # A resident's own pending declaration is confirmed when their grid worker records it too.
    other = newcomer(hall, "13600000003")
    services.residency_declare(actor=hall.cast.grid_worker, unit=hall.unit, resident=other)
    assert other.deliberation_residencies.get().status == ResidencyStatus.CONFIRMED


def _rules(hall, unconfirmed_may):
    return services.rules_save(
        actor=hall.staff,
        unit=hall.unit,
        quorum_percent=67,
        majority="half",
        weekly_limit=3,
        discussion_days=14,
        rating_days=14,
        online_voting=False,
        unconfirmed_may=unconfirmed_may,
    )


def test_the_community_decides_what_unconfirmed_residents_may_do(hall):
    topic = accepted(hall)
    person = newcomer(hall)
    _rules(hall, "read")
    with pytest.raises(NotAllowed, match="确认"):
        services.topic_propose(actor=fresh(person), unit=hall.unit, title="增设快递柜", description="快递经常丢。")
    with pytest.raises(NotAllowed):
        services.comment_post(actor=fresh(person), topic=topic, text="同意")
    assert not Topic.objects.filter(proposer=person).exists() and not Comment.objects.filter(author=person).exists()
    _rules(hall, "all")
    assert services.topic_support(actor=fresh(person), topic=topic) is True
    with pytest.raises(BadInput):
        _rules(hall, "nobody")


def test_the_rules_page_saves_the_setting_and_the_topic_page_explains_it(client, hall):
    topic = accepted(hall)
    person = newcomer(hall)
    client.force_login(hall.staff)
    form = {
        "unit": hall.unit.pk,
        "quorum_percent": 67,
        "majority": "half",
        "weekly_limit": 3,
        "discussion_days": 14,
        "rating_days": 14,
        "unconfirmed_may": "read",
    }
    client.post("/deliberation/staff/rules/", form)
    assert services.HallRules.for_unit(hall.unit).unconfirmed_may == "read"
    client.force_login(person)
    page = client.get(f"/deliberation/t/{topic.pk}/").content.decode()
    assert "data-awaiting-confirmation" in page and f'action="/deliberation/t/{topic.pk}/support/"' not in page
    assert 'id="comment-text"' not in page  # nothing to write with until confirmed
    residency_page = client.get("/deliberation/residency/").content.decode()
    assert "data-meanwhile" in residency_page
    client.force_login(hall.neighbours[0])  # confirmed: the button is there
    page = client.get(f"/deliberation/t/{topic.pk}/").content.decode()
    assert f'action="/deliberation/t/{topic.pk}/support/"' in page and "data-awaiting-confirmation" not in page
