"""``--cdn`` on the commands that write a Game's report: plotly.js linked from its CDN, not inlined."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tradegame.cli import app

runner = CliRunner()
EXAMPLE = Path(__file__).parents[2] / "examples" / "games" / "sma-2008.toml"
CDN_SCRIPT = 'src="https://cdn.plot.ly/plotly-'


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_play_and_report_link_plotly_js_with_cdn(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    db, data_dir = str(tmp_path / "games.sqlite"), str(tmp_path / "store")
    played_report, stored_report, inline_report = (tmp_path / name for name in ("p.html", "r.html", "i.html"))
    options = ("--db", db, "--data-dir", data_dir)
    played = json.loads(run("play", str(EXAMPLE), "--json", "--report", str(played_report), "--cdn", *options))
    run("report", str(played["id"]), "--output", str(stored_report), "--cdn", *options)
    run("report", str(played["id"]), "--output", str(inline_report), *options)
    for linked in (played_report, stored_report):
        page = linked.read_text(encoding="utf-8")
        assert page.count(CDN_SCRIPT) == 1 and "chart-equity" in page
    inline = inline_report.read_text(encoding="utf-8")
    assert CDN_SCRIPT not in inline
    assert inline_report.stat().st_size - stored_report.stat().st_size > 4_000_000
