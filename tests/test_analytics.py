"""SQLite analytics: schema and upgrade, salted user hashes, feedback, privacy, failure handling."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.analytics import SCHEMA_VERSION, Analytics

RAW_USER_ID = 987654321012345678  # a Discord-snowflake-sized id that must never be stored
DM_CHANNEL_ID = 876543210987654321
LOGGER = "bot.analytics"


def ask(analytics: Analytics, question: str, **extra: Any) -> int | None:
    """Record one question: declined, in server 111 channel 222, unless ``extra`` says else."""
    fields: dict[str, Any] = {
        "question": question,
        "user_id": 1,
        "language": "zh" if any("\u4e00" <= c <= "\u9fff" for c in question) else "en",
        "intent": None,
        "confidence": 0.1,
        "answered": False,
        "latency_ms": 3.5,
        "guild_id": 111,
        "channel_id": 222,
    }
    return analytics.record_question(**(fields | extra))


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_750_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Read rows through a separate connection, as an outside observer would."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def call_every_method(analytics: Analytics) -> dict[str, Any]:
    """Call each public method once and collect what it returns."""
    return {
        "record_question": ask(analytics, "what is the weather"),
        "record_feedback": analytics.record_feedback(question_id=1, user_id=1, helpful=True),
        "record_pick": analytics.record_pick(question_id=1, user_id=1, suggestion="x"),
        "flush": analytics.flush(timeout=5),
        "miss_clusters": analytics.miss_clusters(),
        "ignore_cluster": analytics.ignore_cluster("0123", actor=1),
        "counts": analytics.counts(),
        "summary_line": analytics.summary_line(),
    }


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database path whose parent directory does not exist yet."""
    return tmp_path / "data" / "analytics.sqlite3"


@pytest.fixture
def analytics(db_path: Path) -> Iterator[Analytics]:
    """A working analytics store on a fresh file."""
    store = Analytics(db_path, salt="pepper")
    yield store
    store.close()


# -- schema ---------------------------------------------------------------------------------


def test_creates_schema_with_version(analytics: Analytics, db_path: Path) -> None:
    """A new database gets its tables and the schema version, in WAL mode."""
    assert db_path.is_file()  # the missing parent directory was created
    tables = {
        name for (name,) in rows(db_path, "SELECT name FROM sqlite_master WHERE type='table'")
    }
    assert {"meta", "questions", "feedback", "picks", "ignored_clusters"} <= tables
    assert rows(db_path, "SELECT value FROM meta WHERE key='schema_version'") == [
        (str(SCHEMA_VERSION),)
    ]
    assert rows(db_path, "PRAGMA journal_mode") == [("wal",)]


def test_reopening_keeps_data_and_version(db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Opening an existing database keeps its rows and does not re-insert the version."""
    first = Analytics(db_path)
    ask(first, "hello")
    first.close()
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        second = Analytics(db_path)
        assert second.counts()["questions"] == 1
        second.close()
    assert not caplog.records
    assert rows(db_path, "SELECT COUNT(*) FROM meta WHERE key='schema_version'") == [(1,)]


VERSION_1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '1');
CREATE TABLE questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, asked_at REAL NOT NULL, guild_id TEXT,
    channel_id TEXT, user_hash TEXT NOT NULL, question TEXT NOT NULL, language TEXT NOT NULL,
    intent TEXT, confidence REAL NOT NULL, answered INTEGER NOT NULL, latency_ms REAL NOT NULL
);
CREATE INDEX questions_answered ON questions (answered, confidence);
CREATE TABLE feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, given_at REAL NOT NULL, question_id INTEGER,
    user_hash TEXT NOT NULL, helpful INTEGER NOT NULL
);
INSERT INTO questions VALUES (1, 1.0, '5', '6', 'h', '<@123> which model? https://x.y', 'en',
                              NULL, 0.1, 0, 1.0);
INSERT INTO questions VALUES (2, 2.0, NULL, '876543210987654321', 'h', 'dm question', 'en',
                              NULL, 0.1, 0, 1.0);
INSERT INTO feedback VALUES (1, 1.0, 1, 'h', 1);
INSERT INTO feedback VALUES (2, 2.0, 1, 'h', 0);
INSERT INTO feedback VALUES (3, 3.0, 1, 'other', 1);
"""


def test_version_1_database_is_upgraded(db_path: Path) -> None:
    """A version-1 database is scrubbed, loses DM channel ids and keeps each user's last vote."""
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.executescript(VERSION_1_SCHEMA)
    conn.close()
    store = Analytics(db_path, salt="s", clock=lambda: 3.0)
    qid = ask(store, "a new question")
    store.close()
    assert rows(db_path, "SELECT value FROM meta WHERE key='schema_version'") == [
        (str(SCHEMA_VERSION),)
    ]
    assert rows(db_path, "SELECT id, question, channel_id FROM questions ORDER BY id") == [
        (1, "which model?", "6"),
        (2, "dm question", None),
        (qid, "a new question", "222"),
    ]
    assert rows(db_path, "SELECT user_hash, helpful FROM feedback ORDER BY user_hash") == [
        ("h", 0),
        ("other", 1),
    ]


# -- privacy --------------------------------------------------------------------------------


def test_record_question_stores_hash_not_raw_user_id(db_path: Path) -> None:
    """The user id is stored only as a salted hash: not in any row, not in the file bytes."""
    store = Analytics(db_path, salt="pepper")
    question_id = ask(store, "which model is cheapest?", user_id=RAW_USER_ID)
    store.record_feedback(question_id=question_id, user_id=RAW_USER_ID, helpful=True)
    expected_hash = store.hash_user(RAW_USER_ID)
    store.close()

    raw = str(RAW_USER_ID)
    assert raw not in expected_hash
    assert rows(db_path, "SELECT user_hash FROM questions") == [(expected_hash,)]
    assert rows(db_path, "SELECT user_hash FROM feedback") == [(expected_hash,)]
    for table in ("questions", "feedback", "meta"):
        for row in rows(db_path, f"SELECT * FROM {table}"):
            assert all(raw not in str(value) for value in row), (table, row)
    data = db_path.read_bytes()
    assert raw.encode() not in data
    assert raw.encode("utf-16-le") not in data
    assert RAW_USER_ID.to_bytes(8, "big") not in data  # nor as a 64-bit integer


def test_dm_channel_ids_are_never_stored(db_path: Path) -> None:
    """A question outside a server keeps no channel id; a server question keeps its channel."""
    store = Analytics(db_path, salt="s")
    ask(store, "asked in a DM", guild_id=None, channel_id=DM_CHANNEL_ID)
    ask(store, "asked in a server", guild_id=111, channel_id=222)
    store.close()
    assert rows(db_path, "SELECT question, guild_id, channel_id FROM questions ORDER BY id") == [
        ("asked in a DM", None, None),
        ("asked in a server", "111", "222"),
    ]
    assert str(DM_CHANNEL_ID).encode() not in db_path.read_bytes()


def test_question_text_is_scrubbed_before_storing(analytics: Analytics, db_path: Path) -> None:
    """Mentions, links and invisible characters never reach the database."""
    ask(analytics, "<@!42> which\u200b model? see https://example.com/x @everyone")
    analytics.flush()
    assert rows(db_path, "SELECT question FROM questions") == [("which model? see",)]


def test_salt_file_is_created_once_with_mode_0600(db_path: Path) -> None:
    """Without a salt, a random one is written next to the database (0600) and reused."""
    first = Analytics(db_path)
    salt_file = db_path.with_name(db_path.name + ".salt")
    content = salt_file.read_bytes()
    first_hash = first.hash_user(RAW_USER_ID)
    first.close()
    second = Analytics(db_path)
    second_hash = second.hash_user(RAW_USER_ID)
    second.close()
    assert stat.S_IMODE(os.stat(salt_file).st_mode) == 0o600
    assert salt_file.read_bytes() == content
    assert second_hash == first_hash


def test_salt_differs_between_installs(tmp_path: Path) -> None:
    """Two installs (two data directories) hash the same user differently."""
    a = Analytics(tmp_path / "a" / "db.sqlite3")
    b = Analytics(tmp_path / "b" / "db.sqlite3")
    try:
        assert a.hash_user(RAW_USER_ID) != b.hash_user(RAW_USER_ID)
    finally:
        a.close()
        b.close()


def test_explicit_salt_overrides_the_salt_file(db_path: Path) -> None:
    """An explicit salt is used as given and no salt file is created."""
    explicit = Analytics(db_path, salt="pepper")
    same = Analytics(db_path.with_name("other.sqlite3"), salt=SecretStr("pepper"))
    try:
        assert explicit.hash_user(RAW_USER_ID) == same.hash_user(RAW_USER_ID)
        assert not list(db_path.parent.glob("*.salt"))
    finally:
        explicit.close()
        same.close()


@pytest.mark.parametrize(
    ("salt_a", "salt_b"),
    [("pepper", "salt"), ("", "pepper"), (SecretStr("one"), SecretStr("two"))],
)
def test_different_salts_give_different_hashes(
    tmp_path: Path, salt_a: object, salt_b: object
) -> None:
    """The same user is stored under different hashes with different salts (SecretStr too)."""
    stored = []
    for name, salt in (("a", salt_a), ("b", salt_b)):
        store = Analytics(tmp_path / f"{name}.sqlite3", salt=salt)
        ask(store, "same question", user_id=RAW_USER_ID)
        store.close()
        stored.append(rows(tmp_path / f"{name}.sqlite3", "SELECT user_hash FROM questions"))
    assert stored[0] != stored[1]


def test_same_salt_gives_stable_hash() -> None:
    """The same user and salt always hash the same, so questions and feedback line up."""
    a = Analytics(":memory:", salt=SecretStr("pepper"))
    b = Analytics(":memory:", salt="pepper")
    try:
        assert a.hash_user(RAW_USER_ID) == b.hash_user(RAW_USER_ID)
        assert b.hash_user(RAW_USER_ID) == b.hash_user(str(RAW_USER_ID))
        assert a.hash_user(RAW_USER_ID) != a.hash_user(RAW_USER_ID + 1)
    finally:
        a.close()
        b.close()


# -- recording ------------------------------------------------------------------------------


def test_record_question_returns_increasing_ids(analytics: Analytics) -> None:
    """Each recorded question gets its own id at once, usable for feedback."""
    first = ask(analytics, "one")
    second = ask(analytics, "two")
    assert isinstance(first, int) and isinstance(second, int)
    assert second > first
    assert second < 2**63  # fits SQLite's signed 64-bit integer


def test_question_ids_are_the_stored_row_ids(analytics: Analytics, db_path: Path) -> None:
    """The id returned before the row exists is the id the row gets."""
    ids = [ask(analytics, f"question {i}") for i in range(3)]
    analytics.flush()
    assert [qid for (qid,) in rows(db_path, "SELECT id FROM questions ORDER BY id")] == ids


def test_suggestions_shown_are_stored(analytics: Analytics, db_path: Path) -> None:
    """The "did you mean" suggestions shown with an answer are stored with it."""
    analytics.record_question(
        question="model stuff?",
        user_id=1,
        language="en",
        intent=None,
        confidence=0.4,
        answered=False,
        latency_ms=1.0,
        suggestions=["code debugging", "模型价格"],
    )
    analytics.flush()
    assert rows(db_path, "SELECT suggestions FROM questions") == [
        ('["code debugging", "模型价格"]',)
    ]


def test_record_feedback(analytics: Analytics, db_path: Path) -> None:
    """Feedback is stored against the question with a hashed user and counted."""
    qid = ask(analytics, "how much is gpt-4o mini", answered=True, confidence=0.9)
    analytics.record_feedback(question_id=qid, user_id=5, helpful=True)
    analytics.record_feedback(question_id=qid, user_id=6, helpful=False)
    analytics.flush()
    assert rows(db_path, "SELECT question_id, user_hash, helpful FROM feedback ORDER BY id") == [
        (qid, analytics.hash_user(5), 1),
        (qid, analytics.hash_user(6), 0),
    ]
    assert analytics.counts() == {"questions": 1, "answered": 1, "feedback": 2, "helpful": 1}
    assert analytics.summary_line() == "1 questions, 1 answered; 2 feedback, 1 helpful"


def test_feedback_is_one_row_per_user_and_answer_last_click_wins(
    analytics: Analytics, db_path: Path
) -> None:
    """25 clicks by one user on one answer leave one row holding the last vote."""
    qid = ask(analytics, "which model for chatbots?", answered=True, confidence=0.9)
    for i in range(25):  # 👎 👍 👎 … and finally 👍
        analytics.record_feedback(question_id=qid, user_id=5, helpful=i % 2 == 1 or i == 24)
    analytics.record_feedback(question_id=qid, user_id=6, helpful=True)
    analytics.flush()
    assert rows(db_path, "SELECT user_hash, helpful FROM feedback ORDER BY user_hash") == sorted(
        [(analytics.hash_user(5), 1), (analytics.hash_user(6), 1)]
    )


def test_record_feedback_without_question(analytics: Analytics) -> None:
    """Feedback for an unknown question (e.g. analytics was down) is still recorded."""
    analytics.record_feedback(question_id=None, user_id=5, helpful=True)
    analytics.flush()
    assert analytics.counts()["feedback"] == 1


def test_record_pick_is_stored_once_per_user_and_suggestion(
    analytics: Analytics, db_path: Path
) -> None:
    """A click on a suggestion is stored with its question; repeats do not add rows."""
    qid = ask(analytics, "model stuff?")
    assert qid is not None
    for _ in range(3):
        analytics.record_pick(question_id=qid, user_id=5, suggestion="code debugging")
    analytics.flush()
    assert rows(db_path, "SELECT question_id, user_hash, suggestion FROM picks") == [
        (qid, analytics.hash_user(5), "code debugging")
    ]


def test_long_question_is_capped(analytics: Analytics, db_path: Path) -> None:
    """Questions are stored at most 2000 characters long."""
    ask(analytics, "x" * 5000)
    analytics.flush()
    assert rows(db_path, "SELECT length(question) FROM questions") == [(2000,)]


def test_summary_line_reports_drops(db_path: Path) -> None:
    """The status line says how many events a full queue dropped."""
    store = Analytics(db_path, salt="s", queue_size=1)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    results = [ask(store, f"q{i}") for i in range(20)]
    blocker.execute("ROLLBACK")
    blocker.close()
    store.flush()
    assert f"; {results.count(None)} dropped (queue full)" in store.summary_line()
    store.close()


# -- failures -------------------------------------------------------------------------------


def test_unwritable_path_never_raises_and_logs_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A path under a regular file never raises from any method and logs exactly one error."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a regular file")
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        store = Analytics(blocker / "analytics.sqlite3")
        results = [call_every_method(store) for _ in range(2)]
        store.close()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert str(blocker) in errors[0].getMessage()
    for result in results:
        assert result["record_question"] is None
        assert result["miss_clusters"] == []
        assert result["ignore_cluster"] is False
        assert result["counts"] == {}
        assert "not available" in result["summary_line"]
    assert blocker.read_text() == "a regular file"


def test_failure_after_opening_logs_once(
    analytics: Analytics, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """When the database breaks later, every method still returns and only one error is logged."""
    conn = sqlite3.connect(db_path)
    conn.executescript("DROP TABLE questions; DROP TABLE feedback; DROP TABLE picks;")
    conn.close()
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        results = [call_every_method(analytics) for _ in range(3)]
        analytics.close()
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1
    for result in results:
        assert result["miss_clusters"] == []
        assert result["counts"] == {}


def test_newer_schema_version_is_refused_gracefully(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A database from a newer bot is refused: no exception, methods return empty."""
    old = Analytics(db_path)
    ask(old, "recorded by the current bot")
    old.close()
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION + 1,)
        )
    conn.close()

    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        store = Analytics(db_path)
        result = call_every_method(store)
        store.close()
    assert result["record_question"] is None
    assert result["miss_clusters"] == []
    assert result["counts"] == {}
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "is newer than this bot" in errors[0].getMessage()
    assert rows(db_path, "SELECT COUNT(*) FROM questions") == [(1,)]
    assert rows(db_path, "SELECT value FROM meta WHERE key='schema_version'") == [
        (str(SCHEMA_VERSION + 1),)
    ]


def make_newer_database(path: Path, tables: str) -> None:
    """A database as a future bot (schema version + 1) might have left it."""
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        f"INSERT INTO meta VALUES ('schema_version', '{SCHEMA_VERSION + 1}');" + tables
    )
    conn.close()


def test_newer_database_is_not_modified(tmp_path: Path) -> None:
    """Refusing a newer database leaves its tables and journal mode exactly as they were."""
    path = tmp_path / "future.sqlite3"
    make_newer_database(path, "CREATE TABLE asked (id INTEGER PRIMARY KEY, text TEXT);")
    before = rows(path, "SELECT name FROM sqlite_master ORDER BY name")
    Analytics(path).close()
    assert rows(path, "SELECT name FROM sqlite_master ORDER BY name") == before
    assert rows(path, "PRAGMA journal_mode") == [("delete",)]


def test_newer_database_with_changed_tables_reports_the_version(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A newer database whose tables changed is still refused with the 'newer schema' message."""
    path = tmp_path / "future.sqlite3"
    make_newer_database(path, "CREATE TABLE questions (id INTEGER PRIMARY KEY, text TEXT);")
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        store = Analytics(path)
        assert store.counts() == {}
        store.close()
    assert len(caplog.records) == 1
    assert "is newer than this bot" in caplog.records[0].getMessage()
