"""The answers a language-model Model gets, kept with the Game in the database.

A Game played, resumed or replayed with a database hands each of its Models that keeps answers
(one with a ``keep_answers`` method, as ``llm.model.LlmModel``) a ``GameAnswers``, asked before
the Model's answer folder. A reply is written in its own transaction as soon as it arrives, before
the Round that asked is committed: a Game killed after paying for a call does not pay again on
``resume``. A request this Game never made is looked up among every stored Game's answers (the key
is the request's content hash: the same request, the same answer) and then kept with this Game too,
so deleting the Game that first asked leaves this one whole. A replay (``keep=False``) reads only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradegame.llm.client import Reply
from tradegame.store.answers import StoredAnswer, find_answer, keep_answer

if TYPE_CHECKING:
    from tradegame.engine.context import Model
    from tradegame.store import Database

__all__ = ["GameAnswers", "keep_answers_with"]


class GameAnswers:
    """The answers kept with Game ``game_id`` in ``db`` (an ``llm.client.AnswerStore``)."""

    def __init__(self, db: Database, game_id: int, *, keep: bool = True) -> None:
        self.db, self.game_id, self.keep = db, game_id, keep

    def get(self, key: str) -> Reply | None:
        found = find_answer(self.db, self.game_id, key)
        if found is None:
            return None
        reply = Reply(found.text, found.tokens_in, found.tokens_out, found.call_id)
        if found.game_id != self.game_id:
            self.put(key, reply)
        return reply

    def put(self, key: str, reply: Reply) -> None:
        if self.keep:
            answer = StoredAnswer(self.game_id, reply.text, reply.tokens_in, reply.tokens_out, reply.call_id)
            keep_answer(self.db, self.game_id, key, answer)


def keep_answers_with(model: Model, db: Database, game_id: int, *, keep: bool = True) -> None:
    """Hand ``model`` (and each Model an Activator plays) the Game's stored answers, if it keeps any."""
    for member in [model, *getattr(model, "models", {}).values()]:
        attach = getattr(member, "keep_answers", None)
        if callable(attach):
            attach(GameAnswers(db, game_id, keep=keep))
