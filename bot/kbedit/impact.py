"""Routing impact of an edit: which questions would land somewhere else afterwards.

Every use-case and topic phrasing (before and after the edit) and the recently logged
user questions are routed by the live engine and by an engine over the staged
knowledge base; each question whose target differs is reported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from bot.engine.engine import Engine
from bot.kb.schema import KnowledgeBase
from bot.kbedit.records import RoutingChange
from bot.routing import phrasing_questions, route

RecentQuestions = Callable[[], Iterable[str]]


class RoutingImpact:
    """Compares routes; remembers the live knowledge base's routes between previews."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = ""
        self._engine: Engine | None = None
        self._routes: dict[str, str] = {}

    def _old_routes(self, kb: KnowledgeBase, questions: list[str]) -> dict[str, str]:
        with self._lock:
            if self._engine is None or self._version != kb.version or not kb.version:
                self._engine, self._version, self._routes = Engine(kb), kb.version, {}
            engine, known = self._engine, dict(self._routes)
        missing = [q for q in questions if q not in known]
        fresh = route(engine, missing)
        with self._lock:
            if self._version == kb.version:
                self._routes.update(fresh)
        known.update(fresh)
        return known

    def compare(
        self, old: KnowledgeBase, new: KnowledgeBase, recent: Iterable[str] = ()
    ) -> list[RoutingChange]:
        where: dict[str, tuple[str, str, str]] = {}
        for question, expected, file, location in [
            *phrasing_questions(old),
            *phrasing_questions(new),
        ]:
            # The staged knowledge base's own entry wins: it is what the edit intends.
            where[question] = (expected, file, location)
        recent_only = [q for q in dict.fromkeys(q.strip() for q in recent) if q and q not in where]
        questions = [*where, *recent_only]
        before = self._old_routes(old, questions)
        after = route(Engine(new), questions)
        changes = []
        for question in questions:
            if before[question] == after[question]:
                continue
            if question in where:
                expected, file, location = where[question]
                changes.append(
                    RoutingChange(
                        question,
                        before[question],
                        after[question],
                        "phrasing",
                        expected,
                        file,
                        location,
                    )
                )
            else:
                changes.append(RoutingChange(question, before[question], after[question], "recent"))
        changes.sort(key=lambda c: (not c.regression, c.origin != "phrasing"))
        return changes
