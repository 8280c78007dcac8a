"""Several processes on one PostgreSQL: migrations, shared history, the revision feed,
conflicts between admins, outages, and the copy from SQLite. Against a real server
(conftest's ``pg_server``): CI starts one, and fails rather than skips without it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bot.analytics import Analytics
from bot.db import DatabaseUrlError, parse_database_url, pg
from bot.db.feed import RevisionFeed
from bot.kb.store import KnowledgeStore
from bot.kbedit import AddPhrasing, KbEditor, Ref
from bot.kbedit.revisions import CHANNEL

from .conftest import ROOT

PHRASE_REF = Ref.parse("use_case:code-generation")


# -- migrations ----------------------------------------------------------------------------


def test_a_fresh_database_is_migrated_once_even_by_processes_starting_together(
    pg_url: str,
) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            conn = pg.PgConnection(pg_url)
            pg.migrate(conn)
            conn.close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT version FROM schema_migrations").fetchall()
    assert rows == [(pg.SCHEMA_VERSION,)]


def test_a_database_from_a_newer_bot_is_refused_untouched(pg_url: str) -> None:
    conn = pg.PgConnection(pg_url)
    pg.migrate(conn)
    conn.execute(
        "INSERT INTO schema_migrations VALUES (?, 0, 'from the future')", (pg.SCHEMA_VERSION + 1,)
    )
    with pytest.raises(pg.NewerSchemaError, match="newer than this bot"):
        pg.migrate(conn)
    conn.close()


def test_sql_is_translated_outside_quotes_only() -> None:
    sql = "SELECT ':x', '?' FROM t WHERE a = ? AND b = :name AND c LIKE '%z' AND d::text = ?"
    assert pg.to_pyformat(sql) == (
        "SELECT ':x', '?' FROM t WHERE a = %s AND b = %(name)s AND c LIKE '%z' AND d::text = %s"
    )
    assert pg.to_pyformat("BEGIN IMMEDIATE") == "BEGIN"


def test_database_url_errors_say_what_to_write_and_hide_the_password(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUrlError, match=r"postgresql://user:password@host"):
        parse_database_url("mysql://root:hunter2@db/x", tmp_path / "a.sqlite3")
    db = parse_database_url("postgresql://bot:hunter2@db.internal:5433/llm", tmp_path / "a")
    assert db.shared and db.describe() == "postgresql://bot@db.internal:5433/llm"
    assert parse_database_url("", tmp_path / "a.sqlite3").path == tmp_path / "a.sqlite3"
    assert parse_database_url("sqlite:///data/x.sqlite3", tmp_path).path == Path("data/x.sqlite3")


# -- analytics shared by processes ------------------------------------------------------------


def _ask(store: Analytics, text: str, user: int = 7, guild: int = 11) -> None:
    store.record_question(question=text, user_id=user, language="en", intent=None,
                          confidence=0.0, answered=False, latency_ms=1.0,
                          guild_id=guild, channel_id=12)  # fmt: skip


def test_two_processes_share_analytics_salt_and_misses(pg_url: str, tmp_path: Path) -> None:
    db = parse_database_url(pg_url, tmp_path / "unused")
    first = Analytics(tmp_path / "a" / "x.sqlite3", database=db)
    second = Analytics(tmp_path / "b" / "x.sqlite3", database=db)
    try:
        assert first.hash_user(42) == second.hash_user(42)  # one salt, kept in the database
        _ask(first, "what is the capital of peru")
        _ask(second, "capital of peru?")
        assert first.flush(10) and second.flush(10)
        assert [c.count for c in second.miss_clusters(11)] == [2]
        assert first.counts()["questions"] == 2
        assert not (tmp_path / "a").exists()  # nothing local: no salt file either
    finally:
        first.close()
        second.close()


def test_an_outage_buffers_questions_and_writes_them_when_back(
    pg_url: str, pg_server: object, caplog: pytest.LogCaptureFixture
) -> None:
    if pg_server is None:
        pytest.skip("needs the test's own server to stop it")
    db = parse_database_url(pg_url, Path("unused"))
    store = Analytics(Path("/nonexistent/x"), database=db, queue_size=5, salt="s" * 20)
    try:
        _ask(store, "before the outage")
        assert store.flush(10)
        pg_server.pause()  # type: ignore[attr-defined]
        try:
            for i in range(12):  # 5 fit the queue (+1 held by the writer); the rest drop
                _ask(store, f"during the outage {i}")
            time.sleep(0.5)
        finally:
            pg_server.resume()  # type: ignore[attr-defined]
        assert store.flush(20)
        counts = store.counts()
        assert 1 + 5 <= counts["questions"] <= 1 + 6
        assert store.dropped == 13 - counts["questions"]
        assert "dropped" in caplog.text
    finally:
        store.close()


# -- knowledge revisions across processes -----------------------------------------------------


class Process:
    """One bot process's knowledge side: its own directory, store, editor and feed."""

    def __init__(self, url: str, root: Path, name: str, *, feed: bool = True) -> None:
        self.dir = root / name / "knowledge"
        if not self.dir.exists():
            shutil.copytree(ROOT / "knowledge", self.dir)
        self.store = KnowledgeStore(self.dir)
        db = parse_database_url(url, root / name / "unused")
        self.editor = KbEditor(self.dir, root / name / "data" / "kb_revisions.sqlite3",
                               database=db, on_applied=lambda _r: self.store.reload())  # fmt: skip
        revisions = self.editor.revisions
        self.feed = RevisionFeed(
            url,
            lambda after: revisions.since(after, skip_origin=revisions.origin),
            self.editor.apply_remote,
            after=revisions.last_id(),
            channel=CHANNEL,
            poll=0.5,
        )
        if feed:
            self.feed.start()
            assert self.feed.connected.wait(10)

    def phrasings(self) -> list[str]:
        return self.store.current.use_cases["code-generation"].phrasings.all()

    def add(self, phrase: str, actor: str = "alice"):  # type: ignore[no-untyped-def]
        preview = self.editor.preview([AddPhrasing(PHRASE_REF, "en", phrase)], actor=actor,
                                      reason="test")  # fmt: skip
        return preview

    def close(self) -> None:
        self.feed.stop()


@pytest.fixture
def two(pg_url: str, tmp_path: Path) -> Iterator[tuple[Process, Process]]:
    a, b = Process(pg_url, tmp_path, "a"), Process(pg_url, tmp_path, "b")
    yield a, b
    a.close()
    b.close()


def wait_for(condition, timeout: float = 2.0) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(0.01)
    return time.monotonic() - start


def test_an_edit_through_one_process_is_served_by_the_other_within_two_seconds(
    two: tuple[Process, Process],
) -> None:
    a, b = two
    result = a.editor.confirm(a.add("scaffold my svelte components"))
    assert result.status == "applied", result.message
    wait_for(lambda: "scaffold my svelte components" in b.phrasings(), timeout=2.0)
    assert b"scaffold my svelte components" in (b.dir / "use_cases.yaml").read_bytes()
    # Undo through the other process travels back the same way, and both see one history.
    undo = b.editor.confirm(b.editor.preview_undo(result.revision.id, actor="bob", reason="no"))
    assert undo.status == "applied", undo.message
    wait_for(lambda: "scaffold my svelte components" not in a.phrasings(), timeout=2.0)
    assert [r.id for r in a.editor.history()] == [r.id for r in b.editor.history()]


def test_two_admins_editing_one_entry_through_two_processes_get_a_conflict(
    pg_url: str, tmp_path: Path
) -> None:
    # No feed in b: its preview and its confirm both come before a's edit reaches it.
    a = Process(pg_url, tmp_path, "a", feed=False)
    b = Process(pg_url, tmp_path, "b", feed=False)
    first, second = a.add("first admin's phrase"), b.add("second admin's phrase", "bob")
    assert a.editor.confirm(first).status == "applied"
    clash = b.editor.confirm(second)
    assert clash.status == "changed_since"
    assert "use_cases.yaml" in clash.message and "revision #" in clash.message
    assert b"second admin" not in (b.dir / "use_cases.yaml").read_bytes()
    assert len(b.editor.history()) == 1  # nothing recorded for the refused edit


def test_edits_are_refused_while_the_database_is_down_and_answers_go_on(
    pg_url: str, pg_server: object, tmp_path: Path
) -> None:
    if pg_server is None:
        pytest.skip("needs the test's own server to stop it")
    a = Process(pg_url, tmp_path, "a", feed=False)
    preview = a.add("written during the outage")
    before = (a.dir / "use_cases.yaml").read_bytes()
    pg_server.pause()  # type: ignore[attr-defined]
    try:
        result = a.editor.confirm(preview)
        assert a.store.current.use_cases["code-generation"]  # still serving
    finally:
        pg_server.resume()  # type: ignore[attr-defined]
    assert result.status == "failed"
    assert "cannot be reached" in result.message and "answers go on" in result.message
    assert (a.dir / "use_cases.yaml").read_bytes() == before


def test_a_process_that_was_stopped_catches_up_at_start_and_keeps_local_edits(
    pg_url: str, tmp_path: Path
) -> None:
    a = Process(pg_url, tmp_path, "a", feed=False)
    Process(pg_url, tmp_path, "b", feed=False)  # b's copy of the files, then b stops
    assert a.editor.confirm(a.add("made while b was stopped")).status == "applied"
    # b restarts: its files are brought to the shared revision.
    b2 = Process(pg_url, tmp_path, "b", feed=False)
    assert b2.editor.synced_files == ["use_cases.yaml"]
    assert b"made while b was stopped" in (b2.dir / "use_cases.yaml").read_bytes()
    # An edit on b's disk that no revision has is kept and recorded as a host edit.
    cases = b2.dir / "use_cases.yaml"
    cases.write_bytes(cases.read_bytes() + b"\n# a note made on the host\n")
    b3 = Process(pg_url, tmp_path, "b", feed=False)
    assert b3.editor.synced_files == []
    revision = b3.editor.scan_host_changes()
    assert revision is not None and revision.source == "host"
    assert [f.name for f in revision.files] == ["use_cases.yaml"]
    assert b"a note made on the host" in (b3.dir / "use_cases.yaml").read_bytes()


def test_copy_from_sqlite_moves_history_and_analytics_once(pg_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge", kb)
    local = KbEditor(kb, data / "kb_revisions.sqlite3")
    assert local.confirm(_preview(local)).status == "applied"
    store = Analytics(data / "analytics.sqlite3")
    _ask(store, "a question asked before the move", user=5)
    assert store.flush(10)
    local_hash = store.hash_user(5)
    store.close()
    env = {**os.environ, "DATA_DIR": str(data), "DATABASE_URL": pg_url, "KNOWLEDGE_DIR": str(kb)}
    env.pop("ANALYTICS_SALT", None)
    cmd = [sys.executable, "-m", "bot", "db", "copy-from-sqlite"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "questions: 1 rows" in done.stdout and "revisions: 1 rows" in done.stdout
    shared = Analytics(data / "x", database=parse_database_url(pg_url, data / "x"))
    try:
        assert shared.counts()["questions"] == 1
        assert shared.hash_user(5) == local_hash  # the salt came along
    finally:
        shared.close()
    history = KbEditor(kb, data / "unused.sqlite3", database=parse_database_url(pg_url, kb))
    assert [r.actor for r in history.history()] == ["alice"]
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "already holds" in again.stderr


def _preview(editor: KbEditor):  # type: ignore[no-untyped-def]
    return editor.preview([AddPhrasing(PHRASE_REF, "en", "moved along")], actor="alice",
                          reason="before the move")  # fmt: skip
