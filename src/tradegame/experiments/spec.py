"""An experiment as Python values: a base Game document and the axes that expand it.

An ``Experiment`` is the same thing an experiment TOML file says (``experiments.reading`` turns
the file's tables into these values and checks them). The base Game is kept as the Game file's
parsed document (``GameFile`` TOML, dates as ISO strings), so that every expanded Game is read
by the one Game-file reader with all of its checks (``experiments.plan``).

Pure values: standard library only, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

__all__ = ["WEEKDAYS", "Experiment", "Length", "ModelAxis", "StartDates", "UniverseFilter"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class StartDates:
    """Which sessions start a Game: every session from ``first`` to ``last`` (inclusive), then
    only ``weekdays`` (0 = Monday) when given, only the ``session_of_month``-th session of each
    month when given (1 = first, -1 = last), then every ``every``-th of what is left; or the
    explicit ``dates`` (each must be a session)."""

    first: date | None = None
    last: date | None = None
    every: int = 1
    weekdays: tuple[int, ...] = ()
    session_of_month: int | None = None
    dates: tuple[date, ...] = ()


@dataclass(frozen=True)
class Length:
    """How long a Game lasts: a calendar span (``years``, ``months``, ``days``) or ``rounds``."""

    years: int = 0
    months: int = 0
    days: int = 0
    rounds: int | None = None

    @property
    def label(self) -> str:
        """``"1y"``, ``"1y6m"``, ``"30d"``, ``"250r"``: the coordinate of this length."""
        if self.rounds is not None:
            return f"{self.rounds}r"
        parts = [(self.years, "y"), (self.months, "m"), (self.days, "d")]
        return "".join(f"{n}{unit}" for n, unit in parts if n) or "0d"


@dataclass(frozen=True)
class ModelAxis:
    """One Model of the experiment: its name (as a Game file names it), the parameters every one
    of its Games gets, and a grid: each parameter's values, every combination played."""

    name: str
    params: Mapping[str, object] = field(default_factory=dict)
    grid: Mapping[str, tuple[object, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class UniverseFilter:
    """One universe of the experiment: which of the data's symbols a Game may trade and its Model
    gets, chosen at each Game's start from what was known before it (``experiments.universes``).

    ``price`` and ``traded_value`` are bands ``(low, high)``, inclusive, in each symbol's quote
    currency: the last close known before the start, and the mean of close x volume over the
    ``window`` sessions known before the start. ``asset_classes``, ``sectors``, ``markets``
    (the exchange calendar its data trades on, e.g. XNYS) and ``currencies`` keep the symbols
    that have one of the values given; an empty tuple keeps every symbol.
    """

    name: str
    price: tuple[Decimal, Decimal] | None = None
    traded_value: tuple[Decimal, Decimal] | None = None
    window: int = 20
    asset_classes: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    markets: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Experiment:
    """A population of Games: the base Game (``base``: a Game file's document) and the axes.

    An axis left empty keeps what the base Game says. ``schedules`` are a schedule name
    (``"daily"``) or a table of the Game file's irregular keys (``{"round_intervals": [1, 2, 4]}``);
    ``fees`` and ``slippage`` are the Game file's cost tables, applied to every account.
    ``hours`` (0-23, UTC) make each Game act once a day at that hour, on intraday data;
    ``universes`` filter the symbols each Game trades (``UniverseFilter``); ``trainings`` are
    tables of ``[model.training]`` keys (``{"length": "1y", "cutoff": "0d"}``), each merged into
    the base Game's ``[model.training]`` table.
    """

    name: str
    base: Mapping[str, object]
    seed: int = 0
    starts: StartDates | None = None
    lengths: tuple[Length, ...] = ()
    models: tuple[ModelAxis, ...] = ()
    schedules: tuple[str | Mapping[str, object], ...] = ()
    fees: tuple[Mapping[str, object], ...] = ()
    slippage: tuple[Mapping[str, object], ...] = ()
    start_funds: tuple[Decimal, ...] = ()
    hours: tuple[int, ...] = ()
    universes: tuple[UniverseFilter, ...] = ()
    source: str = "<memory>"
    trainings: tuple[Mapping[str, object], ...] = ()
