"""A tiny text format for lot scenarios, so tax tests read like the domain.

One trade per line, ``#`` starts a comment::

    2024-01-02 IBKR BUY 100 ACME @ 10.00 fee 1.00 lot L1
    2024-03-01 IBKR SELL 40 ACME @ 12.50 lots L1:40
    2024-04-01 CB SELL 0.5 BTC @ 60000 crypto swap S1

The account may be omitted (it defaults to ``A``). Turns the lines into ``Trade`` values and
books them with ``book_trades``, the same path the command line uses.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tradegame.domain.instruments import AssetClass, LotMethod
from tradegame.domain.lots import Disposal, LotBook
from tradegame.domain.trades import Side, Trade, book_trades


def parse(text: str) -> list[Trade]:
    trades = []
    for line in text.strip().splitlines():
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        on = date.fromisoformat(words.pop(0))
        account = words.pop(0) if words[0] not in ("BUY", "SELL") else "A"
        side, quantity, symbol, at, price, *rest = words
        if at != "@":
            raise ValueError(f"expected '@' in {line!r}")
        options: dict[str, str] = {}
        flags = set()
        while rest:
            word = rest.pop(0)
            if word == "crypto":
                flags.add(word)
            else:
                options[word] = rest.pop(0)
        lots = None
        if "lots" in options:
            lots = tuple((lot, Decimal(qty)) for lot, qty in (item.split(":") for item in options["lots"].split(";")))
        trades.append(
            Trade(
                row=len(trades) + 1,
                on=on,
                account=account,
                symbol=symbol,
                side=Side(side.lower()),
                quantity=Decimal(quantity),
                price=Decimal(price),
                fee=Decimal(options.get("fee", "0")),
                asset_class=AssetClass.CRYPTO if "crypto" in flags else AssetClass.EQUITY,
                lot_id=options.get("lot"),
                lots=lots,
                game=options.get("game"),
                swap_id=options.get("swap"),
            )
        )
    return trades


def book(text: str, method: LotMethod = LotMethod.FIFO, *, wash_sales: bool = True) -> LotBook:
    return book_trades(parse(text), method, wash_sales=wash_sales)


def line(d: Disposal) -> tuple[str, str, str, str, str, str, str]:
    """A disposal as (lot, quantity, proceeds, basis, code+adjustment, gain, term) strings."""
    return (
        d.lot_id,
        str(d.quantity),
        str(d.proceeds),
        str(d.cost_basis),
        f"{d.adjustment_code}{d.adjustment_amount}",
        str(d.gain),
        d.term.value,
    )
