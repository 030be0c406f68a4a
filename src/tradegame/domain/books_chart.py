"""The chart of accounts of ``Books`` and the drafts of an operation's journal entries.

Names every account an operation posts to (see ``positions`` for the chart), builds a currency
leg of an entry (``cash_leg``), and keeps the book side of a lot (``BookLot``), the accounts of a
position (``PositionAccounts``) and the journal entries of one operation before they are
committed (``EntryDrafts``). Standard library and ``tradegame.domain`` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import NamedTuple

from tradegame.domain.money import Currency
from tradegame.domain.postings import FlatDraft, Leg, Narration, check_legs, flat_draft

__all__ = [
    "CONTRIBUTIONS",
    "TAX_EXPENSE",
    "BookLot",
    "EntryDrafts",
    "PositionAccounts",
    "cash_account",
    "cash_leg",
    "conversions_account",
    "dividends_account",
    "fees_account",
    "fx_fees_account",
    "new_book_lot",
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


def cash_leg(account: str, currency: Currency, amount: Decimal) -> Leg | None:
    """A currency leg (a posting's fields), or None for a zero amount (postings must move something)."""
    return (account, currency.code, amount, None, None) if amount else None


class BookLot(NamedTuple):
    """The book side of one lot: units still held and their book value (gross cost, no fees).

    A value (a named tuple, immutable): a sale or a split replaces it. Still one object the
    garbage collector tracks (CPython untracks exact tuples of plain values, never a subclass).
    """

    symbol: str
    quantity: Decimal
    book_value: Decimal


new_book_lot = partial(tuple.__new__, BookLot)
"""``BookLot`` from a tuple of its fields, without its Python-level ``__new__`` (a lot per buy)."""


@dataclass(frozen=True, slots=True)
class PositionAccounts:
    """The accounts a trade of ``symbol`` in ``account`` posts to (named once per position)."""

    units: str
    cash: str
    fees: str
    realized: str
    account_cash: str

    @classmethod
    def of(cls, account: str, symbol: str, currency: str) -> PositionAccounts:
        return cls(
            position_units_account(account, symbol),
            position_cash_account(account, symbol),
            fees_account(account, symbol),
            realized_account(account, symbol),
            cash_account(account, currency),
        )


class EntryDrafts:
    """The journal entries of one operation before they are appended (``Journal.append_rows``).

    Zero postings are dropped (a posting must move something), and so is an entry left empty,
    e.g. the funding of a zero fee. Adding an entry checks its postings and that it balances.
    """

    __slots__ = ("drafts", "op_id")

    def __init__(self, op_id: str) -> None:
        self.op_id = op_id
        self.drafts: list[FlatDraft] = []

    def add(self, kind: str, narration: Narration, *legs: Leg | None) -> None:
        moving = tuple([leg for leg in legs if leg is not None])
        if moving:
            self.drafts.append(flat_draft(kind, narration, check_legs(self.op_id, kind, moving)))
