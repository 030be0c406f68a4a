"""``play --pace``: Round ``i`` ends no sooner than ``i / rate`` seconds after Round 0, and a Game
running behind its pace is never held back further."""

from __future__ import annotations

from typing import Any

import pytest

from tradegame.cli.play import Pacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


GAME: Any = None  # the Pacer reads neither the Game nor the value


def test_each_round_ends_on_its_slot() -> None:
    time = FakeTime()
    pacer = Pacer(4, time.clock, time.sleep)
    ends = []
    for index in range(5):
        time.now += 0.05  # each Round takes 50 ms to play
        pacer.round_done(GAME, index, 0.0)
        ends.append(time.now)
    first = ends[0]
    assert [round(end - first, 9) for end in ends] == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_a_round_running_late_is_not_held_and_later_ones_catch_up() -> None:
    time = FakeTime()
    pacer = Pacer(10, time.clock, time.sleep)
    pacer.round_done(GAME, 0, 0.0)
    time.now += 0.5  # Round 1 took 0.5 s: 0.4 s behind its slot
    pacer.round_done(GAME, 1, 0.0)
    assert time.sleeps == []
    pacer.round_done(GAME, 8, 0.0)  # quiet Rounds reported together: Round 8's slot is 0.8 s in
    assert time.sleeps == [pytest.approx(0.3)]


@pytest.mark.parametrize("rate", [0, -1, float("nan")])
def test_a_pace_must_be_above_zero(rate: float) -> None:
    with pytest.raises(ValueError, match="above 0"):
        Pacer(rate)
