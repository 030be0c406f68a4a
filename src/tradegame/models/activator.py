"""``Activator``: a Model that plays a Game over several Models, deciding each session which run.

Each session, in order:

1. the fills of the Models' Moves (known by their tags) move their sub-books
   (``engine/activator_books.py``);
2. the rule decides each Model's share of the capital from the market (the index's trend and
   volatility, the calendar) and the Models' records (``activator_rules.py``); a change of the
   shares is one ``note`` line of the decision log, ``activator: `` and its reasons (a ``Note``
   action, as any Model writes one);
3. when the shares change, each Model on is owed cash from the pool up to its share of the Game's
   value, and a Model above its share gives its free cash back; between changes each sub-book
   grows or shrinks by its own trades (the Activator never trims a Model that is on);
4. a Model switched off has its open Moves cancelled and its units sold by market Moves tagged
   with it (by the Game's fill rule: the next open by default); once nothing of it is open, its
   cash goes back to the pool. Positions are sold, not handed over: a lot changes Model only by a
   trade, so each Model's record is its own;
5. the pool pays what it can of what the Models on are owed; each Model on decides on its own
   ``SubContext`` and its actions are fit to its sub-book (``activator_context.translate``). A
   Model just switched on starts its run once its cash has come (it waits while it is owed cash
   and a Model off is still selling), so its first session sees its capital.

Built in a Game file by ``[activator]`` (``engine/activator_config.py``), or in code:
``Activator(config, {"sma": SmaCrossover(...), ...})``. ``contributions(result)`` splits the
Game's Score among the Models, to the cent (``engine.activator_books.attribute``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_DOWN, Decimal

import numpy as np

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.activator_books import Attribution, SubBooks, attribute, model_of_tag, tag_for
from tradegame.engine.activator_config import ACTIVATOR, ActivatorConfig, read_activator
from tradegame.engine.context import Fill, Model, RoundContext, RoundRecord
from tradegame.engine.game import GameResult
from tradegame.engine.moves import Action, Cancel, Move, Note
from tradegame.engine.spec import InvalidGameError
from tradegame.engine.timestamps import utc_from_ns
from tradegame.engine.training_spec import TrainingSpec
from tradegame.engine.universe import currency_of
from tradegame.models.activator_context import SubContext, pending_buys, translate
from tradegame.models.activator_rules import decide_shares
from tradegame.models.registry import model_symbol_problems

__all__ = ["Activator", "ModelBuilder", "activator_factory", "activator_symbol_problems", "contributions_of"]

ModelBuilder = Callable[[str, Mapping[str, object]], Model]
_ZERO = Decimal(0)
_CENT = Decimal("0.01")


class Activator:
    """Plays a Game over several Models: each session a rule sets which run and with what share."""

    name = ACTIVATOR

    def __init__(self, config: ActivatorConfig, models: Mapping[str, Model]) -> None:
        if set(models) != set(config.aliases):
            raise InvalidInputError(f"activator: Models {sorted(models)} do not match {list(config.aliases)}")
        self.config = config
        self.models = {alias: models[alias] for alias in config.aliases}
        self.decisions: list[tuple[int, dict[str, Decimal], str]] = []  # (round, shares, reasons) per change
        self._books: SubBooks | None = None
        self._shares: dict[str, Decimal] | None = None
        self._owed: dict[str, Decimal] = {}
        self._capital: dict[str, Decimal] = dict.fromkeys(config.aliases, _ZERO)
        self._history: dict[str, list[RoundRecord]] = {alias: [] for alias in config.aliases}
        self._index: dict[str, list[float]] = {alias: [] for alias in config.aliases}  # time-weighted record
        self._held_for = config.hold_days  # sessions since the shares last changed
        self._last: dict[str, float] = {}  # each sub-book's value as the last session ended

    def decide(self, ctx: RoundContext) -> list[Action]:
        account = ctx.accounts[0]
        if self._books is None:
            self._books = SubBooks(self.config.aliases, ctx.cash(account))
        books = self._books
        self._book_fills(ctx, books)
        values = {alias: self._value(ctx, alias) for alias in self.config.aliases}
        self._record(values)
        records = {alias: self._record_return(alias) for alias in self.config.aliases}
        shares, why = decide_shares(self.config, ctx.universe, utc_from_ns(ctx.ns).month, records)
        actions: list[Action] = []
        if shares != self._shares and self._held_for >= self.config.hold_days:
            for alias, share in shares.items():  # a Model switched on starts a new run
                if share and not (self._shares or {}).get(alias):
                    self._history[alias] = []
            self._shares, self._held_for = shares, 0
            self.decisions.append((ctx.round, shares, why))
            actions.append(Note(f"activator: {why}", self.config.index))
            self._set_targets(ctx, values, shares)
        self._held_for += 1
        shares = self._shares or shares
        for alias, share in shares.items():
            if not share:
                actions += self._switch_off(ctx, alias, account)
        releasing = any(  # a Model off still sells: the cash the Models on are owed is on its way
            not share
            and (self._books.books[alias].units or any(model_of_tag(s.tag)[0] == alias for s in ctx.open_moves))
            for alias, share in shares.items()
        )
        for alias, share in shares.items():
            if share:
                actions += self._run(ctx, alias, account, values[alias], releasing)
        self._last = {alias: self._value(ctx, alias) for alias in self.config.aliases}
        return actions

    # -- the sub-books ------------------------------------------------------------------------

    def _book_fills(self, ctx: RoundContext, books: SubBooks) -> None:
        currency = currency_of(ctx.currency)
        for event in ctx.events:
            if isinstance(event, Fill):
                alias = model_of_tag(event.tag)[0]
                if alias in books.books:
                    gross = currency.round(event.price * event.quantity)
                    books.trade(alias, event.account, event.symbol, str(event.side), event.quantity, gross, event.fee)

    def _value(self, ctx: RoundContext, alias: str) -> float:
        assert self._books is not None
        book = self._books.books[alias]
        value = float(book.cash)
        for (_, symbol), units in book.units.items():
            price = ctx.universe.price(symbol)
            value += float(units) * (price if price == price else 0.0)
        return value

    def _record(self, values: Mapping[str, float]) -> None:
        """One step of each Model's time-weighted record: its value now against its value as the last
        session ended (after that session's allotments), so cash allotted is not a return."""
        for alias, value in values.items():
            index = self._index[alias]
            before = self._last.get(alias, 0.0)
            index.append((index[-1] if index else 1.0) * (value / before if before > 0 else 1.0))

    def _record_return(self, alias: str) -> float | None:
        days = self.config.record_days
        index = self._index[alias]
        if days is None or len(index) <= days or index[-1 - days] <= 0:
            return None
        return index[-1] / index[-1 - days] - 1.0

    def _set_targets(self, ctx: RoundContext, values: Mapping[str, float], shares: Mapping[str, Decimal]) -> None:
        """What each Model on is owed from the pool; a Model above its share gives back its free
        cash (its cash less what its open buys may spend)."""
        assert self._books is not None
        books = self._books
        total = Decimal(repr(sum(values.values()))) + books.pool
        for alias, share in shares.items():
            if not share:
                self._owed[alias] = _ZERO
                continue
            target = (share * total).quantize(_CENT, rounding=ROUND_DOWN)
            self._capital[alias] = target
            value = Decimal(repr(values[alias])).quantize(_CENT, rounding=ROUND_DOWN)
            self._owed[alias] = max(target - value, _ZERO)
            mine = [state for state in ctx.open_moves if model_of_tag(state.tag)[0] == alias]
            spare = min(value - target, books.books[alias].cash - pending_buys(mine, ctx.universe))
            if spare > 0:
                self._give(alias, -spare)

    def _give(self, alias: str, amount: Decimal) -> None:
        assert self._books is not None
        self._books.allot(alias, amount)

    # -- the Models -----------------------------------------------------------------------------

    def _switch_off(self, ctx: RoundContext, alias: str, account: str) -> list[Action]:
        assert self._books is not None
        book = self._books.books[alias]
        mine = [s for s in ctx.open_moves if model_of_tag(s.tag)[0] == alias]
        actions: list[Action] = [Cancel(s.move_id) for s in mine if model_of_tag(s.tag)[1] != "off"]
        selling = {s.symbol for s in mine if model_of_tag(s.tag)[1] == "off"}
        for (held_in, symbol), units in sorted(book.units.items()):
            if units > 0 and symbol not in selling:
                actions.append(Move.sell(symbol, units, account=held_in, tag=tag_for(alias, "off"),
                                         reason=f"activator: {alias} is off"))  # fmt: skip
        if not mine and not book.units and book.cash:
            self._give(alias, -book.cash)
        return actions

    def _run(self, ctx: RoundContext, alias: str, account: str, value: float, releasing: bool) -> list[Action]:
        """Pay ``alias`` what the pool can of what it is owed, then let it decide; a Model just
        switched on waits for its cash while a Model off is still selling (``releasing``)."""
        assert self._books is not None
        books = self._books
        owed = self._owed.get(alias, _ZERO)
        if owed > 0 and books.pool > 0:
            paid = min(owed, books.pool)
            self._give(alias, paid)
            self._owed[alias] = owed = owed - paid
            value += float(paid)
        if owed > 0 and releasing and not self._history[alias]:
            return []
        book = books.books[alias]
        sub = SubContext(ctx, alias, book, value, tuple(self._history[alias]), self._capital[alias])
        answer = self.models[alias].decide(sub)  # type: ignore[arg-type]
        self._history[alias].append(RoundRecord(ctx.round, ctx.ns, value))
        actions, notes = translate(_as_list(answer), sub, book, account, alias)
        return [*(Note(f"activator: {note}") for note in notes), *actions]

    def members_to_train(self) -> dict[str, tuple[object, TrainingSpec | None]]:
        """Each Model and its ``training`` table: the engine trains those with ``fit`` (engine/training.py)."""
        return {member.alias: (self.models[member.alias], member.training) for member in self.config.members}

    def member_values(self, alias: str, start: int = 0) -> np.ndarray:
        """``alias``'s time-weighted record after each session so far (1.0 at the first), from session ``start``."""
        return np.array(self._index[alias][start:], dtype=np.float64)

    def contributions(self, result: GameResult) -> Attribution:
        """Each Model's contribution to ``result``'s Score, to the cent (``activator_books.attribute``)."""
        return attribute(
            result.score, result.events, result.books.cost_ledger, self.config.aliases, result.spec.currency
        )


def contributions_of(model: str, params: Mapping[str, object], result: GameResult) -> dict[str, str] | None:
    """Each Model's contribution to the Score of a Game the Model ``model`` (with ``params``) played,
    as exact text by alias, plus ``unattributed`` when not zero; None for a Game without an Activator."""
    if model != ACTIVATOR:
        return None
    config, _ = read_activator(params)
    if config is None:
        return None
    attribution = attribute(result.score, result.events, result.books.cost_ledger, config.aliases, result.spec.currency)
    shown = {c.model: str(c.total) for c in attribution.contributions}
    return shown | ({"unattributed": str(attribution.unattributed)} if attribution.unattributed else {})


def _as_list(answer: Iterable[object] | object | None) -> list[object]:
    if answer is None:
        return []
    if isinstance(answer, Iterable) and not isinstance(answer, Move | str):
        return list(answer)
    return [answer]


def activator_factory(build: ModelBuilder) -> Callable[..., Activator]:
    """A constructor of Activators from an ``[activator]`` table; ``build(name, params)`` builds a
    Model by the name a Game file gives it (``app.models.find_model`` finds file and module Models)."""

    def activator(**table: object) -> Activator:
        """Play the Game over several Models, switched on and off each session by a rule."""
        config, problems = read_activator(table)
        if config is None:
            raise InvalidGameError(problems)
        models: dict[str, Model] = {}
        for index, member in enumerate(config.members):
            where = f"activator.models[{index}]"
            try:
                models[member.alias] = build(member.model, member.params)
            except InvalidGameError as error:
                problems += [_renamed(problem, where) for problem in error.problems]
            except InvalidInputError as error:
                problems.append(f"{where}: {error}")
        if problems:
            raise InvalidGameError(problems)
        return Activator(config, models)

    return activator


def activator_symbol_problems(table: Mapping[str, object], known: Sequence[str]) -> list[str]:
    """One line per symbol an ``[activator]`` table names (its index, its Models' ``symbol`` and
    ``symbols``) that the Game's data does not hold."""
    config, _ = read_activator(table)
    if config is None:
        return []
    problems = []
    if config.index is not None and config.index not in known:
        shown = ", ".join(known[:10])
        problems.append(f"activator.index: unknown symbol {config.index!r} (the Game's data has {shown})")
    for index, member in enumerate(config.members):
        problems += model_symbol_problems(member.params, known, f"activator.models[{index}].params.")
    return problems


def _renamed(problem: str, where: str) -> str:
    """A Model's problem (``model.params.fast: ...``) named inside the Activator's table."""
    return f"{where}.{problem[len('model.') :]}" if problem.startswith("model.") else f"{where}: {problem}"
