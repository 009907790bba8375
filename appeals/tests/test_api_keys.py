"""An integrating organisation's API key as an actor of the appeals loop: appeal_create files as the
key, only where it may create, and its CREATE event names the key (shown with the organisation on the
staff timeline); a refusal changes nothing; appeals_visible_to(key) is the appeals placed in its
units; and the key may take no action on an appeal (it holds no role)."""

import pytest
from django.urls import reverse

from accounts.apikeys import apikey_issue, apikey_revoke
from appeals import permissions
from appeals.models import Action, Appeal, AppealEvent, AppealType, Channel, IdempotencyKey
from appeals.selectors import appeals_visible_to
from appeals.services import Idempotency, Intake, appeal_create, appeal_create_idempotent
from appeals.tests.conftest import new_appeal
from core.errors import NotAllowed


def issue(cast, *units, **flags):
    key, _raw = apikey_issue(actor=cast.root, organisation="FixMyStreet 晋中", units=units or [cast.yuci], **flags)
    return key


def intake(place, **overrides):
    return Intake(title="路灯不亮", description="顺城街东口三盏路灯连续一周不亮。", appeal_type=AppealType.COMPLAINT,
                  channel=overrides.pop("channel", Channel.API), place=place, **overrides)


def test_a_key_files_in_its_units_and_the_event_names_it(cast):
    key = issue(cast)
    appeal = appeal_create(actor=key, data=intake(cast.community))
    assert appeal.created_by is None and appeal.resident is None
    event = AppealEvent.objects.get(appeal=appeal)
    assert event.action == Action.CREATE and event.actor is None and event.api_key == key


@pytest.mark.parametrize("case", ["outside", "no place", "may not create", "revoked", "hotline"])
def test_a_key_is_refused_and_nothing_is_written(cast, case):
    key = issue(cast, may_create=case != "may not create")
    place = {"outside": cast.village, "no place": None}.get(case, cast.community)  # no place: the whole city
    if case == "revoked":
        apikey_revoke(actor=cast.root, key=key)
    data = intake(place, channel=Channel.HOTLINE if case == "hotline" else Channel.API)
    with pytest.raises(NotAllowed):
        appeal_create_idempotent(actor=key, data=data, idempotency=Idempotency("apikey:1", "k", "f"))
    assert not Appeal.objects.exists() and not AppealEvent.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_the_refusal_names_the_place_unless_the_key_may_not_create_at_all(cast, english):
    with pytest.raises(permissions.KeyMayNotCreate, match="东阳村") as refused:
        appeal_create(actor=issue(cast), data=intake(cast.village))
    assert refused.value.place == cast.village
    with pytest.raises(NotAllowed, match="may not create demands.$"):
        appeal_create(actor=issue(cast, may_create=False), data=intake(cast.community))


def test_a_key_sees_the_appeals_placed_in_its_units_only(cast):
    inside = new_appeal(cast, place=cast.community)
    outside = new_appeal(cast, place=cast.village)  # 太谷区
    assert list(appeals_visible_to(issue(cast))) == [inside]
    assert set(appeals_visible_to(issue(cast, cast.yuci, cast.taigu))) == {inside, outside}
    assert not appeals_visible_to(issue(cast, may_read=False)).exists()
    revoked = issue(cast)
    apikey_revoke(actor=cast.root, key=revoked)
    assert not appeals_visible_to(revoked).exists()


def test_a_key_takes_no_action_on_an_appeal(cast):
    key = issue(cast, cast.city)
    appeal = new_appeal(cast)
    assert not any(permissions.may(key, action, appeal) for action in Action.values)
    assert not permissions.may_record_for_resident(key, cast.community)


def test_the_staff_timeline_shows_the_organisation_that_filed(cast, client):
    appeal = appeal_create(actor=issue(cast), data=intake(cast.community))
    client.force_login(cast.dispatcher)
    page = client.get(reverse("appeals:staff_detail", args=[appeal.code]), HTTP_ACCEPT_LANGUAGE="en")
    timeline = page.content.decode()
    timeline = timeline[timeline.index('class="ev-meta'):]
    assert "FixMyStreet 晋中 (API key)" in timeline
