"""The README's "Your first Model" runs exactly as printed, in an empty folder outside the repository.

Its ```python and ```toml blocks are written to the file their first line names (``# my_rsi.py``);
its ```bash blocks are run in order, each by ``bash -euo pipefail``, with the installed
``tradegame`` command first on the ``PATH``. Nothing in the folder comes from the source tree.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import tradegame

README = Path(__file__).parents[2] / "README.md"
BLOCK = re.compile(r"^```(?P<lang>\w+)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)
FILE_NAME = re.compile(r"^# (?P<name>[\w.-]+\.\w+)$")


def section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def blocks() -> list[tuple[str, str]]:
    return [(m["lang"], m["body"]) for m in BLOCK.finditer(section("Your first Model"))]


def test_the_section_has_the_model_the_game_file_and_the_commands() -> None:
    langs = [lang for lang, _ in blocks()]
    assert langs[:2] == ["python", "toml"] and langs.count("bash") >= 2
    for lang, body in blocks():
        if lang in ("python", "toml"):
            assert FILE_NAME.match(body.splitlines()[0]), f"a {lang} block must open with '# FILE-NAME'"
    commands = " ".join(body for lang, body in blocks() if lang == "bash")
    for command in (
        "tradegame play",
        "tradegame games list",
        "tradegame report",
        "tradegame export",
        "kill -9",
        "tradegame resume",
    ):
        assert command in commands


@pytest.mark.slow  # about a minute: three Games, a replay for the report and one for the resume
def test_your_first_model_runs_as_printed(tmp_path: Path) -> None:
    folder = tmp_path / "first-model"
    folder.mkdir()
    assert README.parent.resolve() not in folder.resolve().parents
    venv_bin = Path(sys.executable).parent
    assert (venv_bin / "tradegame").exists(), "the tradegame command is installed next to this Python"
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(venv_bin), os.environ.get("PATH", "")]),
        "PYTHONPATH": str(Path(tradegame.__file__).parents[1]),  # the tradegame under test
        "COLUMNS": "200",
    }
    env.pop("TRADEGAME_DB", None)
    outputs = []
    for lang, body in blocks():
        if lang in ("python", "toml"):
            name = FILE_NAME.match(body.splitlines()[0])["name"]  # type: ignore[index]
            (folder / name).write_text(body)
            continue
        assert lang == "bash", f"unexpected {lang} block"
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", body],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        assert done.returncode == 0, f"{body}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        outputs.append(done.stdout)

    first, second, third = outputs
    assert first.startswith("my_rsi.py:RsiReversion: Buy ``symbol`` when its RSI falls below")
    assert "│ period │ int" in first and "│ weight │ Decimal" in first  # models show
    assert "Game 1 rsi-spx: completed" in first and "= score" in first
    assert re.search(r"│\s+1 │ rsi-spx\s+│ my_rsi.py:RsiReversion │ finished", first)  # games list
    assert "report: rsi-spx.html" in first and "chart-equity" in (folder / "rsi-spx.html").read_text()
    assert "Game 2 rsi-spx-wide: completed" in second
    assert re.search(r"│\s+2 │ rsi-spx-wide\s+│ my_rsi.py:RsiReversion │ finished", second)
    # The killed Game is listed interrupted, with the Rounds it committed, then resumed to its end.
    assert re.search(r"│\s+3 │ rsi-eurusd\s+│ my_rsi.py:RsiReversion │ interrupted", third), third
    assert re.search(r"^game 3 finished: completed, score -?\d+\.\d\d$", third, re.MULTILINE), third
    for exported in ("rsi-spx", "rsi-spx-wide", "rsi-eurusd"):
        assert {"games.csv", "events.csv", "journal_entries.csv"} <= {p.name for p in (folder / exported).iterdir()}

    model_file = folder / "my_rsi.py"
    with sqlite3.connect(folder / "rsi-games.sqlite") as connection:
        rows = connection.execute(
            "SELECT id, name, status, model_kind, model_path, model_sha256, model_params FROM games ORDER BY id"
        ).fetchall()
    digest = hashlib.sha256(model_file.read_bytes()).hexdigest()
    assert [row[:6] for row in rows] == [
        (1, "rsi-spx", "finished", "file", str(model_file.resolve()), digest),
        (2, "rsi-spx-wide", "finished", "file", str(model_file.resolve()), digest),
        (3, "rsi-eurusd", "finished", "file", str(model_file.resolve()), digest),
    ]
    assert '"lower": 25' in rows[1][6] and '"upper": 75' in rows[1][6]
