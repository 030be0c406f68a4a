"""``tradegame data``: list, show, import, fetch and verify market data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from tradegame.cli.common import AsJson, fail, market_store, stdout_console
from tradegame.cli.progress import progress_bar
from tradegame.data.catalog import summarize_symbol, sync_bundled
from tradegame.data.errors import BadDataError, DataError
from tradegame.data.importer import import_file
from tradegame.data.store import MarketStore, StoredDataset

if TYPE_CHECKING:
    from tradegame.data.fetching import FetchReport

__all__ = ["data_app"]

data_app = typer.Typer(help="Market data: bundled real history, imports and provider downloads.", no_args_is_help=True)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Store folder (default: $TRADEGAME_DATA or ~/.local/share/tradegame/data)."),
]


def _store(data_dir: Path | None, *, create: bool = False) -> MarketStore:
    store: MarketStore = market_store(data_dir, create=create)
    return store


def _day(stamp: object) -> str:
    text = str(stamp)
    return text[:10] if text.endswith("00:00:00+00:00") else text


@data_app.command("list")
def data_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list instead of a table.")] = False,
    data_dir: DataDir = None,
) -> None:
    """List every dataset: bundled real history (stored on first use) and your own.

    Example:

        tradegame data list --json
    """
    store = _store(data_dir)
    try:
        sync_bundled(store)
        datasets = store.datasets()
    except DataError as error:
        raise fail(str(error)) from None
    if as_json:
        typer.echo(json.dumps([d.as_json() for d in datasets], indent=2))
        return
    table = Table(title=f"Datasets in {store.root}")
    for column in ("name", "symbols", "freq", "start", "end", "ccy", "rows", "hash"):
        table.add_column(
            column,
            no_wrap=column != "symbols",
            min_width=18 if column == "symbols" else None,
            justify="right" if column == "rows" else "left",
        )
    for d in datasets:
        table.add_row(
            d.info.name,
            _symbols(d),
            d.info.frequency,
            d.start.date().isoformat(),
            d.end.date().isoformat(),
            d.info.currency,
            f"{d.rows:,}",
            d.info.content_hash[:12],
        )
    if any(d.info.frequency == "tick" for d in datasets):
        table.caption = "tick: trades, played as 1-minute bars of their prices and sizes (made as a Game loads them)"
    stdout_console().print(table)


def _symbols(dataset: StoredDataset) -> str:
    shown = " ".join(dataset.symbols[:4])
    return shown + (f" +{len(dataset.symbols) - 4}" if len(dataset.symbols) > 4 else "")


@data_app.command("show")
def data_show(
    symbol: Annotated[str, typer.Argument(help="Symbol to describe, in every dataset that holds it.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Show a symbol's range, gaps against its calendar, source and content hash.

    Example:

        tradegame data show AAPL
    """
    store = _store(data_dir)
    try:
        sync_bundled(store)
        summaries = summarize_symbol(store, symbol.strip().upper())
    except DataError as error:
        raise fail(str(error)) from None
    if as_json:
        typer.echo(json.dumps([s.as_json() for s in summaries], indent=2))
        return
    console = stdout_console()
    for s in summaries:
        info = s.dataset.info
        gaps = ", ".join(g.date().isoformat() for g in s.gaps[:5]) + (" ..." if len(s.gaps) > 5 else "")
        console.print(f"[bold]{s.symbol}[/bold] in [bold]{info.name}[/bold] ({info.frequency}, {info.currency})")
        console.print(f"  range     {_day(s.start)} to {_day(s.end)}, {s.bars:,} bars on calendar {info.calendar}")
        console.print(f"  gaps      {len(s.gaps)}" + (f" ({gaps})" if len(s.gaps) else ""))
        console.print(f"  actions   {s.dividends} dividends, {s.splits} splits")
        console.print(f"  source    {info.source}")
        console.print(f"  license   {info.license}")
        console.print(f"  hash      {info.content_hash}")


@data_app.command("import")
def data_import(
    file: Annotated[Path, typer.Argument(metavar="FILE.csv|FILE.parquet", help="Bars to import.")],
    symbol: Annotated[str, typer.Option(help="Symbol the bars belong to.")],
    currency: Annotated[str, typer.Option(help="Currency of the prices.")] = "USD",
    calendar: Annotated[str, typer.Option(help="Exchange calendar (XNYS, XKRX, ...) or 24/7, 24/5.")] = "XNYS",
    frequency: Annotated[
        str | None, typer.Option(help="Bar frequency (1d, 1h, 1m, ...); inferred if left out.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Dataset to add to (default: the symbol, lowercased).")] = None,
    allow_gaps: Annotated[bool, typer.Option(help="Store even if sessions of the calendar are missing.")] = False,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Check a bar file and store it; a bad file is reported in full and nothing is stored.

    Example:

        tradegame data import prices/aapl.csv --symbol AAPL --currency USD
    """
    if not file.is_file():
        raise fail(f"{file}: no such file")
    store = _store(data_dir, create=True)
    try:
        stored = import_file(
            store,
            file,
            symbol=symbol,
            currency=currency,
            calendar=calendar,
            frequency=frequency,
            name=name,
            allow_gaps=allow_gaps,
        )
    except BadDataError as error:
        raise fail(str(error)) from None
    except DataError as error:
        raise fail(f"{file}: {error}") from None
    if as_json:
        numbers = {"symbol": symbol.upper(), "dataset": stored.info.name, "bars": stored.rows}
        numbers |= {"start": _day(stored.start), "end": _day(stored.end), "hash": stored.info.content_hash}
        typer.echo(json.dumps(numbers, indent=2))
        return
    typer.echo(
        f"stored {symbol.upper()} in dataset {stored.info.name}: {stored.rows:,} bars, "
        f"{_day(stored.start)} to {_day(stored.end)}, hash {stored.info.content_hash}"
    )


@data_app.command("verify")
def data_verify(
    name: Annotated[str | None, typer.Argument(help="Dataset to verify (default: every dataset).")] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Re-hash every file of every stored version (or of dataset NAME); exit 2 naming each bad one.

    Example:

        tradegame data verify
    """
    from tradegame.data.verify import verify_store

    store = _store(data_dir)
    try:
        with progress_bar("verify", "versions", quiet=as_json) as advance:
            checks = verify_store(store, name, advance)
    except DataError as error:
        raise fail(str(error)) from None
    bad = [problem for check in checks for problem in check.problems]
    for check in [] if as_json else checks:
        if check.ok:
            typer.echo(f"ok  {check.dataset} {check.version} ({check.files} files)")
    if bad:
        versions = sum(1 for check in checks if not check.ok)
        raise fail(f"{versions} of {len(checks)} version(s) failed verification:\n" + "\n".join(bad))
    if as_json:
        found = [{"dataset": c.dataset, "version": c.version, "files": c.files, "ok": c.ok} for c in checks]
        typer.echo(json.dumps({"versions": found, "intact": True}, indent=2, default=str))
        return
    typer.echo(f"verified {len(checks)} version(s) of {len({c.dataset for c in checks})} dataset(s): all intact")


def _fetch_span(start: str, end: str, interval: str) -> tuple[date, date]:
    """The first and last day of a fetch, its options checked before any provider or store is touched."""
    from tradegame.data.providers import INTERVALS

    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as error:
        raise fail(f"--start/--end: {error}") from None
    if last < first:
        raise fail(f"--end {end} is before --start {start}")
    if interval not in INTERVALS:
        raise fail(f"--interval: {interval!r} is not one of {', '.join(INTERVALS)}")
    return first, last


@data_app.command("fetch")
def data_fetch(
    provider: Annotated[str, typer.Option(help="alphavantage, polygon, finnhub, alpaca or ccxt (ccxt:kraken).")],
    symbols: Annotated[str, typer.Option(help="Comma-separated symbols, e.g. AAPL,MSFT or BTC/USDT.")],
    start: Annotated[str, typer.Option(help="First day, ISO date.")],
    end: Annotated[str, typer.Option(help="Last day, ISO date.")],
    interval: Annotated[str, typer.Option(help="1m, 5m, 15m, 30m, 1h, 1d, 1w or 1mo.")] = "1d",
    name: Annotated[str | None, typer.Option(help="Dataset to store into (default: PROVIDER-INTERVAL).")] = None,
    currency: Annotated[str, typer.Option(help="Currency of the prices.")] = "USD",
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Download bars from a provider into the store; symbols already stored for the range are not fetched.

    API keys come from ALPHAVANTAGE_API_KEY, POLYGON_API_KEY, FINNHUB_API_KEY, APCA_API_KEY_ID and
    APCA_API_SECRET_KEY; they are never printed or stored.

    Example:

        tradegame data fetch --provider polygon --symbols AAPL,MSFT --start 2024-01-02 --end 2024-06-28
    """
    from collections.abc import Sequence

    from tradegame.data.bars import DatasetInfo, MarketFrames
    from tradegame.data.fetching import fetch_into_store
    from tradegame.data.providers import fetch, make_provider
    from tradegame.domain.errors import InvalidInputError

    first, last = _fetch_span(start, end, interval)
    is_crypto = provider.split(":")[0] == "ccxt"
    dataset = name or f"{provider.replace(':', '-')}-{interval}".lower()
    info = DatasetInfo(
        dataset,
        interval,
        currency.upper(),
        "24/7" if is_crypto else "XNYS",
        source=f"fetched from {provider}",
        license="provider's terms",
    )
    store = _store(data_dir, create=True)
    try:
        source = make_provider(provider)

        with progress_bar("fetch", "symbols", quiet=as_json) as advance:

            def fetcher(wanted: Sequence[str], a: date, b: date, step: str) -> MarketFrames:
                return fetch(source, wanted, a, b, step, advance)

            report = fetch_into_store(store, fetcher, info, symbols.split(","), first, last, interval)
    except (InvalidInputError, DataError) as error:
        raise fail(str(error)) from None
    _print_fetched(report, as_json)


def _print_fetched(report: FetchReport, as_json: bool) -> None:
    """What ``data fetch`` found stored, fetched and stored, as text or JSON."""
    d = report.dataset
    if as_json:
        stored = None if d is None else {"name": d.info.name, "symbols": list(d.symbols), "bars": d.rows}
        numbers = {"cached": list(report.cached), "fetched": list(report.fetched), "dataset": stored}
        typer.echo(json.dumps(numbers | {"hash": None if d is None else d.info.content_hash}, indent=2))
        return
    if report.cached:
        typer.echo(f"already stored: {', '.join(report.cached)}")
    if d is not None:
        typer.echo(
            f"dataset {d.info.name}: {', '.join(d.symbols)}; {d.rows:,} bars; hash {d.info.content_hash}"
            + (f"; fetched {', '.join(report.fetched)}" if report.fetched else "")
        )
