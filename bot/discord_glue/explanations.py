"""What "Why this answer?" shows: a bounded in-memory map from answer key to its ``Why``.

Only the key travels in the button's custom_id (Discord allows 100 characters). The
map lives in memory, so after a restart older buttons find nothing and the user is
told, politely, that the explanation has expired.
"""

from __future__ import annotations

import secrets
import sys
import threading
from collections import OrderedDict

from bot.engine.answer import Why

DEFAULT_CAPACITY = 10_000

# (rule, evidence, runner-up): a plain tuple costs a third of a Why model per answer.
_Stored = tuple[str, tuple[str, ...], str | None]


def answer_key(question_id: int | None) -> str:
    """The analytics question id when there is one, else a random token (never reused)."""
    return str(question_id) if question_id else "t" + secrets.token_hex(8)


class Explanations:
    """The last ``capacity`` explanations, oldest forgotten first. Thread-safe."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, _Stored] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, key: str, why: Why) -> None:
        # Rule names repeat across answers; interning stores each once.
        stored = (sys.intern(why.rule), tuple(why.evidence), why.runner_up)
        with self._lock:
            self._items[key] = stored
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def recall(self, key: str) -> Why | None:
        with self._lock:
            stored = self._items.get(key)
        if stored is None:
            return None
        rule, evidence, runner_up = stored
        return Why(rule=rule, evidence=list(evidence), runner_up=runner_up)

    def __len__(self) -> int:
        return len(self._items)
