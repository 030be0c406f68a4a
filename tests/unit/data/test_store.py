"""The store: round trips, content hashes, versions, and nothing stored when data is bad."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from tradegame.data.bars import DatasetInfo, MarketFrames, empty_dividends, empty_splits
from tradegame.data.errors import BadDataError, DataError, DatasetNotFoundError
from tradegame.data.store import MarketStore, content_hash

from .sample import daily_bars


def test_round_trip_keeps_every_value_and_type(store: MarketStore, info: DatasetInfo, frames: MarketFrames) -> None:
    stored = store.write(info, frames)
    assert stored.symbols == ("AAA", "BBB")
    assert (stored.start, stored.end) == (pd.Timestamp("2008-09-02", tz="UTC"), pd.Timestamp("2008-12-31", tz="UTC"))
    back = store.bars(info.name)
    pd.testing.assert_frame_equal(
        back, frames.bars.sort_values(["symbol", "ts"]).reset_index(drop=True), check_dtype=False
    )
    assert str(back["ts"].dtype) == "datetime64[ns, UTC]"


def test_query_by_symbol_and_range(store: MarketStore, info: DatasetInfo, frames: MarketFrames) -> None:
    store.write(info, frames)
    rows = store.bars(info.name, ["BBB"], "2008-10-09", "2008-10-10")
    assert list(rows["symbol"]) == ["BBB", "BBB"]
    assert list(rows["ts"].dt.date.astype(str)) == ["2008-10-09", "2008-10-10"]
    with pytest.raises(DatasetNotFoundError, match="no symbol ZZZ"):
        store.bars(info.name, ["ZZZ"])


def test_hash_depends_on_content_only(info: DatasetInfo, frames: MarketFrames) -> None:
    shuffled = MarketFrames(frames.bars.sample(frac=1.0, random_state=7))
    renamed = replace(info, name="other", description="same data, other words")
    assert content_hash(info, frames) == content_hash(renamed, shuffled)
    nudged = frames.bars.copy()
    nudged.loc[5, "close"] += 0.01
    assert content_hash(info, MarketFrames(nudged)) != content_hash(info, frames)
    assert content_hash(replace(info, currency="EUR"), frames) != content_hash(info, frames)


def test_versions_stay_readable_by_hash(store: MarketStore, info: DatasetInfo, frames: MarketFrames) -> None:
    first = store.write(info, frames)
    later = frames.bars.copy()
    later["close"] = later["close"] * 2
    later["high"], later["open"], later["low"] = later["close"] + 1, later["close"], later["close"] - 1
    second = store.write(info, MarketFrames(later))
    assert first.info.content_hash != second.info.content_hash
    assert store.get(info.name).info.content_hash == second.info.content_hash
    old = store.bars(info.name, content_hash=first.info.content_hash)
    assert old["close"].iloc[0] == 100.0
    assert store.panel(info.name, content_hash=first.info.content_hash).content_hash == first.info.content_hash
    with pytest.raises(DatasetNotFoundError, match="no version"):
        store.get(info.name, "0" * 64)


def test_corporate_actions_are_stored_as_exact_text(
    store: MarketStore, info: DatasetInfo, frames: MarketFrames
) -> None:
    dividends = pd.concat(
        [
            empty_dividends(),
            pd.DataFrame({"symbol": ["AAA"], "ts": [pd.Timestamp("2008-11-06", tz="UTC")], "amount": ["0.13"]}),
        ]
    )
    splits = pd.concat(
        [
            empty_splits(),
            pd.DataFrame({"symbol": ["BBB"], "ts": [pd.Timestamp("2008-12-01", tz="UTC")], "ratio": ["2"]}),
        ]
    )
    store.write(info, MarketFrames(frames.bars, dividends, splits))
    assert list(store.dividends(info.name)["amount"]) == ["0.13"]
    assert list(store.splits(info.name, ["BBB"])["ratio"]) == ["2"]


def test_bad_data_stores_nothing(store: MarketStore, info: DatasetInfo) -> None:
    bars = daily_bars()
    bars.loc[3, "close"] = np.nan
    with pytest.raises(BadDataError, match="close is missing"):
        store.write(info, MarketFrames(bars))
    assert store.names() == []
    assert not any((store.root / "datasets" / info.name).glob("*/manifest.json"))


def test_gaps_are_refused_unless_allowed(store: MarketStore, info: DatasetInfo) -> None:
    bars = daily_bars()
    holed = bars[bars["ts"] != pd.Timestamp("2008-10-10", tz="UTC")]
    with pytest.raises(BadDataError, match=r"1 session\(s\) of the calendar have no bar \(2008-10-10\)"):
        store.write(info, MarketFrames(holed))
    assert store.write(info, MarketFrames(holed), allow_gaps=True).rows == len(holed)


def test_bad_names_and_unknown_datasets(store: MarketStore, info: DatasetInfo, frames: MarketFrames) -> None:
    with pytest.raises(DataError, match="dataset name"):
        store.write(replace(info, name="../escape"), frames)
    with pytest.raises(DatasetNotFoundError, match="no dataset 'nope'"):
        store.get("nope")
    assert store.datasets() == []
