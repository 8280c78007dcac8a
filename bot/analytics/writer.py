"""The single thread that owns the analytics connection and writes in batches.

Callers only put events on a bounded queue (``submit`` never waits). The
writer drains up to ``batch_size`` events into one transaction, retries while
another program holds a lock, prunes old text on a timer, and on ``stop``
writes everything still queued before it closes the connection.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.analytics import schema
from bot.db import database_errors
from bot.text.scrub import scrub

log = logging.getLogger(__name__)

Connect = Callable[[], sqlite3.Connection]
# While a burst of drops goes on, repeat the warning at most this often.
DROP_REPORT_SECONDS = 60.0
MAX_BACKOFF_SECONDS = 1.0


@dataclass(frozen=True)
class Context:
    """What events need to turn caller values into stored values."""

    hash_user: Callable[[object], str]
    keep_text: bool


@dataclass(frozen=True)
class QuestionEvent:
    id: int
    asked_at: float
    guild_id: int | str | None
    channel_id: int | str | None
    user_id: object
    text: str
    language: str
    intent: str | None
    confidence: float
    answered: bool
    latency_ms: float
    suggestions: tuple[str, ...]

    def write(self, conn: sqlite3.Connection, ctx: Context) -> None:
        # Outside a server the channel is a DM: its id would tie the row to a person.
        channel = None if self.guild_id is None or self.channel_id is None else self.channel_id
        conn.execute(
            "INSERT INTO questions (id, asked_at, guild_id, channel_id, user_hash,"
            " question, language, intent, confidence, answered, latency_ms, suggestions)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            # Written twice only when a batch is retried one by one after an error.
            " ON CONFLICT (id) DO NOTHING",
            (
                self.id,
                self.asked_at,
                _text(self.guild_id),
                _text(channel),
                ctx.hash_user(self.user_id),
                scrub(self.text) if ctx.keep_text else "",
                self.language,
                self.intent,
                self.confidence,
                int(self.answered),
                self.latency_ms,
                schema.encode_list(tuple(scrub(s, 200) for s in self.suggestions)),
            ),
        )


@dataclass(frozen=True)
class FeedbackEvent:
    given_at: float
    question_id: int | None
    user_id: object
    helpful: bool

    def write(self, conn: sqlite3.Connection, ctx: Context) -> None:
        conn.execute(
            "INSERT INTO feedback (given_at, question_id, user_hash, helpful) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (question_id, user_hash)"
            " DO UPDATE SET given_at = excluded.given_at, helpful = excluded.helpful",
            (self.given_at, self.question_id, ctx.hash_user(self.user_id), int(self.helpful)),
        )


@dataclass(frozen=True)
class PickEvent:
    picked_at: float
    question_id: int
    user_id: object
    suggestion: str

    def write(self, conn: sqlite3.Connection, ctx: Context) -> None:
        conn.execute(
            "INSERT INTO picks (question_id, user_hash, suggestion, picked_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (question_id, user_hash, suggestion)"
            " DO UPDATE SET picked_at = excluded.picked_at",
            (self.question_id, ctx.hash_user(self.user_id), scrub(self.suggestion, 200),
             self.picked_at),
        )  # fmt: skip


@dataclass(frozen=True)
class IgnoreEvent:
    guild_id: str
    key: str
    ignored_at: float
    actor: object
    texts: tuple[str, ...]

    def write(self, conn: sqlite3.Connection, ctx: Context) -> None:
        conn.execute(
            "INSERT INTO ignored_clusters (guild_id, key, ignored_at, ignored_by, texts)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, key) DO UPDATE SET"
            " ignored_at = excluded.ignored_at, ignored_by = excluded.ignored_by,"
            " texts = excluded.texts",
            (self.guild_id, self.key, self.ignored_at, ctx.hash_user(self.actor),
             schema.encode_list(self.texts)),
        )  # fmt: skip


Event = QuestionEvent | FeedbackEvent | PickEvent | IgnoreEvent
_STOP = object()


def _text(value: object) -> str | None:
    return None if value is None else str(value)


class Writer:
    """Owns one connection on its own thread; see the module docstring."""

    def __init__(
        self,
        connect: Connect,
        context: Context,
        *,
        clock: Callable[[], float],
        retention_seconds: float,
        prune_interval: float,
        queue_size: int,
        batch_size: int,
        report: Callable[[Exception], None],
    ) -> None:
        self._connect = connect
        self._context = context
        self._clock = clock
        self._retention = retention_seconds
        self._prune_interval = prune_interval
        self._next_prune = 0.0
        self._batch_size = batch_size
        self._report = report
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        self._abandon = threading.Event()
        self._drop_lock = threading.Lock()
        self._dropped_unreported = 0
        self._dropped_since = 0.0  # when the current, not yet reported, burst began
        self.dropped = 0
        self.ready = threading.Event()
        self.failed = False
        self._thread = threading.Thread(target=self._run, name="analytics-writer", daemon=True)

    # -- caller side ---------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def submit(self, event: Event) -> bool:
        """Queue ``event``; False (and counted) when the queue is full. Never waits."""
        try:
            self._queue.put_nowait(event)
            return True
        except queue.Full:
            with self._drop_lock:
                if not self._dropped_unreported:
                    self._dropped_since = time.time()
                self._dropped_unreported += 1
                self.dropped += 1
            return False

    def flush(self, timeout: float | None) -> bool:
        """Wait until everything submitted before this call is committed."""
        if not self.alive:
            return False
        done = threading.Event()
        try:
            self._queue.put(done, timeout=timeout)
        except queue.Full:
            return False
        return done.wait(timeout)

    def stop(self, timeout: float) -> bool:
        """Write everything queued, then close; False if that did not finish in time."""
        if self.alive:
            with contextlib.suppress(queue.Full):
                self._queue.put(_STOP, timeout=timeout)
            self._thread.join(timeout)
        if not self.alive:
            return True
        left = self._queue.qsize()
        log.error(
            "analytics: gave up writing after %.0f s at shutdown; about %d queued events are "
            "lost (is another program holding a lock on the database?)",
            timeout,
            left,
        )
        self._abandon.set()
        return False

    # -- writer thread -------------------------------------------------------------------

    def _run(self) -> None:
        conn = self._open()
        if conn is not None:
            self._write(conn, [])  # prune on start (a lock just postpones it)
        self.ready.set()
        if conn is None:
            return
        try:
            self._loop(conn)
        finally:
            conn.close()

    def _open(self) -> sqlite3.Connection | None:
        delay = 0.05
        warned = False
        while not self._abandon.is_set():
            conn: sqlite3.Connection | None = None
            try:
                conn = self._connect()
                _prepare(conn)
                return conn
            except database_errors(OSError) as exc:
                if conn is not None:
                    conn.close()
                if schema.is_busy(exc):
                    if not warned:
                        log.warning(
                            "analytics database unavailable (%s); retrying, questions are "
                            "queued meanwhile",
                            " ".join(str(exc).split())[:200],
                        )
                        warned = True
                    self._abandon.wait(delay)
                    delay = min(delay * 2, MAX_BACKOFF_SECONDS)
                    continue
                self.failed = True
                self._report(exc)
                return None
        return None

    def _loop(self, conn: sqlite3.Connection) -> None:
        pending: list[object] = []
        delay = 0.05
        locked_since: float | None = None
        while not self._abandon.is_set():
            if not pending:
                pending = self._take()
                if not pending:  # the timer went off: nothing to write, maybe prune
                    self._write(conn, [])
                    continue
            events = [e for e in pending if not isinstance(e, threading.Event) and e is not _STOP]
            if not self._write(conn, events):
                if locked_since is None:
                    locked_since = time.monotonic()
                    log.warning(
                        "analytics database is locked by another program or unreachable; "
                        "holding %d events and retrying (answers are not delayed)",
                        len(events),
                    )
                self._abandon.wait(delay)
                delay = min(delay * 2, MAX_BACKOFF_SECONDS)
                continue
            if locked_since is not None:
                log.info(
                    "analytics database is back after %.1f s; writing again",
                    time.monotonic() - locked_since,
                )
                locked_since = None
            delay = 0.05
            stopping = any(e is _STOP for e in pending)
            self._report_drops(force=stopping)  # before flush() returns to anyone
            for item in pending:
                if isinstance(item, threading.Event):
                    item.set()
            pending = []
            if stopping:
                return

    def _take(self) -> list[object]:
        """The next batch: wait for one item (or the prune timer), then drain what is queued."""
        wait = max(0.05, min(self._next_prune - self._clock(), self._prune_interval))
        try:
            first = self._queue.get(timeout=wait)
        except queue.Empty:
            return []
        batch = [first]
        while first is not _STOP and len(batch) < self._batch_size:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            batch.append(item)
            if item is _STOP:
                break
        return batch

    def _write(self, conn: sqlite3.Connection, events: list[object]) -> bool:
        """Write ``events`` (and prune when due) in one transaction; False when locked."""
        now = self._clock()
        prune_due = now >= self._next_prune
        if not events and not prune_due:
            return True
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # With several processes on one database, one of them prunes per interval.
                claimed = prune_due and schema.claim(
                    conn, "prune", now, now + self._prune_interval * 0.9
                )
                pruned = schema.prune(conn, now - self._retention) if claimed else 0
                for event in events:
                    event.write(conn, self._context)  # type: ignore[attr-defined]
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
        except database_errors() as exc:
            if schema.is_busy(exc):
                conn.rollback()
                return False
            self._report(exc)
            if len(events) > 1:
                # One bad event must not cost the batch: write them one by one.
                return all([self._write(conn, [event]) for event in events])
            return True
        if prune_due:
            self._next_prune = now + self._prune_interval
            if pruned:
                log.info("analytics: removed the text of %d questions past retention", pruned)
                # Old page images in the WAL would still hold the text.
                if getattr(conn, "dialect", "sqlite") == "sqlite":
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return True

    def _report_drops(self, force: bool) -> None:
        """One warning per burst of drops: when the queue has drained, or each minute of it."""
        with self._drop_lock:
            count = self._dropped_unreported
            if not count:
                return
            now = time.time()
            since = self._dropped_since
            burst_over = self._queue.qsize() <= self._queue.maxsize // 2
            if not (force or burst_over or now - since >= DROP_REPORT_SECONDS):
                return
            self._dropped_unreported = 0
        log.warning(
            "analytics queue was full (%d events): dropped %d events in %.1f s because the "
            "database could not keep up; answers were not delayed",
            self._queue.maxsize,
            count,
            max(0.0, now - since),
        )


def _prepare(conn: sqlite3.Connection) -> None:
    """Refuse a newer database before changing anything, then WAL and the schema."""
    if getattr(conn, "dialect", "sqlite") != "sqlite":
        return  # PostgreSQL: migrated when connected (bot/db/pg.py)
    if (schema.stored_version(conn) or 0) > schema.SCHEMA_VERSION:
        schema.prepare(conn)  # raises NewerSchemaError with the explanation
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    # Pruned text is overwritten on disk rather than left in free pages.
    conn.execute("PRAGMA secure_delete = ON")
    schema.prepare(conn)
