"""``tradegame sweep``: a Game file's SMA crossover over many (fast, slow) pairs, best score first."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from tradegame.cli.common import check_output_file, exit_for, market_store, stdout_console
from tradegame.cli.play import DataDir
from tradegame.cli.progress import progress_bar
from tradegame.domain.errors import TradegameError

__all__ = ["sweep"]

MONEY = frozenset({"final_value", "fees", "running_costs", "taxes", "score"})


def _swept(game_toml: Path, store: object, fasts: list[int], slows: list[int], symbol: str | None, quiet: bool) -> Any:
    """The sweep, with a progress bar of the pairs played on a terminal (not with --json)."""
    from tradegame.app.sweep import sweep_file

    with progress_bar("sweep", "pairs", quiet=quiet) as advance:
        return sweep_file(game_toml, store, fasts, slows, symbol, progress=advance)  # type: ignore[arg-type]


def sweep(
    game_toml: Annotated[Path, typer.Argument(metavar="GAME.toml", help="The Game definition (all but the pair).")],
    fast: Annotated[str, typer.Option("--fast", help="Fast windows: start:stop:step, start:stop or 5,10,20.")],
    slow: Annotated[str, typer.Option("--slow", help="Slow windows, the same forms.")],
    symbol: Annotated[
        str | None, typer.Option("--symbol", help="The symbol (default: the Game file's sma-crossover symbol).")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows to print.")] = 10,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Write every pair's row to this CSV file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print every pair's row as JSON.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Play the Game once per (fast, slow) pair with fast < slow, all at once on arrays.

    Each pair's fills, outcome and exact score are those of the Game file played with that pair.
    Play one pair with `tradegame play` for its full books and report. Example:

        tradegame sweep examples/games/sma-sweep.toml --fast 5:50:5 --slow 60:240:20
    """
    from tradegame.app.sweep import parse_windows, sweep_rows

    started = time.perf_counter()
    if csv_path is not None:
        check_output_file(csv_path, "--csv")
    store = market_store(data_dir)
    try:
        fasts, slows = parse_windows(fast, "--fast"), parse_windows(slow, "--slow")
        swept = _swept(game_toml, store, fasts, slows, symbol, quiet=as_json)
    except TradegameError as error:
        raise exit_for(error) from None
    rows = sweep_rows(swept.result)
    seconds = time.perf_counter() - started
    if csv_path is not None:
        with csv_path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    spec = swept.game_file.spec
    table = Table(title=f"{spec.name}: {len(rows)} pairs on {swept.result.symbol}, best score first")
    for name in rows[0]:
        table.add_column(name.replace("_", " "), justify="right")
    for row in rows[:top]:
        table.add_row(*(f"{float(str(v)):,.2f}" if name in MONEY else str(v) for name, v in row.items()))
    console = stdout_console()
    console.print(table)
    fills = sum(int(str(row["fills"])) for row in rows)
    console.print(
        f"{len(rows)} Games, {fills:,} fills in {seconds:.2f} s" + (f"; all rows in {csv_path}" if csv_path else "")
    )
