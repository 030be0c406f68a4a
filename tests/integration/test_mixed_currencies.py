"""A Game on USD and KRW datasets (issue 12, item 1): Samsung's prices stay in won, the Game's
value is in dollars, and every Round's value can be checked by hand from the bars and the stated
static rate (the data has no USD/KRW series)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from tradegame.app.play import play_file
from tradegame.data.store import MarketStore

EXAMPLE = Path(__file__).parents[2] / "examples" / "games" / "mixed-krw.toml"
RATE = 0.00088  # the Game file's fx_rates.KRW


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return play_file(EXAMPLE, MarketStore(tmp_path_factory.mktemp("store")))


def test_samsung_is_quoted_and_filled_in_won(played) -> None:  # type: ignore[no-untyped-def]
    universe = played.universe
    assert universe.instruments["005930"].quote_currency.code == "KRW"  # today: USD, the first dataset's
    assert universe.instruments["SPX"].quote_currency.code == "USD"
    (buy,) = [e for e in played.result.events if e.kind == "filled" and e.symbol == "005930" and "buy" in e.detail]
    units, price = buy.detail.split(" ")[1], buy.detail.split(" ")[3]
    assert buy.detail.split(" ")[4] == "KRW"
    panel = universe.panel
    row = int(
        np.searchsorted(universe.fill_times, np.datetime64(buy.time[:19]).astype("datetime64[ns]").astype(np.int64))
    )
    opening = float(panel.fields["open"][row, panel.column("005930")])
    assert Decimal(price) == round(Decimal(repr(opening)))  # the won's tick is 1 (no minor unit)
    # Half of 100,000 USD at 0.00088 USD per won buys about 50,000 / 0.00088 / price shares, not 50,000 / price.
    assert int(units) == pytest.approx(50_000 / RATE / float(price), rel=0.01)


def test_every_rounds_value_is_cash_plus_holdings_at_the_closes_and_the_stated_rate(played) -> None:  # type: ignore[no-untyped-def]
    result, universe = played.result, played.universe
    (fx,) = [e.detail for e in result.events if e.kind == "fx"]
    assert fx.startswith("KRW to USD: static fx_rates (0.00088 USD per KRW")
    panel = universe.panel
    closes = universe.filled_close
    usd, krw = 100_000.0, 0.0
    held = {"SPX": 0, "005930": 0}
    rows = np.searchsorted(panel.available, result.times, side="right") - 1
    events = iter(result.events)
    pending = next(events)
    for index in range(len(result.times) - 1):  # the last value is after the end's sales
        while pending is not None and pending.round <= index:
            parts = pending.detail.split(" ")
            if pending.kind == "filled" and parts[0] in ("buy", "sell"):
                sign = 1 if parts[0] == "buy" else -1
                units, price = int(parts[1]), float(parts[3])
                fee = float(parts[parts.index("fee") + 1])
                held[pending.symbol] += sign * units  # type: ignore[index]
                amount = -sign * units * price - fee
                if pending.symbol == "005930":
                    krw += amount
                else:
                    usd += amount
            elif pending.kind == "converted" and parts[1] == "USD":
                usd -= float(parts[0])
                krw += float(parts[-2])
                fee_usd = next(c.fee.amount for c in result.books.cost_ledger if c.action == "convert")
                usd -= float(fee_usd)
            pending = next(events, None)
        row = rows[index]
        value = usd + krw * RATE + held["SPX"] * closes[row, panel.column("SPX")]
        value += held["005930"] * closes[row, panel.column("005930")] * RATE
        assert result.values[index] == pytest.approx(value, abs=0.02), index
