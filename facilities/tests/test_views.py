"""The pages: the public directory and a facility's page without signing in, a resident's booking and
their QR code, staff check-in by code, the canteen's day, registering, and the refusals."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.audit import AuditEvent
from facilities import services
from facilities.models import Booking, Facility, FacilityPhoto, FacilityType, MealOrder
from facilities.tests.conftest import OLD_85


def test_the_directory_needs_no_sign_in_and_lists_what_operates(client, fac):
    services.facility_register(actor=fac.cast.root, facility_type=FacilityType.objects.get(code="clinic"),
                               unit=fac.cast.village, data=services.FacilityData(name="东阳村卫生室"), status="planned")
    html = client.get("/facilities/").content.decode()
    assert "顺城社区长者食堂" in html and "顺城社区体育馆" in html and "东阳村卫生室" not in html
    html = client.get("/facilities/?type=canteen").content.decode()
    assert "顺城社区长者食堂" in html and "顺城社区体育馆" not in html
    html = client.get(f"/facilities/?unit={fac.cast.taigu.pk}").content.decode()
    assert "顺城社区长者食堂" not in html and "没有符合条件的设施" in html


def test_nearest_first_when_a_location_is_shared(client, fac):
    html = client.get("/facilities/?lat=37.711&lng=112.751").content.decode()
    assert html.index("顺城社区体育馆") < html.index("顺城社区长者食堂")
    assert "公里" in html
    html = client.get("/facilities/?lat=37.699&lng=112.739").content.decode()
    assert html.index("顺城社区长者食堂") < html.index("顺城社区体育馆")
    assert client.get("/facilities/?lat=999&lng=abc").status_code == 200  # nonsense is ignored


def test_a_facility_page_shows_hours_and_what_to_book(client, fac):
    # At 10:00, within the canteen's 06:00-20:00 (the suite runs at any hour).
    with time_machine.travel(fac.start - timedelta(hours=1, minutes=30), tick=False):
        html = client.get(f"/facilities/{fac.canteen.pk}/").content.decode()
    assert "顺城社区长者食堂" in html and "午餐" in html and "红烧肉" in html and "营业中" in html
    assert f"/facilities/slots/{fac.meal.pk}/book/" in html
    response = client.get(f"/facilities/slots/{fac.meal.pk}/book/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_family_member_orders_a_meal_and_sees_the_qr_code(client, fac):
    client.force_login(fac.family)
    response = client.post(f"/facilities/slots/{fac.meal.pk}/book/", {
        "for_name": "张大爷", "for_id_number": OLD_85, "delivery": "on", "delivery_address": "顺城街3号"})
    assert response.status_code == 302 and response["Location"] == "/facilities/bookings/"
    booking = Booking.objects.get()
    assert booking.holder == fac.family and booking.state == "confirmed" and booking.meal.delivery
    html = client.get("/facilities/bookings/").content.decode()
    assert "<svg" in html and booking.code in html and "张**" in html and "¥8.00" in html
    assert "核销码" in html and "签到码" not in html  # a meal is 核销ed, a volunteer 签到s (msgctxt)
    assert OLD_85 not in html and "张大爷" not in html
    assert AuditEvent.objects.filter(verb="facilities.booking.proxy", actor=fac.family).exists()


def test_bad_input_re_renders_the_form_with_what_was_typed(client, fac):
    client.force_login(fac.family)
    response = client.post(f"/facilities/slots/{fac.meal.pk}/book/", {
        "for_name": "张大爷", "for_id_number": "140702194001010015"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "身份证号校验位不正确" in html and 'value="张大爷"' in html
    assert not Booking.objects.exists()


def test_a_resident_cancels_and_the_waiting_list_moves(client, fac):
    from facilities.tests.test_services import resident

    first, second, third = resident(1), resident(2), resident(3)
    for person in (first, second, third):
        services.booking_create(actor=person, slot=fac.game)
    client.force_login(first)
    booking = Booking.objects.get(holder=first)
    client.post(f"/facilities/bookings/{booking.pk}/cancel/")
    assert Booking.objects.get(holder=first).state == "cancelled"
    assert Booking.objects.get(holder=third).state == "confirmed"
    client.force_login(second)  # someone else's booking is not found
    assert client.post(f"/facilities/bookings/{booking.pk}/cancel/").status_code == 404


def test_staff_check_in_by_code_or_the_qr_codes_url(client, fac):
    booking = services.booking_create(actor=fac.family, slot=fac.meal, for_name="张大爷", for_id_number=OLD_85)
    client.force_login(fac.manager)
    response = client.post("/facilities/checkin/", {"code": f"http://x/facilities/checkin/{booking.code.lower()}/"})
    assert response.status_code == 302 and response["Location"] == f"/facilities/checkin/{booking.code}/"
    html = client.get(response["Location"]).content.decode()
    assert "张**" in html and "不是今天" in html  # the meal is tomorrow
    response = client.post(f"/facilities/checkin/{booking.code}/", HTTP_REFERER=f"/facilities/checkin/{booking.code}/")
    assert Booking.objects.get(pk=booking.pk).state == "confirmed"  # refused: not the day
    client.force_login(fac.cast.taigu_handler)
    assert client.get(f"/facilities/checkin/{booking.code}/").status_code in (403, 404)


def test_the_canteen_manager_sees_the_days_orders(client, fac):
    services.booking_create(actor=fac.family, slot=fac.meal, for_name="张大爷", for_id_number=OLD_85,
                            delivery=True, delivery_address="顺城街3号")
    client.force_login(fac.manager)
    day = timezone.localdate(fac.meal.starts_at).isoformat()
    html = client.get(f"/facilities/canteen/?day={day}").content.decode()
    assert "顺城社区长者食堂" in html and "张**" in html and "顺城街3号" in html
    assert 'data-figure="orders">1<' in html and 'data-figure="delivered">1<' in html
    assert "<dt>已核销</dt>" in html
    response = client.get(f"/facilities/canteen/subsidies.xlsx?since={day}&until={day}")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and "张**" in rows[1] and OLD_85 not in [str(v) for v in rows[1]]
    client.force_login(fac.cast.handler_b)
    assert client.get("/facilities/canteen/").status_code == 403


def test_staff_register_a_facility_within_their_scope(client, fac):
    client.force_login(fac.cast.admin)
    response = client.post("/facilities/staff/new/?type=sports", {
        "type": "sports", "unit": fac.cast.community.pk, "name": "顺城健身广场", "hours": "1-7 06:00-22:00",
        "field_area": "1200", "status": "operating", "since": timezone.localdate().isoformat()})
    facility = Facility.objects.get(name="顺城健身广场")
    assert response.status_code == 302 and facility.values == {"area": 1200}
    assert facility.status_periods.get().status == "operating"
    response = client.post("/facilities/staff/new/?type=sports", {
        "type": "sports", "unit": fac.cast.community.pk, "name": "坏时间", "hours": "1-5 18:00-08:00",
        "status": "operating", "since": timezone.localdate().isoformat()})
    assert response.status_code == 400 and "结束时间早于开始时间" in response.content.decode()
    assert not Facility.objects.filter(name="坏时间").exists()
    client.force_login(fac.cast.taigu_handler)
    assert client.get(f"/facilities/staff/{fac.canteen.pk}/").status_code == 404


def test_an_upload_that_is_not_the_image_it_claims_is_refused(client, fac, media_root):
    client.force_login(fac.cast.admin)
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image at all", content_type="image/jpeg")
    response = client.post(f"/facilities/staff/{fac.canteen.pk}/photos/", {"image": fake},
                           HTTP_REFERER=f"/facilities/staff/{fac.canteen.pk}/", follow=True)
    assert "不是图片" in response.content.decode()
    assert not FacilityPhoto.objects.exists()
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    png_named_jpg = SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")
    response = client.post(f"/facilities/staff/{fac.canteen.pk}/photos/", {"image": png_named_jpg},
                           HTTP_REFERER=f"/facilities/staff/{fac.canteen.pk}/", follow=True)
    assert "实际是 PNG" in response.content.decode() and not FacilityPhoto.objects.exists()
    real = SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")
    client.post(f"/facilities/staff/{fac.canteen.pk}/photos/", {"image": real})
    photo = FacilityPhoto.objects.get()
    assert client.get(f"/facilities/photos/{photo.pk}/")["Content-Type"] == "image/png"


def test_a_grid_worker_orders_for_an_elder_from_the_facility_page(client, fac):
    client.force_login(fac.cast.grid_worker)
    html = client.get(f"/facilities/staff/{fac.canteen.pk}/").content.decode()
    assert "为老人代订" in html
    response = client.post(f"/facilities/slots/{fac.meal.pk}/book/", {"for_name": "张大爷", "for_id_number": OLD_85})
    assert response.status_code == 302
    assert MealOrder.objects.get().booking.holder == fac.cast.grid_worker


@pytest.mark.parametrize("url", ["/facilities/staff/", "/facilities/checkin/", "/facilities/canteen/"])
def test_residents_are_kept_out_of_staff_pages(client, fac, url):
    client.force_login(fac.family)
    assert client.get(url).status_code == 403


def test_the_canteen_managers_home_shows_todays_orders(client, fac):
    from datetime import datetime, time, timedelta

    today = timezone.localdate()
    start = timezone.make_aware(datetime.combine(today, time(0, 0)))
    slot = services.slot_add(actor=fac.cast.root, resource=fac.lunch, starts_at=start, ends_at=start + timedelta(minutes=30))
    services.booking_create(actor=fac.family, slot=slot, for_name="张大爷", for_id_number=OLD_85,
                            now=start - timedelta(days=1))
    client.force_login(fac.manager)  # no role in the network: the canteen is their work
    html = client.get("/").content.decode()
    assert "今日订餐" in html and f'data-today-orders="{fac.canteen.pk}">1 份' in html
    assert 'data-tile="facilities.canteen"' in html and "您的账号还没有角色" not in html
