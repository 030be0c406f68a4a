"""Walk-forward training: the engine cuts the history a trainable Model's ``fit`` sees, keeps a
record of every version it trained, scores each out of sample and retires one that decays.

A trainable Model has ``fit(history) -> state`` beside ``decide``. At a Round due for a fit
(the first Round, then on the ``every`` schedule of the Game's ``TrainingSpec``, or at once when
the live version expires), before the Model decides, the engine hands ``fit`` a
``TrainingHistory``: the panel rows known at the Round's time ``t`` minus the cut-off ``c``
(rows whose ``available`` time is at or before ``t - c`` for a calendar cut-off; the rows known
at ``t`` less the last ``c`` for a cut-off in sessions), over the last ``L`` of them (a
calendar length counts back from the last row kept). ``fit`` never gets the panel itself. What
``fit`` returns is the version's state: ``decide`` reads it as ``ctx.fitted`` until the next
version (None before the first). A fit that returns None (too little history) or finds no row
keeps the version before it live; without one, the next Round tries again.

Every fit is logged (``trained``: version, reason, span, hashes) and, when the Game prices
training, booked at the Round's time as an expense (``model-training``, a one-off running cost:
``RunningCosts.expense``), owed when the cash cannot pay it. Each version's
record (``TrainedVersion``) holds when it was trained, its span, the hash of the rows it was
handed (``data_hash``) and of the state it learned (``params_hash``: the state's
``fingerprint()`` if it has one, else its pickle), and its out-of-sample score by calendar month:
the return of the Game's value over the Rounds it was live (the return from Round r-1 to r is
the work of the version that decided at r-1; it counts in the month of Round r). The expiry
rule: at the first Round of a new month, a version whose last ``K`` finished months each
returned less than ``expire_below`` is retired (``retired``, with the months and returns) and a
new one trained at once.

Under an Activator (a Model with ``members_to_train``: ``TrainsMembers``), each trainable Model
it plays over gets a room of its own (``Training.members_of``), with its own ``TrainingSpec``:
fitted by the engine on the same cut history, on its own schedule, whether it is on or off that
session, before the Activator decides; its versions' records name it (``model``), its log lines
start with its name (``sma: version 2 ...``), and their monthly scores and expiry read its
sub-book's time-weighted record (``member_values``), not the Game's value. Imports the engine's
log, running costs and the domain; never game.py.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from tradegame.data.panel import Panel
from tradegame.domain.money import Money
from tradegame.engine.events import EventKind as Kind
from tradegame.engine.moves import Action, Expense
from tradegame.engine.orders import ModelError
from tradegame.engine.spec import InvalidGameError
from tradegame.engine.timestamps import utc_from_ns
from tradegame.engine.training_records import (
    MonthScore,
    TrainedVersion,
    held_to,
    model_prefix,
    month_scores,
    trained_detail,
)
from tradegame.engine.training_spec import TRAINING_COST_NAME, Span, TrainingSpec
from tradegame.engine.universe import currency_of

if TYPE_CHECKING:
    from tradegame.engine.context import RoundContext
    from tradegame.engine.game import Game

__all__ = [
    "MonthScore",
    "TrainableModel",
    "TrainedVersion",
    "Training",
    "TrainingHistory",
    "TrainsMembers",
    "month_scores",
    "training_window",
]


class TrainingHistory:
    """The rows one fit may read (oldest first): read-only slices of the Game's data, cut by the engine.

    ``close``/``field``/``returns`` give (rows, symbols) arrays like ``ctx.universe``'s; ``seed``
    is the Game's seed (for a learner's ``random_state``); ``round_time`` the Round fitting.
    """

    __slots__ = ("_end", "_panel", "_start", "round_time", "seed")

    def __init__(self, panel: Panel, start: int, end: int, seed: int, round_ns: int) -> None:
        self._panel, self._start, self._end = panel, start, end
        self.seed = seed
        self.round_time = pd.Timestamp(round_ns, tz="UTC")

    @property
    def symbols(self) -> tuple[str, ...]:
        return self._panel.symbols

    @property
    def rows(self) -> int:
        return self._end - self._start

    @property
    def labels(self) -> np.ndarray:
        """Each row's bar label, int64 ns UTC."""
        return self._panel.labels[self._start : self._end]

    @property
    def times(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(self.labels, tz="UTC")

    def field(self, name: str, symbols: Sequence[str] | None = None) -> np.ndarray:
        """``name`` (open, high, low, close, volume, adj_close) of ``symbols`` (all by default)."""
        rows = self._panel.fields[name][self._start : self._end]
        if symbols is None:
            return rows
        return rows[:, [self._panel.column(symbol) for symbol in symbols]]

    def close(self, symbols: Sequence[str] | None = None) -> np.ndarray:
        return self.field("close", symbols)

    def returns(self, symbols: Sequence[str] | None = None) -> np.ndarray:
        """Simple returns of the close between consecutive rows of the window."""
        closes = self.close(symbols)
        with np.errstate(invalid="ignore", divide="ignore"):
            returns: np.ndarray = closes[1:] / closes[:-1] - 1.0
        return returns

    def digest(self) -> str:
        """The sha256 of every row handed over (labels, availability, every field)."""
        panel, rows = self._panel, slice(self._start, self._end)
        digest = hashlib.sha256("\x1f".join(panel.symbols).encode())
        digest.update(np.ascontiguousarray(panel.labels[rows]).tobytes())
        digest.update(np.ascontiguousarray(panel.available[rows]).tobytes())
        for name in sorted(panel.fields):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(panel.fields[name][rows]).tobytes())
        return digest.hexdigest()


@runtime_checkable
class TrainableModel(Protocol):
    """A Model that learns: ``fit`` gets the history the engine cut; ``decide`` reads ``ctx.fitted``."""

    name: str

    def fit(self, history: TrainingHistory) -> object: ...

    def decide(self, ctx: RoundContext) -> Iterable[Action] | None: ...


@runtime_checkable
class TrainsMembers(Protocol):
    """A Model that plays over other Models (the Activator) and lets the engine train them."""

    def members_to_train(self) -> Mapping[str, tuple[object, TrainingSpec | None]]:
        """Each Model to train (by its name under this Model, in its table's order) and its training."""
        ...

    def member_values(self, alias: str, start: int = 0) -> np.ndarray:
        """The Model's time-weighted record after each Round so far (1.0 at its first), from Round ``start``."""
        ...


def _shift_back(ns: int, span: Span) -> int:
    """``ns`` minus a calendar span (months and years clamp to the month's last day)."""
    count = span.count
    if span.unit == "d":
        offset = pd.DateOffset(days=count)
    elif span.unit == "w":
        offset = pd.DateOffset(weeks=count)
    elif span.unit == "m":
        offset = pd.DateOffset(months=count)
    else:
        offset = pd.DateOffset(years=count)
    return int((pd.Timestamp(ns, tz="UTC") - offset).value)


def training_window(available: np.ndarray, known: int, round_ns: int, spec: TrainingSpec) -> tuple[int, int]:
    """The rows ``[start, end)`` a fit at a Round at ``round_ns`` that knows ``known`` rows gets
    (see the module docstring); ``available`` is when each row became known."""
    cut = spec.cutoff
    if cut.sessions:
        end = max(known - cut.count, 0)
    else:
        end = min(known, int(available.searchsorted(_shift_back(round_ns, cut), "right")))
    if end <= 0:
        return 0, 0
    length = spec.length
    if length is None:
        return 0, end
    if length.sessions:
        return max(end - length.count, 0), end
    return int(available.searchsorted(_shift_back(int(available[end - 1]), length), "right")), end


def fingerprint(state: object) -> str:
    """The sha256 of what a fit learned: its ``fingerprint()`` if it has one, else its pickle."""
    mark = getattr(state, "fingerprint", None)
    if callable(mark):
        raw = mark()
        data = raw if isinstance(raw, bytes) else str(raw).encode()
    elif isinstance(state, bytes | str):
        data = state if isinstance(state, bytes) else state.encode()
    else:
        try:
            data = pickle.dumps(state, protocol=4)
        except Exception:  # not picklable: its repr is the best we have
            data = repr(state).encode()
    return hashlib.sha256(data).hexdigest()


@dataclass
class _Live:
    """A version as the Game plays it: its record without scores, and until when it was live."""

    record: TrainedVersion
    ns: int  # the time of the Round it was trained at
    ended: int | None = None  # the last Round whose return it earned, once replaced or retired
    retired: str | None = None


class Training:
    """The Game's room for a trainable Model: when to fit, the cut history, the versions' records."""

    def __init__(
        self,
        game: Game,
        spec: TrainingSpec,
        model: TrainableModel,
        alias: str | None = None,
        values: Callable[[], np.ndarray] | None = None,
    ) -> None:
        self._game, self.spec, self._model = game, spec, model
        self.alias = alias  # the Model's name under an Activator (None: the Game's own Model)
        self._values = values if values is not None else (lambda: game.round_values)
        self.fitted: object | None = None  # what the live version's fit returned (``ctx.fitted``)
        self._versions: list[_Live] = []
        self._live: _Live | None = None
        self._skipped = False  # the last attempt found nothing to learn: log the next only once it works
        self._cost = self._price(game, spec)

    @classmethod
    def of(cls, game: Game) -> Training | None:
        """The room of ``game``'s Model if it is trainable (``spec.training`` or the defaults), else
        None; a ``[model.training]`` for a Model without ``fit`` is refused."""
        model, spec = game.model, game.spec.training
        if not callable(getattr(model, "fit", None)):
            if spec is None:
                return None
            name = getattr(model, "name", type(model).__name__)
            raise InvalidGameError([f"training: model {name} has no fit(history) method: it cannot be trained"])
        return cls(game, spec or TrainingSpec(), model)  # type: ignore[arg-type]

    @classmethod
    def members_of(cls, game: Game) -> dict[str, Training]:
        """A room for each trainable Model under ``game``'s Activator (empty for any other Model); a
        ``training`` table for a Model without ``fit`` is refused, and so is a bad paying account."""
        owner = game.model
        if not isinstance(owner, TrainsMembers):
            return {}
        rooms: dict[str, Training] = {}
        problems: list[str] = []
        for index, (alias, (model, spec)) in enumerate(owner.members_to_train().items()):
            where = f"activator.models[{index}].training"
            if not callable(getattr(model, "fit", None)):
                if spec is not None:
                    name = getattr(model, "name", type(model).__name__)
                    problems.append(f"{where}: model {name} has no fit(history) method: it cannot be trained")
                continue
            chosen = spec or TrainingSpec()
            problems += [f"{where}.{p.partition('.')[2]}" for p in chosen.problems(tuple(game.accounts))]
            if not problems:
                rooms[alias] = cls(game, chosen, model, alias, partial(owner.member_values, alias))  # type: ignore[arg-type]
        if problems:
            raise InvalidGameError(problems)
        return rooms

    @staticmethod
    def _price(game: Game, spec: TrainingSpec) -> tuple[str, Money] | None:
        """The account that pays each fit and what it pays, if training is priced."""
        if spec.cost_per_fit is None:
            return None
        account = spec.account or game.first_account
        currency = currency_of(game.accounts[account].currency)
        if currency.round(spec.cost_per_fit) != spec.cost_per_fit:
            raise InvalidGameError([f"training.cost_per_fit: must be in whole {currency.code} minor units"])
        return account, Money(spec.cost_per_fit, currency)

    def before_decide(self, index: int, ns: int, known: int) -> None:
        """At Round ``index`` (time ``ns``, ``known`` rows known), before the Model decides: retire
        the live version if it expired, and fit a new one if one is due."""
        live = self._live
        if live is None:
            reason = "first fit" if not self._versions else "no version live"
        else:
            expired = self._expired(index, live)
            if expired is not None:
                self._retire(index, live, expired)
                reason = f"version {live.record.version} expired"
            elif self._due(index, ns, live):
                reason = f"scheduled (every {self.spec.every})"
            else:
                return
        self._fit(index, ns, known, reason)

    def _due(self, index: int, ns: int, live: _Live) -> bool:
        every = self.spec.every
        if isinstance(every, int):
            return index - live.record.round >= every
        if every == "never":
            return False
        return _period(every, ns) != _period(every, live.ns)

    def _expired(self, index: int, live: _Live) -> str | None:
        """Why the live version expires at Round ``index`` (the first of a new month), or None."""
        threshold, months = self.spec.expire_below, self.spec.expiry_months
        times = self._game.times
        if threshold is None or index == 0 or _month(int(times[index])) == _month(int(times[index - 1])):
            return None
        scores = month_scores(self._values(), times, live.record.round, index - 1, live.ns)
        last = scores[-months:]
        if len(last) < months or any(score.value >= float(threshold) for score in last):
            return None
        shown = ", ".join(f"{score.month} {score.value:+.2%}" for score in last)
        return f"monthly return below {float(threshold):+.2%} for {months} month(s) ({shown})"

    def _retire(self, index: int, live: _Live, why: str) -> None:
        live.ended, live.retired = index, why
        self._live, self.fitted = None, None
        detail = f"{model_prefix(self.alias)}version {live.record.version} retired: {why}"
        self._game.log.event(Kind.RETIRED, None, None, None, detail)

    def _fit(self, index: int, ns: int, known: int, reason: str) -> None:
        """Cut the history, charge the fit, call ``fit``, and make the state live (see the module docstring)."""
        game = self._game
        start, end = training_window(game.panel.available, known, ns, self.spec)
        if end <= start:
            self._skip(f"{reason}: no row known before the cut-off ({self.spec.cutoff}) yet")
            return
        self._charge(len(self._versions) + 1)
        history = TrainingHistory(game.panel, start, end, game.spec.seed, ns)
        try:
            state = self._model.fit(history)
        except Exception as error:  # a Model's bug ends the Game with a clear error
            name = getattr(self._model, "name", type(self._model).__name__)
            name = model_prefix(self.alias) + name
            raise ModelError(f"model {name} failed to fit at round {index} ({utc_from_ns(ns).isoformat()}): "
                             f"{error!r}") from error  # fmt: skip
        if state is None:
            self._skip(f"{reason}: the model learned nothing from {end - start} rows")
            return
        self._make_live(index, ns, reason, history, state)

    def _make_live(self, index: int, ns: int, reason: str, history: TrainingHistory, state: object) -> None:
        labels = history.labels
        record = TrainedVersion(
            len(self._versions) + 1, index, utc_from_ns(ns).isoformat(), reason, _iso(int(labels[0])),
            _iso(int(labels[-1])), history.rows, history.digest(), fingerprint(state),
            None if self._cost is None else self._cost[1].amount, model=self.alias,
        )  # fmt: skip
        if self._live is not None:
            self._live.ended = index
        live = _Live(record, ns)
        self._versions.append(live)
        self._live, self.fitted, self._skipped = live, state, False
        self._game.log.event(Kind.TRAINED, None, None, None, trained_detail(record, self.spec))

    def _skip(self, why: str) -> None:
        if not self._skipped:
            kept = f"; version {self._live.record.version} stays live" if self._live is not None else ""
            self._game.log.event(Kind.FIT_SKIPPED, None, None, None, model_prefix(self.alias) + why + kept)
        self._skipped = True

    def _charge(self, version: int) -> None:
        """Book one fit's price now, as an expense of its account (engine/running.py)."""
        if self._cost is None:
            return
        account, amount = self._cost
        expense = Expense(
            TRAINING_COST_NAME, amount.amount, account, f"{model_prefix(self.alias)}fit of version {version}"
        )
        self._game.running.expense(expense, account, amount.currency)

    def records(self, values: np.ndarray, times: np.ndarray) -> tuple[TrainedVersion, ...]:
        """Every version's record with its monthly scores over the Game's final ``values`` (under an
        Activator: over the Model's own record, its last value held to the end)."""
        if self.alias is not None:
            values = held_to(self._values(), len(values))
        last = len(values) - 1
        out = []
        for live in self._versions:
            ended = min(last, live.ended if live.ended is not None else last)
            months = month_scores(values, times, live.record.round, ended, live.ns)
            out.append(replace(live.record, last_round=ended, retired_reason=live.retired, months=months))
        return tuple(out)


def _iso(ns: int) -> str:
    return utc_from_ns(ns).isoformat()


def _month(ns: int) -> tuple[int, int]:
    day = utc_from_ns(ns)
    return day.year, day.month


def _period(every: str, ns: int) -> tuple[int, ...]:
    """The calendar period (ISO week, month, quarter, year) of ``ns`` a retraining schedule counts in."""
    day = utc_from_ns(ns)
    if every == "weekly":
        year, week, _ = day.isocalendar()
        return year, week
    if every == "monthly":
        return day.year, day.month
    if every == "quarterly":
        return day.year, (day.month - 1) // 3
    return (day.year,)
