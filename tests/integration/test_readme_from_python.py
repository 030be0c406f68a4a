"""The README's "From Python" script runs as printed, next to the files of "Your first Model"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import tradegame
from tests.integration.test_readme_first_model import BLOCK, FILE_NAME, section


def _files(title: str) -> dict[str, str]:
    named = {}
    for match in BLOCK.finditer(section(title)):
        first = match["body"].splitlines()[0]
        if match["lang"] in ("python", "toml") and FILE_NAME.match(first):
            named[FILE_NAME.match(first)["name"]] = match["body"]  # type: ignore[index]
    return named


def test_the_from_python_script_runs_as_printed(tmp_path: Path) -> None:
    script = _files("From Python: `import tradegame as tg`")
    assert list(script) == ["play.py"]
    assert "import tradegame as tg" in script["play.py"]
    for name, body in {**_files("Your first Model"), **script}.items():
        (tmp_path / name).write_text(body)
    env = {**os.environ, "PYTHONPATH": str(Path(tradegame.__file__).parents[1])}
    done = subprocess.run(
        [sys.executable, "play.py"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=600
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "('SPX',) 1258"
    assert lines[1].startswith("completed ") and lines[1].endswith(" True")
    assert lines[2] == "game 1"


def test_the_first_model_imports_only_tradegame() -> None:
    model = _files("Your first Model")["my_rsi.py"]
    imports = [line for line in model.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["from decimal import Decimal", "import numpy as np", "import tradegame as tg"]
