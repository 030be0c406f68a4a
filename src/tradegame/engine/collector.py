"""The garbage collector's pace while a Game plays.

A Game allocates many small records that live as long as the books (journal entries, postings,
tax and decision lines) and almost none that form reference cycles. At CPython's default
threshold (a young collection every 700 allocations) the collector keeps re-scanning those
survivors: on the 500-instrument momentum Game that was a third of the CPU time. ``paced()``
raises the young threshold for the length of a Game and puts the caller's back after, so the
collector still runs (cycles are still freed), only less often. It changes no number: the books
are the same whatever the collector does.

The threshold is process-wide, so nested or concurrent Games (threads) share one raise: the
first to enter raises it, the last to leave restores it.

The first to enter also runs one young collection first (unless the caller disabled the
collector). What the Game's constructor made (the books' journal columns, the event log's list,
...) is then older than the Game's records when the young collection at the end comes: that
collection no longer walks those containers at their full size (hundreds of thousands of entries on
the momentum Game; about 10 ms of 40). The caller's settings are untouched.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["YOUNG_THRESHOLD", "paced"]

YOUNG_THRESHOLD = 100_000  # allocations between young collections while a Game plays

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, ...] = ()


@contextmanager
def paced() -> Iterator[None]:
    """Collect less often inside the block (see the module docstring)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            if gc.isenabled():
                gc.collect(0)  # see the module docstring: the containers made so far leave the young generation
            _saved = gc.get_threshold()
            gc.set_threshold(max(YOUNG_THRESHOLD, _saved[0]), *_saved[1:])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_saved)
