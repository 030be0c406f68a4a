"""A stored Game's trades as a ``tradegame tax lots`` trade list (``tradegame export ID --format lots``).

One row per fill of the Game's cost ledger, in the Game's order: ``date`` (the fill's UTC day),
``account``, ``symbol``, ``side``, ``quantity``, ``price``, ``fee``, ``asset_class``, ``lot_id``
(a buy's lot: the op id the Game's books gave it) and ``game``. ``price`` is the fill's value
over its units (``notional / quantity``, to at most 12 decimals): ``tax lots`` multiplies it back
and rounds to the cent, which gives the Game's own notional, so the lots, proceeds and realized
gains are the Game's. ``game`` is the Game's name; under an Activator, a Model's fills are
``NAME/MODEL`` (the end's sales stay the Game's own), so ``tax lots`` attributes each disposal to
the Model that sold and the one that bought the lot. Files of Games that shared an account can be
concatenated (one header) into one tax report.

A Game whose trades the format cannot hold (a crypto swap, a currency conversion) is refused with
the op that cannot be written; nothing is written then.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.activator_books import LIQUIDATION_PREFIX, fill_owners
from tradegame.engine.activator_config import ACTIVATOR
from tradegame.io.trades_csv import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from tradegame.store.rows import StoredGame

__all__ = ["COLUMNS", "lot_rows", "write_lots"]

COLUMNS = (*REQUIRED_COLUMNS, "lot_id", "game")
assert set(COLUMNS) <= set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
_CLASSES = {"equity": "equity", "etf": "etf", "fund": "fund", "crypto": "crypto"}
_PLACES = Decimal("1E-12")


def lot_rows(stored: StoredGame) -> list[tuple[str, ...]]:
    """The trade-list rows of ``stored`` (see the module docstring)."""
    game = stored.game
    lots = [(d.account, d.symbol, d.lot_id, d.asset_class) for d in stored.disposals]
    lots += [(o.account, o.symbol, o.lot_id, o.asset_class) for o in stored.open_lots]
    classes = {(account, lot_id): asset_class for account, _, lot_id, asset_class in lots}
    by_symbol = {symbol: asset_class for _, symbol, _, asset_class in lots}
    owners = fill_owners(stored.events) if game.model == ACTIVATOR else {}
    rows: list[tuple[str, ...]] = []
    for cost in stored.cost_ledger:
        if cost.action not in ("buy", "sell") or cost.notional_currency != cost.fee_currency:
            raise InvalidInputError(
                f"game {game.id}: its {cost.action} {cost.symbol} ({cost.op_id}) cannot be written as a tax lots trade"
            )
        asset_class = classes.get((cost.account, cost.op_id)) or by_symbol.get(cost.symbol, "")
        price = cost.notional / cost.quantity
        if price.as_tuple().exponent < -12:  # type: ignore[operator]
            price = price.quantize(_PLACES)
        model = owners.get(cost.op_id)
        model = None if model is None or model.startswith(LIQUIDATION_PREFIX) else model
        rows.append(
            (
                cost.ts.date().isoformat(),
                cost.account,
                cost.symbol,
                cost.action,
                str(cost.quantity),
                format(price, "f"),
                str(cost.fee),
                _CLASSES.get(asset_class, "security"),
                cost.op_id if cost.action == "buy" else "",
                game.name if model is None else f"{game.name}/{model}",
            )
        )
    return rows


def write_lots(stored: StoredGame, path: Path) -> Path:
    """Write ``stored``'s trades to ``path`` in the ``tax lots`` format; returns ``path``."""
    rows = lot_rows(stored)  # before anything is written: a refused Game leaves no file
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path
