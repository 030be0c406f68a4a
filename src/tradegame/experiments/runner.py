"""Running an experiment: its Games on a backend, each finished batch's rows written at once.

A backend is one small interface (``Backend``): given a ``Job`` and the Games still to play, yield
each batch of Games with their result rows as it finishes, in any order. ``LocalPool`` is the one here: a
``concurrent.futures.ProcessPoolExecutor`` over the local cores (or, with one worker, the Games
played in this process), each process opening the shared data once (``experiments.shared``) and
playing batches of Games (``worker.batches``: those one sweep can play kept together).
``experiments.ray_backend.RayCluster`` is the second (``ray.put`` the job and its data, a few
Games per Ray task, ``ray.wait`` for the finished ones); nothing else changes. ``backend_for``
picks one by name (``--engine local|ray``).

``run_experiment`` stores the experiment's record, asks the database which Games are finished,
plays the rest and writes each finished batch's rows in one transaction as soon as it arrives
(all or nothing): a run killed at any moment loses only the batches in flight, and a rerun plays
exactly those. The primary key (experiment, Game) refuses a Game counted twice.

With ``keep_books`` (``--keep-books``) every Game is played through the Round loop and recorded
with its full books as ``tradegame play`` records a Game, in the same transaction as its row
(``store.experiments``): a kill leaves a Game with both or with neither, and a rerun records no
Game's books twice. A Game whose row was written without books (an earlier run without the
option) is played again and its row linked to the books.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tradegame.domain.errors import InvalidInputError
from tradegame.experiments.plan import PlannedGame, axes_of, jsonable
from tradegame.experiments.prepare import Prepared
from tradegame.experiments.shared import share_universe
from tradegame.experiments.worker import Job, Row, Worker, batch_size, batches, play_planned, start_worker
from tradegame.store import Database
from tradegame.store.experiments import finished_games, record_experiment_games, save_experiment, unkept_games

__all__ = ["Backend", "LocalPool", "RunSummary", "backend_for", "default_workers", "run_experiment"]

_FOLDER_PREFIX = "tradegame-experiment-"  # then the running process's id: tradegame-experiment-PID-...

Progress = Callable[[int, int], None]  # (Games done in this run, Games to play in this run)


class Backend(Protocol):
    """Where Games are played: yields the Games of ``games`` with their result rows, a batch (a
    list, never empty) at a time as each finishes."""

    def run(self, job: Job, games: Sequence[PlannedGame]) -> Iterator[list[Row]]: ...


def default_workers() -> int:
    """Every core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True)
class LocalPool:
    """A process pool over ``workers`` local processes (1: play in this process)."""

    workers: int
    start_method: str | None = None  # "fork", "spawn" or "forkserver"; default: fork where there is one

    def run(self, job: Job, games: Sequence[PlannedGame]) -> Iterator[list[Row]]:
        parts = batches(games, batch_size(len(games), self.workers))
        if self.workers <= 1 or len(parts) <= 1:
            start_worker(job)
            for part in parts:
                yield play_planned(part)
            return
        # Forked where the platform can (measured about 1.6x the Games/s of spawned workers here:
        # a spawned worker imports tradegame and builds its exchange calendars cold); the workers
        # read the market data from the memory-mapped files either way, and never touch this
        # process's database connection or its progress bar.
        method = self.start_method or ("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(self.workers, context, initializer=start_worker, initargs=(job,)) as pool:
            # A bounded window of batches in flight: a kill loses at most these, and memory stays flat.
            pending: set[Future[list[Row]]] = set()
            window = self.workers * 4
            for part in parts:
                pending.add(pool.submit(play_planned, part))
                if len(pending) >= window:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    yield from (future.result() for future in done)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (future.result() for future in done)


def backend_for(engine: str, workers: int | None = None, address: str | None = None) -> Backend:
    """The backend named ``engine``: ``local`` (a pool of ``workers`` processes) or ``ray``."""
    if engine == "local":
        if address is not None:
            raise InvalidInputError("--address is for --engine ray")
        return LocalPool(workers or default_workers())
    if engine == "ray":
        if address is not None and workers is not None:
            raise InvalidInputError("--workers is for a local Ray; a cluster at --address has its own CPUs")
        from tradegame.experiments.ray_backend import RayCluster  # Ray is optional: imported when asked for

        return RayCluster(address=address, workers=workers)
    raise InvalidInputError(f"unknown engine {engine!r} (local or ray)")


@dataclass(frozen=True)
class RunSummary:
    experiment_id: str
    total: int  # Games of the experiment
    skipped: int  # finished before this run
    played: int  # in this run
    errors: int  # of those, Games whose Model raised or that could not start (outcome "error")
    seconds: float


def definition_of(prepared: Prepared) -> dict[str, object]:
    """What the store keeps of an experiment: enough to play any of its Games again (its base Game
    and seed), and every axis it expanded (``plan.axes_of``, as JSON)."""
    experiment = prepared.experiment
    return {
        "name": experiment.name,
        "seed": experiment.seed,
        "base": jsonable(experiment.base),
        "axes": jsonable(axes_of(experiment)),
    }


def run_experiment(
    prepared: Prepared, db: Database, backend: Backend, progress: Progress | None = None, *, keep_books: bool = False
) -> RunSummary:
    """Play every Game of ``prepared`` not yet in ``db``, writing each batch's rows as it finishes
    (with ``keep_books``, each Game's full books with its row; see the module)."""
    started = time.perf_counter()
    experiment_id = prepared.experiment_id
    save_experiment(
        db, experiment_id, prepared.experiment.name, definition_of(prepared), str(prepared.folder), len(prepared.games)
    )
    finished = finished_games(db, experiment_id)
    relink = unkept_games(db, experiment_id) if keep_books else set()
    todo = [game for game in prepared.games if game.game_id not in finished or game.game_id in relink]
    if progress is not None:
        progress(0, len(todo))
    errors = count = 0
    remove_stale_folders()
    with tempfile.TemporaryDirectory(prefix=f"{_FOLDER_PREFIX}{os.getpid()}-") as folder:
        shared = share_universe(prepared.universe, Path(folder))
        job = Job(prepared.experiment, str(prepared.folder), shared, keep_books)
        for batch in backend.run(job, todo):
            rows = [(game.game_id, game.coordinates, game.seed, row) for game, row in batch]
            record_experiment_games(db, experiment_id, rows, relink)
            count += len(batch)
            errors += sum(row.get("outcome") == "error" for _, row in batch)
            if progress is not None:
                progress(count, len(todo))
    seconds = time.perf_counter() - started
    total, skipped = len(prepared.games), len(prepared.games) - len(todo)
    return RunSummary(experiment_id, total, skipped, len(todo), errors, seconds)


def local_worker(prepared: Prepared) -> Worker:
    """A ``Worker`` in this process on ``prepared``'s data (for replays and checks)."""
    return Worker(Job(prepared.experiment, str(prepared.folder), None), prepared.universe)  # type: ignore[arg-type]


def remove_stale_folders(root: Path | None = None) -> list[Path]:
    """Delete the shared-data folders of runs whose process is gone (killed before it could clean
    up); a folder of a live process, or one not named by a process id, is left alone."""
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{_FOLDER_PREFIX}*-*"):
        pid_text = folder.name[len(_FOLDER_PREFIX) :].split("-", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
