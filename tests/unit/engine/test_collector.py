"""The collector's pace while a Game plays: raised inside, the caller's restored after, nested once."""

from __future__ import annotations

import gc

import pytest

from tradegame.engine.collector import YOUNG_THRESHOLD, paced


def test_paced_raises_the_young_threshold_and_restores_the_callers() -> None:
    before = gc.get_threshold()
    gc.set_threshold(500, 7, 9)
    try:
        with paced():
            assert gc.get_threshold() == (YOUNG_THRESHOLD, 7, 9)
            with paced():  # a nested Game shares the raise
                assert gc.get_threshold()[0] == YOUNG_THRESHOLD
            assert gc.get_threshold()[0] == YOUNG_THRESHOLD
        assert gc.get_threshold() == (500, 7, 9)
    finally:
        gc.set_threshold(*before)


def test_paced_restores_after_an_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), paced():
        raise RuntimeError("a Model failed")
    assert gc.get_threshold() == before


def test_a_higher_threshold_of_the_caller_is_kept() -> None:
    before = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD * 2)
    try:
        with paced():
            assert gc.get_threshold()[0] == YOUNG_THRESHOLD * 2
    finally:
        gc.set_threshold(*before)
