"""The report of an experiment: the owner's questions answered from its stored Games, as one
self-contained HTML page (plotly, plotly.js inlined once) and as JSON.

``experiments.report.experiment_analyses(db, experiment_id)`` reads a stored experiment and
runs the analyses: the mapping this module draws and ``analyses_json`` prints.
``render_experiment_html(analyses)`` draws it: the universe's statement first, then seasonality
(for each arm: the verdicts, each group's mean with its interval by start month, weekday and
day of the month, and the month x weekday heatmap), crash stress, slower trading, time of day,
the universes, capacity and, for an experiment with a training axis, the out-of-sample score by
training window (L, c), and for trainable Models the decay curve averaged over the Games.
The page is the Game report's (``html_parts``: its frame, style and charts), so the two read
alike; every chart sits in a ``<div data-chart="...">`` for the browser
test. Imports no analysis and reads no database (``experiments`` sits above ``reporting``, and
``store`` beside it); writes nothing except in ``write_experiment_report``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tradegame.reporting.html_parts import _PAGE, _Charts, _e, _write_page
from tradegame.reporting.html_parts import _STYLE as _GAME_STYLE

__all__ = [
    "MAX_ARMS",
    "analyses_json",
    "render_experiment_html",
    "write_experiment_report",
]

MAX_ARMS = 12
"""At most this many arms get seasonality charts (all of them are in the JSON)."""

Json = Mapping[str, Any]
GROUPINGS = ("month", "weekday", "day_of_month")  # as ``experiments.analysis_seasonality`` names them


def write_experiment_report(analyses: Json, path: Path) -> Path:
    """Render ``analyses`` and write the page to ``path`` (whole or not at all); returns ``path``."""
    return _write_page(render_experiment_html(analyses), path)


def analyses_json(analyses: Json) -> str:
    """The JSON text of ``analyses`` (sorted keys, indented)."""
    return json.dumps(analyses, indent=2, sort_keys=True, allow_nan=False)


# ---------------------------------------------------------------------------------------------
# The page


def _number(value: object, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else _e(str(value))


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], css: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)

    def cell(value: object) -> str:
        return f"<td>{_e(value)}</td>" if isinstance(value, str) else f'<td class="num">{_number(value)}</td>'

    body = "".join("<tr>" + "".join(cell(value) for value in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _section(anchor: str, heading: str, parts: Sequence[str]) -> str:
    return f'<section id="{anchor}">\n<h2>{_e(heading)}</h2>\n' + "\n".join(parts) + "\n</section>"


def _note(text: object) -> str:
    return f'<p class="note">{_e(str(text))}</p>' if text else ""


def _header(analyses: Json) -> str:
    head, summary, universe = analyses["experiment"], analyses["summary"], analyses["universe"]
    facts = [
        ("Experiment", f"{head['name']} ({head['id']})"),
        ("Games", f"{head['games_stored']:,} stored of {head['games_planned']:,} planned"),
        ("Start dates", f"{summary['first_start']} to {summary['last_start']}"),
        ("Outcomes", ", ".join(f"{n} {k}" for k, n in summary["outcomes"].items() if n) or "none"),
        ("Arms", f"{len(summary['arms'])} (Games of one arm differ only in their start date)"),
    ]
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts)
    statement = f'<p class="universe" id="universe"><strong>{_e(universe["statement"])}</strong></p>'
    return _section("summary", "Summary", [f'<table class="facts">{rows}</table>', statement])


def _group_chart(charts: _Charts, name: str, grouping: str, found: Json, metric: str) -> str:
    groups = found["groups"]
    labels = [g["label"] for g in groups]
    means = [g["mean"] for g in groups]
    upper = [(g["high"] - g["mean"]) if g["high"] is not None else 0 for g in groups]
    lower = [(g["mean"] - g["low"]) if g["low"] is not None else 0 for g in groups]
    figure = charts.figure(title=f"Mean {metric} by start {grouping.replace('_', ' ')} (95% block-bootstrap interval)")
    figure.add_trace(
        charts.go.Bar(x=labels, y=means, name=metric, error_y={"type": "data", "array": upper, "arrayminus": lower})
    )
    figure.update_xaxes(type="category")
    return charts.div(name, figure)


def _heatmap_chart(charts: _Charts, name: str, heatmap: Json) -> str:
    figure = charts.figure(title=f"Mean {heatmap['metric']} by start month and weekday")
    figure.add_trace(
        charts.go.Heatmap(
            z=heatmap["mean"], x=heatmap["columns"], y=heatmap["rows"], customdata=heatmap["games"],
            colorscale="RdYlGn", zmid=0, hovertemplate="%{y} %{x}: %{z:,.4g} (%{customdata} Games)<extra></extra>",
        )
    )  # fmt: skip
    figure.update_yaxes(autorange="reversed")
    return charts.div(name, figure)


def _seasonality_section(analyses: Json, charts: _Charts) -> str:
    season = analyses["seasonality"]
    parts = [_note(season["method"])]
    for index, (arm, found) in enumerate(season["arms"].items()):
        parts.append(f"<h3>{_e(arm)}</h3>")
        ess = ", ".join(f"{metric} {value:,.0f}" for metric, value in found["effective_sample_size"].items())
        parts.append(
            f"<p>{found['games']:,} Games in {found['blocks']} blocks ({_e(found['block_unit'])}); "
            f"effective sample size (autocorrelation of results by start date): {_e(ess)} Games.</p>"
        )
        parts.append(_note(found.get("note")))
        verdicts = [found["groupings"][g][m] for m in season["metrics"] for g in GROUPINGS]
        cls = {True: "evidence", False: "no-evidence"}
        parts.append(
            "<ul class='verdicts'>"
            + "".join(f'<li class="{cls[bool(v["evidence"])]}">{_e(v["wording"])}</li>' for v in verdicts)
            + "</ul>"
        )
        if index >= MAX_ARMS:
            continue
        metric = season["metrics"][0]
        for grouping in GROUPINGS:
            found_group = found["groupings"][grouping][metric]
            parts.append(_group_chart(charts, f"season-{index}-{grouping}", grouping, found_group, metric))
        parts.append(_heatmap_chart(charts, f"heatmap-{index}", found["heatmap"]))
    if not season["arms"]:
        parts.append(_note("No finished Games to analyse."))
    return _section("seasonality", "Seasonality: does the start date matter?", parts)


def _crash_section(analyses: Json, charts: _Charts) -> str:
    crash = analyses["crash_stress"]
    rows, names, drawdowns = [], [], []
    for window, found in [*crash["windows"].items(), ("outside the windows", crash["outside"])]:
        for arm, numbers in found["arms"].items():
            dd = numbers["max_drawdown"] or {}
            outcomes = numbers["outcomes"]
            rows.append([window, arm, numbers["games"], outcomes["catastrophic"], outcomes["completed"],
                         outcomes["perfect"], dd.get("median"), dd.get("p5"), dd.get("min")])  # fmt: skip
            names.append(f"{window}<br>{arm}")
            drawdowns.append(dd)
        if found.get("note"):
            rows.append([window, found["note"], 0, 0, 0, 0, None, None, None])
    header = ["Starts", "Arm", "Games", "Catastrophic", "Completed", "Perfect",
              "Median max DD", "5% max DD", "Worst max DD"]  # fmt: skip
    parts = [_note("Games started in each window before a crash, beside every other Game."), _table(header, rows)]
    figure = charts.figure(title="Maximum drawdown of the Games (5%, median, 95%)")
    figure.add_trace(
        charts.go.Scatter(
            x=names, y=[d.get("median") for d in drawdowns], mode="markers", name="median",
            error_y={"type": "data", "symmetric": False,
                     "array": [(d.get("p95") or 0) - (d.get("median") or 0) for d in drawdowns],
                     "arrayminus": [(d.get("median") or 0) - (d.get("p5") or 0) for d in drawdowns]},
        )
    )  # fmt: skip
    parts.append(charts.div("crash-drawdowns", figure))
    return _section("crash-stress", "Crash stress: Games started before 2008 and 2020", parts)


def _schedule_section(analyses: Json, charts: _Charts) -> str:
    schedules = analyses["schedules"]
    parts = [_note(schedules["note"])]
    if not schedules["arms"]:
        parts.append(_note("This experiment has one Round schedule per arm: nothing to compare."))
    figure = charts.figure(title="Mean score after costs and taxes by Round schedule (95% block-bootstrap interval)")
    for arm, found in schedules["arms"].items():
        rows = []
        for row in found["schedules"]:
            paired = row["versus_most_frequent"] or {}
            rows.append([row["schedule"], row["games"], row["score"]["mean"], row["score"]["low"], row["score"]["high"],
                         row["fees"], row["taxes"], row["trades"], row["turnover"], paired.get("mean"),
                         paired.get("low"), paired.get("high")])  # fmt: skip
        header = ["Schedule", "Games", "Mean score", "low", "high", "Fees", "Taxes", "Trades", "Turnover",
                  f"vs {found['reference']}", "low", "high"]  # fmt: skip
        parts += [f"<h3>{_e(arm)}</h3>", _table(header, rows)]
        scores = [row["score"] for row in found["schedules"]]
        figure.add_trace(
            charts.go.Bar(
                x=[row["schedule"] for row in found["schedules"]], y=[s["mean"] for s in scores], name=arm,
                error_y={"type": "data", "symmetric": False,
                         "array": [(s["high"] or s["mean"]) - s["mean"] for s in scores],
                         "arrayminus": [s["mean"] - (s["low"] or s["mean"]) for s in scores]},
            )
        )  # fmt: skip
    if schedules["arms"]:
        parts.append(charts.div("schedules", figure))
    return _section("schedules", "Slower still wins? Score by Round schedule", parts)


def _interval_bars(charts: _Charts, x: list[str], found: list[Json], name: str) -> Any:
    """A bar per ``x`` of each mean, its 95% interval as error bars."""
    return charts.go.Bar(
        x=x, y=[s["mean"] for s in found], name=name,
        error_y={"type": "data", "symmetric": False,
                 "array": [(s["high"] if s["high"] is not None else s["mean"]) - s["mean"] for s in found],
                 "arrayminus": [s["mean"] - (s["low"] if s["low"] is not None else s["mean"]) for s in found]},
    )  # fmt: skip


def _training_section(analyses: Json, charts: _Charts) -> str:
    """Out-of-sample score by training window (L, c); nothing when the experiment has no training axis."""
    found_all = analyses.get("training_windows") or {"arms": {}}
    if not found_all["arms"]:
        return ""
    parts = [_note(found_all["note"])]
    figure = charts.figure(title="Mean out-of-sample score by training window (95% block-bootstrap interval)")
    for arm, found in found_all["arms"].items():
        rows = []
        for row in found["windows"]:
            score, ret = row["score"], row["total_return"]
            paired = row["versus_reference"]["score"] or {}
            back = row["versus_reference"]["total_return"] or {}
            rows.append([row["training"], row["games"], score["mean"], score["low"], score["high"], ret["mean"],
                         ret["low"], ret["high"], paired.get("mean"), paired.get("low"), paired.get("high"),
                         back.get("mean")])  # fmt: skip
        header = ["Training window", "Games", "Mean score", "low", "high", "Mean return", "low", "high",
                  f"Score vs {found['reference']}", "low", "high", "Return vs it"]  # fmt: skip
        parts += [f"<h3>{_e(arm)}</h3>", _table(header, rows)]
        windows = found["windows"]
        figure.add_trace(_interval_bars(charts, [w["training"] for w in windows], [w["score"] for w in windows], arm))
    parts.append(charts.div("training-windows", figure))
    return _section("training-windows", "Training windows: out-of-sample score by length L and cut-off c", parts)


def _decay_section(analyses: Json, charts: _Charts) -> str:
    """The decay curve averaged over the Games, per arm and Model; nothing when no Model trained."""
    found_all = analyses.get("training_decay") or {"arms": {}}
    if not found_all["arms"]:
        return ""
    parts = [_note(found_all["note"])]
    figure = charts.figure(
        title="Mean out-of-sample return by month since training, over the Games (95% block-bootstrap band)",
        xaxis={"title": {"text": "months since training"}},
        yaxis={"tickformat": ".1%"},
    )
    rows = []
    for arm, curves in found_all["arms"].items():
        for curve in curves:
            name = arm if curve["model"] is None else f"{arm}: {curve['model']}"
            months = curve["months"]
            x = [m["months_since"] for m in months]
            rows += [[name, m["months_since"], m["games"], m["mean"], m["low"], m["high"]] for m in months]
            band = [m["high"] for m in months] + [m["low"] for m in reversed(months)]
            figure.add_trace(
                charts.go.Scatter(
                    x=x + x[::-1],
                    y=band,
                    fill="toself",
                    opacity=0.2,
                    mode="lines",
                    line={"width": 0},
                    showlegend=False,
                    hoverinfo="skip",
                    name=name,
                )
            )
            figure.add_trace(charts.go.Scatter(x=x, y=[m["mean"] for m in months], mode="lines+markers", name=name,
                                               customdata=[m["games"] for m in months],
                                               hovertemplate="month %{x}: %{y:.2%} (%{customdata} Games)"))  # fmt: skip
    header = ["Arm (training window) and Model", "Months since training", "Games", "Mean return", "low", "high"]
    parts += [charts.div("training-decay", figure), _table(header, rows)]
    return _section("training-decay", "Decay curve: out-of-sample return by month since training", parts)


def _capacity_section(analyses: Json, charts: _Charts) -> str:
    capacity = analyses["capacity"]
    parts = [_note(capacity["note"])]
    if not capacity["arms"]:
        parts.append(_note("This experiment has one Start Fund per arm: no capacity curve."))
    figure = charts.figure(title="Mean return by Start Fund")
    for arm, found in capacity["arms"].items():
        rows = [[f["start_fund"], f["games"], f["mean_score"], f["mean_return"], f["median_return"], f["fees"],
                 f.get("turnover"), f.get("capped_share"), f.get("capped_fills")] for f in found["funds"]]  # fmt: skip
        binds = found["cap_binds_from"]
        header = ["Start Fund", "Games", "Mean score", "Mean return", "Median return", "Fees", "Turnover",
                  "Games capped", "Capped fills"]  # fmt: skip
        said = "no fill was cut at any of these funds" if "capped_share" in found["funds"][0] else ""
        parts += [
            f"<h3>{_e(arm)}</h3>",
            _table(header, rows),
            _note(f"The volume cap binds from a Start Fund of {binds:,.0f}: from there on, some fills were cut."
                  if binds else said),
        ]  # fmt: skip
        figure.add_trace(
            charts.go.Scatter(x=[f["start_fund"] for f in found["funds"]], y=[f["mean_return"] for f in found["funds"]],
                              mode="lines+markers", name=arm)
        )  # fmt: skip
    if capacity["arms"]:
        figure.update_xaxes(type="log")
        parts.append(charts.div("capacity", figure))
    return _section("capacity", "Small fish: score as the Start Fund grows", parts)


def _time_of_day_section(analyses: Json, charts: _Charts) -> str:
    found_all = analyses.get("time_of_day") or {"arms": {}, "note": "not analysed", "method": ""}
    parts = [_note(found_all["method"]), _note(found_all.get("note"))]
    for index, (arm, found) in enumerate(found_all["arms"].items()):
        ess = ", ".join(f"{metric} {value:,.0f}" for metric, value in found["effective_sample_size"].items())
        parts += [
            f"<h3>{_e(arm)}</h3>",
            f"<p>{found['games']:,} Games: {found['start_dates']} start dates x {len(found['hours'])} hours, in "
            f"{found['blocks']} blocks of {found['block_days']} days of start dates ({found['tested_games']:,} Games "
            f"end inside their block and are tested); effective sample size "
            f"(autocorrelation of the start dates' results): {_e(ess)} start dates.</p>",
        ]
        verdicts = found["metrics"].values()
        cls = {True: "evidence", False: "no-evidence"}
        parts.append("<ul class='verdicts'>" + "".join(
            f'<li class="{cls[bool(v["evidence"])]}">{_e(v["wording"])}</li>' for v in verdicts) + "</ul>")  # fmt: skip
        if index < MAX_ARMS:
            metric = next(iter(found["metrics"]))
            figure = charts.figure(
                title=f"Mean {metric} by the hour the Rounds act at, UTC (95% block-bootstrap interval)"
            )
            groups = found["metrics"][metric]["groups"]
            figure.add_trace(_interval_bars(charts, [g["label"] for g in groups], groups, metric))
            figure.update_xaxes(type="category")
            parts.append(charts.div(f"hours-{index}", figure))
    return _section("time-of-day", "Time of day: score by the hour the Rounds act at", parts)


def _universes_section(analyses: Json) -> str:
    found = analyses.get("universes") or {"universes": [], "note": ""}
    parts = [_note(found.get("note"))]
    if found["universes"]:
        rows = [[u["universe"], u["games"], u["mean_symbols"], u["mean_score"], u["mean_return"], u["turnover"]]
                for u in found["universes"]]  # fmt: skip
        header = ["Universe", "Games", "Symbols (mean)", "Mean score", "Mean return", "Turnover"]
        parts += [
            _note("Each Game's universe is chosen at its start from prices known before it."),
            _table(header, rows),
        ]
    else:
        parts.append(_note("This experiment has no universe axis: every Game trades the base Game's symbols."))
    return _section("universes", "Small fish: universes by filter", parts)


_NAV = (("summary", "Summary"), ("seasonality", "Seasonality"), ("crash-stress", "Crash stress"),
        ("schedules", "Slower trading"), ("time-of-day", "Time of day"), ("universes", "Universes"),
        ("capacity", "Capacity"))  # fmt: skip
# The Game report's page and look (reporting/html_parts.py), with the experiment's own marks.
_STYLE = (
    _GAME_STYLE
    + """
p.universe { background: #fff6e0; border-left: 4px solid #e0a000; padding: 6px 10px; }
ul.verdicts li.evidence { color: #1a5f1a; }
ul.verdicts li.no-evidence { color: #444; }
"""
)


def render_experiment_html(analyses: Json, *, title: str | None = None) -> str:
    """The page of ``analyses`` (``experiment_analyses``' mapping): one self-contained HTML string."""
    charts = _Charts()
    page_title = title or f"{analyses['experiment']['name']}: experiment report"
    sections = [
        _header(analyses),
        _seasonality_section(analyses, charts),
        _crash_section(analyses, charts),
        _schedule_section(analyses, charts),
        _time_of_day_section(analyses, charts),
        _universes_section(analyses),
        _capacity_section(analyses, charts),
        _training_section(analyses, charts),
        _decay_section(analyses, charts),
    ]
    links = _NAV + ((("training-windows", "Training windows"),) if sections[-2] else ())
    links += (("training-decay", "Decay curve"),) if sections[-1] else ()
    nav = "<nav>" + " · ".join(f'<a href="#{anchor}">{_e(label)}</a>' for anchor, label in links) + "</nav>"
    return _PAGE.format(
        title=_e(page_title), style=_STYLE, heading=_e(page_title), nav=nav, body="\n".join(sections), script=""
    )
