"""Execution: the open Moves matched against a bar, sized, and filled into the books.

For each bar replayed (game.py), ``match_row`` asks the simulated market (market.py) where each
open Move trades (``_planned``: the bars of a row's Moves read at once, the market Moves priced by
the market's rules on arrays, a limit or stop Move matched on its own bar), settles the size of a
notional or target-weight Move at that price (``settle_size``; the target weights of a bar share
one valuation and one read of the rates, ``BarSizing``), shares the bar's volume among capped
Moves (``volume_quotas``), then fills the sells before the buys so a rebalance pays for itself
(``execute``): slippage, the tick grid, the fee and the cash cut are fills.py's arithmetic, the one
copy the sweep shares; the booking is settlement.py's. A ``FillPolicy`` says how a batch of fills is
taken: at the bar's close or its open, and whether the accounts' volume caps apply (the end's sales
take the whole bar).

Imports the domain, the engine's market, fills, moves and events; game.py only for its type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from tradegame.domain.errors import TradegameError
from tradegame.domain.instruments import Instrument
from tradegame.domain.money import Currency, Money
from tradegame.engine.clock import booking_time
from tradegame.engine.events import EventKind as Kind
from tradegame.engine.events import RejectReason as Why
from tradegame.engine.events import reason_for
from tradegame.engine.fills import (
    affordable,
    fee_amount,
    fill_fee,
    is_decade,
    lot_step,
    target_amount,
    tick_price,
    units_for,
)
from tradegame.engine.market import Bar, close_only, market_price, match
from tradegame.engine.moves import MoveState, MoveStatus, OrderType, Side
from tradegame.engine.slippage_models import NoSlippage
from tradegame.engine.spec import AccountSpec
from tradegame.engine.universe import currency_of, quote_unit

if TYPE_CHECKING:
    from tradegame.engine.game import Game
    from tradegame.engine.valuation import Valuation

__all__ = ["BarSizing", "Execution", "FillPolicy"]

_ZERO = Decimal(0)
_NEVER = datetime.min.replace(tzinfo=UTC)  # no booking time computed yet (``Execution._stamped``)
# The members read for every Move matched and filled, held here: in Python 3.11 reading an enum
# member from its class (``MoveStatus.OPEN``) costs about ten times a global's read.
_OPEN, _FILLED = MoveStatus.OPEN, MoveStatus.FILLED
_BUY, _SELL = Side.BUY, Side.SELL
_MARKET, _LIMIT = OrderType.MARKET, OrderType.LIMIT


class Traded(NamedTuple):
    """What the fills of a symbol read of its instrument (``Execution.traded``): worked out once."""

    instrument: Instrument
    column: int  # its column in the Panel
    unit: Currency  # what its prices and fees are in (``price_unit``)
    step: Decimal  # the smallest quantity it trades (``Execution.step``)
    name: str  # ``unit`` as its fills' log lines name it: nothing for the Game's currency
    tick: Decimal  # its tick size
    decade: bool  # whether the tick is a power of ten (``fills.is_decade``)
    cross: bool  # whether it is a cross pair (its quote an asset held in lots)


# A fill ``match_row`` plans: the Move's state, its price (and that price's decimal), whether it
# rests as a maker, whether its bar is close-only, ``traded``, and whether it buys (the sort's key)
Planned = tuple[MoveState, float, Decimal, bool, bool, Traded, bool]
_BUYS = itemgetter(6)  # whether a planned fill buys
_COLUMN = itemgetter(1)  # ``Traded.column``
_ARRAYS_FROM = 8  # the number of a row's Moves from which their bars are read as arrays (``_market_prices``)


@dataclass(frozen=True, slots=True)
class FillPolicy:
    """How a batch of fills is taken: ``at_close``, at the close of the bar (``fill_at = "close"``,
    or the end's sales at the last close) rather than its open; ``volume_cap``, whether the
    accounts' volume caps apply (the end's sales take whatever the bar offers)."""

    at_close: bool
    volume_cap: bool = True


class Execution:
    """Matches and fills the Game's open Moves; ``volume_taken`` is what the Game traded per (row, column)."""

    def __init__(self, game: Game) -> None:
        self._game = game
        self._fields = game.panel.fields
        # float64 (the Panel's own arrays, no copy): ``item`` gives the Python floats of a bar
        self._ohlcv = tuple(np.asarray(self._fields[name], dtype=np.float64)
                            for name in ("open", "high", "low", "close", "volume"))  # fmt: skip
        self._ohlc = self._ohlcv[:4]
        self._available = game.panel.available
        self._fill_times = game.universe.fill_times
        self._capped = any(a.volume_cap is not None for a in game.spec.accounts)
        self.volume_taken: dict[tuple[int, int], Decimal] = {}
        self._units: dict[str, Currency] = {}  # symbol -> price_unit of its instrument
        self._steps: dict[str, Decimal] = {}  # symbol -> step of its instrument
        self._traded: dict[str, Traded] = {}  # symbol -> ``traded``
        self._stamp: tuple[int | None, datetime] = (None, _NEVER)  # the last ``_stamped``: (ns, its time)

    def bar(self, row: int, column: int) -> Bar:
        """The bar of ``column`` at ``row``."""
        opens, highs, lows, closes, volumes = self._ohlcv
        return Bar(opens.item(row, column), highs.item(row, column), lows.item(row, column),
                   closes.item(row, column), volumes.item(row, column))  # fmt: skip

    def match_row(self, row: int, policy: FillPolicy, only: list[MoveState] | None = None) -> None:
        """Fill what the open Moves (or ``only`` these) can on ``row``, sells before buys."""
        game = self._game
        at_close = policy.at_close
        available = int(self._available[row])
        when = available if at_close else int(self._fill_times[row])
        # A Move trades on a bar that became known after it was placed, and never at a price from
        # before it: placed intraday on daily bars, it waits for the next session's open.
        if only is None:
            candidates = [m for m in game.orders.open
                          if m.placed_at_ns < available and m.placed_at_ns <= when and m.status is _OPEN]  # fmt: skip
        else:  # a copy: a chained leg placed while matching is not matched here
            candidates = [m for m in only if m.status is _OPEN]
        if not candidates:
            return
        planned = self._planned(row, candidates, at_close)
        quotas = self.volume_quotas(row, [item[0] for item in planned]) if policy.volume_cap and self._capped else None
        if len(planned) > 1:
            planned.sort(key=_BUYS)  # sells first, each side in the order of the Moves
        for state, price, exact, maker, only_close, traded, _ in planned:
            if state.status is _OPEN:
                filled_at = available if only_close else when  # a close-only bar trades at its close
                quota = quotas.get(state.move_id) if quotas else None
                self.execute(state, row, price, maker, filled_at, policy, quota, exact, traded)

    def _planned(self, row: int, candidates: list[MoveState], at_close: bool) -> list[Planned]:
        """Where each of ``candidates`` (open Moves) trades on ``row``, with its size settled (target
        and notional sizes; the target weights of the bar share one valuation): the bars of the
        Moves read at once, their market prices and close-only flags one array rule for them all;
        a Move without a close on the bar does not trade, a limit or stop Move is matched on its own."""
        known = self._traded
        traded = [known.get(state.move.symbol) or self.traded(state.move.symbol) for state in candidates]
        closes, prices, only_close = self._market_prices(row, traded, at_close)
        planned: list[Planned] = []
        sizing = BarSizing(self._game.valuation, row, at_close)
        exacts = map(Decimal, map(repr, prices))
        bars = zip(candidates, traded, closes, prices, exacts, only_close, strict=True)
        for state, trade, close, price, exact, no_open in bars:
            if close != close:  # NaN
                continue  # no trading in this symbol on this bar
            maker = False
            if state.move.order_type is not _MARKET:
                price, maker = self._match(state, self.bar(row, trade.column), at_close)
                if price is None:
                    continue
                exact = Decimal(repr(price))
            if state.quantity is None:
                self.settle_size(state, price, exact, trade, sizing)
            # ``exact``: what it is sized and filled at (before slippage), made once
            planned.append((state, price, exact, maker, no_open, trade, state.side is _BUY))
        return planned

    def _market_prices(
        self, row: int, traded: list[Traded], at_close: bool
    ) -> tuple[list[float], list[float], list[bool]]:
        """The close on ``row`` of each of ``traded``, the price a market Move fills at there and
        whether its bar is close-only: the market's rules (``close_only``, ``market_price``) on the
        arrays of the row's bars for many Moves, on one bar at a time for a few (numpy's cost per
        call is more than a few bars' reads)."""
        if len(traded) >= _ARRAYS_FROM:
            columns = np.fromiter(map(_COLUMN, traded), np.intp, len(traded))
            opens, highs, lows, closes = (field[row][columns] for field in self._ohlc)
            flags = close_only(opens, highs, lows)
            return closes.tolist(), market_price(opens, closes, flags, at_close).tolist(), flags.tolist()
        fields = self._ohlc
        bars = [[field.item(row, trade.column) for field in fields] for trade in traded]  # open, high, low, close
        only = [close_only(open_, high, low) for open_, high, low, _ in bars]
        prices = [market_price(bar[0], bar[3], flag, at_close) for bar, flag in zip(bars, only, strict=True)]
        return [bar[3] for bar in bars], prices, only

    @staticmethod
    def _match(state: MoveState, bar: Bar, at_close: bool) -> tuple[float | None, bool]:
        """Where ``state``'s limit or stop Move fills on ``bar`` (None: it does not), and whether it
        rests there as a maker (a limit filled at its limit)."""
        move = state.move
        limit = None if move.limit_price is None else float(move.limit_price)
        stop = None if move.stop_price is None else float(move.stop_price)
        fill = match(state.side, move.order_type, limit, stop, state.triggered, bar, at_close=at_close)
        state.triggered = fill.triggered
        maker = move.order_type is _LIMIT and limit is not None and fill.price == limit
        return fill.price, maker

    def volume_quotas(self, row: int, planned: list[MoveState]) -> dict[str, Decimal]:
        """What each capped Move may take of ``row``'s volume (the caller asks when the fills' policy
        applies the caps and an account has one): an account's cap is a share of the bar's volume,
        and that liquidity is shared by every Move of the Game on the symbol and bar, served in the
        order the Moves were made (what earlier fills took on the bar counts too)."""
        quotas: dict[str, Decimal] = {}
        game = self._game
        reserved: dict[int, Decimal] = {}
        for state in planned:  # in the order the Moves were made (the order of the open Moves)
            if state.status is not _OPEN or state.quantity is None:
                continue
            column = game.column[state.move.symbol]
            cap = game.accounts[state.account].volume_cap
            volume = float(self._fields["volume"][row, column])
            taken = self.volume_taken.get((row, column), _ZERO) + reserved.get(column, _ZERO)
            remaining = state.quantity - state.filled
            if cap is not None and not np.isnan(volume):
                step = self.step(game.universe.instruments[state.move.symbol])
                limit = (cap * Decimal(repr(volume)) / step).to_integral_value(ROUND_DOWN) * step
                remaining = max(_ZERO, min(remaining, limit - taken))
                quotas[state.move_id] = remaining
            reserved[column] = reserved.get(column, _ZERO) + remaining
        return quotas

    def settle_size(self, state: MoveState, price: float, exact: Decimal, traded: Traded, sizing: BarSizing) -> None:
        """Turn a notional or target-weight size into units at ``price``, the price it fills at
        (``exact``: its ``Decimal(repr(price))``; ``traded``: its instrument's, ``Execution.traded``);
        a target weight is a share of the Game's value at the prices of that fill (``sizing``: that
        value, shared by the Moves the bar sizes)."""
        game, move = self._game, state.move
        instrument, column, _, step, _, _, _, _ = traded  # unpacked: a NamedTuple's fields read slower
        if move.notional is not None:
            units = units_for(move.notional, exact, step)
        else:
            assert move.target_weight is not None
            wanted = units_for(sizing.amount(move.target_weight, column), exact, step)  # at the fill
            held = game.holdings.of(state.account, instrument)
            units = abs(wanted - held)
            state.side = _BUY if wanted > held else _SELL
        state.quantity = units
        if units <= 0:
            state.status = _FILLED
            game.log.event(
                Kind.FILLED, state.move_id, state.account, move.symbol, "nothing to trade: already at the size"
            )
            if move.notional is not None:  # the log calls it filled; the Model learns why nothing traded
                game.log.tell(
                    state, Why.BELOW_LOT, f"notional {move.notional} is less than a lot of {move.symbol} at {price}"
                )
            else:
                game.log.tell(state, Why.AT_TARGET, f"{move.symbol} is already at target weight {move.target_weight}")
            game.orders.finish(state)

    def execute(
        self,
        state: MoveState,
        row: int,
        price: float,
        maker: bool,
        when: int,
        policy: FillPolicy,
        quota: Decimal | None = None,
        exact: Decimal | None = None,
        traded: Traded | None = None,
    ) -> None:
        """Fill what ``state`` can on ``row`` at ``price`` (before slippage; ``exact``: its
        ``Decimal(repr(price))``, if made already; ``traded``: its instrument's, if looked up already),
        booked at ``when``; ``quota``: the most the bar's shared volume cap leaves it (``volume_quotas``)."""
        game, move = self._game, state.move
        account = game.accounts[state.account]
        if traded is None:
            traded = self.traded(move.symbol)
        instrument, column, unit, _, _, tick, decade, _ = traded
        total = state.quantity
        assert total is not None
        remaining = total - state.filled
        quantity = remaining if quota is None or not quota < remaining else quota  # ``min``, sooner
        if quantity <= _ZERO:
            return  # the volume cap left nothing on this bar: it stays open
        side = state.side
        if not maker and type(account.slippage) is not NoSlippage:  # NoSlippage gives the price back
            volume = self._ohlcv[4].item(row, column)  # the bar's, for the slippage
            price = account.slippage.execution_price(
                side=side.value, price=price, quantity=float(quantity), bar_volume=volume
            )
            exact = None
        unit_price = tick_price(price if exact is None else exact, tick, decade)
        if side is _SELL:
            quantity = self._sellable(state, instrument, quantity)
            fee = None
        else:
            quantity, fee = self._buyable(state, account, traded, quantity, unit_price, maker, when, remaining)
        if quantity <= _ZERO:
            return  # refused, or the volume cap left nothing on this bar: it stays open
        if fee is None:
            fee = fee_amount(account.fees, quantity, unit_price, maker, unit)
        ts = self._stamped(when)
        label = f"{state.move_id} [tag {move.tag}]" if move.tag else state.move_id
        reason = f"{label}: {move.reason}" if move.reason else label
        try:
            op = game.settlement.book_fill(state, instrument, quantity, unit_price, fee, row, when, ts, reason)
        except TradegameError as error:
            game.orders.reject(state, reason_for(error), f"{side.value} {quantity} {move.symbol}: {error}")
            return
        if self._capped:
            key = (row, column)
            self.volume_taken[key] = self.volume_taken.get(key, _ZERO) + quantity
        if side is _SELL and game.running.owing:
            game.running.pay()
        self._record(state, quantity, unit_price, traded, fee, op, ts, row, policy)

    def _stamped(self, ns: int) -> datetime:
        """``booking_time(books, ns)``: the one computed last when the books' latest operation is
        stamped with it (the fills of a bar, booked one after another at its time), which the rule
        then gives again."""
        stamp = self._stamp
        if stamp[0] == ns and self._game.books.last_timestamp is stamp[1]:
            return stamp[1]
        ts = booking_time(self._game.books, ns)
        self._stamp = (ns, ts)
        return ts

    def _sellable(self, state: MoveState, instrument: Instrument, quantity: Decimal) -> Decimal:
        """How much of ``quantity`` the account can sell: what it holds; 0 after rejecting the Move
        when that is nothing."""
        held = self._game.holdings.of(state.account, instrument)
        if quantity > held:
            quantity = held
            if quantity <= 0:
                self._game.orders.reject(
                    state, Why.INSUFFICIENT_HOLDINGS, f"sell of {state.move.symbol}: {state.account} holds none"
                )
        return quantity

    def _buyable(
        self, state: MoveState, account: AccountSpec, traded: Traded, quantity: Decimal, price: Decimal,
        maker: bool, when: int, remaining: Decimal,
    ) -> tuple[Decimal, Decimal | None]:  # fmt: skip
        """The most of ``quantity`` the account can pay for, fee included: from its cash in the quote
        currency (``traded``'s unit; converting from its own currency what it lacks), or from the quote
        asset it holds; and the fee of all of ``quantity`` when it can pay for all of it (None
        otherwise). 0 after rejecting the Move when that is nothing."""
        game = self._game
        instrument, _, unit, step, _, _, _, cross = traded
        cost = None
        if cross:
            cash = game.holdings.units(account.name, instrument.quote_asset)
        else:
            fee = fee_amount(account.fees, quantity, price, maker, unit)
            cost = unit.round(quantity * price) + fee
            if account.currency != unit.code:
                self._fund_purchase(account, unit, cost, state, when)
            cash = game.books.cash(account.name, unit).amount
            if cost <= cash:  # the first thing ``affordable`` checks: all of it, at this very fee
                return quantity, fee
        bought = affordable(quantity, price, cash, step, account.fees, maker, unit, cost)
        if bought <= 0:
            game.orders.reject(
                state, Why.INSUFFICIENT_CASH, f"buy of {state.move.symbol}: not enough {unit.code} in {state.account}"
            )
        elif bought < quantity and quantity == remaining:  # cut by cash, not by volume: this is all it gets
            state.note = f"cut from {state.quantity} to {state.filled + bought} by the cash available"
            state.quantity = state.filled + bought
        return bought, None

    def _record(
        self, state: MoveState, quantity: Decimal, price: Decimal, traded: Traded, fee: Decimal, op: str,
        ts: datetime, row: int, policy: FillPolicy,
    ) -> None:  # fmt: skip
        """A fill is booked: add it to the Move, log it, tell the Model, and finish a Move now filled
        (``traded``: the instrument's, whose ``unit`` the fee is in and whose name for it the log line says)."""
        game, move = self._game, state.move
        _, _, unit, _, name, _, _, _ = traded
        total = state.quantity
        assert total is not None
        filled = state.filled = state.filled + quantity
        state.fill_value += quantity * price
        state.fees += fee
        state.op_ids.append(op)
        done = filled >= total
        game.log.fill((state.move_id, move.tag, move.symbol, state.account, state.side, price, quantity, fee,
                       unit.code, not done, filled, total, op, ts, state.note), name)  # fmt: skip
        if done:
            state.status = _FILLED
            if move.then is not None:  # the next leg of a chain
                game.orders.finish(state, row, policy)

    def _fund_purchase(
        self, account: AccountSpec, currency: Currency, needed: Decimal, state: MoveState, when: int
    ) -> None:
        """Before a buy quoted in another currency than the account's own (the caller checks that):
        convert from the account's currency what its cash in ``currency`` lacks for ``needed``, at the
        rate known now and with the conversion fee a ``Convert`` pays (a broker's automatic FX), as far
        as the account's cash goes."""
        game = self._game
        base = currency_of(account.currency)
        short = needed - game.books.cash(account.name, currency).amount
        if short <= 0:
            return
        rate = game.rates.decimal_now(base.code, currency.code)
        cash = game.books.cash(account.name, base).amount
        give = affordable((short / rate).quantize(base.quantum, ROUND_UP), Decimal(1), cash, base.quantum,
                          account.fees, False, base)  # fmt: skip
        get = currency.round(give * rate)
        if give <= 0 or get <= 0:
            return
        fee = fill_fee(account.fees, give, Decimal(1), False, base)
        reason = f"{state.move_id}: {base.code} for a {currency.code} buy"
        op = game.books.convert(
            account.name, Money(give, base), Money(get, currency), fee, booking_time(game.books, when), reason
        )
        detail = f"{give} {base.code} at {rate}: {get} {currency.code}"
        game.log.event(Kind.CONVERTED, state.move_id, account.name, f"{base.code}{currency.code}", detail, (op,))

    def traded(self, symbol: str) -> Traded:
        """``symbol``'s ``Traded``, remembered."""
        found = self._traded.get(symbol)
        if found is None:
            game = self._game
            instrument = game.universe.instruments[symbol]
            unit = self.unit(instrument)
            named = "" if unit == game.currency else " " + unit.code
            tick = instrument.tick_size
            found = self._traded[symbol] = Traded(instrument, game.column[symbol], unit, self.step(instrument), named,
                                                  tick, is_decade(tick), instrument.is_cross)  # fmt: skip
        return found

    def step(self, instrument: Instrument) -> Decimal:
        """The smallest tradable quantity: a currency pair trades its base currency's minor unit."""
        found = self._steps.get(instrument.symbol)
        if found is None:
            if instrument.base_asset in self._game.assets.cash_assets:
                found = currency_of(instrument.base_asset).quantum
            else:
                found = lot_step(instrument)
            self._steps[instrument.symbol] = found
        return found

    def unit(self, instrument: Instrument) -> Currency:
        """``price_unit(instrument)``, remembered per symbol (a Game's instruments do not change)."""
        found = self._units.get(instrument.symbol)
        if found is None:
            found = self._units[instrument.symbol] = price_unit(instrument)
        return found


class BarSizing:
    """What the target-weight Moves of one bar are sized by: the Game's value at the prices the bar
    fills at (``Valuation.value_at``) and the rates known now (``Valuation.fx_vector_now``), taken
    once (the Moves of a bar are all sized before any of them fills), and the amount each weight
    targets at each rate (``fills.target_amount``), worked out once per weight object and rate
    (equal decimals may differ in their digits: not shared)."""

    __slots__ = ("_amounts", "_at_close", "_fx", "_row", "_valuation", "_value")

    def __init__(self, valuation: Valuation, row: int, at_close: bool) -> None:
        self._valuation, self._row, self._at_close = valuation, row, at_close
        self._value: float | None = None
        self._fx: np.ndarray | None = None
        self._amounts: dict[tuple[int, float], tuple[Decimal, Decimal]] = {}  # (id(weight), fx) -> (weight, amount)

    def amount(self, weight: Decimal, column: int) -> Decimal:
        """``weight`` of the Game's value, in ``column``'s quote currency."""
        rates = self._fx
        if rates is None:
            rates = self._fx = self._valuation.fx_vector_now()
        fx: float = rates.item(column)  # Game-currency units per unit of the column's quote currency
        key = (id(weight), fx)  # the weight is kept in the entry: its id stays its own
        found = self._amounts.get(key)
        if found is not None:
            return found[1]
        if self._value is None:  # a Game that owes more than it has targets nothing
            self._value = max(self._valuation.value_at(self._row, self._at_close), 0.0)
        amount = target_amount(weight, self._value, fx)
        self._amounts[key] = (weight, amount)
        return amount


def price_unit(instrument: Instrument) -> Currency:
    """The unit ``instrument``'s prices and fees are counted in: its quote currency, or for a
    cross pair its quote asset (8 decimals for a coin)."""
    return quote_unit(instrument.quote_asset) if instrument.is_cross else instrument.quote_currency
