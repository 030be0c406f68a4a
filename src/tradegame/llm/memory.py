"""The Model's memory: its own decisions and what became of them, recalled by a policy.

Every Round the Model decides, it keeps a ``Decision``: the market words it saw (``SPX up-20d
high-vol``), what it asked for and why, the Game's value and the prices then, and later what the
engine reported about its Moves (fills, rejections). A Round's prompt recalls some of them with their
outcome since (the Game's value and each symbol's price then and now), by ``policy``:

* ``none``: nothing;
* ``recent``: the ``k`` latest;
* ``retrieved``: the ``k`` most relevant to now by BM25 (Okapi, k1 1.5, b 0.75) over the decision's
  words and its outcome, the query being the market words of now; ties go to the later decision;
* ``summary``: ``retrieved``, plus the Model's own running memo (the answer's ``memo``).

Recalled items are added in rank order while they fit in ``token_budget`` (a token is counted as four
characters, the usual rule of thumb for English and JSON: an estimate, not a tokenizer).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["POLICIES", "Decision", "bm25_scores", "recall", "tokens"]

POLICIES = ("none", "recent", "retrieved", "summary")
_WORD = re.compile(r"[a-z0-9][a-z0-9.+-]*")


def tokens(text: str) -> int:
    """The token estimate of ``text``: one per four characters, rounded up."""
    return -(-len(text) // 4)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass
class Decision:
    """One Round's decision as the Model remembers it (symbols as shown to the language model)."""

    round: int
    when: str  # a date, or "day N" when masked
    market: str  # the market words seen then
    text: str  # what was asked for and why
    value: float
    prices: Mapping[str, float]
    reports: list[str] = field(default_factory=list)  # what became of its Moves

    def outcome(self, value: float, prices: Mapping[str, float]) -> str:
        """What followed: the Game's value and each priced symbol since, and the engine's reports."""
        parts = [f"value {_change(self.value, value)}"]
        parts += [f"{s} {_change(p, prices[s])}" for s, p in sorted(self.prices.items()) if s in prices]
        moves = "; ".join(self.reports) if self.reports else "no report"
        return f"since: {', '.join(parts)}; moves: {moves}"

    def recollection(self, value: float, prices: Mapping[str, float]) -> str:
        return f"{self.when}: saw {self.market}; {self.text}; {self.outcome(value, prices)}"


def _change(then: float, now: float) -> str:
    if then <= 0 or not math.isfinite(then) or not math.isfinite(now):
        return "n/a"
    return f"{now / then - 1:+.1%}"


def bm25_scores(documents: Sequence[str], query: str, k1: float = 1.5, b: float = 0.75) -> list[float]:
    """Okapi BM25 of each document for ``query`` (idf with the +1 floor, so no score is negative)."""
    docs = [_words(d) for d in documents]
    if not docs:
        return []
    average = sum(len(d) for d in docs) / len(docs) or 1.0
    frequency = Counter(word for doc in docs for word in set(doc))
    terms = set(_words(query))
    scores = []
    for doc in docs:
        counts, score = Counter(doc), 0.0
        for term in terms & counts.keys():
            idf = math.log(1 + (len(docs) - frequency[term] + 0.5) / (frequency[term] + 0.5))
            tf = counts[term]
            score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(doc) / average))
        scores.append(score)
    return scores


def recall(
    policy: str,
    decisions: Sequence[Decision],
    query: str,
    k: int,
    token_budget: int,
    value: float,
    prices: Mapping[str, float],
) -> list[str]:
    """The recollections ``policy`` brings to this Round, most relevant first, within ``token_budget``."""
    if policy not in POLICIES:
        raise ValueError(f"memory policy must be one of {', '.join(POLICIES)}, not {policy!r}")
    if policy == "none" or not decisions or k <= 0:
        return []
    texts = [d.recollection(value, prices) for d in decisions]
    if policy == "recent":
        order = list(range(len(texts) - 1, -1, -1))
    else:
        scores = bm25_scores([f"{d.market} {d.text} {t}" for d, t in zip(decisions, texts, strict=True)], query)
        order = sorted(range(len(texts)), key=lambda i: (-scores[i], -i))
    chosen: list[str] = []
    used = 0
    for index in order[:k]:
        cost = tokens(texts[index])
        if used + cost > token_budget:
            continue
        chosen.append(texts[index])
        used += cost
    return chosen
