"""Parameter sweeps: many signal Games on one symbol, played together on arrays.

A *signal Game* is a Game played by ``SignalFollower(symbol, enter, leave, weight)`` (defined in
wake.py, re-exported here): at a Round
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
orders, a fee and slippage model, tax, running costs (charged on the Rounds given by the Round
loop's rule, ``charge_rounds``, paid when the cash allows, as the Game does) and the exit rules
(checked on arrays over the Rounds between fills, with the Round loop's float arithmetic:
``_ExitWatch``). A spec with anything the jump-ahead cannot reproduce (running
costs charged to another account, initial positions, a volume cap, corporate actions the Game
applies (from its start day on, ``Game.actions``; earlier ones are history) or gaps in the
symbol's bars, fills at the close on Rounds inside a bar) is refused with an error that names
it: play those Games one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal, NamedTuple

import numpy as np

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.instruments import Instrument, LotMethod
from tradegame.domain.lots import LotBook
from tradegame.domain.running_costs import charge_rounds
from tradegame.domain.tax import TaxProfile, gains_by_year, tax_of_years
from tradegame.engine.costs import NoFee, NoSlippage
from tradegame.engine.fills import affordable, fill_fee, lot_step, target_units, tick_price
from tradegame.engine.game import Game, GameResult, Outcome, play
from tradegame.engine.quiet import exit_flags
from tradegame.engine.score import Score, score_of
from tradegame.engine.spec import AccountSpec, ExitRules, GameSpec
from tradegame.engine.timestamps import utc_from_ns
from tradegame.engine.universe import Universe
from tradegame.engine.wake import SignalFollower, signal_weight

__all__ = ["SignalFollower", "SweepColumn", "SweepFill", "SweepResult", "sweep"]

_ZERO = Decimal(0)


class SweepFill(NamedTuple):
    """One fill of a swept Game: its Round, time (ns), side, units, unit price, fee and cash after
    (net of running costs still owed)."""

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
    share = signal_weight(weight)
    plan = _Plan(spec, universe, symbol, enter, leave)
    # Per column, the Rounds on which the Model would act when flat and when holding.
    known = plan.latest >= 0
    latest_rows = np.clip(plan.latest, 0, None)
    flat = np.ascontiguousarray((enter[latest_rows] & known[:, None]).T)
    holding = np.ascontiguousarray((leave[latest_rows] & known[:, None]).T)
    columns = tuple(
        SweepColumn(label, *plan.play(np.flatnonzero(flat[i]), np.flatnonzero(holding[i]), share))
        for i, label in enumerate(names)
    )
    return SweepResult(spec, universe, symbol, share, enter, leave, columns)


def _columns(signal: np.ndarray) -> np.ndarray:
    array = np.asarray(signal, dtype=bool)
    return array[:, None] if array.ndim == 1 else array


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
        self.latest = game.latest_rows  # each Round's latest row
        self.close = np.ascontiguousarray(panel.fields["close"][:, column])
        fields = panel.fields
        close_only = np.isnan(fields["open"][:, column]) | np.isnan(fields["high"][:, column])
        close_only |= np.isnan(fields["low"][:, column])
        # A market order fills at the open, or at the close of a close-only bar (market.match).
        self.open = np.where(close_only, self.close, fields["open"][:, column])
        self.volume = np.ascontiguousarray(panel.fields["volume"][:, column])
        self.at_close = spec.fill_at == "close"
        self.fill_ns = panel.available if self.at_close else universe.fill_times
        # A fill is stamped when it happens: at the open, or at the close of a close-only bar.
        self.stamp_ns = np.where(close_only, panel.available, self.fill_ns)
        known = ~np.isnan(self.close)
        for name, signal in (("enter", enter), ("leave", leave)):
            bad = np.flatnonzero((signal & ~known[:, None]).any(axis=1))
            if len(bad):
                raise InvalidInputError(f"signals: {name} is set on row {int(bad[0])}, where {symbol} has no bar")
        if known.any():
            first = int(np.argmax(known))
            if not known[first:].all():
                raise InvalidInputError(f"sweep: {symbol} has gaps in its bars; play these Games one by one")
        # A fill at the close the Round just saw, on a Round inside the next bar (hourly Rounds on
        # daily bars), is a fill in the past: the books stamp it after whatever they hold since (the
        # Start Fund, a running cost), which the jump-ahead does not follow.
        pending = self.latest + 1  # the first row not yet known
        inside = pending < panel.rows
        inside[inside] = universe.fill_times[pending[inside]] < self.times[inside]
        if self.at_close and inside.any():
            raise InvalidInputError(
                "sweep: cannot play fills at the close on Rounds inside a bar (e.g. hourly Rounds on daily bars) "
                "on arrays; use next_open fills, or play these Games one by one"
            )
        # The engine sells the oldest lots first where the account identifies lots but a Move names none.
        self.methods = {
            a.name: LotMethod.FIFO if a.lot_method is LotMethod.SPECIFIC else a.lot_method for a in spec.accounts
        }
        self.first_year = utc_from_ns(int(self.times[0])).year
        self.charges = self._charges(spec)
        # What a Round values a unit at: the latest close it knows (0 before the symbol's first bar).
        latest_close = np.nan_to_num(self.close[np.clip(self.latest, 0, None)])
        self.marks = np.where(self.latest >= 0, latest_close, 0.0)
        self._schedule(universe)
        # The fill arithmetic's constant parts, worked out once: a fee model that charges nothing, a
        # slippage model that keeps the market price (then a price's tick is the same on every fill).
        currency = self.instrument.quote_currency
        fees = self.account.fees
        self.free = fill_fee(fees, Decimal(1), Decimal(1), False, currency).amount if isinstance(fees, NoFee) else None
        self.ticks: dict[float, Decimal] | None = {} if isinstance(self.account.slippage, NoSlippage) else None

    def _schedule(self, universe: Universe) -> None:
        """For a Move placed on each Round: the row it fills at and the Round that books it (the
        first bar after the Round's latest that opens no earlier than the Move, Game._match_row,
        booked by the first Round that knows it replays it; at the close: the Round's own bar)."""
        rounds = np.arange(len(self.times))
        if self.at_close:
            rows, booked = np.clip(self.latest, 0, None), rounds
        else:
            rows = np.maximum(self.latest + 1, universe.fill_times.searchsorted(self.times, "left"))
            booked = np.maximum(self.latest.searchsorted(rows, "left"), rounds + 1)
        self.fill_rows: list[int] = rows.tolist()
        self.fill_rounds: list[int] = booked.tolist()
        self.fill_ns_at: list[int] = self.fill_ns.tolist()
        self.stamps: list[int] = self.stamp_ns.tolist()
        self.fill_prices: list[float] = (self.close if self.at_close else self.open).tolist()

    def _charges(self, spec: GameSpec) -> list[tuple[int, int, Decimal]]:
        """Every running-cost occurrence the Game charges, as (Round, due time in ns, amount) in
        booking order, by the Round loop's rule (``charge_rounds``), each at midnight UTC."""
        if not spec.running_costs:
            return []
        days = self.times.astype("datetime64[ns]").astype("datetime64[D]")  # UTC days
        return [
            (charge.round, int(np.datetime64(charge.day, "ns").astype(np.int64)), charge.cost.amount.amount)
            for charge in charge_rounds(spec.running_costs, days.astype(object).tolist())
        ]

    @staticmethod
    def _refuse_unsupported(game: Game, symbol: str) -> None:
        spec = game.spec
        problems = {
            "running costs charged to another account or in another currency": any(
                account != spec.accounts[0].name or cost.amount.currency.code != spec.currency
                for account, cost in spec.running_costs
            ),
            "initial_positions": bool(spec.initial_positions),
            "volume_cap": any(a.volume_cap is not None for a in spec.accounts),
            # Only the actions the Game applies (from its start day on): those before are history.
            f"corporate actions on {symbol}": any(
                action.symbol == symbol for actions in game.actions.values() for action in actions
            ),
            f"{symbol} quoted in another currency than {spec.currency}": (
                game.universe.instruments[symbol].quote_currency.code != spec.currency
            ),
            f"{symbol}, a cross pair (its quote is an asset, not cash)": game.universe.instruments[symbol].is_cross,
            f"{symbol} not allowed in this Game": symbol not in game.allowed,
            f"{symbol} traded outside the first account (the Start Fund's)": (
                spec.account_for(symbol) is not spec.accounts[0]
            ),
        }
        refused = [name for name, present in problems.items() if present]
        if refused:
            raise InvalidInputError(f"sweep: cannot play {', '.join(refused)} on arrays; play these Games one by one")

    def play(self, flat_rounds: np.ndarray, holding_rounds: np.ndarray, weight: Decimal) -> _Played:
        """One column, whose Model acts on ``flat_rounds`` when flat and ``holding_rounds`` when holding,
        in the Round loop's order: at a Round, the running costs due, then the fills of the bars it
        replays, then the exit rules, then the Model's decision (and a close fill)."""
        rounds = len(self.times)
        book = _ColumnBook(self, weight)
        exit_round: int | None = None
        index = 0
        while index < rounds:
            awake = holding_rounds if book.held else flat_rounds
            position = int(awake.searchsorted(index))
            if position >= len(awake):
                break
            placed = int(awake[position])
            row, fill_round = self.fill_rows[placed], self.fill_rounds[placed]
            if self.at_close:
                exit_round = book.reach(placed, checked=True)  # the exit rules look before the Model decides
                following = placed + 1
            else:
                if fill_round >= rounds:
                    break  # placed on the last Round: cancelled at the end
                # Booked before the exit check of the Round that replays it.
                exit_round = book.reach(fill_round, checked=False, until_ns=self.fill_ns_at[row])
                following = fill_round
            if exit_round is not None:
                break
            book.fill(fill_round, row, self.fill_prices[row])
            index = following
        if exit_round is None:
            exit_round = book.reach(rounds, checked=False)
        final = rounds - 1 if exit_round is None else exit_round
        closed = int(self.times[final])
        if book.held:
            row, price, closed = self.liquidation(final)
            book.fill(final, row, price, liquidation=True, ns=closed)
        taxes = self._taxes(book.lots, utc_from_ns(closed).year) if book.lots is not None else _ZERO
        score = score_of(self.spec.start_fund, book.cash - book.debt, book.fees, book.running, taxes)
        outcome = book.watch.outcome if exit_round is not None and book.watch is not None else "completed"
        return _Played(tuple(book.fills), score, outcome, final)

    def liquidation(self, final: int) -> tuple[int, float, int]:
        """Where the end's sale fills after Round ``final`` (Game._liquidate): the row, the price
        before slippage and the time: the next bar's open under next-open fills, else (close fills, or
        no later bar) the latest close at the Round's time."""
        last = int(self.latest[final])
        ns = int(self.times[final])
        if not self.at_close:
            row = max(last + 1, int(self.fill_ns.searchsorted(ns, "left")))
            if row < len(self.open):
                return row, float(self.open[row]), int(self.stamp_ns[row])
        return last, float(self.close[last]), ns

    def book_fill(
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
        ns: int | None = None,
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
        unit_price = self.ticks.get(price) if self.ticks is not None else None
        if unit_price is None:
            slipped = account.slippage.execution_price(
                side=side, price=price, quantity=float(quantity), bar_volume=float(self.volume[row])
            )
            unit_price = tick_price(slipped, instrument.tick_size)
            if self.ticks is not None:
                self.ticks[price] = unit_price
        fee = self._fee(quantity, unit_price)
        gross = currency.round(quantity * unit_price)
        if not selling and gross + fee > cash:  # cut to the cash, as Game._affordable does
            quantity = affordable(quantity, unit_price, cash, step, account.fees, False, currency)
            if quantity <= 0:
                return None
            fee = self._fee(quantity, unit_price)
            gross = currency.round(quantity * unit_price)
        if selling and fee > gross:
            return None  # the books refuse a sale whose fee exceeds its value
        if ns is None:
            ns = self.stamps[row]
        if lots is not None:
            self._lot(lots, side, quantity, unit_price, fee, utc_from_ns(ns).date())
        after = cash - gross - fee if not selling else cash + gross - fee
        return SweepFill(round_index, ns, side, quantity, unit_price, fee, after)

    def _fee(self, quantity: Decimal, unit_price: Decimal) -> Decimal:
        if self.free is not None:
            return self.free
        return fill_fee(self.account.fees, quantity, unit_price, False, self.instrument.quote_currency).amount

    def _lot(
        self, lots: LotBook, side: Literal["buy", "sell"], quantity: Decimal, price: Decimal, fee: Decimal, on: date
    ) -> None:
        book = lots.buy if side == "buy" else lots.sell
        instrument = self.instrument
        book(account=self.account.name, symbol=instrument.symbol, quantity=quantity, price=price, fee=fee, on=on,
             asset_class=instrument.asset_class)  # fmt: skip

    def _taxes(self, lots: LotBook, last: int) -> Decimal:
        """The tax due of every year of the Game, as Books.record_tax finally records it."""
        profile = self.spec.tax
        assert isinstance(profile, TaxProfile)
        gains = gains_by_year((d.date_sold.year, d.term, d.gain) for d in lots.disposals)
        return tax_of_years(gains, self.first_year, last, profile)


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

    def first_exit(
        self, upto: int, cash: Decimal, held: Decimal, cash_steps: Sequence[tuple[int, Decimal]] = ()
    ) -> int | None:
        """Check the Rounds from ``checked`` to ``upto`` (exclusive), valued at ``cash`` plus ``held``
        units, where ``cash_steps`` (Round, cash from that Round on) change the cash; the first Round an
        exit rule ends the Game on, or None."""
        begin = self.checked
        if upto <= begin:
            return None
        cash_path: float | np.ndarray = float(cash)
        if cash_steps:
            step_rounds = np.array([r for r, _ in cash_steps])
            step_cash = np.array([float(c) for _, c in cash_steps])
            at = step_rounds.searchsorted(np.arange(begin, upto), "right") - 1
            cash_path = np.where(at >= 0, step_cash[np.clip(at, 0, None)], float(cash))
        values = cash_path + float(held) * self.marks[begin:upto]
        flags = exit_flags(values, self.previous, self.peak, self.losing, self.start, self.rules)
        hits = np.flatnonzero(flags.catastrophic | flags.perfect)
        if len(hits):
            first = int(hits[0])
            self.outcome = "catastrophic_exit" if flags.catastrophic[first] else "perfect_exit"
            return begin + first
        self.peak = float(flags.peaks[-1])
        self.losing = int(flags.streak[-1])
        self.previous = float(values[-1])
        self.checked = upto
        return None


class _ColumnBook:
    """One column's running state: cash, units held, fees and running costs paid, its fills, its
    tax lots, the running costs still to come and the exit rules' watch."""

    def __init__(self, plan: _Plan, weight: Decimal) -> None:
        spec = plan.spec
        self.plan = plan
        self.weight = weight
        self.cash = spec.start_fund
        self.held = _ZERO
        self.fees = _ZERO
        self.running = _ZERO
        self.debt = _ZERO  # running costs charged on credit, not yet paid
        self.fills: list[SweepFill] = []
        currency = plan.instrument.quote_currency
        self.lots = LotBook(currency, wash_sales=True, methods=plan.methods) if spec.tax is not None else None
        self.watch = _ExitWatch(spec.exits, spec.start_fund, plan.marks) if spec.exits.active else None
        self._charge = 0  # the next running-cost occurrence to charge

    def reach(self, round_index: int, *, checked: bool, until_ns: int | None = None) -> int | None:
        """Play the Rounds before ``round_index`` and that Round up to a fill: the running costs due
        (each paid if the cash allows, else left unpaid as the Game logs it) and the exit checks in
        between. ``until_ns``: the Round replays a fill at that time, and only its charges due by then
        come first (Game._replay_bars keeps the books in time order). With ``checked``, also that
        Round's exit check. The Round an exit ends the Game on, or None."""
        charges = self.plan.charges
        if self.watch is None and self._charge >= len(charges):
            return None  # nothing happens between fills
        before = (self.cash, self.debt, self.running, self._charge)
        charged: list[tuple[int, Decimal, Decimal, Decimal, int]] = []  # after each: Round, cash, debt, running, next
        cash, debt, running, index = before
        while index < len(charges):
            due_round, due_ns, amount = charges[index]
            if due_round > round_index or (due_round == round_index and until_ns is not None and due_ns > until_ns):
                break
            running += amount
            paid = min(amount, cash)  # the rest is owed (Books.book_running_cost on credit)
            cash -= paid
            debt += amount - paid
            index += 1
            charged.append((due_round, cash, debt, running, index))
        upto = round_index + 1 if checked else round_index
        ended = None
        if self.watch is not None:
            steps = [(r, c - d) for r, c, d, _, _ in charged]
            ended = self.watch.first_exit(upto, before[0] - before[1], self.held, steps)
        if ended is not None:  # the Game stops there: the charges of later Rounds never happen
            kept = [item for item in charged if item[0] <= ended]
            cash, debt, running, index = kept[-1][1:] if kept else before
        self.cash, self.debt, self.running, self._charge = cash, debt, running, index
        return ended

    def fill(
        self, round_index: int, row: int, price: float, *, liquidation: bool = False, ns: int | None = None
    ) -> None:
        fill = self.plan.book_fill(
            round_index, row, price, self.cash - self.debt, self.held, self.weight, self.lots,
            liquidation=liquidation, ns=ns,
        )  # fmt: skip
        if fill is None:
            return
        self.fills.append(fill)
        self.fees += fill.fee
        self.cash = fill.cash + self.debt  # book_fill saw the cash net of the debt
        if fill.side == "sell":  # a sale's cash pays what is owed first (Game._pay_debts)
            paid = min(self.debt, self.cash)
            self.cash -= paid
            self.debt -= paid
        self.held = fill.quantity if fill.side == "buy" and not liquidation else _ZERO
