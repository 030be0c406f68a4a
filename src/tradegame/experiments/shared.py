"""Market data shared by the worker processes of a run without a copy per worker.

The parent loads the experiment's data once and writes the Panel's arrays (labels, the times each
row is known, every price field) and the two arrays the Universe derives from them (fill times,
the close carried forward) as ``.npy`` files in a folder of the run. Each worker opens them with
``numpy.load(mmap_mode="r")``: the pages are the operating system's page cache, mapped read-only
into every worker, so N workers hold one copy of the data, not N. What is small and not an array
(instruments, corporate actions, static FX rates) travels in the pickled ``SharedUniverse``.

The arrays are the parent's, checked when it loaded them; a worker rebuilds the ``Panel`` from
them directly (not through its checking constructors) and the ``Universe`` around it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np

from tradegame.data.panel import Panel
from tradegame.domain.instruments import Instrument
from tradegame.engine.universe import CorporateAction, Universe

__all__ = ["SharedUniverse", "open_universe", "share_universe", "shared_arrays"]


@dataclass(frozen=True)
class SharedUniverse:
    """Where a Universe's arrays are (``folder``) and its small parts, picklable."""

    folder: str
    symbols: tuple[str, ...]
    fields: tuple[str, ...]
    frequency: str
    calendar: str
    currency: str
    content_hash: str
    instruments: dict[str, Instrument]
    actions: dict[int, list[CorporateAction]]
    fx_rates: dict[str, Decimal]


def share_universe(universe: Universe, folder: Path) -> SharedUniverse:
    """Write ``universe``'s arrays into ``folder`` and say how to open them again."""
    panel = universe.panel
    arrays = {"labels": panel.labels, "available": panel.available, "fill_times": universe.fill_times}
    arrays["filled_close"] = universe.filled_close
    arrays.update({f"field_{name}": grid for name, grid in panel.fields.items()})
    for name, array in arrays.items():
        np.save(folder / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
    return SharedUniverse(
        str(folder),
        panel.symbols,
        tuple(panel.fields),
        panel.frequency,
        panel.calendar,
        panel.currency,
        panel.content_hash,
        dict(universe.instruments),
        {row: list(actions) for row, actions in universe.actions.items()},
        dict(universe.fx_rates),
    )


def shared_arrays(shared: SharedUniverse) -> dict[str, np.ndarray]:
    """``shared``'s arrays by name, memory-mapped read-only from its folder."""
    folder = Path(shared.folder)
    names = ["labels", "available", "fill_times", "filled_close", *(f"field_{name}" for name in shared.fields)]
    return {name: np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)) for name in names}


def open_universe(shared: SharedUniverse, arrays: Mapping[str, np.ndarray] | None = None) -> Universe:
    """The Universe of ``shared`` on ``arrays`` (by default its files, memory-mapped read-only).

    A Ray worker passes the arrays it read from Ray's object store (read-only, not copied).
    """
    mapped = shared_arrays(shared) if arrays is None else arrays
    panel = Panel(
        shared.symbols,
        mapped["labels"],
        mapped["available"],
        {name: mapped[f"field_{name}"] for name in shared.fields},
        shared.frequency,
        shared.calendar,
        shared.currency,
        shared.content_hash,
    )
    universe = Universe(panel, dict(shared.instruments), dict(shared.actions), dict(shared.fx_rates))
    universe.fill_times = mapped["fill_times"]  # the same arrays __post_init__ derived, shared instead
    universe.filled_close = mapped["filled_close"]
    return universe
