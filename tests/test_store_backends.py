"""The same behaviour from both stores DATABASE_URL can pick: SQLite and PostgreSQL.

Each test here runs twice, once per backend, through the public API only (analytics,
revision history, undo, leases). PostgreSQL-only behaviour (several processes, the
revision feed, outages) is in test_postgres.py.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.analytics import Analytics
from bot.db import Database, parse_database_url
from bot.kbedit import AddPhrasing, KbEditor, Ref

from .conftest import ROOT


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    if request.param == "sqlite":
        return parse_database_url("", tmp_path / "data" / "analytics.sqlite3")
    url = request.getfixturevalue("pg_url")
    return parse_database_url(url, tmp_path / "unused.sqlite3")


def open_analytics(database: Database, **options: object) -> Analytics:
    path = database.path or Path("/nonexistent/analytics.sqlite3")
    return Analytics(path, salt="pepper-and-salt-123", database=database, **options)  # type: ignore[arg-type]


@pytest.fixture
def analytics(database: Database) -> Iterator[Analytics]:
    store = open_analytics(database)
    yield store
    store.close()


def ask(store: Analytics, text: str, **extra: object) -> int | None:
    values: dict[str, object] = {
        "question": text,
        "user_id": 7,
        "language": "en",
        "intent": None,
        "confidence": 0.0,
        "answered": False,
        "latency_ms": 1.0,
        "guild_id": 11,
        "channel_id": 12,
    }
    values.update(extra)
    return store.record_question(**values)  # type: ignore[arg-type]


def test_questions_feedback_and_picks_are_counted(analytics: Analytics) -> None:
    qid = ask(analytics, "which model is best for tax law?")
    ask(analytics, "which model for code?", answered=True, confidence=0.9, intent="recommend")
    analytics.record_feedback(question_id=qid, user_id=8, helpful=False)
    analytics.record_feedback(question_id=qid, user_id=8, helpful=True)  # replaces the vote
    analytics.record_pick(question_id=qid or 0, user_id=8, suggestion="Llama 3.1 405B")
    analytics.record_pick(question_id=qid or 0, user_id=8, suggestion="Llama 3.1 405B")
    assert analytics.flush(10)
    assert analytics.counts() == {"questions": 2, "answered": 1, "feedback": 1, "helpful": 1}


def test_missed_questions_cluster_and_an_ignored_cluster_stays_hidden(
    analytics: Analytics,
) -> None:
    for text in ("what is the capital of peru", "capital of peru?", "whats the capital of peru"):
        ask(analytics, text)
    ask(analytics, "how do i bake bread", guild_id=99)
    assert analytics.flush(10)
    found = analytics.miss_clusters(11)
    assert [c.count for c in found] == [3]
    assert analytics.ignore_cluster(found[0].key, actor=1, guild_id=11)
    assert analytics.miss_clusters(11) == []
    assert [c.count for c in analytics.miss_clusters(99)] == [1]  # other servers untouched


def test_old_question_text_is_pruned_and_totals_kept(database: Database) -> None:
    now = [1_000_000.0]
    store = open_analytics(database, clock=lambda: now[0], retention_days=1, prune_interval=0.05)
    try:
        ask(store, "an old question")
        assert store.flush(10)
        now[0] += 3 * 86_400
        ask(store, "a new question")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert store.flush(10)
            texts = [m for c in store.miss_clusters(11, since=0) for m in c.examples]
            if texts == ["a new question"]:
                break
            time.sleep(0.05)
        assert texts == ["a new question"]
        assert store.counts()["questions"] == 2
    finally:
        store.close()


def test_a_lease_is_taken_once_until_it_expires(analytics: Analytics) -> None:
    from bot.analytics import schema

    assert analytics.claim("digest:test", 60)
    if analytics.database is None:
        return  # one SQLite process: every claim is its own
    assert not analytics.claim("digest:test", 60)
    from bot.db import pg

    with pg.connect(analytics.database.url) as conn:
        assert not schema.claim(conn, "digest:test", time.time(), time.time() + 1)  # type: ignore[arg-type]
        assert schema.claim(conn, "digest:test", time.time() + 120, time.time() + 200)  # type: ignore[arg-type]


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge", target)
    return target


def test_revisions_history_and_undo(database: Database, kb_dir: Path, tmp_path: Path) -> None:
    editor = KbEditor(kb_dir, tmp_path / "data" / "kb_revisions.sqlite3", database=database)
    ref = Ref.parse("use_case:code-generation")
    preview = editor.preview(
        [AddPhrasing(ref, "en", "scaffold my react components")], actor="alice", reason="asked"
    )
    applied = editor.confirm(preview)
    assert applied.status == "applied", applied.message
    assert b"scaffold my react components" in (kb_dir / "use_cases.yaml").read_bytes()
    history = editor.history("use_case:code-generation")
    assert [r.id for r in history] == [applied.revision.id]  # type: ignore[union-attr]
    assert history[0].actor == "alice" and history[0].entries == ("use_case:code-generation",)
    undo = editor.preview_undo(applied.revision.id, actor="bob", reason="oops")  # type: ignore[union-attr]
    undone = editor.confirm(undo)
    assert undone.status == "applied", undone.message
    assert b"scaffold my react components" not in (kb_dir / "use_cases.yaml").read_bytes()
    latest = editor.revisions.latest()
    assert latest is not None and latest.undoes == applied.revision.id  # type: ignore[union-attr]
    assert editor.revisions.since(0)[0].id == applied.revision.id  # type: ignore[union-attr]


def test_a_process_on_sqlite_never_loads_the_postgresql_driver() -> None:
    """psycopg costs about 9 MiB: the default store must not pay for it."""
    import subprocess
    import sys

    code = (
        "import sys, bot.main, bot.cli, bot.kbedit.pipeline, bot.analytics.store; "
        "sys.exit('psycopg' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
