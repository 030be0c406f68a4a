"""Who is playing a stored Game: the lease on its ``games`` row, and the status a reader is shown.

A process that records a Game holds its lease: ``games.owner`` names it (``host:pid:token``, the
token random per ``Database``) and ``games.heartbeat_at`` says when it last proved it was alive.
Every commit of Rounds refreshes the heartbeat, and a background thread of the ``Database``
refreshes it every ``HEARTBEAT`` besides, so a slow Round keeps its lease too. A lease is
*alive* while its heartbeat is younger than ``LEASE`` (three heartbeats) and, when the owner
runs on this host, while its pid exists. A ``running`` Game whose lease is not alive (its process
was killed, or it never had an owner: Games stored before leases existed) is shown
``interrupted``; that status is never stored.

Taking a lease is one compare-and-set ``UPDATE`` on the owner and heartbeat the taker saw, so of
two processes that both saw a dead lease only one gets it; every commit of Rounds re-checks
``owner = me`` inside its transaction, so a process that lost its lease writes nothing more.

Imports SQLAlchemy (Core) and the store's schema and errors; nothing above the store.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select, update

from tradegame.store import schema
from tradegame.store.errors import GameBusyError, GameNotFoundError, LeaseLostError, StoreError

__all__ = [
    "HEARTBEAT",
    "LEASE",
    "Heartbeat",
    "Owner",
    "busy_message",
    "hold",
    "lease_alive",
    "new_owner",
    "refresh",
    "release",
    "shown_status",
    "take",
]

HEARTBEAT = timedelta(seconds=10)
"""How often a recording process refreshes its heartbeat (besides each commit of Rounds)."""
LEASE = 3 * HEARTBEAT
"""How long a heartbeat keeps a lease alive: three missed heartbeats and the Game is interrupted."""


@dataclass(frozen=True)
class Owner:
    """A lease holder: the host and pid of its process and a random token of its ``Database``."""

    host: str
    pid: int
    token: str

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.token}"

    @classmethod
    def parse(cls, text: str) -> Owner | None:
        """The owner written as ``host:pid:token``, or ``None`` if ``text`` is not one."""
        parts = text.rsplit(":", 2)  # a host name may hold ':' (an IPv6 address); pid and token do not
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        return cls(parts[0], int(parts[1]), parts[2])


def new_owner() -> Owner:
    """A new owner for this process: its host name, its pid and a fresh random token."""
    return Owner(socket.gethostname(), os.getpid(), secrets.token_hex(6))


def _pid_exists(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    except OSError:
        return False
    return True


def lease_alive(owner: str | None, heartbeat_at: datetime | None, now: datetime) -> bool:
    """Whether the lease ``owner`` took (last heartbeat ``heartbeat_at``) still holds at ``now``."""
    if owner is None or heartbeat_at is None:
        return False
    if now - heartbeat_at >= LEASE:
        return False
    holder = Owner.parse(owner)
    if holder is not None and holder.host == socket.gethostname():
        return _pid_exists(holder.pid)
    return True


def shown_status(status: str, owner: str | None, heartbeat_at: datetime | None, now: datetime) -> str:
    """The stored status, but ``interrupted`` for a ``running`` Game whose lease is not alive."""
    if status == "running" and not lease_alive(owner, heartbeat_at, now):
        return "interrupted"
    return status


def busy_message(game_id: int, owner: str, heartbeat_at: datetime | None, now: datetime) -> str:
    """Why ``game_id`` cannot be taken over: the live process ``owner`` is playing it."""
    age = "" if heartbeat_at is None else f", its last heartbeat {(now - heartbeat_at).total_seconds():.0f} s ago"
    return (
        f"game {game_id} is still being played by {owner}{age}; it can be resumed only once that "
        f"process has stopped (it is shown interrupted then); nothing was changed"
    )


def take(connection: Connection, game_id: int, me: str, now: datetime) -> None:
    """Make ``me`` the holder of ``game_id``'s lease, unless a live process holds it.

    One compare-and-set ``UPDATE`` on the owner and heartbeat read just before: if another
    process changed them in between (took the lease, or its holder proved alive), nothing is
    written and ``GameBusyError`` is raised. A finished Game is not leased (``StoreError``).
    """
    games = schema.games
    row = connection.execute(
        select(games.c.status, games.c.owner, games.c.heartbeat_at).where(games.c.id == game_id)
    ).one_or_none()
    if row is None:
        raise GameNotFoundError(f"no game {game_id}")
    status, owner, heartbeat_at = row
    if status == "finished":
        raise StoreError(f"game {game_id} is finished; there is nothing to record")
    if owner == me:
        hold(connection, game_id, me, now)
        return
    if lease_alive(owner, heartbeat_at, now):
        raise GameBusyError(busy_message(game_id, owner, heartbeat_at, now))
    seen = [games.c.owner.is_(None)] if owner is None else [games.c.owner == owner]
    seen.append(games.c.heartbeat_at.is_(None) if heartbeat_at is None else games.c.heartbeat_at == heartbeat_at)
    taken = connection.execute(
        update(games)
        .where(games.c.id == game_id, games.c.status != "finished", *seen)
        .values(owner=me, heartbeat_at=now)
    )
    if taken.rowcount != 1:
        current = connection.execute(select(games.c.owner).where(games.c.id == game_id)).scalar_one_or_none()
        raise GameBusyError(
            f"game {game_id} was just taken by another process ({current or 'one that has already let go'}); "
            "nothing was changed"
        )


def hold(connection: Connection, game_id: int, me: str, now: datetime) -> None:
    """Check, inside a write transaction, that ``me`` still holds ``game_id``'s lease, and refresh it.

    Raises ``LeaseLostError`` (the transaction then rolls back) when another process took it.
    """
    games = schema.games
    held = connection.execute(update(games).where(games.c.id == game_id, games.c.owner == me).values(heartbeat_at=now))
    if held.rowcount != 1:
        current = connection.execute(select(games.c.owner).where(games.c.id == game_id)).scalar_one_or_none()
        raise LeaseLostError(
            f"game {game_id}: this process ({me}) no longer holds the Game's lease (it is now "
            f"{'held by ' + current if current else 'released'}: another process took the Game over after "
            "this one's heartbeat went stale); it stopped without writing"
        )


def refresh(connection: Connection, me: str, now: datetime) -> int:
    """Refresh the heartbeat of every running Game ``me`` holds; returns how many there are."""
    games = schema.games
    result = connection.execute(
        update(games).where(games.c.owner == me, games.c.status == "running").values(heartbeat_at=now)
    )
    return int(result.rowcount)


def release(connection: Connection, me: str, game_id: int | None = None) -> None:
    """Let go of ``me``'s lease on ``game_id`` (default: on every Game ``me`` holds)."""
    games = schema.games
    where = [games.c.owner == me]
    if game_id is not None:
        where.append(games.c.id == game_id)
    connection.execute(update(games).where(*where).values(owner=None))


class Heartbeat:
    """A daemon thread that calls ``beat()`` every ``every`` until ``stop()``.

    ``beat`` must not raise for a passing failure (a locked or unreachable database): the next
    beat tries again, and the Round commits refresh the lease as well.
    """

    def __init__(self, beat: Callable[[], None], every: timedelta = HEARTBEAT) -> None:
        self._beat = beat
        self._every = every.total_seconds()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tradegame-heartbeat", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self._every):
            self._beat()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=self._every + 5)
