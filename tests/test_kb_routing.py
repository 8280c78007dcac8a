"""Warnings: phrasings inside other entries' phrasings and phrasings routed elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.engine.answer import Answer
from bot.engine.context import Asker
from bot.engine.engine import Engine
from bot.kb.loader import check_directory
from bot.kb.schema import KnowledgeBase
from bot.routing import phrasing_questions, route, routing_warnings, target_of

from .test_kb_check import run_check
from .test_kb_lint import add_code_phrasing, on_line


def answer(**fields: Any) -> Answer:
    base: dict[str, Any] = {
        "question": "q",
        "answered": True,
        "intent": None,
        "confidence": 1.0,
        "language": "en",
        "answer": "",
    }
    return Answer(**(base | fields))


@pytest.mark.parametrize(
    ("fields", "target"),
    [
        ({"intent": "recommend", "use_case": "debugging"}, "use_case:debugging"),
        ({"intent": "topic", "topic": "conclusion"}, "topic:conclusion"),
        ({"intent": "help", "topic": "help"}, "topic:help"),
        (
            {"intent": "fact", "models": ["gpt-4o-mini"], "aspect": "pricing"},
            "fact:gpt-4o-mini:pricing",
        ),
        (
            {
                "intent": "fact",
                "models": ["mistral-large-2"],
                "aspect": "strengths",
                "use_case": "debugging",
            },
            "fact:mistral-large-2:strengths",
        ),
        (
            {"intent": "compare", "models": ["gpt-4o-mini", "llama-3.1-405b"]},
            "compare:gpt-4o-mini,llama-3.1-405b",
        ),
        ({"intent": "overview", "models": ["deepseek-v2"]}, "overview:deepseek-v2"),
        ({"answered": False, "intent": None}, "declined:unsure"),
        ({"answered": False, "intent": "out_of_scope"}, "declined:out_of_scope"),
        ({"answered": False, "intent": "fact", "models": ["gpt-4o-mini"]}, "declined:fact"),
    ],
    ids=[
        "recommend",
        "topic",
        "small-talk",
        "fact",
        "model-for-job",
        "compare",
        "overview",
        "unsure",
        "out-of-scope",
        "not-stated",
    ],
)
def test_target_of(fields: dict[str, Any], target: str) -> None:
    """Each kind of answer gets its documented, stable label."""
    assert target_of(answer(**fields)) == target


def test_phrasing_questions_cover_every_phrasing_at_its_location(kb: KnowledgeBase) -> None:
    """One question per phrasing; each location holds that very text in its file."""
    from .conftest import KNOWLEDGE

    questions = phrasing_questions(kb)
    assert len(questions) == kb.counts()["phrasings"]
    docs = check_directory(KNOWLEDGE).docs
    for text, expected, file, loc in questions:
        assert expected.split(":")[0] in ("use_case", "topic")
        data: Any = docs[file].data
        for part in loc:
            data = data[part]
        assert data == text


def test_route_asks_each_question_without_context(kb: KnowledgeBase) -> None:
    """A follow-up routed after a model question does not inherit its context."""
    first, follow_up = "how much does gpt-4o mini cost", "and llama?"
    shared = Engine(kb)
    shared.answer(first, Asker("c", "u"))
    in_context = target_of(shared.answer(follow_up, Asker("c", "u")))
    assert in_context == "fact:llama-3.1-405b:pricing"  # what a shared asker would get
    engine = Engine(kb)
    targets = route(engine, [first, follow_up])
    assert targets[first] == "fact:gpt-4o-mini:pricing"
    assert targets[follow_up] != in_context
    assert len(engine.contexts) == 0


def test_shipped_phrasings_route_to_their_own_entry(kb: KnowledgeBase) -> None:
    """No routing warning on the shipped knowledge base."""
    result = check_directory(Path(__file__).resolve().parents[1] / "knowledge")
    assert [str(w) for w in routing_warnings(result)] == []


def test_misrouted_phrasing_is_a_warning_at_its_line(kb_copy: Path) -> None:
    """A phrasing that the engine answers as something else is a located warning."""
    line = add_code_phrasing("en", "gpt-4o mini price")(kb_copy)
    result = check_directory(kb_copy)
    assert result.ok
    warnings = routing_warnings(result)
    assert [(Path(w.path).name, w.line, w.severity) for w in warnings] == [
        ("use_cases.yaml", line, "warning")
    ]
    assert (
        "phrasing 'gpt-4o mini price' is answered as fact:gpt-4o-mini:pricing, not "
        "use_case:code-generation" in warnings[0].message
    )


def test_contained_phrasing_is_a_warning_at_its_line(kb_copy: Path) -> None:
    """A phrasing inside another entry's phrasing (whole words) warns at the shorter one."""
    line = add_code_phrasing("en", "equations")(kb_copy)
    result = check_directory(kb_copy)
    assert result.ok
    found = [w for w in result.warnings if "'equations' of use case code-generation" in w.message]
    assert [(w.line, w.severity) for w in found] == [(line, "warning")], [
        str(w) for w in result.warnings
    ]
    assert "is part of 'solve equations' of use case math-reasoning" in found[0].message


def test_word_inside_a_word_is_not_contained(kb_copy: Path) -> None:
    """'code' inside 'codec' is not a whole-word match; 'code' in 'write code' is."""
    add_code_phrasing("en", "codec")(kb_copy)
    on_line("topics.yaml", 'en: ["what is the article about"', '["what', '["code", "what')(kb_copy)
    messages = [w.message for w in check_directory(kb_copy).warnings]
    assert not any("'codec'" in m for m in messages), messages
    assert any("'code' of topic overview is part of 'write code'" in m for m in messages)


def test_warnings_print_as_warnings_and_exit_0(
    kb_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check` prints warnings with file:line and 'warning:', and still exits 0."""
    line = add_code_phrasing("en", "gpt-4o mini price")(kb_copy)
    code, out = run_check(kb_copy, capsys)
    assert code == 0, out
    assert f"use_cases.yaml:{line}:12: warning: phrasing 'gpt-4o mini price'" in out
    assert "warning(s)" in out.splitlines()[-1]


def test_strict_fails_on_warnings(kb_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`check --strict` exits 1 when there are warnings."""
    from bot.cli import main

    add_code_phrasing("en", "gpt-4o mini price")(kb_copy)
    code = main(["check", "--strict", str(kb_copy)])
    out = capsys.readouterr().out
    assert code == 1
    assert "with --strict" in out


def test_strict_exit_code_follows_the_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    """On the shipped knowledge base, --strict exits 0 exactly when nothing is warned about."""
    from bot.cli import main

    from .conftest import KNOWLEDGE

    code = main(["check", "--strict", str(KNOWLEDGE)])
    out = capsys.readouterr().out
    assert code == (1 if ": warning: " in out else 0), out
