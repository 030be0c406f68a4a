"""A walk through one owner's books: fund, buy, dividend, running cost, sell, tax.

Run it with ``.venv/bin/python examples/books_walkthrough.py``; the tests run it too. It prints
each ledger of the ACME position, linked by operation id, and checks the journal balances.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from tradegame.domain.instruments import Account, AssetClass, Instrument
from tradegame.domain.money import USD, Money, Price, Quantity
from tradegame.domain.positions import Books, replay
from tradegame.domain.running_costs import Monthly, RunningCost
from tradegame.domain.tax import TaxProfile


def at(month: int, day: int) -> datetime:
    return datetime(2024, month, day, 15, 0, tzinfo=UTC)


def main() -> Books:
    acme = Instrument("ACME", AssetClass.EQUITY, USD)
    books = Books([Account("IBKR", "interactive-brokers", USD)])
    books.deposit("IBKR", Money.of("10000.00", USD), at(1, 2), "Start Fund")
    books.buy("IBKR", acme, Quantity(Decimal(10)), Price(Decimal("100.00"), USD), Money.of("1.00", USD), at(1, 3),
              "SMA crossover turned up")  # fmt: skip
    data_feed = RunningCost("data-feed", Money.of("29.99", USD), Monthly(date(2024, 1, 31)))
    books.book_running_costs("IBKR", data_feed, date(2024, 1, 1), date(2024, 3, 31), reason="subscription")
    books.dividend("IBKR", acme, Money.of("4.20", USD), at(4, 15), "quarterly dividend")
    books.sell("IBKR", acme, Quantity(Decimal(10)), Price(Decimal("120.00"), USD), Money.of("1.00", USD), at(6, 3),
               "SMA crossover turned down")  # fmt: skip
    books.record_tax(2024, TaxProfile.flat("0.24", "0.15"), at(12, 31), "year-end estimate")

    position = books.position("IBKR", "ACME")
    print("ACME asset ledger:")
    for line in position.asset_ledger:
        print(f"  {line.op_id} {line.kind:<5} {line.units:>6} units, book value {line.value}")
    print("ACME currency ledger:")
    for line in position.currency_ledger:
        print(f"  {line.op_id} {line.kind:<8} {line.units:>9} {line.commodity}")
    print("ACME cost ledger:", [(c.op_id, str(c.fee)) for c in position.cost_ledger])
    print("ACME tax ledger:", [(t.op_id, t.kind.value, str(t.amount)) for t in position.tax_ledger])
    print("ACME decision log:", [(d.op_id, d.action, d.reason) for d in position.decision_log])
    running = books.running_cost("data-feed")
    print(
        "data-feed charged:", dict(running.total), "on", [d.timestamp.date().isoformat() for d in running.decision_log]
    )
    print("cash:", books.cash("IBKR", USD), "| tax ledger total:",
          sum((t.amount.amount for t in books.tax_ledger if t.kind.value == "tax-due"), Decimal(0)))  # fmt: skip
    if replay(books.entries) != books.state():
        raise SystemExit("replaying the journal did not give the live state")
    return books


if __name__ == "__main__":
    main()
