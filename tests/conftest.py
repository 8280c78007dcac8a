"""Shared fixtures: the shipped knowledge base, copies of it to break, an engine."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

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
