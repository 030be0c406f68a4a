"""Indicator lines a Model asks the report to draw on its price charts (an optional Model hook).

A Model may offer ``indicators(universe)``, returning ``{symbol: {name: values}}``: for each
symbol, named lines with one value per row of ``universe.panel`` (NaN where a line has no value,
such as a moving average before its window fills). The report draws each on that symbol's price
chart (``html_sections``' trades charts). ``SmaCrossover`` declares its two averages.

The hook is the Model's own code, run after the Game: a line that is not of the panel's length, a
symbol not in the data or a hook that raises gives a note in the report (what was wrong) and no
line, never a failed report. Imports numpy, the engine's Universe and the chart helpers (plotly
comes in as an argument); reads and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from tradegame.engine.universe import Universe
from tradegame.reporting.html_points import drawn_indices, short_times
from tradegame.reporting.palette import series_colors

__all__ = ["DrawsIndicators", "IndicatorLines", "draw_indicators", "indicator_lines"]

IndicatorLines = dict[str, dict[str, npt.NDArray[np.float64]]]
"""symbol -> line name -> one value per panel row."""


@runtime_checkable
class DrawsIndicators(Protocol):
    """A Model with lines to draw on its price charts."""

    def indicators(self, universe: Universe) -> Mapping[str, Mapping[str, npt.ArrayLike]]: ...


def indicator_lines(model: object, universe: Universe) -> tuple[IndicatorLines, list[str]]:
    """The lines ``model`` declares (none when it has no ``indicators``) and the problems found."""
    if not isinstance(model, DrawsIndicators):
        return {}, []
    name = getattr(model, "name", type(model).__name__)
    try:
        declared = model.indicators(universe)
        items = [(symbol, dict(lines)) for symbol, lines in dict(declared).items()]
    except Exception as error:  # the Model's code: whatever it raises becomes a note
        return {}, [f"{name}: indicators() failed: {type(error).__name__}: {error}"]
    panel = universe.panel
    lines_of: IndicatorLines = {}
    problems: list[str] = []
    for symbol, lines in items:
        if symbol not in panel.symbols:
            problems.append(f"{name}: indicator symbol {symbol!r} is not in the data")
            continue
        for line, values in lines.items():
            try:
                array = np.asarray(values, dtype=np.float64)
            except (TypeError, ValueError) as error:
                problems.append(f"{name}: indicator {line!r} of {symbol} is not numbers: {error}")
                continue
            if array.shape != (len(panel.labels),):
                problems.append(
                    f"{name}: indicator {line!r} of {symbol} has shape {array.shape}, "
                    f"expected one value per data row ({len(panel.labels)})"
                )
                continue
            lines_of.setdefault(symbol, {})[str(line)] = array
    return lines_of, problems


def draw_indicators(
    figure: Any, go: Any, lines: Mapping[str, npt.NDArray[np.float64]], labels: npt.NDArray[np.datetime64],
    rows: tuple[int, int],
) -> None:  # fmt: skip
    """Add a symbol's ``lines`` to its price ``figure`` (``go``: plotly's graph objects), over the panel
    ``rows`` (first, end) the chart shows, whose bar labels are ``labels``; each its own colour."""
    colors = series_colors(len(lines), reserved=("#1a9850", "#d73027", "#4d4d4d"))  # not the fills' or the close's
    for (name, values), color in zip(lines.items(), colors, strict=True):
        shown = values[rows[0] : rows[1]]
        drawn = drawn_indices([shown])
        line = {"color": color, "width": 1}
        figure.add_trace(go.Scatter(x=short_times(labels[drawn]), y=shown[drawn], mode="lines", name=name, line=line))
