"""Plain data returned by the editing pipeline: previews, revisions, results.

Nothing here prints or talks to Discord; front ends render these records themselves.
"""

from __future__ import annotations

import difflib
import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from bot.kb.yamlsafe import Problem

Source = Literal["discord", "import", "teach", "host", "undo"]
SOURCES: tuple[str, ...] = ("discord", "import", "teach", "host", "undo")
Status = Literal["applied", "noop", "invalid", "changed_since", "busy", "failed"]


class KbEditError(Exception):
    """An edit that cannot be staged; ``message`` is one line a person can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def digest(content: bytes | None) -> str | None:
    """SHA-256 of a file's bytes; ``None`` for a file that does not exist."""
    return None if content is None else hashlib.sha256(content).hexdigest()


def _text(content: bytes | None) -> list[str]:
    if content is None:
        return []
    return content.decode("utf-8", errors="replace").splitlines(keepends=True)


def unified_diff(name: str, before: bytes | None, after: bytes | None, context: int = 2) -> str:
    """A ``git diff``-style diff of one file (``/dev/null`` for a created or deleted file)."""
    lines = difflib.unified_diff(
        _text(before),
        _text(after),
        fromfile=f"a/{name}" if before is not None else "/dev/null",
        tofile=f"b/{name}" if after is not None else "/dev/null",
        n=context,
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


@dataclass(frozen=True)
class FileChange:
    """One file's bytes before and after (``None``: the file does not exist)."""

    name: str
    before: bytes | None = field(repr=False)
    after: bytes | None = field(repr=False)

    def diff(self) -> str:
        return unified_diff(self.name, self.before, self.after)


def joined_diff(changes: Iterable[FileChange]) -> str:
    return "".join(change.diff() for change in changes)


@dataclass(frozen=True)
class RoutingChange:
    """A question whose target differs between the live and the staged knowledge base.

    ``expected`` is set for phrasings (the entry they belong to); ``origin`` says where
    the question came from: ``phrasing`` or ``recent`` (a logged user question).
    """

    question: str
    before: str
    after: str
    origin: Literal["phrasing", "recent"]
    expected: str | None = None
    file: str | None = None
    location: str | None = None

    @property
    def regression(self) -> bool:
        """A phrasing that reached its own entry and no longer does."""
        return self.expected is not None and self.before == self.expected != self.after


@dataclass(frozen=True)
class Revision:
    """One recorded change: the bytes of every file before and after, and who and why."""

    id: int
    time: float
    actor: str
    reason: str
    source: str
    entries: tuple[str, ...]
    files: tuple[FileChange, ...]
    undoes: int | None = None
    actor_id: str | None = None

    def diff(self) -> str:
        return joined_diff(self.files)

    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.time))

    def summary(self) -> str:
        """One line: ``#12 2024-08-01 10:00:00 discord Alice: reason (entries)``."""
        entries = ", ".join(self.entries[:5]) + (" …" if len(self.entries) > 5 else "")
        files = ", ".join(f.name for f in self.files)
        what = entries or files
        return f"#{self.id} {self.when()} {self.source} {self.actor}: {self.reason} ({what})"


@dataclass(frozen=True)
class Preview:
    """What an edit would do, computed without writing anything.

    ``ok`` previews can be passed to ``KbEditor.confirm``. ``changes`` holds the bytes
    read (``before``) and staged (``after``); confirm refuses when a file no longer has
    the ``before`` bytes. ``problems`` are the loader's (``file:line:col``) plus the
    pipeline's own (a conflicting undo); ``warnings`` never block.
    """

    ops: tuple[object, ...]
    actor: str
    reason: str
    source: str
    changes: tuple[FileChange, ...]
    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()
    routing: tuple[RoutingChange, ...] = ()
    references: tuple[str, ...] = ()
    entries: tuple[str, ...] = ()
    undoes: int | None = None
    conflict_diff: str = ""
    actor_id: str | None = None
    fingerprint: str = ""
    created: float = field(default_factory=time.time)

    @property
    def noop(self) -> bool:
        return not self.changes

    @property
    def ok(self) -> bool:
        return bool(self.changes) and not self.problems

    @property
    def diff(self) -> str:
        return joined_diff(self.changes)

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.changes)

    def as_text(self) -> str:
        """A plain-text report (diff, problems, warnings, routing changes)."""
        out: list[str] = []
        if self.noop and not self.problems:
            return "No change: the files already say this.\n"
        if self.changes:
            out.append(self.diff.rstrip("\n"))
        if self.conflict_diff:
            out.append("Changes made since that revision:")
            out.append(self.conflict_diff.rstrip("\n"))
        if self.problems:
            out.append(f"{len(self.problems)} problem(s); this edit cannot be applied:")
            out += [f"  {p}" for p in self.problems]
        if self.references:
            out.append("Referenced by / references:")
            out += [f"  {r}" for r in self.references]
        if self.warnings:
            out.append("Warnings:")
            out += [f"  {w}" for w in self.warnings]
        if self.routing:
            out.append(f"Routing changes ({len(self.routing)}):")
            for change in self.routing:
                mark = "!" if change.regression else " "
                out.append(f" {mark} {change.question!r}: {change.before} -> {change.after}")
        return "\n".join(out) + "\n"


@dataclass(frozen=True)
class ApplyResult:
    """The outcome of ``confirm``.

    ``changed_since``: ``files`` were edited after the preview was made; call
    ``KbEditor.reapply(preview)`` to stage the same operations on the new version.
    """

    status: Status
    message: str
    revision: Revision | None = None
    files: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def applied(self) -> bool:
        return self.status == "applied"
