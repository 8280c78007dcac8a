"""Revision history: the full bytes of every file before and after each change.

Kept in its own SQLite file (``<DATA_DIR>/kb_revisions.sqlite3``), apart from the
analytics log, so that it can be backed up or cleared on its own; or, with
``DATABASE_URL`` set to PostgreSQL, in the database every process shares. Storing whole
snapshots (not edit commands) means any revision can be restored exactly, and lets
another process apply a revision by writing its files (``bot/db/feed.py``).

On PostgreSQL each revision is announced on the ``llmbot_kb`` channel (NOTIFY, sent on
commit), and recording one first checks, under a lock, that every file's ``before`` is
what the database last recorded: an edit previewed on an older version, through another
process, is a :class:`EditConflict`, never a silent overwrite.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bot.db import Database
from bot.kbedit.records import SOURCES, FileChange, KbEditError, Revision, digest

DEFAULT_FILE = "kb_revisions.sqlite3"
CHANNEL = "llmbot_kb"  # LISTEN/NOTIFY channel of accepted revisions
RECORD_LOCK = 7_314_002  # pg_advisory_xact_lock key: one revision recorded at a time


class EditConflict(KbEditError):
    """A file changed (through another process) since the edit was previewed."""

    def __init__(self, name: str, revision_id: int, actor: str) -> None:
        super().__init__(
            f"{name} was changed by {actor} in revision #{revision_id} after this preview "
            "(through another bot process); preview the edit again on the new version"
        )
        self.file = name
        self.revision_id = revision_id


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

    def __init__(
        self, path: Path | str, database: Database | None = None, origin: str = ""
    ) -> None:
        self.path = Path(path)
        self.database = database if database is not None and database.shared else None
        self.origin = origin  # this process, so its feed skips what it recorded itself
        if self.database is not None:
            from bot.db import pg

            pg.connect(self.database.url).close()  # migrated, or a clear error now
            self._entry_order = "pos"
            return
        self._entry_order = "rowid"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @property
    def where(self) -> str:
        return self.database.describe() if self.database is not None else str(self.path)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[Any]:
        if self.database is not None:
            from bot.db import pg

            conn = pg.connect(self.database.url)
            try:
                conn.execute("BEGIN")
                try:
                    yield conn
                    conn.commit()
                except BaseException:
                    conn.rollback()
                    raise
            finally:
                conn.close()
            return
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
            if self.database is not None:
                db.execute("SELECT pg_advisory_xact_lock(?)", (RECORD_LOCK,))
                self._check_bases(db, files)
                cur = db.execute(
                    "INSERT INTO revisions (time, actor, actor_id, reason, source, undoes, "
                    "origin) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (now, actor, actor_id, reason, source, undoes, self.origin),
                )
                rev_id = int(cur.fetchone()[0])
                db.execute("SELECT pg_notify(?, ?)", (CHANNEL, str(rev_id)))
            else:
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
                "INSERT INTO revision_entries (revision_id, entry) VALUES (?, ?) "
                "ON CONFLICT DO NOTHING",
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

    @staticmethod
    def _check_bases(db: Any, files: Sequence[FileChange]) -> None:
        """Every file's ``before`` must be what the database last recorded for it."""
        for change in files:
            row = db.execute(
                "SELECT f.after_hash, r.id, r.actor FROM revision_files f JOIN revisions r "
                "ON r.id = f.revision_id WHERE f.file = ? ORDER BY r.id DESC LIMIT 1",
                (change.name,),
            ).fetchone()
            if row is not None and row[0] != digest(change.before):
                raise EditConflict(change.name, int(row[1]), str(row[2]))

    def since(self, revision_id: int, *, skip_origin: str = "") -> list[Revision]:
        """Revisions newer than ``revision_id``, oldest first (those recorded by
        ``skip_origin``, this process, left out)."""
        query = "SELECT id FROM revisions WHERE id > ?"
        args: list[object] = [revision_id]
        if self.database is not None:  # only the shared store records each one's origin
            query, args = query + " AND COALESCE(origin, '') <> ?", [revision_id, skip_origin]
        with self._connect() as db:
            ids = [int(row[0]) for row in db.execute(query + " ORDER BY id", args)]
            return sorted(self._revisions(db, ids), key=lambda r: r.id)

    def last_id(self) -> int:
        with self._connect() as db:
            row = db.execute("SELECT COALESCE(MAX(id), 0) FROM revisions").fetchone()
            return int(row[0]) if row else 0

    def recorded_before(self, name: str, content: bytes | None) -> bool:
        """True when ``content`` is a version of file ``name`` the history holds: what a
        revision left there, or what the file held before one (a stale copy)."""
        with self._connect() as db:
            if content is None:
                query = "after IS NULL OR before IS NULL"
                args: tuple[object, ...] = (name,)
            else:
                query = "after_hash = ? OR before = ?"
                args = (name, digest(content), content)
            row = db.execute(
                f"SELECT 1 FROM revision_files WHERE file = ? AND ({query}) LIMIT 1", args
            ).fetchone()
        return row is not None

    def _revisions(self, db: Any, ids: Sequence[int]) -> list[Revision]:
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
            f"ORDER BY {self._entry_order}",
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
