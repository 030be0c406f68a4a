"""Corporate actions on the Positions held: splits (with cash in lieu of a fraction of a lot, and
the open Moves on the symbol re-sized) and cash dividends.

They apply from the Game's start day on (schedule.actions_in_play), booked at the bar's fill time
before the bar's fills. Imports the domain and the engine's moves; game.py only for its type.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from tradegame.domain.errors import TradegameError
from tradegame.domain.instruments import Instrument
from tradegame.domain.money import Money, Price
from tradegame.engine.clock import booking_time
from tradegame.engine.events import EventKind as Kind
from tradegame.engine.fills import tick_price
from tradegame.engine.moves import MoveState
from tradegame.engine.universe import CorporateAction

if TYPE_CHECKING:
    from tradegame.engine.game import Game

__all__ = ["CorporateActions", "split_move"]


class CorporateActions:
    """Applies a bar's corporate actions to the Game's books, holdings and open Moves."""

    def __init__(self, game: Game) -> None:
        self._game = game

    def apply(self, row: int, actions: list[CorporateAction]) -> None:
        """Book ``actions`` (those of ``row``) for every account that holds their symbol."""
        game = self._game
        ts = booking_time(game.books, int(game.universe.fill_times[row]))
        for action in actions:
            holders = game.holdings.holders(action.symbol)
            if not holders:
                continue
            instrument = game.universe.instruments[action.symbol]
            if action.kind == "split":
                op = game.books.split(instrument, action.value, ts, f"{action.value}-for-1 split")
                for state in game.orders.open:
                    if state.move.symbol == action.symbol:
                        split_move(state, action.value)
                game.log.event(Kind.SPLIT, None, None, action.symbol, f"{action.value} new per old", (op,))
                for account, _ in holders:
                    self._cash_in_lieu(account, instrument, row)
            else:
                currency = instrument.quote_currency
                for account, quantity in holders:
                    amount = currency.round(quantity * action.value)
                    if amount > 0:
                        op = game.books.dividend(
                            account, instrument, Money(amount, currency), ts, f"{action.value}/unit"
                        )
                        game.log.event(Kind.DIVIDEND, None, account, action.symbol, f"{amount} {currency.code}", (op,))
                        game.running.pay()

    def _cash_in_lieu(self, account: str, instrument: Instrument, row: int) -> None:
        """Pay out the fraction of a lot a split left in ``account`` at the split day's opening
        price (the first post-split price; the close on close-only data)."""
        game = self._game
        held = game.holdings.units(account, instrument.symbol)
        if instrument.fractional or not held % instrument.lot_size:
            return
        bar = game.execution.bar(row, game.column[instrument.symbol])
        price = tick_price(bar.close if bar.close_only else bar.open, instrument.tick_size)
        fraction = held % instrument.lot_size
        reason = f"cash in lieu of {fraction} {instrument.symbol}"
        try:
            op = game.books.cash_in_lieu(
                account, instrument, Price(price, instrument.quote_currency),
                booking_time(game.books, game.clock.now_ns), reason, game=game.spec.name,
            )  # fmt: skip
        except TradegameError as error:
            game.log.event(Kind.REJECTED, None, account, instrument.symbol, f"{reason}: {error}")
            return
        game.log.event(
            Kind.CASH_IN_LIEU, None, account, instrument.symbol, f"{fraction} @ {price}", (op,) if op else ()
        )
        game.running.pay()


def split_move(state: MoveState, ratio: Decimal) -> None:
    """Re-size an open Move on a symbol split ``ratio`` new per old: its units up, its prices down."""
    move = state.move
    updates: dict[str, Decimal] = {}
    if move.quantity is not None:
        updates["quantity"] = move.quantity * ratio
    for name in ("limit_price", "stop_price"):
        price = getattr(move, name)
        if price is not None:
            updates[name] = price / ratio
    if move.lots:
        updates["lots"] = tuple((lot_id, units * ratio) for lot_id, units in move.lots)  # type: ignore[assignment]
    state.move = replace(move, **updates)  # type: ignore[arg-type]
    if state.quantity is not None:
        state.quantity *= ratio
        state.filled *= ratio
