"""One pass over a Game file: every problem it has, from every stage that can still be checked.

The stages, each reporting all of its problems, in this order:

1. the fields (``io.gamefile.read_game``: types, unknown keys, the spec's own rules);
2. the Model: found by its name (``app.models.find_model``), its ``[model.params]`` checked
   against the constructor (``models.params``), then built;
3. the data (``app.loading.read_game_data``): every dataset, pinned version and ``[[data]]
   symbols`` entry the store does not have;
4. the Game (``engine.game.Game``): the Game's, the accounts' and the initial Positions' symbols
   against the data, the start and end dates and the Round count against the data's range and
   calendar, a rate for every currency;
5. the Model's ``symbol``/``symbols`` parameters against the data (``models.registry``).

A stage runs whenever what it needs could be read, even when an earlier one failed: a Model that
cannot be found does not stop the data from being checked, nor a missing dataset the Model's
parameters. The Game stage needs a spec without problems of its own (a bad value the reader
replaced by its default is fine) and data whose ``[[data]]`` tables could be read; it then runs
on the datasets that could be read. A later stage's problem about a field already reported is
left out. The rules themselves live in those modules: this one only runs them.

The pass writes no Game row; it stores bundled datasets in the data store, as playing does, and
hands what it built (the pinned definition, the Model, the Universe in a ``Game``) to
``app.play.prepare``, so that a Game's data is read once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from tradegame.app.loading import GameData, read_game_data
from tradegame.app.models import FoundModel, find_model
from tradegame.data.errors import DataError
from tradegame.data.store import MarketStore
from tradegame.domain.errors import InvalidInputError
from tradegame.engine.activator_config import ACTIVATOR
from tradegame.engine.context import Model, RoundContext
from tradegame.engine.game import Game
from tradegame.engine.gamefile import GameDraft, GameFile, GameFileError
from tradegame.engine.moves import Action
from tradegame.engine.spec import InvalidGameError
from tradegame.io.gamefile import read_game
from tradegame.models.activator import activator_symbol_problems
from tradegame.models.registry import model_symbol_problems

__all__ = ["Checked", "check_game_file", "inspect_game"]


@dataclass(frozen=True)
class Checked:
    """What one pass over a Game file found: every problem, and when there is none, the Game ready
    to play (its data pinned and loaded, its Model built)."""

    source: str
    problems: tuple[str, ...]
    game_file: GameFile | None = None  # its datasets pinned to the versions the Game plays on
    game: Game | None = None
    model: FoundModel | None = None

    def ready(self) -> tuple[GameFile, Game, FoundModel]:
        """The pinned definition, the Game and its Model, or one ``InvalidGameError`` listing every
        problem (a ``GameFileError`` naming the file when the pass read one)."""
        if self.problems or self.game_file is None or self.game is None or self.model is None:
            problems = list(self.problems) or ["game: could not be read"]
            raise InvalidGameError(problems) if self.source == "<memory>" else GameFileError(problems, self.source)
        return self.game_file, self.game, self.model


def check_game_file(source: GameFile | Path | str, store: MarketStore, folder: Path | None = None) -> list[str]:
    """Every problem of a Game file (a path, or a ``GameFile`` read before), one line each
    (``field: problem``); empty when the Game can start. ``folder`` is where its Model is looked
    for (default: the file's folder, else the current one)."""
    return list(inspect_game(source, store, folder).problems)


def inspect_game(
    source: GameDraft | GameFile | Path | str,
    store: MarketStore,
    folder: Path | None = None,
    *,
    model: FoundModel | None = None,
) -> Checked:
    """The pass (see the module's docstring); ``model`` replaces the Model the file names (a stored
    Game's, loaded from its record)."""
    if isinstance(source, GameDraft):
        draft = source
    elif isinstance(source, GameFile):
        draft = GameDraft.of(source)
    else:
        draft = read_game(Path(source))
        folder = folder or Path(source).resolve().parent
    problems = list(draft.problems)
    found, built = _model_stage(draft, folder, model, problems)
    data = _data_stage(draft, store, problems)
    game = None
    if data is not None and data.universe is not None:
        game = _game_stage(draft, data, built, problems)
        problems += draft.later(model_symbol_problems(draft.model_params, data.universe.symbols))
        if draft.model == ACTIVATOR:  # the symbols its index and its Models name
            problems += draft.later(activator_symbol_problems(draft.model_params, data.universe.symbols))
    if problems or game is None or found is None or data is None or draft.model is None:
        return Checked(draft.source, tuple(problems))
    pinned = GameFile(data.spec, draft.model, draft.model_params)
    return Checked(draft.source, (), pinned, game, found)


def _model_stage(
    draft: GameDraft, folder: Path | None, model: FoundModel | None, problems: list[str]
) -> tuple[FoundModel | None, Model | None]:
    found = model
    if found is None and draft.model is not None:
        try:
            found = find_model(draft.model, folder)
        except InvalidGameError as error:
            problems += draft.later(error.problems)
    if found is None:
        return None, None
    try:
        return found, found.build(draft.model_params)
    except InvalidGameError as error:
        problems += draft.later(error.problems)
    except InvalidInputError as error:  # the Model's own check of its parameters
        problems += draft.later([str(error)])
    return found, None


def _data_stage(draft: GameDraft, store: MarketStore, problems: list[str]) -> GameData | None:
    spec = draft.spec
    if spec is None or not spec.data:
        return None  # no start to read up to, or no dataset named (already reported)
    data = read_game_data(spec, store)
    problems += draft.later(data.problems)
    if any(field == "data" or field.startswith(("data.", "data[")) for field in draft.reported):
        return replace(data, universe=None)  # a [[data]] table was unreadable: its symbols are unknown
    return data


def _game_stage(draft: GameDraft, data: GameData, built: Model | None, problems: list[str]) -> Game | None:
    if data.universe is None or data.spec.problems():
        return None  # the spec's own problems are reported; the Game cannot be set up on them
    try:
        return Game(data.spec, data.universe, built or _Unbuilt())
    except InvalidGameError as error:
        problems += draft.later(error.problems, spec_fields=True)
    except (DataError, InvalidInputError) as error:
        problems += draft.later([str(error)], spec_fields=True)
    return None


class _Unbuilt:
    """Stands in for a Model that could not be built, so that the Game's own checks still run."""

    name = "unbuilt"

    def decide(self, ctx: RoundContext) -> Iterable[Action] | None:
        return None

    def fit(self, history: object) -> None:  # so that a [model.training] table is not refused for it
        return None
