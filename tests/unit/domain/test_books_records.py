"""The ledgers ``Books`` keeps as ``RecordLog``s: records built when read, the same as booked."""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tradegame.domain.books_records import CostEntry, DecisionEntry, DecisionRow, RecordLog
from tradegame.domain.errors import InvariantError
from tradegame.domain.instruments import Account, AssetClass, Instrument
from tradegame.domain.money import USD, Money, Price, Quantity
from tradegame.domain.positions import Books

T0 = datetime(2024, 1, 2, 15, tzinfo=UTC)
ACME = Instrument("ACME", AssetClass.EQUITY, USD)


def test_a_record_log_builds_each_record_once_in_the_order_appended() -> None:
    log: RecordLog[DecisionRow, DecisionEntry] = RecordLog(DecisionEntry)
    log.append(("op-1", T0, "buy", "IBKR", "ACME", "cheap", None))
    built = DecisionEntry("op-2", T0, "record-tax", None, "2024", "", None)
    log.add(built)
    first = log.records
    assert first == (DecisionEntry("op-1", T0, "buy", "IBKR", "ACME", "cheap"), built)
    assert first[1] is built
    log.append(("op-3", T0, "sell", "IBKR", "ACME", "dear", "g"))
    again = log.records
    assert len(log) == 3
    assert again[:2] == first and again[0] is first[0]  # kept, not built again
    assert again[2] == DecisionEntry("op-3", T0, "sell", "IBKR", "ACME", "dear", "g")


def test_ledgers_read_between_operations_hold_every_line() -> None:
    books = Books([Account("IBKR", "ibkr", USD)])
    books.deposit("IBKR", Money(Decimal("5000.00"), USD), T0, "start fund")
    usd, price = Money(Decimal("1.00"), USD), Price(Decimal("100.00"), USD)
    books.buy("IBKR", ACME, Quantity(Decimal(10)), price, usd, T0, "cheap")
    assert [c.action for c in books.cost_ledger] == ["buy"]
    assert len(books.entries) == 3
    books.sell("IBKR", ACME, Quantity(Decimal(4)), price, usd, T0, "dear")
    assert [c.action for c in books.cost_ledger] == ["buy", "sell"]
    assert books.cost_ledger[1] == CostEntry(
        "op-000003", T0, "IBKR", "ACME", "sell", Decimal(4), Money(Decimal("400.00"), USD), usd
    )
    assert [d.action for d in books.decision_log] == ["deposit", "buy", "sell"]
    assert [t.op_id for t in books.tax_ledger] == ["op-000003"]
    assert [e.narration for e in books.entries_for("op-000003")] == [
        "sell 4 ACME @ 100.00 fee 1.00",
        "sweep ACME proceeds to IBKR cash",
    ]
    assert books.position("IBKR", "ACME").quantity == Decimal(6)


def test_a_copied_or_unpickled_record_log_appends_to_its_own_lines() -> None:
    log: RecordLog[DecisionRow, DecisionEntry] = RecordLog(DecisionEntry)
    log.append(("op-1", T0, "buy", "IBKR", "ACME", "cheap", None))
    for other in (copy.deepcopy(log), pickle.loads(pickle.dumps(log))):
        assert other.records == log.records
        other.append(("op-2", T0, "sell", "IBKR", "ACME", "dear", None))
        assert len(other.records) == len(other) == 2
        assert len(log.records) == len(log) == 1


def test_lines_appended_and_records_added_read_back_in_order_between_reads() -> None:
    log: RecordLog[DecisionRow, DecisionEntry] = RecordLog(DecisionEntry)
    rows = [(f"op-{i}", T0, "buy", "IBKR", "ACME", f"reason {i}", None) for i in range(1, 6)]
    log.append(rows[0])
    assert log.records == (DecisionEntry(*rows[0]),)  # read once: the first line is built
    log.add(DecisionEntry(*rows[1]))  # a record built already, between lines
    log.append(rows[2])
    log.add(DecisionEntry(*rows[3]))
    assert log.lines() == [rows[0], DecisionEntry(*rows[1]), rows[2], DecisionEntry(*rows[3])]
    log.append(rows[4])
    assert log.records == tuple(DecisionEntry(*row) for row in rows)
    assert len(log) == 5


def test_a_log_of_fixed_width_reads_its_lines_back_and_takes_no_built_record() -> None:
    log: RecordLog[DecisionRow, DecisionEntry] = RecordLog(DecisionEntry, width=7)
    rows = [(f"op-{i}", T0, "buy", "IBKR", "ACME", f"reason {i}", None) for i in range(1, 4)]
    log.append(rows[0])
    assert log.records == (DecisionEntry(*rows[0]),) and len(log) == 1
    log.append(rows[1])
    with pytest.raises(InvariantError, match="7 fields"):
        log.add(DecisionEntry(*rows[2]))
    assert log.lines() == rows[:2] and len(log) == 2  # nothing added
    for other in (copy.deepcopy(log), pickle.loads(pickle.dumps(log))):
        other.append(rows[2])
        assert other.records == tuple(DecisionEntry(*row) for row in rows) and len(other) == 3
    assert len(log) == 2


def test_a_log_reads_one_field_of_every_line_or_the_lines_whose_field_is_a_value() -> None:
    fixed: RecordLog[DecisionRow, DecisionEntry] = RecordLog(DecisionEntry, width=7)
    rows = [(f"op-{i}", T0, "buy" if i % 2 else "sell", "IBKR", "ACME", f"reason {i}", None) for i in range(1, 5)]
    for row in rows:
        fixed.append(row)
    assert fixed.column(0) == ["op-1", "op-2", "op-3", "op-4"] and fixed.column(2) == ["buy", "sell"] * 2
    with pytest.raises(InvariantError, match="fixed width"):
        fixed.lines_where(2, "buy")
    log: RecordLog[DecisionRow, DecisionEntry] = RecordLog(DecisionEntry)
    sell, built = rows[1][2], DecisionEntry("op-9", T0, "buy", None, None, "")
    log.append(rows[0])
    log.append(rows[1])
    log.add(built)
    log.append(rows[3])
    assert log.lines_where(2, sell) == [rows[1], built, rows[3]]  # a record added built is always kept
    with pytest.raises(InvariantError, match="fixed width"):
        log.column(0)
