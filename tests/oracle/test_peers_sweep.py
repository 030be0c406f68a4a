"""Oracle: the sweep of 100 SMA pairs (the benchmark's workload) in tradegame's ``sweep``, in
vectorbt's column-wise ``from_signals`` and as 100 separate ``SmaCrossover`` Games.

Every column must equal its pair's Game fill for fill and in its Score (the sweep only skips
the Round loop, not a rule), and vectorbt's final value to the cent without a fee. With a 0.1%
fee the sweep still equals the Games exactly; vectorbt's float, unrounded fees are compared in
``test_peers_sma.py``, where every cent of that difference is explained.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.oracle import peers_kit as kit
from tradegame.engine.sweep import SweepResult

pytest.importorskip("vectorbt")

FEE = Decimal("0.001")


def setup_of(rate: Decimal) -> kit.SmaSetup:
    return kit.SmaSetup(kit.cent_bars("arch-sp500"), "SPX", 5, 60, "next_open", rate)


def swept(rate: Decimal) -> tuple[kit.SmaSetup, SweepResult]:
    setup = setup_of(rate)
    universe = kit.universe_of(setup.bars)
    return setup, kit.tradegame_sweep(setup, kit.SWEEP_PAIRS, universe)


def test_sweep_equals_vectorbt_to_the_cent() -> None:
    setup, result = swept(Decimal(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = kit.vectorbt_sweep(setup, kit.SWEEP_PAIRS)
    assert len(theirs) == len(result.columns) == 100
    for column, value in zip(result.columns, theirs, strict=True):
        assert column.score.final_value == Decimal(repr(round(value, 2))), column.label
    assert sum(len(column.fills) for column in result.columns) > 5000


@pytest.mark.parametrize(
    ("rate", "every"),
    [
        pytest.param(Decimal(0), 9, id="no-fee-every-9th-pair"),
        pytest.param(FEE, 9, id="fee-every-9th-pair"),
        pytest.param(Decimal(0), 1, id="no-fee-all-pairs", marks=pytest.mark.slow),
        pytest.param(FEE, 1, id="fee-all-pairs", marks=pytest.mark.slow),
    ],
)
def test_each_column_is_its_pairs_game(rate: Decimal, every: int) -> None:
    setup, result = swept(rate)
    universe = result.universe
    for column in result.columns[::every]:
        fast, slow = column.label  # type: ignore[misc]
        game = kit.tradegame_sma(kit.SmaSetup(setup.bars, "SPX", fast, slow, "next_open", rate), universe)
        ours = [
            (
                datetime.fromtimestamp(fill.time_ns // 10**9, UTC).date(),
                fill.side,
                int(fill.quantity),
                fill.price,
                fill.fee,
            )
            for fill in column.fills
        ]
        assert ours == [(f.day, f.side, f.size, f.price, f.fee) for f in game.fills], column.label
        assert column.score == game.extra.score
