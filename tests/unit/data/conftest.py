"""Small market-data frames built on real calendars, and a store in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradegame.data.bars import DatasetInfo, MarketFrames
from tradegame.data.store import MarketStore

from .sample import daily_bars


@pytest.fixture
def store(tmp_path: Path) -> MarketStore:
    return MarketStore(tmp_path / "store")


@pytest.fixture
def info() -> DatasetInfo:
    return DatasetInfo("test-daily", "1d", "USD", "XNYS", source="tests", license="CC0")


@pytest.fixture
def frames() -> MarketFrames:
    return MarketFrames(daily_bars())
