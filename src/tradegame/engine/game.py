"""The Round loop: a Model plays a Game on point-in-time data, every fill in the books.

Each Round, in order:

1. running costs that fell due since the last Round are charged;
2. the bars that became known since the last Round are replayed in time order: corporate
   actions on their dates (splits, dividends; only from the start day on, see
   ``Game._actions_in_play``), then the open Moves are matched against each
   bar (see market.py), sells before buys so a rebalance can pay for itself;
3. Moves whose time in force ran out expire; transfers whose delay has passed arrive;
4. the Game is valued at the latest closes (in the Game currency) and the exit rules are
   checked; a triggered exit ends the Game here;
5. the Model decides; its Moves are checked and accepted or rejected with a reason (with
   ``fill_at = "close"`` they fill at once at the close just seen).

At the end (last Round, an exit, or the Model's ``EndGame``) every Position is sold at the
latest close, every other currency is converted into the Game currency, and the tax for every
year is recorded. Nothing reads the wall clock; randomness comes from the Game's seed.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import Literal, Protocol

import numpy as np
import pandas as pd

from tradegame.data.calendars import round_times, session_closes, sessions
from tradegame.data.errors import DataError
from tradegame.data.panel import PanelView
from tradegame.domain.errors import FeeExceedsValueError, InvalidInputError, NoPriceError, TradegameError
from tradegame.domain.instruments import Account, Instrument, LotMethod
from tradegame.domain.money import Currency, Money, Price, Quantity
from tradegame.domain.positions import Books, TaxKind
from tradegame.domain.running_costs import RunningCost
from tradegame.engine.assets import AssetMap
from tradegame.engine.cash import GameCash
from tradegame.engine.context import Model, PositionInfo, RoundContext, RoundHistory, chain_along, fee_rate
from tradegame.engine.events import (
    Cancelled,
    Expired,
    Fill,
    GameEvent,
    MoveEvent,
    Rejected,
    describe,
    reason_for,
)
from tradegame.engine.events import EventKind as Kind
from tradegame.engine.events import RejectReason as Why
from tradegame.engine.fills import affordable, fill_fee, lot_step, target_units, tick_price, units_for
from tradegame.engine.market import Bar, match
from tradegame.engine.moves import Cancel, Convert, EndGame, Move, MoveState, MoveStatus, OrderType, Side, Transfer
from tradegame.engine.quiet import FxTable, QuietPlan, first_exit, holdings_values, plan_quiet
from tradegame.engine.routes import Pair, find_route
from tradegame.engine.score import Score, score_of
from tradegame.engine.spec import AccountSpec, GameSpec, InvalidGameError
from tradegame.engine.timestamps import iso_from_ns, utc_from_ns
from tradegame.engine.universe import CorporateAction, Universe, UniverseView, currency_of, quote_unit, static_rates
from tradegame.engine.wake import Signals

__all__ = [
    "Convert",
    "Game",
    "GameEvent",
    "GameResult",
    "ModelError",
    "Outcome",
    "RoundObserver",
    "Score",
    "Transfer",
    "currency_of",
    "play",
]

Outcome = Literal["completed", "catastrophic_exit", "perfect_exit", "ended_by_model"]
_ZERO = Decimal(0)


class RoundObserver(Protocol):
    """Told about each finished Round and the end; it may read the Game (events, books), not change it."""

    def round_done(self, game: Game, round_index: int, value: float) -> None: ...

    def game_done(self, game: Game, result: GameResult) -> None: ...


class ModelError(TradegameError):
    """The Model raised an exception while deciding; the Game stops."""


@dataclass
class GameResult:
    spec: GameSpec
    outcome: Outcome
    outcome_round: int
    outcome_reason: str
    score: Score
    books: Books
    events: list[GameEvent]
    times: np.ndarray  # int64 ns of each Round played
    values: np.ndarray  # the Game's value after each Round
    data_hash: str
    game_id: int | None = None  # its id in the database it was recorded in (``tradegame.play(..., db=...)``)

    def events_jsonl(self) -> str:
        return "".join(json.dumps(e.as_json(), sort_keys=True) + "\n" for e in self.events)

    def ledger_jsonl(self) -> str:
        """Every journal entry, one JSON object per line (amounts as decimal strings)."""
        lines = []
        for entry in self.books.entries:
            postings = [
                [p.account, p.commodity, str(p.units), None if p.value is None else str(p.value)]
                for p in entry.postings
            ]
            lines.append(
                json.dumps(
                    {
                        "op": entry.op_id,
                        "seq": entry.seq,
                        "ts": entry.timestamp.isoformat(),
                        "kind": entry.kind,
                        "narration": entry.narration,
                        "postings": postings,
                    },
                    sort_keys=True,
                )
            )
        return "\n".join(lines) + "\n"


class Game:
    """One play of ``spec`` by ``model`` on ``universe``; ``run()`` plays it to the end.

    A Game that cannot start is refused by the constructor with one ``InvalidGameError`` listing
    every reason: symbols (the Game's, an account's, an initial Position's) the data does not
    hold, data that cannot be played together, dates or a Round count the data has no room for,
    currencies without a rate.
    """

    def __init__(self, spec: GameSpec, universe: Universe, model: Model) -> None:
        spec.check()
        self.spec = spec
        self.universe = universe
        self.model = model
        self.panel = universe.panel
        self.currency = currency_of(spec.currency)
        self.rng = np.random.default_rng(spec.seed)
        self._accounts = {a.name: a for a in spec.accounts}
        self._first_account = spec.accounts[0].name
        self.books = Books(
            [Account(a.name, a.venue, currency_of(a.currency), a.lot_method) for a in spec.accounts],
            tax_currency=spec.tax.currency if spec.tax is not None else None,
            fx=self._rate_known_at,
        )
        # Every reason the Game cannot start, gathered and raised as one InvalidGameError.
        problems = self._symbol_problems()
        allowed = set(spec.symbols) & set(self.panel.symbols) if spec.symbols else set(self.panel.symbols)
        if spec.asset_classes:
            classes = set(spec.asset_classes)
            allowed = {s for s in allowed if universe.instruments[s].asset_class in classes}
        self.allowed = allowed
        unusable: list[str] = []  # problems after which the rest cannot be checked
        try:
            self.assets = AssetMap.of(universe.instruments, self.panel.symbols, spec.currency)
        except ValueError as error:
            unusable += [f"data: {problem}" for problem in str(error).split("; ")]
        try:
            self.times = self._round_times()
        except DataError as error:
            unusable.append(str(error))
        if unusable:
            raise InvalidGameError(problems + unusable)
        # Per Round, the latest row of the panel it knows (-1 before the first bar is known).
        self.latest_rows = self.panel.available.searchsorted(self.times, "right") - 1
        self._now_ns = int(self.times[0])
        columns = {s: i for i, s in enumerate(self.panel.symbols)}
        self._column = columns
        self.held: dict[tuple[str, str], Decimal] = {}  # (account, asset) -> units held in lots
        self._cost: dict[tuple[str, str], Decimal] = {}
        n = len(self.panel.symbols)
        self._qty = np.zeros((len(spec.accounts), n))
        self._account_index = {a.name: i for i, a in enumerate(spec.accounts)}
        self._last_price = np.full(n, np.nan)
        self._marks = np.zeros(n)  # latest close x FX rate, 0 before a symbol's first bar
        self._prev_price = np.full(n, np.nan)
        self.actions = self._actions_in_play()  # row -> the corporate actions this Game applies
        self._action_rows = np.array(sorted(self.actions), dtype=np.int64)
        self._static_rates = static_rates(universe, spec.currency, spec.fx_rates)
        try:
            self.rate_sources = self._check_rates()  # currency -> where its rate comes from
        except InvalidGameError as error:
            problems += error.problems
        if problems:
            raise InvalidGameError(problems)
        self._fx_table = FxTable(universe, self._static_rates, spec.currency, allowed, self.assets.value_column)
        self._fx = self._fx_vector()
        self._foreign = self._fx_table.foreign
        self._cash = GameCash(self.books, self._fx_table, spec.currency, self.panel.available, self._now_ns)
        self.open_moves: list[MoveState] = []
        self.history = RoundHistory(self)
        self.events: list[GameEvent] = []
        self.inbox: list[MoveEvent] = []  # what the Model is told at its next Round (events.py)
        self._tags: dict[str, str] = {}  # move id -> the Model's tag, for the Moves that have one
        self._moves = 0
        self._row = 0
        self._round = 0
        self._transit: list[tuple[int, Transfer, str]] = []
        self._values = np.full(len(self.times), np.nan)
        self._start_capital = spec.start_fund
        self._peak = float(spec.start_fund)
        self._losing = 0
        self._liquidating = False  # the end's sales take what the bar offers: no volume cap
        self._end_at_close = False  # the end's sales fill at the last close (and so do their chained legs)
        self._owing = False  # some account owes a running cost it could not pay (Books.payables)
        self._volume_taken: dict[tuple[int, int], Decimal] = {}  # (row, column) -> units the Game traded
        self._capped = any(a.volume_cap is not None for a in spec.accounts)

    def _symbol_problems(self) -> list[str]:
        """The symbols the Game file names (``symbols``, an account's ``symbols``, an initial
        Position's) that its data does not hold (a Position may name the asset of a pair)."""
        spec, known = self.spec, set(self.panel.symbols)
        assets = known | {symbol.split("/", 1)[0] for symbol in known}
        problems = []
        unknown = sorted(set(spec.symbols) - known)
        if unknown:
            problems.append(f"symbols: not in the data: {', '.join(unknown)}")
        for index, account in enumerate(spec.accounts):
            unknown = sorted(set(account.symbols) - known)
            if unknown:
                problems.append(f"accounts[{index}].symbols: not in the data: {', '.join(unknown)}")
        held = sorted({p.symbol for p in spec.initial_positions if p.symbol not in assets})
        if held:
            problems.append(f"initial_positions: symbol not in the data: {', '.join(held)}")
        return problems

    # -- schedule --------------------------------------------------------------------------

    def _round_times(self) -> np.ndarray:
        spec, panel = self.spec, self.panel
        code = spec.calendar or panel.calendar
        if not panel.rows:
            raise DataError("data: the dataset has no bars")
        data_end = pd.Timestamp(panel.labels[-1], tz="UTC")
        start = pd.Timestamp(spec.start, tz="UTC")
        end = pd.Timestamp(spec.end, tz="UTC") if spec.end else data_end
        if start < pd.Timestamp(panel.labels[0], tz="UTC") or start > data_end:
            raise DataError(
                f"start: {spec.start} is outside the data ({pd.Timestamp(panel.labels[0]).date()} to {data_end.date()})"
            )
        if end > data_end:
            raise DataError(f"end: {spec.end} is after the data ends ({data_end.date()})")
        if spec.round_times:
            times = pd.DatetimeIndex([pd.Timestamp(t) for t in spec.round_times])
            if times.tz is None:
                times = times.tz_localize("UTC")
            ns = np.sort(times.tz_convert("UTC").as_unit("ns").asi8)
        elif spec.round_intervals or spec.round_interval_days is not None:
            # Each Round at the close of the first session on or after the previous Round's session
            # day plus the next gap (GameSpec.round_gaps: the list's last gap repeats; or growing).
            days = sessions(code, start, end)
            closes = session_closes(code, days)
            picked, day, gaps = [], start, spec.round_gaps()
            while True:
                index = int(np.searchsorted(days.as_unit("ns").asi8, day.value))
                if index >= len(days):
                    break
                picked.append(closes[index])
                gap = next(gaps)
                if gap > (days[-1] - days[index]).days:
                    break  # past the last session (and no Timedelta overflow on a huge gap)
                day = days[index] + pd.Timedelta(days=gap)
            ns = np.asarray(picked, dtype=np.int64)
        else:
            assert spec.schedule is not None
            ns = round_times(code, start, end, spec.schedule).as_unit("ns").asi8
        if spec.rounds is not None:
            if len(ns) < spec.rounds:
                raise DataError(f"rounds: the data has room for {len(ns)} rounds, not {spec.rounds}")
            ns = ns[: spec.rounds]
        if not len(ns):
            raise DataError("schedule: no round falls between start and end")
        return np.asarray(ns, dtype=np.int64)

    def _actions_in_play(self) -> dict[int, list[CorporateAction]]:
        """The corporate actions this Game applies (row -> actions): those dated on or after its
        start day, up to the last row its last Round knows and the row after it (on which the end's
        sales fill under next-open fills).

        An action before the start is already in the Game's starting state: an initial Position's
        quantity is what was held going into the start day, whenever it was acquired, so a split or
        dividend before the start never applies to it (nor is paid), while one whose ex-date is the
        start day itself does (the start day's session opens after the Position was held). The data
        before the start only serves as history for the Model."""
        start_ns = pd.Timestamp(self.spec.start, tz="UTC").value
        first = int(np.searchsorted(self.panel.labels, start_ns, side="left"))
        last = int(self.latest_rows[-1]) + 1
        return {row: actions for row, actions in self.universe.actions.items() if first <= row <= last}

    def _needed_currencies(self) -> list[str]:
        """Every currency other than the Game's that the Game may hold, pay, value or tax in."""
        spec = self.spec
        codes = {self.universe.instruments[s].quote_currency.code for s in self.allowed}
        codes |= {self.assets.asset(s) for s in self.allowed if self.assets.asset(s) in self.assets.cash_assets}
        instruments = self.universe.instruments
        codes |= {instruments[p.symbol].quote_currency.code for p in spec.initial_positions if p.symbol in instruments}
        codes |= {a.currency for a in spec.accounts}
        codes |= {cost.amount.currency.code for _, cost in spec.running_costs}
        if spec.tax is not None:
            codes.add(spec.tax.currency.code)
        codes.discard(self.currency.code)
        return sorted(codes)

    def _check_rates(self) -> dict[str, str]:
        """Where each needed currency's rate into the Game currency comes from at the first Round (an
        FX series in the data, else the static ``fx_rates``); a Game that needs a rate it has neither
        for is refused before it starts, naming the pair."""
        view = UniverseView(self.universe, self.panel.as_of(int(self.times[0])), self._static_rates)
        sources, problems = {}, []
        game = self.currency.code
        for code in self._needed_currencies():
            rate, source = view.fx_quote(code, game)
            if np.isnan(rate):
                problems.append(
                    f"fx_rates.{code}: no rate from {code} to {game} at the start: the data has no "
                    f"{code}{game} (or {game}{code}) series with a bar by then; add one, or a static rate"
                )
            else:
                sources[code] = f"{source} ({rate!r} {game} per {code} at the start)"
        if problems:
            raise InvalidGameError(problems)
        return sources

    def _fx_vector(self) -> np.ndarray:
        """Game-currency units per unit of each symbol's quote currency at the rates known now
        (``quiet.FxTable``)."""
        known = self.panel.rows_known_at(max(self._now_ns, int(self.times[0])))
        rates: np.ndarray = self._fx_table.at(np.array([known]))[0]
        return rates

    def _view_now(self) -> UniverseView:
        return UniverseView(self.universe, self.panel.as_of(max(self._now_ns, int(self.times[0]))), self._static_rates)

    def _rate(self, base: str, quote: str) -> float:
        """Units of ``quote`` per unit of ``base`` known now (see ``UniverseView.fx_rate``)."""
        rate = self._view_now().fx_rate(base, quote)
        if np.isnan(rate):
            raise DataError(f"fx_rates: no rate from {base} to {quote} (add a forex symbol or a static rate)")
        return rate

    def _rate_known_at(self, base: str, quote: str, ts: datetime) -> Decimal | None:
        """The books' FX source: units of ``quote`` per unit of ``base`` known at ``ts`` (None: unknown)."""
        view = UniverseView(self.universe, self.panel.as_of(ts), self._static_rates)
        rate = view.fx_rate(base, quote)
        return None if np.isnan(rate) else Decimal(repr(rate))

    # -- the loop --------------------------------------------------------------------------

    def run(self, observer: RoundObserver | None = None) -> GameResult:
        """Play every Round; ``observer.round_done`` is called after each one (for storage, progress)."""
        spec = self.spec
        first = int(self.times[0])
        self._now_ns = first
        self._book_start(first)
        outcome: Outcome = "completed"
        reason = "played every round"
        played = len(self.times)
        years = self._tax_years()
        year = int(years[0])
        exits_set = self.spec.exits.active
        skip = self._quiet_rounds(years)
        index, asleep = 0, False  # asleep: a quiet Round that books something, played without the Model
        while index < len(self.times):
            ns = int(self.times[index])
            self._round = index
            charges = self._due_running_costs(ns) if spec.running_costs else []
            end = int(self.latest_rows[index]) + 1
            if end > self._row:
                self._replay_bars(end, charges)  # books each charge before the fills that come after it
            self._charge(charges)
            self._now_ns = ns
            if self._foreign:  # FX rates move: re-value foreign instruments at today's rates
                self._fx = self._fx_vector()
                self._marks = np.nan_to_num(self._last_price) * self._fx
            if self.open_moves:
                self._expire(index)
            if self._transit:
                self._arrive(index)
            if spec.tax is not None and years[index] != year:
                for past in range(year, int(years[index])):
                    self.books.record_tax(past, spec.tax, utc_from_ns(ns), f"tax for {past}")
                year = int(years[index])
            value = self._value()
            self._values[index] = value
            exit_reason = self._exit(value) if exits_set else None
            if exit_reason is not None:
                outcome, reason = exit_reason
                self._event(Kind.EXIT, None, None, None, f"{outcome}: {reason}")
                played = index + 1
                break
            ended = None
            if not asleep:
                view = UniverseView(self.universe, PanelView(self.panel, end), self._static_rates)
                ctx = RoundContext(self, index, ns, view, value, tuple(self.inbox))
                self.inbox.clear()
                ended = self._decide(ctx)
                if self.open_moves:
                    self._continued()
            self.history.extend_to(index + 1)
            if observer is not None:
                observer.round_done(self, index, value)
            if ended is not None:
                outcome, reason = "ended_by_model", ended
                self._event(Kind.EXIT, None, None, None, f"ended by the model: {ended}")
                played = index + 1
                break
            index, asleep = index + 1, False
            if skip is not None and not self.open_moves and not self._transit:
                index, asleep = self._skip_quiet(index - 1, skip, observer)
        final_ns = int(self.times[played - 1])
        final_ns = self._liquidate(final_ns)
        score = self._score(final_ns)
        self._values[played - 1] = float(score.final_value)
        result = GameResult(
            spec,
            outcome,
            played - 1,
            reason,
            score,
            self.books,
            self.events,
            self.times[:played].copy(),
            self._values[:played].copy(),
            self.panel.content_hash,
        )
        if observer is not None:
            observer.game_done(self, result)
        return result

    def _tax_years(self) -> np.ndarray:
        """Per Round, the year its latest known bar belongs to (the Round's own year before any bar).

        A year's tax is recorded at the first Round that knows a bar of the next year, after that
        Round's fills: with hourly Rounds on daily bars, not before the fills of the year's first
        session, which the books must see first (they keep time order)."""
        latest = self.latest_rows
        bar_years = pd.DatetimeIndex(self.panel.labels[np.clip(latest, 0, None)], tz="UTC").year.to_numpy()
        round_years = pd.DatetimeIndex(self.times, tz="UTC").year.to_numpy()
        return np.where(latest >= 0, bar_years, round_years)

    def _quiet_rounds(self, years: np.ndarray) -> QuietPlan | None:
        """For a Model that offers ``wake`` (see wake.py and quiet.py): the Rounds that must be
        played; None when the Model needs every Round."""
        wake_of = getattr(self.model, "wake", None)
        wake = None if wake_of is None else wake_of(Signals(self.universe))
        if wake is None:
            return None
        new_year = np.zeros(len(self.times), dtype=bool)
        if self.spec.tax is not None:
            new_year[1:] = years[1:] != years[:-1]
        return plan_quiet(wake, self.times, self.latest_rows, new_year, self.spec.running_costs, self._action_rows)

    def _skip_quiet(self, index: int, plan: QuietPlan, observer: RoundObserver | None) -> tuple[int, bool]:
        """Jump from Round ``index`` to the next Round the loop must play (and whether the Model sleeps
        through it); value the Rounds between on arrays, and stop early at one an exit rule ends."""
        assets = {self.assets.asset(symbol) for symbol in plan.symbols}
        held = any(asset in assets for _, asset in self.held) if assets else bool(self.held)
        following, asleep = plan.next_stop(index, held)
        if following == index + 1:
            return following, asleep
        first = index + 1
        self._now_ns = int(self.times[first])
        known = plan.latest_rows[first:following] + 1
        fx = self._fx_table.at(known) if self._foreign else self._fx[None, :]
        prices = np.nan_to_num(self.universe.filled_close[np.clip(known - 1, 0, None)])
        prices[known < 1] = 0.0
        values = self._cash.at(known) + holdings_values(self._qty, prices * fx)  # the cash at each Round's rates
        if self.spec.exits.active:
            state = (float(self._values[index]), self._peak, self._losing, float(self._start_capital))
            fires, self._peak, self._losing = first_exit(values, *state, self.spec.exits)
            if fires is not None:  # the loop plays that Round and ends the Game on it
                following, asleep, values = first + fires, True, values[:fires]
        self._values[first:following] = values
        if observer is not None:
            for quiet in range(first, following):
                self._round = quiet
                self._now_ns = int(self.times[quiet])
                self.history.extend_to(quiet + 1)
                observer.round_done(self, quiet, float(self._values[quiet]))
        self.history.extend_to(following)
        self._round, self._now_ns = following - 1, int(self.times[following - 1])
        if self._foreign and following > first:
            self._fx = fx[following - 1 - first]
        previous_end = int(plan.latest_rows[following - 1]) + 1
        if previous_end > self._row:
            self._replay_bars(previous_end)  # catch up, so the next Round's changes start from here
        return following, asleep

    @property
    def round_values(self) -> np.ndarray:
        """The Game's value after each Round played so far (read-only view)."""
        view = self._values[:]
        view.flags.writeable = False
        return view

    def _book_start(self, ns: int) -> None:
        spec = self.spec
        for position in sorted(spec.initial_positions, key=lambda p: p.acquired):
            when = datetime(position.acquired.year, position.acquired.month, position.acquired.day, tzinfo=UTC)
            asset = self._instrument(position.symbol).base_asset
            instrument = self.assets.books.get(asset)  # what the books keep it as (a pair's base asset)
            if instrument is None:
                raise InvalidGameError([f"initial_positions: {position.symbol} delivers a currency: start with cash"])
            currency = instrument.quote_currency
            cost = currency.round(position.cost_basis)
            op = self.books.deposit(
                position.account, Money(cost, currency), when, f"initial position {position.symbol}"
            )
            price = (cost / position.quantity).quantize(Decimal("1E-10"))
            buy = self.books.buy(
                position.account,
                instrument,
                Quantity(position.quantity),
                Price(price, currency),
                Money(cost - currency.round(price * position.quantity), currency)
                if cost > currency.round(price * position.quantity)
                else Money.zero(currency),
                when,
                "initial position",
                game=spec.name,
            )
            self._after_fill(position.account, asset, position.quantity, cost)
            self._event(
                Kind.INITIAL_POSITION, None, position.account, position.symbol, f"{position.quantity}", (op, buy)
            )
        fund = self.books.deposit(
            self._first_account, Money(spec.start_fund, self.currency), utc_from_ns(ns), "start fund"
        )
        # The starting capital: the Start Fund plus what the initial positions cost, in the Game currency.
        for position in spec.initial_positions:
            code = self._instrument(position.symbol).quote_currency.code
            rate = Decimal(1) if code == self.currency.code else Decimal(repr(self._rate(code, self.currency.code)))
            self._start_capital += self.currency.round(position.cost_basis * rate)
        self._peak = float(self._start_capital)
        self._event(
            Kind.START, None, self._first_account, None, f"start fund {spec.start_fund} {spec.currency}", (fund,)
        )
        for code, source in self.rate_sources.items():
            self._event(Kind.FX, None, None, f"{code}{spec.currency}", f"{code} to {spec.currency}: {source}")

    # -- bars ------------------------------------------------------------------------------

    def _replay_bars(self, end: int, charges: list[tuple[datetime, str, RunningCost]] | None = None) -> None:
        """Replay the rows ``self._row`` to ``end`` (exclusive): actions, fills, then the new marks.

        ``charges`` (running costs this Round books) due before a row's fills are booked first, so
        the books stay in time order: a fill on Tuesday's open, learned of at a weekly Round, comes
        before a charge due on Wednesday and after one due on Monday."""
        np.copyto(self._prev_price, self._last_price)
        all_actions = self.actions
        action_rows = self._action_rows
        first_action = int(action_rows.searchsorted(self._row)) if len(action_rows) else 0
        if not self.open_moves and not (
            first_action < len(action_rows) and action_rows[first_action] < end
        ):  # nothing to match: jump to the latest marks at once
            latest = self.universe.filled_close[end - 1]
            known = latest == latest  # not NaN
            np.copyto(self._last_price, latest, where=known)
            np.multiply(latest, self._fx, out=self._marks, where=known)
            self._row = end
            return
        closes = self.panel.fields["close"]
        at_close = self.spec.fill_at == "close"
        for row in range(self._row, end):
            if self.open_moves or all_actions:
                self._now_ns = int(self.panel.available[row] if at_close else self.universe.fill_times[row])
                if charges:
                    self._charge(charges, utc_from_ns(self._now_ns))
                actions = all_actions.get(row)
                if actions:
                    self._corporate_actions(row, actions)
                if self.open_moves:
                    self._match_row(row, at_close=at_close)
            values = closes[row]
            known = values == values  # not NaN
            np.copyto(self._last_price, values, where=known)
            np.multiply(values, self._fx, out=self._marks, where=known)
        self._row = end

    def _bar(self, row: int, column: int) -> Bar:
        f = self.panel.fields
        return Bar(
            float(f["open"][row, column]),
            float(f["high"][row, column]),
            float(f["low"][row, column]),
            float(f["close"][row, column]),
            float(f["volume"][row, column]),
        )

    def _match_row(self, row: int, *, at_close: bool, only: list[MoveState] | None = None) -> None:
        available = int(self.panel.available[row])
        when = available if at_close else int(self.universe.fill_times[row])
        # A Move trades on a bar that became known after it was placed, and never at a price from
        # before it: placed intraday on daily bars, it waits for the next session's open.
        candidates = [
            m
            for m in (only if only is not None else self.open_moves)
            if only is not None or (m.placed_at_ns < available and m.placed_at_ns <= when)
        ]
        if not candidates:
            return
        # Settle target and notional sizes on this bar, then sells before buys.
        planned: list[tuple[MoveState, float, bool]] = []
        for state in candidates:
            if state.status is not MoveStatus.OPEN:
                continue
            column = self._column[state.move.symbol]
            bar = self._bar(row, column)
            if np.isnan(bar.close):
                continue  # no trading in this symbol on this bar
            move = state.move
            fill = match(
                state.side,
                move.order_type,
                None if move.limit_price is None else float(move.limit_price),
                None if move.stop_price is None else float(move.stop_price),
                state.triggered,
                bar,
                at_close=at_close,
            )
            state.triggered = fill.triggered
            if fill.price is None:
                continue
            maker = (
                move.order_type is OrderType.LIMIT
                and move.limit_price is not None
                and (fill.price == float(move.limit_price))
            )
            if state.quantity is None:
                self._settle_size(state, fill.price, row, at_close)
            planned.append((state, fill.price, maker))
        quotas = self._volume_quotas(row, [state for state, _, _ in planned])
        planned.sort(key=lambda item: item[0].side is Side.BUY)
        for state, price, maker in planned:
            if state.status is MoveStatus.OPEN:
                bar = self._bar(row, self._column[state.move.symbol])
                filled_at = available if bar.close_only else when  # a close-only bar trades at its close
                self._execute(state, row, price, maker, bar, filled_at, quotas.get(state.move_id))

    def _volume_quotas(self, row: int, planned: list[MoveState]) -> dict[str, Decimal]:
        """What each capped Move may take of ``row``'s volume: an account's cap is a share of the
        bar's volume, and that liquidity is shared by every Move of the Game on the symbol and bar,
        served in the order the Moves were made (what earlier fills took on the bar counts too)."""
        quotas: dict[str, Decimal] = {}
        if self._liquidating or not self._capped:
            return quotas  # the end sells everything; no account has a cap
        reserved: dict[int, Decimal] = {}
        for state in planned:  # in the order the Moves were made (the order of open_moves)
            if state.status is not MoveStatus.OPEN or state.quantity is None:
                continue
            column = self._column[state.move.symbol]
            cap = self._accounts[state.account].volume_cap
            volume = float(self.panel.fields["volume"][row, column])
            taken = self._volume_taken.get((row, column), _ZERO) + reserved.get(column, _ZERO)
            remaining = state.quantity - state.filled
            if cap is not None and not np.isnan(volume):
                step = self._step(self._instrument(state.move.symbol))
                limit = (cap * Decimal(repr(volume)) / step).to_integral_value(ROUND_DOWN) * step
                remaining = max(_ZERO, min(remaining, limit - taken))
                quotas[state.move_id] = remaining
            reserved[column] = reserved.get(column, _ZERO) + remaining
        return quotas

    def _booking_time(self, ns: int) -> datetime:
        """When a bar's fill or corporate action is booked: at its time, or, if the books already hold
        a later operation (booked at a Round inside that bar, e.g. hourly Rounds on daily bars, before
        the engine could know the bar), just after it: the books keep time order, the price stays."""
        when = utc_from_ns(ns)
        last = self.books.last_timestamp
        return last if last is not None and last > when else when

    def _settle_size(self, state: MoveState, price: float, row: int, at_close: bool) -> None:
        """Turn a notional or target-weight size into units at ``price``, the price it fills at on
        ``row``; a target weight is a share of the Game's value at the prices of that fill."""
        move = state.move
        instrument = self._instrument(move.symbol)
        step = self._step(instrument)
        if move.notional is not None:
            units = units_for(move.notional, price, step)
        else:
            assert move.target_weight is not None
            fx = float((self._fx_vector() if self._foreign else self._fx)[self._column[move.symbol]])  # at the fill
            value = max(self._value_at(row, at_close), 0.0)  # a Game that owes more than it has targets nothing
            wanted = target_units(move.target_weight, value, fx, price, step)
            held = self._holding(state.account, instrument)
            units = abs(wanted - held)
            state.side = Side.BUY if wanted > held else Side.SELL
        state.quantity = units
        if units <= 0:
            state.status = MoveStatus.FILLED
            self._event(Kind.FILLED, state.move_id, state.account, move.symbol, "nothing to trade: already at the size")
            if move.notional is not None:  # the log calls it filled; the Model learns why nothing traded
                self._tell(
                    state, Why.BELOW_LOT, f"notional {move.notional} is less than a lot of {move.symbol} at {price}"
                )
            else:
                self._tell(state, Why.AT_TARGET, f"{move.symbol} is already at target weight {move.target_weight}")
            self._finish(state)

    def _execute(
        self, state: MoveState, row: int, price: float, maker: bool, bar: Bar, when: int, quota: Decimal | None = None
    ) -> None:
        """Fill what ``state`` can on ``row`` at ``price`` (before slippage); ``quota``: the most the
        bar's shared volume cap leaves it (``_volume_quotas``)."""
        move = state.move
        account = self._accounts[state.account]
        instrument = self._instrument(move.symbol)
        unit = self._price_unit(instrument)  # what its prices and fees are counted in
        assert state.quantity is not None
        remaining = state.quantity - state.filled
        step = self._step(instrument)
        quantity = remaining if quota is None else min(remaining, quota)
        if quantity <= 0:
            return  # the volume cap left nothing on this bar: it stays open
        side = state.side
        if not maker:
            price = account.slippage.execution_price(
                side=side.value, price=price, quantity=float(quantity), bar_volume=bar.volume
            )
        unit_price = tick_price(price, instrument.tick_size)
        if side is Side.SELL:
            held = self._holding(state.account, instrument)
            if quantity > held:
                quantity = held
                if quantity <= 0:
                    self._reject(state, Why.INSUFFICIENT_HOLDINGS, f"sell of {move.symbol}: {state.account} holds none")
                    return
        else:
            wanted = quantity
            quantity = self._buyable(state, instrument, quantity, unit_price, maker, step, when)
            if quantity <= 0:
                self._reject(
                    state, Why.INSUFFICIENT_CASH, f"buy of {move.symbol}: not enough {unit.code} in {state.account}"
                )
                return
            if quantity < wanted and wanted == remaining:  # cut by cash, not by volume: this is all it gets
                state.note = f"cut from {state.quantity} to {state.filled + quantity} by the cash available"
                state.quantity = state.filled + quantity
        if quantity <= 0:
            return  # the volume cap left nothing on this bar: it stays open
        fee = fill_fee(account.fees, quantity, unit_price, maker, unit)
        ts = self._booking_time(when)
        label = f"{state.move_id} [tag {move.tag}]" if move.tag else state.move_id
        reason = f"{label}: {move.reason}" if move.reason else label
        gross = quantity * unit_price
        try:
            op = self._book_fill(state, instrument, quantity, unit_price, fee, row, when, ts, reason)
        except TradegameError as error:
            self._reject(state, reason_for(error), f"{side.value} {quantity} {move.symbol}: {error}")
            return
        if self._capped:
            column = self._column[move.symbol]
            self._volume_taken[(row, column)] = self._volume_taken.get((row, column), _ZERO) + quantity
        if side is Side.SELL:
            self._pay_debts()
        state.filled += quantity
        state.fill_value += gross
        state.fees += fee.amount
        state.op_ids.append(op)
        done = state.filled >= state.quantity
        kind = Kind.FILLED if done else Kind.PARTIAL
        self._event(
            kind,
            state.move_id,
            state.account,
            move.symbol,
            f"{side.value} {quantity} @ {unit_price}{'' if unit == self.currency else ' ' + unit.code} "
            f"fee {fee.amount} ({state.filled}/{state.quantity})" + (f"; {state.note}" if state.note else ""),
            (op,),
            when=ts,
        )
        opened, sold = self.books.lots_of(op)
        self.inbox.append(
            Fill(state.move_id, move.tag, move.symbol, state.account, side, unit_price, quantity, fee.amount,
                 fee.currency.code, not done, state.filled, state.quantity - state.filled, opened, sold, op, ts,
                 state.note)
        )  # fmt: skip
        if done:
            state.status = MoveStatus.FILLED
            self._finish(state, row)

    def _price_unit(self, instrument: Instrument) -> Currency:
        """The unit ``instrument``'s prices and fees are counted in: its quote currency, or for a
        cross pair its quote asset (8 decimals for a coin)."""
        return quote_unit(instrument.quote_asset) if instrument.is_cross else instrument.quote_currency

    def _step(self, instrument: Instrument) -> Decimal:
        """The smallest tradable quantity: a currency pair trades its base currency's minor unit."""
        if instrument.base_asset in self.assets.cash_assets:
            return currency_of(instrument.base_asset).quantum
        return lot_step(instrument)

    def _buyable(
        self, state: MoveState, instrument: Instrument, quantity: Decimal, price: Decimal, maker: bool,
        step: Decimal, when: int,
    ) -> Decimal:  # fmt: skip
        """The most of ``quantity`` the account can pay for, fee included: from its cash in the quote
        currency (converting from its own currency what it lacks), or from the quote asset it holds."""
        account = self._accounts[state.account]
        unit = self._price_unit(instrument)
        if instrument.is_cross:
            held = self.held.get((account.name, instrument.quote_asset), _ZERO)
            return affordable(quantity, price, held, step, account.fees, maker, unit)
        cost = unit.round(quantity * price) + fill_fee(account.fees, quantity, price, maker, unit).amount
        self._fund_purchase(account, unit, cost, state, when)
        cash = self.books.cash(account.name, unit).amount
        return affordable(quantity, price, cash, step, account.fees, maker, unit)

    def _book_fill(
        self, state: MoveState, instrument: Instrument, quantity: Decimal, price: Decimal, fee: Money, row: int,
        when: int, ts: datetime, reason: str,
    ) -> str:  # fmt: skip
        """Book one fill in the books and the holdings; returns its op id (raises when refused)."""
        account, buy = state.account, state.side is Side.BUY
        asset = instrument.base_asset
        unit = self._price_unit(instrument)
        gross = unit.round(quantity * price)
        if asset in self.assets.cash_assets:  # a currency pair: a conversion of cash
            base = currency_of(asset)
            if buy:
                return self.books.convert(account, Money(gross, unit), Money(quantity, base), fee, ts, reason)
            fee_in_base = Money(base.round(fee.amount / price), base)
            return self.books.convert(account, Money(quantity, base), Money(gross, unit), fee_in_base, ts, reason)
        book = self.assets.books[asset]
        if instrument.is_cross:
            return self._book_swap(state, instrument, quantity, gross, fee.amount, row, when, ts, reason)
        price_money = Price(price, unit)
        if buy:
            op = self.books.buy(account, book, Quantity(quantity), price_money, fee, ts, reason, game=self.spec.name)
            self._after_fill(account, asset, quantity, gross + fee.amount)
            return op
        lots = self._sale_lots(state, quantity)
        op = self.books.sell(account, book, Quantity(quantity), price_money, fee, ts, reason, game=self.spec.name,
                             lots=lots)  # fmt: skip
        self._after_fill(account, asset, -quantity, _ZERO)
        return op

    def _book_swap(
        self, state: MoveState, instrument: Instrument, quantity: Decimal, gross: Decimal, fee: Decimal, row: int,
        when: int, ts: datetime, reason: str,
    ) -> str:  # fmt: skip
        """A fill on a cross pair (ETH/BTC): a swap of one asset for the other at fair value in the
        books' currency (the quote asset's value at the fill), the fee paid in the quote asset: a buy
        gives ``gross + fee`` of the quote, a sell gets ``gross - fee``. A disposal of what is given."""
        base, quote = instrument.base_asset, instrument.quote_asset
        currency = instrument.quote_currency
        value = self._unit_value(quote, row, when)
        fair = currency.round((gross + fee if state.side is Side.BUY else gross) * value)
        fee_value = min(currency.round(fee * value), fair)
        books = self.assets.books
        if state.side is Side.BUY:
            give, give_units, get, get_units = quote, gross + fee, base, quantity
        else:
            give, give_units, get, get_units = base, quantity, quote, gross - fee
        if get_units <= 0:
            raise FeeExceedsValueError(f"the fee {fee} {quote} takes all of {gross} {quote}")
        op = self.books.crypto_swap(
            state.account, books[give], Quantity(give_units), books[get], Quantity(get_units), Money(fair, currency),
            Money(fee_value, currency), ts, reason, game=self.spec.name, fee_in_kind=True,
        )  # fmt: skip
        self._after_fill(state.account, give, -give_units, _ZERO)
        self._after_fill(state.account, get, get_units, fair - fee_value)
        return op

    def _unit_value(self, asset: str, row: int, when: int) -> Decimal:
        """One unit of ``asset`` in its books' currency at a fill on ``row`` at ``when``: the price
        its valuing pair trades at then (the open, or the close for a fill at the close), its latest
        known close if that pair has no bar there; through the quote asset for a cross pair."""
        column = self.assets.value_column[asset]
        instrument = self.universe.instruments[self.panel.symbols[column]]
        fields = self.panel.fields
        at_close = when >= int(self.panel.available[row])
        price = float(fields["close" if at_close else "open"][row, column])
        if np.isnan(price):
            price = float(fields["close"][row, column])
        if np.isnan(price):
            price = float(self._last_price[column])
        if np.isnan(price):
            raise NoPriceError(f"no price for {asset} yet: its fair value is unknown")
        value = Decimal(repr(price))
        if instrument.is_cross:
            return value * self._unit_value(instrument.quote_asset, row, when)
        book = self.assets.books[asset].quote_currency.code
        if instrument.quote_currency.code != book:
            value *= Decimal(repr(self._rate(instrument.quote_currency.code, book)))
        return value

    def _fund_purchase(
        self, account: AccountSpec, currency: Currency, needed: Decimal, state: MoveState, when: int
    ) -> None:
        """Before a buy quoted in another currency than the account's own: convert from the account's
        currency what its cash in ``currency`` lacks for ``needed``, at the rate known now and with the
        conversion fee a ``Convert`` pays (a broker's automatic FX), as far as the account's cash goes."""
        base = currency_of(account.currency)
        short = needed - self.books.cash(account.name, currency).amount
        if base.code == currency.code or short <= 0:
            return
        rate = Decimal(repr(self._rate(base.code, currency.code)))
        cash = self.books.cash(account.name, base).amount
        give = affordable((short / rate).quantize(base.quantum, ROUND_UP), Decimal(1), cash, base.quantum,
                          account.fees, False, base)  # fmt: skip
        get = currency.round(give * rate)
        if give <= 0 or get <= 0:
            return
        fee = fill_fee(account.fees, give, Decimal(1), False, base)
        reason = f"{state.move_id}: {base.code} for a {currency.code} buy"
        op = self.books.convert(
            account.name, Money(give, base), Money(get, currency), fee, self._booking_time(when), reason
        )
        detail = f"{give} {base.code} at {rate}: {get} {currency.code}"
        self._event(Kind.CONVERTED, state.move_id, account.name, f"{base.code}{currency.code}", detail, (op,))

    def _sale_lots(self, state: MoveState, quantity: Decimal) -> list[tuple[str, Decimal]] | None:
        """The tax lots a sale of ``quantity`` names: the Move's own, taken in order past what earlier
        fills sold; in an account with specific identification and none named, the oldest first
        (FIFO, the rule for a sale that is not identified); otherwise None (the lot method picks)."""
        if state.move.lots:
            named, skip = state.move.lots, state.filled
        elif self._accounts[state.account].lot_method is LotMethod.SPECIFIC:
            held = self.books.open_lots(state.account, self.assets.asset(state.move.symbol))
            named, skip = tuple((lot.lot_id, lot.quantity) for lot in held), _ZERO
        else:
            return None
        out: list[tuple[str, Decimal]] = []
        wanted = quantity
        for lot_id, units in named:
            sold_before = min(units, skip)  # sold by this Move's earlier (partial) fills
            skip -= sold_before
            take = min(units - sold_before, wanted)
            if take > 0:
                out.append((lot_id, take))
                wanted -= take
            if not wanted:
                break
        return out

    def _holding(self, account: str, instrument: Instrument) -> Decimal:
        """What ``account`` holds of the asset ``instrument`` delivers: units in lots, or the cash of a
        currency pair's base currency."""
        asset = instrument.base_asset
        if asset in self.assets.cash_assets:
            return self.books.cash(account, currency_of(asset)).amount
        return self.held.get((account, asset), _ZERO)

    def _after_fill(self, account: str, symbol: str, delta: Decimal, cost_added: Decimal) -> None:
        """``symbol`` here is the asset (a plain instrument's symbol, or a pair's base)."""
        key = (account, symbol)
        before = self.held.get(key, _ZERO)
        after = before + delta
        if delta < 0 and before:
            self._cost[key] = self._cost.get(key, _ZERO) * after / before
        else:
            self._cost[key] = self._cost.get(key, _ZERO) + cost_added
        self.held[key] = after
        if not after:
            del self.held[key]
            self._cost.pop(key, None)
        self._qty[self._account_index[account], self.assets.value_column[symbol]] = float(after)

    # -- corporate actions -----------------------------------------------------------------

    def _corporate_actions(self, row: int, actions: list[CorporateAction]) -> None:
        ts = self._booking_time(int(self.universe.fill_times[row]))
        for action in actions:
            holders = [(a, q) for (a, s), q in self.held.items() if s == action.symbol]
            if not holders:
                continue
            instrument = self._instrument(action.symbol)
            if action.kind == "split":
                op = self.books.split(instrument, action.value, ts, f"{action.value}-for-1 split")
                for account, quantity in holders:
                    self._after_fill(account, action.symbol, quantity * action.value - quantity, _ZERO)
                for state in self.open_moves:
                    if state.move.symbol == action.symbol:
                        self._split_move(state, action.value)
                self._event(Kind.SPLIT, None, None, action.symbol, f"{action.value} new per old", (op,))
                for account, _ in holders:
                    self._cash_in_lieu(account, instrument, row)
            else:
                currency = instrument.quote_currency
                for account, quantity in holders:
                    amount = currency.round(quantity * action.value)
                    if amount > 0:
                        op = self.books.dividend(
                            account, instrument, Money(amount, currency), ts, f"{action.value}/unit"
                        )
                        self._event(Kind.DIVIDEND, None, account, action.symbol, f"{amount} {currency.code}", (op,))
                        self._pay_debts()

    def _cash_in_lieu(self, account: str, instrument: Instrument, row: int) -> None:
        """Pay out the fraction of a lot a split left in ``account`` at the split day's opening
        price (the first post-split price; the close on close-only data)."""
        held = self.held.get((account, instrument.symbol), _ZERO)
        if instrument.fractional or not held % instrument.lot_size:
            return
        bar = self._bar(row, self._column[instrument.symbol])
        price = tick_price(bar.close if bar.close_only else bar.open, instrument.tick_size)
        fraction = held % instrument.lot_size
        reason = f"cash in lieu of {fraction} {instrument.symbol}"
        try:
            op = self.books.cash_in_lieu(
                account, instrument, Price(price, instrument.quote_currency), self._booking_time(self._now_ns), reason,
                game=self.spec.name,
            )  # fmt: skip
        except TradegameError as error:
            self._event(Kind.REJECTED, None, account, instrument.symbol, f"{reason}: {error}")
            return
        self._after_fill(account, instrument.symbol, -fraction, _ZERO)
        self._event(Kind.CASH_IN_LIEU, None, account, instrument.symbol, f"{fraction} @ {price}", (op,) if op else ())
        self._pay_debts()

    @staticmethod
    def _split_move(state: MoveState, ratio: Decimal) -> None:
        move = state.move
        updates: dict[str, Decimal] = {}
        if move.quantity is not None:
            updates["quantity"] = move.quantity * ratio
        for name in ("limit_price", "stop_price"):
            price = getattr(move, name)
            if price is not None:
                updates[name] = price / ratio
        if move.lots:
            updates["lots"] = tuple((lot_id, units * ratio) for lot_id, units in move.lots)  # type: ignore[assignment]
        state.move = replace(move, **updates)  # type: ignore[arg-type]
        if state.quantity is not None:
            state.quantity *= ratio
            state.filled *= ratio

    # -- time in force, transfers, chains --------------------------------------------------

    def _expire(self, index: int) -> None:
        for state in self.open_moves:
            if state.status is not MoveStatus.OPEN or state.placed_round >= index:
                continue
            state.rounds_seen += 1
            tif = state.move.time_in_force
            if tif == "round" or (isinstance(tif, int) and state.rounds_seen >= tif):
                state.status = MoveStatus.EXPIRED
                self._event(Kind.EXPIRED, state.move_id, state.account, state.move.symbol, f"filled {state.filled}")
                self.inbox.append(
                    Expired(state.move_id, state.move.tag, state.move.symbol, state.account, state.side, state.filled,
                            state.remaining, utc_from_ns(self._now_ns))
                )  # fmt: skip
                self._finish(state)
        self.open_moves = [m for m in self.open_moves if m.status is MoveStatus.OPEN]

    def _finish(self, state: MoveState, row: int | None = None) -> None:
        """A Move is done (filled, expired, cancelled, rejected): start the next leg of its chain."""
        following = state.move.then
        if following is None:
            return
        if not state.filled:  # rejected, expired, cancelled or nothing to trade: nothing was delivered
            why = f"leg {state.move.symbol} ended {state.status.value} with nothing filled"
            self._event(Kind.CHAIN_STOPPED, state.move_id, state.account, following.symbol, why)
            self.inbox.append(Rejected(None, following.tag, following.symbol, following.account or state.account,
                                       following.side, Why.CHAIN_STOPPED, why, utc_from_ns(self._now_ns)))  # fmt: skip
            return
        following = self._sized_by_delivery(state, following)
        placed = self._accept(following, self._now_ns, chain_root=state.chain_root or state.move_id)
        if placed is not None and row is not None and following.order_type is OrderType.MARKET:
            # A chained market leg trades on the same bar, right after the leg before it.
            self._match_row(row, at_close=self.spec.fill_at == "close" or self._end_at_close, only=[placed])

    def _sized_by_delivery(self, state: MoveState, following: Move) -> Move:
        """The next leg of a chain, sized by what ``state`` actually delivered: a sale delivers its
        quote (the proceeds, fees out), a purchase its base (the units bought). A buy paid with that
        asset spends all of it (its notional); a sell of that asset sells all of it. A leg that
        trades something else keeps its own size."""
        instrument = self._instrument(state.move.symbol)
        if state.side is Side.SELL:
            delivered, amount = (
                instrument.quote_asset,
                self._price_unit(instrument).round(state.fill_value - state.fees),
            )
        else:
            delivered, amount = instrument.base_asset, state.filled
        if following.symbol not in self._column:
            return following
        target = self._instrument(following.symbol)
        if following.side is Side.BUY and target.quote_asset == delivered:
            return replace(following, quantity=None, notional=amount, target_weight=None, sell_all=False)
        if following.side is Side.SELL and target.base_asset == delivered:
            step = self._step(target)
            units = (amount / step).to_integral_value(ROUND_DOWN) * step
            return replace(following, quantity=units, notional=None, target_weight=None, sell_all=False, lots=())
        return following

    def _arrive(self, index: int, reason: str | None = None) -> None:
        """Book the transfers due by Round ``index`` as arrived (``reason`` overrides their own)."""
        due = [item for item in self._transit if item[0] <= index]
        self._transit = [item for item in self._transit if item[0] > index]
        for _, transfer, currency in due:
            op = self.books.receive_transfer(
                transfer.source,
                transfer.target,
                Money(transfer.amount, currency_of(currency)),
                utc_from_ns(self._now_ns),
                transfer.reason if reason is None else reason,
            )
            self._event(Kind.TRANSFER_IN, None, transfer.target, None, f"{transfer.amount} {currency}", (op,))
            self._pay_debts()

    # -- valuation and exits ---------------------------------------------------------------

    def _value(self) -> float:
        """The Game's value now: the cash at the rates known now (cash.py) plus the Positions' marks."""
        return self._cash.now(self._now_ns) + float(holdings_values(self._qty, self._marks[None, :])[0])

    def _value_at(self, row: int, at_close: bool) -> float:
        """The Game's value with each Position at the price a market Move fills at on ``row``: its
        open (its close under close fills or on a close-only bar), the latest close where it has no bar;
        the cash and every foreign price at the rates known at the fill."""
        fields = self.panel.fields
        prices = fields["close"][row]
        if not at_close:
            opens = fields["open"][row]
            prices = np.where(np.isnan(opens), prices, opens)
        fx, latest = (self._fx_vector(), np.nan_to_num(self._last_price)) if self._foreign else (self._fx, None)
        marks = np.where(np.isnan(prices), self._marks if latest is None else latest * fx, prices * fx)
        return self._cash.now(self._now_ns) + float((self._qty @ marks).sum())

    def _exit(self, value: float) -> tuple[Outcome, str] | None:
        rules = self.spec.exits
        start = float(self._start_capital)
        previous = float(self._values[self._round - 1]) if self._round else start
        self._losing = self._losing + 1 if value < previous else 0
        self._peak = max(self._peak, value)

        def percent(fraction: Decimal) -> str:  # the limit as written: 0.3 is "30%", 0.125 "12.5%"
            return f"{(fraction * 100).normalize():f}%"

        if rules.min_value_fraction is not None and value < float(rules.min_value_fraction) * start:
            floor = float(rules.min_value_fraction) * start
            reason = f"value {value:,.2f} below {percent(rules.min_value_fraction)} of the start fund ({floor:,.2f})"
            return "catastrophic_exit", reason
        if (
            rules.max_drawdown is not None
            and self._peak > 0
            and (self._peak - value) / self._peak > float(rules.max_drawdown)
        ):
            drawdown = (self._peak - value) / self._peak
            return "catastrophic_exit", f"drawdown {drawdown:.2%} over the {percent(rules.max_drawdown)} limit"
        if rules.max_losing_rounds is not None and self._losing >= rules.max_losing_rounds:
            return "catastrophic_exit", f"{self._losing} losing rounds in a row"
        if rules.target_return is not None and value / start - 1 >= float(rules.target_return):
            return "perfect_exit", f"return {value / start - 1:.2%} reached the {percent(rules.target_return)} target"
        return None

    # -- decisions -------------------------------------------------------------------------

    def _decide(self, ctx: RoundContext) -> str | None:
        try:
            actions = self.model.decide(ctx)
        except Exception as error:  # a Model's bug ends the Game with a clear error, not a half-booked state
            name = getattr(self.model, "name", type(self.model).__name__)
            raise ModelError(f"model {name} failed at round {ctx.round} ({ctx.time.isoformat()}): {error!r}") from error
        if not actions:
            return None
        ended: str | None = None
        placed: list[MoveState] = []
        for action in actions:
            if isinstance(action, Move):
                state = self._accept(copy.deepcopy(action), ctx.ns)  # the Model's object stays its own
                if state is not None:
                    placed.append(state)
            elif isinstance(action, Cancel):
                self._cancel(action)
            elif isinstance(action, EndGame):
                ended = action.reason or "no reason given"
            elif isinstance(action, Transfer):
                self._transfer(action)
            elif isinstance(action, Convert):
                self._convert(action)
            else:
                self._refuse(Why.NOT_AN_ACTION, f"not an action: {type(action).__name__}")
        if placed and self.spec.fill_at == "close" and self._row:
            self._match_row(self._row - 1, at_close=True, only=placed)
        self.open_moves = [m for m in self.open_moves if m.status is MoveStatus.OPEN]
        return ended

    def _continued(self) -> None:
        """Log every Move still open after the Model's turn that it kept from an earlier Round."""
        for state in self.open_moves:
            if state.placed_round < self._round:
                self._event(Kind.CONTINUED, state.move_id, state.account, state.move.symbol, f"filled {state.filled}")

    def _convert(self, action: Convert) -> None:
        if action.account not in self._accounts:
            self._refuse(Why.UNKNOWN_ACCOUNT, f"convert: no account {action.account!r}", action.account)
            return
        give, get = currency_of(action.give), currency_of(action.get)
        try:
            rate = Decimal(repr(self._rate(action.give, action.get)))
            amount = give.round(action.amount)
            fee = fill_fee(self._accounts[action.account].fees, amount, Decimal(1), False, give)
            op = self.books.convert(
                action.account,
                Money(amount, give),
                Money(get.round(amount * rate), get),
                fee,
                utc_from_ns(self._now_ns),
                action.reason or f"convert {action.give} to {action.get}",
            )
        except TradegameError as error:
            self._refuse(reason_for(error), f"convert: {error}", action.account, f"{action.give}{action.get}")
            return
        self._event(Kind.CONVERTED, None, action.account, f"{action.give}{action.get}", f"{amount} at {rate}", (op,))
        self._pay_debts()

    def _accept(self, move: Move, now_ns: int, chain_root: str | None = None) -> MoveState | None:
        self._moves += 1
        move_id = f"m{self._moves:05d}"
        account = move.account or self._default_account(move.symbol)
        problem = self._problem(move, account)  # (reason, message) or None
        if move.tag:
            self._tags[move_id] = move.tag
        state = MoveState(
            move_id,
            move,
            account,
            self._round,
            now_ns,
            move.quantity,
            move.side,
            chain_root=chain_root,
        )
        if move.sell_all:
            state.quantity = (
                self._holding(account, self._instrument(move.symbol)) if move.symbol in self._column else _ZERO
            )
            if not state.quantity:
                problem = problem or (Why.INSUFFICIENT_HOLDINGS, f"sell_all of {move.symbol}: {account} holds none")
        if problem:
            state.status = MoveStatus.REJECTED
            self._event(Kind.REJECTED, move_id, account, move.symbol, problem[1])
            self._tell(state, *problem)
            if chain_root is not None or move.then is not None:
                self._finish(state)
            return None
        self._event(Kind.PLACED, move_id, account, move.symbol, describe(move))
        self.open_moves.append(state)
        return state

    def _default_account(self, symbol: str) -> str:
        return self.spec.account_for(symbol).name

    def _problem(self, move: Move, account: str) -> tuple[Why, str] | None:
        """Why ``move`` is refused when placed (a reason code and a message), or None."""
        if account not in self._accounts:
            return Why.UNKNOWN_ACCOUNT, f"no account {account!r}"
        if move.symbol not in self._column:
            return Why.UNKNOWN_SYMBOL, f"unknown symbol {move.symbol!r}"
        if move.symbol not in self.allowed:
            listed = not self.spec.symbols or move.symbol in self.spec.symbols
            return Why.NOT_ALLOWED_ASSET_CLASS if listed else Why.NOT_ALLOWED_SYMBOL, (
                f"{move.symbol} is not allowed in this Game"
            )
        spec_account = self._accounts[account]
        if spec_account.symbols and move.symbol not in spec_account.symbols:
            return Why.NOT_TRADED_IN_ACCOUNT, f"account {account} does not trade {move.symbol}"
        if move.side is Side.SELL and move.quantity is not None:
            held = self._holding(account, self._instrument(move.symbol))
            if move.quantity > held:
                return Why.INSUFFICIENT_HOLDINGS, f"sell of {move.quantity} {move.symbol} but {account} holds {held}"
        instrument = self._instrument(move.symbol)
        if move.quantity is not None and not instrument.fractional and move.quantity % instrument.lot_size:
            lots = f"{move.symbol}: quantity {move.quantity} is not a multiple of lot size {instrument.lot_size}"
            return Why.NOT_LOT_MULTIPLE, lots
        return None

    def _cancel(self, action: Cancel) -> None:
        for state in self.open_moves:
            if state.move_id == action.move_id and state.status is MoveStatus.OPEN:
                state.status = MoveStatus.CANCELLED
                why = f"{action.reason or 'by the model'}; filled {state.filled}"
                self._event(Kind.CANCELLED, state.move_id, state.account, state.move.symbol, why)
                self.inbox.append(Cancelled(state.move_id, state.move.tag, state.move.symbol, state.account, state.side,
                                            state.filled, state.remaining, why, utc_from_ns(self._now_ns)))  # fmt: skip
                self._finish(state)
                return
        self._refuse(Why.NO_OPEN_MOVE, f"cancel: no open move {action.move_id}", move_id=action.move_id)

    def _transfer(self, transfer: Transfer) -> None:
        rule = next(
            (r for r in self.spec.transfers if r.source == transfer.source and r.target == transfer.target), None
        )
        if rule is None:
            self._refuse(
                Why.NO_TRANSFER_RULE, f"no transfer rule {transfer.source}->{transfer.target}", transfer.source
            )
            return
        currency = currency_of(self._accounts[transfer.source].currency)
        try:
            op = self.books.send_transfer(
                transfer.source,
                transfer.target,
                Money(currency.round(transfer.amount), currency),
                Money(currency.round(rule.fee), currency),
                utc_from_ns(self._now_ns),
                transfer.reason,
            )
        except TradegameError as error:
            self._refuse(reason_for(error), f"transfer: {error}", transfer.source)
            return
        self._event(Kind.TRANSFER_OUT, None, transfer.source, None, f"{transfer.amount} to {transfer.target}", (op,))
        arrive = self._round + rule.delay_rounds
        self._transit.append((arrive, replace(transfer, amount=currency.round(transfer.amount)), currency.code))
        if rule.delay_rounds == 0:
            self._arrive(self._round)

    # -- the end ---------------------------------------------------------------------------

    def _liquidate(self, ns: int) -> int:
        """Sell every Position and convert every currency back; returns when the books closed.

        The sales are market Moves decided at the last Round (``ns``) and filled by the Game's fill
        rule: at the next bar's open under next-open fills (corporate actions of that bar first),
        with the account's slippage and fees; at the close just seen under ``fill_at = "close"``,
        or when the data holds no later bar for the symbol (the decision log says which)."""
        self._now_ns = ns
        end = self.panel.rows_known_at(ns)
        if end > self._row:
            self._replay_bars(end)
        for state in self.open_moves:
            state.status = MoveStatus.CANCELLED
            self._event(Kind.CANCELLED, state.move_id, state.account, state.move.symbol, "game over")
        self.open_moves = []
        self._arrive(len(self.times), "game over")  # what is still in transit arrives now
        orders = []
        for (account, asset), quantity in sorted(self.held.items()):
            if quantity <= 0:
                continue
            move = self._liquidation_move(account, asset, quantity)
            size = move.quantity if move.side is Side.SELL else None
            orders.append(MoveState(f"L-{account}-{asset}", move, account, self._round, ns, size, move.side))
        self._liquidating = True
        try:
            if orders and self.spec.fill_at == "next_open":
                orders = self._liquidate_at_next_open(orders, ns)
            self._end_at_close = True
            for state in orders:  # fill at the close just seen
                price = float(self._last_price[self._column[state.move.symbol]])
                self._execute_liquidation(state, price, ns)
        finally:
            self._liquidating = self._end_at_close = False
        last = self.books.last_timestamp
        closed = max(ns, self._now_ns, 0 if last is None else int(last.timestamp()) * 1_000_000_000)
        self._now_ns = closed
        self._pay_debts()
        self._convert_all(closed)
        self._pay_debts()
        owed = self.books.payables()
        if owed:
            detail = ", ".join(f"{account} {amount} {code}" for (account, code), amount in owed.items())
            self._event(Kind.OWED, None, None, None, f"still owed at the end, counted in the score: {detail}")
        if self.spec.tax is not None:
            first_year, last_year = utc_from_ns(int(self.times[0])).year, utc_from_ns(closed).year
            for year in range(first_year, last_year + 1):
                self.books.record_tax(year, self.spec.tax, self._booking_time(closed), f"tax for {year}")
        return closed

    def _liquidation_move(self, account: str, asset: str, quantity: Decimal) -> Move:
        """The end's sale of ``quantity`` of ``asset``: on the pair that values it when that pair is
        quoted in a currency (the proceeds' currency is converted afterwards), else (a coin held only
        through a cross pair) along the cheapest route of the Game's pairs to the Game currency: for
        its quote, then that."""
        symbol = self.panel.symbols[self.assets.value_column[asset]]
        if self.universe.instruments[symbol].is_cross:
            try:
                route = find_route(self.pairs(account), asset, self.currency.code)
            except InvalidInputError:  # no route within the leg limit: sell for the quote asset
                route = None
            if route is not None and route.legs:
                return chain_along(route, quantity, account=account, reason="liquidation")
        return Move.sell(symbol, quantity, account=account, reason="liquidation")

    def pairs(self, account: str | None = None) -> list[Pair]:
        """Every instrument the Game may trade as a pair (base / quote asset), with the account's fee rate."""
        spec_account = self._accounts[account or self._first_account]
        rate = fee_rate(spec_account.fees)
        instruments = self.universe.instruments
        return [
            Pair(symbol, instruments[symbol].base_asset, instruments[symbol].quote_asset, fee_rate=rate)
            for symbol in sorted(self.allowed)
        ]

    def _liquidate_at_next_open(self, orders: list[MoveState], ns: int) -> list[MoveState]:
        """Fill the end's sales on the bars after ``ns``, as any market Move; returns those left unfilled
        (no later bar for their symbol)."""
        pending = list(orders)
        actions = self.actions
        for row in range(self._row, self.panel.rows):
            if not pending:
                break
            when = int(self.universe.fill_times[row])
            if when < ns:
                continue  # opened before the end was decided (a Round inside this bar)
            self._now_ns = when
            if row in actions:
                self._corporate_actions(row, actions[row])
            self.open_moves = pending
            self._match_row(row, at_close=False, only=pending)
            self.open_moves = []
            for state in pending:
                if state.status is MoveStatus.FILLED:
                    bar = self._bar(row, self._column[state.move.symbol])  # close-only data: the next close
                    where = (
                        f"next close, {iso_from_ns(int(self.panel.available[row]))}"
                        if bar.close_only
                        else (f"next open, {iso_from_ns(when)}")
                    )
                    self._event(Kind.LIQUIDATED, state.move_id, state.account, state.move.symbol,
                                f"{state.filled} at the {where}")  # fmt: skip
            pending = [state for state in pending if state.status is MoveStatus.OPEN]
        self._now_ns = max(self._now_ns, ns)
        return pending

    def _execute_liquidation(self, state: MoveState, price: float, ns: int) -> None:
        column = self._column[state.move.symbol]
        row = max(self._row - 1, 0)
        bar = Bar(price, price, price, price, float(self.panel.fields["volume"][row, column]))
        self._execute(state, row, price, False, bar, ns)
        if state.status is MoveStatus.FILLED:
            where = "at the close" if self.spec.fill_at == "close" else "at the last close: no later bar in the data"
            self._event(Kind.LIQUIDATED, state.move_id, state.account, state.move.symbol, f"{state.filled} {where}")

    def _convert_all(self, ns: int) -> None:
        for (account, code), amount in sorted(self.books.cash_balances().items()):
            if code == self.currency.code or amount <= 0:
                continue
            give_currency = currency_of(code)
            rate = Decimal(repr(self._rate(code, self.currency.code)))
            spec_account = self._accounts[account]
            fee = fill_fee(spec_account.fees, amount, Decimal(1), False, give_currency)
            give = Money(amount - fee.amount, give_currency)
            get = Money(self.currency.round(give.amount * rate), self.currency)
            if give.amount <= 0 or get.amount <= 0:
                continue
            op = self.books.convert(
                account, give, get, fee, utc_from_ns(ns), f"liquidation: {code} to {self.currency.code}"
            )
            self._event(Kind.CONVERTED, None, account, f"{code}{self.currency.code}", f"{give} -> {get}", (op,))

    def _score(self, ns: int) -> Score:
        """The Score in the Game currency: each fee, running cost and tax converted at the rate known
        when it was booked, what is still owed at the rate known at the end."""
        books = self.books
        code = self.currency.code
        final = sum((amount for (_, ccy), amount in books.cash_balances().items() if ccy == code), _ZERO)
        end = utc_from_ns(ns)
        for (_, currency_code), amount in books.payables().items():  # still owed at the end: a debt
            final -= self._in_game_currency(currency_code, amount, end)
        fees = sum(
            (self._in_game_currency(c.fee.currency.code, c.fee.amount, c.timestamp) for c in books.cost_ledger), _ZERO
        )
        running = _ZERO
        for name in sorted({cost.name for _, cost in self.spec.running_costs}):
            for line in books.running_cost(name).currency_ledger:
                running += self._in_game_currency(line.commodity, line.units, line.timestamp)
        taxes = sum(
            (
                self._in_game_currency(t.amount.currency.code, t.amount.amount, t.timestamp)
                for t in books.tax_ledger
                if t.kind is TaxKind.TAX_DUE
            ),
            _ZERO,
        )
        return score_of(self._start_capital, final, fees, running, taxes)

    def _in_game_currency(self, code: str, amount: Decimal, when: datetime) -> Decimal:
        """``amount`` of ``code`` in the Game currency at the rate known at ``when``, rounded to its minor unit."""
        if code == self.currency.code:
            return amount
        rate = self._rate_known_at(code, self.currency.code, when)
        if rate is None:
            raise DataError(f"fx_rates: no rate from {code} to {self.currency.code} at {when.isoformat()}")
        return self.currency.round(amount * rate)

    # -- running costs ---------------------------------------------------------------------

    def _due_running_costs(self, ns: int) -> list[tuple[datetime, str, RunningCost]]:
        """The running-cost occurrences this Round charges: those due since the last Round, up to today
        (on the first Round: due today), each at midnight UTC of its day, in date order."""
        today = utc_from_ns(ns).date()
        since = utc_from_ns(int(self.times[self._round - 1])).date() if self._round else today
        start = since if self._round == 0 else since.fromordinal(since.toordinal() + 1)
        if start > today:
            return []
        due = sorted(
            (day, index, account, cost)
            for index, (account, cost) in enumerate(self.spec.running_costs)
            for day in cost.occurrences(start, today)
        )
        return [(datetime(day.year, day.month, day.day, tzinfo=UTC), account, cost) for day, _, account, cost in due]

    def _charge(self, charges: list[tuple[datetime, str, RunningCost]], until: datetime | None = None) -> None:
        """Book (and remove) the charges due at or before ``until`` (all of them by default), in order:
        each in the time order of the books, between the fills of the bars around it."""
        while charges and (until is None or charges[0][0] <= until):
            when, account, cost = charges.pop(0)
            last = self.books.last_timestamp
            if last is not None and when < last:  # due on the start day: after the Start Fund's deposit
                when = last
            op = self.books.book_running_cost(account, cost, when, "running cost", on_credit=True)
            if self.books.payables():
                self._owing = True
                self._event(Kind.ON_CREDIT, None, account, cost.name, f"{cost.amount}: owed until cash arrives", (op,),
                            when=when)  # fmt: skip
                self._pay_debts(when)
            else:
                self._event(Kind.RUNNING_COST, None, account, cost.name, f"{cost.amount}", (op,), when=when)

    def _pay_debts(self, when: datetime | None = None) -> None:
        """Pay what the accounts owe (running costs charged on credit) from the cash they hold now."""
        if not self._owing:
            return
        ts = self._booking_time(self._now_ns) if when is None else when
        for account, code in self.books.payables():
            op = self.books.pay_payable(account, currency_of(code), ts, "pay what is owed")
            if op is not None:
                paid = self.books.entries_for(op)[0].postings[1].units
                self._event(Kind.DEBT_PAID, None, account, code, f"{paid} {code}", (op,), when=ts)
        self._owing = bool(self.books.payables())

    # -- lookups for the context -----------------------------------------------------------

    def _instrument(self, symbol: str) -> Instrument:
        return self.universe.instruments[symbol]

    def cash_of(self, account: str | None, currency: str | None) -> Decimal:
        name = account or self._first_account
        spec_account = self._accounts[name]
        code = currency or spec_account.currency
        return self.books.cash(name, currency_of(code)).amount

    def quantity_of(self, symbol: str, account: str | None) -> Decimal:
        if account is not None:
            return (
                self._holding(account, self._instrument(symbol))
                if symbol in self._column
                else self.held.get((account, symbol), _ZERO)
            )
        return sum((self.quantity_of(symbol, a.name) for a in self.spec.accounts), _ZERO)

    def position_infos(self) -> dict[tuple[str, str], PositionInfo]:
        out = {}
        for (account, symbol), quantity in sorted(self.held.items()):
            column = self.assets.value_column[symbol]
            price = float(self._last_price[column])
            previous = float(self._prev_price[column])
            value = float(quantity) * price
            cost = self._cost.get((account, symbol), _ZERO)
            change = float(quantity) * (price - previous) if not np.isnan(previous) else 0.0
            out[(account, symbol)] = PositionInfo(
                account, symbol, quantity, cost, price, value, value - float(cost), change
            )
        return out

    # -- events ----------------------------------------------------------------------------

    def _reject(self, state: MoveState, reason: Why, why: str) -> None:
        state.status = MoveStatus.REJECTED
        state.note = why
        self._event(Kind.REJECTED, state.move_id, state.account, state.move.symbol, why)
        self._tell(state, reason, why)
        self._finish(state)

    def _tell(self, state: MoveState, reason: Why, why: str) -> None:
        """Tell the Model at its next Round that ``state`` was refused."""
        move = state.move
        self.inbox.append(Rejected(state.move_id, move.tag, move.symbol, state.account, state.side, reason, why,
                                   utc_from_ns(self._now_ns), state.filled))  # fmt: skip

    def _refuse(
        self, reason: Why, why: str, account: str | None = None, symbol: str | None = None, move_id: str | None = None
    ) -> None:
        """Log and tell the Model that an action other than a Move (a Cancel, Transfer, Convert) was refused."""
        self._event(Kind.REJECTED, move_id, account, symbol, why)
        self.inbox.append(Rejected(move_id, "", symbol, account, None, reason, why, utc_from_ns(self._now_ns)))

    def _event(
        self,
        kind: Kind,
        move_id: str | None,
        account: str | None,
        symbol: str | None,
        detail: str,
        op_ids: Iterable[str] = (),
        when: datetime | None = None,
    ) -> None:
        tag = self._tags.get(move_id) if move_id is not None else None
        self.events.append(
            GameEvent(
                len(self.events) + 1,
                self._round,
                when.isoformat() if when is not None else iso_from_ns(self._now_ns),
                kind,
                move_id,
                account,
                symbol,
                detail if tag is None else f"{detail} [tag {tag}]",
                tuple(op_ids),
            )
        )


def play(spec: GameSpec, universe: Universe, model: Model) -> GameResult:
    """Play ``spec`` with ``model`` on ``universe`` and return the result."""
    return Game(spec, universe, model).run()
