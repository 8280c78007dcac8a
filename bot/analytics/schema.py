"""The analytics database: schema, version check, upgrade from version 1, retention pruning."""

from __future__ import annotations

import json
import sqlite3

from bot.db import is_transient
from bot.text.scrub import scrub

SCHEMA_VERSION = 3  # 3: leases (a job one process of several does)

# Question ids come from the caller (time-ordered), so the row can be written later.
_TABLES = (
    """CREATE TABLE IF NOT EXISTS questions (
        id INTEGER PRIMARY KEY,
        asked_at REAL NOT NULL,
        guild_id TEXT,
        channel_id TEXT,
        user_hash TEXT NOT NULL,
        question TEXT NOT NULL,
        language TEXT NOT NULL,
        intent TEXT,
        confidence REAL NOT NULL,
        answered INTEGER NOT NULL,
        latency_ms REAL NOT NULL,
        suggestions TEXT NOT NULL DEFAULT '[]'
    )""",
    "CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at)",
    """CREATE TABLE IF NOT EXISTS feedback (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        given_at REAL NOT NULL,
        question_id INTEGER,
        user_hash TEXT NOT NULL,
        helpful INTEGER NOT NULL
    )""",
    # One vote per user per answer; a later click replaces it.
    "CREATE UNIQUE INDEX IF NOT EXISTS feedback_one_vote ON feedback (question_id, user_hash)",
    """CREATE TABLE IF NOT EXISTS picks (
        question_id INTEGER NOT NULL,
        user_hash TEXT NOT NULL,
        suggestion TEXT NOT NULL,
        picked_at REAL NOT NULL,
        PRIMARY KEY (question_id, user_hash, suggestion)
    )""",
    # guild_id '' is an ignore made outside any server (the console); it applies everywhere.
    """CREATE TABLE IF NOT EXISTS ignored_clusters (
        guild_id TEXT NOT NULL,
        key TEXT NOT NULL,
        ignored_at REAL NOT NULL,
        ignored_by TEXT NOT NULL,
        texts TEXT NOT NULL,
        PRIMARY KEY (guild_id, key)
    )""",
    "CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, until REAL NOT NULL)",
)


class NewerSchemaError(sqlite3.DatabaseError):
    """The database was written by a newer bot; it is left untouched."""


def is_busy(exc: BaseException) -> bool:
    """True when the failure is worth retrying (SQLite locked, PostgreSQL unreachable)."""
    return is_transient(exc)


def stored_version(conn: sqlite3.Connection) -> int | None:
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if not has_meta:
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return None if row is None else int(row[0])


def prepare(conn: sqlite3.Connection) -> None:
    """Check the version, then create or upgrade the schema in one transaction.

    ``conn`` must be in autocommit mode (``isolation_level=None``). A newer
    database raises :class:`NewerSchemaError` before anything is written.
    A PostgreSQL connection is migrated when it is opened (``bot/db/pg.py``).
    """
    if getattr(conn, "dialect", "sqlite") != "sqlite":
        return
    version = stored_version(conn)
    if version is not None and version > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"database schema version {version} is newer than this bot "
            f"({SCHEMA_VERSION}); upgrade the bot or point DATABASE_PATH elsewhere"
        )
    if version == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        if version == 1:
            _upgrade_from_1(conn)
        for statement in _TABLES:
            conn.execute(statement)
        conn.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _upgrade_from_1(conn: sqlite3.Connection) -> None:
    """Version 1 kept raw text, DM channel ids and every feedback click: bring it in line."""
    conn.execute("ALTER TABLE questions ADD COLUMN suggestions TEXT NOT NULL DEFAULT '[]'")
    conn.execute("DROP INDEX IF EXISTS questions_answered")
    conn.execute("UPDATE questions SET channel_id = NULL WHERE guild_id IS NULL")
    rows = conn.execute("SELECT id, question FROM questions").fetchall()
    conn.executemany(
        "UPDATE questions SET question = ? WHERE id = ?",
        [(clean, qid) for qid, text in rows if (clean := scrub(text)) != text],
    )
    # The last click of each user on each answer wins, as it does from now on.
    conn.execute(
        "DELETE FROM feedback WHERE question_id IS NOT NULL AND id NOT IN "
        "(SELECT MAX(id) FROM feedback GROUP BY question_id, user_hash)"
    )


def prune(conn: sqlite3.Connection, before: float) -> int:
    """Blank the text and channel of questions asked before ``before``; returns how many.

    The counts, languages, intents and hashes stay, so totals still add up.
    """
    cur = conn.execute(
        "UPDATE questions SET question = '', channel_id = NULL "
        "WHERE asked_at < ? AND (question <> '' OR channel_id IS NOT NULL)",
        (before,),
    )
    return cur.rowcount


def claim(conn: sqlite3.Connection, name: str, now: float, until: float) -> bool:
    """Take the lease ``name`` until ``until`` if it is free at ``now``; True if taken.

    With several processes on one database, a periodic job (pruning, the digest) is
    done by whichever process moves the lease first; the others see it taken.
    """
    cur = conn.execute(
        "INSERT INTO leases (name, until) VALUES (:name, :until) ON CONFLICT (name) "
        "DO UPDATE SET until = excluded.until WHERE leases.until <= :now",
        {"name": name, "until": until, "now": now},
    )
    return cur.rowcount == 1


def encode_list(values: tuple[str, ...]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def decode_list(text: str) -> list[str]:
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []
