"""The "Model versions" section of a played Game's report: a trainable Model's versions
(``GameResult.training``, engine/training_records.py) in a table, and the decay curve: each
version's out-of-sample return by month since it was trained, and their mean over the versions
(under an Activator, each trainable Model's versions, named by it, scored on its sub-book).

Empty when the Game's Model was never trained. Imports plotly only through ``html_parts._Charts``.
"""

from __future__ import annotations

from collections.abc import Sequence

from tradegame.engine.training_records import TrainedVersion, decay_curve
from tradegame.reporting.html_parts import _Charts, _e, _money, _percent, _row, _section, _table

__all__ = ["MAX_VERSION_LINES", "decay_curve", "versions_section"]

MAX_VERSION_LINES = 24
"""At most this many versions get a line of their own in the decay chart (the mean uses all)."""


def _cells(version: TrainedVersion, places: int, last: bool) -> list[str]:
    retired = version.retired_reason or ("live to the end" if last else "replaced by the next")
    return [
        _e(version.version if version.model is None else f"{version.model} {version.version}"),
        _e(version.trained_at.replace("T", " ")[:16]),
        _e(version.reason),
        _e(f"{version.first_row[:10]} .. {version.last_row[:10]}"),
        _e(retired),
        _e(f"{version.rows:,}"),
        "—" if version.cost is None else _money(version.cost, places),
        _e(len(version.months)),
    ]


def versions_section(versions: Sequence[TrainedVersion], charts: _Charts, places: int) -> str:
    """The section (see the module's docstring); ``""`` when there are no versions."""
    if not versions:
        return ""
    header = ["Version", "Trained at", "Why", "Trained on", "Retired", "Rows", "Cost", "Months live"]
    rows = [_row(_cells(v, places, i == len(versions) - 1), numeric_from=5) for i, v in enumerate(versions)]
    table = _table(header, rows, table_id="model-versions-table")
    figure = charts.figure(
        title={"text": "Decay curve: return by month since training (out of sample)"},
        xaxis={"title": {"text": "months since training"}},
        yaxis={"tickformat": ".1%"},
    )
    for version in versions[:MAX_VERSION_LINES]:
        figure.add_trace(
            charts.go.Scatter(
                x=[m.months_since for m in version.months], y=[m.value for m in version.months],
                mode="lines+markers", name=version.label, opacity=0.45, line={"width": 1},
            )
        )  # fmt: skip
    months, means, counts = decay_curve(versions)
    figure.add_trace(
        charts.go.Scatter(
            x=months, y=means, mode="lines+markers", name="mean over versions", line={"width": 4, "color": "#222"},
            customdata=counts, hovertemplate="month %{x}: %{y:.2%} (mean of %{customdata} versions)<extra></extra>",
        )
    )  # fmt: skip
    mean = sum(means) / len(means) if means else None
    whose = "the Game's" if all(v.model is None for v in versions) else "its Model's sub-book's"
    note = (
        f'<p class="note">{len(versions)} versions. Each month\'s return is {whose} while that version was '
        f"live, after it was trained: out of sample. Mean over the months of the curve: {_percent(mean)}.</p>"
    )
    return _section("model-versions", "Model versions", note, table, charts.div("decay", figure))
