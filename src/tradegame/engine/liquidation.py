"""The end of a Game: every Position sold, every currency converted back, every year's tax
recorded, and the Score.

The end's sales are market Moves decided at the last Round and filled by the Game's fill rule:
at the next bar's open under next-open fills (corporate actions of that bar first), at the close
just seen under ``fill_at = "close"`` or when the data holds no later bar for the symbol; the
decision log (``liquidated``) says which. They take the whole bar: their ``FillPolicy`` lifts the
volume caps. Imports the domain and the engine's execution, routes and score; game.py only for
its type.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from tradegame.domain.errors import InvalidInputError
from tradegame.domain.money import Money
from tradegame.engine.clock import booking_time
from tradegame.engine.context import chain_along
from tradegame.engine.events import EventKind as Kind
from tradegame.engine.execution import FillPolicy
from tradegame.engine.fills import fill_fee
from tradegame.engine.moves import Move, MoveState, MoveStatus, Side
from tradegame.engine.routes import find_route
from tradegame.engine.score import Score, score_of
from tradegame.engine.timestamps import iso_from_ns, utc_from_ns
from tradegame.engine.universe import currency_of

if TYPE_CHECKING:
    from tradegame.engine.game import Game

__all__ = ["AT_LAST_CLOSE", "AT_NEXT_OPEN", "Liquidation"]

AT_NEXT_OPEN = FillPolicy(at_close=False, volume_cap=False)  # the end's sales on the bars after the last Round
AT_LAST_CLOSE = FillPolicy(at_close=True, volume_cap=False)  # ... or at the close just seen
_ZERO = Decimal(0)


class Liquidation:
    """Closes a Game's books at its end."""

    def __init__(self, game: Game) -> None:
        self._game = game

    def run(self, ns: int) -> int:
        """Sell every Position and convert every currency back; returns when the books closed.

        The sales are market Moves decided at the last Round (``ns``) and filled by the Game's fill
        rule: at the next bar's open under next-open fills (corporate actions of that bar first),
        with the account's slippage and fees; at the close just seen under ``fill_at = "close"``,
        or when the data holds no later bar for the symbol (the decision log says which)."""
        game = self._game
        game.clock.now_ns = ns
        game.replay_to(game.panel.rows_known_at(ns))
        game.orders.cancel_all("game over")
        game.transfers.arrive(len(game.times), "game over")  # what is still in transit arrives now
        orders = []
        for (account, asset), quantity in sorted(game.holdings.held.items()):
            if quantity <= 0:
                continue
            move = self._move(account, asset, quantity)
            size = move.quantity if move.side is Side.SELL else None
            orders.append(MoveState(f"L-{account}-{asset}", move, account, game.clock.round, ns, size, move.side))
        if orders and game.spec.fill_at == "next_open":
            orders = self._at_next_open(orders, ns)
        for state in orders:  # fill at the close just seen
            self._at_last_close(state, float(game.valuation.last_price[game.column[state.move.symbol]]), ns)
        last = game.books.last_timestamp
        closed = max(ns, game.clock.now_ns, 0 if last is None else int(last.timestamp()) * 1_000_000_000)
        game.clock.now_ns = closed
        game.running.pay()
        self._convert_all(closed)
        game.running.pay()
        owed = game.books.payables()
        if owed:
            detail = ", ".join(f"{account} {amount} {code}" for (account, code), amount in owed.items())
            game.log.event(Kind.OWED, None, None, None, f"still owed at the end, counted in the score: {detail}")
        if game.spec.tax is not None:
            first_year, last_year = utc_from_ns(int(game.times[0])).year, utc_from_ns(closed).year
            for year in range(first_year, last_year + 1):
                game.books.record_tax(year, game.spec.tax, booking_time(game.books, closed), f"tax for {year}")
        return closed

    def _move(self, account: str, asset: str, quantity: Decimal) -> Move:
        """The end's sale of ``quantity`` of ``asset``: on the pair that values it when that pair is
        quoted in a currency (the proceeds' currency is converted afterwards), else (a coin held only
        through a cross pair) along the cheapest route of the Game's pairs to the Game currency: for
        its quote, then that."""
        game = self._game
        symbol = game.panel.symbols[game.assets.value_column[asset]]
        if game.universe.instruments[symbol].is_cross:
            try:
                route = find_route(game.pairs(account), asset, game.currency.code)
            except InvalidInputError:  # no route within the leg limit: sell for the quote asset
                route = None
            if route is not None and route.legs:
                return chain_along(route, quantity, account=account, reason="liquidation")
        return Move.sell(symbol, quantity, account=account, reason="liquidation")

    def _at_next_open(self, orders: list[MoveState], ns: int) -> list[MoveState]:
        """Fill the end's sales on the bars after ``ns``, as any market Move; returns those left unfilled
        (no later bar for their symbol)."""
        game = self._game
        pending = list(orders)
        for row in range(game.clock.row, game.panel.rows):
            if not pending:
                break
            when = int(game.universe.fill_times[row])
            if when < ns:
                continue  # opened before the end was decided (a Round inside this bar)
            game.clock.now_ns = when
            if row in game.actions:
                game.corporate.apply(row, game.actions[row])
            game.orders.open = pending
            game.execution.match_row(row, AT_NEXT_OPEN, only=pending)
            game.orders.open = []
            for state in pending:
                if state.status is MoveStatus.FILLED:
                    bar = game.execution.bar(row, game.column[state.move.symbol])  # close-only data: the next close
                    where = (
                        f"next close, {iso_from_ns(int(game.panel.available[row]))}"
                        if bar.close_only
                        else (f"next open, {iso_from_ns(when)}")
                    )
                    game.log.event(Kind.LIQUIDATED, state.move_id, state.account, state.move.symbol,
                                   f"{state.filled} at the {where}")  # fmt: skip
            pending = [state for state in pending if state.status is MoveStatus.OPEN]
        game.clock.now_ns = max(game.clock.now_ns, ns)
        return pending

    def _at_last_close(self, state: MoveState, price: float, ns: int) -> None:
        game = self._game
        row = max(game.clock.row - 1, 0)
        game.execution.execute(state, row, price, False, ns, AT_LAST_CLOSE)
        if state.status is MoveStatus.FILLED:
            where = "at the close" if game.spec.fill_at == "close" else "at the last close: no later bar in the data"
            game.log.event(Kind.LIQUIDATED, state.move_id, state.account, state.move.symbol, f"{state.filled} {where}")

    def _convert_all(self, ns: int) -> None:
        game = self._game
        code_to = game.currency.code
        for (account, code), amount in sorted(game.books.cash_balances().items()):
            if code == code_to or amount <= 0:
                continue
            give_currency = currency_of(code)
            rate = game.rates.decimal_now(code, code_to)
            fee = fill_fee(game.accounts[account].fees, amount, Decimal(1), False, give_currency)
            give = Money(amount - fee.amount, give_currency)
            get = Money(game.currency.round(give.amount * rate), game.currency)
            if give.amount <= 0 or get.amount <= 0:
                continue
            op = game.books.convert(account, give, get, fee, utc_from_ns(ns), f"liquidation: {code} to {code_to}")
            game.log.event(Kind.CONVERTED, None, account, f"{code}{code_to}", f"{give} -> {get}", (op,))

    def score(self, ns: int, start_capital: Decimal) -> Score:
        """The Score in the Game currency: each fee, running cost and tax converted at the rate known
        when it was booked, what is still owed at the rate known at the end."""
        game = self._game
        books, in_game = game.books, game.rates.in_game_currency
        code = game.currency.code
        final = sum((amount for (_, ccy), amount in books.cash_balances().items() if ccy == code), _ZERO)
        end = utc_from_ns(ns)
        for (_, currency_code), amount in books.payables().items():  # still owed at the end: a debt
            final -= in_game(currency_code, amount, end)
        fees = game.rates.total_in_game_currency(*books.fees_paid())
        running = _ZERO
        for name in game.running.names():
            for line in books.running_cost(name).currency_ledger:
                running += in_game(line.commodity, line.units, line.timestamp)
        taxes = sum((in_game(tax.currency.code, tax.amount, ts) for tax, ts in books.taxes_due()), _ZERO)
        return score_of(start_capital, final, fees, running, taxes)
