"""``tradegame tax``: tax lots, wash sales and Form 8949-style reports.

``tax lots`` streams: trades are read, booked and written one at a time (``TradeStream``,
``tax_output``), so a trader's million-trade file runs in memory that follows the open lots.
The output goes to a temporary file (on disk past 64 MB) and reaches stdout only once every
row is booked: a bad row late in the file still ends the command with one message and nothing
else printed. A file not sorted by date is read whole and sorted first; on a bad row the
message is the one the whole-file reader gives (parse problems, then side and swap checks,
then booking, in date order). A large plain file is booked on two cores (``tax_split``).
"""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from itertools import chain, pairwise
from pathlib import Path
from tempfile import SpooledTemporaryFile
from typing import IO, Annotated

import typer

from tradegame.cli.common import fail
from tradegame.cli.progress import Advance, progress_bar
from tradegame.cli.tax_split import split_report, splits
from tradegame.domain.errors import InvalidInputError
from tradegame.domain.instruments import LotMethod
from tradegame.domain.limits import amount_problem, shown
from tradegame.domain.tax import TaxProfile, TaxRates
from tradegame.domain.trade_stream import TradeRow, TradesOutOfOrderError, TradeStream, trade_row
from tradegame.domain.trades import Trade, TradeError, book_trades
from tradegame.io.trades_csv import iter_trade_rows, read_trades
from tradegame.reporting.collector import collector_paused
from tradegame.reporting.tax_output import JsonReportWriter
from tradegame.reporting.tax_table import TableReportWriter

__all__ = ["tax_app"]

tax_app = typer.Typer(help="Tax lots, wash sales and Form 8949-style reports.", no_args_is_help=True)

_SPOOL_BYTES = 64 * 1024 * 1024


def _rate(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        number = Decimal(text.strip().rstrip("%"))
    except InvalidOperation:
        raise fail(f"{option} {shown(text)} is not a rate (use 0.24 or 24%)") from None
    rate = number / 100 if text.strip().endswith("%") and number.is_finite() else number
    if amount_problem(number) is not None or not 0 <= rate <= 1:
        raise fail(f"{option} must be a rate within 0% and 100% (0.24 or 24%), got {shown(text)}")
    return rate


def _write_report(
    trades: Iterable[TradeRow],
    out: IO[str],
    method: LotMethod,
    wash_sales: bool,
    as_json: bool,
    profile: TaxProfile | None,
) -> None:
    """Book ``trades`` (in date order) and write the whole report to ``out``."""
    stream = TradeStream(method, wash_sales=wash_sales)
    writer_type = JsonReportWriter if as_json else TableReportWriter
    writer = writer_type(out, stream.currency, method, wash_sales)
    add = writer.add
    with collector_paused():  # the books make no reference cycles; scanning a large live heap costs ~10%
        for released in stream.feed_rows(trades):
            add(released)
        add(stream.close())
        writer.finish(stream.book.open_lots(), stream.games(), profile)  # a snapshot of each open lot, too


def _counted(rows: Iterable[TradeRow], advance: Advance) -> Iterator[TradeRow]:
    """``rows``, moving a progress bar every 10,000 (how many there are is known at the end)."""
    done = 0
    for done, row in enumerate(rows, start=1):  # done is read after the loop
        if not done % 10_000:
            advance(done, None)
        yield row
    advance(done, done)


def _out_of_order(path: Path, refused: InvalidInputError) -> Sequence[Trade] | None:
    """The file's trades, read once, when it is out of date order (the stream may refuse a sale
    listed before its purchase before it meets a row out of order); None when it is in order."""
    if isinstance(refused, TradesOutOfOrderError):
        return read_trades(path).trades  # a problem of the file is told by the caller
    try:
        trades = read_trades(path).trades
    except InvalidInputError:
        return None  # unreadable: the stream's refusal stands, and its problem is told
    return None if all(earlier.on <= later.on for earlier, later in pairwise(trades)) else trades


def _first_problem(path: Path, method: LotMethod, wash_sales: bool, streamed: InvalidInputError) -> str:
    """The message for a file the stream refused: the whole-file reader's first problem."""
    try:
        trade_file = read_trades(path)
    except InvalidInputError as error:
        return str(error)
    try:
        book_trades(trade_file.trades, method, wash_sales=wash_sales)
    except TradeError as error:
        return f"{trade_file.where(error.row)}: {error.problem}"
    return str(streamed)  # not reached: the whole-file path refuses what the stream refused


@tax_app.command("lots")
def tax_lots(
    trades_csv: Annotated[Path, typer.Argument(metavar="TRADES.csv", help="Trade list (see README for columns).")],
    method: Annotated[LotMethod, typer.Option(help="Lot matching method.")] = LotMethod.FIFO,
    wash_sales: Annotated[bool, typer.Option("--wash-sales/--no-wash-sales", help="Apply the wash-sale rule.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
    short_term_rate: Annotated[
        str | None, typer.Option(help="Short-term rate (0.24 or 24%) to estimate tax due.")
    ] = None,
    long_term_rate: Annotated[str | None, typer.Option(help="Long-term rate to estimate tax due.")] = None,
) -> None:
    """Match sells to lots and print realized gains, open lots and totals per tax year.

    Example:

        tradegame tax lots examples/trades.csv --method hifo --json
    """
    short = _rate(short_term_rate, "--short-term-rate")
    long = _rate(long_term_rate, "--long-term-rate")
    if (short is None) != (long is None):
        raise fail("give both --short-term-rate and --long-term-rate, or neither")
    try:
        profile = None if short is None or long is None else TaxProfile(TaxRates(short, long))
    except InvalidInputError as error:
        raise fail(str(error)) from None
    with SpooledTemporaryFile(_SPOOL_BYTES) as spool:
        out = io.TextIOWrapper(spool, encoding="utf-8", newline="\n", write_through=False)
        try:
            try:
                if not (splits(trades_csv) and split_report(trades_csv, out, method, wash_sales, as_json, profile)):
                    out.seek(0)
                    out.truncate()
                    rows = chain.from_iterable(iter_trade_rows(trades_csv))
                    with progress_bar("tax lots", "trades", quiet=as_json) as advance:
                        _write_report(rows if advance is None else _counted(rows, advance), out, method, wash_sales,
                                      as_json, profile)  # fmt: skip
            except InvalidInputError as refused:
                trades = _out_of_order(trades_csv, refused)
                if trades is None:
                    raise
                out.seek(0)
                out.truncate()
                in_order = sorted(trades, key=lambda t: t.on)
                _write_report(map(trade_row, in_order), out, method, wash_sales, as_json, profile)
        except InvalidInputError as error:
            raise fail(_first_problem(trades_csv, method, wash_sales, error)) from None
        out.flush()
        spool.seek(0)
        _copy_out(spool)
        out.detach()  # the spool is closed by its own ``with``


def _copy_out(spool: IO[bytes]) -> None:
    """Copy the finished report to stdout, as bytes when stdout has a byte buffer."""
    stdout = sys.stdout
    target = getattr(stdout, "buffer", None)
    if target is None:
        stdout.write(spool.read().decode("utf-8"))
        return
    stdout.flush()
    shutil.copyfileobj(spool, target, 1024 * 1024)
    target.flush()
