"""How the simulated market fills one order on one bar: pure functions, no state.

Default rule: an order placed at a Round fills on the *next* bar, which the Model has not seen.

* market: at the bar's open;
* limit: at the open if the bar opens through the limit (a gap in the order's favour), else at
  the limit if the bar's range reaches it (buy: low <= limit; sell: high >= limit);
* stop (a buy stop above the market, a sell stop-loss below it): triggered when the range
  reaches the stop; fills at the stop, or at the open when the bar gaps through it (a sell stop
  at 95 on a bar opening at 90 fills at 90);
* stop-limit: a stop that, once triggered, rests as a limit order (a gap past the limit leaves
  it unfilled but triggered).

On close-only data (no open, high or low) every rule uses the close: market orders fill at the
next close, limits and stops trigger on closes. With ``fill_at = "close"`` an order fills on the
bar the Model has just seen, at its close (limits and stops judged by that close).

``close_only`` and ``market_price`` take one bar's floats or the arrays of many bars (the Round
loop prices a row's market Moves at once): one rule either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

import numpy as np
from numpy.typing import NDArray

from tradegame.domain.frozen import quick_init
from tradegame.engine.moves import OrderType, Side

__all__ = ["Bar", "Fill", "Prices", "close_only", "market_price", "match"]

Prices = NDArray[np.float64]  # a field of the bars of several Moves (``close_only``, ``market_price``)


@quick_init
@dataclass(frozen=True, slots=True)
class Bar:
    open: float
    high: float
    low: float
    close: float
    volume: float

    @property
    def close_only(self) -> bool:
        return close_only(self.open, self.high, self.low)


@quick_init
@dataclass(frozen=True, slots=True)
class Fill:
    """A price at which the order trades on this bar (before slippage), and whether a stop is now hit."""

    price: float | None
    triggered: bool


@overload
def close_only(open_: float, high: float, low: float) -> bool: ...
@overload
def close_only(open_: Prices, high: Prices, low: Prices) -> NDArray[np.bool_]: ...
def close_only(open_: float | Prices, high: float | Prices, low: float | Prices) -> bool | NDArray[np.bool_]:
    """Whether a bar with this open, high and low is close-only: one of them is unknown (NaN); of
    one bar (floats), or of several at once (arrays: the bars of a row's Moves)."""
    return (open_ != open_) | (high != high) | (low != low)


@overload
def market_price(open_: float, close: float, close_only: bool, at_close: bool) -> float: ...
@overload
def market_price(open_: Prices, close: Prices, close_only: NDArray[np.bool_], at_close: bool) -> Prices: ...
def market_price(
    open_: float | Prices, close: float | Prices, close_only: bool | NDArray[np.bool_], at_close: bool
) -> float | Prices:
    """Where a market order fills on a bar: at its open; at its close under ``fill_at = "close"``
    (``at_close``) or on a close-only bar; of one bar (floats), or of several at once (arrays)."""
    if at_close:
        return close
    if isinstance(close_only, np.ndarray):
        return np.where(close_only, close, open_)
    return close if close_only else open_


def match(
    side: Side,
    order_type: OrderType,
    limit: float | None,
    stop: float | None,
    triggered: bool,
    bar: Bar,
    *,
    at_close: bool = False,
) -> Fill:
    """Where ``order`` fills on ``bar`` (``price`` None: it does not)."""
    if order_type is OrderType.MARKET:
        return Fill(market_price(bar.open, bar.close, bar.close_only, at_close), triggered)
    if at_close or bar.close_only:
        open_ = high = low = bar.close
    else:
        open_, high, low = bar.open, bar.high, bar.low
    buy = side is Side.BUY
    if order_type is OrderType.LIMIT:
        assert limit is not None  # checked when the Move was made
        return Fill(_limit_price(buy, limit, open_, high, low), triggered)
    assert stop is not None
    trigger_price: float | None = None
    if not triggered:
        if (buy and open_ >= stop) or (not buy and open_ <= stop):
            trigger_price = open_  # gapped through the stop
        elif (buy and high >= stop) or (not buy and low <= stop):
            trigger_price = stop
        else:
            return Fill(None, False)
    if order_type is OrderType.STOP:
        return Fill(open_ if trigger_price is None else trigger_price, True)
    assert limit is not None
    if trigger_price is None:  # triggered on an earlier bar: a plain limit now
        return Fill(_limit_price(buy, limit, open_, high, low), True)
    # Triggered on this bar at ``trigger_price``: fill there if it is within the limit.
    if (buy and trigger_price <= limit) or (not buy and trigger_price >= limit):
        return Fill(trigger_price, True)
    return Fill(None, True)


def _limit_price(buy: bool, limit: float, open_: float, high: float, low: float) -> float | None:
    if buy:
        if open_ <= limit:
            return open_
        return limit if low <= limit else None
    if open_ >= limit:
        return open_
    return limit if high >= limit else None
