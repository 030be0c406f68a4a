"""Parameter sweeps: many signal Games on one symbol, played together on arrays.

A *signal Game* is a Game played by ``SignalFollower(symbol, enter, leave, weight)`` (defined in
wake.py, re-exported here): at a Round whose latest row is ``t``, with no Move open, it buys
``Move.target(symbol, weight)`` when flat and ``enter[t]``, and sells everything when holding
and ``leave[t]`` (``SmaCrossover`` is one: ``enter = fast > slow``, ``leave = fast < slow``).
``sweep`` plays one such Game per column of ``enter``/``leave`` (rows x columns over the panel's
rows, e.g. one column per parameter pair) without the Round loop: it jumps from one signal
change to the next (each column's signals as runs of Rounds, found at once for every column)
and books each fill with the engine's own sizing, tick, cash-cut and fee arithmetic (fills.py),
in ``Decimal``. What it
keeps per column is exact: every fill (quantity, price, fee, cash after it) and the Score to the
cent, taxes included (a real ``LotBook`` per column, wash sales and all), and what it held from
Round to Round (``ValuePath``), from which ``SweepColumn.values`` gives its value after each Round
with the Round loop's valuation rule (for the metrics). ``SweepResult.game`` plays any column as
a full Game for its journal, ledgers and decision log; the tests check that the sweep's fills,
Score and values equal that Game's for every column. The shared part (the schedule, the bars,
the costs, one fill's arithmetic) is sweep_plan.py. A column that books only whole cents (no
slippage, tax, running cost or exit rule; whole units priced on the cent grid, fees in cents) is
played on integers instead (sweep_cents.py), its fills and holdings made as ``Decimal`` when first
read.

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

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from itertools import pairwise
from typing import NamedTuple, Protocol

import numpy as np

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.lots import LotBook
from tradegame.engine.game import GameResult, Outcome, play
from tradegame.engine.quiet import exit_flags
from tradegame.engine.score import Score, score_of
from tradegame.engine.spec import ExitRules, GameSpec
from tradegame.engine.sweep_cents import CentBook, Runs
from tradegame.engine.sweep_plan import SweepFill, SweepPlan, ValuePath
from tradegame.engine.timestamps import utc_from_ns
from tradegame.engine.universe import Universe
from tradegame.engine.wake import SignalFollower, signal_weight

__all__ = ["SignalFollower", "SweepColumn", "SweepFill", "SweepResult", "ValuePath", "sweep"]

_ZERO = Decimal(0)


class Kept(Protocol):
    """What a swept Game kept of its fills and holdings, turned into them when asked."""

    def fills(self) -> tuple[SweepFill, ...]: ...

    def path(self) -> ValuePath: ...


@dataclass(frozen=True)
class SweepColumn:
    """One swept Game: its label, its Score, how and on which Round it ended (as
    ``GameResult.outcome`` and ``outcome_round``), its fills (the liquidation last) and what it held
    (``path``), the last two made from what it ``kept`` when first read."""

    label: object
    score: Score
    outcome: Outcome
    outcome_round: int
    kept: Kept = field(repr=False, compare=False)

    @property
    def rounds(self) -> int:
        """The Rounds played (the Round it ended on included)."""
        return self.outcome_round + 1

    @cached_property
    def fills(self) -> tuple[SweepFill, ...]:
        return self.kept.fills()

    @cached_property
    def path(self) -> ValuePath:
        return self.kept.path()

    @cached_property
    def values(self) -> np.ndarray:
        """The Game's value after each Round played, equal to ``GameResult.values`` bit for bit."""
        return self.path.values(self.rounds, self.score.final_value)


class _Booked(NamedTuple):
    """A column the general books played: its fills and holdings, made as it went."""

    booked_fills: tuple[SweepFill, ...]
    booked_path: ValuePath

    def fills(self) -> tuple[SweepFill, ...]:
        return self.booked_fills

    def path(self) -> ValuePath:
        return self.booked_path


class _Played(NamedTuple):
    score: Score
    outcome: Outcome
    outcome_round: int
    kept: Kept


@dataclass(frozen=True)
class SweepResult:
    spec: GameSpec
    universe: Universe
    symbol: str
    weight: Decimal
    enter: np.ndarray = field(repr=False)
    leave: np.ndarray = field(repr=False)
    columns: tuple[SweepColumn, ...]
    times: np.ndarray = field(repr=False)  # int64 ns of every Round of the Game (a column plays its first ``rounds``)

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
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Play one signal Game per column of ``enter``/``leave`` (panel rows x columns); see the module.

    A 1-d ``enter``/``leave`` is one column. ``labels`` name the columns (default 0, 1, ...).
    ``progress(done, count)`` is called as the columns are played (for a progress bar).
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
    plan = SweepPlan(spec, universe, symbol, enter, leave)
    # Per column, the Rounds on which the Model would act when flat and when holding, as runs.
    reach = plan.latest.searchsorted(np.arange(rows + 1), "left")  # per row, the first Round that knows it
    flat, holding = _runs(enter, reach), _runs(leave, reach)
    cents = CentBook.of(plan, share)
    played: list[SweepColumn] = []
    for i, label in enumerate(names):
        column = cents.play(flat[i], holding[i]) if cents is not None else None
        if column is not None:
            score = score_of(plan.spec.start_fund, column.final_cash, column.fees(), _ZERO, _ZERO)
            played.append(SweepColumn(label, score, "completed", len(plan.times) - 1, column))
        else:
            played.append(SweepColumn(label, *_play(plan, flat[i], holding[i], share)))
        if progress is not None and (i % 64 == 63 or i + 1 == count):
            progress(i + 1, count)
    columns = tuple(played)
    return SweepResult(spec, universe, symbol, share, enter, leave, columns, plan.times)


def _columns(signal: np.ndarray) -> np.ndarray:
    array = np.asarray(signal, dtype=bool)
    return array[:, None] if array.ndim == 1 else array


def _runs(signal: np.ndarray, reach: np.ndarray) -> list[Runs]:
    """Per column of ``signal`` (panel rows x columns, bool): its runs of True as runs of the Rounds
    whose latest row is in them (``reach``: per row and the one after the last, the first Round whose
    latest row is at or after it). A Model that acts on a signal acts on long runs of Rounds: a few
    runs per column where its Rounds are thousands, and the runs are found at once for every column,
    from the rows where the signal changes."""
    rows, count = signal.shape
    if not rows:
        return [([], []) for _ in range(count)]
    changed = np.flatnonzero(signal[1:] != signal[:-1])  # (row - 1) x count + column: a run starts or ends at row
    span = rows + 1
    keys = np.concatenate(  # column x span + row, for every row a run starts or ends at
        (
            (changed % count) * span + changed // count + 1,
            np.flatnonzero(signal[0]) * span,  # runs from the first row
            np.flatnonzero(signal[-1]) * span + rows,  # runs to the last row (ending after it)
        )
    )
    keys.sort()  # each column's in order: start, end, start, end, ...
    column, row = np.divmod(keys, span)
    firsts, afters = reach[row[0::2]], reach[row[1::2]]
    seen = firsts < afters  # runs of rows no Round has as its latest are no runs of Rounds
    bounds = np.searchsorted(column[0::2][seen], np.arange(count + 1)).tolist()
    starts, ends = firsts[seen].tolist(), afters[seen].tolist()
    return [(starts[a:b], ends[a:b]) for a, b in pairwise(bounds)]


def _play(plan: SweepPlan, flat: Runs, holding: Runs, weight: Decimal) -> _Played:
    """One column, whose Model acts on the runs of Rounds ``flat`` when flat and ``holding`` when
    holding, in the Round loop's order: at a Round, the running costs due, then the fills of the
    bars it replays, then the exit rules, then the Model's decision (and a close fill)."""
    rounds = len(plan.times)
    book = _ColumnBook(plan, weight)
    fill_rows, fill_rounds, fill_prices, fill_ns = plan.fill_rows, plan.fill_rounds, plan.fill_prices, plan.fill_ns_at
    between = book.watch is not None or bool(plan.charges)  # anything to play between fills
    exit_round: int | None = None
    index = 0
    while index < rounds:
        firsts, afters = holding if book.held else flat
        run = bisect_right(afters, index)  # the first run that ends after this Round
        if run >= len(afters):
            break
        placed = max(index, firsts[run])  # the first Round from this one on that the Model acts on
        row, fill_round = fill_rows[placed], fill_rounds[placed]
        if plan.at_close:
            if between:  # the exit rules look before the Model decides
                exit_round = book.reach(placed, checked=True)
            following = placed + 1
        else:
            if fill_round >= rounds:
                break  # placed on the last Round: cancelled at the end
            if between:  # booked before the exit check of the Round that replays it
                exit_round = book.reach(fill_round, checked=False, until_ns=fill_ns[row])
            following = fill_round
        if exit_round is not None:
            break
        book.fill(fill_round, row, fill_prices[row])
        index = following
    if exit_round is None:
        exit_round = book.reach(rounds, checked=False)
    final = rounds - 1 if exit_round is None else exit_round
    closed = int(plan.times[final])
    if book.held:
        row, price, closed = plan.liquidation(final)
        book.fill(final, row, price, liquidation=True, ns=closed)
    taxes = plan.taxes(book.lots, utc_from_ns(closed).year) if book.lots is not None else _ZERO
    score = score_of(plan.spec.start_fund, book.cash - book.debt, book.fees, book.running, taxes)
    outcome = book.watch.outcome if exit_round is not None and book.watch is not None else "completed"
    return _Played(score, outcome, final, _Booked(tuple(book.fills), book.path()))


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

    def __init__(self, plan: SweepPlan, weight: Decimal) -> None:
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
        # What is held from which Round on (ValuePath): the Start Fund from the first.
        self._starts, self._cash, self._held = [0], [spec.start_fund], [_ZERO]

    def path(self) -> ValuePath:
        return ValuePath(self.plan.marks, self._starts, self._cash, self._held)

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
            charged = [item for item in charged if item[0] <= ended]
            cash, debt, running, index = charged[-1][1:] if charged else before
        for due_round, cash_after, debt_after, _, _ in charged:
            self._starts.append(due_round)
            self._cash.append(cash_after - debt_after)
            self._held.append(self.held)
        self.cash, self.debt, self.running, self._charge = cash, debt, running, index
        return ended

    def fill(
        self, round_index: int, row: int, price: float, *, liquidation: bool = False, ns: int | None = None
    ) -> None:
        plan, debt = self.plan, self.debt
        fill = plan.book_fill(round_index, row, price, self.cash - debt, self.held, self.weight, self.lots, ns)
        if fill is None:
            return
        self.fills.append(fill)
        self.fees += fill.fee
        selling = fill.side == "sell"
        if debt:  # book_fill saw the cash net of the debt
            cash = fill.cash + debt
            if selling:  # a sale's cash pays what is owed first (Game._pay_debts)
                paid = min(debt, cash)
                cash -= paid
                self.debt = debt - paid
            self.cash = cash
        else:
            self.cash = fill.cash
        self.held = _ZERO if selling or liquidation else fill.quantity
        if not liquidation:  # what it holds from the Round the fill counts in (ValuePath); a fill at the
            # close comes after its Round's valuation, so it counts from the next one
            self._starts.append(round_index + 1 if plan.at_close else round_index)
            self._cash.append(self.cash - self.debt)
            self._held.append(self.held)
