"""Shared fixtures: the shipped knowledge base, copies of it to break, an engine."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.engine.engine import Engine
from bot.kb.loader import load_directory
from bot.kb.schema import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The shipped knowledge base, loaded once."""
    return load_directory(KNOWLEDGE)


@pytest.fixture
def engine(kb: KnowledgeBase) -> Engine:
    """A fresh engine (with empty context) over the shipped knowledge base."""
    return Engine(kb)


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped knowledge directory."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


@pytest.fixture
def env(kb_copy: Path) -> dict[str, str]:
    """The bot's own settings, pointing at a copy of the knowledge base and a fresh data dir."""
    return {
        **os.environ,
        "DISCORD_TOKEN": "",
        "KNOWLEDGE_DIR": str(kb_copy),
        "DATABASE_PATH": str(kb_copy.parent / "data" / "analytics.sqlite3"),
    }


# -- PostgreSQL --------------------------------------------------------------------------
# One throwaway server per test worker, started on first use (bot/db/testserver.py), or
# the one TEST_DATABASE_URL names. CI (CI=1, set by .ci/run) fails instead of skipping
# when no server can be had: the PostgreSQL tests must run there.


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    from bot.db.testserver import ServerUnavailable, TempPostgres

    if os.environ.get("TEST_DATABASE_URL"):
        yield None
        return
    try:
        server = TempPostgres().start()
    except ServerUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL tests cannot run in CI: {exc}")
        pytest.skip(f"no PostgreSQL server: {exc}")
    try:
        yield server
    finally:
        from bot.db import pg

        pg.close_pools()
        server.stop()


@pytest.fixture
def pg_url(pg_server: Any) -> str:
    """The URL of a fresh, empty database on the test server."""
    import secrets

    import psycopg

    base = os.environ.get("TEST_DATABASE_URL") or pg_server.url
    name = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + "/" + name
