"""Cash moved by the Model between accounts and currencies: Transfers along the Game's transfer
rules (sent now, arriving after the rule's delay in Rounds) and Converts at the rate known now.

A refused Transfer or Convert is logged and told to the Model (log.EventLog.refuse). Imports the
domain's money and the engine's moves, events and fills; game.py only for its type.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from tradegame.domain.errors import TradegameError
from tradegame.domain.money import Money
from tradegame.engine.events import EventKind as Kind
from tradegame.engine.events import RejectReason as Why
from tradegame.engine.events import reason_for
from tradegame.engine.fills import fill_fee
from tradegame.engine.moves import Convert, Transfer
from tradegame.engine.timestamps import utc_from_ns
from tradegame.engine.universe import currency_of

if TYPE_CHECKING:
    from tradegame.engine.game import Game

__all__ = ["Transfers"]


class Transfers:
    """The Game's cash in transit: (Round it arrives, the Transfer, its currency code)."""

    def __init__(self, game: Game) -> None:
        self._game = game
        self.transit: list[tuple[int, Transfer, str]] = []

    def send(self, transfer: Transfer) -> None:
        """Send ``transfer`` along its rule (refused when no rule joins its accounts)."""
        game = self._game
        rule = next(
            (r for r in game.spec.transfers if r.source == transfer.source and r.target == transfer.target), None
        )
        if rule is None:
            why = f"no transfer rule {transfer.source}->{transfer.target}"
            game.log.refuse(Why.NO_TRANSFER_RULE, why, transfer.source)
            return
        currency = currency_of(game.accounts[transfer.source].currency)
        try:
            op = game.books.send_transfer(
                transfer.source,
                transfer.target,
                Money(currency.round(transfer.amount), currency),
                Money(currency.round(rule.fee), currency),
                utc_from_ns(game.clock.now_ns),
                transfer.reason,
            )
        except TradegameError as error:
            game.log.refuse(reason_for(error), f"transfer: {error}", transfer.source)
            return
        detail = f"{transfer.amount} to {transfer.target}"
        game.log.event(Kind.TRANSFER_OUT, None, transfer.source, None, detail, (op,))
        arrive = game.clock.round + rule.delay_rounds
        self.transit.append((arrive, replace(transfer, amount=currency.round(transfer.amount)), currency.code))
        if rule.delay_rounds == 0:
            self.arrive(game.clock.round)

    def arrive(self, index: int, reason: str | None = None) -> None:
        """Book the transfers due by Round ``index`` as arrived (``reason`` overrides their own)."""
        game = self._game
        due = [item for item in self.transit if item[0] <= index]
        self.transit = [item for item in self.transit if item[0] > index]
        for _, transfer, currency in due:
            op = game.books.receive_transfer(
                transfer.source,
                transfer.target,
                Money(transfer.amount, currency_of(currency)),
                utc_from_ns(game.clock.now_ns),
                transfer.reason if reason is None else reason,
            )
            game.log.event(Kind.TRANSFER_IN, None, transfer.target, None, f"{transfer.amount} {currency}", (op,))
            game.running.pay()

    def convert(self, action: Convert) -> None:
        """Exchange currencies in one account at the rate known now, with the account's fee."""
        game = self._game
        if action.account not in game.accounts:
            game.log.refuse(Why.UNKNOWN_ACCOUNT, f"convert: no account {action.account!r}", action.account)
            return
        give, get = currency_of(action.give), currency_of(action.get)
        try:
            rate = game.rates.decimal_now(action.give, action.get)
            amount = give.round(action.amount)
            fee = fill_fee(game.accounts[action.account].fees, amount, Decimal(1), False, give)
            op = game.books.convert(
                action.account,
                Money(amount, give),
                Money(get.round(amount * rate), get),
                fee,
                utc_from_ns(game.clock.now_ns),
                action.reason or f"convert {action.give} to {action.get}",
            )
        except TradegameError as error:
            game.log.refuse(reason_for(error), f"convert: {error}", action.account, f"{action.give}{action.get}")
            return
        pair = f"{action.give}{action.get}"
        game.log.event(Kind.CONVERTED, None, action.account, pair, f"{amount} at {rate}", (op,))
        game.running.pay()
