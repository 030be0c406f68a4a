"""``LlmModel`` (``llm-chat``): asks a language model for its Moves each Round, remembers through its
own decisions, and pays for every call.

Each deciding Round (every ``every`` Rounds) the Model builds the message (``prompt``), recalls its
past decisions by its memory policy (``memory``), and asks (``client``): from the cache if this exact
request was answered before (a replay, a ``resume``, a ``report``: the same answer, no call), else
from the server. The cache is the Game's own answers in its database when it is recorded in one
(``keep_answers``, called by ``app.answers``), then the ``cache`` folder. The answer's Moves become
target-weight Moves tagged with the decision's id; an answer refused by the schema (``answer``), a
failed call or a spent budget becomes a ``Note`` in the decision log with the reason, and the Game
goes on.

Costs: each call's tokens are priced (``pricing``) and booked as an ``Expense`` named ``llm-calls``
with the call's id. The books hold whole cents: what is booked by a Round is the running total of
the calls' exact costs rounded up to the cent, so the books never fall short of the true cost, nor
exceed it by a cent. A cached answer costs what its call cost: the Game's books are the same in a
replay (no provider is paid twice). Calls stop once ``budget`` is spent.

Look-ahead: a language model has read about the years it was trained on. ``cutoff`` is its training
cut-off: a decision on a Round before it is logged ``in-sample``; ``mask`` hides the tickers, the
dates and the price levels from the prompt (``prompt``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

import numpy as np

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.context import RoundContext
from tradegame.engine.events import Fill, Rejected
from tradegame.engine.moves import Action, Expense, Move, Note, OrderType
from tradegame.llm.answer import AnswerError, Order, parse_answer
from tradegame.llm.client import AnswerCache, Answers, AnswerStore, CallFailedError, ChatClient, Reply, request_key
from tradegame.llm.memory import POLICIES, Decision, recall
from tradegame.llm.pricing import call_cost, prices_for
from tradegame.llm.prompt import SYSTEM, market_rows, market_words, shown_names, user_message

__all__ = ["LlmModel"]

COST_NAME = "llm-calls"
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class _Asked:
    """What one Round's request came to: the reply (or None) and why there are no Moves, if none."""

    reply: Reply | None
    problem: str | None


class LlmModel:
    """A language model's Moves each Round, with memory and costs; see the module docstring."""

    name = "llm-chat"

    def __init__(
        self,
        model: str = "house",
        base_url: str = "http://127.0.0.1:8765/v1",
        symbols: list[str] | None = None,
        memory: str = "retrieved",
        k: int = 5,
        memory_tokens: int = 600,
        budget: Decimal = Decimal("5.00"),
        price_in: Decimal | None = None,
        price_out: Decimal | None = None,
        currency: str = "USD",
        every: int = 1,
        window: int = 21,
        mask: bool = False,
        cutoff: date | None = None,
        cache: str = "llm-cache",
        key_variable: str = "OPENAI_API_KEY",
        timeout: float = 30.0,
        retries: int = 2,
        seed: int = 0,
    ) -> None:
        if memory not in POLICIES:
            raise InvalidInputError(f"{self.name}: memory must be one of {', '.join(POLICIES)}, not {memory!r}")
        for label, number, least in (("k", k, 0), ("memory_tokens", memory_tokens, 0), ("every", every, 1),
                                     ("window", window, 2)):  # fmt: skip
            if number < least:
                raise InvalidInputError(f"{self.name}: {label} must be at least {least}, not {number}")
        if budget < 0 or timeout <= 0 or retries < 0:
            raise InvalidInputError(f"{self.name}: budget, timeout and retries must not be negative (timeout above 0)")
        try:
            self.prices = prices_for(model, currency, price_in, price_out)
        except ValueError as error:
            raise InvalidInputError(f"{self.name}: {error}") from None
        self.model, self.base_url, self.key_variable, self.currency = model, base_url, key_variable, currency
        self.symbols, self.memory, self.k, self.memory_tokens = symbols, memory, k, memory_tokens
        self.budget, self.every, self.window, self.mask, self.cutoff = budget, every, window, mask, cutoff
        self.folder = AnswerCache(Path(cache))
        self.cache: AnswerStore = self.folder
        self.timeout, self.retries, self.seed = timeout, retries, seed
        self._client: ChatClient | None = None
        self.decisions: list[Decision] = []
        self.memo = ""
        self.spent = Decimal(0)  # the calls' exact cost so far
        self.booked = Decimal(0)  # what the books hold of it (whole cents)
        self.calls = 0
        self._bases: dict[str, float] = {}
        self._by_tag: dict[str, Decision] = {}

    def keep_answers(self, store: AnswerStore) -> None:
        """Ask ``store`` (the Game's answers in its database) before the answer folder, and keep new
        replies in both (``app.answers``)."""
        self.cache = Answers(store, self.folder)

    def __repr__(self) -> str:
        return f"LlmModel(model={self.model!r}, memory={self.memory!r}, k={self.k}, mask={self.mask})"

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        if ctx.currency != self.currency:
            raise InvalidInputError(
                f"{self.name}: its prices are in {self.currency} (currency), the Game is in {ctx.currency}"
            )
        self._hear(ctx)
        if ctx.round % self.every:
            return None
        symbols = list(self.symbols or [pair.symbol for pair in ctx.pairs()])
        closes = np.asarray(ctx.universe.close(symbols, window=self.window), dtype=float)
        for column, symbol in enumerate(symbols):
            known = closes[:, column][np.isfinite(closes[:, column])]
            if symbol not in self._bases and len(known):
                self._bases[symbol] = float(known[0])
        names = shown_names(symbols, self.mask)
        rows = market_rows(closes, symbols, names, self._bases if self.mask else None)
        if not rows:
            return None
        day = ctx.time.date()
        now = f"day {ctx.round}" if self.mask else day.isoformat()
        prices = {row["symbol"]: float(row["close"]) for row in rows}
        words = market_words(rows)
        positions = self._positions(ctx, names)
        held = " ".join(str(p["symbol"]) for p in positions)
        memories = recall(self.memory, self.decisions, f"{words} {held}", self.k, self.memory_tokens, ctx.value, prices)
        memo = self.memo if self.memory == "summary" else None
        cash = float(ctx.cash())
        messages = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": user_message(now, ctx.value, cash, rows, positions, memories, memo)},
        ]
        asked = self._ask(messages)
        actions: list[Action] = self._bill(asked.reply)
        in_sample = " (in-sample: before the model's training cut-off)" if self.cutoff and day <= self.cutoff else ""
        tag = f"d{ctx.round:05d}"
        decision = Decision(ctx.round, now, words, "", ctx.value, prices)
        if asked.problem is not None:
            decision.text = f"no move: {asked.problem}"
            actions.append(Note(f"{self.name} {tag}: no move: {asked.problem}{in_sample}"))
        else:
            assert asked.reply is not None
            actions += self._moves(asked.reply, names, tag, decision, in_sample)
        self.decisions.append(decision)
        self._by_tag[tag] = decision
        return actions

    def _positions(self, ctx: RoundContext, names: dict[str, str]) -> list[dict[str, object]]:
        value = ctx.value or 1.0
        out = []
        for (_, symbol), info in sorted(ctx.positions.items()):
            if symbol in names and info.quantity:
                gain = info.unrealized / float(info.cost) if info.cost else 0.0
                out.append({"symbol": names[symbol], "weight": round(info.value / value, 4), "gain": round(gain, 4)})
        return out

    def _ask(self, messages: list[dict[str, str]]) -> _Asked:
        key = request_key(self.model, messages, self.seed)
        cached = self.cache.get(key)
        if cached is not None:
            return _Asked(cached, None)
        if self.spent >= self.budget:
            return _Asked(None, f"the budget of {self.budget} is spent ({self.spent:.4f} in {self.calls} calls)")
        if self._client is None:
            try:
                self._client = ChatClient(self.model, self.base_url, self.key_variable, self.timeout, self.retries)
            except ValueError as error:
                raise InvalidInputError(f"{self.name}: {error}") from None
        try:
            reply = self._client.ask(messages, self.seed)
        except CallFailedError as error:
            return _Asked(None, f"the call failed: {error}")
        self.cache.put(key, reply)
        return _Asked(reply, None)

    def _bill(self, reply: Reply | None) -> list[Action]:
        """The Expense this Round books: the running total, rounded up to the cent, less what is booked."""
        if reply is None:
            return []
        self.calls += 1
        self.spent += call_cost(reply.tokens_in, reply.tokens_out, self.prices)
        due = self.spent.quantize(_CENT, rounding=ROUND_CEILING) - self.booked
        if due <= 0:
            return []
        self.booked += due
        return [Expense(COST_NAME, due, reason=f"call {reply.call_id} ({reply.tokens_in} in, {reply.tokens_out} out)")]

    def _moves(self, reply: Reply, names: dict[str, str], tag: str, decision: Decision, note: str) -> list[Action]:
        real = {shown: symbol for symbol, shown in names.items()}
        try:
            orders, memo = parse_answer(reply.text, frozenset(real))
        except AnswerError as error:
            decision.text = f"no move: {error}"
            return [Note(f"{self.name} {tag}: no move: the answer was refused: {error}{note}")]
        self.memo = memo
        if not orders:
            decision.text = "no move: the model chose to hold"
            return [Note(f"{self.name} {tag}: no move: the model chose to hold{note}")]
        decision.text = "; ".join(f"{o.symbol} to {o.target_weight} ({o.order}): {o.reason}" for o in orders)
        return [self._move(order, real[order.symbol], tag, note) for order in orders]

    def _move(self, order: Order, symbol: str, tag: str, note: str) -> Move:
        reason = f"{tag}: {order.reason}{note}"[:500]
        options: dict[str, object] = {"reason": reason, "tag": tag, "time_in_force": "round"}
        if order.order == "limit":
            options |= {"order_type": OrderType.LIMIT, "limit_price": self._price(order, symbol)}
        elif order.order == "stop":
            options |= {"order_type": OrderType.STOP, "stop_price": self._price(order, symbol)}
        return Move.target(symbol, order.target_weight, **options)

    def _price(self, order: Order, symbol: str) -> Decimal:
        """A limit or stop price in the symbol's own terms (a masked price is rebased to 100)."""
        assert order.price is not None
        if not self.mask:
            return order.price
        return (order.price * Decimal(repr(self._bases[symbol])) / 100).quantize(Decimal("0.0001"))

    def _hear(self, ctx: RoundContext) -> None:
        """Add what the engine reported about each decision's Moves (fills, rejections) to its memory."""
        for event in ctx.events:
            tag = getattr(event, "tag", "") or ""
            decision = self._by_tag.get(tag)
            if decision is None:
                continue
            if isinstance(event, Fill):
                price = float(event.price)
                if self.mask and event.symbol in self._bases:  # rebased, as its closes were shown
                    price = 100 * price / self._bases[event.symbol]
                decision.reports.append(f"{event.side.value} {event.quantity} filled at {price:.4f}")
            elif isinstance(event, Rejected):
                decision.reports.append(f"refused: {event.reason}")
            else:
                decision.reports.append(type(event).__name__.lower())
