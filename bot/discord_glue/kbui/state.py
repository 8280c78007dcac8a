"""What a button needs between clicks: short-lived, bounded, in memory.

Only a short token travels in a custom_id (Discord allows 100 characters); the preview,
the page of questions or the entry it stands for lives here. After a restart, or an
hour later, the token finds nothing and the admin is asked to run the command again;
what must survive a restart (a revision to revert) goes into the custom_id itself.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

# The server an edit is being previewed for. Only its own recent questions feed the
# routing impact a preview shows (admins never see another server's questions); set
# around each preview, and inherited by the worker thread that stages it.
PREVIEW_GUILD: ContextVar[int | None] = ContextVar("kb_preview_guild", default=None)

DEFAULT_CAPACITY = 500
DEFAULT_TTL_SECONDS = 3600.0
TOKEN_BYTES = 6  # 12 hex characters


class Sessions:
    """Token -> object, oldest evicted first, each kept for ``ttl`` seconds."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, ttl: float = DEFAULT_TTL_SECONDS):
        self.capacity = capacity
        self.ttl = ttl
        self._items: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, value: object) -> str:
        token = secrets.token_hex(TOKEN_BYTES)
        self.replace(token, value)
        return token

    def replace(self, token: str, value: object) -> None:
        with self._lock:
            self._items[token] = (time.monotonic() + self.ttl, value)
            self._items.move_to_end(token)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def get(self, token: str, kind: type[T]) -> T | None:
        """The object behind ``token`` if it is still there and a ``kind``."""
        with self._lock:
            found = self._items.get(token)
            if found is None:
                return None
            expires, value = found
            if expires < time.monotonic():
                del self._items[token]
                return None
        return value if isinstance(value, kind) else None

    def pop(self, token: str) -> None:
        with self._lock:
            self._items.pop(token, None)

    def __len__(self) -> int:
        return len(self._items)
