"""The race harness of the capacity tests and benches (courses' enrolment, facilities' booking, events' sign-up):
many calls to one service released together from threads, each with its own database connection, and what came
back counted. Whether a capacity holds is for the caller to read from the counts and its own rows."""

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import close_old_connections, connection


@dataclass
class Outcomes:
    counts: Counter  # what the calls returned (a state, say), "error" for a call that raised
    errors: list  # repr of each exception raised


def at_once(call: Callable[[object], object], items: Iterable, *, workers: int) -> Outcomes:
    """``call(item)`` for every item, from ``workers`` threads that start together: each call waits at a barrier
    of ``workers`` (fewer when there are fewer items) and, once it is broken (fewer left than workers), goes at
    once. Every thread closes its database connection after each call; the caller's stale ones are closed after."""
    items = list(items)
    start = threading.Barrier(max(1, min(workers, len(items))))
    errors = []

    def one(item):
        try:
            try:
                start.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass  # fewer left than workers: go now
            return call(item)
        except Exception as exc:  # noqa: BLE001 - reported in the outcomes
            errors.append(repr(exc))
            return "error"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        counts = Counter(pool.map(one, items))
    close_old_connections()
    return Outcomes(counts=counts, errors=errors)
