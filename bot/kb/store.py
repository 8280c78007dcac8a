"""The current knowledge base, swapped atomically on reload.

A reload validates the whole directory first; when anything is wrong the
previous knowledge base keeps serving and the problems are kept for
``/kb status``. Readers take ``store.current`` once per question, so a swap
never mixes two versions inside one answer.

A reload also says which entries it removes. One that removes more than
half of any file's entries (what a file truncated mid-write looks like, and
it often still validates) is *held*: the last good knowledge base keeps
serving until ``reload(force=True)`` confirms the removal.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.kb.loader import KnowledgeError, check_directory
from bot.kb.schema import KnowledgeBase
from bot.kb.yamlsafe import Problem

log = logging.getLogger(__name__)

WATCHED_SUFFIXES = (".yaml", ".yml", ".md")
# A reload may remove at most this share of any file's entries without a confirmation.
HOLD_SHARE = 0.5


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
    """The outcome of one reload attempt.

    ``ok``: the new knowledge base is serving (``version``). When not ok, ``version`` is
    the one still serving and either ``problems`` lists what is wrong with the files, or
    ``held`` is set: the files are valid but would remove more than half of some file's
    entries; ``reason`` says which, and ``reload(force=True)`` applies them anyway.
    ``removed`` maps a file (relative to the knowledge directory) to the ids of the
    entries the reload removes (or, when held, would remove).
    """

    ok: bool
    version: str
    problems: tuple[Problem, ...] = ()
    removed: dict[str, list[str]] = field(default_factory=dict)
    held: bool = False
    reason: str = ""
    # The version a held reload would serve; a watcher uses it to report one hold once.
    candidate: str = ""


def entries_by_file(kb: KnowledgeBase) -> dict[str, list[str]]:
    """The ids of the entries each knowledge file contributes, by file name.

    A model file's entries are its facts, named by aspect ("pricing", a second pricing
    fact "pricing#2"); other files list their entries' ids.
    """
    out: dict[str, list[str]] = {
        "sources.yaml": list(kb.sources),
        "use_cases.yaml": list(kb.use_cases),
        "topics.yaml": list(kb.topics),
        "aspects.yaml": list(kb.aspects),
        "vocabulary.yaml": list(kb.other_entities),
    }
    for model_id, model in kb.models.items():
        seen: Counter[str] = Counter()
        facts = []
        for fact in model.facts:
            seen[fact.aspect] += 1
            n = seen[fact.aspect]
            facts.append(fact.aspect if n == 1 else f"{fact.aspect}#{n}")
        out[f"models/{model_id}.yaml"] = facts
    return out


def removed_entries(old: KnowledgeBase, new: KnowledgeBase) -> dict[str, list[str]]:
    """Per file, the entries of ``old`` that ``new`` no longer has."""
    after = entries_by_file(new)
    removed: dict[str, list[str]] = {}
    for name, ids in entries_by_file(old).items():
        kept = set(after.get(name, []))
        gone = [i for i in ids if i not in kept]
        if gone:
            removed[name] = gone
    return removed


def heavy_removals(old: KnowledgeBase, removed: dict[str, list[str]]) -> dict[str, str]:
    """Per file that would lose more than half of its entries, what it would lose."""
    before = entries_by_file(old)
    return {
        name: f"{name} would lose {len(gone)} of its {len(before[name])} entries "
        f"({', '.join(gone[:8])}{', ...' if len(gone) > 8 else ''})"
        for name, gone in sorted(removed.items())
        if len(gone) > HOLD_SHARE * len(before[name])
    }


_CONFIRM = (
    "a file cut short while being saved looks like this; if the removal is intended, "
    "confirm it with /kb reload force:true (KnowledgeStore.reload(force=True))"
)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


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

    def reload(self, force: bool = False) -> ReloadResult:
        """Validate the directory again; swap only when it is clean.

        A clean directory that removes more than half of any file's entries is held
        (not swapped) unless ``force`` is set.
        """
        with self._lock:
            started = time.perf_counter()
            result = check_directory(self.directory)
            if not result.ok or result.kb is None:
                self.last_error = tuple(result.problems)
                for problem in result.problems[:20]:
                    log.error("knowledge reload rejected: %s", problem)
                return ReloadResult(False, self._kb.version, self.last_error)
            removed = removed_entries(self._kb, result.kb)
            heavy = {} if force else heavy_removals(self._kb, removed)
            if heavy:
                reason = f"reload held: {'; '.join(heavy.values())}; {_CONFIRM}"
                self.last_error = tuple(
                    Problem(_display(self.directory / name), 1, 1, f"held: {lost}; {_CONFIRM}")
                    for name, lost in heavy.items()
                )
                log.warning("knowledge %s", reason)
                return ReloadResult(
                    False,
                    self._kb.version,
                    self.last_error,
                    removed,
                    held=True,
                    reason=reason,
                    candidate=result.kb.version,
                )
            changed = result.kb.version != self._kb.version
            self._kb = result.kb
            self.last_error = ()
            self.load_seconds = time.perf_counter() - started
            self.loaded_at = time.time()
            for name, gone in sorted(removed.items()):
                log.warning("knowledge reload removed from %s: %s", name, ", ".join(gone))
            if changed:
                log.info("knowledge base reloaded: version %s", result.kb.version)
                # Inside the lock, so listeners see swaps in order: two overlapping reloads
                # can never leave a listener on the older version.
                for listener in self._listeners:
                    listener(result.kb)
        return ReloadResult(True, result.kb.version, removed=removed)

    def fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        """Names, sizes and mtimes of the watched files; changes when any is edited.

        Entries that are not regular files (a FIFO, a dangling link) count too, so that a
        reload reports them; only their metadata is read, never their content.
        """
        entries: list[tuple[str, int, int]] = []
        for path in sorted(self.directory.rglob("*")):
            if path.suffix not in WATCHED_SUFFIXES:
                continue
            try:
                st = os.stat(path) if os.path.exists(path) else os.lstat(path)
            except OSError:  # deleted between listing and stat (an editor's temp file)
                continue
            entries.append((str(path), st.st_size, st.st_mtime_ns))
        return tuple(entries)
