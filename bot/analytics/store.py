"""The analytics store: what callers use to record questions, feedback and picks.

Recording never touches SQLite on the caller's thread: ids are made here, the
event goes on a bounded queue, and one writer thread (``writer.py``) owns the
connection. Reads (counts, miss clusters) open their own short-lived
read-only connections, which WAL mode lets run beside the writer. User ids
are stored only as salted hashes, text is scrubbed and kept only for the
retention period. Any database failure is logged once and then ignored, so a
read-only disk never stops the bot answering.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar, cast

from bot.analytics import clusters, schema
from bot.analytics.clusters import Miss, MissCluster, Suggest
from bot.analytics.keys import IdGenerator, load_or_create_salt, salt_path, secret_bytes, user_hash
from bot.analytics.writer import (
    Context,
    FeedbackEvent,
    IgnoreEvent,
    PickEvent,
    QuestionEvent,
    Writer,
)
from bot.db import Database, database_errors
from bot.text.normalize import normalize

log = logging.getLogger(__name__)

T = TypeVar("T")
DAY = 86_400.0
READ_TIMEOUT = 1.0
# Listing misses first waits this long for queued events, so admins see their own questions.
READ_FLUSH_TIMEOUT = 2.0
ALL_GUILDS = ""

_MISSES = """
SELECT * FROM (
    SELECT q.id, q.asked_at, q.question, q.language, q.user_hash, q.answered, q.confidence,
           q.suggestions,
           EXISTS (SELECT 1 FROM feedback f WHERE f.question_id = q.id AND f.helpful = 0) AS down,
           EXISTS (SELECT 1 FROM picks p WHERE p.question_id = q.id) AS picked
    FROM questions q
    WHERE q.asked_at >= :since AND q.question <> ''
          AND (:guild IS NULL OR q.guild_id = :guild)
          AND COALESCE(q.intent, '') <> 'chatter'  -- not a question for the bot
) AS m
WHERE answered = 0 OR suggestions <> '[]' OR confidence < :low OR down OR picked
ORDER BY asked_at DESC, id DESC
LIMIT :scan
"""
_PICKS = """
SELECT p.question_id, p.suggestion FROM picks p JOIN questions q ON q.id = p.question_id
WHERE q.asked_at >= :since AND (:guild IS NULL OR q.guild_id = :guild)
ORDER BY p.question_id, p.suggestion
"""


class Analytics:
    """Records questions and feedback without delaying answers; see the module docstring.

    ``salt``: an explicit salt (str, bytes or ``SecretStr``); when empty or None a random
    per-install salt is kept in a file next to the database. ``low_confidence``: answers
    below it count as misses too. ``suggest`` maps a missed question to the knowledge
    entry it probably wanted (``(ref, label)``), so this module never imports the engine.
    ``clock`` and ``connection_factory`` exist for tests and benchmarks.
    """

    def __init__(
        self,
        path: Path | str,
        salt: object = None,
        low_confidence: float | None = 0.55,
        *,
        retention_days: float = 30.0,
        prune_interval: float = 3600.0,
        queue_size: int = 10_000,
        batch_size: int = 500,
        busy_timeout: float = 0.1,
        open_timeout: float = 5.0,
        close_timeout: float = 10.0,
        suggest: Suggest | None = None,
        clock: Callable[[], float] = time.time,
        connection_factory: type[sqlite3.Connection] = sqlite3.Connection,
        database: Database | None = None,
    ) -> None:
        self.path = Path(path)
        # PostgreSQL (DATABASE_URL): one store for every process; ``path`` is then only
        # where a salt file would go if the database cannot be reached at start.
        self.database = database if database is not None and database.shared else None
        self.low_confidence = low_confidence
        self.retention_days = retention_days
        self.suggest = suggest
        self._clock = clock
        self._close_timeout = close_timeout
        self._next_id = IdGenerator()
        self._report_lock = threading.Lock()
        self._reported = False
        self._closed = False
        self._writer: Writer | None = None
        # Per server, the clusters last listed, so an admin can ignore one even if new
        # questions have moved it since.
        self._shown: dict[str, dict[str, tuple[str, ...]]] = {}
        self._ignored_here: dict[tuple[str, str], tuple[str, ...]] = {}
        if self.database is not None:
            from bot.db import pg

            url = self.database.url
            self._salt = self._shared_salt(url, salt)

            def connect_shared() -> sqlite3.Connection:  # the writer's own, not the pool's
                return cast(sqlite3.Connection, pg.connect(url, pooled=False))

            self._start_writer(connect_shared, clock, retention_days, prune_interval, queue_size,
                               batch_size, open_timeout)  # fmt: skip
            return
        if str(path) == ":memory:":
            # Shared cache lets the read connections see the writer's in-memory database.
            uri = f"file:analytics-{secrets.token_hex(8)}?mode=memory&cache=shared"
            self._read_uri = uri
        else:
            uri = "file:" + urllib.parse.quote(str(self.path.absolute()))
            self._read_uri = uri + "?mode=ro"
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._salt = self._resolve_salt(salt)
        except OSError as exc:
            self._salt = secrets.token_bytes(32)
            self._report(exc)
            return

        def connect() -> sqlite3.Connection:
            return sqlite3.connect(
                uri,
                uri=True,
                timeout=busy_timeout,  # the writer's only wait; callers never wait
                isolation_level=None,
                factory=connection_factory,
            )

        self._start_writer(connect, clock, retention_days, prune_interval, queue_size,
                           batch_size, open_timeout)  # fmt: skip

    def _start_writer(
        self,
        connect: Callable[[], sqlite3.Connection],
        clock: Callable[[], float],
        retention_days: float,
        prune_interval: float,
        queue_size: int,
        batch_size: int,
        open_timeout: float,
    ) -> None:
        writer = Writer(
            connect,
            Context(self.hash_user, keep_text=retention_days > 0),
            clock=clock,
            retention_seconds=max(retention_days, 0.0) * DAY,
            prune_interval=prune_interval,
            queue_size=queue_size,
            batch_size=batch_size,
            report=self._report,
        )
        writer.start()
        if not writer.ready.wait(open_timeout):
            log.warning(
                "analytics database %s is still locked or unreachable after %.0f s; "
                "questions are queued (at most %d) until it is available",
                self.where,
                open_timeout,
                queue_size,
            )
        self._writer = writer

    def _shared_salt(self, url: str, salt: object) -> bytes:
        """Every process must hash a user the same way: the configured salt, else one
        kept in the database (made by the first process). If the database is down at
        start, a per-install file salt is used and a warning says to set ANALYTICS_SALT."""
        explicit = b"" if salt is None else secret_bytes(salt)
        if explicit:
            return explicit
        from bot.db import pg

        try:
            with pg.connect(url) as conn:
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('salt', ?) ON CONFLICT (key) DO NOTHING",
                    (secrets.token_hex(32),),
                )
                row = conn.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
                if row is None:  # pragma: no cover - inserted just above
                    raise RuntimeError("the shared salt row is missing")
                return str(row[0]).encode()
        except database_errors() as exc:
            log.warning(
                "analytics: could not read the shared salt (%s); hashing users with this "
                "machine's salt until restart. Set ANALYTICS_SALT to the same value on every "
                "machine to avoid this",
                " ".join(str(exc).split())[:200],
            )
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                return load_or_create_salt(salt_path(self.path))
            except OSError:
                return secrets.token_bytes(32)

    def _resolve_salt(self, salt: object) -> bytes:
        explicit = b"" if salt is None else secret_bytes(salt)
        if explicit:
            return explicit
        if str(self.path) == ":memory:":
            return secrets.token_hex(32).encode()
        return load_or_create_salt(salt_path(self.path))

    def _report(self, exc: Exception) -> None:
        with self._report_lock:
            first = not self._reported
            self._reported = True
        if first:
            log.error(
                "analytics database %s unavailable (%s); answering without recording",
                self.where,
                exc,
            )
        else:
            log.debug("analytics database %s: %s", self.where, exc)

    @property
    def where(self) -> str:
        """The database, for messages: its file, or the shared URL without password."""
        return self.database.describe() if self.database is not None else str(self.path)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def dropped(self) -> int:
        """Events dropped so far because the queue was full."""
        return self._writer.dropped if self._writer is not None else 0

    def _open_writer(self) -> Writer | None:
        writer = self._writer
        if writer is None or writer.failed or self._closed:
            return None
        return writer

    def hash_user(self, user_id: object) -> str:
        return user_hash(self._salt, user_id)

    # -- recording (never waits) ---------------------------------------------------------

    def record_question(
        self,
        *,
        question: str,
        user_id: object,
        language: str,
        intent: str | None,
        confidence: float,
        answered: bool,
        latency_ms: float,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        suggestions: Sequence[str] = (),
    ) -> int | None:
        """Queue a question; its id (for feedback buttons) at once, None if not recorded."""
        writer = self._open_writer()
        if writer is None:
            return None
        qid = self._next_id()
        event = QuestionEvent(
            qid,
            self._clock(),
            guild_id,
            channel_id,
            user_id,
            question,
            language,
            intent,
            float(confidence),
            bool(answered),
            float(latency_ms),
            tuple(suggestions),
        )
        return qid if writer.submit(event) else None

    def record_feedback(self, *, question_id: int | None, user_id: object, helpful: bool) -> None:
        """Queue a 👍/👎; a user's later click on the same answer replaces the earlier one."""
        writer = self._open_writer()
        if writer is not None:
            writer.submit(FeedbackEvent(self._clock(), question_id, user_id, helpful))

    def record_pick(self, *, question_id: int, user_id: object, suggestion: str) -> None:
        """Queue a click on a "did you mean" suggestion shown for ``question_id``."""
        writer = self._open_writer()
        if writer is not None:
            writer.submit(PickEvent(self._clock(), question_id, user_id, suggestion))

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Wait until everything recorded so far is committed; False if not within timeout."""
        writer = self._open_writer()
        return writer.flush(timeout) if writer is not None else False

    def close(self) -> None:
        """Write everything queued (waiting at most ``close_timeout``), then stop."""
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            self._writer.stop(self._close_timeout)

    # -- reading -------------------------------------------------------------------------

    def _read(self, query: Callable[[sqlite3.Connection], T]) -> T | None:
        if self._open_writer() is None:
            return None
        try:
            if self.database is not None:
                from bot.db import pg

                with pg.connect(self.database.url) as shared:
                    return query(shared)  # type: ignore[arg-type]
            conn = sqlite3.connect(self._read_uri, uri=True, timeout=READ_TIMEOUT)
            try:
                return query(conn)
            finally:
                conn.close()
        except database_errors() as exc:
            self._report(exc)
            return None

    def claim(self, name: str, seconds: float) -> bool:
        """Take the job ``name`` for ``seconds`` (the digest of a day): True for exactly
        one of the processes sharing a PostgreSQL database, and always on SQLite (one
        process). False as well when the shared database cannot be reached."""
        if self.database is None:
            return True
        from bot.db import pg

        now = self._clock()
        try:
            with pg.connect(self.database.url) as conn:
                return schema.claim(cast(sqlite3.Connection, conn), name, now, now + seconds)
        except database_errors() as exc:
            self._report(exc)
            return False

    def counts(self) -> dict[str, int]:
        def query(conn: sqlite3.Connection) -> dict[str, int]:
            q = conn.execute("SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM questions")
            questions, answered = q.fetchone()
            f = conn.execute("SELECT COUNT(*), COALESCE(SUM(helpful), 0) FROM feedback")
            feedback, helpful = f.fetchone()
            return {
                "questions": int(questions),
                "answered": int(answered),
                "feedback": int(feedback),
                "helpful": int(helpful),
            }

        return self._read(query) or {}

    def summary_line(self) -> str:
        c = self.counts()
        if not c:
            return f"analytics database {self.where} is not available"
        line = (
            f"{c['questions']} questions, {c['answered']} answered; "
            f"{c['feedback']} feedback, {c['helpful']} helpful"
        )
        return line + (f"; {self.dropped} dropped (queue full)" if self.dropped else "")

    def miss_clusters(
        self,
        guild_id: int | str | None = None,
        since: dt.datetime | float | None = None,
        limit: int = 25,
        *,
        scan: int = 5000,
    ) -> list[MissCluster]:
        """Recent missed questions grouped by similarity, biggest first; ignored ones left out.

        With ``guild_id`` only that server's questions (admins see their own server only).
        ``since`` defaults to the retention period; at most ``scan`` recent misses are read.
        """
        self.flush(READ_FLUSH_TIMEOUT)
        scope = ALL_GUILDS if guild_id is None else str(guild_id)
        start = self._clock() - self.retention_days * DAY if since is None else _timestamp(since)
        low = -1.0 if self.low_confidence is None else self.low_confidence
        params = {
            "since": start,
            "guild": None if guild_id is None else scope,
            "low": low,
            "scan": scan,
        }
        data = self._read(lambda conn: _load_misses(conn, params, scope, low))
        if data is None:
            return []
        misses, ignored = data
        for (where, key), texts in list(self._ignored_here.items()):
            if where in (ALL_GUILDS, scope):
                ignored[key] = texts
        found = clusters.miss_clusters(
            misses, sorted(ignored.items()), limit=limit, suggest=self._target
        )
        self._shown[scope] = {c.key: _defining_texts(c) for c in found}
        return found

    def _target(self, text: str) -> tuple[str, str] | None:
        if self.suggest is None:
            return None
        try:
            return self.suggest(text)
        except Exception:
            log.exception("the suggest callable failed on a missed question; no target shown")
            return None

    def ignore_cluster(self, key: str, actor: object, *, guild_id: int | str | None = None) -> bool:
        """Hide the cluster ``key`` for good, including questions that join it later.

        ``actor`` (the admin's user id) is stored hashed. False when no such cluster is
        known. Call it off the event loop: it waits briefly for the write.
        """
        scope = ALL_GUILDS if guild_id is None else str(guild_id)
        texts = self._shown.get(scope, {}).get(key)
        if texts is None:
            found = {c.key: c for c in self.miss_clusters(guild_id, limit=1_000_000)}
            if key not in found:
                return False
            texts = _defining_texts(found[key])
        writer = self._open_writer()
        if writer is None:
            return False
        # Effective here at once; durable when the writer gets to it (also if locked now).
        self._ignored_here[(scope, key)] = texts
        queued = writer.submit(IgnoreEvent(scope, key, self._clock(), actor, texts))
        self.flush(READ_FLUSH_TIMEOUT)
        return queued


def _defining_texts(cluster: MissCluster) -> tuple[str, ...]:
    return tuple(dict.fromkeys(normalize(t) for t in cluster.examples))


def _timestamp(value: dt.datetime | float) -> float:
    return value.timestamp() if isinstance(value, dt.datetime) else float(value)


def _load_misses(
    conn: sqlite3.Connection, params: Mapping[str, object], scope: str, low: float
) -> tuple[list[Miss], dict[str, tuple[str, ...]]]:
    conn.execute("BEGIN")  # one snapshot for all three queries
    rows = conn.execute(_MISSES, params).fetchall()
    picks: dict[int, list[str]] = {}
    for qid, suggestion in conn.execute(_PICKS, params):
        picks.setdefault(qid, []).append(suggestion)
    ignored = {
        key: tuple(schema.decode_list(texts))
        for key, texts in conn.execute(
            "SELECT key, texts FROM ignored_clusters WHERE guild_id IN (?, ?) "
            "ORDER BY guild_id, key",
            (ALL_GUILDS, scope),
        )
    }
    conn.execute("COMMIT")
    misses = []
    for qid, at, text, language, user, answered, conf, suggestions, down, picked in rows:
        shown = suggestions != "[]"
        kinds = [
            name
            for name, present in (
                ("declined", not answered and not shown),
                ("unsure", shown),
                ("low", answered and conf < low),
                ("down", down),
                ("picked", picked),
            )
            if present
        ]
        misses.append(Miss(qid, at, text, language, user, tuple(kinds), tuple(picks.get(qid, ()))))
    return misses, ignored
