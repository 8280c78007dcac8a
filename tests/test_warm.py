"""The console's warm start: reused when nothing changed, rebuilt when anything did."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import warm
from bot.engine.engine import Engine
from bot.kb.loader import KnowledgeError


def test_a_second_start_reads_the_cache_and_answers_the_same(
    kb_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    kb, matchers = warm.load_warm(kb_copy, cache)
    first = Engine(kb, matchers=matchers).answer("GPT-4o mini 多少钱？").to_contract()

    def no_load(directory: Path) -> None:
        raise AssertionError("the knowledge was parsed again although nothing changed")

    monkeypatch.setattr(warm, "load_directory", no_load)
    kb2, matchers2 = warm.load_warm(kb_copy, cache)
    assert matchers2 is not None and matchers2.kb is kb2
    assert Engine(kb2, matchers=matchers2).answer("GPT-4o mini 多少钱？").to_contract() == first


def test_an_edit_rebuilds_and_a_broken_edit_still_fails_loudly(
    kb_copy: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    warm.load_warm(kb_copy, cache)
    topics = kb_copy / "topics.yaml"
    topics.write_text(topics.read_text("utf-8").replace("prediction", "forecast", 1), "utf-8")
    kb, _ = warm.load_warm(kb_copy, cache)
    assert "forecast" in " ".join(t.id for t in kb.topics.values()) or kb.version
    assert len(list(cache.glob("kb-warm-*.pickle"))) == 1  # the stale copy is gone
    topics.write_text("topics: [\n", "utf-8")
    with pytest.raises(KnowledgeError):
        warm.load_warm(kb_copy, cache)


def test_a_corrupt_cache_is_rebuilt(kb_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    warm.load_warm(kb_copy, cache)
    for path in cache.glob("kb-warm-*.pickle"):
        path.write_bytes(b"not a pickle")
    kb, matchers = warm.load_warm(kb_copy, cache)
    assert "gpt-4o-mini" in kb.models and matchers is not None
