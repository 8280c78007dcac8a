"""Per-asker conversation context: an in-memory TTL map keyed by (channel, user)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Asker:
    """Who is asking, and where; context is never shared between askers."""

    channel: str = "console"
    user: str = "local"


@dataclass
class Context:
    """What the previous answer was about, for follow-ups."""

    models: list[str] = field(default_factory=list)
    # Models of the answers before, most recent first: "which of the two came out first?"
    # after one question about Llama and one about Mistral compares those two.
    earlier: list[str] = field(default_factory=list)
    aspect: str | None = None
    use_case: str | None = None
    at: float = 0.0


class ContextStore:
    """Bounded, expiring memory of the last answer per asker."""

    def __init__(
        self,
        ttl_seconds: float = 600.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._items: OrderedDict[Asker, Context] = OrderedDict()
        # The Discord side answers in worker threads; the map must not be mutated concurrently.
        self._lock = threading.Lock()

    def get(self, asker: Asker) -> Context | None:
        with self._lock:
            ctx = self._items.get(asker)
            if ctx is None:
                return None
            if self._clock() - ctx.at > self.ttl:
                del self._items[asker]
                return None
            self._items.move_to_end(asker)
            return ctx

    def put(self, asker: Asker, ctx: Context) -> None:
        with self._lock:
            ctx.at = self._clock()
            self._items[asker] = ctx
            self._items.move_to_end(asker)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def clear(self, asker: Asker) -> None:
        with self._lock:
            self._items.pop(asker, None)

    def __len__(self) -> int:
        return len(self._items)
