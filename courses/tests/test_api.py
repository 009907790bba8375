"""The JSON API: the catalogue, a course's lessons (refused until enrolled), enrolling (a second time
refused), cancelling and the resident's enrolments with their progress; staff cannot enrol."""

from accounts.tokens import token_issue
from courses import services


def test_the_catalogue_lists_published_courses_with_filters(client, crs):
    client.force_login(crs.people[0])
    data = client.get("/api/v1/courses/").json()
    assert data["count"] == 2
    assert {c["title"] for c in data["items"]} == {"民族舞基础班", "太谷秧歌线上课"}
    data = client.get("/api/v1/courses/", {"category": "dance", "unit": crs.cast.community.code}).json()
    assert [c["title"] for c in data["items"]] == ["民族舞基础班"]
    assert data["items"][0]["capacity"] == 2 and data["items"][0]["enrolled"] == 0
    assert client.get("/api/v1/courses/", {"unit": "999999999999"}).status_code == 404
    assert client.get(f"/api/v1/courses/{crs.online.pk}").json()["lessons"] == 2
    assert client.get("/api/v1/courses/99999999999999999999").status_code == 422
    assert client.get("/api/v1/courses/2147483647").status_code == 404


def test_lessons_are_refused_until_the_resident_enrols_then_listed_with_their_urls(client, crs):
    resident = crs.people[0]
    client.force_login(resident)
    refused = client.get(f"/api/v1/courses/{crs.online.pk}/lessons")
    assert refused.status_code == 403 and "报名" in refused.json()["detail"]
    created = client.post(f"/api/v1/courses/{crs.online.pk}/enrolments")
    assert created.status_code == 201 and created.json()["state"] == "enrolled"
    lessons = client.get(f"/api/v1/courses/{crs.online.pk}/lessons").json()
    assert [item["kind"] for item in lessons] == ["pdf", "audio"]
    assert lessons[1]["url"].endswith(f"/courses/lessons/{crs.audio.pk}/file/")
    again = client.post(f"/api/v1/courses/{crs.online.pk}/enrolments")
    assert again.status_code == 400 and "已报名" in again.json()["detail"]


def test_a_residents_enrolments_with_progress_and_cancelling_by_token(client, crs):
    resident = crs.people[0]
    enrolment = services.enrolment_create(actor=resident, course=crs.centre)
    services.attendance_mark(actor=crs.keeper, session=crs.session, enrolment=enrolment)
    _token, secret = token_issue(actor=crs.cast.root, user=resident, name="app")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    items = client.get("/api/v1/courses/enrolments", **auth).json()
    assert items[0]["progress"]["sessions_attended"] == 1 and items[0]["progress"]["completed"] is True
    cancelled = client.post(f"/api/v1/courses/enrolments/{enrolment.pk}/cancel", **auth)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert client.post(f"/api/v1/courses/enrolments/{enrolment.pk}/cancel", **auth).status_code == 409


def test_staff_cannot_enrol_and_visitors_must_authenticate(client, crs):
    assert client.get("/api/v1/courses/").status_code == 401
    client.force_login(crs.keeper)
    assert client.post(f"/api/v1/courses/{crs.centre.pk}/enrolments").status_code == 403


def test_an_organisations_key_reads_the_catalogue_and_open_lessons_only(client, crs):
    from accounts.apikeys import apikey_issue
    from courses.models import Course

    _key, clear = apikey_issue(actor=crs.cast.root, organisation="文化云", units=[crs.cast.yuci])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {clear}"}
    assert client.get("/api/v1/courses/", **auth).json()["count"] == 2
    assert client.get(f"/api/v1/courses/{crs.online.pk}/lessons", **auth).status_code == 403
    Course.objects.filter(pk=crs.online.pk).update(open_lessons=True)
    assert len(client.get(f"/api/v1/courses/{crs.online.pk}/lessons", **auth).json()) == 2
    assert client.get("/api/v1/courses/enrolments", **auth).status_code == 403
