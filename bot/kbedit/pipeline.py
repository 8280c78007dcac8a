"""The one write path for knowledge files: stage -> preview -> confirm -> revision.

Every writer (Discord edits, the teach loop, imports, undo, and the console) goes
through :class:`KbEditor`:

1. ``preview(ops)`` applies semantic operations to the files' bytes in memory, checks
   the staged knowledge base with the loader, and lists routing changes. Nothing is
   written and no lock is held, so a person may take as long as they like.
2. ``confirm(preview)`` takes the single-writer lock, refuses when a file changed since
   it was read (``reapply`` stages the same operations on the new version), records a
   revision with the full before/after bytes, writes each file atomically, then swaps
   the live knowledge base and reports the revision to the audit callback.

Edits made on the host are recorded as revisions too (``scan_host_changes``).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Literal, cast

from bot.db import Database, database_errors, is_transient
from bot.kb.loader import check_directory
from bot.kb.schema import KnowledgeBase
from bot.kb.store import KnowledgeStore
from bot.kb.yamlsafe import Problem
from bot.kbedit.files import (
    WriterLock,
    atomic_write,
    fingerprint,
    knowledge_files,
    read_bytes,
    remove,
    resolve,
)
from bot.kbedit.impact import RecentQuestions, RoutingImpact
from bot.kbedit.ops import (
    RESERVED_TOPICS,
    Conflict,
    DeleteEntry,
    Notes,
    Operation,
    RestoreFile,
    changed_entries,
    references,
)
from bot.kbedit.records import (
    SOURCES,
    ApplyResult,
    FileChange,
    KbEditError,
    Preview,
    Revision,
    unified_diff,
)
from bot.kbedit.revisions import EditConflict, RevisionStore
from bot.kbedit.transfer import MODES, Export, ImportFile, export_files, read_upload
from bot.kbedit.validate import check_staged, display_path

log = logging.getLogger(__name__)

HOST_ACTOR = "host"


def not_writable(exc: BaseException, directory: Path, database: Path) -> str | None:
    """One line naming the folder this process may not write, and the fix; None when
    ``exc`` is not a permission problem."""
    if isinstance(exc, PermissionError):
        where = Path(exc.filename).parent if exc.filename else directory
    elif isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc):
        where = database.parent
    else:
        return None
    uid = os.getuid() if hasattr(os, "getuid") else "?"
    return (
        f"cannot write to {where}: this process (uid {uid}) has no write permission there, "
        "so nothing was changed. Make the folder writable by it (in Docker, run the container "
        'with --user "$(id -u):$(id -g)" as the README shows, or chown the folder to 10001)'
    )


class KbEditor:
    """Stages, checks, writes and records edits of one knowledge directory.

    ``on_applied(revision)`` swaps the live knowledge base after a write (for the bot:
    ``lambda _rev: store.reload()``); ``audit(revision)`` reports it (the admin log
    channel); ``recent_questions()`` returns recently logged question texts for the
    routing impact; ``live_kb()`` returns the knowledge base being served (default:
    loaded from disk). Callbacks run after the lock is released; their errors are
    logged, never raised, because the write has already happened.
    """

    def __init__(
        self,
        knowledge_dir: Path | str,
        revisions_path: Path | str,
        *,
        on_applied: Callable[[Revision], object] | None = None,
        audit: Callable[[Revision], object] | None = None,
        recent_questions: RecentQuestions | None = None,
        live_kb: Callable[[], KnowledgeBase] | None = None,
        lock_timeout: float = 10.0,
        database: Database | None = None,
    ) -> None:
        self.directory = Path(knowledge_dir)
        # With PostgreSQL, one history for every process; ``origin`` names this one.
        origin = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.revisions = RevisionStore(revisions_path, database, origin)
        self.on_applied = on_applied
        self.audit = audit
        self.recent_questions = recent_questions
        self.live_kb = live_kb
        self._lock = WriterLock(Path(revisions_path).with_suffix(".lock"), lock_timeout)
        self._impact = RoutingImpact()
        self._disk_kb: tuple[str, KnowledgeBase | None] | None = None
        # Last loaded or written bytes of each file (and when), to tell host edits apart.
        self._known: dict[str, tuple[bytes | None, float]] = {}
        now = time.time()
        for name in sorted(
            set(knowledge_files(self.directory)) | set(self.revisions.known_files())
        ):
            last = self.revisions.last_known(name)
            self._known[name] = last if last else (read_bytes(self.directory / name), now)
        self.synced_files = self.sync_from_database()

    # -- staging -----------------------------------------------------------------------
    def _live(self, files_fingerprint: str) -> KnowledgeBase | None:
        """The knowledge base being served (loaded from disk once per file state)."""
        if self.live_kb is not None:
            return self.live_kb()
        if self._disk_kb is None or self._disk_kb[0] != files_fingerprint:
            self._disk_kb = (files_fingerprint, check_directory(self.directory).kb)
        return self._disk_kb[1]

    def _recent(self, notes: Notes) -> list[str]:
        if self.recent_questions is None:
            return []
        try:
            return list(self.recent_questions())
        except Exception:
            log.exception("recent questions unavailable for the routing impact")
            notes.warn("recent questions could not be read; routing impact covers phrasings only")
            return []

    def preview(
        self,
        ops: Sequence[Operation],
        *,
        actor: str,
        reason: str,
        source: str = "discord",
        actor_id: str | None = None,
        undoes: int | None = None,
        warnings: Iterable[str] = (),
    ) -> Preview:
        """Stage ``ops`` in memory and report what they would do. Writes nothing.

        Raises :class:`KbEditError` for an operation that cannot apply (unknown id,
        duplicate phrasing, ...); returns a preview with problems for an edit that
        applies but leaves the knowledge base invalid, or an undo that would conflict.
        """
        if not ops:
            raise KbEditError("nothing to do: no operations given")
        if source not in SOURCES:
            raise KbEditError(f"unknown source '{source}'; use one of {', '.join(SOURCES)}")
        notes = Notes()
        for warning in warnings:
            notes.warn(warning)
        before_fp = fingerprint(self.directory)
        read: dict[str, bytes | None] = {}
        staged: dict[str, bytes | None] = {}
        conflicts: list[Conflict] = []
        for op in ops:
            name = op.file
            if name not in read:
                read[name] = read_bytes(resolve(self.directory, name))
            current = staged.get(name, read[name])
            try:
                staged[name] = op.apply(current, notes)
            except Conflict as conflict:
                conflicts.append(conflict)
                staged[name] = current
        changes = tuple(FileChange(n, read[n], staged[n]) for n in read if staged[n] != read[n])
        problems = [
            Problem(display_path(self.directory / c.file), 0, 0, c.message) for c in conflicts
        ]
        conflict_diff = "".join(unified_diff(c.file, c.recorded, c.current) for c in conflicts)
        entries = [e for c in changes for e in changed_entries(c.name, c.before, c.after)]
        old_kb = self._live(before_fp) if changes else None
        refs = []
        for op in ops:
            if isinstance(op, DeleteEntry):
                refs += references(old_kb, op.ref)
                if op.ref.kind == "topic" and op.ref.id in RESERVED_TOPICS:
                    problems.append(
                        Problem(
                            display_path(self.directory / op.file),
                            0,
                            0,
                            f"topic '{op.ref.id}' is used by the bot itself; edit it instead "
                            "of deleting it",
                        )
                    )
        routing = []
        if changes and not conflicts:
            found, new_kb = check_staged(self.directory, {c.name: c.after for c in changes})
            if found:
                baseline = {(p.path, p.message) for p in check_directory(self.directory).problems}
                already = sum((p.path, p.message) in baseline for p in found)
                if already:
                    notes.warn(f"{already} of these problems were already there before this edit")
            problems += found
            if new_kb is not None and old_kb is not None:
                routing = self._impact.compare(old_kb, new_kb, self._recent(notes))
            elif new_kb is not None:
                notes.warn("the live knowledge base does not load; routing impact not computed")
        return Preview(
            ops=tuple(ops),
            actor=actor,
            reason=reason,
            source=source,
            changes=changes,
            problems=tuple(problems),
            warnings=tuple(notes.warnings),
            routing=tuple(routing),
            references=tuple(refs),
            entries=tuple(dict.fromkeys(entries)),
            undoes=undoes,
            conflict_diff=conflict_diff,
            actor_id=actor_id,
            fingerprint=before_fp,
        )

    def reapply(self, preview: Preview) -> Preview:
        """Stage the same operations again on the files as they are now."""
        ops = [cast(Operation, op) for op in preview.ops]
        return self.preview(
            ops,
            actor=preview.actor,
            reason=preview.reason,
            source=preview.source,
            actor_id=preview.actor_id,
            undoes=preview.undoes,
        )

    # -- writing -----------------------------------------------------------------------
    def confirm(self, preview: Preview) -> ApplyResult:
        """Write a previewed edit (see the module docstring). Never raises for expected cases."""
        if preview.noop and not preview.problems:
            return ApplyResult("noop", "nothing to change: the files already say this")
        if not preview.ok:
            return ApplyResult(
                "invalid",
                f"{len(preview.problems)} problem(s); fix them and preview again",
                problems=preview.problems,
            )
        with self._lock.hold() as held:
            if not held:
                return ApplyResult("busy", "another edit is being written; try again in a moment")
            changed = tuple(
                c.name
                for c in preview.changes
                if read_bytes(resolve(self.directory, c.name)) != c.before
            )
            if changed:
                return ApplyResult(
                    "changed_since",
                    f"{', '.join(changed)} changed since this preview was made; preview the "
                    "same edit again on the new version",
                    files=changed,
                )
            if fingerprint(self.directory) != preview.fingerprint:
                # Other files changed meanwhile: the staged set must still be valid with them.
                found, _kb = check_staged(
                    self.directory, {c.name: c.after for c in preview.changes}
                )
                if found:
                    return ApplyResult(
                        "invalid",
                        f"other files changed since this preview; {len(found)} problem(s) now",
                        problems=tuple(found),
                    )
            try:
                # Hand edits made since the last load get their own revision first.
                host_revision = self._scan_locked()
                with self.revisions.recording(
                    actor=preview.actor,
                    reason=preview.reason,
                    source=preview.source,
                    entries=preview.entries,
                    files=preview.changes,
                    undoes=preview.undoes,
                    actor_id=preview.actor_id,
                ) as revision:
                    warnings = self._write(preview.changes)
            except EditConflict as exc:
                return ApplyResult("changed_since", str(exc), files=(exc.file,))
            except database_errors(OSError) as exc:
                if self.revisions.database is not None and is_transient(exc):
                    log.warning("knowledge edit refused, database unreachable: %s", exc)
                    return ApplyResult(
                        "failed",
                        f"the shared database ({self.revisions.where}) cannot be reached, so "
                        "edits are refused until it is back; answers go on from the current "
                        "knowledge. Try again in a moment",
                        files=preview.files,
                    )
                denied = not_writable(exc, self.directory, self.revisions.path)
                if denied is not None:  # expected on a misconfigured host: no traceback
                    log.info("knowledge edit refused: %s", denied)
                    return ApplyResult("failed", denied, files=preview.files)
                log.exception("knowledge edit could not be written")
                return ApplyResult(
                    "failed",
                    f"could not write the edit ({exc}); the files were left as they were",
                    files=preview.files,
                )
            for change in preview.changes:
                self._known[change.name] = (change.after, revision.time)
        if host_revision is not None:
            self._call(self.audit, host_revision)
        message = f"saved as revision #{revision.id}"
        for warning in warnings:
            log.warning("%s", warning)
            message += f"; {warning}"
        if not self._call(self.on_applied, revision):
            message += "; the live bot did not reload it (see the log)"
        self._call(self.audit, revision)
        return ApplyResult("applied", message, revision, preview.files)

    def _write(self, changes: Sequence[FileChange]) -> list[str]:
        """Write every file; on failure put back the ones already written, then re-raise."""
        done: list[FileChange] = []
        warnings: list[str] = []
        try:
            for change in changes:
                path = resolve(self.directory, change.name)
                if change.after is None:
                    remove(path)
                else:
                    warnings += atomic_write(path, change.after)
                done.append(change)
        except BaseException:
            for change in reversed(done):
                try:
                    path = resolve(self.directory, change.name)
                    if change.before is None:
                        remove(path)
                    else:
                        atomic_write(path, change.before)
                except OSError:
                    log.exception("could not put back %s after a failed write", change.name)
            raise
        return warnings

    @staticmethod
    def _call(callback: Callable[[Revision], object] | None, revision: Revision) -> bool:
        if callback is None:
            return True
        try:
            result = callback(revision)
        except Exception:
            log.exception("knowledge edit callback failed after revision #%s", revision.id)
            return False
        return bool(getattr(result, "ok", True))

    # -- history -----------------------------------------------------------------------
    def history(self, entry: str | None = None, limit: int = 20) -> list[Revision]:
        """Newest first; ``entry`` filters by entry name, bare id or file name."""
        return self.revisions.history(entry, limit)

    def revision(self, revision_id: int) -> Revision | None:
        return self.revisions.get(revision_id)

    def _revision(self, revision_id: int | None) -> Revision:
        found = self.revisions.latest() if revision_id is None else self.revisions.get(revision_id)
        if found is None:
            raise KbEditError(
                "there is no revision to undo yet"
                if revision_id is None
                else f"revision #{revision_id} not found; see `kb history`"
            )
        return found

    def preview_undo(
        self,
        revision_id: int | None = None,
        *,
        actor: str,
        reason: str = "",
        actor_id: str | None = None,
    ) -> Preview:
        """Put back the bytes from before a revision (default: the latest one).

        When a file changed after that revision, the preview has a problem and
        ``conflict_diff`` shows those later changes; it cannot be confirmed.
        """
        return self._restoring(revision_id, "before", actor, reason, actor_id)

    def preview_restore(
        self, revision_id: int, *, actor: str, reason: str = "", actor_id: str | None = None
    ) -> Preview:
        """Put back the files as any revision left them (its "after" bytes)."""
        return self._restoring(revision_id, "after", actor, reason, actor_id)

    def _restoring(
        self,
        revision_id: int | None,
        state: Literal["before", "after"],
        actor: str,
        reason: str,
        actor_id: str | None,
    ) -> Preview:
        rev = self._revision(revision_id)
        undo = state == "before"
        ops = [
            RestoreFile(f.name, f.before if undo else f.after, rev.id, state, f.after, undo)
            for f in rev.files
        ]
        verb = "undo" if undo else "restore"
        return self.preview(
            ops,
            actor=actor,
            reason=reason or f"{verb} #{rev.id}: {rev.reason}",
            source="undo",
            actor_id=actor_id,
            undoes=rev.id,
        )

    # -- host edits --------------------------------------------------------------------
    def record_host_change(
        self, file: str, before_text: str | None, after_text: str | None
    ) -> Revision | None:
        """Record an edit made on the host as a revision (``None`` text: no file)."""
        before = None if before_text is None else before_text.encode("utf-8")
        after = None if after_text is None else after_text.encode("utf-8")
        if before == after:
            return None
        revision = self._record_host([FileChange(file, before, after)])
        self._known[file] = (after, revision.time)
        self._call(self.audit, revision)
        return revision

    def _record_host(self, changes: Sequence[FileChange]) -> Revision:
        entries = [e for c in changes for e in changed_entries(c.name, c.before, c.after)]
        with self.revisions.recording(
            actor=HOST_ACTOR,
            reason="edited on the host",
            source="host",
            entries=entries,
            files=changes,
        ) as revision:
            return revision

    def scan_host_changes(self) -> Revision | None:
        """Record files that differ from what was last loaded or written, as one revision.

        Call it after each successful reload (``watch(store)`` does) and once at start-up
        to catch edits made while the bot was not running; ``confirm`` also calls it
        before writing. A change another process (the console) already recorded is not
        recorded twice.
        """
        try:
            with self._lock.hold() as held:
                if not held:
                    log.warning("host edit scan skipped: another edit is being written")
                    return None
                revision = self._scan_locked()
        except Exception:
            log.exception("could not record a host edit of the knowledge base")
            return None
        if revision is not None:
            self._call(self.audit, revision)
        return revision

    def _scan_locked(self) -> Revision | None:
        changes = []
        for name in sorted(set(knowledge_files(self.directory)) | set(self._known)):
            now = read_bytes(self.directory / name)
            known, when = self._known.get(name, (None, 0.0))
            if now == known:
                continue
            last = self.revisions.last_known(name)
            if last is not None and last[1] >= when:
                if last[0] == now:  # written and recorded by another process
                    self._known[name] = last
                    continue
                known = last[0]
            changes.append(FileChange(name, known, now))
        if not changes:
            return None
        revision = self._record_host(changes)
        for change in changes:
            self._known[change.name] = (change.after, revision.time)
        return revision

    # -- several processes on one database ---------------------------------------------
    def sync_from_database(self) -> list[str]:
        """Shared store only: bring this machine's files to the database's latest
        revision. A file still holding an older recorded version is replaced; one that
        holds something never recorded (edited here while the bot was stopped) is left
        for :meth:`scan_host_changes` to record. Returns the files written."""
        if self.revisions.database is None:
            return []
        written: list[str] = []
        with self._lock.hold() as held:
            if not held:
                return []
            for name in self.revisions.known_files():
                last = self.revisions.last_known(name)
                if last is None:
                    continue
                now = read_bytes(resolve(self.directory, name))
                if now != last[0] and (now is None or self.revisions.recorded_before(name, now)):
                    self._put(name, last[0])
                    written.append(name)
                if now == last[0] or name in written:
                    self._known[name] = last
        if written:
            log.info("knowledge files brought to the shared revision: %s", ", ".join(written))
        return written

    def apply_remote(self, revisions: Sequence[Revision]) -> bool:
        """Write the files of revisions recorded by other processes, then reload (the
        same last-good rules as any reload). False when the write lock stayed busy:
        the feed tries again."""
        if not revisions:
            return True
        with self._lock.hold() as held:
            if not held:
                return False
            for revision in revisions:
                for change in revision.files:
                    if read_bytes(resolve(self.directory, change.name)) != change.after:
                        self._put(change.name, change.after)
                    self._known[change.name] = (change.after, revision.time)
        log.info(
            "applied knowledge revision(s) %s from another process",
            ", ".join(f"#{r.id}" for r in revisions),
        )
        self._call(self.on_applied, revisions[-1])
        return True

    def _put(self, name: str, content: bytes | None) -> None:
        path = resolve(self.directory, name)
        if content is None:
            remove(path)
        else:
            for warning in atomic_write(path, content):
                log.warning("%s", warning)

    def watch(self, store: KnowledgeStore) -> None:
        """Record host edits whenever ``store`` swaps in a new knowledge base."""

        def listener(_kb: KnowledgeBase) -> None:
            self.scan_host_changes()

        store.on_swap(listener)

    # -- export / import ---------------------------------------------------------------
    def export(self, names: Sequence[str] | None = None) -> Export:
        """All YAML files (+ JSON Schemas) as a zip, or one YAML file when one is named."""
        return export_files(self.directory, names)

    def preview_import(
        self,
        data: bytes,
        declared_name: str,
        mode: str,
        *,
        actor: str,
        reason: str = "",
        source: str = "import",
        actor_id: str | None = None,
    ) -> Preview:
        """Preview importing an upload (a YAML file or a zip) in ``merge`` or ``replace`` mode.

        Raises :class:`KbEditError` when the upload is refused (too big, not UTF-8, unsafe
        zip path, unknown content); nothing is staged then.
        """
        if mode not in MODES:
            raise KbEditError(f"unknown import mode '{mode}'; use merge or replace")
        uploads, skipped = read_upload(self.directory, data, declared_name)
        ops = [ImportFile(u.target, u.text, mode, u.name) for u in uploads]  # type: ignore[arg-type]
        notes = [f"skipped {', '.join(skipped)}: not knowledge YAML files"] if skipped else []
        return self.preview(
            ops,
            actor=actor,
            reason=reason or f"import {declared_name} ({mode})",
            source=source,
            actor_id=actor_id,
            warnings=notes,
        )
