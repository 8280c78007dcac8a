"""Where a question is routed: one short string per answer, and the questions to check.

A minimal stand-in with the agreed signatures (``target_of``, ``phrasing_questions``,
``route``); the full module lives on another branch and replaces this one at merge.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from bot.engine.answer import Answer
from bot.engine.context import Asker
from bot.engine.engine import Engine
from bot.kb.schema import KnowledgeBase

# Never reused, so no question inherits another's follow-up context, even across calls.
_ASKERS = itertools.count()


def target_of(ans: Answer) -> str:
    """``use_case:<id>``, ``topic:<id>``, ``<intent>:<models>[:<aspect>]`` or ``declined:<why>``."""
    if not ans.answered:
        return f"declined:{ans.intent or 'unsure'}"
    if ans.use_case and ans.intent == "recommend":
        return f"use_case:{ans.use_case}"
    if ans.topic:
        return f"topic:{ans.topic}"
    target = f"{ans.intent}:{','.join(ans.models)}"
    return f"{target}:{ans.aspect}" if ans.aspect else target


def phrasing_questions(kb: KnowledgeBase) -> list[tuple[str, str, str, str]]:
    """Every use-case and topic phrasing as (question, expected target, file, location)."""
    out: list[tuple[str, str, str, str]] = []
    for uc in kb.use_cases.values():
        for lang in ("en", "zh"):
            for i, text in enumerate(getattr(uc.phrasings, lang)):
                location = f"use_cases[{uc.id}].phrasings.{lang}[{i}]"
                out.append((text, f"use_case:{uc.id}", "use_cases.yaml", location))
    for topic in kb.topics.values():
        for lang in ("en", "zh"):
            for i, text in enumerate(getattr(topic.phrasings, lang)):
                location = f"topics[{topic.id}].phrasings.{lang}[{i}]"
                out.append((text, f"topic:{topic.id}", "topics.yaml", location))
    return out


def route(engine: Engine, questions: Iterable[str]) -> dict[str, str]:
    """The target of each question, each asked by a fresh asker (no follow-up context)."""
    return {
        question: target_of(engine.answer(question, Asker("routing", str(next(_ASKERS)))))
        for question in questions
    }
