"""``tg.universe``, ``tg.load_game`` and ``tg.play``: their inputs, and what they refuse."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import tradegame as tg
from tradegame.data.errors import BadDataError, DatasetNotFoundError


def test_a_bundled_dataset_by_name() -> None:
    whole = tg.universe("arch-sp500")
    assert whole.symbols == ("SPX",) and whole.panel.frequency == "1d" and whole.panel.calendar == "XNYS"
    assert whole.panel.rows == 5031 and whole.panel.content_hash
    assert whole.instruments["SPX"].quote_currency.code == "USD"


def test_a_dataset_narrowed_to_symbols_and_dates() -> None:
    stocks = tg.universe("skfolio-sp500", ["AAPL", "JPM"], start=date(2020, 3, 2), end="2020-03-31")
    assert stocks.symbols == ("AAPL", "JPM") and stocks.panel.rows == 22
    times = pd.DatetimeIndex(stocks.panel.labels, tz="UTC")
    assert times[0] == pd.Timestamp("2020-03-02", tz="UTC") and times[-1] == pd.Timestamp("2020-03-31", tz="UTC")


def test_a_dataset_keeps_its_currency_and_refuses_another() -> None:
    assert tg.universe("samsung-krw", end="2000-02-01").instruments["005930"].quote_currency.code == "KRW"
    with pytest.raises(tg.InvalidInputError, match="currency: dataset 'arch-sp500' has its own currency"):
        tg.universe("arch-sp500", currency="EUR")


def test_unknown_datasets_and_symbols_are_refused_by_name() -> None:
    with pytest.raises(DatasetNotFoundError, match="no dataset 'no-such-data'"):
        tg.universe("no-such-data")
    with pytest.raises(DatasetNotFoundError, match="has no symbol SPY"):
        tg.universe("arch-sp500", ["SPY"])


def _long_frame() -> pd.DataFrame:
    days = pd.bdate_range("2024-01-02", periods=5)
    rows = []
    for symbol, base in (("ACME", 10.0), ("BETA", 50.0)):
        for i, day in enumerate(days):
            price = base + i
            rows.append((symbol, day, price, price + 1, price - 1, price + 0.5, 1000.0))
    return pd.DataFrame(rows, columns=["symbol", "date", "Open", "High", "Low", "Close", "Volume"])


def test_a_long_frame_of_bars() -> None:
    universe = tg.universe(_long_frame())
    assert universe.symbols == ("ACME", "BETA") and universe.panel.rows == 5
    assert (
        universe.panel.frequency == "1d"
        and universe.panel.calendar == "XNYS"
        and len(universe.panel.content_hash) == 64
    )
    np.testing.assert_array_equal(universe.panel.fields["close"][:, 0], [10.5, 11.5, 12.5, 13.5, 14.5])
    assert np.isnan(universe.panel.fields["adj_close"]).all()
    only = tg.universe(_long_frame(), ["BETA"], start="2024-01-03", end="2024-01-05", currency="EUR")
    assert only.symbols == ("BETA",) and only.panel.rows == 3
    assert only.instruments["BETA"].quote_currency.code == "EUR"


def test_one_symbol_on_a_datetime_index() -> None:
    index = pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-01-04"], name="Date")
    frame = pd.DataFrame({"Close": [1.0, 2.0, 3.0], "Adj Close": [1.0, 2.0, 3.0]}, index=index)
    universe = tg.universe(frame, ["ACME"])
    assert universe.symbols == ("ACME",)
    np.testing.assert_array_equal(universe.panel.fields["adj_close"][:, 0], [1.0, 2.0, 3.0])
    with pytest.raises(tg.InvalidInputError, match="has no symbol column; name its one symbol"):
        tg.universe(frame)


def test_a_frame_with_problems_is_refused_with_every_problem() -> None:
    with pytest.raises(tg.InvalidInputError, match="no close column"):
        tg.universe(pd.DataFrame({"symbol": ["A"], "ts": ["2024-01-02"], "open": [1.0]}))
    bad = _long_frame()
    bad.loc[1, "Close"] = -3.0
    bad = pd.concat([bad, bad.iloc[[7]]])  # BETA's third bar twice
    with pytest.raises(BadDataError) as refused:
        tg.universe(bad)
    assert len(refused.value.problems) == 2
    text = _long_frame().astype({"Close": object})
    text.loc[2, "Close"] = "n/a"
    with pytest.raises(tg.InvalidInputError, match="frame: close: not a number"):
        tg.universe(text)
    with pytest.raises(tg.InvalidInputError, match="a dataset name or a pandas DataFrame"):
        tg.universe(42)  # type: ignore[arg-type]


def _spec() -> tg.GameSpec:
    return tg.GameSpec(
        name="hold",
        start=date(2010, 1, 4),
        end=date(2010, 3, 31),
        start_fund=Decimal(10_000),
        data=(tg.DataSpec("arch-sp500", symbols=("SPX",)),),
    )


def test_a_game_plays_once_and_a_game_in_code_is_not_recorded(tmp_path: object) -> None:
    game = tg.load_game(_spec(), tg.models.BuyAndHold(["SPX"]))
    with pytest.raises(tg.InvalidInputError, match="cannot be recorded"):
        tg.play(game, db="games.sqlite")
    result = tg.play(game)
    assert result.outcome == "completed" and result.game_id is None
    with pytest.raises(tg.InvalidInputError, match="played already"):
        tg.play(game)


def test_load_game_wants_a_model_with_a_spec_and_none_with_a_file() -> None:
    with pytest.raises(tg.InvalidInputError, match="a GameSpec needs a Model"):
        tg.load_game(_spec())
    with pytest.raises(tg.InvalidInputError, match="names its own Model"):
        tg.load_game("game.toml", tg.models.BuyAndHold())
    with pytest.raises(tg.InvalidGameError, match="start_fund"):
        tg.load_game(tg.GameSpec("x", date(2010, 1, 4), Decimal(0), end=date(2011, 1, 1)), tg.models.BuyAndHold())
