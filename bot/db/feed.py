"""Knowledge revisions from other processes, as they are recorded (PostgreSQL only).

Every accepted revision is a row with the full bytes of its files, and its id is
announced with NOTIFY on ``llmbot_kb`` when it commits. :class:`RevisionFeed` runs one
thread per process: it LISTENs, and on each announcement (or every ``poll`` seconds,
which also recovers announcements missed while the connection was down) it fetches
the revisions newer than the last one applied and hands them to ``apply`` (the
knowledge editor writes the files and reloads with the usual last-good rules).

If the database is unreachable the thread reconnects with backoff; answers never
depend on it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

log = logging.getLogger(__name__)

MAX_BACKOFF = 5.0


class RevisionFeed:
    """``fetch(after_id)`` returns newer revisions (oldest first, other processes'
    only); ``apply(revisions)`` returns False to have them offered again."""

    def __init__(
        self,
        url: str,
        fetch: Callable[[int], Sequence[Any]],
        apply: Callable[[Sequence[Any]], bool],
        *,
        after: int,
        channel: str,
        poll: float = 1.0,
    ) -> None:
        self.url = url
        self.last_applied = after
        self._fetch = fetch
        self._apply = apply
        self._channel = channel
        self._poll = poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kb-revision-feed", daemon=True)
        self.connected = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        import psycopg

        delay = 0.2
        down_since: float | None = None
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=3) as conn:
                    conn.execute(f"LISTEN {self._channel}")
                    self.connected.set()
                    if down_since is not None:
                        log.info(
                            "knowledge feed: database back after %.1f s; catching up",
                            time.monotonic() - down_since,
                        )
                        down_since = None
                    delay = 0.2
                    while not self._stop.is_set():
                        self._catch_up()
                        for _ in conn.notifies(timeout=self._poll, stop_after=1):
                            pass
            except (psycopg.Error, OSError) as exc:
                self.connected.clear()
                if down_since is None:
                    down_since = time.monotonic()
                    log.warning(
                        "knowledge feed: database unreachable (%s); edits from other "
                        "processes arrive when it is back",
                        " ".join(str(exc).split())[:200],
                    )
                self._stop.wait(delay)
                delay = min(delay * 2, MAX_BACKOFF)
            except Exception:
                log.exception("knowledge feed failed; retrying")
                self._stop.wait(MAX_BACKOFF)

    def _catch_up(self) -> None:
        revisions = self._fetch(self.last_applied)
        if revisions and self._apply(revisions):
            self.last_applied = max(int(r.id) for r in revisions)
