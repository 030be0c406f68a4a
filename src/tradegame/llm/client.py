"""The chat client: the official ``openai`` SDK against any OpenAI-compatible URL, and the
content-addressed cache that makes a replay identical and free.

``ChatClient.ask`` sends the messages with ``response_format`` set to the answer's strict JSON
schema, temperature 0 and the Game's seed, with a timeout and the SDK's retries (exponential backoff
with jitter on 408, 409, 429 and 5xx answers and on lost connections). It returns a ``Reply``
(the answer's text and the tokens in and out), or raises ``CallFailedError`` with the reason. The key
is read from the environment variable the Game names and goes nowhere else: not in the Game file,
the cache, the decision log or an error message.

``AnswerCache`` keeps each reply under the SHA-256 of its request (model, messages, schema, seed), one
JSON file per request written atomically (a temporary file, then a rename): two processes asking the
same thing write the same bytes, and a reader never sees half a file. A Game recorded in a database
keeps its replies there too (``store.answers``, an ``AnswerStore``), ahead of the folder:
``Answers`` asks each store in turn and writes a new reply to all of them.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from tradegame.llm.answer import SCHEMA

__all__ = ["AnswerCache", "AnswerStore", "Answers", "CallFailedError", "ChatClient", "Reply", "request_key"]

LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


class CallFailedError(RuntimeError):
    """A call that gave no answer (timeout, rate limit, server error, refused connection)."""


@dataclass(frozen=True)
class Reply:
    """A language model's answer: its text, the tokens in and out, and the call's id."""

    text: str
    tokens_in: int
    tokens_out: int
    call_id: str


def request_key(model: str, messages: list[dict[str, str]], seed: int) -> str:
    """The SHA-256 naming a request in the cache (the base URL and the key are not part of it)."""
    body = json.dumps({"model": model, "messages": messages, "schema": SCHEMA, "seed": seed}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


class AnswerCache:
    """Replies by request key, as files ``<folder>/<key[:2]>/<key>.json``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Reply | None:
        try:
            data = json.loads(self._path(key).read_text())
        except (OSError, ValueError):
            return None
        return Reply(str(data["text"]), int(data["tokens_in"]), int(data["tokens_out"]), str(data["call_id"]))

    def put(self, key: str, reply: Reply) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as handle:
            json.dump(asdict(reply), handle, sort_keys=True)
        os.replace(handle.name, path)


class AnswerStore(Protocol):
    """Where replies are kept by request key."""

    def get(self, key: str) -> Reply | None: ...

    def put(self, key: str, reply: Reply) -> None: ...


class Answers:
    """Several stores, first first: a reply is read from the first that has it and written to every
    store that lacks it, so a reply found in the folder is kept with the Game too."""

    def __init__(self, *stores: AnswerStore) -> None:
        self.stores = stores

    def get(self, key: str) -> Reply | None:
        for place, store in enumerate(self.stores):
            reply = store.get(key)
            if reply is not None:
                for earlier in self.stores[:place]:
                    earlier.put(key, reply)
                return reply
        return None

    def put(self, key: str, reply: Reply) -> None:
        for store in self.stores:
            store.put(key, reply)


class ChatClient:
    """One OpenAI-compatible endpoint and model."""

    def __init__(self, model: str, base_url: str, key_variable: str, timeout: float, retries: int) -> None:
        import openai  # only a Game that plays this Model needs the SDK

        key = os.environ.get(key_variable)
        if not key:
            if not any(f"//{host}" in base_url for host in LOCAL_HOSTS):
                raise ValueError(f"set the environment variable {key_variable} to the API key of {base_url}")
            key = "local"  # a local server asks for no key, the SDK for one
        self.model = model
        self._openai = openai
        self._client = openai.OpenAI(api_key=key, base_url=base_url, timeout=timeout, max_retries=retries)

    def ask(self, messages: list[dict[str, str]], seed: int) -> Reply:
        """The model's answer to ``messages``, or ``CallFailedError``."""
        openai = self._openai
        response_format: Any = {
            "type": "json_schema",
            "json_schema": {"name": "moves", "strict": True, "schema": SCHEMA},
        }
        try:
            completion = self._client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                response_format=response_format,
                temperature=0,
                seed=seed,
            )
        except openai.APITimeoutError:
            raise CallFailedError("the call timed out") from None
        except openai.RateLimitError:
            raise CallFailedError("rate limited (429) after the retries") from None
        except openai.APIStatusError as error:
            raise CallFailedError(f"the server answered {error.status_code} after the retries") from None
        except openai.APIConnectionError:
            raise CallFailedError("no connection to the server") from None
        choice = completion.choices[0] if completion.choices else None
        text = choice.message.content if choice is not None else None
        usage = completion.usage
        if text is None or usage is None:
            raise CallFailedError("the server's answer had no message or no usage")
        return Reply(text, usage.prompt_tokens, usage.completion_tokens, completion.id)
