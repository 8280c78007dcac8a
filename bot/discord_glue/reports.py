"""Admin reports as Discord text, in the admin's language: counts, problems, questions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.kb.schema import KnowledgeBase, Ui
from bot.render import CONTENT_MAX, truncate

if TYPE_CHECKING:
    from bot.analytics import Analytics

MAX_PROBLEMS_SHOWN = 15


def code_block(text: str, before: str = "") -> str:
    """``before`` then ``text`` in a code block, all within one Discord message."""
    budget = CONTENT_MAX - len(before) - 8  # the fences and their newlines
    body = truncate(text.replace("```", "ʼʼʼ"), max(budget, 1))
    return f"{before}```\n{body}\n```"


def kb_counts(kb: KnowledgeBase, ui: Ui, lang: str) -> str:
    counts = kb.counts()
    return ui.text("kb_counts", lang, **{k.replace(" ", "_"): n for k, n in counts.items()})


def analytics_summary(analytics: Analytics, ui: Ui, lang: str) -> str:
    counts = analytics.counts()
    if not counts:
        return ui.text("analytics_unavailable", lang, path=analytics.path)
    return ui.text("analytics_counts", lang, **counts)


def problem_block(heading: str, problems: Iterable[object]) -> str:
    """``heading``, then the first problems in a code block, all within one message."""
    listed = "\n".join(str(p) for p in list(problems)[:MAX_PROBLEMS_SHOWN])
    return code_block(listed, before=heading + "\n")
