"""Which points of a long series a chart draws: the extremes of each pixel column, never fewer.

A chart is about a thousand pixels wide; a 32-year daily Game has 8,000 Rounds, an hourly one
many more. Drawing every point makes the page large and slow and shows nothing more, since a
pixel column can only show the lowest and the highest value that falls in it. So a long series
is cut into ``buckets`` runs of consecutive points and each run keeps its lowest and its highest
point (min/max decimation): every peak and every trough is still drawn where it was, at its true
value, and so are the first and the last point. A point that is not a number (a gap, such as a
benchmark before its first close) is kept too, the first of each run, so gaps stay gaps.

Several series drawn on one x axis (the bands of a stacked area) keep the union of their
indices, so they stay aligned. Only what is drawn is thinned: every figure the page prints
(metrics, tables, hover values of the kept points) comes from the full series.

Imports numpy only; reads and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["DRAWN_BUCKETS", "drawn_indices", "short_times", "time_texts"]

DRAWN_BUCKETS = 1000
"""Runs per series: each keeps at most its minimum and maximum (about one per pixel column)."""

IntArray = npt.NDArray[np.intp]


def drawn_indices(series: Sequence[npt.NDArray[np.float64]], buckets: int = DRAWN_BUCKETS) -> IntArray:
    """The sorted indices to draw of ``series`` (arrays of one length): all of them when they are
    short, else the first, the last, and each run's minimum, maximum and first non-number."""
    length = len(series[0]) if series else 0
    if length <= 2 * buckets + 2:
        return np.arange(length, dtype=np.intp)
    edges = np.linspace(0, length, buckets + 1).astype(np.intp)
    starts = edges[:-1]
    keep = [np.array([0, length - 1], dtype=np.intp)]
    for values in series:
        values = np.asarray(values, dtype=np.float64)
        missing = np.isnan(values)
        low = np.where(missing, np.inf, values)
        high = np.where(missing, -np.inf, values)
        keep.append(_run_argext(low, starts, np.minimum))
        keep.append(_run_argext(high, starts, np.maximum))
        gaps = np.flatnonzero(missing)
        if len(gaps):
            run_of_gap = np.searchsorted(edges, gaps, "right")
            keep.append(gaps[np.r_[True, run_of_gap[1:] != run_of_gap[:-1]]])
    return np.unique(np.concatenate(keep))


def _run_argext(values: npt.NDArray[np.float64], starts: IntArray, pick: np.ufunc) -> IntArray:
    """For each run beginning at ``starts``, the index of its first extreme (``pick`` of the run)."""
    extremes = pick.reduceat(values, starts)
    run_of = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(values)]))
    hits = np.flatnonzero(values == extremes[run_of])
    first = np.r_[True, run_of[hits[1:]] != run_of[hits[:-1]]]
    return hits[first]


def short_times(times: npt.NDArray[np.datetime64]) -> npt.NDArray[np.datetime64]:
    """Times as a chart is given them: to the minute when every one is on a whole minute, else to
    the nanosecond; written as text (``time_texts``: ``2024-01-02T14:30``, a third of the
    nanosecond text) when the page is. A datetime64 array, not texts: plotly checks and copies
    it at once (an array of texts it copies text by text, a tenth of a long report's write)."""
    stamps: npt.NDArray[np.datetime64] = np.asarray(times).astype("datetime64[ns]")
    whole_minutes = not (stamps.astype(np.int64) % 60_000_000_000).any()
    return stamps.astype("datetime64[m]") if whole_minutes else stamps


def time_texts(times: npt.NDArray[np.datetime64]) -> list[str]:
    """``short_times``'s times as the page writes them, at their own precision."""
    return [str(text) for text in np.datetime_as_string(times)]
