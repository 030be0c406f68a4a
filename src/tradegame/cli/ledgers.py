"""``games show --ledger NAME``: one of a stored Game's ledgers in full, and money printed as money."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tradegame.store import StoredGame

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["Ledger", "ledger_rows", "ledger_table", "money_text"]


class Ledger(StrEnum):
    """The ledgers ``games show --ledger`` prints."""

    JOURNAL = "journal"
    COST = "cost"
    TAX = "tax"
    DECISIONS = "decisions"
    EVENTS = "events"
    DISPOSALS = "disposals"
    OPEN_LOTS = "open-lots"
    ROUNDS = "rounds"


_TABLES = {
    Ledger.COST: "cost_ledger",
    Ledger.TAX: "tax_ledger",
    Ledger.DECISIONS: "decisions",
    Ledger.EVENTS: "events",
    Ledger.DISPOSALS: "disposals",
    Ledger.OPEN_LOTS: "open_lots",
    Ledger.ROUNDS: "rounds",
}
_JOURNAL_COLUMNS = ("seq", "round", "op_id", "ts", "kind", "narration", "leg", "account", "commodity", "units", "value",
                    "value_currency")  # fmt: skip


def money_text(value: Decimal) -> str:
    """``value`` with thousands separators and at least two decimals, never rounded:
    ``100000`` -> ``100,000.00``, ``0.12345678`` -> ``0.12345678``, ``-1234.5`` -> ``-1,234.50``."""
    exponent = value.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{value:,.{places}f}"


def ledger_rows(stored: StoredGame, ledger: Ledger) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """The column names and every row of ``ledger``; the journal is one row per posting, with its entry."""
    tables = stored.tables()
    if ledger is not Ledger.JOURNAL:
        columns, rows = tables[_TABLES[ledger]]
        return tuple(columns), [tuple(row) for row in rows]
    entries = {entry.seq: entry for entry in stored.entries}
    rows = [(*entries[p.entry_seq], p.leg, p.account, p.commodity, p.units, p.value, p.value_currency)
            for p in stored.postings]  # fmt: skip
    return _JOURNAL_COLUMNS, rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return money_text(value)
    if isinstance(value, datetime):  # UTC throughout
        return value.strftime("%Y-%m-%d %H:%M:%SZ")
    if isinstance(value, tuple):
        return " ".join(str(part) for part in value)
    return str(value)


def ledger_table(stored: StoredGame, ledger: Ledger) -> Table:
    """``ledger`` in full as a table, amounts as money."""
    from rich.table import Table

    columns, rows = ledger_rows(stored, ledger)
    table = Table(title=f"Game {stored.game.id} {stored.game.name}: {ledger.value} ({len(rows)} lines)")
    for column in columns:
        decimal = any(isinstance(row[columns.index(column)], Decimal) for row in rows[:50])
        table.add_column(column, justify="right" if decimal else "left")
    for row in rows:
        table.add_row(*(_cell(value) for value in row))
    return table
