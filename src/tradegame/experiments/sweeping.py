"""An experiment's SMA Games played on arrays (engine/sweep.py) instead of the Round loop.

A Game of an experiment fits the sweep when its Model is the built-in ``SmaCrossover``: its
signals are ``crossover_signals`` over the whole panel (computed once per worker and pair), and
the Games that differ only in the pair (and the seed, which this Model never reads) are one
``sweep`` call, one column each. The sweep refuses, by name, what it cannot reproduce (a volume
cap, corporate actions, running costs in another currency, ...; engine/sweep.py): those Games,
like every other Model's and every Game with a ``[model.training]`` table (e.g. of a training
axis), go through the Round loop, and so does any Game the sweep cannot start.

Each column's row has every field the Round loop's has (``app.play.summary``): the outcome, the
Score's parts as exact decimal strings, the fills, the metrics computed by ``compute_metrics``
from the column's value after each Round (``SweepColumn.values``, the Round loop's valuation bit
for bit) with the same benchmark, and how much it traded (``traded_value``, ``turnover``, and
``capped_fills``, 0: a sweep refuses a volume cap). The tests play real experiments both ways and
compare every field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

import numpy as np

from tradegame.app.play import benchmark_series, benchmark_symbol
from tradegame.domain.errors import InvalidInputError
from tradegame.engine.gamefile import GameFile
from tradegame.engine.spec import GameSpec
from tradegame.engine.sweep import SweepColumn, SweepResult, sweep
from tradegame.engine.universe import Universe
from tradegame.experiments.plan import PlannedGame
from tradegame.models.sma import SmaCrossover, crossover_signals

__all__ = ["SweepGroup", "SweepSignals", "group_for", "sweep_group"]

_ZERO = Decimal(0)
_METRICS = ("total_return", "cagr", "max_drawdown", "sharpe")


@dataclass
class SweepGroup:
    """Games one ``sweep`` call plays: the same spec (but for the seed), symbol and weight; one
    (fast, slow) pair each."""

    spec: GameSpec  # the seed set to 0
    symbol: str
    weight: Decimal
    games: list[tuple[PlannedGame, GameFile, tuple[int, int]]] = field(default_factory=list)


def group_for(groups: list[SweepGroup], game: PlannedGame, game_file: GameFile, model: object) -> bool:
    """Put ``game`` (its file, its built Model) in the group of ``groups`` it shares a sweep with, or
    a new one; False when its Model is not the built-in SMA crossover (None: not built, as a Model
    the sweep cannot play; the Round loop plays it)."""
    if type(model) is not SmaCrossover or game_file.spec.training is not None:
        return False  # a trained Model's fits happen between Rounds: only the Round loop plays them
    spec = replace(game_file.spec, seed=0)
    for group in groups:
        if group.symbol == model.symbol and group.weight == model.weight and group.spec == spec:
            break
    else:
        group = SweepGroup(spec, model.symbol, model.weight)
        groups.append(group)
    group.games.append((game, game_file, (model.fast, model.slow)))
    return True


class SweepSignals:
    """The enter/leave columns of each (symbol, fast, slow), computed once over a Universe (at most
    ``kept`` of them at a time: a grid of many pairs starts again rather than grow without end)."""

    def __init__(self, universe: Universe, kept: int = 2_000) -> None:
        self.universe = universe
        self.kept = kept
        self._columns: dict[tuple[str, int, int], tuple[np.ndarray, np.ndarray]] = {}

    def of(self, symbol: str, pairs: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """``enter`` and ``leave`` (panel rows x pairs), as ``crossover_signals`` gives them."""
        missing = [pair for pair in dict.fromkeys(pairs) if (symbol, *pair) not in self._columns]
        if len(self._columns) + len(missing) > self.kept:
            self._columns = {key: value for key, value in self._columns.items() if key[1:] in pairs}
        if missing:
            enter, leave = crossover_signals(self.universe, symbol, missing)
            for index, pair in enumerate(missing):
                self._columns[(symbol, *pair)] = (enter[:, index], leave[:, index])
        columns = [self._columns[(symbol, *pair)] for pair in pairs]
        return np.stack([e for e, _ in columns], axis=1), np.stack([lv for _, lv in columns], axis=1)


def sweep_group(group: SweepGroup, signals: SweepSignals) -> list[tuple[PlannedGame, dict[str, object]]]:
    """Play ``group`` in one sweep: each Game with its row. Raises what the sweep raises for a Game it
    refuses or that cannot start (``InvalidInputError``, ``DataError``): play those in the Round loop."""
    pairs = [pair for _, _, pair in group.games]
    enter, leave = signals.of(group.symbol, pairs)
    result = sweep(group.spec, signals.universe, group.symbol, enter, leave, weight=group.weight)
    games = [game for game, _, _ in group.games]
    return [(game, column_row(result, column)) for game, column in zip(games, result.columns, strict=True)]


def column_row(result: SweepResult, column: SweepColumn) -> dict[str, object]:
    """The row of a swept Game, field for field what ``app.play.summary`` gives for its Round loop."""
    from tradegame.reporting.metrics import compute_metrics  # as summary: only for a row

    score = column.score
    times = result.times[: column.rounds]
    metrics: Mapping[str, float | None] = dict.fromkeys(_METRICS)
    try:
        computed = compute_metrics(
            column.values, times, benchmark=_benchmark(result, column, times), start_value=score.start_capital
        )
        metrics = {name: _finite(getattr(computed, name)) for name in _METRICS}
    except InvalidInputError:  # summary notes it and leaves every metric out
        pass
    currency = result.universe.instruments[result.symbol].quote_currency
    traded = currency.round(sum((currency.round(f.quantity * f.price) for f in column.fills), _ZERO))
    start = score.start_capital
    return {
        "outcome": column.outcome,
        "outcome_round": column.outcome_round,
        "rounds": column.rounds,
        "trades": len(column.fills),
        **{name: str(getattr(score, name)) for name in _SCORE_PARTS},
        **metrics,
        "traded_value": str(traded),
        "turnover": float(traded / start) if start > 0 else None,
        "capped_fills": 0,  # a sweep refuses a volume cap
    }


_SCORE_PARTS = ("start_capital", "final_value", "gross_profit", "fees", "running_costs", "taxes", "score")


def _benchmark(result: SweepResult, column: SweepColumn, times: np.ndarray) -> np.ndarray | None:
    """The benchmark ``summary`` compares the Game with (``app.play.benchmark_symbol`` and
    ``benchmark_series``, as for the Round loop)."""
    symbol = benchmark_symbol(result.universe.panel.symbols, result.symbol if column.fills else None)
    return benchmark_series(result.universe, times, column.score.start_capital, symbol)


def _finite(number: float | None) -> float | None:
    return number if number is not None and math.isfinite(number) else None
