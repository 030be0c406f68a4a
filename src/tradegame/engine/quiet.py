"""Quiet stretches: the Rounds a sleeping Model skips, valued and checked on arrays.

A Model that offers ``wake`` (wake.py) names the Rounds it might act on; the Round loop
(game.py) skips the others, but a skipped Round still owes everything that is not the Model's:

* A Round on which a running cost falls due, or whose new bars carry a corporate action,
  books something (a charge, a debt paid, a dividend, a split): ``QuietPlan.busy`` lists them,
  and the loop plays each in full, only without calling the Model.
* Every other skipped Round books nothing. Its value is the cash (the same amounts per
  currency, each foreign one at the rate known at that Round: ``cash.GameCash.at``) plus the
  Positions at the latest closes times the rates known then (``FxTable``, which the loop uses
  every Round too), computed for a whole stretch at once by ``holdings_values``, the very
  function the loop values a Round with, so the floats are the same bit for bit.
* The exit rules are checked on that value path (``first_exit``: ``exit_flags``, the rule the
  loop's ``valuation.ExitWatch`` applies to one value a Round); the first Round on which one
  fires is handed back to the loop, which plays it and ends the Game there with the reason it
  writes.

A stretch only starts with no open Move and nothing in transit. Imports numpy and the engine's
spec and universe only, never game.py.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

import numpy as np

from tradegame.domain.running_costs import RunningCost, charge_rounds
from tradegame.engine.spec import ExitRules
from tradegame.engine.universe import Universe, fx_series
from tradegame.engine.wake import Wake

__all__ = ["ExitFlags", "FxTable", "QuietPlan", "exit_flags", "first_exit", "holdings_values", "plan_quiet"]

_add = np.add.reduce


def holdings_values(
    quantities: np.ndarray, marks: np.ndarray, held: Sequence[tuple[int, int]] | None = None
) -> np.ndarray:
    """Per row of ``marks`` (rounds x symbols, Game-currency value of one unit): the value of
    ``quantities`` (accounts x symbols). Each row is summed the same way whatever the number of
    rows (pairwise over the symbols, then over the accounts in order), so a Round valued alone
    and the same Round valued within a stretch give the same float.

    ``held``: the (account, column) cells where ``quantities`` is nonzero, given only when every
    mark is finite. With none or one, the sums are exact (0, or the one product plus zeros), so
    they are computed without summing: the same floats, bit for bit."""
    if held is not None and len(held) <= 1:
        if not held:
            return np.zeros(len(marks))
        ((account, column),) = held
        only: np.ndarray = marks[:, column] * quantities[account, column]
        return only
    products = marks[:, None, :] * quantities
    totals: np.ndarray = _add(_add(products, axis=2), axis=1)  # ``sum``'s reduction, without its wrapper
    return totals


class ExitFlags(NamedTuple):
    """Per Round of a value path: whether a catastrophic or a perfect exit rule fires, and the
    peak and losing streak the loop's ``valuation.ExitWatch`` holds after that Round."""

    catastrophic: np.ndarray
    perfect: np.ndarray
    peaks: np.ndarray
    streak: np.ndarray


def exit_flags(
    values: np.ndarray, previous: float, peak: float, losing: int, start: float, rules: ExitRules
) -> ExitFlags:
    """The exit rules on consecutive Rounds' ``values`` (one value: a Round of the loop), in its float
    arithmetic: ``previous`` is the value of the Round before the first, ``peak`` and ``losing``
    the state the loop kept. The one copy the quiet stretches and the sweep both use."""
    count = len(values)
    peaks = np.fmax.accumulate(np.concatenate(([peak], values)))[1:]  # Python's max(peak, v): NaN never wins
    before = np.concatenate(([previous], values[:-1]))
    down = values < before
    # The losing streak at each Round: Rounds down in a row, continuing the streak held before.
    index = np.arange(count)
    last_up = np.maximum.accumulate(np.where(down, -1, index))
    streak = np.where(last_up >= 0, index - last_up, index + 1 + losing)
    catastrophic = np.zeros(count, dtype=bool)
    if rules.min_value_fraction is not None:
        catastrophic |= values < float(rules.min_value_fraction) * start
    if rules.max_drawdown is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            catastrophic |= (peaks > 0) & ((peaks - values) / peaks > float(rules.max_drawdown))
    if rules.max_losing_rounds is not None:
        catastrophic |= streak >= rules.max_losing_rounds
    perfect = np.zeros(count, dtype=bool)
    if rules.target_return is not None:
        perfect = values / start - 1 >= float(rules.target_return)
    return ExitFlags(catastrophic, perfect, peaks, streak)


def first_exit(
    values: np.ndarray, previous: float, peak: float, losing: int, start: float, rules: ExitRules
) -> tuple[int | None, float, int]:
    """The first index of ``values`` (consecutive Rounds) on which an exit rule fires, or None;
    and the peak and losing streak after the Rounds before it (all of them when none fires)."""
    if not len(values):
        return None, peak, losing
    flags = exit_flags(values, previous, peak, losing, start, rules)
    peaks, streak = flags.peaks, flags.streak
    hit = np.flatnonzero(flags.catastrophic | flags.perfect)
    if len(hit):
        first = int(hit[0])
        if first == 0:
            return first, peak, losing
        return first, float(peaks[first - 1]), int(streak[first - 1])
    return None, float(peaks[-1]), int(streak[-1])


class FxTable:
    """Game-currency units per unit of each symbol's quote currency, at the rates known when a
    given number of panel rows is known: the latest close of an FX series (or its inverse), else
    the static rate; a cross pair's through the price of its quote asset. 1 for the Game
    currency; 0 for a symbol the Game may not trade and has no rate for (NaN if it may)."""

    def __init__(
        self,
        universe: Universe,
        static: Mapping[str, Decimal],
        currency: str,
        allowed: Collection[str],
        value_column: Mapping[str, int],
    ) -> None:
        self._closes = universe.filled_close
        self._instruments = universe.instruments
        self._static = static
        self._currency = currency
        self._by_currency: dict[str, tuple[list[tuple[int, bool]], float]] = {}
        symbols = universe.panel.symbols
        self._columns = {symbol: i for i, symbol in enumerate(symbols)}
        self._width = len(symbols)
        self._crosses: list[tuple[int, int]] = []  # (column, column of its quote asset's value)
        by_code: dict[str, list[int]] = {}
        for i, symbol in enumerate(symbols):
            instrument = universe.instruments[symbol]
            code = instrument.quote_currency.code
            if instrument.is_cross:
                self._crosses.append((i, value_column[instrument.quote_asset]))
            elif code != currency:
                by_code.setdefault(code, []).append(i)
        self._currencies: list[tuple[list[tuple[int, bool]], float, np.ndarray, np.ndarray]] = []
        for code, targets in by_code.items():
            series, fallback = self._sources(code)
            forbidden = np.array([symbols[i] not in allowed for i in targets], dtype=bool)
            self._currencies.append((series, fallback, np.array(targets, dtype=np.int64), forbidden))

    def _sources(self, code: str) -> tuple[list[tuple[int, bool]], float]:
        """The FX series quoting ``code`` in the Game currency (column, inverted) in the order
        ``UniverseView.fx_quote`` tries them, and the static fallback rate (NaN if none)."""
        found = self._by_currency.get(code)
        if found is None:
            currency, static = self._currency, self._static
            series = [(self._columns[s], invert) for s, invert in fx_series(code, currency) if s in self._instruments]
            fallback = float(static[code] / static[currency]) if code in static and currency in static else np.nan
            found = self._by_currency[code] = (series, fallback)
        return found

    def currency_rates(self, code: str, known_rows: np.ndarray) -> np.ndarray:
        """Game-currency units per unit of currency ``code`` when ``known_rows[k]`` rows are known
        (the rate ``UniverseView.fx_rate`` gives then; NaN where none is known)."""
        latest = np.asarray(known_rows, dtype=np.int64) - 1
        closes = self._closes[np.clip(latest, 0, None)]
        closes[latest < 0] = np.nan
        series, fallback = self._sources(code)
        return _rate_of(series, fallback, closes)

    @property
    def foreign(self) -> bool:
        """Whether any symbol is valued through a rate (its rate may move from Round to Round)."""
        return bool(self._currencies or self._crosses)

    def at(self, known_rows: np.ndarray) -> np.ndarray:
        """The rates (len(known_rows) x symbols) when ``known_rows[k]`` rows are known."""
        latest = np.asarray(known_rows, dtype=np.int64) - 1
        closes = self._closes[np.clip(latest, 0, None)]
        closes[latest < 0] = np.nan
        out = np.ones((len(latest), self._width))
        for series, fallback, targets, forbidden in self._currencies:
            rate = _rate_of(series, fallback, closes)
            block = np.repeat(rate[:, None], len(targets), axis=1)
            block[np.isnan(block) & forbidden[None, :]] = 0.0
            out[:, targets] = block
        for i, column in self._crosses:  # a cross pair's price is in its quote asset: value that asset in turn
            price = closes[:, column]
            out[:, i] = np.where(np.isnan(price), 0.0, price * out[:, column])
        return out


def _rate_of(series: Sequence[tuple[int, bool]], fallback: float, closes: np.ndarray) -> np.ndarray:
    """Per row of ``closes``: the first of ``series`` (column, inverted) with a positive close, else ``fallback``."""
    rate = np.full(len(closes), np.nan)
    pending = np.ones(len(closes), dtype=bool)
    for column, invert in series:
        quote = closes[:, column]
        with np.errstate(invalid="ignore"):
            found = pending & (quote == quote) & (quote > 0)
        rate[found] = 1.0 / quote[found] if invert else quote[found]
        pending &= ~found
    rate[pending] = fallback
    return rate


@dataclass(frozen=True)
class QuietPlan:
    """Which Rounds a sleeping Model's Game must still play (see the module docstring).

    ``when_flat`` and ``when_holding``: the Rounds the Model (or the engine: the last Round, a new
    tax year) needs, by whether the Game holds ``symbols`` (any symbol when empty); ``busy``: the
    Rounds that book something without the Model; all sorted Round indices."""

    when_flat: np.ndarray
    when_holding: np.ndarray
    busy: np.ndarray
    latest_rows: np.ndarray
    symbols: frozenset[str]
    # The same Round indices as Python lists: bisect answers one Round faster than numpy.
    _lists: tuple[list[int], list[int], list[int]] = field(init=False, repr=False, compare=False)
    # Per Round: how many Rounds up to it know a row other than the one after the Round before's.
    _breaks: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lists = (self.when_flat.tolist(), self.when_holding.tolist(), self.busy.tolist())
        object.__setattr__(self, "_lists", lists)
        steps = np.diff(self.latest_rows) != 1
        object.__setattr__(self, "_breaks", np.concatenate(([0], np.cumsum(steps))).tolist())

    def consecutive(self, first: int, stop: int) -> bool:
        """Whether Rounds ``first`` to ``stop - 1`` each know one row more than the Round before."""
        breaks = self._breaks
        return breaks[stop - 1] == breaks[first]

    def awake(self, index: int, holding: bool) -> bool:
        """Whether the Model (or the engine) needs Round ``index`` when the Game holds (or not)."""
        awake = self._lists[1 if holding else 0]
        position = bisect_right(awake, index)
        return position > 0 and awake[position - 1] == index

    def next_stop(self, index: int, holding: bool) -> tuple[int, bool]:
        """The next Round after ``index`` the loop must play, and whether the Model sleeps through it
        (a busy Round); ``(rounds, False)`` after the last Round."""
        flat, held, busy_rounds = self._lists
        awake = held if holding else flat
        rounds = len(self.latest_rows)
        position = bisect_right(awake, index)
        wakes = awake[position] if position < len(awake) else rounds
        position = bisect_right(busy_rounds, index)
        busy = busy_rounds[position] if position < len(busy_rounds) else rounds
        return (busy, True) if busy < wakes else (wakes, False)


def plan_quiet(
    wake: Wake,
    times: np.ndarray,
    latest_rows: np.ndarray,
    new_tax_year: np.ndarray,
    running_costs: Sequence[tuple[str, RunningCost]],
    action_rows: np.ndarray,
) -> QuietPlan:
    """The ``QuietPlan`` of a Game whose Rounds are at ``times`` (knowing rows up to
    ``latest_rows``), whose tax years change at ``new_tax_year``, charging ``running_costs`` and
    replaying corporate actions on ``action_rows`` (sorted)."""
    rounds = len(times)
    known = latest_rows >= 0
    rows = np.clip(latest_rows, 0, None)
    forced = new_tax_year.copy()
    forced[-1] = True
    flat = np.flatnonzero(forced | (known & np.asarray(wake.when_flat, dtype=bool)[rows]))
    holding = np.flatnonzero(forced | (known & np.asarray(wake.when_holding, dtype=bool)[rows]))
    busy = np.zeros(rounds, dtype=bool)
    # A Round that charges a running cost (the Round loop's rule: charge_rounds) is played.
    if running_costs:
        days = np.asarray(times, dtype=np.int64).astype("datetime64[ns]").astype("datetime64[D]")  # UTC days
        charged = [charge.round for charge in charge_rounds(running_costs, days.astype(object).tolist())]
        busy[np.array(charged, dtype=np.int64)] = True
    # A Round replays the rows from the previous Round's latest on: busy if one has an action.
    ends = np.maximum.accumulate(latest_rows + 1)
    starts = np.concatenate(([0], ends[:-1]))
    busy |= np.searchsorted(action_rows, ends, side="left") > np.searchsorted(action_rows, starts, side="left")
    busy[0] = False  # the first Round is always played with the Model
    return QuietPlan(flat, holding, np.flatnonzero(busy), latest_rows, frozenset(wake.symbols))
