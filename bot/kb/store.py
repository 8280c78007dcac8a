"""The current knowledge base, swapped atomically on reload.

A reload validates the whole directory first; when anything is wrong the
previous knowledge base keeps serving and the problems are kept for
``/kb status``. Readers take ``store.current`` once per question, so a swap
never mixes two versions inside one answer.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.kb.loader import KnowledgeError, check_directory
from bot.kb.schema import KnowledgeBase
from bot.kb.yamlsafe import Problem

log = logging.getLogger(__name__)

WATCHED_SUFFIXES = (".yaml", ".yml", ".md")


def default_knowledge_dir() -> Path:
    """``$KNOWLEDGE_DIR``, else ./knowledge, else the one beside the package."""
    env = os.environ.get("KNOWLEDGE_DIR")
    if env:
        return Path(env)
    here = Path("knowledge")
    if (here / "sources.yaml").is_file():
        return here
    return Path(__file__).resolve().parents[2] / "knowledge"


@dataclass(frozen=True)
class ReloadResult:
    ok: bool
    version: str
    problems: tuple[Problem, ...] = ()


class KnowledgeStore:
    """Holds the last good knowledge base for a directory."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[KnowledgeBase], None]] = []
        self.last_error: tuple[Problem, ...] = ()
        self.loaded_at: float = 0.0
        self.load_seconds: float = 0.0
        result = check_directory(self.directory)
        if not result.ok or result.kb is None:
            raise KnowledgeError(result.problems)
        self._kb: KnowledgeBase = result.kb
        self.loaded_at = time.time()

    @property
    def current(self) -> KnowledgeBase:
        return self._kb

    def on_swap(self, listener: Callable[[KnowledgeBase], None]) -> None:
        """Call ``listener(new_kb)`` after every successful swap."""
        self._listeners.append(listener)

    def reload(self) -> ReloadResult:
        """Validate the directory again; swap only when it is clean."""
        with self._lock:
            started = time.perf_counter()
            result = check_directory(self.directory)
            if not result.ok or result.kb is None:
                self.last_error = tuple(result.problems)
                for problem in result.problems[:20]:
                    log.error("knowledge reload rejected: %s", problem)
                return ReloadResult(False, self._kb.version, self.last_error)
            changed = result.kb.version != self._kb.version
            self._kb = result.kb
            self.last_error = ()
            self.load_seconds = time.perf_counter() - started
            self.loaded_at = time.time()
            if changed:
                log.info("knowledge base reloaded: version %s", result.kb.version)
                # Inside the lock, so listeners see swaps in order: two overlapping reloads
                # can never leave a listener on the older version.
                for listener in self._listeners:
                    listener(result.kb)
        return ReloadResult(True, result.kb.version)

    def fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        """Names, sizes and mtimes of the watched files; changes when any is edited."""
        entries: list[tuple[str, int, int]] = []
        for path in sorted(self.directory.rglob("*")):
            if path.suffix in WATCHED_SUFFIXES and path.is_file():
                try:
                    st = path.stat()
                except OSError:  # deleted between listing and stat (an editor's temp file)
                    continue
                entries.append((str(path), st.st_size, st.st_mtime_ns))
        return tuple(entries)
