"""`tradegame data ...` end to end: bundled datasets, import, show, fetch caching."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.unit.data.sample import daily_bars
from tradegame.cli import app
from tradegame.data.bars import DatasetInfo, MarketFrames
from tradegame.data.fetching import fetch_into_store
from tradegame.data.store import MarketStore

runner = CliRunner()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store")


def test_list_shows_real_history_spanning_2008_and_2020(data_dir: Path) -> None:
    result = runner.invoke(app, ["data", "list", "--json", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    datasets = {d["name"]: d for d in json.loads(result.output)}
    spans_2008 = [
        n for n, d in datasets.items() if d["start"] < "2007-06" and d["end"] > "2009-06" and d["frequency"] == "1d"
    ]
    spans_2020 = [
        n for n, d in datasets.items() if d["start"] < "2019-06" and d["end"] > "2021-06" and d["frequency"] == "1d"
    ]
    assert "arch-sp500" in spans_2008 and "skfolio-sp500" in spans_2020
    for d in datasets.values():
        assert set(d) >= {"name", "symbols", "frequency", "start", "end", "currency", "source", "hash"}
        assert len(d["hash"]) == 64


def test_show_names_range_gaps_source_and_hash(data_dir: Path) -> None:
    result = runner.invoke(app, ["data", "show", "spx", "--json", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    shown = {s["dataset"]: s for s in json.loads(result.output)}
    assert shown["arch-sp500"]["start"].startswith("1999-01-04") and shown["arch-sp500"]["gaps"] == 0
    missing = runner.invoke(app, ["data", "show", "NOPE", "--data-dir", str(data_dir)])
    assert missing.exit_code == 2 and "no dataset holds symbol 'NOPE'" in missing.output


def test_import_good_and_bad_files(tmp_path: Path) -> None:
    good = tmp_path / "acme.csv"
    good.write_text("date,open,high,low,close,volume\n2020-03-16,10,11,9,9.5,100\n2020-03-17,9.5,10.5,9,10,120\n")
    result = runner.invoke(app, ["data", "import", str(good), "--symbol", "ACME", "--data-dir", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert "stored ACME in dataset acme: 2 bars" in result.output
    again = runner.invoke(
        app, ["data", "import", str(good), "--symbol", "ACME", "--data-dir", str(tmp_path / "s"), "--json"]
    )
    assert json.loads(again.stdout) | {"hash": ""} == {
        "symbol": "ACME",
        "dataset": "acme",
        "bars": 2,
        "start": "2020-03-16",
        "end": "2020-03-17",
        "hash": "",
    }
    bad = tmp_path / "bad.csv"
    bad.write_text("date,open,high,low,close,volume\n2020-03-16,10,11,9,9.5,100\n2020-03-16,9.5,8,9,10,120\n")
    refused = runner.invoke(app, ["data", "import", str(bad), "--symbol", "BAD", "--data-dir", str(tmp_path / "s")])
    assert refused.exit_code == 2
    assert "duplicate timestamp" in refused.output and "nothing stored" in refused.output
    assert MarketStore(tmp_path / "s").names() == ["acme"]


def test_fetch_skips_symbols_the_store_already_covers(tmp_path: Path) -> None:
    store = MarketStore(tmp_path)
    calls: list[list[str]] = []

    def fetcher(symbols: Sequence[str], start: date, end: date, interval: str) -> MarketFrames:
        calls.append(list(symbols))
        return MarketFrames(daily_bars(tuple(symbols)))

    info = DatasetInfo("polygon-1d", "1d", "USD", "XNYS", "fetched from polygon", "provider's terms")
    first = fetch_into_store(store, fetcher, info, ["AAA"], date(2008, 9, 2), date(2008, 12, 31), "1d")
    again = fetch_into_store(store, fetcher, info, ["aaa", "BBB"], date(2008, 9, 2), date(2008, 12, 31), "1d")
    assert calls == [["AAA"], ["BBB"]]
    assert first.fetched == ("AAA",) and again.cached == ("AAA",) and again.fetched == ("BBB",)
    assert store.get("polygon-1d").symbols == ("AAA", "BBB")


def test_fetch_failure_stores_nothing(tmp_path: Path) -> None:
    store = MarketStore(tmp_path)

    def failing(symbols: Sequence[str], start: date, end: date, interval: str) -> MarketFrames:
        raise RuntimeError("provider down")

    info = DatasetInfo("polygon-1d", "1d", "USD", "XNYS", "fetched", "terms")
    with pytest.raises(RuntimeError):
        fetch_into_store(store, failing, info, ["AAA"], date(2008, 9, 2), date(2008, 12, 31), "1d")
    assert store.names() == []


def test_fetch_without_a_key_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POLYGON_API_KEY", raising=False)
    result = runner.invoke(
        app,
        ["data", "fetch", "--provider", "polygon", "--symbols", "AAPL", "--start", "2024-01-02", "--end", "2024-01-31",
         "--data-dir", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 2 and "POLYGON_API_KEY" in result.output
