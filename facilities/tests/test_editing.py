"""Staff edit and remove a facility's photos and edit and retire its bookable resources, through the
services, with the audit trail; a resource with bookings is retired and kept, one never booked removed."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.audit import AuditEvent
from core.errors import BadInput, InvalidTransition, NotAllowed
from facilities import services
from facilities.models import Booking, FacilityPhoto, Resource, ResourceKind, Slot


def _png(name="hall.png"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def photo(fac, media_root):
    return services.facility_photo_add(actor=fac.cast.root, facility=fac.hall, upload=_png(), caption="正门")


def test_staff_change_a_caption_and_remove_a_photo_on_the_page(client, fac, photo, django_capture_on_commit_callbacks):
    client.force_login(fac.cast.root)
    url = f"/facilities/staff/{fac.hall.pk}/"
    assert "正门" in client.get(url).content.decode()
    response = client.post(f"{url}photos/{photo.pk}/", {"caption": "羽毛球场全景"})
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.caption == "羽毛球场全景"
    name, storage = photo.image.name, photo.image.storage
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{url}photos/{photo.pk}/remove/")
    assert response.status_code == 302
    assert not FacilityPhoto.objects.exists() and not storage.exists(name)
    assert client.get(f"/facilities/photos/{photo.pk}/").status_code == 404
    verbs = set(AuditEvent.objects.filter(target_id=str(fac.hall.pk)).values_list("verb", flat=True))
    assert {"facilities.photo.update", "facilities.photo.remove"} <= verbs


def test_someone_outside_the_scope_cannot_touch_a_photo(client, fac, photo):
    with pytest.raises(NotAllowed):
        services.facility_photo_remove(actor=fac.cast.taigu_handler, photo=photo)
    client.force_login(fac.cast.taigu_handler)
    assert client.post(f"/facilities/staff/{fac.hall.pk}/photos/{photo.pk}/remove/").status_code == 404
    assert FacilityPhoto.objects.filter(pk=photo.pk).exists()


def test_editing_a_resource_on_the_page(client, fac):
    client.force_login(fac.cast.root)
    url = f"/facilities/staff/{fac.hall.pk}/resources/{fac.court.pk}/"
    response = client.post(url, {"name": "羽毛球1号场（木地板）", "kind": "venue", "capacity": 4,
                                 "book_cutoff_minutes": 30, "cancel_cutoff_minutes": 120})
    assert response.status_code == 302
    fac.court.refresh_from_db()
    assert fac.court.name == "羽毛球1号场（木地板）" and fac.court.capacity == 4 and fac.court.book_cutoff_minutes == 30
    event = AuditEvent.objects.filter(verb="facilities.resource.update").latest("pk")
    assert event.data["changes"]["capacity"] == ["2", "4"]
    fac.game.refresh_from_db()
    assert fac.game.capacity == 2  # a published slot keeps its places
    # A resource with slots keeps its kind: refused in Chinese, the form comes back with what was typed.
    response = client.post(url, {"name": "改成餐", "kind": "seat", "capacity": 4, "book_cutoff_minutes": 0,
                                 "cancel_cutoff_minutes": 60})
    html = response.content.decode()
    assert response.status_code == 400 and "改成餐" in html and "停用" in html
    fac.court.refresh_from_db()
    assert fac.court.kind == "venue"


def test_a_resource_with_bookings_is_retired_and_kept(client, fac):
    booking = services.booking_create(actor=fac.cast.resident, slot=fac.game)
    client.force_login(fac.cast.root)
    response = client.post(f"/facilities/staff/{fac.hall.pk}/resources/{fac.court.pk}/retire/")
    assert response.status_code == 302
    fac.court.refresh_from_db()
    assert not fac.court.is_active and fac.court.retired_at is not None
    assert Booking.objects.get(pk=booking.pk).state == "confirmed"  # the booking to come stands
    assert Slot.objects.filter(resource=fac.court).exists()
    with pytest.raises(BadInput):  # nothing new is booked
        services.booking_create(actor=fac.family, slot=fac.game)
    with pytest.raises(InvalidTransition):
        services.slot_add(actor=fac.cast.root, resource=fac.court, starts_at=fac.start, ends_at=fac.start)
    html = client.get(f"/facilities/staff/{fac.hall.pk}/").content.decode()
    assert "已停用" in html or "停用" in html
    assert AuditEvent.objects.filter(verb="facilities.resource.retire").exists()


def test_a_resource_never_booked_is_removed(fac):
    spare = services.resource_save(actor=fac.cast.root, resource=Resource(
        facility=fac.hall, name="备用场", kind=ResourceKind.VENUE, capacity=2))
    services.slot_add(actor=fac.cast.root, resource=spare, starts_at=fac.start, ends_at=fac.start.replace(hour=23))
    result = services.resource_retire(actor=fac.cast.root, resource=spare)
    assert result.deleted and not Resource.objects.filter(pk=spare.pk).exists()
    assert AuditEvent.objects.filter(verb="facilities.resource.delete").exists()


def test_only_keepers_edit_or_retire_resources(fac):
    with pytest.raises(NotAllowed):
        services.resource_retire(actor=fac.manager, resource=fac.lunch)  # the canteen's manager runs, not keeps
    fac.court.capacity = 10
    with pytest.raises(NotAllowed):
        services.resource_save(actor=fac.cast.taigu_handler, resource=fac.court)
    fac.court.refresh_from_db()
    assert fac.court.capacity == 2 and fac.court.is_active


def test_a_weekly_pattern_from_the_page(client, fac):
    client.force_login(fac.cast.root)
    response = client.post(f"/facilities/staff/{fac.hall.pk}/resources/{fac.court.pk}/patterns/", {
        "weekdays": ["0", "1", "2", "3", "4"], "starts": "09:00", "ends": "11:00", "capacity": 8, "weeks_ahead": 2})
    assert response.status_code == 302
    assert Slot.objects.filter(resource=fac.court, pattern__isnull=False).count() >= 8
    html = client.get(f"/facilities/staff/{fac.hall.pk}/").content.decode()
    assert "周一、周二、周三、周四、周五" in html
    response = client.post(f"/facilities/staff/{fac.hall.pk}/resources/{fac.court.pk}/patterns/", {
        "weekdays": ["0"], "starts": "10:00", "ends": "12:00", "weeks_ahead": 2})
    assert response.status_code == 400 and "重叠" in response.content.decode()
