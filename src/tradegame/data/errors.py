"""Errors of the market-data layer; every adapter failure is translated into one of these."""

from __future__ import annotations

from tradegame.domain.errors import InvalidInputError, TradegameError

__all__ = [
    "BadDataError",
    "CorruptDataError",
    "DataError",
    "DatasetNotFoundError",
    "MalformedResponseError",
    "MissingApiKeyError",
    "ProviderError",
    "RateLimitError",
    "UnknownSymbolError",
]


class DataError(TradegameError):
    """Something is wrong with market data or where it comes from."""


class BadDataError(DataError, InvalidInputError):
    """A file or frame failed the checks (gaps, duplicates, NaN, high below low, ...)."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        if len(problems) == 1:  # one problem, one line
            super().__init__(f"{source}: {problems[0]}; nothing stored")
        else:
            listed = "\n".join(f"  - {p}" for p in problems)
            super().__init__(f"{source}: {len(problems)} problem(s), nothing stored\n{listed}")


class CorruptDataError(DataError, InvalidInputError):
    """A stored dataset version's files no longer match their recorded hashes; it is refused.

    The message names the dataset, the version (its content hash) and the file(s).
    """

    def __init__(self, dataset: str, version: str, files: list[str], why: str) -> None:
        self.dataset = dataset
        self.version = version
        self.files = files
        super().__init__(f"dataset {dataset!r} version {version}: {', '.join(files)} {why}")


class DatasetNotFoundError(DataError, InvalidInputError):
    """No dataset or symbol of that name in the store or the bundled catalog."""


class ProviderError(DataError):
    """A data provider failed; the message names the provider and never contains an API key."""


class MissingApiKeyError(ProviderError, InvalidInputError):
    """The environment variable holding the provider's API key is not set."""


class RateLimitError(ProviderError):
    """The provider kept answering 429 (or its rate-limit message) after every retry."""


class UnknownSymbolError(ProviderError, InvalidInputError):
    """The provider does not know the symbol."""


class MalformedResponseError(ProviderError):
    """The provider answered with a body we cannot read as its documented format."""
