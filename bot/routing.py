"""Where questions are routed: a stable label per answer, and the routing of phrasings.

This sits above the engine (``bot.kb`` must not import it). ``check`` uses it to warn
about a phrasing that the matcher sends somewhere other than its own entry, and a
"routing impact" preview can compare ``route`` over the same questions on two
knowledge bases.
"""

from __future__ import annotations

import itertools
from collections.abc import Container, Iterable

from bot.engine.answer import Answer
from bot.engine.context import Asker
from bot.engine.engine import Engine
from bot.engine.rules import ASKING
from bot.kb.loader import CheckResult
from bot.kb.schema import KnowledgeBase
from bot.kb.yamlsafe import Problem
from bot.text.normalize import has_cjk

_ASKERS = itertools.count()


def target_of(ans: Answer) -> str:
    """A stable label of where an answer went.

    ``use_case:<id>`` for a recommendation, ``topic:<id>`` for a topic,
    ``<intent>:<models joined by ,>[:<aspect>]`` for fact/compare/overview, and
    ``declined:<intent or unsure>`` when the question was not answered.
    """
    if not ans.answered:
        return f"declined:{ans.intent or 'unsure'}"
    if ans.use_case and ans.intent == "recommend":
        return f"use_case:{ans.use_case}"
    if ans.topic:
        return f"topic:{ans.topic}"
    label = f"{ans.intent}:{','.join(ans.models)}"
    if ans.intent in ("fact", "compare", "overview") and ans.aspect:
        label += f":{ans.aspect}"
    return label


def as_question(text: str) -> str:
    """A phrasing as people ask it: a fragment ("debugging", "代码调试") is used inside
    questions, and on its own a bare word asks nothing, so it gets a question mark; a
    phrasing that already asks something is asked as it is."""
    if ASKING.search(text.casefold()):
        return text
    return text + ("？" if has_cjk(text) else "?")


def phrasing_questions(kb: KnowledgeBase) -> list[tuple[str, str, str, tuple[int | str, ...]]]:
    """(phrasing, expected target, file, YAML location) for every use-case and topic
    phrasing (route them with ``phrasings=True``)."""
    out: list[tuple[str, str, str, tuple[int | str, ...]]] = []
    for i, uc in enumerate(kb.use_cases.values()):
        for lang in ("en", "zh"):
            for j, text in enumerate(getattr(uc.phrasings, lang)):
                loc = ("use_cases", i, "phrasings", lang, j)
                out.append((text, f"use_case:{uc.id}", "use_cases.yaml", loc))
    for i, topic in enumerate(kb.topics.values()):
        for lang in ("en", "zh"):
            for j, text in enumerate(getattr(topic.phrasings, lang)):
                loc = ("topics", i, "phrasings", lang, j)
                out.append((text, f"topic:{topic.id}", "topics.yaml", loc))
    return out


def route(
    engine: Engine, questions: Iterable[str], phrasings: Container[str] = ()
) -> dict[str, str]:
    """Each question answered on its own, by a fresh asker with no context -> its target.
    Those in ``phrasings`` are asked as people ask them (:func:`as_question`)."""
    targets: dict[str, str] = {}
    for question in questions:
        asker = Asker(channel="routing", user=f"routing-{next(_ASKERS)}")
        asked = as_question(question) if question in phrasings else question
        try:
            targets[question] = target_of(engine.answer(asked, asker))
        finally:
            # Leave no trace in a live engine's conversation memory.
            engine.contexts.clear(asker)
    return targets


def routing_warnings(result: CheckResult, engine: Engine | None = None) -> list[Problem]:
    """A warning at each phrasing that the matcher routes to a different entry."""
    if result.kb is None:
        return []
    engine = engine or Engine(result.kb)
    questions = phrasing_questions(result.kb)
    texts = [q for q, _, _, _ in questions]
    targets = route(engine, texts, phrasings=set(texts))
    warnings = []
    for question, expected, file, loc in questions:
        got = targets[question]
        if got != expected:
            warnings.append(
                result.problem_at(
                    file,
                    loc,
                    f"phrasing '{question}' is answered as {got}, not {expected}; asked on "
                    "its own it should reach its own entry: reword it, or move it to the "
                    "entry it reaches",
                    "warning",
                )
            )
    return warnings
