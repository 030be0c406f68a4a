"""The SMA signals a worker keeps for its sweeps: the Model's own, however many pairs come and go."""

from __future__ import annotations

import numpy as np

from tradegame.data.datasets import load_dataset
from tradegame.data.panel import Panel
from tradegame.domain.money import USD
from tradegame.engine.universe import Universe
from tradegame.experiments.sweeping import SweepSignals
from tradegame.models.sma import crossover_signals


def test_signals_kept_for_a_few_pairs_are_the_models_as_pairs_come_and_go() -> None:
    bars = load_dataset("arch-sp500").bars
    universe = Universe.from_panel(Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD"), currency=USD)
    signals = SweepSignals(universe, kept=3)
    for pairs in ([(5, 30), (10, 30)], [(20, 60), (5, 30)], [(10, 50), (20, 100), (30, 200)], [(5, 30)]):
        enter, leave = signals.of("SPX", pairs)
        expected_enter, expected_leave = crossover_signals(universe, "SPX", pairs)
        assert np.array_equal(enter, expected_enter) and np.array_equal(leave, expected_leave)
        assert enter.shape == (universe.panel.rows, len(pairs))
