"""Wash-sale edge cases on hand-worked numbers."""

from datetime import date
from decimal import Decimal

from tests.scenario import book, line


def test_a_purchase_in_the_30_days_before_the_loss_replaces_it() -> None:
    lots = book("""
    2024-01-02 BUY 100 X @ 50.00 lot L1
    2024-01-20 BUY 100 X @ 40.00 lot L2
    2024-01-25 SELL 100 X @ 30.00      # FIFO sells L1 at a 2000 loss; L2 replaces it
    """)
    assert [line(d) for d in lots.disposals] == [("L1", "100", "3000.00", "5000.00", "W2000.00", "0.00", "short")]
    (l2,) = lots.open_lots()
    assert (l2.lot_id, l2.cost_basis, l2.date_acquired) == ("L2", Decimal("6000.00"), date(2023, 12, 28))


def test_day_30_after_washes_and_day_31_does_not() -> None:
    day_30 = book("""
    2024-01-02 BUY 10 X @ 10.00
    2024-03-01 SELL 10 X @ 9.00
    2024-03-31 BUY 10 X @ 9.00
    """)
    day_31 = book("""
    2024-01-02 BUY 10 X @ 10.00
    2024-03-01 SELL 10 X @ 9.00
    2024-04-01 BUY 10 X @ 9.00
    """)
    assert day_30.disposals[0].adjustment_amount == Decimal("10.00")
    assert day_31.disposals[0].adjustment_code == ""


def test_shares_sold_in_the_same_sale_do_not_replace_each_other() -> None:
    lots = book("""
    2024-01-02 BUY 10 X @ 20.00 lot L1
    2024-01-10 BUY 10 X @ 18.00 lot L2
    2024-01-15 SELL 20 X @ 15.00        # both lots at a loss, sold together: no replacement
    """)
    assert [d.adjustment_code for d in lots.disposals] == ["", ""]
    assert sum(d.gain for d in lots.disposals) == Decimal("-80.00")


def test_the_unsold_rest_of_the_same_purchase_is_not_its_own_replacement() -> None:
    lots = book("""
    2024-01-02 BUY 100 X @ 20.00 lot L1
    2024-01-15 SELL 40 X @ 15.00
    """)
    assert lots.disposals[0].adjustment_code == ""
    assert lots.disposals[0].gain == Decimal("-200.00")


def test_each_replacement_share_is_used_once_oldest_loss_first() -> None:
    lots = book("""
    2023-12-01 B BUY 10 X @ 30.00 lot B1  # too early to replace A1's loss
    2024-01-02 A BUY 10 X @ 20.00 lot A1  # sold again before B's loss: not its replacement
    2024-02-01 A SELL 10 X @ 15.00      # loss 50
    2024-02-02 B SELL 10 X @ 15.00      # loss 150
    2024-02-10 A BUY 15 X @ 16.00 lot R # replaces all 10 of A1's loss and 5 of B1's
    """)
    assert [line(d) for d in lots.disposals] == [
        ("A1", "10", "150.00", "200.00", "W50.00", "0.00", "short"),
        ("B1", "10", "150.00", "300.00", "W75.00", "-75.00", "short"),
    ]
    pieces = [(lot.lot_id, lot.quantity, lot.cost_basis, lot.date_acquired) for lot in lots.open_lots()]
    assert pieces == [
        ("R", 10, Decimal("210.00"), date(2024, 1, 11)),  # 160 + 50; held 30 days before
        ("R", 5, Decimal("155.00"), date(2023, 12, 9)),  # 80 + 75; B1 held 63 days
    ]


def test_a_replacement_in_another_account_washes_the_loss() -> None:
    lots = book("""
    2024-01-02 Taxable BUY 10 X @ 20.00
    2024-02-01 Taxable SELL 10 X @ 15.00
    2024-02-05 Other BUY 10 X @ 14.00 lot R
    """)
    assert lots.disposals[0].adjustment_amount == Decimal("50.00")
    assert lots.open_lots()[0].cost_basis == Decimal("190.00")


def test_gains_never_wash_and_crypto_never_washes() -> None:
    gain = book("""
    2024-01-02 BUY 10 X @ 10.00
    2024-02-01 SELL 10 X @ 12.00
    2024-02-02 BUY 10 X @ 12.00
    """)
    crypto = book("""
    2024-01-02 BUY 1 BTC @ 40000.00 crypto
    2024-02-01 SELL 1 BTC @ 35000.00 crypto
    2024-02-02 BUY 1 BTC @ 35000.00 crypto
    """)
    assert gain.disposals[0].adjustment_code == ""
    assert crypto.disposals[0].gain == Decimal("-5000.00")
    assert crypto.disposals[0].adjustment_code == ""


def test_a_washed_replacement_sold_at_a_loss_is_washed_again() -> None:
    lots = book("""
    2024-01-02 BUY 10 X @ 20.00 lot L1
    2024-02-01 SELL 10 X @ 15.00          # loss 50 -> L2
    2024-02-05 BUY 10 X @ 15.00 lot L2    # basis 200
    2024-03-01 SELL 10 X @ 14.00          # loss 60 (incl. the carried 50) -> L3
    2024-03-04 BUY 10 X @ 14.00 lot L3    # basis 200
    """)
    assert [str(d.adjustment_amount) for d in lots.disposals] == ["50.00", "60.00"]
    (l3,) = lots.open_lots()
    assert l3.cost_basis == Decimal("200.00")
    # holding periods chain: L1 held 30 days, L2 25 more, so L3 counts 55 days back
    assert l3.date_acquired == date(2024, 1, 9)


def test_without_wash_sales_the_loss_stands() -> None:
    lots = book(
        """
    2024-01-02 BUY 10 X @ 20.00
    2024-02-01 SELL 10 X @ 15.00
    2024-02-05 BUY 10 X @ 14.00
    """,
        wash_sales=False,
    )
    assert lots.disposals[0].gain == Decimal("-50.00")
    assert lots.open_lots()[0].cost_basis == Decimal("140.00")


def test_a_disallowed_amount_is_shared_to_the_cent() -> None:
    lots = book("""
    2024-01-02 BUY 3 X @ 10.00
    2024-02-01 SELL 3 X @ 9.99          # loss 0.03
    2024-02-02 BUY 1 X @ 9.00 lot R1
    2024-02-03 BUY 1 X @ 9.00 lot R2
    2024-02-04 BUY 1 X @ 9.00 lot R3
    """)
    assert lots.disposals[0].adjustment_amount == Decimal("0.03")
    assert [lot.cost_basis for lot in lots.open_lots()] == [Decimal("9.01")] * 3
