"""Importing a user's file: every bad case gets a clear report and stores nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tradegame.data.errors import BadDataError
from tradegame.data.importer import import_file, infer_frequency
from tradegame.data.store import MarketStore

HEADER = "Date,Open,High,Low,Close,Adj Close,Volume\n"
GOOD_ROWS = [
    "2008-10-06,101.2,102.0,95.5,99.0,98.0,1000",
    "2008-10-07,99.0,100.0,93.0,94.0,93.1,1200",
    "2008-10-08,94.0,97.0,92.0,95.0,94.05,1500",
    "2008-10-09,95.0,96.0,90.0,91.0,90.1,1800",
    "2008-10-10,91.0,93.0,85.0,90.0,89.1,2500",
]


def write(tmp_path: Path, rows: list[str], header: str = HEADER, name: str = "prices.csv") -> Path:
    path = tmp_path / name
    path.write_text(header + "\n".join(rows) + "\n")
    return path


def refused(store: MarketStore, path: Path, match: str, **options: object) -> None:
    with pytest.raises(BadDataError, match=match) as caught:
        import_file(store, path, symbol="ACME", **options)  # type: ignore[arg-type]
    assert str(path) in str(caught.value) and "nothing stored" in str(caught.value)
    assert store.names() == []


def test_good_file_is_stored_with_utc_times(store: MarketStore, tmp_path: Path) -> None:
    stored = import_file(store, write(tmp_path, GOOD_ROWS), symbol="acme")
    assert (stored.info.name, stored.symbols, stored.info.frequency, stored.rows) == ("acme", ("ACME",), "1d", 5)
    bars = store.bars("acme")
    assert bars["ts"].iloc[0] == pd.Timestamp("2008-10-06", tz="UTC")
    assert list(bars["adj_close"]) == [98.0, 93.1, 94.05, 90.1, 89.1]


def test_parquet_file_and_close_only_data(store: MarketStore, tmp_path: Path) -> None:
    path = tmp_path / "closes.parquet"
    frame = pd.DataFrame({"timestamp": pd.to_datetime(["2020-03-13", "2020-03-16"]), "close": [2711.02, 2386.13]})
    frame.to_parquet(path)
    stored = import_file(store, path, symbol="SPX", name="indexes")
    bars = store.bars("indexes")
    assert stored.rows == 2 and bars["open"].isna().all() and list(bars["close"]) == [2711.02, 2386.13]


def test_second_symbol_joins_a_dataset_as_a_new_version(store: MarketStore, tmp_path: Path) -> None:
    first = import_file(store, write(tmp_path, GOOD_ROWS), symbol="ACME", name="mine")
    second = import_file(store, write(tmp_path, GOOD_ROWS, name="b.csv"), symbol="BETA", name="mine")
    assert second.symbols == ("ACME", "BETA") and second.info.content_hash != first.info.content_hash
    with pytest.raises(BadDataError, match="currency 'EUR' differs"):
        import_file(store, write(tmp_path, GOOD_ROWS, name="c.csv"), symbol="GAMMA", name="mine", currency="EUR")
    assert store.get("mine").symbols == ("ACME", "BETA")


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ([*GOOD_ROWS[:2], "2008-10-08,94.0,97.0,92.0,,94.05,1500", *GOOD_ROWS[3:]], "close is missing"),
        ([*GOOD_ROWS[:2], "2008-10-08,94.0,97.0,92.0,nan,94.05,1500", *GOOD_ROWS[3:]], "close is missing"),
        (
            [*GOOD_ROWS[:2], "2008-10-08,94.0,97.0,92.0,-95.0,94.05,1500", *GOOD_ROWS[3:]],
            "close is not a positive number at 2008-10-08",
        ),
        ([*GOOD_ROWS[:2], "2008-10-08,94.0,90.0,92.0,95.0,94.05,1500", *GOOD_ROWS[3:]], "high below low at 2008-10-08"),
        (
            [*GOOD_ROWS[:2], "2008-10-08,94.0,97.0,92.0,99.0,94.05,1500", *GOOD_ROWS[3:]],
            "outside the high-low range at 2008-10-08",
        ),
        ([*GOOD_ROWS[:2], "2008-10-08,94.0,97.0,92.0,95.0,94.05,-5", *GOOD_ROWS[3:]], "negative volume"),
        ([*GOOD_ROWS[:3], GOOD_ROWS[2], *GOOD_ROWS[3:]], r"1 duplicate timestamp\(s\) \(2008-10-08\)"),
        ([GOOD_ROWS[1], GOOD_ROWS[0], *GOOD_ROWS[2:]], "not in ascending order at 2008-10-06"),
        ([*GOOD_ROWS[:2], *GOOD_ROWS[3:]], r"have no bar \(2008-10-08\)"),
        ([*GOOD_ROWS, "2008-10-11,90.0,91.0,89.0,90.5,90.0,10"], "not XNYS sessions"),
        (
            [*GOOD_ROWS[:2], "2008-13-08,94.0,97.0,92.0,95.0,94.05,1500"],
            r"unreadable time\(s\): line 4 \('2008-13-08'\)",
        ),
        (
            [*GOOD_ROWS[:2], "2008-10-08,94.0,97.0,92.0,9five,94.05,1500"],
            r"close: 1 value\(s\) that are not numbers: line 4",
        ),
    ],
    ids=[
        "empty-close",
        "nan-close",
        "negative",
        "high<low",
        "outside",
        "neg-volume",
        "duplicate",
        "unsorted",
        "gap",
        "weekend",
        "bad-date",
        "bad-number",
    ],
)
def test_bad_rows_are_reported_and_nothing_is_stored(
    store: MarketStore, tmp_path: Path, rows: list[str], match: str
) -> None:
    refused(store, write(tmp_path, rows), match)


def test_a_gap_can_be_allowed(store: MarketStore, tmp_path: Path) -> None:
    stored = import_file(store, write(tmp_path, [*GOOD_ROWS[:2], *GOOD_ROWS[3:]]), symbol="ACME", allow_gaps=True)
    assert stored.rows == 4


@pytest.mark.parametrize(
    ("content", "name", "match"),
    [
        ("Day,Last\n2008-10-06,1\n", "x.csv", "no ts column"),
        (HEADER, "x.csv", "no rows"),
        ("a,b\n1,2\n", "x.json", "unknown file type"),
        ("not parquet", "x.parquet", "cannot read the file"),
    ],
)
def test_malformed_files_are_refused(store: MarketStore, tmp_path: Path, content: str, name: str, match: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    refused(store, path, match)


def test_bad_options_are_refused(store: MarketStore, tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_ROWS)
    refused(store, path, "unknown calendar", calendar="NOWHERE")
    refused(store, path, "three-letter code", currency="dollars")
    refused(store, tmp_path / "missing.csv", "no such file")


def test_frequency_inference() -> None:
    def stamps(*texts: str) -> pd.Series:
        return pd.Series(pd.to_datetime(list(texts), utc=True))

    assert infer_frequency(stamps("2020-01-02", "2020-01-03", "2020-01-06")) == "1d"
    assert infer_frequency(stamps("2020-01-06", "2020-01-13", "2020-01-20")) == "1w"
    assert infer_frequency(stamps("2020-01-01", "2020-02-01", "2020-03-01")) == "1mo"
    assert infer_frequency(stamps("2020-01-02 14:00", "2020-01-02 15:00", "2020-01-02 16:00")) == "1h"
    assert infer_frequency(stamps("2020-01-02 14:00", "2020-01-02 14:01", "2020-01-02 14:02")) == "1m"
