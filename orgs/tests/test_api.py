"""The read-only org network of the JSON API: a client learns the place codes it may use, and no more."""


from accounts.apikeys import apikey_issue, apikey_revoke
from accounts.tokens import token_issue

UNITS, DEPARTMENTS = "/api/v1/orgs/units", "/api/v1/orgs/departments"


def get(client, url, clear):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {clear}")


def test_a_person_sees_the_units_and_departments_of_their_scope(cast, client):
    _token, clear = token_issue(actor=cast.root, user=cast.dispatcher, name="desk app")
    units = {u["code"]: u for u in get(client, UNITS, clear).json()}
    assert cast.yuci.code in units and cast.community.code in units
    assert cast.taigu.code not in units and cast.city.code not in units
    assert units[cast.community.code]["parent_code"] == cast.community.parent.code
    departments = {d["name"] for d in get(client, DEPARTMENTS, clear).json()}
    assert cast.yuci_health.name in departments and cast.taigu_health.name not in departments


def test_an_organisations_key_sees_the_units_it_may_file_for(cast, client):
    key, clear = apikey_issue(actor=cast.root, organisation="FixMyStreet 晋中", units=[cast.yuci])
    codes = [u["code"] for u in get(client, UNITS, clear).json()]
    assert cast.yuci.code in codes and cast.community.code in codes and cast.taigu.code not in codes
    assert codes[0] == cast.yuci.code  # top of its tree first
    departments = {d["name"] for d in get(client, DEPARTMENTS, clear).json()}
    assert cast.yuci_health.name in departments and cast.taigu_health.name not in departments
    apikey_revoke(actor=cast.root, key=key)
    assert get(client, UNITS, clear).status_code == 401


def test_a_key_that_only_files_or_only_reads_still_lists_its_places(cast, client):
    for flags in ({"may_read": False}, {"may_create": False}):
        _key, clear = apikey_issue(actor=cast.root, organisation="FixMyStreet 晋中", units=[cast.yuci], **flags)
        codes = {u["code"] for u in get(client, UNITS, clear).json()}
        assert cast.community.code in codes and cast.taigu.code not in codes


def test_without_credentials_nothing_is_listed(client):
    assert client.get(UNITS).status_code == 401
