"""The definition of a Game, as Python objects; ``gamefile.py`` reads the same from TOML.

``GameSpec.problems()`` lists every problem of a definition, each naming its field; ``check()``
raises them all at once (``InvalidGameError``), so nothing runs on a bad definition.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.instruments import AssetClass, LotMethod
from tradegame.domain.limits import amount_problem
from tradegame.domain.running_costs import RunningCost
from tradegame.domain.tax import TaxProfile
from tradegame.engine.cost_limits import fee_problems, slippage_problems
from tradegame.engine.costs import FeeModel, NoFee, NoSlippage, SlippageModel
from tradegame.engine.training_spec import TrainingSpec

__all__ = [
    "AccountSpec",
    "DataSpec",
    "ExitRules",
    "GameSpec",
    "InitialPosition",
    "InvalidGameError",
    "TransferRule",
]

Schedule = Literal["hourly", "daily", "weekly", "monthly"]
FillAt = Literal["next_open", "close"]


class InvalidGameError(InvalidInputError):
    """A Game definition with one or more problems, each naming its field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        if len(problems) == 1:  # one problem, one line
            super().__init__(f"invalid game definition: {problems[0]}")
        else:
            super().__init__("invalid game definition:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class AccountSpec:
    """A brokerage or exchange account of the Game, with its costs and lot method."""

    name: str
    venue: str = "sim"
    currency: str = "USD"
    fees: FeeModel = field(default_factory=NoFee)
    slippage: SlippageModel = field(default_factory=NoSlippage)
    lot_method: LotMethod = LotMethod.FIFO
    volume_cap: Decimal | None = None  # at most this fraction of a bar's volume per fill (partial fills)
    symbols: tuple[str, ...] = ()  # what this account may trade (empty: anything the Game allows)


@dataclass(frozen=True)
class TransferRule:
    """Cash may move from one account to another for a fee, arriving after ``delay_rounds``."""

    source: str
    target: str
    fee: Decimal = Decimal(0)
    delay_rounds: int = 0


@dataclass(frozen=True)
class InitialPosition:
    """A Position the Game starts with (it was bought before the Game, at ``cost_basis`` in total).

    ``quantity`` is what is held going into the start day: corporate actions dated before the
    start (e.g. a split between ``acquired`` and the start) are not applied to it again; those
    dated on the start day or later are.
    """

    symbol: str
    quantity: Decimal
    cost_basis: Decimal
    acquired: date
    account: str


@dataclass(frozen=True)
class ExitRules:
    """Early exits, checked every Round; any rule that is set can end the Game.

    Catastrophic: value below ``min_value_fraction`` of the Start Fund, or a drawdown from the
    peak above ``max_drawdown``, or ``max_losing_rounds`` losing Rounds in a row. Perfect:
    a return above ``target_return``.
    """

    min_value_fraction: Decimal | None = None
    max_drawdown: Decimal | None = None
    max_losing_rounds: int | None = None
    target_return: Decimal | None = None

    @property
    def active(self) -> bool:
        """Whether any rule is set."""
        rules = (self.min_value_fraction, self.max_drawdown, self.max_losing_rounds, self.target_return)
        return any(rule is not None for rule in rules)


@dataclass(frozen=True)
class DataSpec:
    """Where the Game's market data comes from: a stored dataset (and its exact version)."""

    dataset: str
    content_hash: str | None = None
    symbols: tuple[str, ...] | None = None


@dataclass(frozen=True)
class GameSpec:
    """Everything that defines a Game; see the module docstring."""

    name: str
    start: date
    start_fund: Decimal
    currency: str = "USD"
    end: date | None = None
    rounds: int | None = None
    schedule: Schedule | None = "daily"
    round_times: tuple[str, ...] = ()  # irregular: explicit ISO times (UTC)
    round_intervals: tuple[int, ...] = ()  # irregular: days between Rounds, e.g. (1, 2, 4, 8); the last repeats
    round_interval_days: Decimal | None = None  # irregular: the first gap in days, times round_growth per Round
    round_growth: Decimal | None = None  # the factor per Round: 2 doubles each gap, 0.5 halves it (default 1)
    calendar: str | None = None  # default: the dataset's calendar
    accounts: tuple[AccountSpec, ...] = (AccountSpec("main"),)
    transfers: tuple[TransferRule, ...] = ()
    initial_positions: tuple[InitialPosition, ...] = ()
    asset_classes: tuple[AssetClass, ...] = ()  # empty: all
    symbols: tuple[str, ...] = ()  # empty: every symbol of the data
    exits: ExitRules = field(default_factory=ExitRules)
    running_costs: tuple[tuple[str, RunningCost], ...] = ()  # (account, cost)
    tax: TaxProfile | None = None
    seed: int = 0
    data: tuple[DataSpec, ...] = ()
    fill_at: FillAt = "next_open"
    fx_rates: tuple[tuple[str, Decimal], ...] = ()  # static fallback: units of Game currency per unit
    allow_extreme_costs: bool = False  # fee rates or slippage of 10% or more are refused unless set
    training: TrainingSpec | None = None  # how a trainable Model is trained (engine/training_spec.py)

    def account_for(self, symbol: str) -> AccountSpec:
        """Where a Move on ``symbol`` that names no account trades: the first account that lists
        the symbol, else the first account."""
        return next((account for account in self.accounts if symbol in account.symbols), self.accounts[0])

    def round_gaps(self) -> Iterator[int]:
        """The days between one Round and the next, in order, without end (for an irregular schedule).

        With ``round_intervals``, its gaps once in order, then the last one again and again (1, 2,
        4, 8 plays 1, 2, 4, 8, 8, 8, ...). With ``round_interval_days`` the k-th gap (k = 0, 1, ...)
        is ``round_interval_days * round_growth**k`` days, computed exactly (integer numerator and
        denominator, no float drift), rounded to whole days half up, and never below 1 day:
        1 growing by 2 gives 1, 2, 4, 8, ...; 16 growing by 0.5 gives 16, 8, 4, 2, 1, 1, ...;
        1.5 growing by 1.5 gives 2, 2, 3, 5, 8, 11, .... Nothing for round_times or a regular schedule.

        The Game places each Round at the close of the first session on or after the previous
        Round's session day plus the gap.
        """
        if self.round_intervals:
            yield from self.round_intervals
            while True:
                yield self.round_intervals[-1]
        if self.round_interval_days is None:
            return
        numerator, denominator = Decimal(self.round_interval_days).as_integer_ratio()
        growth = Decimal(1 if self.round_growth is None else self.round_growth).as_integer_ratio()
        while True:
            gap = max((2 * numerator + denominator) // (2 * denominator), 1)  # half up
            yield gap
            if growth == (1, 1) or (gap == 1 and growth[0] < growth[1]):
                break  # the gap can no longer change: constant, or shrunk to the 1-day floor
            numerator, denominator = numerator * growth[0], denominator * growth[1]
        while True:
            yield gap

    def problems(self) -> list[str]:
        """Every problem of this definition, each starting with the field it is about."""
        names = [a.name for a in self.accounts]
        return [
            *self._basic_problems(),
            *self._schedule_problems(),
            *self._account_problems(names),
            *self._transfer_problems(names),
            *self._position_problems(names),
            *self._exit_problems(),
            *self._other_problems(names),
            *(self.training.problems(tuple(names)) if self.training is not None else ()),
        ]

    def _basic_problems(self) -> list[str]:
        """The name, the Start Fund, its currency and the seed."""
        out: list[str] = []
        if not self.name.strip():
            out.append("name: must not be empty")
        if not isinstance(self.start_fund, Decimal) or not self.start_fund.is_finite() or self.start_fund <= 0:
            out.append(f"start_fund: must be a positive amount, got {str(self.start_fund)[:40]}")
        else:
            out += _bound("start_fund", self.start_fund)
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            out.append(f"currency: must be a three-letter code such as USD, got {self.currency!r}")
        if self.seed < 0:
            out.append(f"seed: must be a whole number of at least 0, got {self.seed}")
        return out

    def _schedule_problems(self) -> list[str]:
        """How long the Game lasts and when its Rounds are."""
        out: list[str] = []
        growing = self.round_interval_days is not None
        irregular = bool(self.round_times) or bool(self.round_intervals) or growing
        if self.end is None and self.rounds is None and not self.round_times:
            out.append("end: give an end date or a number of rounds")
        if self.end is not None and self.end <= self.start:
            out.append(f"end: {self.end} is not after start {self.start}")
        if self.rounds is not None and self.rounds < 1:
            out.append(f"rounds: must be at least 1, got {self.rounds}")
        if irregular and self.schedule is not None:
            out.append(
                "schedule: leave it out for an irregular schedule (round_times, round_intervals or round_interval_days)"
            )
        if not irregular and self.schedule not in ("hourly", "daily", "weekly", "monthly"):
            out.append(f"schedule: must be hourly, daily, weekly or monthly, got {self.schedule!r}")
        if self.round_times and self.round_intervals:
            out.append("round_times: give round_times or round_intervals, not both")
        out += self._round_times_problems()
        if any(i < 1 for i in self.round_intervals):
            out.append("round_intervals: every interval must be at least 1 day")
        out += self._growth_problems()
        return out

    def _account_problems(self, names: list[str]) -> list[str]:
        out: list[str] = []
        if not names:
            out.append("accounts: at least one account is needed")
        if len(set(names)) != len(names):
            out.append("accounts: account names must be unique")
        for index, account in enumerate(self.accounts):
            where = f"accounts[{index}]"
            if not account.name or ":" in account.name or any(c.isspace() for c in account.name):
                out.append(f"{where}.name: {account.name!r} must be non-empty, without spaces or ':'")
            if len(account.currency) != 3 or not account.currency.isupper():
                out.append(f"{where}.currency: must be a three-letter code, got {account.currency!r}")
            if account.volume_cap is not None and not Decimal(0) < account.volume_cap <= Decimal(1):
                out.append(f"{where}.volume_cap: must be within (0, 1], got {account.volume_cap}")
            if not self.allow_extreme_costs:
                out += fee_problems(account.fees, f"{where}.fees")
                out += slippage_problems(account.slippage, f"{where}.slippage")
        return out

    def _transfer_problems(self, names: list[str]) -> list[str]:
        out: list[str] = []
        for index, rule in enumerate(self.transfers):
            where = f"transfers[{index}]"
            for end_name, end in (("source", rule.source), ("target", rule.target)):
                if end not in names:
                    out.append(f"{where}.{end_name}: no account {end!r}")
            if rule.source == rule.target:
                out.append(f"{where}: source and target are the same account")
            if rule.fee < 0:
                out.append(f"{where}.fee: must not be negative")
            out += _bound(f"{where}.fee", rule.fee)
            if rule.delay_rounds < 0:
                out.append(f"{where}.delay_rounds: must not be negative")
        return out

    def _position_problems(self, names: list[str]) -> list[str]:
        out: list[str] = []
        for index, position in enumerate(self.initial_positions):
            where = f"initial_positions[{index}]"
            if position.account not in names:
                out.append(f"{where}.account: no account {position.account!r}")
            if position.quantity <= 0:
                out.append(f"{where}.quantity: must be positive")
            if position.cost_basis < 0:
                out.append(f"{where}.cost_basis: must not be negative")
            out += _bound(f"{where}.quantity", position.quantity) + _bound(f"{where}.cost_basis", position.cost_basis)
            if position.acquired > self.start:
                out.append(f"{where}.acquired: {position.acquired} is after the Game's start {self.start}")
        return out

    def _exit_problems(self) -> list[str]:
        out: list[str] = []
        exits = self.exits
        if exits.min_value_fraction is not None and not Decimal(0) < exits.min_value_fraction < Decimal(1):
            out.append("exits.min_value_fraction: must be within (0, 1)")
        if exits.max_drawdown is not None and not Decimal(0) < exits.max_drawdown < Decimal(1):
            out.append("exits.max_drawdown: must be within (0, 1)")
        if exits.max_losing_rounds is not None and exits.max_losing_rounds < 1:
            out.append("exits.max_losing_rounds: must be at least 1")
        if exits.target_return is not None and exits.target_return <= 0:
            out.append("exits.target_return: must be positive")
        return out

    def _other_problems(self, names: list[str]) -> list[str]:
        """Running costs' payers, the data and the fixed FX rates."""
        out: list[str] = []
        for index, (payer, _) in enumerate(self.running_costs):
            if payer not in names:
                out.append(f"running_costs[{index}].account: no account {payer!r}")
        if not self.data:
            out.append("data: name at least one dataset")
        for code, rate in self.fx_rates:
            if rate <= 0:
                out.append(f"fx_rates.{code}: must be positive")
            out += _bound(f"fx_rates.{code}", rate)
        return out

    def _round_times_problems(self) -> list[str]:
        """Explicit Round times lie within the Game's days (``start`` to ``end``, UTC), each once."""
        out: list[str] = []
        days = []
        for text in self.round_times:
            try:
                moment = datetime.fromisoformat(text)
            except (TypeError, ValueError):
                continue  # the file reader names a time it cannot read
            days.append((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).date())
        if any(day < self.start for day in days):
            first = min(days)
            out.append(f"round_times: {first} is before the start {self.start}")
        if self.end is not None and any(day > self.end for day in days):
            out.append(f"round_times: {max(days)} is after the end {self.end}")
        if len(set(self.round_times)) != len(self.round_times):
            out.append("round_times: a time is given twice")
        return out

    def _growth_problems(self) -> list[str]:
        out: list[str] = []
        first, growth = self.round_interval_days, self.round_growth
        if first is not None:
            if not _exact_number(first):
                out.append(f"round_interval_days: must be an exact number of days (Decimal or int), got {first!r}")
            elif first < 1:
                out.append(f"round_interval_days: must be at least 1 day, got {first}")
            if self.round_times:
                out.append("round_interval_days: give round_interval_days or round_times, not both")
            if self.round_intervals:
                out.append("round_interval_days: give round_interval_days or round_intervals, not both")
        if growth is not None:
            if not _exact_number(growth):
                out.append(f"round_growth: must be an exact factor (Decimal or int), got {growth!r}")
            elif growth <= 0:
                out.append(f"round_growth: must be a positive factor such as 2 or 0.5, got {growth}")
            if first is None:
                out.append("round_growth: needs round_interval_days, the first interval it grows from")
        return out

    def check(self) -> None:
        problems = self.problems()
        if problems:
            raise InvalidGameError(problems)


def _bound(where: str, value: Decimal) -> list[str]:
    """The amount problem of ``value`` (too large, too many decimals), as a list."""
    problem = amount_problem(value) if isinstance(value, Decimal) else None
    return [] if problem is None else [f"{where}: {problem}"]


def _exact_number(value: object) -> bool:
    """A finite ``Decimal`` or an ``int`` (not a ``bool``, not a ``float``)."""
    if isinstance(value, Decimal):
        return value.is_finite()
    return isinstance(value, int) and not isinstance(value, bool)
