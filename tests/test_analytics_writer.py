"""Analytics off the reply path: queued writes, flush and close, full queues, held locks, pruning.

No test measures time: threads are joined and flushes awaited with generous timeouts that
only guard against hanging forever.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.analytics import Analytics
from tests.test_analytics import Clock, ask, rows

LOGGER = "bot.analytics"
GUARD = 30.0  # seconds; only ever reached when the behaviour under test is broken
DAY = 86_400.0


def count(path: Path) -> int:
    """How many questions are committed."""
    return int(rows(path, "SELECT COUNT(*) FROM questions")[0][0])


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh database path."""
    return tmp_path / "analytics.sqlite3"


@pytest.fixture
def held_write_lock(db_path: Path) -> Iterator[sqlite3.Connection]:
    """Another program's connection holding the database's write lock until released."""
    Analytics(db_path, salt="s").close()  # create the schema first
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()


def test_records_are_written_after_flush(db_path: Path) -> None:
    """After flush() every recorded question, vote and pick is visible to other connections."""
    store = Analytics(db_path, salt="s")
    qid = ask(store, "which model for poems?")
    assert qid is not None
    store.record_feedback(question_id=qid, user_id=7, helpful=False)
    store.record_pick(question_id=qid, user_id=7, suggestion="creative writing")
    assert store.flush(timeout=GUARD)
    assert rows(db_path, "SELECT id, question FROM questions") == [(qid, "which model for poems?")]
    assert rows(db_path, "SELECT question_id, helpful FROM feedback") == [(qid, 0)]
    assert rows(db_path, "SELECT question_id, suggestion FROM picks") == [(qid, "creative writing")]
    store.close()


def test_close_writes_everything_queued(db_path: Path) -> None:
    """A clean stop loses nothing: close() right after a burst writes all of it."""
    store = Analytics(db_path, salt="s", batch_size=50)
    ids = [ask(store, f"question number {i}") for i in range(2000)]
    store.close()
    assert None not in ids
    assert count(db_path) == 2000


def test_records_after_close_are_refused(db_path: Path) -> None:
    """Once closed, recording returns None instead of queueing into nothing."""
    store = Analytics(db_path, salt="s")
    store.close()
    assert ask(store, "too late") is None
    assert store.flush(timeout=1) is False


@pytest.mark.parametrize("threads", [1, 4])
def test_records_from_many_threads_all_land(db_path: Path, threads: int) -> None:
    """Questions recorded concurrently from several threads are all written, with unique ids."""
    store = Analytics(db_path, salt="s", batch_size=7)
    results: list[int | None] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        mine = [ask(store, f"thread {n} question {i}") for i in range(100)]
        with lock:
            results.extend(mine)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(GUARD)
    store.close()
    assert len(results) == 100 * threads and None not in results
    assert len(set(results)) == len(results)
    assert count(db_path) == 100 * threads


@pytest.mark.parametrize(
    "hold",
    ["BEGIN IMMEDIATE", "BEGIN EXCLUSIVE", "read"],
    ids=["write-transaction", "exclusive-transaction", "read-transaction"],
)
def test_a_held_lock_never_blocks_callers(db_path: Path, hold: str) -> None:
    """While another connection holds a transaction, record calls from several threads all
    return with ids; the rows land once it is released."""
    store = Analytics(db_path, salt="s")
    other = sqlite3.connect(db_path, isolation_level=None)
    if hold == "read":
        other.execute("BEGIN")
        other.execute("SELECT COUNT(*) FROM questions").fetchall()
    else:
        other.execute(hold)
        other.execute("INSERT INTO meta VALUES ('held', 'by another program')")
    results: list[int | None] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        for i in range(5):
            qid = ask(store, f"thread {n} question {i}")
            with lock:
                results.append(qid)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(GUARD)
    returned_while_held = not any(w.is_alive() for w in workers)
    if hold != "read":
        # The lock really is in the way: nothing can be committed while it is held.
        assert store.flush(timeout=0.5) is False
    other.execute("ROLLBACK")
    other.close()
    assert returned_while_held
    assert len(results) == 20 and None not in results
    assert store.flush(timeout=GUARD)
    assert count(db_path) == 20
    store.close()


def test_a_lock_held_through_shutdown_gives_up_after_close_timeout(
    db_path: Path, held_write_lock: sqlite3.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    """close() does not hang on a lock that never goes away; it logs what was lost."""
    store = Analytics(db_path, salt="s", close_timeout=0.2)
    ask(store, "never written")
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        store.close()
    assert store.closed
    assert "gave up writing" in caplog.text


def test_queue_full_drops_are_counted_and_logged_once(
    db_path: Path, held_write_lock: sqlite3.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    """A full queue drops events without blocking, counts them and logs one line with the count."""
    store = Analytics(db_path, salt="s", queue_size=5, batch_size=5)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        results = [ask(store, f"question {i}") for i in range(50)]
        dropped = results.count(None)
        held_write_lock.execute("ROLLBACK")
        assert store.flush(timeout=GUARD)
    drop_lines = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert dropped > 0
    assert store.dropped == dropped
    assert len(drop_lines) == 1
    assert f"dropped {dropped} events" in drop_lines[0]
    assert count(db_path) == 50 - dropped
    store.close()


def test_a_bad_event_does_not_cost_its_batch(db_path: Path) -> None:
    """An event the database rejects is skipped; the rest of its batch is still written."""
    store = Analytics(db_path, salt="s", batch_size=100)
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # hold the writer so all three share a batch
    ask(store, "first")
    ask(store, "bad", language=None)  # NOT NULL column
    ask(store, "third")
    other.execute("ROLLBACK")
    other.close()
    store.close()
    assert rows(db_path, "SELECT question FROM questions ORDER BY id") == [("first",), ("third",)]


# -- retention --------------------------------------------------------------------------


def test_retention_prunes_old_text_on_start(db_path: Path) -> None:
    """Reopening after the retention period blanks old text and channel ids, keeps the rest."""
    clock = Clock()
    store = Analytics(db_path, salt="s", clock=clock, retention_days=30)
    ask(store, "old question", answered=True, confidence=0.8, intent="fact")
    clock.now += 20 * DAY
    ask(store, "recent question")
    store.close()

    clock.now += 15 * DAY  # the first is now 35 days old, the second 15
    Analytics(db_path, salt="s", clock=clock, retention_days=30).close()
    assert rows(
        db_path,
        "SELECT question, channel_id, guild_id, language, intent, answered, confidence "
        "FROM questions ORDER BY id",
    ) == [
        ("", None, "111", "en", "fact", 1, 0.8),
        ("recent question", "222", "111", "en", None, 0, 0.1),
    ]


def test_retention_prunes_periodically_while_running(db_path: Path) -> None:
    """A running store prunes text that ages past retention, without a restart."""
    clock = Clock()
    store = Analytics(db_path, salt="s", clock=clock, retention_days=30, prune_interval=3600)
    ask(store, "ages while the bot runs")
    assert store.flush(timeout=GUARD)
    assert rows(db_path, "SELECT question FROM questions") == [("ages while the bot runs",)]
    clock.now += 31 * DAY
    assert store.flush(timeout=GUARD)  # the writer wakes, sees the prune is due
    assert rows(db_path, "SELECT question, channel_id FROM questions") == [("", None)]
    store.close()


def test_zero_retention_stores_no_text(db_path: Path) -> None:
    """With retention 0 the question text is never written."""
    store = Analytics(db_path, salt="s", retention_days=0)
    ask(store, "not even briefly")
    store.close()
    assert rows(db_path, "SELECT question FROM questions") == [("",)]


def test_pruned_text_is_not_left_in_the_file(db_path: Path) -> None:
    """Pruning overwrites the old text on disk, not just in query results."""
    clock = Clock()
    store = Analytics(db_path, salt="s", clock=clock, retention_days=30)
    for i in range(50):
        ask(store, f"secretphrase number {i} about zebras")
    store.close()
    assert b"secretphrase" in db_path.read_bytes()
    clock.now += 31 * DAY
    Analytics(db_path, salt="s", clock=clock, retention_days=30).close()
    assert b"secretphrase" not in db_path.read_bytes()
