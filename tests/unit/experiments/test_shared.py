"""The workers' market data: memory-mapped from the files the parent wrote, the same Games."""

from __future__ import annotations

import mmap
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np

from tradegame.app.loading import dataset_universe
from tradegame.data.store import MarketStore
from tradegame.engine.game import play
from tradegame.engine.spec import DataSpec, GameSpec
from tradegame.experiments.shared import open_universe, share_universe
from tradegame.models import REGISTRY


def _mapped(array: np.ndarray) -> bool:
    base = array
    while base is not None and not isinstance(base, mmap.mmap):
        base = getattr(base, "base", None)
    return isinstance(base, mmap.mmap)


def test_a_shared_universe_is_mapped_not_copied_and_plays_the_same(tmp_path: Path) -> None:
    universe = dataset_universe(MarketStore(None), "arch-sp500", ["SPX"])
    shared = share_universe(universe, tmp_path)
    opened = open_universe(shared)
    panel = opened.panel
    arrays = [panel.labels, panel.available, opened.fill_times, opened.filled_close, *panel.fields.values()]
    assert all(_mapped(array) and not array.flags.writeable for array in arrays)
    assert all(np.array_equal(panel.fields[n], universe.panel.fields[n], equal_nan=True) for n in panel.fields)
    data = (DataSpec("arch-sp500", symbols=("SPX",)),)
    spec = GameSpec("t", date(2008, 1, 2), Decimal(10000), rounds=120, data=data)
    model = REGISTRY["sma-crossover"](symbol="SPX", fast=5, slow=20)
    again = REGISTRY["sma-crossover"](symbol="SPX", fast=5, slow=20)
    assert play(spec, opened, model).ledger_jsonl() == play(spec, universe, again).ledger_jsonl()
