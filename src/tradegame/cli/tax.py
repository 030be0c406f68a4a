"""``tradegame tax``: tax lots, wash sales and Form 8949-style reports."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer

from tradegame.cli.common import fail, stdout_console
from tradegame.domain.errors import InvalidInputError
from tradegame.domain.instruments import LotMethod
from tradegame.domain.limits import amount_problem, shown
from tradegame.domain.tax import TaxProfile, TaxRates
from tradegame.domain.trades import TradeError, attribute_to_games, book_trades
from tradegame.io.trades_csv import read_trades
from tradegame.reporting.tax_report import build_report, render_report

__all__ = ["tax_app"]

tax_app = typer.Typer(help="Tax lots, wash sales and Form 8949-style reports.", no_args_is_help=True)


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
        trade_file = read_trades(trades_csv)
    except InvalidInputError as error:
        raise fail(str(error)) from None
    try:
        book = book_trades(trade_file.trades, method, wash_sales=wash_sales)
    except TradeError as error:
        raise fail(f"{trade_file.where(error.row)}: {error.problem}") from None
    games = attribute_to_games(trade_file.trades, book.disposals, method)
    report = build_report(book, method, games, profile)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        render_report(report, stdout_console())
