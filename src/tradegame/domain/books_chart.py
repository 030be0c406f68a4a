"""The chart of accounts of ``Books`` and the drafts of an operation's journal entries.

Names every account an operation posts to (see ``positions`` for the chart), builds a currency
posting (``cash_posting``), and keeps the book side of a lot (``BookLot``) and the journal entries
of one operation before they are committed (``EntryDrafts``). Standard library and
``tradegame.domain`` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tradegame.domain.journal import JournalEntry, Posting
from tradegame.domain.money import Currency

__all__ = [
    "CONTRIBUTIONS",
    "TAX_EXPENSE",
    "BookLot",
    "EntryDrafts",
    "cash_account",
    "cash_posting",
    "conversions_account",
    "dividends_account",
    "fees_account",
    "fx_fees_account",
    "payable_account",
    "position_cash_account",
    "position_units_account",
    "realized_account",
    "running_cost_account",
    "tax_liability",
    "transfer_fees_account",
    "transit_account",
]

CONTRIBUTIONS = "Equity:Contributions"
TAX_EXPENSE = "Expenses:Tax"


def cash_account(account: str, currency: str) -> str:
    return f"Assets:{account}:Cash:{currency}"


def position_units_account(account: str, symbol: str) -> str:
    return f"Assets:{account}:{symbol}"


def position_cash_account(account: str, symbol: str) -> str:
    return f"Assets:{account}:{symbol}:Cash"


def fees_account(account: str, symbol: str) -> str:
    return f"Expenses:Fees:{account}:{symbol}"


def realized_account(account: str, symbol: str) -> str:
    return f"Income:Realized:{account}:{symbol}"


def dividends_account(account: str, symbol: str) -> str:
    return f"Income:Dividends:{account}:{symbol}"


def running_cost_account(name: str) -> str:
    return f"Expenses:RunningCosts:{name}"


def conversions_account(account: str) -> str:
    return f"Equity:Conversions:{account}"


def fx_fees_account(account: str) -> str:
    return f"Expenses:Fees:{account}:FX"


def transfer_fees_account(account: str) -> str:
    return f"Expenses:Fees:{account}:Transfers"


def transit_account(source: str, target: str, currency: str) -> str:
    return f"Assets:Transit:{source}-to-{target}:{currency}"


def payable_account(account: str, currency: str) -> str:
    return f"Liabilities:Payable:{account}:{currency}"


def tax_liability(year: int) -> str:
    return f"Liabilities:Tax:{year}"


def cash_posting(account: str, currency: Currency, amount: Decimal) -> Posting | None:
    """A currency posting, or None for a zero amount (postings must move something)."""
    return Posting(account, currency.code, amount) if amount else None


@dataclass(slots=True)
class BookLot:
    """The book side of one lot: units still held and their book value (gross cost, no fees)."""

    symbol: str
    quantity: Decimal
    book_value: Decimal


class EntryDrafts:
    """The journal entries of one operation, numbered on from the journal's next seq.

    Zero postings are dropped (a posting must move something), and so is an entry left empty,
    e.g. the funding of a zero fee. Building an entry checks that it balances.
    """

    def __init__(self, op_id: str, ts: datetime, first_seq: int) -> None:
        self.op_id = op_id
        self.ts = ts
        self.first_seq = first_seq
        self.entries: list[JournalEntry] = []

    def add(self, kind: str, narration: str, *postings: Posting | None) -> None:
        moving = tuple([posting for posting in postings if posting is not None])
        if moving:
            seq = self.first_seq + len(self.entries)
            self.entries.append(JournalEntry(self.op_id, seq, self.ts, kind, narration, moving))
