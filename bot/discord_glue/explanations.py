"""What "Why this answer?" shows: a bounded in-memory map from answer key to its ``Why``.

Only the key travels in the button's custom_id (Discord allows 100 characters). The
map lives in memory, so after a restart older buttons find nothing and the user is
told, politely, that the explanation has expired.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict

from bot.engine.answer import Why

DEFAULT_CAPACITY = 10_000


def answer_key(question_id: int | None) -> str:
    """The analytics question id when there is one, else a random token (never reused)."""
    return str(question_id) if question_id else "t" + secrets.token_hex(8)


class Explanations:
    """The last ``capacity`` explanations, oldest forgotten first. Thread-safe."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, Why] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, key: str, why: Why) -> None:
        with self._lock:
            self._items[key] = why
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def recall(self, key: str) -> Why | None:
        with self._lock:
            return self._items.get(key)

    def __len__(self) -> int:
        return len(self._items)
