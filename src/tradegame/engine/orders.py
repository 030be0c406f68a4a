"""The Model's orders: its actions taken each Round, the Moves placed, kept open, expired,
cancelled, rejected and chained.

``decide`` calls the Model and takes its actions in order: a Move is checked and placed (or
refused with a reason, which the Model is told at its next Round), a Cancel closes an open Move,
a Transfer or Convert goes to transfers.py,
an Expense to running.py, a Note to the decision log, an EndGame ends the Game after this Round. When a
Move is done, ``finish`` places the next leg of its chain, sized by what the leg delivered; a
chained market leg trades on the same bar, right after the leg before it. Moves are frozen
values: the engine keeps the Model's own objects (a split replaces a Move, never changes it).

Imports the engine's moves, events, context and fills; game.py only for its type.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING

from tradegame.domain.errors import TradegameError
from tradegame.engine.context import RoundContext
from tradegame.engine.events import Cancelled, Expired, Rejected
from tradegame.engine.events import EventKind as Kind
from tradegame.engine.events import RejectReason as Why
from tradegame.engine.execution import FillPolicy, price_unit
from tradegame.engine.moves import (
    Cancel,
    Convert,
    EndGame,
    Expense,
    Move,
    MoveState,
    MoveStatus,
    Note,
    OrderType,
    Side,
    Transfer,
)
from tradegame.engine.timestamps import utc_from_ns
from tradegame.engine.universe import currency_of

if TYPE_CHECKING:
    from tradegame.engine.game import Game

__all__ = ["ModelError", "Orders"]

_ZERO = Decimal(0)
# The member read for every open Move, held here: in Python 3.11 reading an enum
# member from its class (``MoveStatus.OPEN``) costs about ten times a global's read.
_OPEN = MoveStatus.OPEN


class ModelError(TradegameError):
    """The Model raised an exception while deciding; the Game stops."""


class Orders:
    """The Game's open Moves (``open``, in the order they were placed) and the id counter."""

    def __init__(self, game: Game) -> None:
        self._game = game
        self.open: list[MoveState] = []
        self._count = 0
        # What does not change in a Game is checked once: the (account, symbol) pairs ``_untradable``
        # passed, and (``_routed``) the account of each symbol whose Moves name none, once its pair passed.
        self._tradable: set[tuple[str, str]] = set()
        self._routed: dict[str, str] = {}
        self._log, self._clock = game.log, game.clock  # the Game's own, for the whole Game
        self._holdings, self._column, self._instruments = game.holdings, game.column, game.universe.instruments

    def decide(self, ctx: RoundContext) -> str | None:
        """Ask the Model for its actions at this Round and take them; the reason of an EndGame, or None."""
        game = self._game
        try:
            actions = game.model.decide(ctx)
        except Exception as error:  # a Model's bug ends the Game with a clear error, not a half-booked state
            name = getattr(game.model, "name", type(game.model).__name__)
            raise ModelError(f"model {name} failed at round {ctx.round} ({ctx.time.isoformat()}): {error!r}") from error
        if not actions:
            return None
        ended: str | None = None
        placed: list[MoveState] = []
        moves: list[Move] = []  # the Moves in a row not yet placed: placed together, in order
        for action in actions:
            if isinstance(action, Move):
                moves.append(action)  # frozen: the Model's object cannot be changed through it
                continue
            if moves:
                placed += self.place(moves, ctx.ns)
                moves = []
            if isinstance(action, Cancel):
                self._cancel(action)
            elif isinstance(action, EndGame):
                ended = action.reason or "no reason given"
            elif isinstance(action, Transfer):
                game.transfers.send(action)
            elif isinstance(action, Convert):
                game.transfers.convert(action)
            elif isinstance(action, Expense):
                self._expense(action)
            elif isinstance(action, Note):
                game.log.event(Kind.NOTE, None, None, action.symbol, str(action.text)[:2000])
            else:
                game.log.refuse(Why.NOT_AN_ACTION, f"not an action: {type(action).__name__}")
        if moves:
            placed += self.place(moves, ctx.ns)
        if placed and game.spec.fill_at == "close" and game.clock.row:
            game.execution.match_row(game.clock.row - 1, FillPolicy(at_close=True), only=placed)
        self.open = [m for m in self.open if m.status is _OPEN]
        return ended

    def _expense(self, expense: Expense) -> None:
        game = self._game
        account = game.spec.accounts[0].name if expense.account is None else expense.account
        if account not in game.accounts:
            game.log.refuse(Why.UNKNOWN_ACCOUNT, f"expense {expense.name}: no account {account!r}", account)
            return
        game.running.expense(expense, account, currency_of(game.accounts[account].currency))

    def accept(self, move: Move, now_ns: int, chain_root: str | None = None) -> MoveState | None:
        """Place ``move`` (give it an id and log it), or refuse it with a reason; the state if placed."""
        placed = self.place((move,), now_ns, chain_root)
        return placed[0] if placed else None

    def place(self, moves: Iterable[Move], now_ns: int, chain_root: str | None = None) -> list[MoveState]:
        """``accept`` each of ``moves`` in order; the states of those placed. What is the same for every
        Move of the batch (the Round, the log) is read once, what is the same for every Move on a symbol
        (its account, whether it trades there) once per Game."""
        log, routed, tradable, placed_line = self._log, self._routed, self._tradable, self._log.placed
        round_index = self._clock.round
        out: list[MoveState] = []
        for move in moves:
            self._count += 1
            move_id = "m" + str(self._count).zfill(5)  # f"m{count:05d}" (count >= 1), sooner
            symbol = move.symbol
            account = move.account or routed.get(symbol)
            problem = None  # why it is refused (a reason code and a message), or None
            if account is None or (move.account is not None and (account, symbol) not in tradable):
                account, problem = self._account_of(move)  # not checked yet (or refused before)
            if problem is None and move.quantity is not None:  # sized at the fill: nothing more to check now
                problem = self._quantity_problem(move, account)
            if move.tag:
                log.tag(move_id, move.tag)
            state = MoveState(move_id, move, account, round_index, now_ns, move.quantity, move.side)
            if chain_root is not None:  # a later leg of a chain (the first is its own root)
                state.chain_root = chain_root
            if move.sell_all:
                known = symbol in self._column
                state.quantity = self._holdings.of(account, self._instruments[symbol]) if known else _ZERO
                if not state.quantity:
                    problem = problem or (Why.INSUFFICIENT_HOLDINGS, f"sell_all of {symbol}: {account} holds none")
            if problem:
                self._refuse(state, problem, chain_root)
                continue
            placed_line(move_id, account, move)
            self.open.append(state)
            out.append(state)
        return out

    def _refuse(self, state: MoveState, problem: tuple[Why, str], chain_root: str | None) -> None:
        """Refuse ``state`` when placed: log it, tell the Model, and stop its chain."""
        state.status = MoveStatus.REJECTED
        self._log.event(Kind.REJECTED, state.move_id, state.account, state.move.symbol, problem[1])
        self._log.tell(state, *problem)
        if chain_root is not None or state.move.then is not None:
            self.finish(state)

    def _account_of(self, move: Move) -> tuple[str, tuple[Why, str] | None]:
        """The account ``move`` trades in (the one it names, else ``spec.account_for``'s) and why no
        Move on its symbol can be placed there, or None (then the account is remembered)."""
        symbol = move.symbol
        account = move.account or self._game.spec.account_for(symbol).name
        problem = self._untradable(symbol, account)
        if problem is None and move.account is None:
            self._routed[symbol] = account
        return account, problem

    def _quantity_problem(self, move: Move, account: str) -> tuple[Why, str] | None:
        """Why ``move``, sized by its quantity, is refused when placed, or None."""
        symbol, quantity = move.symbol, move.quantity
        assert quantity is not None
        instrument = self._instruments[symbol]
        if move.side is Side.SELL:
            held = self._holdings.of(account, instrument)
            if quantity > held:
                return Why.INSUFFICIENT_HOLDINGS, f"sell of {quantity} {symbol} but {account} holds {held}"
        if not instrument.fractional and quantity % instrument.lot_size:
            lots = f"{symbol}: quantity {quantity} is not a multiple of lot size {instrument.lot_size}"
            return Why.NOT_LOT_MULTIPLE, lots
        return None

    def _untradable(self, symbol: str, account: str) -> tuple[Why, str] | None:
        """Why no Move on ``symbol`` can be placed in ``account`` in this Game, or None (then the pair
        is remembered in ``_tradable``: what does not change in a Game is checked once)."""
        game = self._game
        if account not in game.accounts:
            return Why.UNKNOWN_ACCOUNT, f"no account {account!r}"
        if symbol not in game.column:
            return Why.UNKNOWN_SYMBOL, f"unknown symbol {symbol!r}"
        if symbol not in game.allowed:
            listed = not game.spec.symbols or symbol in game.spec.symbols
            why = Why.NOT_ALLOWED_ASSET_CLASS if listed else Why.NOT_ALLOWED_SYMBOL
            return why, f"{symbol} is not allowed in this Game"
        spec_account = game.accounts[account]
        if spec_account.symbols and symbol not in spec_account.symbols:
            return Why.NOT_TRADED_IN_ACCOUNT, f"account {account} does not trade {symbol}"
        self._tradable.add((account, symbol))
        return None

    def _cancel(self, action: Cancel) -> None:
        game = self._game
        for state in self.open:
            if state.move_id == action.move_id and state.status is MoveStatus.OPEN:
                state.status = MoveStatus.CANCELLED
                why = f"{action.reason or 'by the model'}; filled {state.filled}"
                game.log.event(Kind.CANCELLED, state.move_id, state.account, state.move.symbol, why)
                game.log.inbox.append(Cancelled(state.move_id, state.move.tag, state.move.symbol, state.account,
                                                state.side, state.filled, state.remaining, why,
                                                utc_from_ns(game.clock.now_ns)))  # fmt: skip
                self.finish(state)
                return
        game.log.refuse(Why.NO_OPEN_MOVE, f"cancel: no open move {action.move_id}", move_id=action.move_id)

    def continued(self) -> None:
        """Log every Move still open after the Model's turn that it kept from an earlier Round."""
        now, log = self._clock.round, self._log
        for state in self.open:
            if state.placed_round < now:
                log.event(Kind.CONTINUED, state.move_id, state.account, state.move.symbol, f"filled {state.filled}")

    def expire(self, index: int) -> None:
        """Expire the Moves whose time in force ran out by Round ``index``."""
        game = self._game
        for state in self.open:
            if state.status is not _OPEN or state.placed_round >= index:
                continue
            state.rounds_seen += 1
            tif = state.move.time_in_force
            if tif == "round" or (isinstance(tif, int) and state.rounds_seen >= tif):
                state.status = MoveStatus.EXPIRED
                game.log.event(Kind.EXPIRED, state.move_id, state.account, state.move.symbol, f"filled {state.filled}")
                game.log.inbox.append(
                    Expired(state.move_id, state.move.tag, state.move.symbol, state.account, state.side, state.filled,
                            state.remaining, utc_from_ns(game.clock.now_ns))
                )  # fmt: skip
                self.finish(state)
        self.open = [m for m in self.open if m.status is _OPEN]

    def cancel_all(self, why: str) -> None:
        """Cancel every open Move (the end of the Game), logged but not told."""
        for state in self.open:
            state.status = MoveStatus.CANCELLED
            self._game.log.event(Kind.CANCELLED, state.move_id, state.account, state.move.symbol, why)
        self.open = []

    def reject(self, state: MoveState, reason: Why, why: str) -> None:
        """Refuse ``state`` at its fill: log it, tell the Model, and stop its chain."""
        state.status = MoveStatus.REJECTED
        state.note = why
        self._game.log.event(Kind.REJECTED, state.move_id, state.account, state.move.symbol, why)
        self._game.log.tell(state, reason, why)
        self.finish(state)

    def finish(self, state: MoveState, row: int | None = None, policy: FillPolicy | None = None) -> None:
        """A Move is done (filled, expired, cancelled, rejected): start the next leg of its chain; a
        market leg trades on ``row`` (the bar the Move filled on), by the same ``policy``."""
        following = state.move.then
        if following is None:
            return
        game = self._game
        if not state.filled:  # rejected, expired, cancelled or nothing to trade: nothing was delivered
            why = f"leg {state.move.symbol} ended {state.status.value} with nothing filled"
            game.log.event(Kind.CHAIN_STOPPED, state.move_id, state.account, following.symbol, why)
            game.log.inbox.append(Rejected(None, following.tag, following.symbol, following.account or state.account,
                                           following.side, Why.CHAIN_STOPPED, why,
                                           utc_from_ns(game.clock.now_ns)))  # fmt: skip
            return
        following = self._sized_by_delivery(state, following)
        placed = self.accept(following, game.clock.now_ns, chain_root=state.chain_root or state.move_id)
        if placed is not None and row is not None and following.order_type is OrderType.MARKET:
            # A chained market leg trades on the same bar, right after the leg before it.
            assert policy is not None
            game.execution.match_row(row, policy, only=[placed])

    def _sized_by_delivery(self, state: MoveState, following: Move) -> Move:
        """The next leg of a chain, sized by what ``state`` actually delivered: a sale delivers its
        quote (the proceeds, fees out), a purchase its base (the units bought). A buy paid with that
        asset spends all of it (its notional); a sell of that asset sells all of it. A leg that
        trades something else keeps its own size."""
        game = self._game
        instrument = game.universe.instruments[state.move.symbol]
        if state.side is Side.SELL:
            delivered, amount = instrument.quote_asset, price_unit(instrument).round(state.fill_value - state.fees)
        else:
            delivered, amount = instrument.base_asset, state.filled
        if following.symbol not in game.column:
            return following
        target = game.universe.instruments[following.symbol]
        if following.side is Side.BUY and target.quote_asset == delivered:
            return replace(following, quantity=None, notional=amount, target_weight=None, sell_all=False)
        if following.side is Side.SELL and target.base_asset == delivered:
            step = game.execution.step(target)
            units = (amount / step).to_integral_value(ROUND_DOWN) * step
            return replace(following, quantity=units, notional=None, target_weight=None, sell_all=False, lots=())
        return following
