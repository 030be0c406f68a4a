"""Sweep a Game file's SMA crossover over many (fast, slow) pairs at once (engine/sweep.py).

The Game file gives everything but the pair: data, dates, fund, accounts and their costs, tax,
the symbol and weight (from its ``sma-crossover`` model, or given). Each pair is one column of
one ``sweep``; its fills and Score equal those of the Game file played with that pair.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import cast

from tradegame.app.checking import inspect_game
from tradegame.data.store import MarketStore
from tradegame.domain.errors import InvalidInputError
from tradegame.engine.gamefile import GameFile
from tradegame.engine.sweep import SweepResult, sweep
from tradegame.models.registry import check_model_symbols
from tradegame.models.sma import SmaCrossover, crossover_signals

__all__ = ["Swept", "parse_windows", "sweep_file", "sweep_rows"]

_MAX_WINDOWS = 10_000  # windows per option: a typo such as 1:1000000000 is refused, not allocated
_MAX_WINDOW = 100_000  # rows in one moving average


@dataclass(frozen=True)
class Swept:
    game_file: GameFile  # with its data versions pinned
    result: SweepResult


def parse_windows(text: str, what: str) -> list[int]:
    """``"5:50:5"`` (start:stop:step, stop included), ``"5:50"`` (step 1) or ``"10,20,50"``."""
    try:
        parts = [int(part) for part in text.split(":" if ":" in text else ",")]
        if ":" in text and (len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] <= 0)):
            raise ValueError
    except ValueError:
        raise InvalidInputError(
            f"{what}: give start:stop:step, start:stop or a list like 10,20,50, got {text!r}"
        ) from None
    if ":" in text:
        start, stop = parts[0], parts[1]
        step = parts[2] if len(parts) == 3 else 1
        if (stop - start) // step >= _MAX_WINDOWS:
            raise InvalidInputError(f"{what}: at most {_MAX_WINDOWS} windows, got {text!r}")
        windows = list(range(start, stop + 1, step))
    else:
        windows = parts
    if not windows or min(windows) < 1 or max(windows) > _MAX_WINDOW:
        raise InvalidInputError(
            f"{what}: windows must be whole numbers of at least 1 and at most {_MAX_WINDOW}, got {text!r}"
        )
    return sorted(set(windows))


def sweep_file(
    game_file: GameFile | Path,
    store: MarketStore,
    fasts: Sequence[int],
    slows: Sequence[int],
    symbol: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Swept:
    """Every ``fast < slow`` pair of ``fasts`` x ``slows`` as one column of a sweep of ``game_file``
    (a path, or one read before); every problem of the file is refused first (``app.checking``).
    ``progress(done, count)`` follows the pairs as they are played."""
    pinned, game, _ = inspect_game(game_file, store).ready()
    params = pinned.model_params if pinned.model == "sma-crossover" else {}
    chosen = symbol or params.get("symbol")
    if not isinstance(chosen, str):
        raise InvalidInputError("symbol: give --symbol, or a Game file whose model is sma-crossover")
    pairs = [(fast, slow) for fast in fasts for slow in slows if fast < slow]
    if not pairs:
        raise InvalidInputError("windows: no pair has fast < slow")
    weight = cast(SmaCrossover, game.model).weight if params else Decimal(1)
    universe = game.universe
    check_model_symbols({"symbol": chosen}, universe.symbols, where="--")
    enter, leave = crossover_signals(universe, chosen, pairs)
    result = sweep(pinned.spec, universe, chosen, enter, leave, weight=weight, labels=pairs, progress=progress)
    return Swept(pinned, result)


def sweep_rows(result: SweepResult) -> list[dict[str, object]]:
    """One row per pair, best score first: the pair, its fills, how it ended, and the Score's parts
    (exact decimal strings)."""
    rows: list[dict[str, object]] = []
    for column in result.columns:
        fast, slow = cast(tuple[int, int], column.label)
        score = column.score
        rows.append(
            {
                "fast": fast,
                "slow": slow,
                "fills": len(column.fills),
                "outcome": column.outcome,
                "final_value": str(score.final_value),
                "fees": str(score.fees),
                "running_costs": str(score.running_costs),
                "taxes": str(score.taxes),
                "score": str(score.score),
            }
        )
    rows.sort(key=lambda row: (-Decimal(str(row["score"])), row["fast"], row["slow"]))
    return rows
