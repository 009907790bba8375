"""The 民生实事 indicators: enrolments made and courses completed in a period, rolled up the tree (a county
course counts for the county and the city, not for its townships)."""

from django.utils import timezone

from appeals import kpis
from courses import services
from targets import registry


def test_enrolments_and_completions_in_the_period_roll_up(crs):
    cast = crs.cast
    a, b, _c = crs.people
    enrolment = services.enrolment_create(actor=a, course=crs.centre)
    services.enrolment_create(actor=b, course=crs.online)
    services.attendance_mark(actor=crs.keeper, session=crs.session, enrolment=enrolment)
    today = timezone.localdate()
    period = kpis.Period(today.replace(day=1), today)
    units = [cast.city, cast.yuci, cast.taigu]
    enrolments = registry.get("courses.enrolments").values(units, period)
    assert [enrolments[u.pk].value for u in units] == [2, 2, 0]
    completions = registry.get("courses.completions").values(units, period)
    assert [completions[u.pk].value for u in units] == [1, 1, 0]
    assert registry.get("courses.enrolments").section == "services"
    last_year = kpis.Period(today.replace(year=today.year - 1, day=1), today.replace(year=today.year - 1, day=1))
    assert registry.get("courses.enrolments").values([cast.city], last_year)[cast.city.pk].value == 0
