"""Question and feedback analytics in SQLite (standard library).

User ids are stored only as salted hashes. Any database failure is logged
once and then ignored, so a read-only disk never stops the bot answering.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from bot.text.normalize import normalize

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    asked_at REAL NOT NULL,
    guild_id TEXT,
    channel_id TEXT,
    user_hash TEXT NOT NULL,
    question TEXT NOT NULL,
    language TEXT NOT NULL,
    intent TEXT,
    confidence REAL NOT NULL,
    answered INTEGER NOT NULL,
    latency_ms REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_answered ON questions (answered, confidence);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    given_at REAL NOT NULL,
    question_id INTEGER,
    user_hash TEXT NOT NULL,
    helpful INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class UnansweredGroup:
    """Similar declined or low-confidence questions, with how often they came."""

    example: str
    count: int
    variants: tuple[str, ...]


class Analytics:
    """A small SQLite store; every method is safe to call when the disk fails."""

    def __init__(self, path: Path | str, salt: object = "", low_confidence: float = 0.55) -> None:
        self.path = Path(path)
        secret = salt.get_secret_value() if hasattr(salt, "get_secret_value") else str(salt)
        self._salt = secret.encode()
        self.low_confidence = low_confidence
        self._lock = threading.Lock()
        self._failed = False
        self._conn: sqlite3.Connection | None = None
        self._open()

    def _open(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), check_same_thread=False)
            # Check the version before touching anything else in someone else's database.
            conn.execute(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
            row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is not None and int(row[0]) > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(
                    f"database schema version {row[0]} is newer than this bot "
                    f"({SCHEMA_VERSION}); upgrade the bot or point DATABASE_PATH elsewhere"
                )
            conn.executescript(_SCHEMA)
            if row is None:
                conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
            conn.commit()
            self._conn = conn
        except (sqlite3.Error, OSError) as exc:
            if conn is not None:
                conn.close()
            self._fail(exc)

    def _fail(self, exc: Exception) -> None:
        if not self._failed:
            log.error(
                "analytics database %s unavailable (%s); answering without recording",
                self.path,
                exc,
            )
        self._failed = True

    def hash_user(self, user_id: object) -> str:
        return hashlib.sha256(self._salt + b":" + str(user_id).encode()).hexdigest()[:24]

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
        guild_id: object = None,
        channel_id: object = None,
    ) -> int | None:
        if self._conn is None:
            return None
        try:
            with self._lock, self._conn:
                cur = self._conn.execute(
                    "INSERT INTO questions (asked_at, guild_id, channel_id, user_hash, question,"
                    " language, intent, confidence, answered, latency_ms)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        time.time(),
                        _opt(guild_id),
                        _opt(channel_id),
                        self.hash_user(user_id),
                        question[:2000],
                        language,
                        intent,
                        confidence,
                        int(answered),
                        latency_ms,
                    ),
                )
            return cur.lastrowid
        except sqlite3.Error as exc:
            self._fail(exc)
            return None

    def record_feedback(self, *, question_id: int | None, user_id: object, helpful: bool) -> None:
        if self._conn is None:
            return
        try:
            with self._lock, self._conn:
                self._conn.execute(
                    "INSERT INTO feedback (given_at, question_id, user_hash, helpful)"
                    " VALUES (?, ?, ?, ?)",
                    (time.time(), question_id, self.hash_user(user_id), int(helpful)),
                )
        except sqlite3.Error as exc:
            self._fail(exc)

    def unanswered(
        self, limit: int = 10, scan: int = 2000, guild_id: object = None
    ) -> list[UnansweredGroup]:
        """Most frequent declined or low-confidence questions, grouped by similarity.

        With ``guild_id``, only that server's questions (admins see their own server only).
        """
        if self._conn is None:
            return []
        where = "(answered = 0 OR confidence < ?)"
        params: list[object] = [self.low_confidence]
        if guild_id is not None:
            where += " AND guild_id = ?"
            params.append(str(guild_id))
        try:
            with self._lock:
                rows = self._conn.execute(
                    f"SELECT question FROM questions WHERE {where} ORDER BY id DESC LIMIT ?",
                    (*params, scan),
                ).fetchall()
        except sqlite3.Error as exc:
            self._fail(exc)
            return []
        groups: list[tuple[str, list[str]]] = []
        for (question,) in rows:
            key = normalize(question)
            for rep, members in groups:
                if fuzz.token_sort_ratio(key, rep) >= 80 or fuzz.ratio(key, rep) >= 80:
                    members.append(question)
                    break
            else:
                groups.append((key, [question]))
        ranked = sorted(groups, key=lambda g: -len(g[1]))[:limit]
        return [UnansweredGroup(m[0], len(m), tuple(dict.fromkeys(m))[:5]) for _, m in ranked]

    def counts(self) -> dict[str, int]:
        if self._conn is None:
            return {}
        try:
            with self._lock:
                q = self._conn.execute(
                    "SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM questions"
                ).fetchone()
                f = self._conn.execute(
                    "SELECT COUNT(*), COALESCE(SUM(helpful), 0) FROM feedback"
                ).fetchone()
        except sqlite3.Error as exc:
            self._fail(exc)
            return {}
        return {"questions": q[0], "answered": q[1], "feedback": f[0], "helpful": f[1]}

    def summary_line(self) -> str:
        c = self.counts()
        if not c:
            return f"analytics database {self.path} is not available"
        return (
            f"{c['questions']} questions, {c['answered']} answered; "
            f"{c['feedback']} feedback, {c['helpful']} helpful"
        )

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def format_unanswered(groups: list[UnansweredGroup]) -> str:
    if not groups:
        return "No unanswered questions recorded yet."
    lines = ["Most frequent unanswered or low-confidence questions:"]
    for i, group in enumerate(groups, start=1):
        lines.append(f"{i:>2}. ×{group.count}  {group.example}")
        for variant in group.variants[1:3]:
            lines.append(f"       ~ {variant}")
    return "\n".join(lines)
