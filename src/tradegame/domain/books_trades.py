"""Trades in ``Books``: buy, sell, crypto swap, and the booking of a sale with its tax lines.

A buy funds the position's currency ledger from cash and pays price and fee out of it; a sale
(also a split's cash in lieu) moves the lot book first, takes the sold lots' book value out and
sweeps the net proceeds back to cash; a crypto swap is a disposal of one coin and a lot of the
other at fair value. After each, the tax ledger gets a line per new disposal and a wash
adjustment per earlier disposal a wash sale changed (see ``positions``).

``buy_units`` and ``sell_units`` take a trade as plain ``Decimal`` amounts in the instrument's
quote currency (the engine books every fill so); ``buy`` and ``sell`` check the ``Quantity``,
``Price`` and ``Money`` they are given (types, currencies) and call them. Each is one flat path:
the checks first (``_begin_trade``: the common case in one test, every rule in order otherwise),
then the lot book, and then every ledger, without a second check of what was checked. Standard
library and ``tradegame.domain`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tradegame.domain.allocation import share
from tradegame.domain.books_chart import (
    PositionAccounts,
    cash_leg,
    new_book_lot,
)
from tradegame.domain.books_core import BooksCore
from tradegame.domain.books_records import TaxKind, TaxRow
from tradegame.domain.errors import (
    CurrencyMismatchError,
    FeeExceedsValueError,
    InvalidInputError,
    InvariantError,
)
from tradegame.domain.instruments import AssetClass, Instrument
from tradegame.domain.lots import Disposal, LotBook
from tradegame.domain.money import Currency, Money, Price, Quantity
from tradegame.domain.postings import FlatDraft

__all__ = ["TradeBooking"]

_ZERO = Decimal(0)
_NO_LOT = ("", _ZERO, _ZERO)  # what ``_take_sold`` reads for a lot not in the books: it holds nothing


@dataclass(frozen=True, slots=True)
class _Swap:
    """A checked crypto swap: what leaves and reaches the account, and the legs' unit prices."""

    account: str
    give: Instrument
    give_quantity: Quantity
    get: Instrument
    get_quantity: Quantity
    fair_value: Money
    fee: Money
    give_price: Decimal
    get_price: Decimal
    basis: Money  # the new lot's: fair value, less the fee when it was paid in kind
    cash_fee: Money  # the part of the fee paid from cash

    @property
    def currency(self) -> Currency:
        return self.give.quote_currency


class TradeBooking(BooksCore):
    """The trades of ``Books`` (see the module docstring)."""

    def buy(
        self, account: str, instrument: Instrument, quantity: Quantity, price: Price, fee: Money, ts: datetime,
        reason: str = "", *, game: str | None = None, lot_id: str | None = None,
    ) -> str:  # fmt: skip
        """Buy ``quantity`` at ``price`` paying ``fee``; opens a lot (``lot_id`` defaults to the op id)."""
        self._check_wrapped(instrument, quantity, price, fee)
        return self.buy_units(
            account, instrument, quantity.amount, price.amount, fee.amount, ts, reason, game=game, lot_id=lot_id
        )

    def buy_units(
        self, account: str, instrument: Instrument, quantity: Decimal, price: Decimal, fee: Decimal, ts: datetime,
        reason: str = "", *, game: str | None = None, lot_id: str | None = None,
    ) -> str:  # fmt: skip
        """``buy`` with plain amounts (as the engine books a fill): ``quantity`` units at ``price``
        paying ``fee``, both in the instrument's quote currency; checked as ``buy`` checks them."""
        checked = self._begin_trade(account, instrument, quantity, price, fee, ts, reason)
        op_id, ts, quantity, price, fee, gross = checked
        symbol, currency = instrument.symbol, instrument.quote_currency
        code, cost = currency.code, gross + fee
        lot_key, cash_key, key = (account, lot_id or op_id), (account, code), (account, symbol)
        if lot_id or lot_key in self._book_lots:
            lot_id = self._check_lot_id(account, lot_id) if lot_id else self._unused_lot_id(account, op_id)
        cash = self._cash.get(cash_key, _ZERO)
        if cost > cash:
            self._check_cash(account, Money(cost, currency), f"buying {quantity} {symbol}")
        tax_rate = None if self._tax_currency is None else self._tax_rate(currency, ts, f"the basis of {symbol}")
        paid = -cost  # (a Decimal operation: made once for the check, cash and both entries)
        if paid + gross + fee:  # the buy entry's sum (inexact beyond the context's precision)
            raise InvariantError(f"buying {symbol}: {gross} {code} plus the fee {fee} {code} is not exact")
        names = self._position_accounts.get(key) or self._accounts_of(account, instrument)
        lot = lot_key[1]
        # checked as LotBook.buy checks it: quantity, price and fee above, the date by ``_begin_trade``
        book = self._lot_books.get(code) or self._lot_book(currency)
        on, asset_class = ts.date(), instrument.asset_class
        _, washed = book.buy_checked(account, symbol, quantity, cost, on, asset_class, lot, game, True)
        # The lot book has moved: from here on a failure is a broken invariant, not bad input.
        self._remember(instrument)
        self._book_lots[lot_key] = new_book_lot((symbol, quantity, gross))
        self._op_lots[op_id] = lot
        if tax_rate is not None:
            self._lot_rates[lot_key] = tax_rate
        self._add_cash(cash_key, paid)  # (not below zero: checked above)
        self._hold(key, quantity)
        self._costs.append((op_id, ts, account, symbol, "buy", quantity, gross, fee, currency))
        if washed:  # earlier disposals this purchase washed: their tax lines
            self._book_wash_adjustments(washed, currency, op_id, ts, symbol)
        bought = (names, symbol, code, quantity, price, fee, cost, paid, gross)
        self._journal.append_made(op_id, ts, _buy_drafts, bought)
        self._close(op_id, ts, "buy", account, symbol, reason, game)
        return op_id

    def sell(
        self, account: str, instrument: Instrument, quantity: Quantity, price: Price, fee: Money, ts: datetime,
        reason: str = "", *, game: str | None = None, lots: Sequence[tuple[str, Decimal]] | None = None,
    ) -> str:  # fmt: skip
        """Sell ``quantity`` at ``price`` paying ``fee`` out of the proceeds.

        The account's lot method picks the lots, or ``lots`` names them (specific identification).
        """
        self._check_wrapped(instrument, quantity, price, fee)
        return self.sell_units(
            account, instrument, quantity.amount, price.amount, fee.amount, ts, reason, game=game, lots=lots
        )

    def sell_units(
        self, account: str, instrument: Instrument, quantity: Decimal, price: Decimal, fee: Decimal, ts: datetime,
        reason: str = "", *, game: str | None = None, lots: Sequence[tuple[str, Decimal]] | None = None,
    ) -> str:  # fmt: skip
        """``sell`` with plain amounts (as the engine books a fill): ``quantity`` units at ``price``
        paying ``fee``, both in the instrument's quote currency; checked as ``sell`` checks them."""
        checked = self._begin_trade(account, instrument, quantity, price, fee, ts, reason)
        op_id, ts, quantity, price, fee, gross = checked
        if fee > gross:
            currency = instrument.quote_currency
            raise FeeExceedsValueError(f"fee {Money(fee, currency)} exceeds the sale value {Money(gross, currency)}")
        book = self._held_in(account, instrument, quantity)
        self._book_sale(op_id, ts, "sell", account, instrument, quantity, price, fee, book, reason, game, lots, gross)
        return op_id

    def crypto_swap(
        self,
        account: str,
        give: Instrument,
        give_quantity: Quantity,
        get: Instrument,
        get_quantity: Quantity,
        fair_value: Money,
        fee: Money,
        ts: datetime,
        reason: str = "",
        *,
        game: str | None = None,
        lot_id: str | None = None,
        fee_in_kind: bool = False,
    ) -> str:
        """Swap one coin for another at ``fair_value``: a disposal of ``give`` and a lot of ``get``.

        Both legs are valued at ``fair_value`` (the market value of what changed hands, in the
        coins' common quote currency), so the unit prices need not sit on the tick grid. The
        ``fee`` is paid from the account's cash, booked on the ``give`` position and, for tax,
        netted from the disposal's proceeds. The new lot's id defaults to the op id.

        With ``fee_in_kind`` the fee was paid in the coins themselves (an exchange keeps part of
        what changes hands, as on a cross pair such as ETH/BTC): ``give_quantity`` and
        ``get_quantity`` are what left and reached the account, no cash moves, and the new lot's
        basis is ``fair_value - fee``; the disposal is the same.
        """
        op_id, ts = self._begin(ts, reason)
        swap = self._check_swap(account, give, give_quantity, get, get_quantity, fair_value, fee, fee_in_kind)
        lot_id = self._check_lot_id(account, lot_id or op_id)
        self._check_cash(account, swap.cash_fee, f"the fee of swapping {give.symbol}")
        book = self._held_in(account, give, give_quantity.amount)
        tax_rate = self._tax_rate(swap.currency, ts, f"the swap of {give.symbol}")
        self._accounts_of(account, give)  # checked (and kept) before anything changes
        self._accounts_of(account, get)
        disposals = self._swap_lots(book, swap, op_id, lot_id, ts, game)
        self._book_swap(op_id, ts, swap, lot_id, disposals, tax_rate, reason, game)
        return op_id

    @staticmethod
    def _swap_lots(
        book: LotBook, swap: _Swap, op_id: str, lot_id: str, ts: datetime, game: str | None
    ) -> Sequence[Disposal]:
        """The lot book takes a checked swap: the sale of the coin given (its disposals returned),
        then the lot of the coin got."""
        on, account = ts.date(), swap.account
        disposals = book.sell(
            account=account,
            symbol=swap.give.symbol,
            quantity=swap.give_quantity.amount,
            price=swap.give_price,
            fee=swap.fee.amount,
            on=on,
            asset_class=AssetClass.CRYPTO,
            game=game,
            sale_id=op_id,
        )
        # The lot book has moved; the purchase leg was validated above and cannot be refused now.
        book.buy(
            account=account,
            symbol=swap.get.symbol,
            quantity=swap.get_quantity.amount,
            price=swap.get_price,
            on=on,
            asset_class=AssetClass.CRYPTO,
            lot_id=lot_id,
            game=game,
        )
        return disposals

    def _check_swap(
        self,
        account: str,
        give: Instrument,
        give_quantity: Quantity,
        get: Instrument,
        get_quantity: Quantity,
        fair_value: Money,
        fee: Money,
        fee_in_kind: bool,
    ) -> _Swap:
        """Check a crypto swap's coins and amounts (changes nothing); return it with its unit prices."""
        self._account(account)
        for instrument in (give, get):
            self._check_instrument(instrument)
            if instrument.asset_class is not AssetClass.CRYPTO:
                raise InvalidInputError(f"{instrument.symbol}: a crypto swap is crypto for crypto")
        if give.symbol == get.symbol:
            raise InvalidInputError(f"a swap gives and gets two different coins, not {give.symbol} twice")
        currency = give.quote_currency
        if get.quote_currency != currency:
            raise CurrencyMismatchError(f"{give.symbol} and {get.symbol} are quoted in different currencies")
        give.check_quantity(give_quantity)
        get.check_quantity(get_quantity)
        self._check_money(fair_value, currency, "fair value", positive=True)
        self._check_money(fee, currency, "fee", positive=False)
        if fee.amount > fair_value.amount:
            raise FeeExceedsValueError(f"fee {fee} exceeds the fair value {fair_value}")
        give_price = self._unit_price(fair_value, give_quantity, give.symbol)
        basis = fair_value - fee if fee_in_kind else fair_value
        if not basis.amount:
            raise FeeExceedsValueError(f"the fee {fee} leaves nothing of the {fair_value} swapped")
        get_price = self._unit_price(basis, get_quantity, get.symbol)
        cash_fee = Money.zero(currency) if fee_in_kind else fee
        return _Swap(
            account, give, give_quantity, get, get_quantity, fair_value, fee, give_price, get_price, basis, cash_fee
        )

    def _book_swap(
        self,
        op_id: str,
        ts: datetime,
        swap: _Swap,
        lot_id: str,
        disposals: Sequence[Disposal],
        tax_rate: Decimal | None,
        reason: str,
        game: str | None,
    ) -> None:
        """Book a swap the lot book has taken: the journal, the book lots, cash and the ledgers."""
        account, give, get, currency = swap.account, swap.give.symbol, swap.get.symbol, swap.currency
        if tax_rate is not None:
            self._sale_rates[op_id] = tax_rate
            self._lot_rates[(account, lot_id)] = tax_rate
        book_value = self._take_sold(op_id, ts, lot_id, account, disposals, currency, tax_rate)
        self._hold((account, give), -swap.give_quantity.amount)
        fee, cash_fee, fair_value = swap.fee.amount, swap.cash_fee.amount, swap.fair_value.amount
        given, got = swap.give_quantity.amount, swap.get_quantity.amount
        gave, gets = self._accounts_of(account, swap.give), self._accounts_of(account, swap.get)
        entries = self._entries(op_id)
        entries.add(
            "fund",
            ("fund {} with the swap fee {}", (give, swap.cash_fee)),
            cash_leg(gave.account_cash, currency, -cash_fee),
            cash_leg(gave.cash, currency, cash_fee),
        )
        entries.add(
            "swap",
            ("swap {} {} for {} {} at {}", (given, give, got, get, swap.fair_value)),
            (gave.units, give, -given, -book_value, currency.code),
            (gets.units, get, got, swap.basis.amount, currency.code),
            cash_leg(gave.realized, currency, book_value - fair_value),
            cash_leg(gave.cash, currency, -cash_fee),
            cash_leg(gave.fees, currency, fee),
        )
        self._remember(swap.get)
        self._book_lots[(account, lot_id)] = new_book_lot((get, got, swap.basis.amount))
        self._move_cash(account, currency, -cash_fee)
        self._hold((account, get), got)
        self._costs.append((op_id, ts, account, give, "swap", given, fair_value, fee, currency))
        if tax_rate is not None:  # (crypto: no wash sale changes its disposals, nor others)
            self._book_converted(currency, op_id, ts, disposals)
        self._commit(op_id, ts, entries.drafts, "swap", account, give, reason, game)

    # -- booking a sale and its tax lines --------------------------------------------------

    def _book_sale(
        self, op_id: str, ts: datetime, kind: str, account: str, instrument: Instrument, quantity: Decimal,
        price: Decimal, fee: Decimal, book: LotBook, reason: str, game: str | None,
        lots: Sequence[tuple[str, Decimal]] | None, gross: Decimal,
    ) -> None:  # fmt: skip
        """Book a validated sale (``fee`` at most ``gross``, price times quantity to the minor unit):
        the lot book first (it refuses a sale beyond what is held and changes nothing then), then the
        journal, the cost, decision and tax ledgers."""
        symbol, currency = instrument.symbol, instrument.quote_currency
        code, key = currency.code, (account, symbol)
        names = self._position_accounts.get(key) or self._accounts_of(account, instrument)
        tax_rate = None if self._tax_currency is None else self._tax_rate(currency, ts, f"the sale of {symbol}")
        disposals = book.sell_checked(  # checked as LotBook.sell checks it (the date by ``_begin``)
            account, symbol, quantity, gross, fee, ts.date(), instrument.asset_class, lots, game, op_id
        )
        # The lot book has moved: from here on a failure is a broken invariant, not bad input.
        if tax_rate is not None:
            self._sale_rates[op_id] = tax_rate
        book_value = self._take_sold(op_id, ts, None, account, disposals, currency, tax_rate)
        sold, taken_out = -quantity, -book_value  # (Decimal operations: each made once)
        self._hold(key, sold)
        net, realized = gross - fee, book_value - gross
        if taken_out + net + fee + realized:  # the sell entry's sum (as ``check_legs`` adds it)
            raise InvariantError(f"selling {symbol}: {gross} {code} less the fee {fee} {code} is not exact")
        self._add_cash((account, code), net)
        self._costs.append((op_id, ts, account, symbol, "sell", quantity, gross, fee, currency))
        if tax_rate is not None:
            self._book_converted(currency, op_id, ts, disposals)
        sale = (names, account, symbol, code, quantity, price, fee, sold, taken_out, net, realized)
        self._journal.append_made(op_id, ts, _sale_drafts, sale)
        self._close(op_id, ts, kind, account, symbol, reason, game)

    def _take_sold(
        self, op_id: str, ts: datetime, opened: str | None, account: str, disposals: Sequence[Disposal],
        currency: Currency, tax_rate: Decimal | None,
    ) -> Decimal:  # fmt: skip
        """What a sale (or a swap, which ``opened`` a lot) took, in one pass over its disposals (of
        ``account``'s lots): their lots' pro-rata book value (returned) out of the book lots, its (lot
        id, units) pairs for ``lots_of``, and, when no ``tax_rate`` converts them, the tax-ledger line
        of each disposal, in order (else the caller books them: ``_book_converted``). The caller takes
        the units off what the account holds."""
        book_lots, quantum, taken = self._book_lots, currency.quantum, self._sold_lots
        book_value = _ZERO
        self._op_lots[op_id] = len(taken)
        taken += (opened, len(disposals))  # (then each lot's id and units)
        append, kind = self._tax.append if tax_rate is None else None, TaxKind.DISPOSAL
        for disposal in disposals:
            lot_id, units = disposal.lot_id, disposal.quantity
            lot_key = (account, lot_id)  # (a sale's disposals are of its account's lots)
            symbol, held, value = book_lots.get(lot_key) or _NO_LOT  # (a ``BookLot``'s fields)
            if held < units:  # (none held: no lot)
                raise InvariantError(f"lot {lot_id} in {account} does not hold {units}")
            part = share(value, units, held, quantum)
            book_lots[lot_key] = new_book_lot((symbol, held - units, value - part))
            book_value += part
            taken += (lot_id, units)
            if append is not None:  # no conversion: the rest of its fields are made when read (``tax_entry``)
                append((op_id, ts, kind, disposal, currency))
        return book_value

    def _book_converted(self, currency: Currency, op_id: str, ts: datetime, disposals: Sequence[Disposal]) -> None:
        """Append the tax-ledger line of each new disposal of a sale (or swap), in order, with its gain
        converted into the tax currency (``_take_sold`` books the lines that need no conversion)."""
        gains = [self._taxable_gain(d, currency) for d in disposals]  # (may raise: before a line is appended)
        append, kind = self._tax.append, TaxKind.DISPOSAL
        for d, gain in zip(disposals, gains, strict=True):
            append((op_id, ts, kind, d.date_sold.year, gain, d.account, d.symbol, d.term, d))

    def _book_wash_adjustments(
        self,
        changed: Sequence[tuple[Disposal, Disposal]],
        currency: Currency,
        op_id: str,
        ts: datetime,
        symbol: str,
    ) -> None:
        """Append a wash adjustment for each disposal of ``symbol`` the purchase changed (``changed``:
        before and after, in order), linked to its sale (the sale's op id is its ``sale_id``); the
        loss it disallowed moved into the basis of the purchase's new lot (in the lot book)."""
        lines: list[TaxRow] = []
        kind = TaxKind.WASH_ADJUSTMENT
        for before, after in changed:
            if after == before:  # nothing washed after all
                continue
            change = self._taxable_gain(after, currency) - self._taxable_gain(before, currency)
            year, account, term = after.date_sold.year, after.account, after.term
            lines.append((op_id, ts, kind, year, change, account, symbol, term, after, after.sale_id))
        for line in lines:
            self._tax.append(line)

    def _taxable_gain(self, disposal: Disposal, currency: Currency) -> Money:
        """A disposal's gain in the tax currency: proceeds and adjustment at the sale's rate, basis
        at the lot's rate at purchase (see the module docstring)."""
        tax = self._tax_currency
        if tax is None or tax.code == currency.code:
            return Money(disposal.gain, currency)
        sold = self._sale_rates[disposal.sale_id]
        bought = self._lot_rates.get((disposal.account, disposal.lot_id))
        if bought is None:
            raise InvariantError(f"lot {disposal.lot_id} in {disposal.account} has no rate from its purchase")
        proceeds = tax.round(disposal.proceeds * sold) + tax.round(disposal.adjustment_amount * sold)
        return Money(proceeds - tax.round(disposal.cost_basis * bought), tax)


# The journal entries of a buy and of a sale, made when the journal is read (``Journal.append_made``)
# from the values the booking computed. Their legs need no ``check_legs``: their accounts were
# checked when the position was first named (``_accounts_of``), their amounts are checked and
# non-zero (but a zero fee or realized gain, left out) and they balance (checked when booked).


def _buy_drafts(
    names: PositionAccounts, symbol: str, code: str, quantity: Decimal, price: Decimal, fee: Decimal, cost: Decimal,
    paid: Decimal, gross: Decimal,
) -> tuple[FlatDraft, ...]:  # fmt: skip
    """A buy's entries: cash funds the position's currency ledger, which pays ``gross`` and ``fee``."""
    legs = (names.cash, code, paid, None, None, names.units, symbol, quantity, gross, code)
    return (
        ("fund", "fund {} with {} {}", (symbol, cost, code),
         (names.account_cash, code, paid, None, None, names.cash, code, cost, None, None)),
        ("buy", "buy {} {} @ {} fee {}", (quantity, symbol, price, fee),
         (*legs, names.fees, code, fee, None, None) if fee else legs),
    )  # fmt: skip


def _sale_drafts(
    names: PositionAccounts, account: str, symbol: str, code: str, quantity: Decimal, price: Decimal, fee: Decimal,
    sold: Decimal, taken_out: Decimal, net: Decimal, realized: Decimal,
) -> tuple[FlatDraft, ...]:  # fmt: skip
    """A sale's entries: the units and their book value out, the fee and the realized gain, and the
    net proceeds swept to the account's cash (``copy_negate``: exact, whatever the decimal context
    when the journal is read)."""
    legs: tuple[object, ...] = (
        names.units, symbol, sold, taken_out, code,
        *((names.cash, code, net, None, None) if net else ()),
        *((names.fees, code, fee, None, None) if fee else ()),
        *((names.realized, code, realized, None, None) if realized else ()),
    )  # fmt: skip
    sale: FlatDraft = ("sell", "sell {} {} @ {} fee {}", (quantity, symbol, price, fee), legs)
    if not net:
        return (sale,)
    sweep = (names.cash, code, net.copy_negate(), None, None, names.account_cash, code, net, None, None)
    return sale, ("sweep", "sweep {} proceeds to {} cash", (symbol, account), sweep)
