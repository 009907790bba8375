"""How fast this machine is right now, printed next to a benchmark's figures.

The same code ran at speeds a factor of three apart on one machine within one session (shared
virtual machines): a fixed pure-Python loop, timed in CPU seconds, lets two runs' figures be compared.
"""

import time

STEPS = 10_000_000


def reference_seconds() -> float:
    """CPU seconds for a 10-million-step Python loop (about 0.35 s on this project's machines at best)."""
    started = time.process_time()
    total = 0
    for i in range(STEPS):
        total += i
    return time.process_time() - started


def line() -> str:
    return f"(this machine's speed: a 10-million-step Python loop takes {reference_seconds():.2f} s of CPU)"
