"""The store's exceptions, under ``TradegameError``; no SQLAlchemy exception leaves the store.

Imports only ``tradegame.domain.errors``.
"""

from __future__ import annotations

from tradegame.domain.errors import InvalidInputError, TradegameError

__all__ = [
    "DatabaseError",
    "GameBusyError",
    "GameNotFoundError",
    "GameRunningError",
    "LeaseLostError",
    "OtherRulesError",
    "ResumeMismatchError",
    "StoreError",
]


class StoreError(TradegameError):
    """Base of every error of the Game store."""


class DatabaseError(StoreError):
    """The database cannot be opened, migrated, read or written; the message names the host, never a password."""


class GameNotFoundError(StoreError, InvalidInputError):
    """No stored Game has the id asked for."""


class ResumeMismatchError(StoreError):
    """A resumed Game replayed a committed Round differently from what is stored (the data or code changed)."""


class OtherRulesError(StoreError, InvalidInputError):
    """A stored Game was played under other engine rules than the running engine's: it cannot be replayed.

    Its stored books stay what they are; ``tradegame report`` shows them as stored.
    """


class GameBusyError(StoreError, InvalidInputError):
    """The Game is being played by a live process (it holds the Game's lease): it cannot be taken over."""


class LeaseLostError(StoreError):
    """This process no longer holds the lease of the Game it was recording (another process took it
    over after its heartbeat went stale): it stopped without writing."""


class GameRunningError(StoreError, InvalidInputError):
    """A Game whose status is ``running`` (being played, or interrupted) was not deleted without ``force``."""
