"""Run by test_kill.py in a child process: play the kit's Game into a database, slowly, until killed.

``python -m tests.unit.store.kill_target URL GAME_ID ROUNDS DELAY``: every SQL statement the
store sends waits DELAY seconds first, so most of the wall time is spent inside a Round's open
transaction and a SIGKILL most likely lands in the middle of one.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from sqlalchemy import event

from tests.unit.store.kit import new_game
from tradegame.store import GameRecorder, open_database


def main(url: str, game_id: int, rounds: int, delay: float) -> None:
    db = open_database(url)

    def slow(*_: Any) -> None:
        time.sleep(delay)

    event.listen(db.engine, "before_cursor_execute", slow)
    new_game(rounds).run(GameRecorder(db, game_id))
    print("finished", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
