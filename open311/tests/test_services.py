"""open311.services: a service request becomes an appeal filed by the organisation's API key (the
CREATE event names it) with its submission beside it, in one transaction; a key outside its units is
refused with nothing written."""

import pytest

from appeals.models import Action, Appeal, AppealEvent, Channel, IdempotencyKey
from core.errors import NotAllowed
from open311.models import Open311Submission
from open311.selectors import service_by_code
from open311.services import ServiceRequest, open311_request_submit

pytestmark = pytest.mark.django_db


def submitted(**overrides):
    fields = {"description": "楼道灯坏了三天", "email": "a@example.com", "jurisdiction_id": "jz.gov.cn"}
    return ServiceRequest(service=service_by_code("complaint"), **(fields | overrides))


def test_the_key_files_the_appeal_and_the_submission_names_its_organisation(cast, keys):
    _raw, key = keys.issue([cast.yuci])
    appeal = open311_request_submit(api_key=key, request=submitted(place=cast.community))
    assert appeal.channel == Channel.OPEN311 and appeal.place == cast.community and appeal.created_by is None
    event = AppealEvent.objects.get(appeal=appeal, action=Action.CREATE)
    assert event.api_key == key and event.api_key.organisation == "FixMyStreet 晋中" and event.actor is None
    submission = Open311Submission.objects.get(appeal=appeal)
    assert submission.api_key_id == key.pk and submission.organisation == "FixMyStreet 晋中"
    assert submission.email == "a@example.com" and submission.service_code == "complaint"


def test_without_a_place_the_keys_own_unit_is_used(cast, keys):
    _raw, key = keys.issue([cast.taigu])
    appeal = open311_request_submit(api_key=key, request=submitted(description="门口垃圾没人清"))
    assert appeal.place == cast.taigu


@pytest.mark.parametrize("place", ["outside", "inferred outside"])
def test_a_key_outside_its_units_is_refused_and_nothing_is_written(cast, keys, english, place):
    _raw, key = keys.issue([cast.taigu])
    request = (submitted(place=cast.community) if place == "outside"
               else submitted(address="榆次区北关街道顺城社区3号楼"))
    with pytest.raises(NotAllowed, match="api_key may not submit service requests for"):
        open311_request_submit(api_key=key, request=request)
    assert not Appeal.objects.exists() and not AppealEvent.objects.exists()
    assert not Open311Submission.objects.exists() and not IdempotencyKey.objects.exists()
