"""The Round loop: a Model plays a Game on point-in-time data, every fill in the books.

Each Round, in order (``Game._play_round``):

1. running costs that fell due since the last Round are charged (running.py);
2. the bars that became known since the last Round are replayed in time order
   (``Game.replay_to``): corporate actions on their dates (corporate.py; only from the start day
   on, see ``schedule.actions_in_play``), then the open Moves are matched against each bar
   (execution.py), sells before buys so a rebalance can pay for itself;
3. Moves whose time in force ran out expire (orders.py); transfers whose delay has passed arrive
   (transfers.py); a new year's tax is recorded;
4. the Game is valued at the latest closes in the Game currency and the exit rules are checked
   (valuation.py); a triggered exit ends the Game here;
5. a trainable Model is fitted when a fit falls due, on the history cut at the Round's time
   minus its cut-off (training.py); the Model decides (orders.py); its Moves are checked and
   accepted or rejected with a reason (with ``fill_at = "close"`` they fill at once at the close
   just seen).

A Model that offers ``wake`` (and does not train) sleeps through quiet Rounds, valued on arrays
(quiet.py, ``Game._skip_quiet``), and through a Round played for its fills once they leave no Move
open and it is not awake for what the Game then holds (``Game._sleeps``; valued with the stretch
after it when nothing reads its value first: ``Game._valued_later``). At the end (last Round,
an exit, or the Model's ``EndGame``) every Position is sold, every other currency is converted
into the Game currency and the tax for every year is recorded (liquidation.py). The schedule is
schedule.py's, the checks before the start preflight.py's, the event log log.py's, the Model's
questions queries.py's. Nothing reads the wall clock; randomness comes from the Game's seed.
"""

from __future__ import annotations

import weakref
from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol, cast

import numpy as np

from tradegame.data.errors import DataError
from tradegame.data.panel import PanelView
from tradegame.domain.instruments import Account
from tradegame.domain.money import Money, Price, Quantity
from tradegame.domain.positions import Books
from tradegame.domain.running_costs import RunningCost
from tradegame.domain.tax import TaxProfile
from tradegame.engine.assets import AssetMap
from tradegame.engine.cash import GameCash
from tradegame.engine.clock import GameClock
from tradegame.engine.collector import paced
from tradegame.engine.context import Model, PositionInfo, RoundContext, RoundHistory
from tradegame.engine.corporate import CorporateActions
from tradegame.engine.events import EventKind as Kind
from tradegame.engine.events import GameEvent, MoveEvent
from tradegame.engine.execution import Execution, FillPolicy
from tradegame.engine.holdings import Holdings
from tradegame.engine.liquidation import Liquidation
from tradegame.engine.log import EventLog
from tradegame.engine.moves import Convert, MoveState, Transfer
from tradegame.engine.orders import ModelError, Orders
from tradegame.engine.preflight import check_rates, symbol_problems
from tradegame.engine.queries import Queries
from tradegame.engine.quiet import QuietPlan
from tradegame.engine.rates import Rates, rate_known_at
from tradegame.engine.result import GameResult
from tradegame.engine.routes import Pair
from tradegame.engine.running import RunningCosts
from tradegame.engine.schedule import actions_in_play, quiet_plan, round_times, tax_years
from tradegame.engine.score import Score
from tradegame.engine.settlement import Settlement
from tradegame.engine.spec import GameSpec, InvalidGameError
from tradegame.engine.timestamps import utc_from_ns
from tradegame.engine.training import Training
from tradegame.engine.transfers import Transfers
from tradegame.engine.universe import Universe, UniverseView, currency_of, static_rates
from tradegame.engine.valuation import ExitWatch, Outcome, Valuation

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


class RoundObserver(Protocol):
    """Told about each finished Round and the end; it may read the Game (events, books), not change it."""

    def round_done(self, game: Game, round_index: int, value: float) -> None: ...

    def game_done(self, game: Game, result: GameResult) -> None: ...


class Game:
    """One play of ``spec`` by ``model`` on ``universe``; ``run()`` plays it to the end.

    A Game that cannot start is refused by the constructor with one ``InvalidGameError`` listing
    every reason: symbols (the Game's, an account's, an initial Position's) the data does not
    hold, data that cannot be played together, dates or a Round count the data has no room for,
    currencies without a rate.

    The Game holds the shared state (spec, data, books, clock) and its rooms, each with one job:
    ``log`` (the decision log), ``rates``, ``holdings``, ``valuation`` and ``exits``, ``running``
    (running costs and debts), ``orders`` (the Model's Moves), ``execution`` (matching and fills),
    ``settlement`` (booking a fill), ``corporate`` (splits, dividends), ``transfers``,
    ``liquidation`` (the end and the Score) and ``queries`` (the Model's questions).

    The rooms, the Model's contexts and ``history`` hold the Game by a weak proxy: nothing in it
    points back at it, so a Game is freed by reference counting as soon as its caller drops it (the
    collector need not scan its records); one of them used after that raises ``ReferenceError``.
    """

    def __init__(self, spec: GameSpec, universe: Universe, model: Model) -> None:
        spec.check()
        self.spec, self.universe, self.model, self.panel = spec, universe, model, universe.panel
        self.currency = currency_of(spec.currency)
        self.rng = np.random.default_rng(spec.seed)
        self.accounts = {a.name: a for a in spec.accounts}
        self.first_account = spec.accounts[0].name
        self._static_rates = fixed = static_rates(universe, spec.currency, spec.fx_rates)
        # The books' rates read ``fixed``, not the Game: a result kept (its books) does not keep the Game alive.
        self.books = Books(
            [Account(a.name, a.venue, currency_of(a.currency), a.lot_method) for a in spec.accounts],
            tax_currency=spec.tax.currency if spec.tax is not None else None,
            fx=lambda base, quote, ts: rate_known_at(universe, fixed, base, quote, ts),
        )
        self.allowed = self._allowed_symbols()
        problems, self.assets, self.times = self._check_data()
        # Per Round, the latest row of the panel it knows (-1 before the first bar is known).
        self.latest_rows = self.panel.available.searchsorted(self.times, "right") - 1
        first = int(self.times[0])
        self.column = {s: i for i, s in enumerate(self.panel.symbols)}
        self.actions = actions_in_play(spec, universe, self.latest_rows)  # row -> the corporate actions applied
        self._action_rows = np.array(sorted(self.actions), dtype=np.int64)
        self.rate_sources = self._check_rates(problems)  # currency -> where its rate comes from
        self.clock = GameClock(first)
        self.log = EventLog(self.clock, self.books.lots_of)
        self.rates = Rates(universe, self._static_rates, self.currency, self.allowed, self.assets.value_column,
                           self.clock, first)  # fmt: skip
        self.holdings = Holdings(self.books, list(self.accounts), self.assets.value_column, len(self.column),
                                 self.assets.cash_assets)  # fmt: skip
        self._cash = GameCash(self.books, self.rates.table, spec.currency, self.panel.available, first)
        self.valuation = Valuation(universe, self.rates, self._cash, self.holdings, self.clock, self.books)
        self.exits = ExitWatch(spec.exits, float(spec.start_fund))
        self.running = RunningCosts(self.books, self.log, self.clock, spec.running_costs, self.times)
        me = self._proxy = cast("Game", weakref.proxy(self))  # what the rooms hold: see the class docstring
        self.orders = Orders(me)
        self.execution = Execution(me)
        self.settlement = Settlement(me)
        self.corporate = CorporateActions(me)
        self.transfers = Transfers(me)
        self.liquidation = Liquidation(me)
        self.queries = Queries(me)
        self.training = Training.of(me)  # a trainable Model's fits (None for a Model without ``fit``)
        self.member_training = Training.members_of(me)  # those of the trainable Models under an Activator
        self.history = RoundHistory(me)
        self._values = np.full(len(self.times), np.nan)
        self._start_capital = spec.start_fund
        self._replay_policy = FillPolicy(at_close=spec.fill_at == "close")
        self._quiet_columns: set[int] | None = None  # the value columns of the symbols it names
        self._plan: QuietPlan | None = None  # the Rounds a Model with ``wake`` needs (set by ``run``)
        self._unvalued = False  # the Round just played left its value to the quiet stretch after it

    def _allowed_symbols(self) -> set[str]:
        """The symbols the Game may trade: its ``symbols`` (all by default) of its ``asset_classes``."""
        spec, symbols = self.spec, set(self.panel.symbols)
        allowed = set(spec.symbols) & symbols if spec.symbols else symbols
        if spec.asset_classes:
            classes = set(spec.asset_classes)
            allowed = {s for s in allowed if self.universe.instruments[s].asset_class in classes}
        return allowed

    def _check_data(self) -> tuple[list[str], AssetMap, np.ndarray]:
        """The problems with the symbols, the asset map and the Round times; refuses the Game at
        once when the data cannot be played (with every problem found)."""
        problems = symbol_problems(self.spec, self.panel)
        unusable: list[str] = []  # problems after which the rest cannot be checked
        assets, times = None, None
        try:
            assets = AssetMap.of(self.universe.instruments, self.panel.symbols, self.spec.currency)
        except ValueError as error:
            unusable += [f"data: {problem}" for problem in str(error).split("; ")]
        try:
            times = round_times(self.spec, self.panel)
        except DataError as error:
            unusable.append(str(error))
        if unusable:
            raise InvalidGameError(problems + unusable)
        assert assets is not None and times is not None
        return problems, assets, times

    def _check_rates(self, problems: list[str]) -> dict[str, str]:
        """Where each needed currency's rate comes from; refuses the Game with every problem found."""
        view = UniverseView(self.universe, self.panel.as_of(int(self.times[0])), self._static_rates)
        try:
            sources = check_rates(self.spec, view, self.universe.instruments, self.assets, self.allowed)
        except InvalidGameError as error:
            problems = problems + error.problems
        if problems:
            raise InvalidGameError(problems)
        return sources

    # -- the loop --------------------------------------------------------------------------

    def run(self, observer: RoundObserver | None = None) -> GameResult:
        """Play every Round; ``observer.round_done`` is called after each one (for storage, progress)."""
        with paced():  # the collector's pace: engine/collector.py
            return self._run(observer)

    def _run(self, observer: RoundObserver | None) -> GameResult:
        self.clock.now_ns = int(self.times[0])
        self._book_start(int(self.times[0]))
        outcome: Outcome = "completed"
        reason = "played every round"
        played = len(self.times)
        years = tax_years(self.panel, self.times, self.latest_rows)
        skip = None
        if self.training is None and not self.member_training:  # a trainable Model sees every Round
            skip = quiet_plan(self.model, self.universe, self.spec, self.times, self.latest_rows, years,
                              self._action_rows)  # fmt: skip
        self._plan = skip
        index, year = 0, int(years[0])
        asleep: bool | None = False  # a quiet Round that books something, without the Model (None: ask ``_sleeps``)
        while index < len(self.times):
            ended, year = self._play_round(index, asleep, years, year, observer)
            if ended is not None:
                (outcome, reason), played = ended, index + 1
                break
            index, asleep = index + 1, False
            if skip is not None and self._settled():
                index, asleep = self._skip_quiet(index - 1, skip, observer)
            elif skip is not None:  # a Move open or money in transit: the Round is played
                asleep = None
        return self._finish(played, outcome, reason, observer)

    def _play_round(
        self, index: int, asleep: bool | None, years: np.ndarray, year: int, observer: RoundObserver | None
    ) -> tuple[tuple[Outcome, str] | None, int]:
        """Play Round ``index`` (see the module docstring); how it ended the Game (None: it goes on)
        and the tax year now recorded up to."""
        ns = int(self.times[index])
        self.clock.round = index
        charges = self.running.due(index)
        end = int(self.latest_rows[index]) + 1  # the rows this Round knows
        self.replay_to(end, charges)  # books each charge before the fills after it
        if charges:
            self.running.charge(charges)
        self.clock.now_ns = ns
        if self.rates.foreign:
            self.valuation.refresh_fx()  # FX rates move: re-value foreign instruments at today's rates
        if self.orders.open:
            self.orders.expire(index)
        if self.transfers.transit:
            self.transfers.arrive(index)
        if (tax := self.spec.tax) is not None:
            year = self._record_tax(tax, int(years[index]), year, ns)
        sleeps = self._sleeps(index) if asleep is None else asleep
        if sleeps and self._valued_later(observer):
            self._unvalued = True
            self.history.extend_to(index + 1)
            return None, year
        value = self.valuation.value()
        self._values[index] = value
        exit_reason = self._exit(value) if self.exits.active else None
        if exit_reason is not None:
            self.log.event(Kind.EXIT, None, None, None, f"{exit_reason[0]}: {exit_reason[1]}")
            return exit_reason, year
        ended = None
        if not sleeps:
            if self.training is not None:
                self.training.before_decide(index, ns, end)
            for room in self.member_training.values():
                room.before_decide(index, ns, end)
            view = UniverseView(self.universe, PanelView(self.panel, end), self._static_rates)
            ctx = RoundContext(self._proxy, index, ns, view, value, self.log.told())
            self.log.inbox.clear()
            ended = self.orders.decide(ctx)
            if self.orders.open:
                self.orders.continued()
        self.history.extend_to(index + 1)
        if observer is not None:
            observer.round_done(self, index, value)
        if ended is not None:
            self.log.event(Kind.EXIT, None, None, None, f"ended by the model: {ended}")
            return ("ended_by_model", ended), year
        return None, year

    def _record_tax(self, tax: TaxProfile, year_now: int, year: int, ns: int) -> int:
        """Record the tax of the years before ``year_now`` not yet recorded (from ``year`` on)."""
        for past in range(year, year_now):  # none while the year has not changed
            self.books.record_tax(past, tax, utc_from_ns(ns), f"tax for {past}")
        return year_now

    def _exit(self, value: float) -> tuple[Outcome, str] | None:
        """The exit rules on this Round's ``value``: the outcome and reason if one fires."""
        index = self.clock.round
        previous = float(self._values[index - 1]) if index else self.exits.start
        return self.exits.check(value, previous)

    def _finish(self, played: int, outcome: Outcome, reason: str, observer: RoundObserver | None) -> GameResult:
        """The end: liquidate, score, and hand the result to the observer."""
        final_ns = self.liquidation.run(int(self.times[played - 1]))
        score = self.liquidation.score(final_ns, self._start_capital)
        self._values[played - 1] = float(score.final_value)
        result = GameResult(
            self.spec,
            outcome,
            played - 1,
            reason,
            score,
            self.books,
            cast("list[GameEvent]", self.log.lines),  # read as its list (log.ResultEvents)
            self.times[:played].copy(),
            self._values[:played].copy(),
            self.panel.content_hash,
        )
        rooms = [*([self.training] if self.training is not None else []), *self.member_training.values()]
        result.training = tuple(v for room in rooms for v in room.records(result.values, result.times))
        if observer is not None:
            observer.game_done(self, result)
        return result

    def _skip_quiet(self, index: int, plan: QuietPlan, observer: RoundObserver | None) -> tuple[int, bool]:
        """Jump from Round ``index`` to the next Round the loop must play (and whether the Model sleeps
        through it); value the Rounds between on arrays (and Round ``index`` when it left its value to
        them: ``_valued_later``; the next one too, for ``Valuation.value``), and stop early at one an exit rule ends."""
        following, asleep = plan.next_stop(index, self._holds(plan))
        first, self._unvalued = (index if self._unvalued else index + 1), False
        if following == first:
            return following, asleep
        self.clock.now_ns = int(self.times[first])
        stop = min(following + 1, len(self.times))  # the Round it stops at too: ``Valuation.ahead``
        values, fx = self.valuation.stretch(plan.latest_rows[first:stop], plan.consecutive(first, stop))
        values = self.valuation.ahead(following, values) if stop > following else values
        if self.exits.active:
            fires = self.exits.first_in(values, float(self._values[index]))
            if fires is not None:  # the loop plays that Round and ends the Game on it
                following, asleep, values = first + fires, True, values[:fires]
        self._values[first:following] = values
        if observer is not None:
            for quiet in range(first, following):
                self.clock.round, self.clock.now_ns = quiet, int(self.times[quiet])
                self.history.extend_to(quiet + 1)
                observer.round_done(self, quiet, float(self._values[quiet]))
        self.history.extend_to(following)
        self.clock.round, self.clock.now_ns = following - 1, int(self.times[following - 1])
        if fx is not None and following > first:
            self.valuation.fx = fx[following - 1 - first]
        self.replay_to(int(plan.latest_rows[following - 1]) + 1)  # catch up: the next Round starts from here
        return following, asleep

    def _valued_later(self, observer: RoundObserver | None) -> bool:
        """Whether a Round the Model sleeps through may leave its value to the quiet stretch the loop
        values next (``_skip_quiet``: the same float, as for every Round of a stretch): nothing reads
        it before (no exit rule, no observer), and the loop skips from it (``_settled``, as ``_run`` asks)."""
        if self._plan is None or observer is not None or self.exits.active:
            return False
        return self._settled()

    def _settled(self) -> bool:
        """No Move open and no money in transit: the loop may skip the quiet Rounds that follow."""
        return not self.orders.open and not self.transfers.transit

    def _sleeps(self, index: int) -> bool:
        """Whether the Model promised (its ``wake``) to do nothing at Round ``index``, as the Game stands
        once the Round's fills are booked: no Move open, nothing in transit, not awake for what it holds."""
        plan = self._plan
        if plan is None or not self._settled():
            return False
        return not plan.awake(index, self._holds(plan))

    def _holds(self, plan: QuietPlan) -> bool:
        """Whether the Game holds any of ``plan.symbols`` (anything at all when it names none)."""
        cells = self.holdings.held_cells  # where the books hold something (in the float array)
        if not plan.symbols:
            return bool(cells)
        if self._quiet_columns is None:
            self._quiet_columns = {self.assets.value_column[self.assets.asset(s)] for s in plan.symbols}
        columns = self._quiet_columns
        return any(column in columns for _, column in cells)

    @property
    def round_values(self) -> np.ndarray:
        """The Game's value after each Round played so far (read-only view)."""
        view = self._values[:]
        view.flags.writeable = False
        return view

    def _book_start(self, ns: int) -> None:
        """Book the initial Positions and the Start Fund, and log where each rate comes from."""
        spec = self.spec
        for position in sorted(spec.initial_positions, key=lambda p: p.acquired):
            self._book_position(position.account, position.symbol, position.quantity, position.cost_basis,
                                datetime(position.acquired.year, position.acquired.month, position.acquired.day,
                                         tzinfo=UTC))  # fmt: skip
        fund = self.books.deposit(self.first_account, Money(spec.start_fund, self.currency), utc_from_ns(ns),
                                  "start fund")  # fmt: skip
        # The starting capital: the Start Fund plus what the initial positions cost, in the Game currency.
        for position in spec.initial_positions:
            code = self.universe.instruments[position.symbol].quote_currency.code
            rate = Decimal(1) if code == self.currency.code else self.rates.decimal_now(code, self.currency.code)
            self._start_capital += self.currency.round(position.cost_basis * rate)
        self.exits.restart(float(self._start_capital))
        detail = f"start fund {spec.start_fund} {spec.currency}"
        self.log.event(Kind.START, None, self.first_account, None, detail, (fund,))
        for code, source in self.rate_sources.items():
            self.log.event(Kind.FX, None, None, f"{code}{spec.currency}", f"{code} to {spec.currency}: {source}")

    def _book_position(self, account: str, symbol: str, quantity: Decimal, cost_basis: Decimal, when: datetime) -> None:
        """Book one initial Position: its cost deposited, then bought at that cost."""
        asset = self.universe.instruments[symbol].base_asset
        instrument = self.assets.books.get(asset)  # what the books keep it as (a pair's base asset)
        if instrument is None:
            raise InvalidGameError([f"initial_positions: {symbol} delivers a currency: start with cash"])
        currency = instrument.quote_currency
        cost = currency.round(cost_basis)
        op = self.books.deposit(account, Money(cost, currency), when, f"initial position {symbol}")
        price = (cost / quantity).quantize(Decimal("1E-10"))
        paid = currency.round(price * quantity)
        buy = self.books.buy(account, instrument, Quantity(quantity), Price(price, currency),
                             Money(cost - paid, currency) if cost > paid else Money.zero(currency), when,
                             "initial position", game=self.spec.name)  # fmt: skip
        self.log.event(Kind.INITIAL_POSITION, None, account, symbol, f"{quantity}", (op, buy))

    # -- bars ------------------------------------------------------------------------------

    def replay_to(self, end: int, charges: list[tuple[datetime, str, RunningCost]] | None = None) -> None:
        """Replay the rows not yet replayed up to ``end`` (exclusive): actions, fills, then the new marks.

        ``charges`` (running costs this Round books) due before a row's fills are booked first, so
        the books stay in time order: a fill on Tuesday's open, learned of at a weekly Round, comes
        before a charge due on Wednesday and after one due on Monday."""
        clock = self.clock
        if end <= clock.row:
            return
        self.valuation.begin_replay()
        action_rows = self._action_rows
        first_action = int(action_rows.searchsorted(clock.row)) if len(action_rows) else 0
        if not self.orders.open and not (first_action < len(action_rows) and action_rows[first_action] < end):
            self.valuation.jump_to(end)  # nothing to match: jump to the latest marks at once
            clock.row = end
            return
        policy, all_actions = self._replay_policy, self.actions
        times = self.panel.available if policy.at_close else self.universe.fill_times
        for row in range(clock.row, end):
            if self.orders.open or all_actions:
                clock.now_ns = int(times[row])
                if charges:
                    self.running.charge(charges, utc_from_ns(clock.now_ns))
                actions = all_actions.get(row)
                if actions:
                    self.corporate.apply(row, actions)
                if self.orders.open:
                    self.execution.match_row(row, policy)
            self.valuation.close_row(row)
        clock.row = end

    # -- what other modules read -----------------------------------------------------------

    @property
    def open_moves(self) -> list[MoveState]:
        """The Moves still open, in the order they were placed."""
        return self.orders.open

    @property
    def events(self) -> list[GameEvent]:
        """The decision log so far."""
        return self.log.events

    @property
    def inbox(self) -> list[MoveEvent]:
        """What the Model is told at its next Round."""
        return self.log.inbox_records()

    def pairs(self, account: str | None = None) -> list[Pair]:
        """Every instrument the Game may trade as a pair (base / quote asset), with the account's fee rate."""
        return self.queries.pairs(account)

    def cash_of(self, account: str | None, currency: str | None) -> Decimal:
        """Cash in ``account`` (default: the first) and ``currency`` (default: the account's)."""
        return self.queries.cash_of(account, currency)

    def quantity_of(self, symbol: str, account: str | None) -> Decimal:
        """Units of ``symbol`` held, in one account or (None) in all."""
        return self.queries.quantity_of(symbol, account)

    def position_infos(self) -> dict[tuple[str, str], PositionInfo]:
        """Every open Position by (account, asset), with its appreciation."""
        return self.queries.position_infos()


def play(spec: GameSpec, universe: Universe, model: Model) -> GameResult:
    """Play ``spec`` with ``model`` on ``universe`` and return the result."""
    return Game(spec, universe, model).run()
