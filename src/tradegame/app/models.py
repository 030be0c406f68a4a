"""Find a Model by the name a Game file gives it, from anywhere, and find it again for a stored Game.

A Game file's ``[model] name`` is, in this order:

* a built-in Model's name (``sma-crossover``, ``tradegame.models.REGISTRY``);
* the name of an entry point in the group ``tradegame.models`` of an installed package
  (``[project.entry-points."tradegame.models"] my-rsi = "my_pkg.rsi:RsiReversion"``);
* ``path/to/file.py:Class``: a Python file, relative to the Game file's folder (or absolute);
* ``module:Class`` (``pkg.module:Class``): a module importable from the Game file's folder or the
  Python path.

``find_model`` gives the constructor and a ``ModelSource``: the kind, the reference (the
registered name, ``module:Class``, or the file's absolute path and the class), the source file
and the SHA-256 of its bytes. A stored Game keeps that record (``Database.create_game``), so
``report``, ``resume`` and replays load the Model again from it (``stored_model``), wherever the
command runs, and refuse by name when the source file changed (``ModelSourceChangedError``). The
hash covers the one file that defines the Model, not what it imports; built-in Models carry no
hash (they change only with tradegame, whose engine rules a stored Game records).

A file is executed as a module named after its hash (``tradegame_model_<sha>_<stem>``), from the
bytes that were hashed, with its folder on the import path while it runs so that it can import
its neighbours; a module is imported with the Game file's folder on the path for the import only.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Literal

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.activator_config import ACTIVATOR
from tradegame.engine.context import Model
from tradegame.engine.spec import InvalidGameError
from tradegame.models.activator import activator_factory
from tradegame.models.params import Param, model_params
from tradegame.models.registry import REGISTRY, build_model

if TYPE_CHECKING:
    import importlib.metadata

    # the database is imported by the commands that use it, not by every Game
    from tradegame.store import GameRow

__all__ = [
    "ENTRY_POINT_GROUP",
    "FoundModel",
    "ModelInfo",
    "ModelKind",
    "ModelSource",
    "ModelSourceChangedError",
    "describe",
    "entry_point_models",
    "find_model",
    "source_change",
    "stored_model",
    "visible_models",
]

ENTRY_POINT_GROUP = "tradegame.models"
ModelKind = Literal["builtin", "entry_point", "module", "file"]
_MODULE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_NOT_WORD = re.compile(r"\W")
_CLASS = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


@dataclass(frozen=True)
class ModelSource:
    """Where a Model came from, as a stored Game records it.

    ``ref`` is the registered name (``builtin``), the entry point's ``module:attr`` (``entry_point``),
    ``module:Class`` (``module``) or ``/abs/path/file.py:Class`` (``file``); ``path`` is the source
    file (absolute) and ``sha256`` the hash of its bytes, both ``None`` for a built-in Model.
    """

    kind: ModelKind
    ref: str
    path: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class FoundModel:
    """A Model constructor found by ``name`` (as the Game file or the entry point names it)."""

    name: str
    constructor: Callable[..., object]
    source: ModelSource

    def build(self, params: Mapping[str, object]) -> Model:
        """The Model built with ``params``, checked against the constructor (``models.registry.build_model``)."""
        return build_model(self.name, self.constructor, params)


class ModelSourceChangedError(InvalidInputError):
    """A stored Game's Model source file changed (or is gone) since the Game was stored."""


# Built-in Models that talk to the world (a language model's API): outside the engine's layers, so
# imported only when a Game names them.
ADAPTER_MODELS: dict[str, tuple[str, str]] = {"llm-chat": ("tradegame.llm.model", "LlmModel")}


def _adapter(name: str) -> FoundModel:
    module_name, class_name = ADAPTER_MODELS[name]
    constructor = getattr(importlib.import_module(module_name), class_name)
    return FoundModel(name, constructor, ModelSource("builtin", name))


def find_model(name: str, folder: Path | None = None) -> FoundModel:
    """The Model a Game file names ``name``; ``folder`` is the Game file's folder (default: the current one).

    Raises ``InvalidGameError`` with one ``model.name`` line saying what could not be found or loaded.
    """
    if name in REGISTRY:
        return FoundModel(name, REGISTRY[name], ModelSource("builtin", name))
    if name == ACTIVATOR:  # its Models are found as a Game file's [model] is, from the same folder
        build = activator_factory(lambda member, params: find_model(member, folder).build(params))
        return FoundModel(name, build, ModelSource("builtin", name))
    if name in ADAPTER_MODELS:
        return _adapter(name)
    import importlib.metadata  # only when the name is not built in (about 30 ms)

    entry_points = {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    if name in entry_points:
        return _from_entry_point(entry_points[name])
    if ":" not in name:
        known = [*REGISTRY, *ADAPTER_MODELS, *sorted(entry_points)]
        raise _name_problem(
            f"unknown model {name!r}; use one of {', '.join(known)}, or name your own as module:Class or file.py:Class"
        )
    where, _, class_name = name.rpartition(":")
    if not _CLASS.match(class_name):
        raise _name_problem(f"{name!r}: {class_name!r} is not a class name (write module:Class or file.py:Class)")
    base = (folder or Path.cwd()).resolve()
    if where.endswith(".py") or "/" in where or "\\" in where:
        path = Path(where).expanduser()
        path = path if path.is_absolute() else base / path
        if not path.is_file():
            raise _name_problem(f"{name!r}: no file {path}")
        module = _load_file(path.resolve(), name)
        constructor = _attribute(module, class_name, name)
        source = ModelSource("file", f"{path.resolve()}:{class_name}", str(path.resolve()), _sha256(path))
        return FoundModel(name, constructor, source)
    if not _MODULE.match(where):
        raise _name_problem(f"{name!r}: {where!r} is neither a module name nor a .py file")
    module = _import(where, base, name)
    constructor = _attribute(module, class_name, name)
    file = _source_file(module, name)
    return FoundModel(name, constructor, ModelSource("module", f"{where}:{class_name}", str(file), _sha256(file)))


def stored_model(row: GameRow) -> FoundModel:
    """The Model of a stored Game, loaded again from its record (``ModelSource``), wherever we run.

    Raises ``ModelSourceChangedError`` when its source file is gone or changed (checked before the
    file is run), ``InvalidInputError`` when it can no longer be loaded.
    """
    change = source_change(row)
    if change is not None:
        raise ModelSourceChangedError(change)
    kind, ref = row.model_kind, row.model_ref
    if kind is None or ref is None or kind == "builtin":  # Games stored before the record: built-in
        found = find_model(ref or row.model)
        return FoundModel(row.model, found.constructor, found.source)
    where, _, class_name = ref.rpartition(":")
    label = f"game {row.id}'s Model {row.model}"
    try:
        if kind == "file":
            module = _load_file(Path(where), row.model)
        elif kind == "module" and row.model_path is not None:
            module = _import(where, _import_root(where, Path(row.model_path)), row.model)
        else:
            module = _import(where, None, row.model)
    except InvalidGameError as error:
        raise InvalidInputError(f"{label} cannot be loaded again: {'; '.join(error.problems)}") from None
    source = ModelSource(kind, ref, row.model_path, row.model_sha256)  # type: ignore[arg-type]
    return FoundModel(row.model, _attribute(module, class_name, row.model), source)


def source_change(row: GameRow) -> str | None:
    """``None`` if the stored Game's Model source is as it was stored, else the sentence saying how it changed."""
    if row.model_path is None or row.model_sha256 is None:
        return None
    path = Path(row.model_path)
    what = f"game {row.id}'s Model {row.model} ({row.model_kind} {row.model_path})"
    try:
        now = _sha256(path)
    except OSError:
        return f"{what} no longer exists"
    if now != row.model_sha256:
        return f"{what} changed since the Game was stored (SHA-256 {row.model_sha256[:12]}... then, {now[:12]}... now)"
    return None


def entry_point_models() -> list[FoundModel | tuple[str, str]]:
    """The Models installed packages add (group ``tradegame.models``), by name; one that fails to
    load is ``(name, problem)``."""
    found: list[FoundModel | tuple[str, str]] = []
    import importlib.metadata

    for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
        try:
            found.append(_from_entry_point(ep))
        except InvalidGameError as error:
            found.append((ep.name, "; ".join(error.problems)))
    return found


def visible_models() -> list[FoundModel | tuple[str, str]]:
    """Every Model this installation can see by name: the built-in ones, then the entry points."""
    builtins: list[FoundModel | tuple[str, str]] = [
        FoundModel(name, constructor, ModelSource("builtin", name)) for name, constructor in REGISTRY.items()
    ]
    builtins += [_adapter(name) for name in ADAPTER_MODELS]
    return builtins + [m for m in entry_point_models() if isinstance(m, tuple) or m.name not in REGISTRY]


def _from_entry_point(ep: importlib.metadata.EntryPoint) -> FoundModel:
    try:
        constructor = ep.load()
    except Exception as error:  # a broken package is bad input, named
        raise _name_problem(
            f"entry point {ep.name!r} ({ep.value}) fails to load: {type(error).__name__}: {error}"
        ) from None
    module = sys.modules.get(ep.module)
    file = _source_file(module, ep.name) if module is not None else None
    source = ModelSource("entry_point", ep.value, str(file) if file else None, _sha256(file) if file else None)
    return FoundModel(ep.name, constructor, source)


def _name_problem(message: str) -> InvalidGameError:
    return InvalidGameError([f"model.name: {message}"])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def _on_path(folder: Path | None) -> Iterator[None]:
    """``folder`` first on the import path for the block only."""
    entry = None if folder is None else str(folder)
    if entry is None or entry in sys.path:
        yield
        return
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        sys.path.remove(entry)


def _load_file(path: Path, name: str) -> ModuleType:
    try:
        code = path.read_bytes()
    except OSError as error:
        raise _name_problem(f"{name!r}: cannot read {path}: {error.strerror or error}") from None
    digest = hashlib.sha256(code).hexdigest()
    module_name = f"tradegame_model_{digest[:16]}_{_NOT_WORD.sub('_', path.stem)}"
    if module_name in sys.modules:  # the same bytes were loaded before: the same module
        return sys.modules[module_name]
    module = ModuleType(module_name)
    module.__file__ = str(path)
    sys.modules[module_name] = module  # dataclasses and typing look the module up while it runs
    try:
        with _on_path(path.parent):
            exec(compile(code, str(path), "exec"), module.__dict__)  # the user's Model file
    except Exception as error:  # the user's file: its failure is bad input, named
        del sys.modules[module_name]
        raise _name_problem(f"{name!r}: running {path} failed: {type(error).__name__}: {error}") from None
    return module


def _import(module_name: str, folder: Path | None, name: str) -> ModuleType:
    try:
        with _on_path(folder):
            return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and module_name.startswith(error.name):
            where = f"in {folder} or " if folder else ""
            raise _name_problem(f"{name!r}: no module {module_name!r} {where}on the Python path") from None
        raise _name_problem(f"{name!r}: importing {module_name} failed: {error}") from None
    except Exception as error:  # the user's module: its failure is bad input, named
        raise _name_problem(f"{name!r}: importing {module_name} failed: {type(error).__name__}: {error}") from None


def _import_root(module_name: str, file: Path) -> Path:
    """The folder from which ``module_name`` (whose source is ``file``) is imported."""
    depth = module_name.count(".") + (1 if file.name == "__init__.py" else 0)
    return file.parents[depth]


def _attribute(module: ModuleType, class_name: str, name: str) -> Callable[..., object]:
    where = (
        Path(module.__file__).name
        if module.__name__.startswith("tradegame_model_") and module.__file__
        else module.__name__
    )
    target: object = module
    for part in class_name.split("."):
        target = getattr(target, part, None)
        if target is None:
            defined = sorted(n for n, v in vars(module).items() if inspect.isclass(v) and hasattr(v, "decide"))
            offer = f"; it defines {', '.join(defined)}" if defined else ""
            raise _name_problem(f"{name!r}: {where} has no {class_name!r}{offer}")
    if not callable(target) or not (inspect.isclass(target) or inspect.isfunction(target)):
        raise _name_problem(f"{name!r}: {class_name} is not a class")
    if inspect.isclass(target) and not callable(getattr(target, "decide", None)):
        raise _name_problem(f"{name!r}: {class_name} is not a Model (it has no decide(ctx) method)")
    return target


def _source_file(module: ModuleType, name: str) -> Path:
    file = getattr(module, "__file__", None)
    if not file:
        raise _name_problem(f"{name!r}: module {module.__name__} has no source file to record")
    return Path(file).resolve()


@dataclass(frozen=True)
class ModelInfo:
    """What ``tradegame models show`` prints about a Model (``describe``)."""

    name: str
    kind: str
    ref: str | None
    path: str | None
    sha256: str | None
    summary: str  # the docstring's first line
    params: tuple[Param, ...]
    more_params: bool  # it takes **kwargs
    error: str | None = None  # an entry point that fails to load

    def as_json(self) -> dict[str, object]:
        """The same as JSON values: a default as its exact text where JSON has no type for it."""
        return {
            "name": self.name,
            "kind": self.kind,
            "ref": self.ref,
            "path": self.path,
            "sha256": self.sha256,
            "summary": self.summary,
            "params": [
                {
                    "name": p.name,
                    "type": p.type or None,
                    "required": p.required,
                    "default": None if p.required else _json_value(p.default),
                }
                for p in self.params
            ],
            "more_params": self.more_params,
            **({"error": self.error} if self.error else {}),
        }


def describe(found: FoundModel | tuple[str, str]) -> ModelInfo:
    """A Model's name, source, docstring's first line and parameters (types, defaults).

    ``(name, problem)`` (an entry point that fails to load, from ``visible_models``) describes it
    with its problem.
    """
    if isinstance(found, tuple):
        name, problem = found
        return ModelInfo(name, "entry_point", None, None, None, "", (), False, problem)
    params, extra = model_params(found.constructor)
    doc = inspect.getdoc(found.constructor) or ""
    summary = next((line.strip() for line in doc.splitlines() if line.strip()), "")
    source = found.source
    return ModelInfo(found.name, source.kind, source.ref, source.path, source.sha256, summary, params, extra)


def _json_value(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    return str(value)  # a Decimal as its exact text, anything else as str()
