"""Revision history in SQLite: the full bytes of every file before and after each change.

Kept in its own database file (``<DATA_DIR>/kb_revisions.sqlite3``), apart from the
analytics log, so that it can be backed up or cleared on its own. Storing whole
snapshots (not edit commands) means any revision can be restored exactly.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from bot.kbedit.records import SOURCES, FileChange, KbEditError, Revision, digest

DEFAULT_FILE = "kb_revisions.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time REAL NOT NULL,
    actor TEXT NOT NULL,
    actor_id TEXT,
    reason TEXT NOT NULL,
    source TEXT NOT NULL,
    undoes INTEGER
);
CREATE TABLE IF NOT EXISTS revision_files (
    revision_id INTEGER NOT NULL REFERENCES revisions(id),
    file TEXT NOT NULL,
    before BLOB,
    after BLOB,
    after_hash TEXT,
    PRIMARY KEY (revision_id, file)
);
CREATE TABLE IF NOT EXISTS revision_entries (
    revision_id INTEGER NOT NULL REFERENCES revisions(id),
    entry TEXT NOT NULL,
    PRIMARY KEY (revision_id, entry)
);
CREATE INDEX IF NOT EXISTS revision_files_by_file ON revision_files(file, revision_id);
CREATE INDEX IF NOT EXISTS revision_entries_by_entry ON revision_entries(entry, revision_id);
"""


class RevisionStore:
    """Append-only revision log; one short connection per call, so any thread may use it."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10.0)
        try:
            with db:  # one transaction: commit on success, roll back on error
                yield db
        finally:
            db.close()

    @contextlib.contextmanager
    def recording(
        self,
        *,
        actor: str,
        reason: str,
        source: str,
        entries: Sequence[str],
        files: Sequence[FileChange],
        undoes: int | None = None,
        actor_id: str | None = None,
    ) -> Iterator[Revision]:
        """Insert a revision; it is committed only if the ``with`` body succeeds.

        The pipeline writes the files inside the body, so a failed write leaves no
        revision behind; a record of files already written has an empty body.
        """
        if source not in SOURCES:
            raise KbEditError(f"unknown revision source '{source}'; use one of {SOURCES}")
        now = time.time()
        with self._connect() as db:
            cur = db.execute(
                "INSERT INTO revisions (time, actor, actor_id, reason, source, undoes) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (now, actor, actor_id, reason, source, undoes),
            )
            rev_id = int(cur.lastrowid or 0)
            db.executemany(
                "INSERT INTO revision_files (revision_id, file, before, after, after_hash) "
                "VALUES (?, ?, ?, ?, ?)",
                [(rev_id, f.name, f.before, f.after, digest(f.after)) for f in files],
            )
            db.executemany(
                "INSERT OR IGNORE INTO revision_entries (revision_id, entry) VALUES (?, ?)",
                [(rev_id, e) for e in entries],
            )
            yield Revision(
                id=rev_id,
                time=now,
                actor=actor,
                reason=reason,
                source=source,
                entries=tuple(dict.fromkeys(entries)),
                files=tuple(files),
                undoes=undoes,
                actor_id=actor_id,
            )

    def _revisions(self, db: sqlite3.Connection, ids: Sequence[int]) -> list[Revision]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = db.execute(
            "SELECT id, time, actor, actor_id, reason, source, undoes FROM revisions "
            f"WHERE id IN ({marks}) ORDER BY id DESC",
            list(ids),
        ).fetchall()
        files: dict[int, list[FileChange]] = {}
        for rid, name, before, after in db.execute(
            f"SELECT revision_id, file, before, after FROM revision_files "
            f"WHERE revision_id IN ({marks}) ORDER BY file",
            list(ids),
        ):
            files.setdefault(rid, []).append(FileChange(name, before, after))
        entries: dict[int, list[str]] = {}
        for rid, entry in db.execute(
            f"SELECT revision_id, entry FROM revision_entries WHERE revision_id IN ({marks}) "
            "ORDER BY rowid",
            list(ids),
        ):
            entries.setdefault(rid, []).append(entry)
        return [
            Revision(
                id=rid,
                time=when,
                actor=actor,
                reason=reason,
                source=source,
                entries=tuple(entries.get(rid, [])),
                files=tuple(files.get(rid, [])),
                undoes=undoes,
                actor_id=actor_id,
            )
            for rid, when, actor, actor_id, reason, source, undoes in rows
        ]

    def get(self, revision_id: int) -> Revision | None:
        with self._connect() as db:
            found = self._revisions(db, [revision_id])
        return found[0] if found else None

    def latest(self) -> Revision | None:
        with self._connect() as db:
            row = db.execute("SELECT max(id) FROM revisions").fetchone()
            return self._revisions(db, [row[0]])[0] if row and row[0] is not None else None

    def history(self, entry: str | None = None, limit: int = 20) -> list[Revision]:
        """Newest first. ``entry`` is an entry name (``use_case:x``), a bare id (``x``,
        any kind) or a file name (``topics.yaml``)."""
        with self._connect() as db:
            if entry is None:
                query, args = "SELECT id FROM revisions", []
            else:
                query = (
                    "SELECT revision_id FROM revision_entries WHERE entry = ? OR entry LIKE ? "
                    "ESCAPE '\\' OR entry LIKE ? ESCAPE '\\' "
                    "UNION SELECT revision_id FROM revision_files WHERE file = ?"
                )
                bare = entry.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                args = [entry, f"%:{bare}", f"%:{bare}/%", entry]
            ids = [row[0] for row in db.execute(f"{query} ORDER BY 1 DESC LIMIT ?", [*args, limit])]
            return self._revisions(db, ids)

    def last_known(self, name: str) -> tuple[bytes | None, float] | None:
        """The newest recorded ``after`` bytes of a file and when, or ``None`` if never recorded."""
        with self._connect() as db:
            row = db.execute(
                "SELECT f.after, r.time FROM revision_files f JOIN revisions r "
                "ON r.id = f.revision_id WHERE f.file = ? ORDER BY r.id DESC LIMIT 1",
                (name,),
            ).fetchone()
        return (row[0], row[1]) if row else None

    def known_files(self) -> list[str]:
        with self._connect() as db:
            return [row[0] for row in db.execute("SELECT DISTINCT file FROM revision_files")]
