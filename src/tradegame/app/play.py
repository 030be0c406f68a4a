"""Play a Game file: load its data from the store, build its Model, run it, summarize it.

One pass over the Game file (``app.checking``) finds every problem it has (its fields, its Model,
found by ``app.models`` and built with its parameters checked, its data, its dates and symbols
against the data) before any row is written, and hands on the Game it set up; a stored Game's
Model is loaded again from the record the store keeps of it (``app.models.stored_model``).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tradegame.app.checking import inspect_game
from tradegame.app.models import (
    FoundModel,
    ModelSource,
    ModelSourceChangedError,
    find_model,
    source_change,
    stored_model,
)
from tradegame.data.store import MarketStore
from tradegame.domain.errors import InvalidInputError
from tradegame.engine.events import EventKind
from tradegame.engine.game import Game, GameResult, RoundObserver
from tradegame.engine.gamefile import GameFile, dump_game, parse_game
from tradegame.engine.rates import rate_known_at
from tradegame.engine.rules import ENGINE_RULES
from tradegame.engine.universe import Universe, currency_of, static_rates
from tradegame.reporting.benchmark import benchmark_symbol, first_traded

if TYPE_CHECKING:  # imported where used: the database (SQLAlchemy, alembic) to record a Game, the metrics for a summary
    from tradegame.reporting.metrics import Metrics
    from tradegame.store import Database, GameRecorder

__all__ = [
    "Played",
    "Tee",
    "benchmark_for",
    "benchmark_series",
    "benchmark_symbol",
    "bust_note",
    "check_resumable",
    "demo_game",
    "play_file",
    "play_recorded",
    "prepare",
    "record",
    "replay_stored",
    "report_played",
    "resume_stored",
    "stored_game_file",
    "summary",
    "trading_numbers",
]


@dataclass
class Played:
    game_file: GameFile
    result: GameResult
    universe: Universe
    model: object | None = None  # the Model played: the report draws the lines it declares


def demo_game() -> GameFile:
    """The bundled demo Game definition."""
    import tomllib

    text = resources.files("tradegame.app").joinpath("demo.toml").read_text()
    return parse_game(tomllib.loads(text), "demo.toml")


def prepare(
    game_file: GameFile | Path, store: MarketStore, *, folder: Path | None = None, model: FoundModel | None = None
) -> tuple[GameFile, Game]:
    """Build the Game's Model, pin its data versions and load its Universe; nothing is played yet.

    One pass (``app.checking``) finds every problem of the Game file (a path, or one read before)
    first and raises them as one ``InvalidGameError``. The Model is ``model`` if given, else the
    one the file names, found from ``folder`` (default: the file's folder, else the current one).
    """
    pinned, game, _ = inspect_game(game_file, store, folder, model=model).ready()
    return pinned, game


def play_file(path: Path, store: MarketStore, observer: RoundObserver | None = None) -> Played:
    game_file, game = prepare(Path(path), store)
    return Played(game_file, game.run(observer), game.universe, game.model)


def summary(played: Played, benchmark_symbol: str | None = None) -> dict[str, object]:
    """The numbers `tradegame play` prints: outcome, score and its parts, and the main metrics.

    A Game that went bust says so (``bust``, ``bust_round`` and a ``note``). A metric that is
    not defined (a ratio over zero risk) is None, never NaN; a Game the metrics cannot be
    computed for at all (a single Round, or worth nothing at its first) has every metric None
    and the reason in ``note``. ``traded_value``, ``turnover`` and ``capped_fills`` say how much
    it traded (``trading_numbers``).
    """
    result = played.result
    score = result.score
    symbol = benchmark_symbol or benchmark_for(played)
    benchmark = _benchmark_values(played, symbol)
    from tradegame.reporting.metrics import bust_round, compute_metrics  # only for a summary

    notes = []
    bust = bust_round(result.values)
    if bust is not None:
        notes.append(bust_note(result, bust))
    metrics: Metrics | None = None
    try:
        metrics = compute_metrics(result.values, result.times, benchmark=benchmark, start_value=score.start_capital)
    except InvalidInputError as error:
        notes.append(f"no metrics: {error}")

    def metric(name: str) -> float | None:
        number = None if metrics is None else getattr(metrics, name)
        return number if number is not None and math.isfinite(number) else None

    return {
        "game": result.spec.name,
        "currency": result.spec.currency,
        "outcome": result.outcome,
        "outcome_round": result.outcome_round,
        "outcome_reason": result.outcome_reason,
        "rounds": len(result.times),
        **{name: str(getattr(score, name)) for name in _SCORE_PARTS},
        "bust": bust is not None,
        "bust_round": bust,
        **{name: metric(name) for name in ("total_return", "cagr", "max_drawdown", "sharpe")},
        "trades": sum(1 for c in result.books.cost_ledger if c.action in ("buy", "sell")),
        **trading_numbers(result, played.universe),
        "benchmark": symbol if benchmark is not None else None,
        "benchmark_return": metric("benchmark_return"),
        "fx_rates": _fx_rates(result),
        "end_sales": sorted({e.detail.split(" ", 1)[1] for e in result.events if e.kind == "liquidated"}),
        "note": "; ".join(notes) or None,
        "data_hash": result.data_hash,
        **_contributions(played),
    }


def _contributions(played: Played) -> dict[str, object]:
    """``contributions``: each Model's part of the Score to the cent, for a Game an Activator played."""
    from tradegame.models.activator import contributions_of

    game_file = played.game_file
    shown = contributions_of(game_file.model, game_file.model_params, played.result)
    return {} if shown is None else {"contributions": shown}


_SCORE_PARTS = ("start_capital", "final_value", "gross_profit", "fees", "running_costs", "taxes", "score")


def _benchmark_values(played: Played, symbol: str) -> np.ndarray | None:
    """The benchmark ``symbol`` held from the start capital, at each Round; None without a clean series."""
    result = played.result
    return benchmark_series(played.universe, result.times, result.score.start_capital, symbol)


def benchmark_series(universe: Universe, times: np.ndarray, start_capital: Decimal, symbol: str) -> np.ndarray | None:
    """``start_capital`` put in ``symbol`` at the first of ``times`` (ns): its value at each, at the
    last close known then; None when the data lacks ``symbol`` or its series is not clean (a close
    missing at some time, or none at the first)."""
    panel = universe.panel
    if symbol not in panel.symbols:
        return None
    closes = panel.fields["close"][:, panel.column(symbol)]
    rows = np.searchsorted(panel.available, times, side="right") - 1
    series = closes[np.clip(rows, 0, None)]
    if np.isfinite(series).all() and series[0] > 0:
        return np.asarray(series / series[0] * float(start_capital))
    return None


def _fx_rates(result: GameResult) -> dict[str, str]:
    """The FX rates the Game used, by currency (its ``fx`` events)."""
    code = result.spec.currency
    return {e.symbol[: -len(code)]: e.detail.split(": ", 1)[1] for e in result.events if e.kind == "fx" and e.symbol}


def trading_numbers(result: GameResult, universe: Universe) -> dict[str, object]:
    """How much the Game traded: ``traded_value``, the sum of every fill's notional (the end's
    sales included) in the start currency at the rate known at the fill, as an exact decimal
    string rounded once to the currency's minor unit (None when a rate was not known);
    ``turnover``, that over the start capital; ``capped_fills``, the fills the volume cap cut.

    A fill's notional is what the cost ledger books for it: units x fill price for a buy or a
    sale, what a currency pair's fill gives, a swap's fair value. A fill the volume cap cut is a
    partial fill in an account with a cap: the cap left less than the Move's rest on that bar
    (a sale placed for more than is held is refused when placed, so that rarely cuts one).
    """
    fills = [e for e in result.events if e.kind in (EventKind.FILLED, EventKind.PARTIAL)]
    filled_ops = {op for event in fills for op in event.op_ids}
    capped_accounts = {a.name for a in result.spec.accounts if a.volume_cap is not None}
    capped = sum(1 for e in fills if e.kind is EventKind.PARTIAL and e.account in capped_accounts)
    currency = currency_of(result.spec.currency)
    static = static_rates(universe, currency.code, result.spec.fx_rates)
    total: Decimal | None = Decimal(0)
    for cost in result.books.cost_ledger:
        if cost.op_id not in filled_ops or total is None:
            continue
        notional = cost.notional
        rate = Decimal(1) if notional.currency.code == currency.code else None
        if rate is None:
            rate = rate_known_at(universe, static, notional.currency.code, currency.code, cost.timestamp)
        total = None if rate is None else total + abs(notional.amount) * rate
    start = result.score.start_capital
    traded = None if total is None else currency.round(total)
    turnover = float(traded / start) if traded is not None and start > 0 else None
    return {"traded_value": None if traded is None else str(traded), "turnover": turnover, "capped_fills": capped}


def bust_note(result: GameResult, bust: int) -> str:
    """What a Game that went bust at Round ``bust`` says about it, in the summary and the report."""
    day = np.datetime_as_string(np.datetime64(int(result.times[bust]), "ns"), unit="D")
    value = float(result.values[bust])
    return f"bust at round {bust} ({day}): the Game went bust, its value fell to {value:,.2f} and it lost everything"


def benchmark_for(played: Played) -> str:
    """The symbol to compare with (``reporting.benchmark``: the market index when the data has it,
    else the first traded, else the data's first)."""
    return benchmark_symbol(played.universe.panel.symbols, first_traded(played.result, played.universe))


def report_played(
    played: Played, path: Path, *, cdn: bool = False, progress: Callable[[int, int], None] | None = None
) -> Path:
    """Write ``played``'s HTML report to ``path``: compared with ``benchmark_for(played)``, naming its
    Model and showing the Game file as played (``reporting.html_report.write_report``; ``progress``
    follows its sections)."""
    from tradegame.reporting.html_report import write_report

    benchmark = benchmark_for(played)
    return write_report(
        played.result,
        played.universe,
        path,
        benchmark_symbol=benchmark,
        cdn=cdn,
        definition=played.game_file,
        model=played.model,
        progress=progress,
    )


class Tee:
    """Several observers as one."""

    def __init__(self, *observers: RoundObserver | None) -> None:
        self.observers = [o for o in observers if o is not None]

    def round_done(self, game: Game, round_index: int, value: float) -> None:
        for observer in self.observers:
            observer.round_done(game, round_index, value)

    def game_done(self, game: Game, result: GameResult) -> None:
        for observer in self.observers:
            observer.game_done(game, result)


def play_recorded(
    game_file: GameFile | Path,
    store: MarketStore,
    db: Database,
    observer: RoundObserver | None = None,
    *,
    folder: Path | None = None,
) -> tuple[int, Played]:
    """Play ``game_file`` (a path, or one read before) and record it in ``db`` Round by Round;
    returns the Game's id there. Every problem of the file is refused first, before any row.

    ``folder`` is where a Model named ``file.py:Class`` or ``module:Class`` is looked for.
    """
    pinned, game, found = inspect_game(game_file, store, folder).ready()
    return record(pinned, game, db, observer, model_source=found.source)


def record(
    pinned: GameFile,
    game: Game,
    db: Database,
    observer: RoundObserver | None = None,
    *,
    model_source: ModelSource | None = None,
) -> tuple[int, Played]:
    """Play a prepared Game (see ``prepare``) and record it in ``db``; returns its id there.

    Rounds are committed together, at least every ``COMMIT_EVERY`` (0.25 s) of play, Round 0 at
    once and the rest with the end (``store.recorder``): a Game killed part-way leaves whole
    Rounds, which ``resume_stored`` replays.

    ``model_source`` is where its Model came from (``FoundModel.source``); without it the Model is
    looked up again by the Game file's name from the current folder.
    """
    from tradegame.store import COMMIT_EVERY, GameRecorder

    source = model_source or find_model(pinned.model).source
    game_id = db.create_game(
        pinned.spec.name,
        dump_game(pinned),
        pinned.model,
        pinned.model_params,
        game.panel.content_hash,
        round_count=len(game.times),
        model_kind=source.kind,
        model_ref=source.ref,
        model_path=source.path,
        model_sha256=source.sha256,
    )
    recorder = GameRecorder(db, game_id, commit_every=COMMIT_EVERY)
    result = _run_recorded(db, game_id, game, recorder, observer)
    return game_id, Played(pinned, result, game.universe, game.model)


def _run_recorded(
    db: Database, game_id: int, game: Game, recorder: GameRecorder, observer: RoundObserver | None
) -> GameResult:
    """Run ``game`` with ``recorder``. A Game that stops early (an error, or Ctrl-C) first commits the
    Rounds it played; one that stopped on an error is then marked failed."""
    from tradegame.app.answers import keep_answers_with
    from tradegame.store import StoreError

    keep_answers_with(game.model, db, game_id)
    try:
        return game.run(Tee(recorder, observer))
    except BaseException as error:
        # A database that failed (or a lease lost) keeps the Rounds committed before only.
        with contextlib.suppress(StoreError):
            recorder.flush()
        if isinstance(error, Exception):
            db.mark_failed(game_id, repr(error))
        raise


def stored_game_file(db: Database, game_id: int) -> GameFile:
    """The definition a stored Game was played with (its data pinned to the versions it used)."""
    import tomllib

    row = db.game(game_id)
    return parse_game(tomllib.loads(row.definition_text), f"game {game_id}")


def replay_stored(db: Database, game_id: int, store: MarketStore, observer: RoundObserver | None = None) -> Played:
    """Play a stored Game again (Games are deterministic) and check it ends as it was stored.

    A Game played under other engine rules is refused (``OtherRulesError``): it would replay to
    other books. ``app.stored`` shows such a Game from its stored books.
    """
    from tradegame.app.answers import keep_answers_with
    from tradegame.store import OtherRulesError

    row = db.game(game_id)
    if row.other_rules is not None:
        raise OtherRulesError(
            f"{row.other_rules}: it cannot be replayed; `tradegame report {game_id}` shows its stored books"
        )
    if row.status != "finished":
        raise InvalidInputError(f"game {game_id} is {row.status}; resume it first (tradegame resume {game_id})")
    model = stored_model(row)  # ModelSourceChangedError when its source changed: nothing to replay
    pinned, game = prepare(stored_game_file(db, game_id), store, model=model)
    keep_answers_with(game.model, db, game_id, keep=False)
    result = game.run(observer)
    if row.score is not None and result.score.score != row.score:
        raise InvalidInputError(
            f"game {game_id} replays to a score of {result.score.score}, not the stored {row.score}: "
            "the code or the data changed since it was played"
        )
    return Played(pinned, result, game.universe, game.model)


def check_resumable(db: Database, game_id: int) -> None:
    """Refuse, changing nothing, a Game that cannot be resumed: a finished one, one still being
    played, one of other engine rules, or one whose Model source changed since it was stored.

    ``OtherRulesError`` for a Game played under other rules (a replay under these rules would not
    give its stored Rounds); ``GameBusyError`` for one whose process still runs (it holds the
    Game's lease); ``ModelSourceChangedError`` when its Model's source file changed or is gone;
    ``InvalidInputError`` for a finished one.
    """
    from tradegame.store import GameBusyError, OtherRulesError
    from tradegame.store.lease import busy_message

    row = db.game(game_id)
    if row.status == "finished":
        raise InvalidInputError(f"game {game_id} is already finished")
    if row.status == "running" and row.owner is not None and row.owner != db.owner:
        raise GameBusyError(busy_message(game_id, row.owner, row.heartbeat_at, db.now()))
    if row.other_rules is not None:
        stored = db.last_committed_round(game_id)
        kept = "no Round is stored" if stored is None else f"its Rounds 0 to {stored} stay stored as they are"
        raise OtherRulesError(
            f"{row.other_rules}: it cannot be resumed, since a replay under rules {ENGINE_RULES} would not give "
            f"its stored Rounds; nothing was changed ({kept}; `tradegame report {game_id}` shows them)"
        )
    change = source_change(row)
    if change is not None:
        raise ModelSourceChangedError(
            f"{change}: it cannot be resumed, since the changed Model would not replay its stored Rounds; "
            f"nothing was changed (restore the file to resume it, or play the Game file as a new Game; "
            f"`tradegame report {game_id}` shows the stored books)"
        )


def resume_stored(db: Database, game_id: int, store: MarketStore, observer: RoundObserver | None = None) -> Played:
    """Continue a Game that stopped part-way: replay the stored Rounds (checking them), record the rest.

    First ``check_resumable``: a finished Game, one still being played, or one played under other
    engine rules, is refused before anything is loaded or written. Then the Game's lease is
    taken: of two resumes started at once, one plays and the other is refused (``GameBusyError``).
    """
    from tradegame.store import COMMIT_EVERY, ResumingRecorder

    check_resumable(db, game_id)
    model = stored_model(db.game(game_id))
    db.take_lease(game_id)
    pinned, game = prepare(stored_game_file(db, game_id), store, model=model)
    recorder = ResumingRecorder(db, game_id, commit_every=COMMIT_EVERY)
    return Played(pinned, _run_recorded(db, game_id, game, recorder, observer), game.universe, game.model)
