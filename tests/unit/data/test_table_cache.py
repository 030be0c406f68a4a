"""A small table kept as arrays beside its Parquet file: the same frames as DuckDB reads, a damaged
or foreign copy ignored, a changed file still refused, and no DuckDB import in a reading process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tradegame.data import store as store_module
from tradegame.data.bars import DatasetInfo, MarketFrames
from tradegame.data.errors import CorruptDataError
from tradegame.data.store import MarketStore
from tradegame.data.table_cache import cached_path

from .sample import daily_bars
from .test_store_integrity import edit_in_place

UTC = "UTC"


@pytest.fixture
def actions_frames() -> MarketFrames:
    dividends = pd.DataFrame(
        {"symbol": ["BBB", "AAA", "AAA"], "ts": pd.to_datetime(["2008-10-01", "2008-11-06", "2008-09-10"], utc=True),
         "amount": ["0.5", "0.13", "0.13"]}
    )  # fmt: skip
    splits = pd.DataFrame({"symbol": ["BBB"], "ts": [pd.Timestamp("2008-12-01", tz=UTC)], "ratio": ["2"]})
    return MarketFrames(daily_bars(("CCC", "AAA", "BBB")), dividends, splits)


def _reads(store: MarketStore, name: str) -> list[pd.DataFrame]:
    start, end = pd.Timestamp("2008-10-01"), pd.Timestamp("2008-11-30", tz=UTC)
    whole = store.frames(name)
    return [
        store.bars(name),
        store.bars(name, ["BBB", "AAA"], start, end),
        store.bars(name, ["CCC"], end="2008-09-30"),
        store.dividends(name),
        store.dividends(name, ["AAA"]),
        store.splits(name, ["AAA"]),
        whole.bars,
        whole.dividends,
        whole.splits,
    ]


def test_kept_arrays_give_the_frames_duckdb_reads(
    store: MarketStore, info: DatasetInfo, actions_frames: MarketFrames, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = store.write(info, actions_frames)
    kept = _reads(store, info.name)  # the first read keeps the arrays, the next ones read them
    assert all(cached_path(stored.path, table).is_file() for table in ("bars", "dividends", "splits"))
    assert [len(frame) for frame in _reads(store, info.name)] == [len(frame) for frame in kept]
    monkeypatch.setattr(store_module, "MAX_ROWS", -1)  # no table is small: every read goes through DuckDB
    for ours, duckdb_read in zip(_reads(MarketStore(store.root), info.name), kept, strict=True):
        pd.testing.assert_frame_equal(ours, duckdb_read, check_exact=True)
    assert list(kept[4]["amount"]) == ["0.13", "0.13"]


def test_an_empty_table_is_kept_with_its_column_types(store: MarketStore, info: DatasetInfo) -> None:
    store.write(info, MarketFrames(daily_bars()))
    first = store.dividends(info.name)
    again = MarketStore(store.root).dividends(info.name)
    pd.testing.assert_frame_equal(again, first)
    assert len(again) == 0


def test_a_damaged_or_foreign_copy_is_ignored_and_kept_again(
    store: MarketStore, info: DatasetInfo, actions_frames: MarketFrames
) -> None:
    stored = store.write(info, actions_frames)
    expected = store.bars(info.name)
    path = cached_path(stored.path, "bars")
    path.write_bytes(path.read_bytes()[:200])  # a copy cut short
    pd.testing.assert_frame_equal(MarketStore(store.root).bars(info.name), expected)
    other = store.write(info, MarketFrames(daily_bars(("AAA",))))
    store.bars(info.name)  # the other version's arrays
    cached_path(other.path, "bars").replace(path)  # a copy read from another file
    pd.testing.assert_frame_equal(MarketStore(store.root).bars(info.name, content_hash=stored.info.content_hash),
                                  expected)  # fmt: skip
    assert path.stat().st_size > 200


def test_a_changed_file_is_refused_though_its_arrays_are_kept(
    store: MarketStore, info: DatasetInfo, actions_frames: MarketFrames
) -> None:
    stored = store.write(info, actions_frames)
    store.bars(info.name)
    edit_in_place(stored.path / "bars.parquet")
    with pytest.raises(CorruptDataError, match=r"bars\.parquet"):
        MarketStore(store.root).bars(info.name)


def test_a_process_reading_kept_arrays_does_not_import_duckdb(
    store: MarketStore, info: DatasetInfo, actions_frames: MarketFrames
) -> None:
    store.write(info, actions_frames)
    store.frames(info.name)
    code = (
        "import sys; from tradegame.data.store import MarketStore; "
        f"frames = MarketStore({str(store.root)!r}).frames({info.name!r}); "
        "print(len(frames.bars), 'duckdb' in sys.modules)"
    )
    source = str(Path(store_module.__file__).parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(len(actions_frames.bars)), "False"]
