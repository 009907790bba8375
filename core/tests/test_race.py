"""core.race.at_once, the harness of the capacity races: every call made, side by side, what each returned
counted and what each raised kept. The races over real rows (courses, facilities, events) run on PostgreSQL in
their apps' tests."""

import threading

import pytest

from core.race import at_once

# The harness closes the caller's stale connections after the race: outside a test's transaction, as a race is.
pytestmark = pytest.mark.django_db(transaction=True)


def test_each_call_is_counted_by_what_it_returned_and_an_exception_as_an_error():
    def call(n):
        if n == 7:
            raise ValueError("seven")
        return "even" if n % 2 == 0 else "odd"

    outcomes = at_once(call, range(10), workers=4)
    assert outcomes.counts == {"even": 5, "odd": 4, "error": 1}
    assert outcomes.errors == ["ValueError('seven')"]


def test_the_workers_calls_run_side_by_side():
    # Each call waits for all the others: made one after another, the barrier would break and all would fail.
    together = threading.Barrier(6)

    def call(_item):
        together.wait(timeout=10)
        return "met"

    assert at_once(call, range(6), workers=6).counts == {"met": 6}


def test_no_items_no_calls():
    outcomes = at_once(lambda item: item, [], workers=5)
    assert outcomes.counts == {} and outcomes.errors == []
