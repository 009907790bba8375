"""The audit trail is a hash chain: a row changed, removed or inserted in the database afterwards, or the
newest rows cut off, is found by ``manage.py audit_verify``; deleting a staff account does not break it;
``audit_purge`` removes rows past the retention period and the chain still verifies from the first kept row."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import User
from core.audit import audit_record, chain_verify
from core.models import AuditEvent
from minsheng.env import env_int

pytestmark = pytest.mark.django_db


def write(actor, count=5):
    return [audit_record(actor=actor, verb="test.write", target=actor, data={"n": n, "text": "手机 138"})
            for n in range(count)]


def verify_output():
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def test_an_untouched_trail_verifies_even_after_an_account_is_deleted(cast):
    clerk = User.objects.create_user(username="clerk", password="x")
    write(cast.root, 3)
    write(clerk, 2)
    clerk.delete()  # the actor column is cleared on the clerk's rows; what was hashed was kept apart
    assert AuditEvent.objects.filter(actor__isnull=True, actor_ref__endswith=":clerk").count() == 2
    check = chain_verify()
    assert check.problems == [] and check.rows == AuditEvent.objects.count() >= 5
    assert "intact" in verify_output()


def test_a_changed_row_is_found(cast):
    events = write(cast.root)
    AuditEvent.objects.filter(pk=events[2].pk).update(data={"n": 99})
    problems = chain_verify().problems
    assert len(problems) == 1 and f"#{events[2].pk}" in problems[0] and "changed" in problems[0]
    with pytest.raises(CommandError):
        call_command("audit_verify", stdout=io.StringIO(), stderr=io.StringIO())


def test_a_removed_row_and_cut_off_newest_rows_are_found(cast):
    events = write(cast.root, 6)
    AuditEvent.objects.filter(pk=events[2].pk).delete()
    problems = chain_verify().problems
    assert len(problems) == 1 and f"before #{events[3].pk}" in problems[0]
    AuditEvent.objects.filter(pk=events[5].pk).delete()
    assert any("newest rows were removed" in problem for problem in chain_verify().problems)


def test_purge_keeps_the_retention_period_and_the_chain_checkable(cast, settings):
    settings.AUDIT_RETENTION_DAYS = 365
    with time_machine.travel(timezone.now() - timedelta(days=400), tick=False):
        old = write(cast.root, 4)
    recent = write(cast.root, 3)
    # The trail is removed as a prefix, up to its newest row older than the period (here the cast's
    # rows, written before the back-dated ones, go with them).
    prefix = AuditEvent.objects.filter(pk__lte=old[-1].pk).count()
    out = io.StringIO()
    call_command("audit_purge", stdout=out)
    assert f"Removed {prefix} audit rows" in out.getvalue()
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in recent]).count() == 3
    purge = AuditEvent.objects.get(verb="audit.purge")
    assert purge.data["rows"] == prefix
    assert chain_verify().problems == []
    call_command("audit_purge", stdout=io.StringIO())  # nothing more to remove
    assert chain_verify().problems == []


def test_retention_below_six_months_refuses_to_start():
    with pytest.raises(ImproperlyConfigured, match="AUDIT_RETENTION_DAYS"):
        env_int("AUDIT_RETENTION_DAYS", 365, minimum=180, environ={"AUDIT_RETENTION_DAYS": "90"})


def test_rows_appended_together_are_the_rows_appended_one_by_one(cast):
    """audit_record_many (an import's chunk) links each row to the one before, as audit_record does."""
    from core.audit import audit_record_many

    write(cast.root, 2)
    assert audit_record_many(actor=cast.root, entries=[("test.write", cast.root, {"n": n}, f"第{n}个")
                                                       for n in range(3)]) == 3
    write(cast.root, 1)
    rows = list(AuditEvent.objects.order_by("pk"))
    assert [row.data.get("n") for row in rows[-4:]] == [0, 1, 2, 0]
    assert [row.target_label for row in rows[-4:-1]] == ["第0个", "第1个", "第2个"]
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(rows, rows[1:], strict=False))
    assert chain_verify().problems == []
    AuditEvent.objects.filter(pk=rows[-3].pk).update(data={"n": 9})
    assert chain_verify().problems
