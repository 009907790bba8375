"""manage.py employment_demo: employers, postings, public-welfare posts filled from the care registry,
graduates at every stage of 1131 with the demo counselor, job fairs; when it skips or refuses."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.models import User
from employment import selectors
from employment.models import Employer, JobFair, Placement, Posting, Seeker

pytestmark = pytest.mark.django_db


# A small registry, and the registry `make run` builds (care_demo's default size): its people differ, and
# one past retirement age once made the demo's 社保补贴 applications stop `make run`.
@pytest.mark.parametrize("care_demo_args", [["--per-village", "4"], []], ids=["small", "as-make-run"])
@override_settings(DEBUG=True)
def test_employment_demo_gives_the_counselor_and_the_employer_real_work(hard_to_employ_category, care_demo_args):
    call_command("seed_demo", stdout=StringIO())
    call_command("care_demo", *care_demo_args, stdout=StringIO())
    out = StringIO()
    call_command("employment_demo", "--if-empty", "--graduates", "16", stdout=out)
    assert "yuci_hrss_handler" in out.getvalue() and "13900000101" in out.getvalue()
    counselor = User.objects.get(username="yuci_hrss_handler")
    stages = {(s.n_policy > 0, s.n_guidance > 0, s.n_recommendation, s.ledger_complete)
              for s in Seeker.objects.filter(counselor=counselor, kind="graduate")}
    assert (False, False, 0, False) in stages and (True, True, 3, True) in stages and len(stages) >= 5
    assert selectors.counselor_incomplete(counselor).exists()
    assert selectors.pending_employers(counselor).exists()
    assert Employer.objects.filter(accounts__user__username="r-demo-13900000101", status="verified").exists()
    assert Posting.objects.filter(kind="internship").exists() and Placement.objects.exists()
    assert JobFair.objects.filter(status="held", registrations__checked_in_at__isnull=False).exists()
    assert JobFair.objects.filter(status="planned", registrations__isnull=False).exists()
    # The hard-to-employ: followed up, some overdue; 社保补贴 in every state for the counselor's queue.
    from employment.models import FollowUp, SubsidyApplication

    assert FollowUp.objects.exists() and selectors.follow_ups_due(counselor, overdue_only=True).exists()
    states = set(SubsidyApplication.objects.values_list("status", flat=True))
    assert states == {"submitted", "returned", "approved", "rejected", "paid"}
    assert selectors.subsidy_queue(counselor, status="submitted").exists()
    seekers = Seeker.objects.count()
    call_command("employment_demo", "--if-empty", stdout=out)
    assert Seeker.objects.count() == seekers


@override_settings(DEBUG=True)
def test_employment_demo_needs_the_demo_city(db):
    with pytest.raises(CommandError):
        call_command("employment_demo", stdout=StringIO())
