"""Routing impact of an edit: which questions would land somewhere else afterwards.

Every use-case and topic phrasing (before and after the edit) and the recently logged
user questions are routed by the live engine and by an engine over the staged
knowledge base; each question whose target differs is reported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import ClassVar

from bot.engine.engine import Engine
from bot.kb.schema import KnowledgeBase
from bot.kbedit.records import RoutingChange
from bot.routing import phrasing_questions, route

RecentQuestions = Callable[[], Iterable[str]]


class RoutingImpact:
    """Compares routes; remembers the live knowledge base's routes between previews.

    The memory is keyed by knowledge-base version (a hash of the files' content), so it
    is shared by every editor in the process and never serves a stale route.
    """

    _lock = threading.Lock()
    _memory: ClassVar[dict[str, tuple[Engine, dict[str, str]]]] = {}
    KEEP = 2  # versions remembered: the live one and the one before a swap

    def _old_routes(
        self, kb: KnowledgeBase, questions: list[str], phrasings: set[str]
    ) -> dict[str, str]:
        with self._lock:
            found = self._memory.pop(kb.version, None) if kb.version else None
            engine, known = found if found else (Engine(kb), {})
            if kb.version:
                self._memory[kb.version] = (engine, known)  # newest last
                while len(self._memory) > self.KEEP:
                    del self._memory[next(iter(self._memory))]
            answered = dict(known)
        missing = [q for q in questions if q not in answered]
        fresh = route(engine, missing, phrasings)
        with self._lock:
            known.update(fresh)
        answered.update(fresh)
        return answered

    def compare(
        self, old: KnowledgeBase, new: KnowledgeBase, recent: Iterable[str] = ()
    ) -> list[RoutingChange]:
        where: dict[str, tuple[str, str, str]] = {}
        for question, expected, file, loc in [
            *phrasing_questions(old),
            *phrasing_questions(new),
        ]:
            # The staged knowledge base's own entry wins: it is what the edit intends.
            where[question] = (expected, file, ".".join(str(part) for part in loc))
        recent_only = [q for q in dict.fromkeys(q.strip() for q in recent) if q and q not in where]
        questions = [*where, *recent_only]
        phrasings = set(where)
        before = self._old_routes(old, questions, phrasings)
        after = route(Engine(new), questions, phrasings)
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
