"""SmaCrossover trades on the crossing bars and fills at the next open."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from tests.unit.models.kit import (
    OPEN_BELOW_CLOSE,
    FakeContext,
    bars,
    day_of,
    fill_parts,
    nyse_days,
    of_kind,
    run,
    universe,
)
from tradegame.domain.errors import InvalidInputError
from tradegame.engine.universe import UniverseView
from tradegame.models import SmaCrossover

# SMA(3) vs SMA(5) by hand: equal up to row 4; fast above from row 5 (10.33 > 10.2), below from
# row 10 (11.0 < 11.6), above again from row 15 (10.0 > 9.4).
CLOSES = [10, 10, 10, 10, 10, 11, 12, 13, 12, 11, 10, 9, 8, 9, 10, 11, 12, 13]
DECISION_ROWS = [5, 10, 15]  # buy, sell, buy


def expected_decisions(closes: Sequence[float], fast: int, slow: int) -> list[int]:
    """The same rule written with pandas rolling means: an independent check of the hand answer."""
    series = pd.Series(closes, dtype=float)
    fast_sma, slow_sma = series.rolling(fast).mean(), series.rolling(slow).mean()
    rows, holding = [], False
    for row in range(len(series)):
        if np.isnan(slow_sma[row]):
            continue
        if fast_sma[row] > slow_sma[row] and not holding:
            rows.append(row)
            holding = True
        elif fast_sma[row] < slow_sma[row] and holding:
            rows.append(row)
            holding = False
    return rows


def test_hand_answer_agrees_with_pandas() -> None:
    assert expected_decisions(CLOSES, 3, 5) == DECISION_ROWS


def test_trades_exactly_on_the_crossing_bars_at_the_next_open() -> None:
    days = nyse_days("2024-01-02", len(CLOSES))
    result = run(SmaCrossover("ACME", fast=3, slow=5), bars({"ACME": CLOSES}, days))

    placed = of_kind(result, "placed", "ACME")
    assert [day_of(e) for e in placed] == [str(days[r].date()) for r in DECISION_ROWS]
    fills = of_kind(result, "filled", "ACME")
    trades = [e for e in fills if not e.move_id.startswith("L-")]  # type: ignore[union-attr]
    assert [day_of(e) for e in trades] == [str(days[r + 1].date()) for r in DECISION_ROWS]
    sides = [fill_parts(e)[0] for e in trades]
    prices = [fill_parts(e)[2] for e in trades]
    assert sides == ["buy", "sell", "buy"]
    assert prices == [Decimal(str(CLOSES[r + 1] - OPEN_BELOW_CLOSE)) for r in DECISION_ROWS]
    # Weight 1: the whole value at the decision close, in whole shares at the next open.
    assert fill_parts(trades[0])[1] == Decimal(10000) // Decimal("11.75")
    assert fill_parts(trades[1])[1] == fill_parts(trades[0])[1]
    # The position left at the end is liquidated at the last close (the data has no later bar).
    (last,) = of_kind(result, "liquidated", "ACME")
    assert last.detail == f"{fill_parts(trades[2])[1]} at the last close: no later bar in the data"


def test_waits_for_slow_closes_and_reads_history_before_the_start() -> None:
    closes = [10.0] * 5 + [11.0, 12.0, 13.0, 14.0]
    days = nyse_days("2024-01-02", len(closes))
    # The Game starts on row 5; rows 0..4 are history the model may read.
    result = run(SmaCrossover("ACME", fast=2, slow=4), bars({"ACME": closes}, days), start=days[5].date())
    placed = of_kind(result, "placed", "ACME")
    assert [day_of(e) for e in placed] == [str(days[5].date())]

    too_short = run(SmaCrossover("ACME", fast=2, slow=8), bars({"ACME": closes[:7]}, days))
    assert of_kind(too_short, "placed") == []


def test_weight_sizes_the_buy() -> None:
    days = nyse_days("2024-01-02", len(CLOSES))
    result = run(SmaCrossover("ACME", fast=3, slow=5, weight="0.5"), bars({"ACME": CLOSES}, days))
    first = of_kind(result, "filled", "ACME")[0]
    assert fill_parts(first)[1] == Decimal(5000) // Decimal("11.75")


def test_skips_missing_bars() -> None:
    # Another symbol has bars on every day; ACME misses some: its SMA uses its own closes only.
    closes = [10.0, np.nan, 10.0, 10.0, np.nan, 10.0, 11.0, 12.0]
    days = nyse_days("2024-01-02", len(closes))
    frame = bars({"ACME": closes, "ZZZ": [50.0] * len(closes)}, days)
    result = run(SmaCrossover("ACME", fast=2, slow=5), frame)
    placed = of_kind(result, "placed", "ACME")
    assert [day_of(e) for e in placed] == [str(days[6].date())]  # the 6th valid close: 10,10,10,10,11


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"fast": 0}, "fast"),
        ({"fast": 5, "slow": 5}, "fast must be shorter than slow"),
        ({"slow": 2.5}, "slow"),
        ({"weight": "1.5"}, "weight"),
        ({"weight": 0}, "weight"),
        ({"symbol": ""}, "symbol"),
    ],
)
def test_bad_parameters_are_named(kwargs: dict[str, object], named: str) -> None:
    params: dict[str, object] = {"symbol": "ACME", "fast": 2, "slow": 4} | kwargs
    with pytest.raises(InvalidInputError, match=named):
        SmaCrossover(**params)  # type: ignore[arg-type]


class RecordingView:
    """A universe view that notes the windows a Model asks for."""

    def __init__(self, view: UniverseView) -> None:
        self.view, self.windows = view, list[int | None]()

    def close(self, symbols: list[str] | None = None, window: int | None = None) -> np.ndarray:
        self.windows.append(window)
        return self.view.close(symbols, window)


def test_reads_only_a_window_of_slow_rows() -> None:
    closes = [float(100 + i % 7) for i in range(300)]
    days = nyse_days("2023-01-03", len(closes))
    u = universe(bars({"ACME": closes}, days))
    view = RecordingView(UniverseView(u, u.panel.as_of(pd.Timestamp(days[-1]) + pd.Timedelta(hours=23))))
    ctx = FakeContext(0, pd.Timestamp(days[-1]), view)  # type: ignore[arg-type]
    SmaCrossover("ACME", fast=5, slow=20).decide(ctx)  # type: ignore[arg-type]
    assert view.windows == [20]


def test_indicators_are_the_averages_decide_compares() -> None:
    # The hand-worked SMA(3) and SMA(5) of CLOSES, and a gap skipped as decide skips it.
    days = nyse_days("2024-01-02", len(CLOSES))
    lines = SmaCrossover("ACME", fast=3, slow=5).indicators(universe(bars({"ACME": CLOSES}, days)))
    fast, slow = lines["ACME"]["SMA(3)"], lines["ACME"]["SMA(5)"]
    assert np.isnan(fast[:4]).all() and np.isnan(slow[:4]).all()  # nothing before 5 closes
    assert fast[5] == pytest.approx(31 / 3) and slow[5] == pytest.approx(10.2)  # row 5: 10.33 > 10.2
    assert fast[10] == pytest.approx(11.0) and slow[10] == pytest.approx(11.6)  # row 10: below
    gappy = [10.0, np.nan, 10.0, 10.0, np.nan, 10.0, 11.0, 12.0]
    frame = bars({"ACME": gappy, "ZZZ": [50.0] * len(gappy)}, nyse_days("2024-01-02", len(gappy)))
    line = SmaCrossover("ACME", fast=2, slow=5).indicators(universe(frame))["ACME"]["SMA(5)"]
    assert np.isnan(line[:6]).all()  # ACME's 5th close is on row 6 (rows 1 and 4 have none)
    assert line[6] == pytest.approx(10.2) and line[7] == pytest.approx(10.6)
