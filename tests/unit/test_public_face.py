"""``import tradegame as tg``: every public name resolves, lazily, and the face's docstrings run."""

from __future__ import annotations

import ast
import doctest
import subprocess
import sys
from pathlib import Path

import pytest

import tradegame as tg
import tradegame.app.api
import tradegame.models

SOURCE = Path(tg.__file__)


def test_every_name_in_all_resolves() -> None:
    for name in tg.__all__:
        assert getattr(tg, name) is not None, name
    assert {"Move", "Cancel", "EndGame", "Model", "RoundContext", "Game", "GameSpec", "DataSpec", "AccountSpec"} <= set(
        tg.__all__
    )
    assert {"load_game", "play", "universe", "GameResult", "Score", "GameEvent", "models"} <= set(tg.__all__)
    assert tg.Move.buy("SPX", 1).symbol == "SPX"
    assert set(tg.__all__) <= set(dir(tg))


def test_the_face_hands_out_the_defining_objects() -> None:
    from tradegame.app.api import play
    from tradegame.engine.game import Game
    from tradegame.engine.moves import Move

    assert tg.Move is Move and tg.Game is Game and tg.play is play
    assert tg.models is tradegame.models


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Mvoe'"):
        _ = tg.Mvoe  # type: ignore[attr-defined]
    with pytest.raises(ImportError):
        exec("from tradegame import Mvoe", {})


def test_all_the_lazy_map_and_the_type_checking_block_agree() -> None:
    tree = ast.parse(SOURCE.read_text())
    checked: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom)
                checked |= {alias.asname or alias.name for alias in statement.names}
    exports = set(tg._EXPORTS) | set(tg._SUBMODULES)
    assert checked == exports
    assert set(tg.__all__) == exports | {"__version__"}
    assert len(tg.__all__) == len(set(tg.__all__))


def test_importing_tradegame_imports_nothing_heavy() -> None:
    code = "import sys, tradegame; print(sorted(m for m in ('pandas', 'numpy', 'sqlalchemy', 'typer') if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SOURCE.parents[1])},
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("module", [tg, tradegame.app.api, tradegame.models], ids=lambda m: m.__name__)
def test_the_docstring_examples_run(module: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the examples write a Game file and a database in the current folder
    failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert attempted > 0 and failed == 0


def test_no_docstring_names_a_symbol_no_bundled_dataset_has() -> None:
    for path in SOURCE.parent.rglob("*.py"):
        assert '"SPY"' not in path.read_text(), path
