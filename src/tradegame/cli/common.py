"""What every command shares: the bad-input exit and the consoles."""

from __future__ import annotations

import typer
from rich.console import Console

__all__ = ["EXIT_BAD_INPUT", "fail", "stdout_console"]

EXIT_BAD_INPUT = 2


def fail(message: str) -> typer.Exit:
    """Print ``error: message`` on stderr and return the exit (status 2) to raise."""
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"error: {message}", markup=False)
    return typer.Exit(EXIT_BAD_INPUT)


def stdout_console() -> Console:
    """Stdout console; wide enough for report columns when piped to a file."""
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=max(console.width, 150))
    return console
