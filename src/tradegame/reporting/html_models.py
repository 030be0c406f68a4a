"""The "Score by Model" section of the report of a Game an Activator played: each Model's
contribution to the Score from its sub-book (``engine.activator_books.attribute``: its trading
result, less its share of the taxes and running costs), which add up to the Score to the cent.

Empty for a Game played by one Model, or without its Game file.
"""

from __future__ import annotations

from decimal import Decimal

from tradegame.engine.game import GameResult
from tradegame.engine.gamefile import GameFile
from tradegame.models.activator import contributions_of
from tradegame.reporting.html_parts import _e, _money, _row, _section, _table

__all__ = ["models_section"]


def models_section(result: GameResult, definition: GameFile | None, places: int) -> str:
    """The section (see the module's docstring); ``""`` when no Activator played the Game."""
    if definition is None:
        return ""
    shown = contributions_of(definition.model, definition.model_params, result)
    if shown is None:
        return ""
    rows = [_row([_e(model), _money(Decimal(total), places)]) for model, total in shown.items()]
    rows.append(_row(["<strong>Score</strong>", f"<strong>{_money(result.score.score, places)}</strong>"]))
    table = _table(["Model", f"Contribution ({result.spec.currency})"], rows, table_id="models-table")
    note = (
        '<p class="note">Each Model\'s trading result in its sub-book, less its share of the taxes (by '
        "positive results) and of the running costs (equally); they add up to the Score to the cent.</p>"
    )
    return _section("models", "Score by Model", note, table)
