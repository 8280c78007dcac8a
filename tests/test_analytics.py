"""SQLite analytics: schema, salted user hashes, feedback, unanswered groups, failure handling."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.analytics import SCHEMA_VERSION, Analytics, UnansweredGroup, format_unanswered

RAW_USER_ID = 987654321012345678  # a Discord-snowflake-sized id that must never be stored
LOGGER = "bot.analytics"


def ask(
    analytics: Analytics,
    question: str,
    *,
    answered: bool = False,
    confidence: float = 0.1,
    user_id: object = 1,
) -> int | None:
    """Record one question with sensible defaults."""
    return analytics.record_question(
        question=question,
        user_id=user_id,
        language="en",
        intent=None if not answered else "fact",
        confidence=confidence,
        answered=answered,
        latency_ms=3.5,
        guild_id=111,
        channel_id=222,
    )


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
        "unanswered": analytics.unanswered(),
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
    """A new database gets the questions, feedback and meta tables and the schema version."""
    assert db_path.is_file()  # the missing parent directory was created
    tables = {
        name for (name,) in rows(db_path, "SELECT name FROM sqlite_master WHERE type='table'")
    }
    assert {"meta", "questions", "feedback"} <= tables
    assert rows(db_path, "SELECT value FROM meta WHERE key='schema_version'") == [
        (str(SCHEMA_VERSION),)
    ]


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
    """Each recorded question gets its own id, usable for feedback."""
    first = ask(analytics, "one")
    second = ask(analytics, "two")
    assert isinstance(first, int) and isinstance(second, int)
    assert second > first


def test_record_feedback(analytics: Analytics, db_path: Path) -> None:
    """Feedback is stored against the question with a hashed user and counted."""
    qid = ask(analytics, "how much is gpt-4o mini", answered=True, confidence=0.9)
    analytics.record_feedback(question_id=qid, user_id=5, helpful=True)
    analytics.record_feedback(question_id=qid, user_id=6, helpful=False)
    assert rows(db_path, "SELECT question_id, user_hash, helpful FROM feedback ORDER BY id") == [
        (qid, analytics.hash_user(5), 1),
        (qid, analytics.hash_user(6), 0),
    ]
    assert analytics.counts() == {"questions": 1, "answered": 1, "feedback": 2, "helpful": 1}
    assert analytics.summary_line() == "1 questions, 1 answered; 2 feedback, 1 helpful"


def test_record_feedback_without_question(analytics: Analytics) -> None:
    """Feedback for an unknown question (e.g. after a restart) is still recorded."""
    analytics.record_feedback(question_id=None, user_id=5, helpful=True)
    assert analytics.counts()["feedback"] == 1


def test_long_question_is_capped(analytics: Analytics, db_path: Path) -> None:
    """Questions are stored at most 2000 characters long."""
    ask(analytics, "x" * 5000)
    assert rows(db_path, "SELECT length(question) FROM questions") == [(2000,)]


# -- unanswered -----------------------------------------------------------------------------


def test_unanswered_groups_similar_questions_and_orders_by_count(analytics: Analytics) -> None:
    """Spelling variants form one group with the right count; bigger groups come first."""
    for question in [
        "Tell me a joke",
        "whats the weather?",
        "tell me a joke!",
        "What is the weather",
        "what's the weather",
        "who is the president",  # newest, so seen first: only the count may put it last
    ]:
        ask(analytics, question)
    groups = analytics.unanswered()
    assert [g.count for g in groups] == [3, 2, 1]
    weather, joke, president = groups
    assert set(weather.variants) == {
        "whats the weather?",
        "What is the weather",
        "what's the weather",
    }
    assert set(joke.variants) == {"Tell me a joke", "tell me a joke!"}
    assert president.variants == ("who is the president",)
    assert weather.example in weather.variants


@pytest.mark.parametrize(
    ("answered", "confidence", "included"),
    [
        (False, 0.95, True),  # declined, whatever the confidence
        (False, 0.1, True),
        (True, 0.30, True),  # answered, but with low confidence
        (True, 0.55, False),  # at the threshold counts as confident
        (True, 0.95, False),
    ],
)
def test_unanswered_selects_declined_or_low_confidence(
    analytics: Analytics, answered: bool, confidence: float, included: bool
) -> None:
    """Only declined or low-confidence questions count as unanswered."""
    ask(analytics, "what is the weather", answered=answered, confidence=confidence)
    assert bool(analytics.unanswered()) is included


def test_unanswered_ignores_confident_answers_of_the_same_question(analytics: Analytics) -> None:
    """Confidently answered repeats do not inflate an unanswered group."""
    ask(analytics, "what is the weather")
    ask(analytics, "what is the weather", answered=True, confidence=0.95)
    ask(analytics, "What is the weather?", answered=True, confidence=0.9)
    assert [(g.example, g.count) for g in analytics.unanswered()] == [("what is the weather", 1)]


def test_unanswered_respects_limit(analytics: Analytics) -> None:
    """``limit`` keeps only the most frequent groups."""
    for question in ["alpha question", "what is the weather", "what is the weather?"]:
        ask(analytics, question)
    groups = analytics.unanswered(limit=1)
    assert len(groups) == 1
    assert groups[0].count == 2


def test_unanswered_empty_database(analytics: Analytics) -> None:
    """With nothing recorded there are no groups."""
    assert analytics.unanswered() == []


# -- format_unanswered ----------------------------------------------------------------------


def test_format_unanswered_empty() -> None:
    """No groups gives a friendly one-liner."""
    assert format_unanswered([]) == "No unanswered questions recorded yet."


def test_format_unanswered_lists_groups_with_two_variants() -> None:
    """Each group shows its count and example, then at most two other variants."""
    groups = [
        UnansweredGroup(
            "what's the weather", 3, ("what's the weather", "whats the weather?", "a", "b")
        ),
        UnansweredGroup("tell me a joke", 1, ("tell me a joke",)),
    ]
    assert format_unanswered(groups) == "\n".join(
        [
            "Most frequent unanswered or low-confidence questions:",
            " 1. ×3  what's the weather",
            "       ~ whats the weather?",
            "       ~ a",
            " 2. ×1  tell me a joke",
        ]
    )


def test_format_unanswered_of_real_groups(analytics: Analytics) -> None:
    """Groups from the database format with their counts."""
    for question in ["whats the weather?", "What is the weather"]:
        ask(analytics, question)
    text = format_unanswered(analytics.unanswered())
    assert text.splitlines()[1].startswith(" 1. ×2  ")


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
        assert result["unanswered"] == []
        assert result["counts"] == {}
        assert "not available" in result["summary_line"]
    assert blocker.read_text() == "a regular file"


def test_failure_after_opening_logs_once(
    analytics: Analytics, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """When the database breaks later, every method still returns and only one error is logged."""
    conn = sqlite3.connect(db_path)
    conn.executescript("DROP TABLE questions; DROP TABLE feedback;")
    conn.close()
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        results = [call_every_method(analytics) for _ in range(3)]
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1
    for result in results:
        assert result["record_question"] is None
        assert result["unanswered"] == []
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
    assert result["unanswered"] == []
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
    """Refusing a newer database leaves its tables exactly as they were."""
    path = tmp_path / "future.sqlite3"
    make_newer_database(path, "CREATE TABLE asked (id INTEGER PRIMARY KEY, text TEXT);")
    before = rows(path, "SELECT name FROM sqlite_master ORDER BY name")
    Analytics(path).close()
    assert rows(path, "SELECT name FROM sqlite_master ORDER BY name") == before


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


def test_unanswered_can_be_limited_to_one_server(tmp_path: Path) -> None:
    """With a guild id, only that server's unanswered questions are listed."""
    analytics = Analytics(tmp_path / "g.sqlite3", salt="s")
    for guild, question in ((1, "weather in paris"), (2, "stock tips"), (None, "dm question")):
        analytics.record_question(
            question=question,
            user_id=7,
            language="en",
            intent="out_of_scope",
            confidence=0.1,
            answered=False,
            latency_ms=1.0,
            guild_id=guild,
        )
    assert [g.example for g in analytics.unanswered(guild_id=1)] == ["weather in paris"]
    assert len(analytics.unanswered()) == 3
