"""Per-user sliding-window cooldown that tells a user once, not on every message."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum

PRUNE_EVERY = 1000  # checks between sweeps of idle users


class Verdict(Enum):
    ALLOW = "allow"
    NOTIFY = "notify"  # over the limit: tell the user once
    SILENT = "silent"  # still over the limit and already told


class Cooldown:
    """At most ``limit`` questions per ``window`` seconds for each key."""

    def __init__(
        self,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 50_000,
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[object, deque[float]] = {}
        self._notified: dict[object, float] = {}
        self._max_keys = max_keys
        self._calls = 0

    def check(self, key: object) -> Verdict:
        now = self._clock()
        self._calls += 1
        if self._calls % PRUNE_EVERY == 0:
            self._prune(now)
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) < self.limit:
            hits.append(now)
            self._notified.pop(key, None)
            return Verdict.ALLOW
        if key in self._notified:
            return Verdict.SILENT
        self._notified[key] = now
        if len(self._hits) > self._max_keys:
            self._prune(now)
        return Verdict.NOTIFY

    def _prune(self, now: float) -> None:
        """Forget users idle for a whole window, so memory stays bounded."""
        for stale in [k for k, d in self._hits.items() if not d or now - d[-1] >= self.window]:
            self._hits.pop(stale, None)
            self._notified.pop(stale, None)

    def __len__(self) -> int:
        """How many keys (users) are remembered right now."""
        return len(self._hits)

    def retry_after(self, key: object) -> float:
        hits = self._hits.get(key)
        if not hits:
            return 0.0
        return max(0.0, self.window - (self._clock() - hits[0]))
