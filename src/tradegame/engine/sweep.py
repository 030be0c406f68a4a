"""Parameter sweeps: many signal Games on one symbol, played together on arrays.

A *signal Game* is a Game played by ``SignalFollower(symbol, enter, leave, weight)``: at a Round
whose latest row is ``t``, with no Move open, it buys ``Move.target(symbol, weight)`` when flat
and ``enter[t]``, and sells everything when holding and ``leave[t]`` (``SmaCrossover`` is one:
``enter = fast > slow``, ``leave = fast < slow``). ``sweep`` plays one such Game per column of
``enter``/``leave`` (rows x columns over the panel's rows, e.g. one column per parameter pair)
without the Round loop: it jumps from one signal change to the next and books each fill with
the engine's own sizing, tick, cash-cut and fee arithmetic (fills.py), in ``Decimal``. What it
keeps per column is exact: every fill (quantity, price, fee, cash after it) and the Score to the
cent, taxes included (a real ``LotBook`` per column, wash sales and all). ``SweepResult.game``
plays any column as a full Game for its journal, ledgers and decision log; the tests check that
the sweep's fills and Score equal that Game's for every column.

What a sweep supports is what a signal Game needs: one symbol in the Game currency, market
orders, a fee and slippage model, tax, and the exit rules (checked on arrays over the Rounds
between fills, with the Round loop's float arithmetic: ``_ExitWatch``). A spec with anything the
jump-ahead cannot reproduce (running costs, initial positions, a volume cap, corporate actions or
gaps in the symbol's bars, Rounds inside a bar such as hourly Rounds on daily bars) is refused
with an error that names it: play those Games one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal, NamedTuple

import numpy as np

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.holding import Term
from tradegame.domain.instruments import Instrument, LotMethod
from tradegame.domain.lots import LotBook
from tradegame.domain.tax import TaxProfile, estimate_tax
from tradegame.engine.context import RoundContext
from tradegame.engine.fills import affordable, fill_fee, lot_step, target_units, tick_price
from tradegame.engine.game import Game, GameResult, Outcome, Score, _utc, play
from tradegame.engine.moves import Action, Move
from tradegame.engine.spec import AccountSpec, ExitRules, GameSpec
from tradegame.engine.universe import Universe
from tradegame.engine.wake import Signals, Wake

__all__ = ["SignalFollower", "SweepColumn", "SweepFill", "SweepResult", "sweep"]

_ZERO = Decimal(0)


class SignalFollower:
    """Long ``symbol`` at ``weight`` by precomputed signals (bool arrays over the panel's rows).

    ``enter[t]``/``leave[t]`` must be computed from rows up to ``t`` only, like any indicator a
    Model reads; the Model looks at the entry of the latest row its Round knows, never later.
    """

    name = "signal-follower"

    def __init__(
        self, symbol: str, enter: np.ndarray, leave: np.ndarray, weight: Decimal | int | str = Decimal(1)
    ) -> None:
        self.symbol = symbol
        self.enter = np.asarray(enter, dtype=bool)
        self.leave = np.asarray(leave, dtype=bool)
        if self.enter.shape != self.leave.shape or self.enter.ndim != 1:
            raise InvalidInputError("signals: enter and leave must be 1-d arrays of the same length")
        self.weight = _weight(weight)

    def wake(self, signals: Signals) -> Wake | None:
        if len(self.enter) != signals.rows:
            return None
        return Wake(self.enter, self.leave, (self.symbol,))

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        latest = ctx.universe.rows - 1
        if latest < 0 or any(state.move.symbol == self.symbol for state in ctx.open_moves):
            return None
        held = ctx.quantity(self.symbol)
        if self.enter[latest] and not held:
            return [Move.target(self.symbol, self.weight, reason=f"enter signal at row {latest}")]
        if self.leave[latest] and held > 0:
            return [Move.sell(self.symbol, sell_all=True, reason=f"leave signal at row {latest}")]
        return None


class SweepFill(NamedTuple):
    """One fill of a swept Game: its Round, time (ns), side, units, unit price, fee and cash after."""

    round: int
    time_ns: int
    side: str
    quantity: Decimal
    price: Decimal
    fee: Decimal
    cash: Decimal


@dataclass(frozen=True)
class SweepColumn:
    """One swept Game: its label, its fills (the liquidation last), its Score, and how and on which
    Round it ended (as ``GameResult.outcome`` and ``outcome_round``)."""

    label: object
    fills: tuple[SweepFill, ...]
    score: Score
    outcome: Outcome
    outcome_round: int


class _Played(NamedTuple):
    fills: tuple[SweepFill, ...]
    score: Score
    outcome: Outcome
    outcome_round: int


@dataclass(frozen=True)
class SweepResult:
    spec: GameSpec
    universe: Universe
    symbol: str
    weight: Decimal
    enter: np.ndarray = field(repr=False)
    leave: np.ndarray = field(repr=False)
    columns: tuple[SweepColumn, ...]

    @property
    def labels(self) -> tuple[object, ...]:
        return tuple(column.label for column in self.columns)

    def game(self, column: int) -> GameResult:
        """Play column ``column`` as a full Game: the same fills and Score, with every ledger."""
        model = SignalFollower(self.symbol, self.enter[:, column], self.leave[:, column], self.weight)
        return play(self.spec, self.universe, model)


def sweep(
    spec: GameSpec,
    universe: Universe,
    symbol: str,
    enter: np.ndarray,
    leave: np.ndarray,
    *,
    weight: Decimal | int | str = Decimal(1),
    labels: Sequence[object] | None = None,
) -> SweepResult:
    """Play one signal Game per column of ``enter``/``leave`` (panel rows x columns); see the module.

    A 1-d ``enter``/``leave`` is one column. ``labels`` name the columns (default 0, 1, ...).
    """
    enter, leave = _columns(enter), _columns(leave)
    rows = universe.panel.rows
    if enter.shape[0] != rows or leave.shape != enter.shape:
        raise InvalidInputError(
            f"signals: enter and leave must both be {rows} rows x n columns, got {enter.shape} and {leave.shape}"
        )
    count = enter.shape[1]
    names = tuple(labels) if labels is not None else tuple(range(count))
    if len(names) != count:
        raise InvalidInputError(f"labels: {len(names)} labels for {count} columns")
    share = _weight(weight)
    plan = _Plan(spec, universe, symbol, enter, leave)
    columns = tuple(SweepColumn(label, *plan.play(enter[:, i], leave[:, i], share)) for i, label in enumerate(names))
    return SweepResult(spec, universe, symbol, share, enter, leave, columns)


def _columns(signal: np.ndarray) -> np.ndarray:
    array = np.asarray(signal, dtype=bool)
    return array[:, None] if array.ndim == 1 else array


def _weight(value: Decimal | int | str) -> Decimal:
    """A weight in (0, 1] as an exact decimal (a float is read through its shortest form)."""
    try:
        weight = Decimal(value if isinstance(value, Decimal | int) else str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidInputError(f"signals: weight must be a number in (0, 1], got {value!r}") from None
    if not (weight.is_finite() and _ZERO < weight <= 1):
        raise InvalidInputError(f"signals: weight must be in (0, 1], got {value}")
    return weight


class _Plan:
    """What every column shares: the Round schedule, the rows each Round knows, the bars, the costs."""

    def __init__(self, spec: GameSpec, universe: Universe, symbol: str, enter: np.ndarray, leave: np.ndarray) -> None:
        game = Game(
            spec,
            universe,
            SignalFollower(symbol, np.zeros(universe.panel.rows, bool), np.zeros(universe.panel.rows, bool)),
        )
        self._refuse_unsupported(game, symbol)
        panel = universe.panel
        column = panel.column(symbol)
        self.instrument: Instrument = universe.instruments[symbol]
        self.account: AccountSpec = spec.account_for(symbol)
        self.step = lot_step(self.instrument)
        self.spec = spec
        self.times = game.times
        self.latest = panel.available.searchsorted(self.times, "right") - 1  # each Round's latest row
        self.close = np.ascontiguousarray(panel.fields["close"][:, column])
        fields = panel.fields
        close_only = np.isnan(fields["open"][:, column]) | np.isnan(fields["high"][:, column])
        close_only |= np.isnan(fields["low"][:, column])
        # A market order fills at the open, or at the close of a close-only bar (market.match).
        self.open = np.where(close_only, self.close, fields["open"][:, column])
        self.volume = np.ascontiguousarray(panel.fields["volume"][:, column])
        self.at_close = spec.fill_at == "close"
        self.fill_ns = panel.available if self.at_close else universe.fill_times
        known = ~np.isnan(self.close)
        for name, signal in (("enter", enter), ("leave", leave)):
            bad = np.flatnonzero((signal & ~known[:, None]).any(axis=1))
            if len(bad):
                raise InvalidInputError(f"signals: {name} is set on row {int(bad[0])}, where {symbol} has no bar")
        if known.any():
            first = int(np.argmax(known))
            if not known[first:].all():
                raise InvalidInputError(f"sweep: {symbol} has gaps in its bars; play these Games one by one")
        # A Round between a bar's open and its close (hourly Rounds on daily bars) can book an
        # operation (a year's tax) later than a fill the engine learns of only at the close, and the
        # books then refuse the fill as out of time order. The jump-ahead does not follow that.
        pending = panel.available.searchsorted(self.times, "right")  # the first row not yet known
        inside = pending < panel.rows
        inside[inside] = universe.fill_times[pending[inside]] < self.times[inside]
        if inside.any():
            raise InvalidInputError(
                "sweep: cannot play Rounds that fall inside a bar (e.g. hourly Rounds on daily bars) on arrays; "
                "play these Games one by one"
            )
        # The engine sells the oldest lots first where the account identifies lots but a Move names none.
        self.methods = {
            a.name: LotMethod.FIFO if a.lot_method is LotMethod.SPECIFIC else a.lot_method for a in spec.accounts
        }
        self.first_year = _utc(int(self.times[0])).year
        # What a Round values a unit at: the latest close it knows (0 before the symbol's first bar).
        latest_close = np.nan_to_num(self.close[np.clip(self.latest, 0, None)])
        self.marks = np.where(self.latest >= 0, latest_close, 0.0)

    @staticmethod
    def _refuse_unsupported(game: Game, symbol: str) -> None:
        spec = game.spec
        problems = {
            "running_costs": bool(spec.running_costs),
            "initial_positions": bool(spec.initial_positions),
            "volume_cap": any(a.volume_cap is not None for a in spec.accounts),
            f"corporate actions on {symbol}": any(
                action.symbol == symbol for actions in game.universe.actions.values() for action in actions
            ),
            f"{symbol} quoted in another currency than {spec.currency}": (
                game.universe.instruments[symbol].quote_currency.code != spec.currency
            ),
            f"{symbol} not allowed in this Game": symbol not in game.allowed,
            f"{symbol} traded outside the first account (the Start Fund's)": (
                spec.account_for(symbol) is not spec.accounts[0]
            ),
        }
        refused = [name for name, present in problems.items() if present]
        if refused:
            raise InvalidInputError(f"sweep: cannot play {', '.join(refused)} on arrays; play these Games one by one")

    def play(self, enter: np.ndarray, leave: np.ndarray, weight: Decimal) -> _Played:
        latest, rounds = self.latest, len(self.times)
        known = latest >= 0
        rows = np.clip(latest, 0, None)
        flat_rounds = np.flatnonzero(known & enter[rows])
        holding_rounds = np.flatnonzero(known & leave[rows])
        currency = self.instrument.quote_currency
        cash = self.spec.start_fund
        held = _ZERO
        fees = _ZERO
        fills: list[SweepFill] = []
        lots = LotBook(currency, wash_sales=True, methods=self.methods) if self.spec.tax is not None else None
        watch = _ExitWatch(self.spec.exits, self.spec.start_fund, self.marks) if self.spec.exits.active else None
        exit_round: int | None = None
        index = 0
        while index < rounds:
            awake = holding_rounds if held else flat_rounds
            position = int(awake.searchsorted(index))
            if position >= len(awake):
                break
            placed = int(awake[position])
            if self.at_close:
                # The exit rules look at the Round before the Model decides; the fill comes after.
                row, fill_round, following, checked = int(latest[placed]), placed, placed + 1, placed + 1
            else:
                # The first bar after the Round's latest that opens no earlier than the Move (Game._match_row).
                row = max(int(latest[placed]) + 1, int(self.fill_ns.searchsorted(self.times[placed], "left")))
                fill_round = int(latest.searchsorted(row, "left"))
                fill_round = max(fill_round, placed + 1)
                if fill_round >= rounds:
                    break  # placed on the last Round: cancelled at the end
                following = checked = fill_round  # booked as that Round replays the bar, before its exit check
            if watch is not None:
                exit_round = watch.first_exit(checked, cash, held)
                if exit_round is not None:
                    break
            price = float(self.close[row] if self.at_close else self.open[row])
            fill = self._fill(fill_round, row, price, cash, held, weight, lots)
            if fill is not None:
                fills.append(fill)
                fees += fill.fee
                cash = fill.cash
                held = fill.quantity if fill.side == "buy" else _ZERO
            index = following
        if watch is not None and exit_round is None:
            exit_round = watch.first_exit(rounds, cash, held)
        final = rounds - 1 if exit_round is None else exit_round
        if held:
            last = int(latest[final])
            fill = self._fill(final, last, float(self.close[last]), cash, held, weight, lots, liquidation=True)
            if fill is not None:
                fills.append(fill)
                fees += fill.fee
                cash = fill.cash
        taxes = self._taxes(lots, _utc(int(self.times[final])).year) if lots is not None else _ZERO
        start = self.spec.start_fund
        gross = cash - start + fees
        outcome = "completed" if exit_round is None or watch is None else watch.outcome
        score = Score(start, cash, gross, fees, _ZERO, taxes, gross - fees - taxes)
        return _Played(tuple(fills), score, outcome, final)

    def _fill(
        self,
        round_index: int,
        row: int,
        price: float,
        cash: Decimal,
        held: Decimal,
        weight: Decimal,
        lots: LotBook | None,
        *,
        liquidation: bool = False,
    ) -> SweepFill | None:
        """One market fill at ``row``, as Game._settle_size and Game._execute book it (None: no fill)."""
        account, instrument, step = self.account, self.instrument, self.step
        currency = instrument.quote_currency
        selling = bool(held)
        if selling:
            quantity = held
        else:
            quantity = target_units(weight, float(cash), 1.0, price, step)
            if quantity <= 0:
                return None
        side: Literal["buy", "sell"] = "sell" if selling else "buy"
        slipped = account.slippage.execution_price(
            side=side, price=price, quantity=float(quantity), bar_volume=float(self.volume[row])
        )
        unit_price = tick_price(slipped, instrument.tick_size)
        fee = fill_fee(account.fees, quantity, unit_price, False, currency).amount
        gross = currency.round(quantity * unit_price)
        if not selling and gross + fee > cash:  # cut to the cash, as Game._affordable does

            def cost(units: Decimal) -> Decimal:
                return (
                    currency.round(units * unit_price)
                    + fill_fee(account.fees, units, unit_price, False, currency).amount
                )

            quantity = affordable(quantity, unit_price, cash, step, cost)
            if quantity <= 0:
                return None
            fee = fill_fee(account.fees, quantity, unit_price, False, currency).amount
            gross = currency.round(quantity * unit_price)
        if selling and fee > gross:
            return None  # the books refuse a sale whose fee exceeds its value
        ns = int(self.times[round_index]) if liquidation else int(self.fill_ns[row])
        if lots is not None:
            self._lot(lots, side, quantity, unit_price, fee, _utc(ns).date())
        after = cash - gross - fee if not selling else cash + gross - fee
        return SweepFill(round_index, ns, side, quantity, unit_price, fee, after)

    def _lot(
        self, lots: LotBook, side: Literal["buy", "sell"], quantity: Decimal, price: Decimal, fee: Decimal, on: date
    ) -> None:
        instrument, account = self.instrument, self.account.name
        if side == "buy":
            lots.buy(
                account=account, symbol=instrument.symbol, quantity=quantity, price=price, fee=fee, on=on,
                asset_class=instrument.asset_class,
            )  # fmt: skip
        else:
            lots.sell(
                account=account, symbol=instrument.symbol, quantity=quantity, price=price, fee=fee, on=on,
                asset_class=instrument.asset_class,
            )  # fmt: skip

    def _taxes(self, lots: LotBook, last: int) -> Decimal:
        """The tax due of every year of the Game, as Books.record_tax finally records it."""
        profile = self.spec.tax
        assert isinstance(profile, TaxProfile)
        gains: dict[int, tuple[Decimal, Decimal]] = {}
        for disposal in lots.disposals:
            short, long = gains.get(disposal.date_sold.year, (_ZERO, _ZERO))
            if disposal.term is Term.LONG:
                long += disposal.gain
            else:
                short += disposal.gain
            gains[disposal.date_sold.year] = (short, long)
        first = self.first_year
        total = _ZERO
        for year in range(first, last + 1):
            upto = {y: g for y, g in gains.items() if y <= year}
            upto.setdefault(year, (_ZERO, _ZERO))
            result = next((r for r in estimate_tax(upto, profile) if r.year == year), None)
            total += result.tax_due if result is not None else _ZERO
        return total


class _ExitWatch:
    """The Game's exit rules (``Game._exit``), checked on arrays over runs of Rounds in which the
    holdings do not change: the same float arithmetic, Round by Round, with the same carried state
    (the peak, the losing streak, the previous Round's value)."""

    def __init__(self, rules: ExitRules, start: Decimal, marks: np.ndarray) -> None:
        self.rules = rules
        self.start = float(start)
        self.marks = marks
        self.peak = self.start
        self.losing = 0
        self.previous = self.start
        self.checked = 0  # the Rounds before this one are checked
        self.outcome: Outcome = "completed"

    def first_exit(self, upto: int, cash: Decimal, held: Decimal) -> int | None:
        """Check the Rounds from ``checked`` to ``upto`` (exclusive), valued at ``cash`` plus ``held``
        units; the first Round an exit rule ends the Game on, or None."""
        begin = self.checked
        if upto <= begin:
            return None
        rules, start = self.rules, self.start
        values = float(cash) + float(held) * self.marks[begin:upto]
        count = len(values)
        steps = np.arange(count)
        previous = np.concatenate(([self.previous], values[:-1]))
        down = values < previous
        last_reset = np.maximum.accumulate(np.where(~down, steps, -1))
        losing = np.where(last_reset >= 0, steps - last_reset, self.losing + steps + 1)
        peak = np.maximum(self.peak, np.maximum.accumulate(values))
        catastrophic = np.zeros(count, dtype=bool)
        if rules.min_value_fraction is not None:
            catastrophic |= values < float(rules.min_value_fraction) * start
        if rules.max_drawdown is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                catastrophic |= (peak > 0) & ((peak - values) / peak > float(rules.max_drawdown))
        if rules.max_losing_rounds is not None:
            catastrophic |= losing >= rules.max_losing_rounds
        perfect = np.zeros(count, dtype=bool)
        if rules.target_return is not None:
            perfect = values / start - 1 >= float(rules.target_return)
        hits = np.flatnonzero(catastrophic | perfect)
        if len(hits):
            first = int(hits[0])
            self.outcome = "catastrophic_exit" if catastrophic[first] else "perfect_exit"
            return begin + first
        self.peak = float(peak[-1])
        self.losing = int(losing[-1])
        self.previous = float(values[-1])
        self.checked = upto
        return None
