"""The same Games played by tradegame and by three peer backtesters (backtesting.py, backtrader,
vectorbt), with each side's fills reduced to one comparable shape.

Used by ``tests/oracle/test_peers_*.py`` (trade-by-trade agreement) and by
``benchmarks/peers.py`` (timing). The peers are dev-only dependencies, imported lazily inside
the functions that use them, so importing this module costs only pandas and tradegame.

Data. Every side gets the same bars: the bundled real datasets with prices rounded to the cent.
The files hold float32 noise (``1228.099976`` for 1228.10); tradegame fills at the instrument's
tick (0.01 for equities), the peers at the raw float, so rounding once, before either side sees
the data, removes a difference that is not about the strategy.

Sizing. Every side buys whole shares with all its cash (target weight 1 in tradegame). How a
peer sizes "all the cash" when a fee is charged, whether it rounds fees, and whether it sells
what is held at the end differ; ``replay_all_in`` recomputes a result from a trade list under
either convention (``TRADEGAME`` or ``PEER``) in exact ``Decimal`` arithmetic, so a test can show
that the convention explains a mismatch to the cent.

This module must not be imported by ``src/``; it imports tradegame's public API only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any, Literal

import numpy as np
import pandas as pd

from tradegame.data.datasets import load_dataset
from tradegame.data.panel import Panel
from tradegame.domain.money import USD
from tradegame.engine.context import RoundContext
from tradegame.engine.costs import NoFee, PercentOfNotional
from tradegame.engine.game import GameResult, play
from tradegame.engine.moves import Action, Move
from tradegame.engine.spec import AccountSpec, DataSpec, GameSpec
from tradegame.engine.sweep import SweepResult, sweep
from tradegame.engine.universe import Universe
from tradegame.models.sma import SmaCrossover, crossover_signals

__all__ = [
    "CENT",
    "PEER",
    "SWEEP_PAIRS",
    "TRADEGAME",
    "EqualWeightMonthly",
    "Fill",
    "PeerRun",
    "RoundTrip",
    "backtesting_sma",
    "backtrader_fill",
    "backtrader_rebalance",
    "backtrader_sma",
    "bars_wide",
    "cent_bars",
    "rebalance_days",
    "replay_all_in",
    "round_trips",
    "sma",
    "sweep_live",
    "tradegame_rebalance",
    "tradegame_sma",
    "tradegame_sweep",
    "universe_of",
    "vectorbt_rebalance",
    "vectorbt_sma",
    "vectorbt_sweep",
]

CENT = Decimal("0.01")
FillAt = Literal["next_open", "close"]
Convention = Literal["tradegame", "peer"]
TRADEGAME: Convention = "tradegame"
PEER: Convention = "peer"


# -- data ---------------------------------------------------------------------------------------


@cache
def cent_bars(dataset: str, symbols: tuple[str, ...] | None = None, start: str | None = None) -> pd.DataFrame:
    """A bundled dataset's bars (long: symbol, ts, OHLCV), prices rounded to the cent.

    ``start`` drops earlier rows. Close-only datasets keep NaN opens (tradegame then fills at the
    next close; ``bars_wide`` gives the peers open = close so they do the same).
    """
    bars = load_dataset(dataset).bars
    if symbols is not None:
        bars = bars[bars["symbol"].isin(symbols)]
    if start is not None:
        bars = bars[bars["ts"] >= pd.Timestamp(start, tz="UTC")]
    bars = bars.copy()
    for column in ("open", "high", "low", "close"):
        bars[column] = bars[column].round(2)
    bars["adj_close"] = np.nan
    return bars.reset_index(drop=True)


def universe_of(bars: pd.DataFrame) -> Universe:
    """The tradegame Universe over ``bars`` (daily, NYSE calendar, USD)."""
    panel = Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD", content_hash="oracle")
    return Universe.from_panel(panel, currency=USD)


def bars_wide(bars: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per field (open, high, low, close, volume), a dates x symbols frame with a tz-naive index.

    Missing opens/highs/lows (close-only data) are the close, so a peer's next-open fill is the
    next close, as tradegame's is on such data.
    """
    wide = {
        field: bars.pivot(index="ts", columns="symbol", values=field).sort_index()
        for field in ("open", "high", "low", "close", "volume")
    }
    for frame in wide.values():
        frame.index = pd.DatetimeIndex(frame.index).tz_localize(None)
        frame.columns.name = None
    for field in ("open", "high", "low"):
        wide[field] = wide[field].fillna(wide["close"])
    wide["volume"] = wide["volume"].fillna(0.0)
    return wide


def sma(values: np.ndarray, n: int) -> np.ndarray:
    """The simple moving average exactly as ``SmaCrossover`` computes it (NaN before ``n`` values).

    ``slice.sum() / n``: bit for bit tradegame's float, so a near-tie between the two averages is
    decided the same way on every side (a rolling mean updated incrementally may differ in the
    last bit).
    """
    out = np.full(len(values), np.nan)
    for end in range(n, len(values) + 1):
        out[end - 1] = float(values[end - n : end].sum()) / n
    return out


# -- results in one shape ------------------------------------------------------------------------


@dataclass(frozen=True)
class Fill:
    """One execution: the session day, side, whole shares, price (cents) and the fee paid."""

    day: date
    side: Literal["buy", "sell"]
    size: int
    price: Decimal
    fee: Decimal  # as the side booked it (tradegame: cents; peers: exact value of their float)
    symbol: str = ""


@dataclass(frozen=True)
class RoundTrip:
    """A buy and the sell that closed it; ``marked`` when the peer left it open at the end and it
    is valued, not sold, at the last close."""

    entry_day: date
    entry_price: Decimal
    exit_day: date
    exit_price: Decimal
    size: int
    marked: bool = False

    def timing(self) -> tuple[date, Decimal, date, Decimal]:
        return self.entry_day, self.entry_price, self.exit_day, self.exit_price


@dataclass(frozen=True)
class PeerRun:
    """One side's run: its fills and final equity (``Decimal`` of its float, or exact)."""

    name: str
    fills: tuple[Fill, ...]
    final_equity: Decimal
    last_day: date
    last_close: Decimal
    extra: Any = None  # the side's own result object, for debugging

    def trips(self) -> list[RoundTrip]:
        return round_trips(self.fills, self.last_day, self.last_close)


def cents(price: float) -> Decimal:
    """A price the data holds in cents, as an exact ``Decimal`` (refuses a price off the cent grid)."""
    value = Decimal(repr(round(float(price), 2)))
    if abs(float(value) - price) > 1e-6:
        raise ValueError(f"price {price!r} is not a cent price")
    return value


def exact(number: float) -> Decimal:
    """The shortest decimal of a float (a peer's cash or fee)."""
    return Decimal(repr(float(number)))


def backtrader_fill(order: Any, symbol: str = "") -> Fill:
    """A completed backtrader order as a ``Fill`` (its commission as the exact value of its float)."""
    import backtrader as bt

    executed = order.executed
    return Fill(
        bt.num2date(executed.dt).date(),
        "buy" if order.isbuy() else "sell",
        abs(int(executed.size)),
        cents(executed.price),
        exact(executed.comm),
        symbol,
    )


def round_trips(fills: Sequence[Fill], last_day: date, last_close: Decimal) -> list[RoundTrip]:
    """Pair each all-in buy with the sell that empties the position (one symbol, long only)."""
    trips: list[RoundTrip] = []
    open_buy: Fill | None = None
    for fill in fills:
        if fill.side == "buy":
            if open_buy is not None:
                raise ValueError(f"a second buy on {fill.day} while long")
            open_buy = fill
        else:
            if open_buy is None or fill.size != open_buy.size:
                raise ValueError(f"a sell on {fill.day} that does not close the position")
            trips.append(RoundTrip(open_buy.day, open_buy.price, fill.day, fill.price, fill.size))
            open_buy = None
    if open_buy is not None:
        trips.append(RoundTrip(open_buy.day, open_buy.price, last_day, last_close, open_buy.size, marked=True))
    return trips


# -- what a convention makes of a trade list --------------------------------------------------


def _fee_cents(notional: Decimal, rate: Decimal) -> Decimal:
    return (notional * rate).quantize(CENT, ROUND_HALF_UP)


def replay_all_in(
    start_cash: Decimal,
    timings: Sequence[tuple[date, Decimal, date, Decimal]],
    rate: Decimal,
    convention: Convention,
    *,
    open_at_end: bool = False,
) -> tuple[list[int], Decimal]:
    """Sizes and final equity of all-in round trips with these entry/exit prices, exactly.

    ``TRADEGAME``: the buy is the most whole shares whose cost plus fee (``rate`` x notional,
    rounded to the cent, half up) fits the cash; each fill's fee is rounded to the cent.
    ``PEER`` (backtesting.py, backtrader with a ``floor(cash / (price * (1 + rate)))`` sizer,
    vectorbt ``size=inf, size_granularity=1``): the buy is ``floor(cash / (price * (1 + rate)))``
    shares and fees are not rounded. ``open_at_end``: the last trip's exit is only the valuation
    at the last close and pays no exit fee (backtrader and vectorbt keep the position open).
    """
    cash = start_cash
    sizes: list[int] = []
    for index, (_, entry, _, exit_price, *_) in enumerate(timings):
        last = index == len(timings) - 1
        if convention == TRADEGAME:
            size = int((cash / entry).to_integral_value(ROUND_DOWN))
            while size > 0 and size * entry + _fee_cents(size * entry, rate) > cash:
                size -= 1
            cash -= size * entry + _fee_cents(size * entry, rate)
            cash += size * exit_price - _fee_cents(size * exit_price, rate)
        else:
            size = int((cash / (entry * (1 + rate))).to_integral_value(ROUND_DOWN))
            cash -= size * entry * (1 + rate)
            exit_fee = Decimal(0) if (last and open_at_end) else size * exit_price * rate
            cash += size * exit_price - exit_fee
        sizes.append(size)
    return sizes, cash


# -- SMA crossover on one symbol -----------------------------------------------------------------


@dataclass(frozen=True)
class SmaSetup:
    """One SMA Game as every side plays it: the bars, the pair, the fill rule, the fee."""

    bars: pd.DataFrame
    symbol: str
    fast: int
    slow: int
    fill_at: FillAt
    rate: Decimal
    start_cash: Decimal = Decimal(100_000)
    round_fees: bool = False  # backtesting.py and backtrader charge the fee rounded to the cent (cent_fee)

    @property
    def frame(self) -> pd.DataFrame:
        """The symbol's bars as the peers take them: Open/High/Low/Close/Volume, tz-naive dates."""
        one = self.bars[self.bars["symbol"] == self.symbol]
        frame = pd.DataFrame(
            {
                "Open": one["open"].to_numpy(),
                "High": one["high"].to_numpy(),
                "Low": one["low"].to_numpy(),
                "Close": one["close"].to_numpy(),
                "Volume": one["volume"].to_numpy(),
            },
            index=pd.DatetimeIndex(one["ts"]).tz_localize(None),
        )
        return frame

    @property
    def first_decision(self) -> int:
        """The first bar any side decides on: bar ``slow`` (0-based).

        backtesting.py calls ``next`` first on the bar after its indicators' warm-up ("+1 to have
        at least two entries available"), one bar later than tradegame, backtrader and vectorbt
        could; every side starts there.
        """
        return self.slow

    def spec(self, frame: pd.DataFrame | None = None) -> GameSpec:
        """The Game: from bar ``first_decision`` to the last (``frame``: ``self.frame`` if already built)."""
        frame = self.frame if frame is None else frame
        return self.spec_between(frame.index[self.first_decision].date(), frame.index[-1].date())

    def spec_between(self, start: date, end: date) -> GameSpec:
        """The Game from ``start`` (the day of bar ``first_decision``) to ``end`` (the last bar's day)."""
        fees = NoFee() if not self.rate else PercentOfNotional(self.rate)
        return GameSpec(
            f"oracle-sma-{self.fast}-{self.slow}",
            start,
            self.start_cash,
            end=end,
            data=(DataSpec("oracle"),),
            accounts=(AccountSpec("main", fees=fees),),
            fill_at=self.fill_at,
        )


def fills_of(result: GameResult) -> tuple[Fill, ...]:
    """tradegame's fills from its cost ledger, in booking order."""
    out = []
    for entry in result.books.cost_ledger:
        if entry.action not in ("buy", "sell"):
            continue
        quantity = entry.quantity
        out.append(
            Fill(
                entry.timestamp.date(),
                "buy" if entry.action == "buy" else "sell",
                int(quantity),
                (entry.notional.amount / quantity).quantize(CENT),
                entry.fee.amount,
                entry.symbol,
            )
        )
    return tuple(out)


def tradegame_sma(setup: SmaSetup, universe: Universe | None = None) -> PeerRun:
    """``SmaCrossover(weight=1)`` played by tradegame."""
    universe = universe or universe_of(setup.bars[setup.bars["symbol"] == setup.symbol])
    # The spec's dates and the last close, from tradegame's own panel (the peers' frame is theirs).
    panel = universe.panel
    close = panel.fields["close"][:, panel.column(setup.symbol)]
    rows = np.flatnonzero(close == close)  # the symbol's bars
    start, end = (utc_day(panel.labels[rows[i]]) for i in (setup.first_decision, -1))
    model = SmaCrossover(setup.symbol, setup.fast, setup.slow, Decimal(1))
    result = play(setup.spec_between(start, end), universe, model)
    return PeerRun("tradegame", fills_of(result), result.score.final_value, end, cents(close[rows[-1]]), result)


def utc_day(ns: int) -> date:
    """The UTC day of an int64 ns timestamp (a bar's label)."""
    return pd.Timestamp(int(ns), tz="UTC").date()


def backtesting_sma(setup: SmaSetup) -> PeerRun:
    """backtesting.py: ``fast > slow and not position: buy()`` (all in), ``fast < slow and
    position: close()``; ``trade_on_close`` for the same-close rule; ``finalize_trades`` sells at
    the last close, as tradegame does."""
    from backtesting import Backtest, Strategy

    fast_n, slow_n = setup.fast, setup.slow

    class SmaCross(Strategy):
        def init(self) -> None:
            self.fast = self.I(sma, self.data.Close, fast_n)
            self.slow = self.I(sma, self.data.Close, slow_n)

        def next(self) -> None:
            fast, slow = self.fast[-1], self.slow[-1]
            if fast > slow and not self.position:
                self.buy()
            elif fast < slow and self.position:
                self.position.close()

    frame = setup.frame
    test = Backtest(
        frame,
        SmaCross,
        cash=float(setup.start_cash),
        commission=cent_fee(setup.rate) if setup.round_fees else float(setup.rate),
        trade_on_close=setup.fill_at == "close",
        finalize_trades=True,
    )
    stats = test.run()
    fills: list[Fill] = []
    rate = exact(float(setup.rate))
    for trade in stats["_trades"].itertuples():
        entry, exit_ = cents(trade.EntryPrice), cents(trade.ExitPrice)
        size = int(trade.Size)
        entry_fee, exit_fee = size * entry * rate, size * exit_ * rate
        if setup.round_fees:
            entry_fee, exit_fee = _fee_cents(size * entry, rate), _fee_cents(size * exit_, rate)
        fills.append(Fill(trade.EntryTime.date(), "buy", size, entry, entry_fee))
        fills.append(Fill(trade.ExitTime.date(), "sell", size, exit_, exit_fee))
    return PeerRun(
        "backtesting.py",
        tuple(fills),
        exact(stats["Equity Final [$]"]),
        frame.index[-1].date(),
        cents(frame["Close"].iloc[-1]),
        stats,
    )


def cent_fee(rate: Decimal) -> Any:
    """A backtesting.py ``commission`` callable: ``rate`` x the order's value rounded to the cent,
    half up, in exact decimals, as tradegame's ``PercentOfNotional`` charges it (backtesting.py
    also calls it with a fractional size when it sizes an all-in order; that is rounded the same)."""

    def commission(size: float, price: float) -> float:
        return float(_fee_cents(exact(abs(size)) * exact(price), rate))

    return commission


def _cent_commission_info(rate: Decimal) -> Any:
    """A backtrader stock commission of ``rate`` x value, rounded to the cent as ``cent_fee``."""
    import backtrader as bt

    class CentCommission(bt.CommInfoBase):  # type: ignore[misc]
        params = (("stocklike", True), ("commtype", bt.CommInfoBase.COMM_PERC), ("percabs", True))

        def _getcommission(self, size: float, price: float, pseudoexec: bool) -> float:
            return float(_fee_cents(exact(abs(size)) * exact(price), rate))

    return CentCommission(commission=float(rate))


def backtrader_sma(setup: SmaSetup) -> PeerRun:
    """backtrader: the same state test on its own ``SMA`` lines; all-in buys sized
    ``floor(cash / (price * (1 + rate)))`` at the fill price.

    Next open: the decision is taken in ``next`` (bar t's close) and the order placed in
    ``next_open`` of bar t+1 with cheat-on-open, so the sizer sees the open it fills at. Same
    close: ``set_coc`` fills at the close of the bar that decided. Whatever is held at the end
    stays open (backtrader values it at the last close, without an exit fee).
    """
    import backtrader as bt

    at_close = setup.fill_at == "close"
    rate = float(setup.rate)

    class SmaCross(bt.Strategy):  # type: ignore[misc]
        params = (("fast", setup.fast), ("slow", setup.slow), ("start", setup.first_decision))

        def __init__(self) -> None:
            self.fast = bt.ind.SMA(self.data.close, period=self.p.fast)
            self.slow = bt.ind.SMA(self.data.close, period=self.p.slow)
            self.pending: str | None = None
            self.fills: list[Fill] = []

        def _act(self, decision: str, price: float) -> None:
            if decision == "buy":
                size = math.floor(self.broker.getcash() / (price * (1 + rate)))
                if size > 0:
                    self.buy(size=size)
            else:
                self.close()

        def next(self) -> None:
            if len(self) - 1 < self.p.start:
                return
            fast, slow = self.fast[0], self.slow[0]
            held = self.position.size
            decision = "buy" if fast > slow and not held else "sell" if fast < slow and held else None
            if decision is None:
                return
            if at_close:
                self._act(decision, self.data.close[0])
            else:
                self.pending = decision

        def next_open(self) -> None:
            if self.pending is not None:
                self._act(self.pending, self.data.open[0])
                self.pending = None

        def notify_order(self, order: Any) -> None:
            if order.status == order.Completed:
                self.fills.append(backtrader_fill(order))

    frame = setup.frame
    cerebro = bt.Cerebro(stdstats=False, cheat_on_open=not at_close)
    cerebro.adddata(bt.feeds.PandasData(dataname=frame))
    cerebro.addstrategy(SmaCross)
    cerebro.broker.setcash(float(setup.start_cash))
    if setup.round_fees:
        cerebro.broker.addcommissioninfo(_cent_commission_info(setup.rate))
    else:
        cerebro.broker.setcommission(commission=rate)
    if at_close:
        cerebro.broker.set_coc(True)
    strategy = cerebro.run()[0]
    return PeerRun(
        "backtrader",
        tuple(strategy.fills),
        exact(cerebro.broker.getvalue()),
        frame.index[-1].date(),
        cents(frame["Close"].iloc[-1]),
        strategy,
    )


def vectorbt_sma(setup: SmaSetup) -> PeerRun:
    """vectorbt ``Portfolio.from_signals``: entries ``fast > slow``, exits ``fast < slow`` (from bar
    ``slow`` on), ``size=inf`` (all the cash) with ``size_granularity=1``. Next open: both
    signals shifted one bar and ``price=open``. The last position stays open (valued at the close).
    """
    import vectorbt as vbt

    frame = setup.frame
    close = frame["Close"]
    fast = vbt.MA.run(close, setup.fast).ma.to_numpy()
    slow = vbt.MA.run(close, setup.slow).ma.to_numpy()
    live = np.arange(len(frame)) >= setup.first_decision
    entries = pd.Series((fast > slow) & live, index=frame.index)
    exits = pd.Series((fast < slow) & live, index=frame.index)
    price = close
    if setup.fill_at == "next_open":
        entries = entries.shift(1, fill_value=False)
        exits = exits.shift(1, fill_value=False)
        price = frame["Open"]
    portfolio = vbt.Portfolio.from_signals(
        close,
        entries,
        exits,
        price=price,
        init_cash=float(setup.start_cash),
        fees=float(setup.rate),
        size=np.inf,
        size_granularity=1,
        freq="1D",
    )
    fills = [
        Fill(
            row.Timestamp.date(),
            "buy" if row.Side == "Buy" else "sell",
            int(row.Size),
            cents(row.Price),
            exact(row.Fees),
        )
        for row in portfolio.orders.records_readable.itertuples()
    ]
    return PeerRun(
        "vectorbt",
        tuple(fills),
        exact(portfolio.final_value()),
        frame.index[-1].date(),
        cents(close.iloc[-1]),
        portfolio,
    )


# -- a sweep of SMA pairs ------------------------------------------------------------------------

SWEEP_PAIRS = tuple((fast, slow) for fast in range(5, 51, 5) for slow in range(60, 241, 20))


def sweep_live(rows: int, pairs: Sequence[tuple[int, int]]) -> np.ndarray:
    """Per row and pair, whether the pair's Game decides there: from bar ``slow`` on (``first_decision``)."""
    return np.arange(rows)[:, None] >= np.array([slow for _, slow in pairs])[None, :]


def tradegame_sweep(setup: SmaSetup, pairs: Sequence[tuple[int, int]], universe: Universe) -> SweepResult:
    """Every pair's ``SmaSetup`` Game as one column of tradegame's ``sweep``.

    The sweep's Game starts on the earliest pair's first decision; each column's signals start
    on its own pair's (``sweep_live``), so a column trades as its pair's own Game does.
    """
    first = min(pairs, key=lambda pair: pair[1])
    spec = SmaSetup(setup.bars, setup.symbol, first[0], first[1], setup.fill_at, setup.rate, setup.start_cash).spec()
    enter, leave = crossover_signals(universe, setup.symbol, pairs)
    live = sweep_live(universe.panel.rows, pairs)
    return sweep(spec, universe, setup.symbol, enter & live, leave & live, labels=pairs)


def vectorbt_sweep(setup: SmaSetup, pairs: Sequence[tuple[int, int]]) -> list[float]:
    """vectorbt: every pair as one column of a single ``from_signals`` (signals shifted one bar and
    filled at the open, whole shares, all the cash), including its ``MA`` computation; the final
    value per pair."""
    import vectorbt as vbt

    frame = setup.frame
    close, opens = frame["Close"], frame["Open"]
    fasts = sorted({fast for fast, _ in pairs})
    slows = sorted({slow for _, slow in pairs})
    fast_values = vbt.MA.run(close, fasts).ma.to_numpy()[:, [fasts.index(fast) for fast, _ in pairs]]
    slow_values = vbt.MA.run(close, slows).ma.to_numpy()[:, [slows.index(slow) for _, slow in pairs]]
    live = sweep_live(len(frame), pairs)
    columns = pd.MultiIndex.from_tuples(list(pairs), names=["fast", "slow"])
    entries = pd.DataFrame((fast_values > slow_values) & live, index=frame.index, columns=columns)
    exits = pd.DataFrame((fast_values < slow_values) & live, index=frame.index, columns=columns)
    portfolio = vbt.Portfolio.from_signals(
        close,
        entries.shift(1, fill_value=False),
        exits.shift(1, fill_value=False),
        price=opens,
        init_cash=float(setup.start_cash),
        size=np.inf,
        size_granularity=1,
        fees=float(setup.rate),
        freq="1D",
    )
    return [float(value) for value in portfolio.final_value().to_numpy()]


# -- equal-weight monthly rebalance over several symbols -----------------------------------------


class EqualWeightMonthly:
    """On the first Round of each month, target every symbol at ``1 / len(symbols)``.

    ``peer=None``: tradegame's own target weights: each Move is ``Move.target(symbol, w)``,
    settled at the fill as ``floor(w x value / price)`` shares, so a sell leaves
    ``floor(target)`` and a buy short of cash is cut to what the cash pays for.

    ``peer="vectorbt"`` or ``"backtrader"``: explicit quantities placed the way those libraries
    turn a target percent into an order (valued at the close just seen, which is the fill price
    with ``fill_at = "close"``):

    * the *difference* is rounded down: buy ``floor(target - held)``, sell ``floor(held - target)``
      (= ``held - ceil(target)``, one share more kept than tradegame keeps when the target is not
      whole);
    * the orders go in ascending order of their value (``target_value - held x price``): sells
      first, the smallest buy first (vectorbt's ``call_seq="auto"``; backtrader executes in
      submission order and the oracle submits in this order);
    * a buy the cash cannot pay (fee included, at the peer's unrounded ``rate``): vectorbt cuts it
      to ``floor(cash / (price x (1 + rate)))``, backtrader refuses it whole (``Margin``) and goes
      on with the next buy. The model does the same before placing the Move, at the peer's
      unrounded fee, so tradegame's own cut (the most shares whose cost plus fee rounded to the
      cent fits) does not decide the size.
    """

    name = "equal-weight-monthly"

    def __init__(self, symbols: Sequence[str], *, peer: str | None = None, rate: Decimal = Decimal(0)) -> None:
        self.symbols = tuple(symbols)
        self.weight = Decimal(1) / len(self.symbols)
        self.peer = peer
        self.rate = float(rate)

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        history = ctx.history
        if history and (ctx.time.year, ctx.time.month) == (history[-1].time.year, history[-1].time.month):
            return None
        if self.peer is None:
            return [Move.target(symbol, self.weight, reason="monthly rebalance") for symbol in self.symbols]
        closes = ctx.universe.close(list(self.symbols), 1)[-1]
        target_value = float(self.weight) * ctx.value
        orders = []
        for symbol, close in zip(self.symbols, closes, strict=True):
            held = float(ctx.quantity(symbol))
            orders.append(
                (target_value - held * float(close), symbol, float(close), target_value / float(close) - held)
            )
        orders.sort(key=lambda order: order[0])  # stable: ties keep the symbols' order, as vectorbt's insertion sort
        cash = float(ctx.cash())
        actions: list[Action] = []
        for _, symbol, close, delta in orders:
            shares = math.floor(abs(delta))
            if not shares:
                continue
            if delta < 0:
                actions.append(Move.sell(symbol, shares, reason="monthly rebalance"))
                cash += shares * close * (1 - self.rate)
                continue
            cost = shares * close * (1 + self.rate)
            if cost > cash:
                if self.peer == "backtrader":
                    continue  # Margin: the order is refused
                shares = math.floor(cash / (close * (1 + self.rate)))  # vectorbt cuts it to the cash
                if not shares:
                    continue
                cost = shares * close * (1 + self.rate)
            cash -= cost
            actions.append(Move.buy(symbol, shares, reason="monthly rebalance"))
        return actions


def rebalance_days(index: pd.DatetimeIndex) -> np.ndarray:
    """A mask of the first bar of each calendar month."""
    months = index.year * 12 + index.month
    first = np.ones(len(index), dtype=bool)
    first[1:] = months[1:] != months[:-1]
    return first


@dataclass(frozen=True)
class RebalanceSetup:
    """Equal weights over ``symbols``, rebalanced on the first bar of each month, filled at that
    bar's close; ``rate`` is the percentage fee."""

    bars: pd.DataFrame
    symbols: tuple[str, ...]
    rate: Decimal
    start_cash: Decimal = Decimal(1_000_000)

    def spec(self, name: str = "oracle-rebalance") -> GameSpec:
        days = pd.DatetimeIndex(self.bars["ts"].unique()).sort_values()
        fees = NoFee() if not self.rate else PercentOfNotional(self.rate)
        return GameSpec(
            name,
            days[0].date(),
            self.start_cash,
            end=days[-1].date(),
            data=(DataSpec("oracle"),),
            accounts=(AccountSpec("main", fees=fees),),
            fill_at="close",
        )


@dataclass(frozen=True)
class RebalanceRun:
    """Holdings after each rebalance (day -> symbol -> shares), the fills and the final value."""

    name: str
    holdings: dict[date, dict[str, int]]
    fills: tuple[Fill, ...]
    final_value: Decimal
    extra: Any = None


def _holdings_from_fills(fills: Sequence[Fill]) -> dict[date, dict[str, int]]:
    held: dict[str, int] = {}
    out: dict[date, dict[str, int]] = {}
    for fill in fills:
        held[fill.symbol] = held.get(fill.symbol, 0) + (fill.size if fill.side == "buy" else -fill.size)
        out[fill.day] = {s: q for s, q in sorted(held.items()) if q}
    return out


def tradegame_rebalance(setup: RebalanceSetup, *, peer: str | None = None) -> RebalanceRun:
    """tradegame plays ``EqualWeightMonthly`` (``peer``: with that peer's rounding and order)."""
    model = EqualWeightMonthly(setup.symbols, peer=peer, rate=setup.rate)
    result = play(setup.spec(), universe_of(setup.bars), model)
    last_day = result.books.cost_ledger[-1].timestamp.date() if result.books.cost_ledger else None
    fills = tuple(f for f in fills_of(result) if f.day != last_day or f.side == "buy")  # drop the liquidation
    return RebalanceRun("tradegame", _holdings_from_fills(fills), fills, result.score.final_value, result)


def backtrader_rebalance(setup: RebalanceSetup) -> RebalanceRun:
    """backtrader, one feed per symbol, ``order_target_percent`` on the first bar of each month,
    filled at that bar's close (``set_coc``). The sells are placed before the buys (backtrader
    executes in submission order; a buy placed first could be refused for cash). Holdings stay
    open at the end (valued at the last close)."""
    import backtrader as bt

    wide = bars_wide(setup.bars)
    symbols = setup.symbols
    weight = 1 / len(symbols)
    first_of_month = set(wide["close"].index[rebalance_days(wide["close"].index)].date)

    class Rebalance(bt.Strategy):  # type: ignore[misc]
        def __init__(self) -> None:
            self.fills: list[Fill] = []
            self.refused: list[tuple[date, str, str]] = []

        def next(self) -> None:
            if self.data.datetime.date(0) not in first_of_month:
                return
            value = self.broker.getvalue()
            order_values = [weight * value - self.getposition(data).size * data.close[0] for data in self.datas]
            for index in sorted(range(len(self.datas)), key=order_values.__getitem__):
                self.order_target_percent(self.datas[index], target=weight)

        def notify_order(self, order: Any) -> None:
            if order.status == order.Completed:
                self.fills.append(backtrader_fill(order, order.data._name))
            elif order.status in (order.Margin, order.Rejected):
                self.refused.append((self.data.datetime.date(0), order.data._name, order.getstatusname()))

    cerebro = bt.Cerebro(stdstats=False)
    for symbol in symbols:
        frame = pd.DataFrame({field: wide[field][symbol] for field in ("open", "high", "low", "close", "volume")})
        cerebro.adddata(bt.feeds.PandasData(dataname=frame), name=symbol)
    cerebro.addstrategy(Rebalance)
    cerebro.broker.setcash(float(setup.start_cash))
    cerebro.broker.setcommission(commission=float(setup.rate))
    cerebro.broker.set_coc(True)
    strategy = cerebro.run()[0]
    fills = tuple(strategy.fills)
    return RebalanceRun("backtrader", _holdings_from_fills(fills), fills, exact(cerebro.broker.getvalue()), strategy)


def vectorbt_rebalance(setup: RebalanceSetup) -> RebalanceRun:
    """vectorbt ``Portfolio.from_orders``: ``size_type="targetpercent"`` on the first bar of each
    month (NaN elsewhere), at the close, ``cash_sharing=True, group_by=True, call_seq="auto"``
    (sells first), ``size_granularity=1``. Holdings stay open at the end."""
    import vectorbt as vbt

    wide = bars_wide(setup.bars)
    close = wide["close"][list(setup.symbols)]
    size = pd.DataFrame(np.nan, index=close.index, columns=close.columns)
    size[rebalance_days(close.index)] = 1 / len(setup.symbols)
    portfolio = vbt.Portfolio.from_orders(
        close,
        size,
        size_type="targetpercent",
        init_cash=float(setup.start_cash),
        fees=float(setup.rate),
        size_granularity=1,
        cash_sharing=True,
        group_by=True,
        call_seq="auto",
        freq="1D",
    )
    records = portfolio.orders.records_readable.sort_values(["Timestamp", "Order Id"])
    fills = tuple(
        Fill(
            row.Timestamp.date(),
            "buy" if row.Side == "Buy" else "sell",
            int(row.Size),
            cents(row.Price),
            exact(row.Fees),
            str(row.Column),
        )
        for row in records.itertuples()
    )
    return RebalanceRun("vectorbt", _holdings_from_fills(fills), fills, exact(portfolio.final_value()), portfolio)


# -- the same orders booked by vectorbt ----------------------------------------------------------


@dataclass(frozen=True)
class OrderArrays:
    """Fills laid out as vectorbt's ``from_orders`` takes them: per (day, symbol), the signed units,
    the fill price and the fee in money (NaN/0 where nothing fills)."""

    close: pd.DataFrame
    size: np.ndarray
    price: np.ndarray
    fees: np.ndarray
    count: int


def order_arrays(fills: Sequence[Fill], close: pd.DataFrame) -> OrderArrays:
    """``fills`` (at most one per day and symbol) on the grid of ``close`` (days x symbols)."""
    rows = {day: index for index, day in enumerate(close.index.date)}
    columns = {symbol: index for index, symbol in enumerate(close.columns)}
    size = np.full(close.shape, np.nan)
    price = close.to_numpy(copy=True)
    fees = np.zeros(close.shape)
    for fill in fills:
        at = rows[fill.day], columns[fill.symbol]
        if not np.isnan(size[at]):
            raise ValueError(f"two fills of {fill.symbol} on {fill.day}: from_orders takes one per bar")
        size[at] = fill.size if fill.side == "buy" else -fill.size
        price[at] = float(fill.price)
        fees[at] = float(fill.fee)
    return OrderArrays(close, size, price, fees, len(fills))


def vectorbt_books(orders: OrderArrays, start_cash: Decimal) -> tuple[int, float]:
    """vectorbt books these orders: ``from_orders`` with ``size_type="amount"``, each at its fill
    price with its fee as ``fixed_fees`` (``fees=0``), one cash-sharing group, sells first in a bar
    (``call_seq="auto"``). The orders it filled and its final value."""
    import vectorbt as vbt

    portfolio = vbt.Portfolio.from_orders(
        orders.close,
        orders.size,
        size_type="amount",
        price=orders.price,
        fixed_fees=orders.fees,
        init_cash=float(start_cash),
        cash_sharing=True,
        group_by=True,
        call_seq="auto",
        freq="1D",
    )
    return int(portfolio.orders.count()), float(portfolio.final_value())
