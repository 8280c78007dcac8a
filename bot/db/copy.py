"""``python -m bot db copy-from-sqlite``: move one process's SQLite history into PostgreSQL.

Copies every row of the analytics database (questions, feedback, picks, ignored
clusters, and its salt, so stored user hashes keep matching) and of the revision
history (revisions with their files and entries, ids kept) into the database
``DATABASE_URL`` names, in one transaction. It refuses a target that already holds
questions or revisions, so running it twice never duplicates anything.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.db import pg

ANALYTICS_TABLES = (
    ("questions", "id, asked_at, guild_id, channel_id, user_hash, question, language, intent, "
     "confidence, answered, latency_ms, suggestions"),
    ("feedback", "given_at, question_id, user_hash, helpful"),
    ("picks", "question_id, user_hash, suggestion, picked_at"),
    ("ignored_clusters", "guild_id, key, ignored_at, ignored_by, texts"),
)  # fmt: skip
REVISION_TABLES = (
    ("revisions", "id, time, actor, actor_id, reason, source, undoes"),
    ("revision_files", "revision_id, file, before, after, after_hash"),
    ("revision_entries", "revision_id, entry"),
)


class CopyError(Exception):
    """The copy cannot run; nothing was written. The message says why."""


@dataclass
class CopyReport:
    rows: dict[str, int]

    def lines(self) -> list[str]:
        return [f"{table}: {count} rows" for table, count in self.rows.items()]


def _rows(path: Path, table: str, columns: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        order = "rowid"
        return [tuple(r) for r in conn.execute(f"SELECT {columns} FROM {table} ORDER BY {order}")]
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise
    finally:
        conn.close()


def copy_from_sqlite(
    url: str, analytics: Path | None, revisions: Path | None, salt: bytes | None
) -> CopyReport:
    """Copy the two SQLite files (either may be missing) into the PostgreSQL at ``url``."""
    sources = [(p, t) for p, t in ((analytics, ANALYTICS_TABLES), (revisions, REVISION_TABLES))
               if p is not None and p.exists()]  # fmt: skip
    if not sources:
        raise CopyError(
            f"no SQLite files to copy: looked for {analytics} and {revisions}; set DATA_DIR "
            "(or DATABASE_PATH) to the folder the single process used"
        )
    report = CopyReport({})
    conn = pg.connect(url, pooled=False)
    try:
        conn.execute("BEGIN")
        for table in ("questions", "revisions"):
            row = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
            if row and int(row[0]):
                raise CopyError(
                    f"the PostgreSQL database already holds {row[0]} {table}; copy into an "
                    "empty database (nothing was written)"
                )
        for path, tables in sources:
            for table, columns in tables:
                rows = _rows(path, table, columns)
                marks = ", ".join("?" * len(columns.split(",")))
                conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
                report.rows[table] = len(rows)
        # Ids were copied as they were: the sequences continue after them.
        for table in ("revisions", "feedback"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
        if salt:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('salt', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (salt.decode(),),
            )
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()
    return report
