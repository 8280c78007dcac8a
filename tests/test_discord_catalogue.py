"""The UI catalogue (knowledge/ui.yaml): loaded and checked like responses.yaml, filled in
by the Discord front end, and complete in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.kb.loader import check_directory
from bot.kb.schema import KnowledgeBase, Ui


def test_every_entry_is_in_both_languages(kb: KnowledgeBase) -> None:
    """Each catalogue entry has a non-empty English and Chinese text."""
    for name, text in kb.ui:
        assert text.en.strip() and text.zh.strip(), name


def test_fills_the_declared_placeholders(kb: KnowledgeBase) -> None:
    """ui.text fills placeholders in the requested language."""
    assert kb.ui.text("cooldown_notice", "en", seconds=12).endswith(
        "wait 12s before the next question."
    )
    assert "12 秒" in kb.ui.text("cooldown_notice", "zh", seconds=12)


@pytest.mark.parametrize("name", sorted(Ui.PLACEHOLDERS))
def test_declared_placeholders_are_used_in_both_languages(kb: KnowledgeBase, name: str) -> None:
    """A declared placeholder appears in the shipped English and Chinese text."""
    text = getattr(kb.ui, name)
    for lang in ("en", "zh"):
        found = set(re.findall(r"\{(\w+)\}", getattr(text, lang)))
        assert found == Ui.placeholders_for(name), (name, lang)


def test_an_unknown_placeholder_is_reported_with_file_and_line(kb_copy: Path) -> None:
    """A placeholder the code does not fill is rejected at ui.yaml:line, naming the allowed ones."""
    path = kb_copy / "ui.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("wait {seconds}s", "wait {secs}s"), encoding="utf-8")
    result = check_directory(kb_copy)
    assert not result.ok
    [problem] = [str(p) for p in result.problems]
    assert re.match(r".*ui\.yaml:\d+:\d+: placeholder '\{secs\}' is not filled in", problem)
    assert "{seconds}" in problem


def test_a_missing_entry_is_reported(kb_copy: Path) -> None:
    """Deleting an entry is a schema error naming the missing key."""
    path = kb_copy / "ui.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index("  feedback_thanks:")
    path.write_text("\n".join(lines[:start] + lines[start + 3 :]) + "\n", encoding="utf-8")
    result = check_directory(kb_copy)
    assert any("missing required key 'feedback_thanks'" in str(p) for p in result.problems)
