"""What a Model under an Activator sees (``SubContext``) and how its actions reach the Game (``translate``).

A Model under an Activator sees its sub-book, not the Game: ``ctx.value`` is its sub-book's value
(cash plus its units at the latest closes), ``ctx.cash()`` its cash, ``ctx.quantity()`` and
``ctx.holdings`` its units, ``ctx.positions`` its Positions, ``ctx.events`` and ``ctx.open_moves``
only its own Moves (with its own tags), ``ctx.history`` its sub-book's value after each session,
``ctx.start_fund`` its capital when it was last given a share. Each time a Model is switched on it
starts a run: ``ctx.round`` counts its sessions from 0 and ``ctx.history`` holds this run's only
(so a Model that buys at its first Round, as buy-and-hold does, buys again). The market
(``universe``, time, ``rng``, pairs and routes) is the Game's; ``ctx.fitted`` is what this Model's
live version learned, for a trainable Model (the engine fits it walk-forward, engine/training.py).
``open_lots`` are the account's: lots are the account's, shared by the Models (FIFO per account
across Models).

Its actions are made to fit the sub-book before they reach the Game (``translate``):

* a target weight is a share of the sub-book's value: a buy becomes a notional buy of the
  difference at the latest close, a sale a sale of the units above the target (all of them at 0);
* a buy (by quantity or notional) is cut to the sub-book's free cash (its cash less what its open
  buys may spend), less a ``CASH_BUFFER`` for fees and an open above the close;
* a sale (``sell_all``, a quantity, a notional) is cut to the units the sub-book holds;
* ``Cancel`` of one of its own Moves passes, so does a ``Note`` (``alias: text``) and an ``Expense``
  (named ``alias-name``: a running cost of the Game, shared among the Models at the Score);
  chained Moves, Moves naming lots or another account than the Game's first, Transfers,
  Converts and ``EndGame`` are refused, each with a note saying why.

Imports the engine's context, moves and activator sub-books, and numpy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_DOWN, Decimal

import numpy as np
import pandas as pd

from tradegame.domain.lots import OpenLot
from tradegame.engine.activator_books import SubBook, model_of_tag, tag_for
from tradegame.engine.context import Fill, MoveEvent, MoveSnapshot, PositionInfo, Rejected, RoundContext, RoundRecord
from tradegame.engine.fills import lot_step
from tradegame.engine.moves import Action, Cancel, Expense, Move, Note, Side
from tradegame.engine.universe import UniverseView

__all__ = ["CASH_BUFFER", "SubContext", "pending_buys", "translate"]

CASH_BUFFER = Decimal("0.005")  # a buy spends at most 99.5% of the free cash: room for fees and a gap up
_ZERO = Decimal(0)
_CENT = Decimal("0.01")


class SubContext:
    """A ``RoundContext`` scaled to one Model's sub-book (see the module docstring)."""

    def __init__(
        self,
        ctx: RoundContext,
        alias: str,
        book: SubBook,
        value: float,
        history: Sequence[RoundRecord],
        start_fund: Decimal,
    ) -> None:
        self._ctx, self._alias, self._book = ctx, alias, book
        self.round = len(history)  # the sessions of this run: 0 when it is switched on
        self.ns, self.universe = ctx.ns, ctx.universe
        self.value = value
        self.history = history
        self.start_fund = start_fund
        self.events: tuple[MoveEvent, ...] = tuple(
            dataclasses.replace(e, tag=model_of_tag(e.tag)[1]) for e in ctx.events if model_of_tag(e.tag)[0] == alias
        )

    @property
    def time(self) -> pd.Timestamp:
        return self._ctx.time

    @property
    def currency(self) -> str:
        return self._ctx.currency

    @property
    def accounts(self) -> tuple[str, ...]:
        return self._ctx.accounts[:1]

    @property
    def rng(self) -> np.random.Generator:
        return self._ctx.rng

    @property
    def fitted(self) -> object | None:
        """What the live version of this Model learned, if it trains (the engine fits it)."""
        return self._ctx.member_fitted(self._alias)

    @property
    def open_moves(self) -> tuple[MoveSnapshot, ...]:
        return tuple(
            dataclasses.replace(s, tag=model_of_tag(s.tag)[1])
            for s in self._ctx.open_moves
            if model_of_tag(s.tag)[0] == self._alias
        )

    @property
    def fills(self) -> tuple[Fill, ...]:
        return tuple(e for e in self.events if isinstance(e, Fill))

    @property
    def rejections(self) -> tuple[Rejected, ...]:
        return tuple(e for e in self.events if isinstance(e, Rejected))

    def cash(self, account: str | None = None, currency: str | None = None) -> Decimal:
        """The sub-book's cash (in the Game's first account and currency)."""
        return self._book.cash

    def quantity(self, symbol: str, account: str | None = None) -> Decimal:
        return sum(
            (q for (acct, sym), q in self._book.units.items() if sym == symbol and account in (None, acct)), _ZERO
        )

    def open_lots(self, symbol: str, account: str | None = None) -> tuple[OpenLot, ...]:
        """The account's open lots of ``symbol``: shared by every Model of the account."""
        return self._ctx.open_lots(symbol, account)

    @property
    def positions(self) -> Mapping[tuple[str, str], PositionInfo]:
        """The Game's Positions scaled to the units this sub-book holds."""
        shown: dict[tuple[str, str], PositionInfo] = {}
        for key, info in self._ctx.positions.items():
            units = self._book.held(*key)
            if units > 0 and info.quantity > 0:
                part = float(units / info.quantity)
                shown[key] = dataclasses.replace(
                    info, quantity=units, cost=(info.cost * units / info.quantity).quantize(_CENT),
                    value=info.value * part, unrealized=info.unrealized * part, change=info.change * part,
                )  # fmt: skip
        return shown

    @property
    def holdings(self) -> dict[str, Decimal]:
        held: dict[str, Decimal] = {}
        for (_, symbol), units in self._book.units.items():
            held[symbol] = held.get(symbol, _ZERO) + units
        return {symbol: units for symbol, units in held.items() if units}

    def pairs(self, account: str | None = None) -> list[object]:
        return list(self._ctx.pairs(account))


def pending_buys(open_moves: Iterable[MoveSnapshot], universe: UniverseView) -> Decimal:
    """What ``open_moves``' buys may still spend: a notional, or the units left at the latest close."""
    pending = _ZERO
    for state in open_moves:
        if state.side is not Side.BUY:
            continue
        if state.move.notional is not None:
            pending += state.move.notional
        elif state.remaining is not None:
            price = universe.price(state.symbol)
            pending += state.remaining * Decimal(repr(price)) if price == price else _ZERO
    return pending


def translate(
    actions: Iterable[object] | None, ctx: SubContext, book: SubBook, account: str, alias: str
) -> tuple[list[Action], list[str]]:
    """The Game's actions for one Model's ``actions`` (fit to its sub-book), and a note per refusal."""
    out: list[Action] = []
    notes: list[str] = []
    free = book.cash - pending_buys(ctx.open_moves, ctx.universe)
    own = {s.move_id for s in ctx.open_moves}
    for action in actions or ():
        if isinstance(action, Cancel):
            if action.move_id in own:
                out.append(action)
            else:
                notes.append(f"{alias}: cancel of {action.move_id} refused: not one of its open Moves")
            continue
        if isinstance(action, Note):  # its own line of the log, under its name
            out.append(dataclasses.replace(action, text=f"{alias}: {action.text}"))
            continue
        if isinstance(action, Expense):  # the Game's running cost, shared at the Score (activator_books)
            out.append(dataclasses.replace(action, name=f"{alias}-{action.name}", account=account))
            continue
        if not isinstance(action, Move):
            what = type(action).__name__
            notes.append(f"{alias}: {what} refused: a Model under an Activator only places and cancels Moves")
            continue
        problem = _refusal(action, account)
        if problem is not None:
            notes.append(f"{alias}: {action.side} {action.symbol} refused: {problem}")
            continue
        move, free = _fit(action, ctx, book, account, free)
        if move is None:
            continue
        out.append(dataclasses.replace(move, account=account, tag=tag_for(alias, action.tag)))
    return out, notes


def _refusal(move: Move, account: str) -> str | None:
    if move.then is not None:
        return "chained Moves are not played under an Activator"
    if move.lots:
        return "lots are the account's under an Activator (FIFO); a Move may not name them"
    if move.account not in (None, account):
        return f"the Models under an Activator trade in the Game's first account ({account})"
    return None


def _fit(move: Move, ctx: SubContext, book: SubBook, account: str, free: Decimal) -> tuple[Move | None, Decimal]:
    """``move`` fit to the sub-book, and the free cash left after it (None: nothing to trade)."""
    price = ctx.universe.price(move.symbol)
    if price != price or price <= 0:  # no close yet: the engine refuses it with its reason
        return move, free
    close = Decimal(repr(price))
    step = lot_step(ctx.universe.instrument(move.symbol))
    held = book.held(account, move.symbol)
    if move.target_weight is not None:
        wanted = (move.target_weight * Decimal(repr(ctx.value)) / close / step).to_integral_value(ROUND_DOWN) * step
        if wanted > held:
            return _buy(move, (wanted - held) * close, free)
        return _sell(move, held if wanted <= 0 else held - wanted, held), free
    if move.side is Side.SELL:
        if move.sell_all:
            return _sell(move, held, held), free
        units = move.quantity
        if units is None:
            assert move.notional is not None
            units = (move.notional / close / step).to_integral_value(ROUND_DOWN) * step
        return _sell(move, units, held), free
    if move.quantity is not None:
        if move.quantity * close <= free * (1 - CASH_BUFFER):
            return move, free - move.quantity * close
        return _buy(move, move.quantity * close, free)
    assert move.notional is not None
    return _buy(move, move.notional, free)


def _buy(move: Move, amount: Decimal, free: Decimal) -> tuple[Move | None, Decimal]:
    spend = min(amount, free * (1 - CASH_BUFFER)).quantize(_CENT, rounding=ROUND_DOWN)
    if spend <= 0:
        return None, free
    bought = Move.buy(move.symbol, notional=spend, order_type=move.order_type, limit_price=move.limit_price,
                      stop_price=move.stop_price, time_in_force=move.time_in_force, reason=move.reason)  # fmt: skip
    return bought, free - spend


def _sell(move: Move, units: Decimal, held: Decimal) -> Move | None:
    units = min(units, held)
    if units <= 0:
        return None
    return Move.sell(move.symbol, units, order_type=move.order_type, limit_price=move.limit_price,
                     stop_price=move.stop_price, time_in_force=move.time_in_force, reason=move.reason)  # fmt: skip
