"""Playing an experiment's Games on a Ray cluster (``tradegame experiment run --engine ray``).

``RayCluster`` is a second ``Backend`` (``experiments.runner``): the same Games, the same
``Worker``, the same rows, written by the parent exactly as with the local pool. Only where the
Games are played changes, and every part of that is Ray's own:

- the market data goes into Ray's object store once (``ray.put`` of the job and its arrays): on
  a cluster of several machines the parent's temporary folder (where the local pool's memory-mapped
  files are) is not visible to the other nodes, while the object store is; each node holds one
  copy, and a worker reads the arrays from it without a copy (read-only, as the local files are);
- the Games go out as Ray tasks of a few Games each (``worker.batches``: the Games one sweep can
  play together in the same task), placed by Ray's scheduler (and retried by it if a node is
  lost); a bounded window of tasks is in flight, so a kill loses at most those;
- a Ray worker process opens the data once and keeps it for the next tasks of the same run.

Without an address a local Ray is started on this machine and stopped at the end; with one
(``ray://...``, ``host:port`` or ``auto``) the run joins that cluster, whose nodes must have
tradegame installed and, for a user's own Model file, that file at the same path. Ray is an
optional extra: ``pip install 'tradegame[ray]'``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from tradegame.domain.errors import InvalidInputError
from tradegame.experiments.plan import PlannedGame
from tradegame.experiments.shared import SharedUniverse, open_universe, shared_arrays
from tradegame.experiments.worker import Job, Row, Worker, batch_size, batches

__all__ = ["RayCluster"]


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise InvalidInputError("--engine ray needs Ray: pip install 'tradegame[ray]'") from None
    return ray


@dataclass(frozen=True)
class RayCluster:
    """Games as Ray tasks: on the cluster at ``address``, or on a local Ray of ``workers`` CPUs."""

    address: str | None = None
    workers: int | None = None  # CPUs of the local Ray started here (default: every core); not with address
    object_store_bytes: int | None = None  # of the local Ray started here (default: Ray's)
    chunk: int | None = None  # Games per task (default: a few, by the number of Games and CPUs)

    def run(self, job: Job, games: Sequence[PlannedGame]) -> Iterator[list[Row]]:
        """Yield the Games of ``games`` with their rows, a task's batch at a time as it finishes."""
        ray = _ray()
        started_here = not ray.is_initialized()
        if started_here:
            self._start(ray)
        try:
            yield from self._play(ray, job, games)
        finally:
            if started_here:
                ray.shutdown()

    def _start(self, ray: Any) -> None:
        if self.address is not None:
            ray.init(address=self.address, logging_level="warning", log_to_driver=True)
            return
        ray.init(
            num_cpus=self.workers or len(os.sched_getaffinity(0)),
            include_dashboard=False,
            object_store_memory=self.object_store_bytes,
            logging_level="warning",
        )

    def _play(self, ray: Any, job: Job, games: Sequence[PlannedGame]) -> Iterator[list[Row]]:
        if not games:
            return
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        size = self.chunk or batch_size(len(games), cpus)
        # The job without the parent's folder, and the arrays, in the object store once. The
        # reference travels inside a list so that Ray does not fetch the data for every task: a
        # worker process fetches it once (``_play_chunk``).
        data = ray.put((replace(job, shared=replace(job.shared, folder="")), shared_arrays(job.shared)))
        remote = ray.remote(_play_chunk)
        chunks = batches(games, size)  # the Games one sweep can play together in one task
        pending: list[Any] = []
        for chunk in chunks:
            pending.append(remote.remote([data], chunk))
            if len(pending) >= cpus * 2:
                done, pending = ray.wait(pending, num_returns=1)
                yield ray.get(done[0])
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield ray.get(done[0])


_OPENED: dict[str, Worker] = {}  # this Ray worker process's Worker, by the run's object reference


def _play_chunk(data: list[Any], games: list[PlannedGame]) -> list[Row]:
    """A Ray task: play ``games`` with the run's data (fetched once per worker process)."""
    key = data[0].hex()
    worker = _OPENED.get(key)
    if worker is None:
        import ray

        job, arrays = ray.get(data[0])
        shared: SharedUniverse = job.shared
        typed: dict[str, np.ndarray] = arrays
        _OPENED.clear()  # the previous run's data, if this process served one
        worker = _OPENED[key] = Worker(job, open_universe(shared, typed))
    return worker.play_many(games)
