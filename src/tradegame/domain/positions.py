"""One owner's books: accounts, cash, positions, their lots, the journal and the ledgers around it.

Owns the operations that change the books (deposit, buy, sell, dividend, crypto swap, running
cost, tax due), the chart of accounts they post to, and the read-only views of a position and of
a running cost. The chart::

    Equity:Contributions                    money the owner put in (the Start Fund)
    Assets:{acct}:Cash:{CCY}                account cash, one account per currency
    Assets:{acct}:{SYM}:Cash                the position's currency ledger, swept back to zero
    Assets:{acct}:{SYM}                     units of SYM at book value (gross cost, no fees)
    Expenses:Fees:{acct}:{SYM}              commissions and fees of the position's trades
    Income:Realized:{acct}:{SYM}            book gains: gross proceeds minus book value sold
    Income:Dividends:{acct}:{SYM}           dividends
    Expenses:RunningCosts:{name}            subscriptions, servers, account fees
    Liabilities:Payable:{acct}:{CCY}        running costs charged on credit and not yet paid (a debt)
    Expenses:Tax / Liabilities:Tax:{year}   tax due for a year

How an operation is booked
--------------------------
A position works as a virtual account. A buy first funds the position's currency ledger from
the account's cash ("fund"), then pays the price and the fee out of it ("buy"); a sale or a
dividend credits the currency ledger and sweeps it back to the account's cash ("sweep"). Every
operation gets the next op id from the books' own counter (``op-000001``, ...; never a uuid or
the wall clock), so the same operations give the same books byte for byte, and that op id links
its journal entries, its tax-ledger and transaction-cost lines and its decision-log line.

An operation is validated in full before anything changes: account and instrument known and
consistent, currencies matching, amounts in whole minor units, quantity and price allowed by
the instrument, enough cash, timestamps not going back. Holdings are checked by the lot book,
which refuses a sale before it changes anything. Only then does the lot book move and are the
ledgers appended to. A refused operation leaves every ledger as it was and uses no op id.
Cash may never go negative: a buy, a fee or a running cost the cash cannot pay is refused.

Book value and tax basis
------------------------
Two views of cost live side by side. The journal's book value of a lot is its gross cost
(quantity times price, rounded to the minor unit) without fees; a sale takes out the consumed
lots' pro-rata share of it (the lots the lot book's method picks), and gross proceeds minus
that book value is the book gain. Fees are expenses of their own. The tax basis (``LotBook``)
includes the buy fee, nets the sell fee from proceeds and moves with wash sales and average-cost
pooling. A buy of 10 ACME @ 100.00 with a 1.00 fee, sold @ 120.00 with a 1.00 fee, is a book gain
of 200.00 and fees of 2.00 in the journal, and a tax gain of 198.00 on the tax ledger.

Wash sales change a disposal after the fact (``LotBook`` replaces it in its list). The tax
ledger stays append only: after a purchase (the only operation that can change an earlier
disposal) the lot book says which disposals it changed, before and after
(``LotBook.buy_checked``), and the books append a ``WASH_ADJUSTMENT`` line for each change,
carrying the change in gain and linked to the op id of the sale (``linked_op_id``); every
operation appends a ``DISPOSAL`` line per new disposal.

``held`` and ``holdings`` answer in O(1) what the open lots hold per (account, asset): units.
Each booking keeps them in step as it moves the lot book (a buy adds its lot, a sale takes its
disposals' units off, a split scales units); callers never update them. ``held_cost``, their tax
basis, is read from the lot book's pieces (the one copy a wash sale or a re-basing changes).

There is one ``LotBook`` per currency: wash sales match a symbol, and a symbol has one quote
currency.

The tax currency
----------------
Books given a ``tax_currency`` and an ``fx`` source keep the tax ledger in that currency only:
a disposal of an instrument quoted in another currency is converted line by line, its proceeds
(and a wash sale's disallowed loss) at the rate known when it was sold and each lot's basis at
the rate known when the lot was bought (the rate is taken when the lot is booked and kept with
it); a dividend at the rate known when it was paid. Each converted amount is rounded to the tax
currency's minor unit. A line that cannot be converted (no rate) is refused before the
operation changes anything, and ``record_tax`` refuses a ledger holding a line in any other
currency than the profile's: a tax line is never skipped.

What a booking costs
--------------------
A fill is booked far more often than a ledger is read, so a booking keeps each line as the values
it is made of: the journal keeps an entry's postings as rows checked by the journal's own rules
when drafted (``check_legs``; a draft that does not balance is refused before anything changes;
a trade's entries balance by construction and its one sum that could round is checked; a buy's or
a sale's rows are laid out from its values when the journal is first read: ``append_made``), and the
tax, transaction-cost and decision ledgers keep each line's fields in one flat list
(``RecordLog``; a cost line's amounts and a disposal's line as the disposal, their ``Money``,
term and year made when read). The record objects (``JournalEntry``, ``Posting``, ``TaxEntry``,
``CostEntry``, ``DecisionEntry``) are built when a ledger is first read, then kept: every read
returns what building them at booking would have, and no line is ever left out. The account
names of a position are made, and checked, once; the engine books a fill as plain amounts
(``buy_units``, ``sell_units``), not wrapped to be unwrapped.

Where the code lives
--------------------
``Books`` is one class assembled from parts, one module each, by what they book: trades
(``books_trades``: buy, sell, crypto swap, a sale's booking and tax lines), cash
(``books_cash``: deposit, conversion, transfers), corporate actions (``books_corporate``:
dividend, split, cash in lieu), running costs and tax (``books_costs``) and the read side
(``books_views``). Each part is a mixin subclassing ``BooksCore`` (``books_core``: the shared
state, the checks, the last steps of a booking); the chart of accounts is ``books_chart`` and
the ledger records and views are ``books_records``. Mixins rather than composed objects because
the parts share one state (the journal, cash, lot books and ledgers must change together, all or
nothing): composed parts would each need that state passed in and ``Books`` would forward every
public method to them, a layer of boilerplate and a call more per fill. Import everything from
this module: ``tradegame.domain.positions.Books`` is the public name. Standard library and
``tradegame.domain`` only.
"""

from __future__ import annotations

from tradegame.domain.books_cash import CashBooking
from tradegame.domain.books_chart import CONTRIBUTIONS, TAX_EXPENSE
from tradegame.domain.books_core import BooksCore
from tradegame.domain.books_corporate import CorporateActionBooking
from tradegame.domain.books_costs import RunningCostAndTaxBooking
from tradegame.domain.books_records import (
    BooksState,
    CostEntry,
    DecisionEntry,
    FxSource,
    LedgerLine,
    Position,
    RunningCostView,
    TaxEntry,
    TaxKind,
    replay,
)
from tradegame.domain.books_views import BooksViews

__all__ = [
    "CONTRIBUTIONS",
    "TAX_EXPENSE",
    "Books",
    "BooksState",
    "CostEntry",
    "DecisionEntry",
    "FxSource",
    "LedgerLine",
    "Position",
    "RunningCostView",
    "TaxEntry",
    "TaxKind",
    "replay",
]


class Books(BooksViews, CashBooking, CorporateActionBooking, RunningCostAndTaxBooking, BooksCore):
    """One owner's books across their accounts. See the module docstring for the chart.

    Every operation takes a timezone-aware timestamp (converted to UTC; not before the last
    operation's) and a ``reason`` for the decision log, and returns its op id. The operations
    and queries come from the parts named in the module docstring.
    """
