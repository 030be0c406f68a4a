"""Where replies are kept: the answer folder (atomic files by request key) and ``Answers``, which asks
the Game's database first and keeps what the folder had with the Game too."""

from __future__ import annotations

from pathlib import Path

from tradegame.llm.client import AnswerCache, Answers, Reply, request_key


class Kept:
    """A store in a dict, counting writes."""

    def __init__(self) -> None:
        self.replies: dict[str, Reply] = {}
        self.writes = 0

    def get(self, key: str) -> Reply | None:
        return self.replies.get(key)

    def put(self, key: str, reply: Reply) -> None:
        self.writes += 1
        self.replies[key] = reply


REPLY = Reply('{"moves": [], "memo": ""}', 120, 15, "chatcmpl-7")


def test_the_folder_keeps_a_reply_by_its_request_key(tmp_path: Path) -> None:
    key = request_key("house", [{"role": "user", "content": "hello"}], 3)
    assert key != request_key("house", [{"role": "user", "content": "hello"}], 4)  # the seed is part of it
    folder = AnswerCache(tmp_path)
    assert folder.get(key) is None
    folder.put(key, REPLY)
    assert AnswerCache(tmp_path).get(key) == REPLY
    assert [p.name for p in tmp_path.rglob("*")] == [key[:2], f"{key}.json"]  # no temporary file left


def test_answers_read_the_first_store_that_has_it_and_keep_it_in_the_earlier_ones() -> None:
    game, folder = Kept(), Kept()
    answers = Answers(game, folder)
    assert answers.get("a") is None
    folder.put("a", REPLY)
    assert answers.get("a") == REPLY
    assert game.replies == {"a": REPLY}  # the folder's reply is now kept with the Game
    assert answers.get("a") == REPLY and folder.writes == 1 and game.writes == 1
    answers.put("b", REPLY)
    assert "b" in game.replies and "b" in folder.replies
