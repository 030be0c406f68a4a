"""Cash in ``Books``: deposits, currency conversions, and transfers between accounts.

A deposit is owner's money (``Equity:Contributions``); a conversion balances each currency through
``Equity:Conversions:{account}``; a transfer leaves the source into ``Assets:Transit`` and reaches
the target when received. Standard library and ``tradegame.domain`` only.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from tradegame.domain.books_chart import (
    CONTRIBUTIONS,
    cash_account,
    cash_leg,
    conversions_account,
    fx_fees_account,
    transfer_fees_account,
    transit_account,
)
from tradegame.domain.books_core import BooksCore
from tradegame.domain.errors import CurrencyMismatchError, InvalidAmountError, InvalidInputError
from tradegame.domain.money import Money

__all__ = ["CashBooking"]

_ZERO = Decimal(0)


class CashBooking(BooksCore):
    """Deposits, conversions and transfers of ``Books`` (see the module docstring)."""

    def deposit(self, account: str, amount: Money, ts: datetime, reason: str = "") -> str:
        """Put owner's money into the account's cash (the Start Fund, a top-up)."""
        op_id, ts = self._begin(ts, reason)
        self._account(account)
        if not isinstance(amount, Money):
            raise InvalidInputError(f"deposit must be Money, not {type(amount).__name__}")
        currency = amount.currency
        self._check_currency(currency)
        self._check_money(amount, currency, "deposit", positive=True)
        entries = self._entries(op_id)
        entries.add(
            "deposit",
            f"deposit {amount} into {account}",
            cash_leg(CONTRIBUTIONS, currency, -amount.amount),
            cash_leg(cash_account(account, currency.code), currency, amount.amount),
        )
        self._currencies[currency.code] = currency
        self._move_cash(account, currency, amount.amount)
        self._commit(op_id, ts, entries.drafts, "deposit", account, None, reason)
        return op_id

    def convert(self, account: str, give: Money, get: Money, fee: Money, ts: datetime, reason: str = "") -> str:
        """Exchange currencies in ``account``: pay ``give`` plus ``fee`` (in give's currency), receive ``get``.

        Each currency's entry balances through ``Equity:Conversions:{account}``, whose balances
        across currencies record the rate paid; the fee goes to the account's FX fees.
        """
        op_id, ts = self._begin(ts, reason)
        self._account(account)
        for what, money in (("give", give), ("get", get), ("fee", fee)):
            if not isinstance(money, Money):
                raise InvalidInputError(f"conversion {what} must be Money, not {type(money).__name__}")
        if give.currency.code == get.currency.code:
            raise CurrencyMismatchError(f"a conversion needs two currencies, got {give.currency.code} twice")
        self._check_money(give, give.currency, "conversion amount", positive=True)
        self._check_money(get, get.currency, "conversion proceeds", positive=True)
        self._check_money(fee, give.currency, "conversion fee", positive=False)
        self._check_cash(account, give + fee, f"converting {give} to {get.currency.code}")
        entries = self._entries(op_id)
        clearing = conversions_account(account)
        entries.add(
            "convert",
            f"convert {give} to {get} in {account}",
            cash_leg(cash_account(account, give.currency.code), give.currency, -give.amount),
            cash_leg(clearing, give.currency, give.amount),
        )
        entries.add(
            "convert",
            f"receive {get} for {give} in {account}",
            cash_leg(clearing, get.currency, -get.amount),
            cash_leg(cash_account(account, get.currency.code), get.currency, get.amount),
        )
        entries.add(
            "fee",
            f"conversion fee {fee}",
            cash_leg(cash_account(account, give.currency.code), give.currency, -fee.amount),
            cash_leg(fx_fees_account(account), give.currency, fee.amount),
        )
        self._currencies[give.currency.code] = give.currency
        self._currencies[get.currency.code] = get.currency
        self._move_cash(account, give.currency, -(give.amount + fee.amount))
        self._move_cash(account, get.currency, get.amount)
        pair = f"{give.currency.code}{get.currency.code}"
        self._costs.append((op_id, ts, account, pair, "convert", give.amount, give.amount, fee.amount, give.currency))
        self._commit(op_id, ts, entries.drafts, "convert", account, pair, reason)
        return op_id

    def send_transfer(self, source: str, target: str, amount: Money, fee: Money, ts: datetime, reason: str = "") -> str:
        """Move ``amount`` out of ``source`` into transit to ``target``; ``fee`` is charged to ``source``."""
        op_id, ts = self._begin(ts, reason)
        self._account(source)
        self._account(target)
        if source == target:
            raise InvalidInputError(f"a transfer needs two accounts, got {source} twice")
        currency = amount.currency
        self._check_money(amount, currency, "transfer", positive=True)
        self._check_money(fee, currency, "transfer fee", positive=False)
        self._check_cash(source, amount + fee, f"transferring {amount} to {target}")
        entries = self._entries(op_id)
        entries.add(
            "transfer-out",
            f"send {amount} from {source} to {target}",
            cash_leg(cash_account(source, currency.code), currency, -amount.amount),
            cash_leg(transit_account(source, target, currency.code), currency, amount.amount),
        )
        entries.add(
            "fee",
            f"transfer fee {fee}",
            cash_leg(cash_account(source, currency.code), currency, -fee.amount),
            cash_leg(transfer_fees_account(source), currency, fee.amount),
        )
        self._move_cash(source, currency, -(amount.amount + fee.amount))
        if fee.amount:
            self._costs.append((op_id, ts, source, "TRANSFER", "transfer", _ZERO, amount.amount, fee.amount, currency))
        self._commit(op_id, ts, entries.drafts, "transfer-out", source, target, reason)
        return op_id

    def receive_transfer(self, source: str, target: str, amount: Money, ts: datetime, reason: str = "") -> str:
        """Credit ``target`` with ``amount`` that ``send_transfer`` put in transit from ``source``."""
        op_id, ts = self._begin(ts, reason)
        self._account(target)
        currency = amount.currency
        self._check_money(amount, currency, "transfer", positive=True)
        transit = transit_account(source, target, currency.code)
        in_transit = self._journal.balance(transit).get(currency.code, _ZERO)
        if amount.amount > in_transit:
            raise InvalidAmountError(f"only {in_transit} {currency.code} is in transit from {source} to {target}")
        entries = self._entries(op_id)
        entries.add(
            "transfer-in",
            f"receive {amount} from {source} in {target}",
            cash_leg(transit, currency, -amount.amount),
            cash_leg(cash_account(target, currency.code), currency, amount.amount),
        )
        self._move_cash(target, currency, amount.amount)
        self._commit(op_id, ts, entries.drafts, "transfer-in", target, source, reason)
        return op_id
