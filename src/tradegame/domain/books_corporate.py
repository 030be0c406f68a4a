"""Corporate actions in ``Books``: cash dividends, stock splits and a split's cash in lieu.

A dividend is credited to the position's currency ledger and swept to cash (a dividend line on
the tax ledger); a split changes units, not book value or basis; cash in lieu sells the fraction a
split left, as a sale without a fee (so this part builds on the trades). Standard library and
``tradegame.domain`` only.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from tradegame.domain.books_chart import (
    cash_account,
    cash_leg,
    dividends_account,
    position_cash_account,
    position_units_account,
)
from tradegame.domain.books_records import TaxKind
from tradegame.domain.books_trades import TradeBooking
from tradegame.domain.errors import CurrencyMismatchError, InvalidInputError
from tradegame.domain.instruments import Instrument
from tradegame.domain.money import Money, Price, Quantity

__all__ = ["CorporateActionBooking"]

_ZERO = Decimal(0)


class CorporateActionBooking(TradeBooking):
    """Dividends, splits and cash in lieu of ``Books`` (see the module docstring)."""

    def dividend(self, account: str, instrument: Instrument, amount: Money, ts: datetime, reason: str = "") -> str:
        """Receive a cash dividend on ``instrument`` into the position, then sweep it to account cash."""
        op_id, ts = self._begin(ts, reason)
        self._account(account)
        self._check_instrument(instrument)
        currency = instrument.quote_currency
        self._check_money(amount, currency, "dividend", positive=True)
        tax_amount = self._in_tax_currency(amount, ts, f"the dividend on {instrument.symbol}")
        symbol = instrument.symbol
        position_cash = position_cash_account(account, symbol)
        entries = self._entries(op_id)
        entries.add(
            "dividend",
            f"dividend {amount} on {symbol}",
            cash_leg(dividends_account(account, symbol), currency, -amount.amount),
            cash_leg(position_cash, currency, amount.amount),
        )
        entries.add(
            "sweep",
            f"sweep {symbol} dividend to {account} cash",
            cash_leg(position_cash, currency, -amount.amount),
            cash_leg(cash_account(account, currency.code), currency, amount.amount),
        )
        self._remember(instrument)
        self._move_cash(account, currency, amount.amount)
        self._tax.append((op_id, ts, TaxKind.DIVIDEND, ts.year, tax_amount, account, symbol))
        self._commit(op_id, ts, entries.drafts, "dividend", account, symbol, reason)
        return op_id

    def split(self, instrument: Instrument, ratio: Decimal, ts: datetime, reason: str = "") -> str:
        """Apply a stock split (``ratio`` new units per old, e.g. 2 or 0.1) in every account holding it.

        Units change, book value and tax basis do not (so each unit's basis falls), and lots keep
        their acquisition dates. One asset-ledger entry per account holding the instrument, with
        zero book value; no cash moves.
        """
        op_id, ts = self._begin(ts, reason)
        self._check_instrument(instrument)
        symbol = instrument.symbol
        book = self._lot_books.get(instrument.quote_currency.code)
        if book is None or symbol not in self._instruments:
            raise InvalidInputError(f"no {symbol} has been booked, so there is nothing to split")
        changed = book.split(symbol, ratio, ts.date())
        # The lot book has moved: from here on a failure is a broken invariant, not bad input.
        values: dict[str, Decimal] = {}
        book_lots = self._book_lots
        for key, book_lot in book_lots.items():
            if book_lot.symbol == symbol:
                book_lots[key] = book_lot._replace(quantity=book_lot.quantity * ratio)  # (no key added)
                account = key[0]
                values[account] = values.get(account, _ZERO) + book_lot.book_value
        entries = self._entries(op_id)
        currency = instrument.quote_currency.code
        for account, (before, after) in sorted(changed.items()):
            self._held[(account, symbol)] = after
            units_account, value = position_units_account(account, symbol), values.get(account, _ZERO)
            entries.add(
                "split",
                f"split {symbol}: {before} units become {after} in {account}",
                (units_account, symbol, -before, -value, currency),
                (units_account, symbol, after, value, currency),
            )
        self._commit(op_id, ts, entries.drafts, "split", None, symbol, reason)
        return op_id

    def cash_in_lieu(
        self,
        account: str,
        instrument: Instrument,
        price: Price,
        ts: datetime,
        reason: str = "",
        *,
        game: str | None = None,
    ) -> str | None:
        """Sell the fraction of a lot that a split left in ``account`` at ``price``, without a fee.

        A split of 3-for-2 on 15 shares, or 1-for-10 on 15, leaves 22.5 or 1.5 shares of an
        instrument that trades in whole lots; brokers pay the fraction out in cash. It is booked
        as a sale (a disposal on the tax ledger, the lots' basis share taken out) with the kind
        ``cash-in-lieu``. Returns None (and books nothing) when nothing fractional is held, and
        refuses a fraction worth less than one minor unit (like any trade that small).
        """
        self._account(account)
        self._check_instrument(instrument)
        if instrument.fractional:
            return None
        lot_book = self._lot_books.get(instrument.quote_currency.code)
        held = lot_book.position(account, instrument.symbol) if lot_book is not None else _ZERO
        fraction = held % instrument.lot_size
        if not fraction:
            return None
        if not isinstance(price, Price) or price.currency != instrument.quote_currency:
            raise CurrencyMismatchError(
                f"{instrument.symbol}: cash in lieu needs a price in {instrument.quote_currency}"
            )
        instrument.check_price(price.amount)
        gross = price.total(Quantity(fraction)).amount
        self._check_gross(gross, instrument)
        op_id, ts = self._begin(ts, reason)
        book = self._held_in(account, instrument, fraction)
        kind, amount = "cash-in-lieu", price.amount
        self._book_sale(op_id, ts, kind, account, instrument, fraction, amount, _ZERO, book, reason, game, None, gross)
        return op_id
