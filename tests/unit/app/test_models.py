"""Finding a Model by a Game file's name, and again from a stored Game's record."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from tradegame.app.models import ModelSourceChangedError, find_model, source_change, stored_model
from tradegame.engine.spec import InvalidGameError
from tradegame.models import SmaCrossover
from tradegame.store import GameRow

MODEL = '''
from helper_of_hold_w2 import WEIGHT


class Hold:
    """Hold ``symbol``."""

    name = "hold"

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol

    def decide(self, ctx):
        return None


def make_hold(symbol: str, weight: float = WEIGHT) -> Hold:
    """A Hold built by a function."""
    return Hold(symbol)


NotAModel = dict
'''


def write_model(folder: Path, name: str = "hold.py") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "helper_of_hold_w2.py").write_text("WEIGHT = 0.5\n")
    (folder / name).write_text(MODEL)
    return folder / name


def row(**fields: object) -> GameRow:
    values: dict[str, object] = dict.fromkeys(GameRow._fields)
    values.update({"id": 7, "model": "hold.py:Hold", **fields})
    return GameRow(**values)  # type: ignore[arg-type]


def test_a_builtin_name_is_a_builtin_without_a_hash() -> None:
    found = find_model("sma-crossover")
    assert found.constructor is SmaCrossover
    assert (found.source.kind, found.source.ref, found.source.path, found.source.sha256) == (
        "builtin",
        "sma-crossover",
        None,
        None,
    )


def test_a_file_relative_to_the_game_folder_that_imports_its_neighbour(tmp_path: Path) -> None:
    path = write_model(tmp_path / "models")
    found = find_model("hold.py:Hold", tmp_path / "models")
    assert found.source.kind == "file" and found.source.ref == f"{path.resolve()}:Hold"
    assert found.source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert found.build({"symbol": "SPX"}).name == "hold"  # type: ignore[attr-defined]
    assert str(tmp_path / "models") not in sys.path  # on the path while the file ran, not after
    by_function = find_model("models/hold.py:make_hold", tmp_path)
    assert by_function.build({"symbol": "SPX", "weight": 1}).symbol == "SPX"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("hold.py:Nope", "'hold.py:Nope': hold.py has no 'Nope'; it defines Hold"),
        ("hold.py:NotAModel", "'hold.py:NotAModel': NotAModel is not a Model (it has no decide(ctx) method)"),
        ("hold.py:1x", "'hold.py:1x': '1x' is not a class name (write module:Class or file.py:Class)"),
        ("no-such-model", "unknown model 'no-such-model'; use one of buy-and-hold, dca, sma-crossover"),
        ("bad name!:Hold", "'bad name!:Hold': 'bad name!' is neither a module name nor a .py file"),
    ],
)
def test_what_cannot_be_found_is_one_model_name_line(tmp_path: Path, name: str, problem: str) -> None:
    write_model(tmp_path)
    with pytest.raises(InvalidGameError) as caught:
        find_model(name, tmp_path)
    (line,) = caught.value.problems
    assert line.startswith(f"model.name: {problem}")


def test_a_file_that_fails_to_run_is_named(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("raise RuntimeError('no data feed configured')\n")
    with pytest.raises(InvalidGameError, match=r"running .*broken.py failed: RuntimeError: no data feed configured"):
        find_model("broken.py:Model", tmp_path)
    assert not [m for m in sys.modules if m.endswith("_broken")]


def test_a_stored_record_loads_the_model_again_and_a_changed_file_is_refused(tmp_path: Path) -> None:
    path = write_model(tmp_path / "g")
    source = find_model("hold.py:Hold", tmp_path / "g").source
    stored = row(model_kind=source.kind, model_ref=source.ref, model_path=source.path, model_sha256=source.sha256)
    assert source_change(stored) is None
    assert stored_model(stored).constructor.__name__ == "Hold"  # type: ignore[attr-defined]
    path.write_text(MODEL + "\n# tuned\n")
    change = source_change(stored)
    assert change is not None and change.startswith(f"game 7's Model hold.py:Hold (file {path.resolve()}) changed")
    with pytest.raises(ModelSourceChangedError, match="changed since the Game was stored"):
        stored_model(stored)
    path.unlink()
    assert source_change(stored) == f"game 7's Model hold.py:Hold (file {path.resolve()}) no longer exists"


def test_a_module_of_a_package_is_imported_again_from_its_root(tmp_path: Path) -> None:
    package = tmp_path / "strategies_pkg_w2"
    write_model(package, "trend.py")
    (package / "__init__.py").write_text("")
    found = find_model("strategies_pkg_w2.trend:Hold", tmp_path)
    assert (found.source.kind, found.source.ref) == ("module", "strategies_pkg_w2.trend:Hold")
    for name in [m for m in sys.modules if m.startswith("strategies_pkg_w2")]:
        del sys.modules[name]  # as in a new process
    record = row(
        model="strategies_pkg_w2.trend:Hold",
        model_kind="module",
        model_ref=found.source.ref,
        model_path=found.source.path,
        model_sha256=found.source.sha256,
    )
    assert stored_model(record).constructor.__name__ == "Hold"  # type: ignore[attr-defined]


def test_a_game_stored_before_the_record_plays_its_builtin_by_name() -> None:
    old = row(model="sma-crossover")
    assert source_change(old) is None and stored_model(old).constructor is SmaCrossover
