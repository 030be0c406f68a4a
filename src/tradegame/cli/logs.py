"""Structured logs (structlog) on stderr: readable text by default, one JSON object a line with
``--log-format json``. Secrets never reach them: database URLs are logged redacted, API keys not
at all.

structlog (with rich, attrs and asyncio behind it: about a tenth of a second) is imported only
when a line is to be written: at the default level ``warning`` the ``info`` lines of a command
cost nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import structlog

__all__ = ["LogFormat", "Logger", "configure_logging", "log"]

LogFormat = Literal["text", "json"]


class _Settings:
    """The format and level ``configure_logging`` chose; structlog is configured on first use."""

    fmt: LogFormat = "text"
    level: int = logging.WARNING
    configured = False


def configure_logging(fmt: LogFormat = "text", level: str = "warning") -> None:
    numeric = logging.getLevelNamesMapping().get(level.upper())
    if numeric is None:
        raise ValueError(f"unknown log level {level!r}; use debug, info, warning or error")
    _Settings.fmt, _Settings.level, _Settings.configured = fmt, numeric, False


def _structlog() -> structlog.typing.FilteringBoundLogger:
    import sys

    import structlog

    if not _Settings.configured:
        renderer: structlog.typing.Processor = (
            structlog.processors.JSONRenderer(sort_keys=True)
            if _Settings.fmt == "json"
            else structlog.dev.ConsoleRenderer(colors=False)
        )
        structlog.configure(
            processors=[
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                renderer,
            ],
            wrapper_class=structlog.make_filtering_bound_logger(_Settings.level),
            logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
            cache_logger_on_first_use=False,
        )
        _Settings.configured = True
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger("tradegame")
    return logger


class Logger:
    """``log()``'s logger: a line below the chosen level is dropped before structlog is imported."""

    def _emit(self, level: int, name: str, event: str, fields: dict[str, Any]) -> None:
        if level >= _Settings.level:
            getattr(_structlog(), name)(event, **fields)

    def debug(self, event: str, **fields: Any) -> None:
        self._emit(logging.DEBUG, "debug", event, fields)

    def info(self, event: str, **fields: Any) -> None:
        self._emit(logging.INFO, "info", event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._emit(logging.WARNING, "warning", event, fields)

    def error(self, event: str, **fields: Any) -> None:
        self._emit(logging.ERROR, "error", event, fields)


def log() -> Logger:
    return Logger()
