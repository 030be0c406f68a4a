"""A local OpenAI-compatible server for the tests, the demo and the experiments: ``POST
/v1/chat/completions``, ``GET /v1/models`` and ``GET /health``, in the shapes the OpenAI API uses.

It is not a language model. Its ``house`` model reads the Round's message (``prompt``) and answers
by a fixed rule that uses the memory it is sent, so memory policies really give different Moves:
hold the symbol with the best positive 20-Round return at 95%, sell the rest; skip a symbol that a
recalled decision bought before a fall of the Game's value (and, under the ``summary`` policy, one
its memo names). Other model names play faults: ``fault-malformed`` (not JSON), ``fault-schema``
(JSON that breaks the schema), ``fault-timeout`` (answers after ``--slow`` seconds),
``fault-429`` (always rate limited), ``fault-429-once`` and ``fault-500-once`` (the first request of
each body fails, its retry succeeds). Tokens are counted as four characters each.

Run: ``python -m tradegame.llm.server --port 8765`` (``scripts/llm-server``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tradegame.llm.memory import tokens

__all__ = ["ANSWERING", "house_answer", "serve"]

ANSWERING = ("house", "fault-malformed", "fault-schema", "fault-timeout", "fault-429", "fault-429-once",
             "fault-500-once")  # fmt: skip
_FALL = re.compile(r"^(?P<when>[^:]+): saw .*?; (?P<text>.*); since: value (?P<change>[+-][\d.]+)%")


def _burned(memory: list[str]) -> set[str]:
    """Symbols a recalled decision bought before the Game's value fell."""
    burned = set()
    for line in memory:
        found = _FALL.match(line)
        if found and float(found["change"]) < 0:
            burned |= {m.group(1) for m in re.finditer(r"(\w+) to 0\.\d*[1-9]", found["text"])}
    return burned


def house_answer(message: dict[str, Any]) -> dict[str, Any]:
    """The ``house`` model's answer to one Round's message."""
    memo = str(message.get("memo") or "")
    burned = _burned(list(message.get("memory", [])))
    if memo.startswith("avoid "):
        burned |= set(memo[len("avoid ") :].split(","))
    rising = [r for r in message["market"] if (r.get("return_20") or 0) > 0 and r["symbol"] not in burned]
    rising.sort(key=lambda r: (-r["return_20"], r["symbol"]))
    best = rising[0]["symbol"] if rising else None
    held = {p["symbol"]: p["weight"] for p in message.get("positions", [])}
    moves = [
        {"symbol": s, "target_weight": 0, "order": "market", "price": None, "reason": "not the strongest any more"}
        for s in sorted(held)
        if s != best
    ]
    if best is not None and held.get(best, 0) < 0.9:
        why = f"strongest 20-Round return ({rising[0]['return_20']:+.1%})"
        moves.append({"symbol": best, "target_weight": 0.95, "order": "market", "price": None, "reason": why})
    return {"moves": moves, "memo": f"avoid {','.join(sorted(burned))}" if burned else ""}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return None

    def _send(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/health":
            self._send(200, {"status": "ok"})
        elif self.path.rstrip("/").endswith("/models"):
            self._send(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in ANSWERING]})
        else:
            self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length", 0)))
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        try:
            request = json.loads(raw)
            model, messages = request["model"], request["messages"]
        except (ValueError, KeyError, TypeError):
            self._send(400, {"error": {"message": "a chat request needs model and messages", "type": "invalid"}})
            return
        digest = hashlib.sha256(raw).hexdigest()
        self.server.count(model, messages)
        if model == "fault-429" or (model.endswith("-once") and self.server.first(digest)):
            status = 500 if model == "fault-500-once" else 429
            self._send(status, {"error": {"message": "slow down", "type": "rate_limit"}}, {"retry-after-ms": "5"})
            return
        if model == "fault-timeout":
            time.sleep(self.server.slow)
        text = self._answer(model, messages)
        used_in = sum(tokens(str(m.get("content", ""))) for m in messages)
        self._send(200, {
            "id": f"chatcmpl-{digest[:16]}", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": used_in, "completion_tokens": tokens(text),
                      "total_tokens": used_in + tokens(text)},
        })  # fmt: skip

    def _answer(self, model: str, messages: list[dict[str, Any]]) -> str:
        if model == "fault-malformed":
            return "I think you should buy, but this is not JSON"
        if model == "fault-schema":
            return json.dumps({"moves": [{"symbol": "SPX", "size": "all in"}], "memo": ""})
        try:
            message = json.loads(messages[-1]["content"])
            return json.dumps(house_answer(message))
        except (ValueError, KeyError, TypeError, IndexError) as error:
            return json.dumps({"moves": [], "memo": f"could not read the message: {error}"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, slow: float) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.slow = slow
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self.requests: dict[str, int] = {}  # by model
        self.seen: list[str] = []  # every request's last message, in order

    def first(self, digest: str) -> bool:
        with self._lock:
            new = digest not in self._seen
            self._seen.add(digest)
            return new

    def count(self, model: str, messages: object) -> None:
        with self._lock:
            self.requests[model] = self.requests.get(model, 0) + 1
            if isinstance(messages, list) and messages and isinstance(messages[-1], dict):
                self.seen.append(str(messages[-1].get("content", "")))


def serve(port: int = 0, slow: float = 5.0) -> _Server:
    """A server on ``127.0.0.1:port`` (0: any free port), answering in a background thread."""
    server = _Server(port, slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--slow", type=float, default=5.0, help="seconds fault-timeout waits")
    args = parser.parse_args()
    server = _Server(args.port, args.slow)
    print(f"llm server on http://127.0.0.1:{server.server_address[1]}/v1", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
