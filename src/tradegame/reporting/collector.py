"""Python's cyclic garbage collector paused while a long report is made (``collector_paused``).

A report makes hundreds of thousands of small strings, tuples and lists and no reference cycles;
each burst of them would start a collection that walks every object in memory (millions after a
long Game or a trader's year of lots). Standard library only, so a command imports it cheaply.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector paused, then as it was (also a decorator: ``@collector_paused()``)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
