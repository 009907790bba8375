"""employment.matching: a seeker's top jobs rank by skills and wishes, place and pay, each with its
reasons; a posting's top seekers stay within the scope given; the batch gives every seeker their list."""

from employment import matching, services
from employment.models import SeekerKind
from employment.tests.conftest import graduate, id_number


def test_the_job_that_fits_the_skills_and_place_comes_first_with_its_reasons(emp):
    seeker = graduate(emp)
    matches = matching.jobs_for(seeker, k=3)
    assert [m.obj for m in matches][0] == emp.job
    reasons = " ".join(matches[0].reasons)
    assert "测试" in reasons and "同一村（社区）" in reasons and "学历要求：本科（符合）" in reasons
    warehouse = next(m for m in matches if m.obj == emp.far_job)
    assert "在其他县区" in " ".join(warehouse.reasons) and warehouse.score < matches[0].score


def test_education_below_the_minimum_lowers_a_posting_and_says_so(emp):
    seeker = services.seeker_register(actor=emp.counselor, data=services.SeekerData(
        name="高中生", id_number=id_number(seq="041"), unit=emp.cast.community, kind=SeekerKind.OTHER,
        education="senior", skills="Python 测试", wishes="软件测试"))
    match = matching.explain(seeker, emp.job)
    assert "学历要求：本科（不符合）" in match.reasons
    assert match.score < matching.explain(graduate(emp), emp.job).score


def test_recommended_postings_are_left_out_and_closed_ones_never_come(emp):
    seeker = graduate(emp)
    services.posting_close(actor=emp.hr, posting=emp.intern)
    ids = [m.pk for m in matching.jobs_for(seeker, k=10, exclude={emp.job.pk})]
    assert emp.job.pk not in ids and emp.intern.pk not in ids and emp.far_job.pk in ids


def test_seekers_for_a_posting_stay_in_the_scope_given(emp):
    from employment.models import Seeker

    near = graduate(emp)
    far = graduate(emp, name="太谷生", seq="043", unit=emp.cast.village, actor=emp.taigu_counselor)
    both = [m.obj for m in matching.seekers_for(emp.job, k=5)]
    assert both[0] == near and far in both
    mine = [m.obj for m in matching.seekers_for(emp.job, k=5, within=Seeker.objects.filter(pk=near.pk))]
    assert mine == [near]


def test_recommend_all_gives_every_looking_seeker_their_list_in_the_single_order(emp):
    seekers = [graduate(emp), graduate(emp, name="太谷生", seq="043", unit=emp.cast.village,
                                       actor=emp.taigu_counselor)]
    every = matching.recommend_all(k=2, chunk=1)
    assert set(every) == {s.pk for s in seekers}
    for seeker in seekers:
        assert [pk for pk, _score in every[seeker.pk]] == [m.pk for m in matching.jobs_for(seeker, k=2)]
