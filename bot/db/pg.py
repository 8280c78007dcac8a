"""PostgreSQL through psycopg 3: connections that speak the SQL the SQLite code writes,
and the versioned schema every process migrates to at start.

The stores (``bot/analytics``, ``bot/kbedit/revisions.py``) write portable SQL with
``?`` or ``:name`` placeholders; :class:`PgConnection` turns them into psycopg's
``%s`` / ``%(name)s`` and offers the few ``sqlite3.Connection`` methods they use, so
one body of SQL serves both stores. Client-side binding (``ClientCursor``) keeps
``:guild IS NULL`` legal, as in SQLite.

Migrations: a ``schema_migrations`` table holds each applied version; at start a
process takes a transaction-scoped advisory lock, applies the missing versions in
order inside that one transaction, and refuses a database newer than itself. (A
migration tool such as Alembic would bring SQLAlchemy for a handful of tables; the
driver's transactions and one version table do the job.)
"""

from __future__ import annotations

import atexit
import re
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

MIGRATE_LOCK = 7_314_001  # pg_advisory_xact_lock key: one process migrates at a time
CONNECT_TIMEOUT = 3  # seconds; a down server must not hold a thread for long

# (version, what it adds, statements). Append only: never edit an applied version.
MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (
        1,
        "analytics, revisions, leases",
        (
            """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
            """CREATE TABLE questions (
                id BIGINT PRIMARY KEY,
                asked_at DOUBLE PRECISION NOT NULL,
                guild_id TEXT,
                channel_id TEXT,
                user_hash TEXT NOT NULL,
                question TEXT NOT NULL,
                language TEXT NOT NULL,
                intent TEXT,
                confidence DOUBLE PRECISION NOT NULL,
                answered INTEGER NOT NULL,
                latency_ms DOUBLE PRECISION NOT NULL,
                suggestions TEXT NOT NULL DEFAULT '[]'
            )""",
            "CREATE INDEX questions_asked_at ON questions (asked_at)",
            """CREATE TABLE feedback (
                id BIGSERIAL PRIMARY KEY,
                given_at DOUBLE PRECISION NOT NULL,
                question_id BIGINT,
                user_hash TEXT NOT NULL,
                helpful INTEGER NOT NULL
            )""",
            "CREATE UNIQUE INDEX feedback_one_vote ON feedback (question_id, user_hash)",
            """CREATE TABLE picks (
                question_id BIGINT NOT NULL,
                user_hash TEXT NOT NULL,
                suggestion TEXT NOT NULL,
                picked_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (question_id, user_hash, suggestion)
            )""",
            """CREATE TABLE ignored_clusters (
                guild_id TEXT NOT NULL,
                key TEXT NOT NULL,
                ignored_at DOUBLE PRECISION NOT NULL,
                ignored_by TEXT NOT NULL,
                texts TEXT NOT NULL,
                PRIMARY KEY (guild_id, key)
            )""",
            # Jobs one process of many does (pruning, the digest): whoever moves `until`.
            """CREATE TABLE leases (name TEXT PRIMARY KEY, until DOUBLE PRECISION NOT NULL)""",
            """CREATE TABLE revisions (
                id BIGSERIAL PRIMARY KEY,
                time DOUBLE PRECISION NOT NULL,
                actor TEXT NOT NULL,
                actor_id TEXT,
                reason TEXT NOT NULL,
                source TEXT NOT NULL,
                undoes BIGINT,
                origin TEXT
            )""",
            """CREATE TABLE revision_files (
                revision_id BIGINT NOT NULL REFERENCES revisions(id),
                file TEXT NOT NULL,
                before BYTEA,
                after BYTEA,
                after_hash TEXT,
                PRIMARY KEY (revision_id, file)
            )""",
            """CREATE TABLE revision_entries (
                pos BIGSERIAL,
                revision_id BIGINT NOT NULL REFERENCES revisions(id),
                entry TEXT NOT NULL,
                PRIMARY KEY (revision_id, entry)
            )""",
            "CREATE INDEX revision_files_by_file ON revision_files(file, revision_id)",
            "CREATE INDEX revision_entries_by_entry ON revision_entries(entry, revision_id)",
        ),
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


class NewerSchemaError(psycopg.DatabaseError):
    """The database was migrated by a newer bot; it is left untouched."""


_NAMED = re.compile(r"(?<!:):([A-Za-z_]\w*)")


def to_pyformat(sql: str, *, escape: bool = True) -> str:
    """SQLite-style SQL as psycopg SQL: ``?`` -> ``%s``, ``:name`` -> ``%(name)s``,
    ``%`` -> ``%%`` (when parameters follow), ``BEGIN IMMEDIATE`` -> ``BEGIN``.
    Quoted text is left alone."""
    parts = sql.split("'")
    for i in range(0, len(parts), 2):  # even parts are outside quotes
        code = parts[i].replace("%", "%%") if escape else parts[i]
        code = code.replace("?", "%s")
        parts[i] = _NAMED.sub(r"%(\1)s", code)
    out = "'".join(parts)
    return "BEGIN" if out.strip().upper() == "BEGIN IMMEDIATE" else out


class PgConnection:
    """One psycopg connection in autocommit mode, used like a ``sqlite3.Connection``:
    explicit ``BEGIN``/``commit()``/``rollback()``, ``execute`` returning a cursor.
    A broken connection is replaced at the next ``BEGIN`` (or first statement)."""

    dialect = "postgresql"

    def __init__(
        self, url: str, *, connect_timeout: float = CONNECT_TIMEOUT, pooled: bool = False
    ) -> None:
        self.url = url
        self._timeout = connect_timeout
        self._pool = _pool(url, connect_timeout) if pooled else None
        self._conn: psycopg.Connection[Any] | None = None
        self._in_tx = False
        self._connect()

    def _connect(self) -> psycopg.Connection[Any]:
        if self._conn is not None and not self._conn.closed and not self._conn.broken:
            return self._conn
        self._release()
        if self._pool is not None:
            try:
                self._conn = self._pool.getconn(timeout=self._timeout)
                return self._conn
            except PoolTimeout:
                # The pool is still backing off after an outage: one direct connection
                # (the server may be back already) rather than a failed call.
                self._pool = None
        self._conn = psycopg.connect(self.url, **_options(self._timeout))
        return self._conn

    def _release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._pool is not None:
            self._pool.putconn(conn)  # a broken one is discarded by the pool
        else:
            conn.close()

    @property
    def raw(self) -> psycopg.Connection[Any]:
        return self._connect()

    def execute(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
    ) -> psycopg.Cursor[Any]:
        head = sql.strip().upper()
        if head.startswith("BEGIN"):
            conn = self._connect()
            self._in_tx = True
        elif self._in_tx:
            # Inside a transaction only the same connection will do: never reconnect there.
            conn = self._conn  # type: ignore[assignment]
            if conn is None or conn.closed or conn.broken:
                self._in_tx = False
                raise psycopg.OperationalError("the connection to PostgreSQL was lost")
        else:
            conn = self._connect()
        if head in ("COMMIT", "ROLLBACK"):
            self._in_tx = False
        if not params:
            return conn.execute(to_pyformat(sql, escape=False))
        return conn.execute(to_pyformat(sql), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any] | Mapping[str, Any]]) -> None:
        rows = list(rows)
        if rows:
            with self.raw.cursor() as cur:
                cur.executemany(to_pyformat(sql), rows)

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        self._in_tx = False
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            return
        try:
            conn.execute("ROLLBACK")
        except psycopg.Error:
            conn.close()

    def __enter__(self) -> PgConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._in_tx:
            self.rollback()
        self._release()


def migrate(conn: PgConnection) -> int:
    """Bring the schema to :data:`SCHEMA_VERSION`; returns the version it was at before.

    One transaction under an advisory lock: two processes starting together migrate
    once; a failed migration leaves the previous version in place.
    """
    conn.execute("BEGIN")
    try:
        conn.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATE_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL, "
            "description TEXT NOT NULL)"
        )
        row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
        current = int(row[0]) if row else 0
        if current > SCHEMA_VERSION:
            raise NewerSchemaError(
                f"database schema version {current} is newer than this bot ({SCHEMA_VERSION}); "
                "upgrade the bot, or point DATABASE_URL at another database"
            )
        for version, description, statements in MIGRATIONS:
            if version <= current:
                continue
            for statement in statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, applied_at, description) VALUES (?, ?, ?)",
                (version, time.time(), description),
            )
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return current


_READY: set[str] = set()
_POOLS: dict[str, ConnectionPool] = {}
_POOLS_LOCK = threading.Lock()
POOL_SIZE = 8


def _options(timeout: float) -> dict[str, Any]:
    return {
        "autocommit": True,
        "cursor_factory": psycopg.ClientCursor,
        "connect_timeout": max(1, int(timeout)),
    }


def _pool(url: str, timeout: float) -> ConnectionPool:
    """One pool per database per process for the short calls (reads, revisions, claims);
    the analytics writer and the revision feed hold their own connection."""
    with _POOLS_LOCK:
        pool = _POOLS.get(url)
        if pool is None:
            pool = ConnectionPool(
                url,
                min_size=1,
                max_size=POOL_SIZE,
                kwargs=_options(timeout),
                check=ConnectionPool.check_connection,
                open=False,
                name="llmbot",
            )
            pool.open(wait=False)
            _POOLS[url] = pool
        return pool


def close_pools() -> None:
    """Close every pool (at exit, and between tests that stop their server)."""
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for pool in pools:
        pool.close()


def connect(
    url: str, *, connect_timeout: float = CONNECT_TIMEOUT, pooled: bool = True
) -> PgConnection:
    """A connection on a migrated database (migrations run once per URL per process).
    ``pooled``: borrowed from the process's pool and given back on ``close()``."""
    conn = PgConnection(url, connect_timeout=connect_timeout, pooled=pooled)
    if url not in _READY:
        try:
            migrate(conn)
        except BaseException:
            conn.close()
            raise
        _READY.add(url)
    return conn


atexit.register(close_pools)
