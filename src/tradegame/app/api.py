"""The functions of the public face (``import tradegame as tg``): a Universe, a Game, a play.

``universe`` reads a dataset (a bundled one is stored first, as ``tradegame play`` does) or a
pandas frame of bars; ``load_game`` turns a Game file, or a ``GameSpec`` and a Model, into a
``Game`` ready to play; ``play`` plays a Game file or a ``Game`` and returns its ``GameResult``,
recording a Game file's play in a database when asked. The package root re-exports these
lazily; this module may import anything below the command line.

>>> import tradegame as tg
>>> spx = tg.universe("arch-sp500", start="2008-10-01", end="2008-10-31")
>>> spx.symbols, spx.panel.rows
(('SPX',), 23)
>>> apple = tg.universe("skfolio-sp500", ["AAPL", "MSFT"], end="2022-12-28")
>>> apple.symbols, apple.instruments["AAPL"].quote_currency.code
(('AAPL', 'MSFT'), 'USD')

Wide data (a field to a frame with a column per symbol, or to a 2-D array with ``times``) gives
the same Universe as the same bars in a long frame:

>>> import pandas as pd
>>> closes = pd.DataFrame({"ACME": [10.0, 10.5, float("nan")], "BETA": [50.0, 51.0, 52.0]},
...                       index=pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-01-04"]))
>>> wide = tg.universe({"close": closes})
>>> wide.symbols, wide.panel.rows, wide.panel.fields["close"][2].tolist()
(('ACME', 'BETA'), 3, [nan, 52.0])
>>> long = closes.stack().dropna().rename("close").rename_axis(["date", "symbol"]).reset_index()
>>> tg.universe(long).panel.content_hash == wide.panel.content_hash
True
>>> arrays = tg.universe({"close": closes.to_numpy()}, ["ACME", "BETA"], times=closes.index, end="2024-01-03")
>>> arrays.panel.rows, arrays.panel.content_hash == tg.universe(long, end="2024-01-03").panel.content_hash
(2, True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
import pandas as pd

from tradegame.app.checking import inspect_game
from tradegame.app.loading import dataset_universe, read_game_data
from tradegame.app.play import prepare, record
from tradegame.app.wide import WideData, wide_universe
from tradegame.data.bars import PRICE_COLUMNS, DatasetInfo, MarketFrames
from tradegame.data.checks import check_bars
from tradegame.data.errors import BadDataError
from tradegame.data.panel import Panel
from tradegame.data.store import MarketStore, content_hash
from tradegame.domain.errors import InvalidInputError
from tradegame.engine.context import Model
from tradegame.engine.game import Game, GameResult, RoundObserver
from tradegame.engine.spec import GameSpec
from tradegame.engine.universe import Universe, currency_of

if TYPE_CHECKING:  # the database is imported only when a play is recorded
    from tradegame.store import Database

__all__ = ["load_game", "play", "universe"]

When: TypeAlias = date | datetime | str | pd.Timestamp
_ALIASES = {"date": "ts", "datetime": "ts", "time": "ts", "timestamp": "ts", "adj close": "adj_close"}


def universe(
    source: str | pd.DataFrame | WideData,
    symbols: list[str] | tuple[str, ...] | None = None,
    *,
    start: When | None = None,
    end: When | None = None,
    currency: str | None = None,
    calendar: str | None = None,
    frequency: str | None = None,
    data_dir: str | Path | None = None,
    times: Sequence[When] | pd.DatetimeIndex | None = None,
) -> Universe:
    """A Universe to play on: a dataset by name (``tradegame data list``), a frame of bars, or
    wide data (one array or frame per field).

    ``symbols``, ``start`` and ``end`` (inclusive) narrow it. A dataset keeps its own currency,
    frequency and corporate actions (``calendar`` may replace its calendar); it is read from the
    store at ``data_dir`` (default ``$TRADEGAME_DATA``), where a bundled one is stored first.

    A frame holds one row per bar: ``symbol``, ``ts`` (or a ``DatetimeIndex``; naive times are
    UTC; a daily bar is stamped with its session's date), ``close`` and, when known, ``open``,
    ``high``, ``low``, ``volume``, ``adj_close`` (column names in any case). A frame of one
    symbol may leave out ``symbol`` and name it in ``symbols``. Its ``currency`` (default USD),
    ``calendar`` (default XNYS) and ``frequency`` (default: inferred, e.g. ``1d``) are given here.
    A frame with problems (no close, duplicate bars, prices not above zero) is refused at once
    with every problem listed; gaps and bars off the calendar are kept, as in real data.

    >>> import pandas as pd
    >>> import tradegame as tg
    >>> frame = pd.DataFrame({"date": ["2024-01-02", "2024-01-03", "2024-01-04"], "close": [10.0, 10.5, 10.25]})
    >>> acme = tg.universe(frame, ["ACME"], currency="EUR", calendar="XETR")
    >>> acme.symbols, acme.panel.frequency, acme.instruments["ACME"].quote_currency.code
    (('ACME',), '1d', 'EUR')

    Wide data is a dict of field (``close`` and, when known, the others) to a wide DataFrame (a
    ``DatetimeIndex`` of times, a column per symbol) or a 2-D array (a row per one of ``times``, a
    column per one of ``symbols``, in that order); a NaN close is "no bar". It is built through
    ``Panel.from_arrays``, checked as a long frame is, and gives the same Universe as the same bars
    in a long frame; ``symbols`` narrows wide frames, and rows or symbols left without a bar are
    left out (examples in the module's docstring).
    """
    store_start, store_end = _utc(start), _utc(end)
    if isinstance(source, Mapping):
        return wide_universe(
            source, symbols, times, store_start, store_end, currency or "USD", calendar or "XNYS", frequency
        )
    if times is not None:
        raise InvalidInputError("times: give times only with wide arrays (a dict of field -> 2-D array)")
    if isinstance(source, pd.DataFrame):
        return _frame_universe(
            source, symbols, store_start, store_end, currency or "USD", calendar or "XNYS", frequency
        )
    return _named_universe(source, symbols, store_start, store_end, currency, calendar, frequency, data_dir)


def _named_universe(
    source: object,
    symbols: list[str] | tuple[str, ...] | None,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    currency: str | None,
    calendar: str | None,
    frequency: str | None,
    data_dir: str | Path | None,
) -> Universe:
    """``universe`` of a dataset by name: it keeps its own currency and frequency."""
    if not isinstance(source, str):
        raise InvalidInputError(
            "universe: give a dataset name or a pandas DataFrame (or a dict of wide fields), "
            f"not {type(source).__name__}"
        )
    for name, value in (("currency", currency), ("frequency", frequency)):
        if value is not None:
            raise InvalidInputError(f"{name}: dataset {source!r} has its own {name}; give {name} only with a DataFrame")
    return dataset_universe(MarketStore(data_dir), source, symbols, start, end, calendar)


def load_game(source: str | Path | GameSpec, model: Model | None = None, *, data_dir: str | Path | None = None) -> Game:
    """A Game ready to ``play``: from a Game file (its Model as the file names it), or from a
    ``GameSpec`` built in code and a ``model`` (its datasets read as a Game file's are).

    A Game plays once; load it again to play it again.

    >>> import tradegame as tg
    >>> from datetime import date
    >>> from decimal import Decimal
    >>> spec = tg.GameSpec(
    ...     name="hold-aapl", start=date(2020, 1, 2), end=date(2020, 12, 31), start_fund=Decimal("10000"),
    ...     data=(tg.DataSpec("skfolio-sp500", symbols=("AAPL",)),),
    ... )
    >>> game = tg.load_game(spec, tg.models.BuyAndHold(["AAPL"]))
    >>> len(game.times), game.universe.symbols
    (253, ('AAPL',))
    >>> tg.play(game).score.score
    Decimal('7515.82')
    """
    store = MarketStore(data_dir)
    if isinstance(source, GameSpec):
        if model is None:
            raise InvalidInputError("model: a GameSpec needs a Model to play it (load_game(spec, MyModel(...)))")
        source.check()
        data = read_game_data(source, store)
        return Game(data.spec, data.checked(), model)
    if model is not None:
        raise InvalidInputError("model: a Game file names its own Model ([model] name); give a model with a GameSpec")
    _, game = prepare(Path(source), store)  # every problem of the file at once (app.checking)
    return game


def play(
    game: str | Path | Game,
    *,
    db: str | Path | Database | None = None,
    data_dir: str | Path | None = None,
    observer: RoundObserver | None = None,
) -> GameResult:
    """Play a Game file or a ``Game`` to the end and return its result.

    With ``db`` (a database URL, a SQLite file or an open ``Database``) a Game file is recorded
    there as ``tradegame play`` records it (``result.game_id`` is its id), so ``tradegame
    report``, ``resume`` and ``export`` work on it. A ``Game`` built in code is not recorded:
    its Model could not be built again from the database; write it as a Game file to keep it.

    >>> import tradegame as tg
    >>> from pathlib import Path
    >>> _ = Path("sma-spx.toml").write_text('''
    ... [game]
    ... name = "sma-spx"
    ... start = 2007-01-03
    ... end = 2009-12-31
    ... start_fund = "100000"
    ...
    ... [[data]]
    ... dataset = "arch-sp500"
    ...
    ... [model]
    ... name = "sma-crossover"
    ... params = { symbol = "SPX", fast = 50, slow = 200 }
    ... ''')
    >>> result = tg.play("sma-spx.toml", db="games.sqlite")
    >>> result.game_id, result.outcome, result.score.score
    (1, 'completed', Decimal('30305.50'))
    """
    if isinstance(game, Game):
        if db is not None:
            raise InvalidInputError(
                "db: a Game built in code cannot be recorded, since its Model could not be built again from the "
                "database; record its Game file instead (tg.play('game.toml', db=...))"
            )
        if game.books.entries:
            raise InvalidInputError("game: this Game has been played already; load it again to play it again")
        return game.run(observer)
    pinned, built, found = inspect_game(Path(game), MarketStore(data_dir)).ready()  # before any row
    if db is None:
        return built.run(observer)
    from tradegame.store import Database, open_database, resolve_url

    database = db if isinstance(db, Database) else open_database(resolve_url(str(db)))
    try:
        game_id, played = record(pinned, built, database, observer, model_source=found.source)
    finally:
        if database is not db:
            database.close()
    return replace(played.result, game_id=game_id)


def _utc(value: When | None) -> pd.Timestamp | None:
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _frame_universe(
    frame: pd.DataFrame,
    symbols: list[str] | tuple[str, ...] | None,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    currency: str,
    calendar: str,
    frequency: str | None,
) -> Universe:
    bars = _bars(frame, symbols)
    if symbols is not None:
        bars = bars[bars["symbol"].isin(list(symbols))]
    if start is not None:
        bars = bars[bars["ts"] >= start]
    if end is not None:
        bars = bars[bars["ts"] <= end]
    bars = bars.sort_values(["symbol", "ts"], kind="stable").reset_index(drop=True)
    from tradegame.data.importer import infer_frequency  # only for a frame

    frequency = frequency or infer_frequency(bars["ts"])
    problems = check_bars(bars, frequency=frequency, calendar=calendar).problems
    if problems:
        raise BadDataError("DataFrame", problems)
    info = DatasetInfo("frame", frequency, currency, calendar, source="DataFrame", license="")
    panel = Panel.from_bars(
        bars,
        frequency=frequency,
        calendar=calendar,
        currency=currency,
        content_hash=content_hash(info, MarketFrames(bars)),
    )
    return Universe.from_panel(panel, currency=currency_of(currency))


def _bars(frame: pd.DataFrame, symbols: list[str] | tuple[str, ...] | None) -> pd.DataFrame:
    """The frame as a bars frame (data/bars.py), or a refusal naming what is missing."""
    bars = frame.rename(columns=lambda c: _ALIASES.get(str(c).strip().lower(), str(c).strip().lower()))
    if "ts" not in bars.columns:
        if not isinstance(bars.index, pd.DatetimeIndex):
            raise InvalidInputError("frame: give bar times as a ts (or date) column or a DatetimeIndex")
        bars = bars.rename_axis("ts").reset_index()
    bars = bars.reset_index(drop=True)  # a frame's own index may repeat labels
    if "symbol" not in bars.columns:
        if symbols is None or len(symbols) != 1:
            raise InvalidInputError(
                "frame: has no symbol column; name its one symbol, e.g. tg.universe(frame, ['ACME'])"
            )
        bars = bars.assign(symbol=symbols[0])
    if "close" not in bars.columns:
        raise InvalidInputError("frame: has no close column")
    try:
        stamps = pd.DatetimeIndex(pd.to_datetime(bars["ts"]))
    except (ValueError, TypeError) as error:
        raise InvalidInputError(f"frame: ts: cannot read the bar times: {error}") from None
    stamps = stamps.tz_localize("UTC") if stamps.tz is None else stamps.tz_convert("UTC")
    out = pd.DataFrame({"symbol": bars["symbol"].astype(str).to_numpy(), "ts": stamps.as_unit("ns")})
    for column in PRICE_COLUMNS:
        if column not in bars.columns:
            out[column] = np.nan
            continue
        try:
            out[column] = pd.to_numeric(bars[column]).astype("float64")
        except (ValueError, TypeError) as error:
            raise InvalidInputError(f"frame: {column}: not a number: {error}") from None
    return out
