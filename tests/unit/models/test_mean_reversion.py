"""MeanReversion: Wilder's RSI against hand-worked values and a pandas oracle; Bollinger signals."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from tests.unit.models.kit import OPEN_BELOW_CLOSE, bars, day_of, fill_parts, nyse_days, of_kind, run
from tradegame.domain.errors import InvalidInputError
from tradegame.models import MeanReversion, wilder_rsi


def pandas_rsi(closes: np.ndarray, period: int) -> pd.Series:
    """Wilder's RSI written the pandas way: SMA seed, then ``ewm(alpha=1/period, adjust=False)``."""
    change = pd.Series(closes).diff()
    out = pd.Series(np.nan, index=change.index)
    averages = []
    for part in (change.clip(lower=0), (-change).clip(lower=0)):
        seed = pd.Series([part.iloc[1 : period + 1].mean()], index=[period])
        averages.append(pd.concat([seed, part.iloc[period + 1 :]]).ewm(alpha=1 / period, adjust=False).mean())
    gain, loss = averages
    out[period:] = (100 - 100 / (1 + gain / loss)).to_numpy()
    return out


def test_rsi_by_hand() -> None:
    # Changes +1 +1 -1 +1 +1, period 3: seed gain 2/3, loss 1/3 -> RS 2 -> 66.67; then
    # gain (2/3*2+1)/3 = 7/9, loss 2/9 -> RS 3.5 -> 77.78; then 23/27 and 4/27 -> RS 5.75 -> 85.19.
    closes = np.array([1.0, 2.0, 3.0, 2.0, 3.0, 4.0])
    assert np.isnan(wilder_rsi(closes[:3], 3))
    assert wilder_rsi(closes[:4], 3) == pytest.approx(100 - 100 / 3)
    assert wilder_rsi(closes[:5], 3) == pytest.approx(100 - 100 / 4.5)
    assert wilder_rsi(closes, 3) == pytest.approx(100 - 100 / 6.75)
    assert wilder_rsi(np.array([5.0, 6.0, 7.0, 8.0]), 3) == 100.0  # no losses
    assert wilder_rsi(np.full(5, 5.0), 3) == 50.0  # no change at all


@pytest.mark.parametrize("period", [2, 5, 14])
def test_rsi_matches_pandas_at_every_bar(period: int) -> None:
    closes = 100 * np.exp(np.cumsum(np.random.default_rng(period).normal(0, 0.02, 300)))
    oracle = pandas_rsi(closes, period)
    ours = np.array([wilder_rsi(closes[: t + 1], period) for t in range(len(closes))])
    np.testing.assert_allclose(ours[period:], oracle.to_numpy()[period:], rtol=0, atol=1e-9)
    assert np.isnan(ours[:period]).all()


def test_rsi_on_the_default_window_matches_the_full_history() -> None:
    closes = 100 * np.exp(np.cumsum(np.random.default_rng(3).normal(0, 0.02, 2000)))
    full = pandas_rsi(closes, 14).iloc[-1]
    assert wilder_rsi(closes[-20 * 14 :], 14) == pytest.approx(full, abs=1e-6)


def expected_rsi_trades(closes: list[float], period: int, lower: float, upper: float) -> list[int]:
    rsi = pandas_rsi(np.asarray(closes, dtype=float), period)
    rows, holding = [], False
    for row, value in enumerate(rsi):
        if not holding and value < lower:
            rows.append(row)
            holding = True
        elif holding and value > upper:
            rows.append(row)
            holding = False
    return rows


def test_rsi_model_buys_oversold_and_sells_overbought() -> None:
    # A slide, a rebound, another slide and rebound.
    closes = [50.0 - i + (0.5 if i % 3 == 0 else 0) for i in range(12)]
    closes += [closes[-1] + 1.5 * i for i in range(1, 10)]
    closes += [closes[-1] - 1.2 * i for i in range(1, 10)]
    closes += [closes[-1] + 1.4 * i for i in range(1, 10)]
    decisions = expected_rsi_trades(closes, 5, 30, 70)
    assert len(decisions) == 4  # the data really has two round trips

    days = nyse_days("2024-01-02", len(closes))
    result = run(MeanReversion("ACME", period=5), bars({"ACME": closes}, days))
    placed = of_kind(result, "placed", "ACME")
    assert [day_of(e) for e in placed] == [str(days[r].date()) for r in decisions]
    trades = [e for e in of_kind(result, "filled", "ACME") if not (e.move_id or "").startswith("L-")]
    assert [fill_parts(e)[0] for e in trades] == ["buy", "sell", "buy", "sell"]
    assert [fill_parts(e)[2] for e in trades] == [
        Decimal(str(round(closes[r + 1] - OPEN_BELOW_CLOSE, 2))) for r in decisions
    ]
    assert all("rsi " in e.detail for e in placed)


def test_bollinger_signals_by_hand() -> None:
    # Window 5, k 1.5. Row 5: window 10,10,10,10,8 -> mean 9.6, std 0.8, lower band 8.4: 8 < 8.4 -> buy.
    # Row 6: 10,10,10,8,9 -> mean 9.4: 9 is not above it. Row 7: 10,10,8,9,10 -> mean 9.4: 10 > 9.4 -> sell.
    closes = [10.0, 10.0, 10.0, 10.0, 10.0, 8.0, 9.0, 10.0, 10.0, 10.0]
    series = pd.Series(closes)
    mean, std = series.rolling(5).mean(), series.rolling(5).std(ddof=0)
    assert (mean[5], std[5]) == pytest.approx((9.6, 0.8))
    assert bool(series[5] < mean[5] - 1.5 * std[5]) and bool(series[7] > mean[7])

    days = nyse_days("2024-01-02", len(closes))
    result = run(MeanReversion("ACME", method="bollinger", period=5, k=1.5), bars({"ACME": closes}, days))
    placed = of_kind(result, "placed", "ACME")
    assert [day_of(e) for e in placed] == [str(days[5].date()), str(days[7].date())]
    assert ["buy" in e.detail for e in placed] == [True, False]
    trades = of_kind(result, "filled", "ACME")
    assert [fill_parts(e)[2] for e in trades] == [Decimal("8.75"), Decimal("9.75")]

    # With k = 2 the band is 8.0 and the close of 8 is not below it: no trade.
    quiet = run(MeanReversion("ACME", method="bollinger", period=5, k=2), bars({"ACME": closes}, days))
    assert of_kind(quiet, "placed") == []


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"method": "macd"}, "method"),
        ({"period": 0}, "period"),
        ({"lower": 80, "upper": 70}, "lower must be below upper"),
        ({"upper": 101}, "upper"),
        ({"k": 2}, "k is a Bollinger parameter"),
        ({"method": "bollinger", "lower": 20}, "lower is an RSI parameter"),
        ({"method": "bollinger", "k": 0}, "k must be positive"),
        ({"method": "bollinger", "period": 1}, "period"),
        ({"history": 10}, "history"),
        ({"weight": "2"}, "weight"),
    ],
)
def test_bad_parameters_are_named(kwargs: dict[str, object], named: str) -> None:
    with pytest.raises(InvalidInputError, match=named):
        MeanReversion("ACME", **kwargs)  # type: ignore[arg-type]
