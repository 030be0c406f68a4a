"""Which symbol a Game is compared with: one rule for the summary (``app.play.summary``), the
swept Games of an experiment (``experiments.sweeping``) and the HTML report (``report_facts``).

The market index ``SPX`` when the data has it; else the first symbol the Game bought or sold
(``first_traded``: the data symbol that values the asset of its first buy or sale; an initial
Position's booking is no trade); else the data's first symbol. Imports the engine only; no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from tradegame.engine.assets import AssetMap
from tradegame.engine.game import GameResult
from tradegame.engine.universe import Universe

__all__ = ["INDEX", "benchmark_symbol", "first_traded"]

INDEX = "SPX"
"""The market index a Game is compared with when its data has it."""


def benchmark_symbol(symbols: Sequence[str], first_traded: str | None) -> str:
    """The benchmark of a Game on data of ``symbols``: the index SPX when there, else the first
    symbol the Game traded (``first_traded``), else the data's first."""
    if INDEX in symbols:
        return INDEX
    return first_traded or symbols[0]


def first_traded(result: GameResult, universe: Universe) -> str | None:
    """The data symbol of the Game's first buy or sale in its cost ledger (the pair valuing the
    asset it booked, for a pair quoted in another asset); None when it traded none. The booking of
    an initial Position (bought before the Game) is not a trade."""
    symbols = universe.panel.symbols
    columns = dict(AssetMap.of(universe.instruments, symbols, result.spec.currency).value_column)
    before = {op for event in result.events if event.kind == "initial-position" for op in event.op_ids}
    for cost in result.books.cost_ledger:
        if cost.action in ("buy", "sell") and cost.quantity > 0 and cost.symbol in columns and cost.op_id not in before:
            return symbols[columns[cost.symbol]]
    return None
