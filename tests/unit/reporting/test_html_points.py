"""Drawing a long series from each pixel column's extremes: every peak and trough, the ends and the
gaps are kept; a short series is drawn whole. And a long report stays light: plotly.js from its
CDN on request, long tables packed and paged."""

from __future__ import annotations

import base64
import gzip
import json
import re
from itertools import pairwise

import numpy as np
import pytest

from tradegame.reporting.html_paged import _packed, paged_table
from tradegame.reporting.html_points import drawn_indices, short_times, time_texts
from tradegame.reporting.html_script import PAGE_ROWS
from tradegame.reporting.text_columns import unpack_column


def test_a_short_series_is_drawn_whole() -> None:
    values = np.arange(50, dtype=np.float64)
    assert drawn_indices([values], buckets=25).tolist() == list(range(50))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_run_keeps_its_lowest_and_highest_point(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=10_007).cumsum()
    values[500:520] = np.nan  # a gap
    buckets = 100
    drawn = drawn_indices([values], buckets)
    assert len(drawn) <= 3 * buckets + 2
    assert drawn[0] == 0 and drawn[-1] == len(values) - 1
    assert 500 in drawn  # the gap's first point, so the line breaks there
    edges = np.linspace(0, len(values), buckets + 1).astype(int)
    kept = set(drawn.tolist())
    for start, end in pairwise(edges):
        run = values[start:end]
        if np.isfinite(run).any():
            assert start + int(np.nanargmin(run)) in kept and start + int(np.nanargmax(run)) in kept
    assert np.nanmax(values[drawn]) == np.nanmax(values) and np.nanmin(values[drawn]) == np.nanmin(values)


def test_bands_drawn_together_keep_each_ones_extremes() -> None:
    rng = np.random.default_rng(7)
    first, second = rng.normal(size=(2, 5000)).cumsum(axis=1)
    drawn = set(drawn_indices([first, second], 50).tolist())
    assert {int(first.argmax()), int(first.argmin()), int(second.argmax()), int(second.argmin())} <= drawn


def test_times_are_written_to_the_minute_when_they_can_be() -> None:
    daily = np.array(["2024-01-02T14:30", "2024-01-03T14:30"], dtype="datetime64[ns]")
    assert time_texts(short_times(daily)) == ["2024-01-02T14:30", "2024-01-03T14:30"]
    assert short_times(daily).dtype.kind == "M"  # an array plotly copies at once, not text by text
    ticks = np.array(["2024-01-02T14:30:01.5"], dtype="datetime64[ns]")
    assert time_texts(short_times(ticks)) == ["2024-01-02T14:30:01.500000000"]


def test_a_long_table_shows_its_first_page_and_packs_every_row() -> None:
    rows = [[str(i), f"<b>{i}</b>", "x", f"lot-{i}"] for i in range(1, 1001)]
    columns = [list(column) for column in zip(*rows, strict=True)]
    html = paged_table("t", ["Seq", "Text", "X"], columns, noun="rows", numeric_from=2, attribute=("data-lot", 3))
    assert html.count("<tr data-lot=") == PAGE_ROWS
    assert "&lt;b&gt;1&lt;/b&gt;" in html and "<b>" not in html
    assert "1,000 of 1,000 rows shown" in html and f"rows 1–{PAGE_ROWS:,} of 1,000" in html
    (packed,) = re.findall(r'\["t"\] = "([A-Za-z0-9+/=]+)"', html)
    assert packed == _packed(columns)  # the same bytes every time
    unpacked = json.loads(gzip.decompress(base64.b64decode(packed)))
    assert unpacked[0] == {
        "shapes": ["\x00"],
        "numbers": [{"style": "", "steps": True, "values": [1] + [1] * 999}],
        "count": 1000,
    }  # whole numbers travel as steps
    assert [unpack_column(column) for column in unpacked] == columns


def test_a_paged_table_refuses_columns_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        paged_table("t", ["A", "B"], [["1", "2"], ["1"]], noun="rows", numeric_from=1)


def test_cdn_links_plotly_js_instead_of_inlining_it() -> None:
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    from tests.unit.engine.game_kit import Script, at_round, bars_from, flat, spec, universe_of
    from tradegame.engine.game import play
    from tradegame.engine.moves import Move
    from tradegame.reporting.html_report import render_html

    universe = universe_of(bars_from({"ACME": flat(10.0, 12)}))
    result = play(spec(rounds=10), universe, Script(at_round({1: [Move.buy("ACME", 1)]})))
    inline, linked = render_html(result, universe), render_html(result, universe, cdn=True)
    bundle = get_plotlyjs()
    assert inline.count(bundle) == 1 and bundle not in linked
    url = f"https://cdn.plot.ly/plotly-{get_plotlyjs_version()}.min.js"
    assert linked.count(f'src="{url}" integrity="sha256-') == 1
    assert len(inline) - len(linked) > 4_000_000
    assert linked.count("Plotly.newPlot(") == inline.count("Plotly.newPlot(") >= 5
