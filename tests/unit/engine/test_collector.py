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


def test_what_was_made_before_the_game_leaves_the_young_generation_first() -> None:
    before = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD * 2)  # no collection of the collector's own before the Game
    try:
        made_before: list[object] = []  # as the books' journal columns, made by the Game's constructor
        assert any(o is made_before for o in gc.get_objects(generation=0))
        with paced():
            assert not any(o is made_before for o in gc.get_objects(generation=0))
            assert any(o is made_before for o in gc.get_objects(generation=1))
        assert gc.get_threshold() == (YOUNG_THRESHOLD * 2, *before[1:])
    finally:
        gc.set_threshold(*before)


def test_a_caller_that_disabled_the_collector_gets_no_collection() -> None:
    gc.disable()
    try:
        collections = gc.get_stats()[0]["collections"]
        made_before: list[object] = []
        with paced():
            assert any(o is made_before for o in gc.get_objects(generation=0))
        assert gc.get_stats()[0]["collections"] == collections and not gc.isenabled()
    finally:
        gc.enable()
