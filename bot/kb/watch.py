"""Poll the knowledge directory and reload it when files change.

Polling (not inotify) keeps this dependency-free and works on mounted
volumes. A change is applied only after the files have stopped changing
for ``debounce`` seconds, so an editor's temp-file-and-rename dance is
seen as one edit. A held reload (see :mod:`bot.kb.store`) is reported once:
saving the same held files again does not report it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.kb.store import KnowledgeStore, ReloadResult

log = logging.getLogger(__name__)


class KnowledgeWatcher:
    """Runs as an asyncio task; calls ``on_result`` after every reload attempt."""

    def __init__(
        self,
        store: KnowledgeStore,
        on_result: Callable[[ReloadResult], Awaitable[None]] | None = None,
        poll: float = 0.5,
        debounce: float = 0.6,
    ) -> None:
        self.store = store
        self.on_result = on_result
        self.poll = poll
        self.debounce = debounce
        self._task: asyncio.Task[None] | None = None
        # The version of the last held reload reported, so a hold is reported only once.
        self._held_reported = ""

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="knowledge-watcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        seen = await asyncio.to_thread(self.store.fingerprint)
        while True:
            await asyncio.sleep(self.poll)
            try:
                current = await asyncio.to_thread(self.store.fingerprint)
                if current == seen:
                    continue
                # Wait until the files hold still, then reload once.
                while True:
                    await asyncio.sleep(self.debounce)
                    settled = await asyncio.to_thread(self.store.fingerprint)
                    if settled == current:
                        break
                    current = settled
                seen = current
                result = await asyncio.to_thread(self.store.reload)
                if result.held and result.candidate == self._held_reported:
                    log.debug("knowledge reload still held for version %s", result.candidate)
                    continue
                self._held_reported = result.candidate if result.held else ""
                if self.on_result is not None:
                    await self.on_result(result)
            except asyncio.CancelledError:
                raise
            except Exception:  # the watcher must outlive any single bad reload
                log.exception("knowledge watcher failed while reloading; will keep watching")
