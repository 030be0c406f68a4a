"""Every command the README shows takes ``--json`` and, run as the README shows it with ``--json``
added, prints one valid JSON document. The commands are found by matching the README's command
lines against the Typer app's commands (walked, as ``test_cli_rules`` walks them), not a list."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.integration.test_cli_rules import every_command, json_commands
from tradegame.cli import app

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
BLOCK = re.compile(r"^```(?P<lang>\w*)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)
GLOBAL_OPTIONS = {"--log-format": 1, "--log-level": 1, "--debug": 0}  # option: how many values follow it
# Shown in the README but not run here (their --json is still required above), and why.
NOT_RUN = {
    ("experiment", "run"): "plays a population of Games (minutes); test_experiments runs it with --json",
    ("experiment", "report"): "needs an experiment run first",
    ("experiment", "replay"): "needs an experiment run first",
    ("resume",): "needs an interrupted Game; test_cli_games resumes one with --json",
    ("tax", "lots"): "needs a trade list; test_cli_tax_lots runs it with --json",
    ("data", "import"): "needs a bar file; test_cli_data imports one with --json",
    ("data", "list"): "reads every bundled dataset (seconds); test_cli_data lists them with --json",
}


def readme_commands() -> dict[tuple[str, ...], list[list[str]]]:
    """Each command path the README's code blocks run, with the words of each line that runs it
    (``[optional]`` parts dropped, ``a|b`` as ``a``)."""
    paths = {path for path, _ in every_command()}
    found: dict[tuple[str, ...], list[list[str]]] = {}
    for block in BLOCK.finditer(README.read_text(encoding="utf-8")):
        if block["lang"] not in ("", "bash", "sh", "shell", "console"):
            continue
        for line in block["body"].replace("\\\n", " ").splitlines():
            line = re.sub(r"\[[^\]]*\]", " ", line)
            words = [word.split("|")[0] for word in _words(line)]
            for at, word in enumerate(words):
                if word.rsplit("/", 1)[-1] == "tradegame":
                    rest = words[at + 1 :]
                    while rest and rest[0] in GLOBAL_OPTIONS:
                        rest = rest[1 + GLOBAL_OPTIONS[rest[0]] :]
                    path = next((tuple(rest[:n]) for n in (2, 1) if tuple(rest[:n]) in paths), None)
                    if path is not None:
                        found.setdefault(path, []).append(rest)
    return found


def _words(line: str) -> list[str]:
    try:
        return shlex.split(line, comments=True)
    except ValueError:  # a quote in prose-like lines ("don't"): plain words will do
        return line.split("#")[0].split()


def test_every_command_the_readme_shows_takes_json() -> None:
    shown = readme_commands()
    assert len(shown) >= 15 and ("games", "show") in shown and ("sweep",) in shown
    assert sorted(set(shown) - set(json_commands())) == []
    assert set(NOT_RUN) <= set(shown)


@pytest.mark.slow  # a few seconds: one Game played, replayed for its report, and a sweep
def test_every_readme_command_prints_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRADEGAME_DB", str(tmp_path / "games.sqlite"))
    runner = CliRunner()
    values = {"GAME.toml": str(ROOT / "examples/games/sma-2008.toml"), "NAME": "sma-crossover"}
    shown = readme_commands()
    order = sorted(shown, key=lambda path: (path != ("play",), path == ("games", "delete")))  # a Game first
    ran = []
    for path in order:
        if path in NOT_RUN:
            continue
        words = next(
            (line for line in shown[path] if all(_exists(w) for w in line)), shown[path][0]
        )  # the first line whose files are here
        args = [values.get(word, "1" if word == "ID" else _here(word)) for word in words]
        args = [a for a in args if a != "--json"] + ["--json"] + (["--yes"] if path == ("games", "delete") else [])
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        json.loads(result.stdout)  # one JSON document, nothing else
        ran.append(path)
    assert len(ran) >= 11


def _here(word: str) -> str:
    return str(ROOT / word) if word.startswith("examples/") else word


def _exists(word: str) -> bool:
    """False for a file a README line names that is not here (``my_rsi.py:RsiReversion``)."""
    looks_like_file = re.match(r"^[\w.-]+\.(py|toml|csv)(:\w+)?$", word) is not None
    return not looks_like_file or word == "GAME.toml"
