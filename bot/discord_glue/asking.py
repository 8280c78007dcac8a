"""Asking the engine on someone's behalf and recording the question in analytics."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.engine.answer import Answer
from bot.engine.context import Asker
from bot.engine.engine import Engine
from bot.kb.schema import Ui

if TYPE_CHECKING:
    from bot.main import LLMBot


@dataclass(frozen=True)
class Origin:
    """Who asked, and where; follow-up context is kept per (channel, user)."""

    user_id: int
    channel_id: int | None
    guild_id: int | None

    @classmethod
    def of(cls, interaction: discord.Interaction) -> Origin:
        return cls(interaction.user.id, interaction.channel_id, interaction.guild_id)

    @property
    def asker(self) -> Asker:
        return Asker(channel=str(self.channel_id or f"dm:{self.user_id}"), user=str(self.user_id))


@dataclass(frozen=True)
class Asked:
    """An answer, the analytics id of its question, and the UI words of the same knowledge."""

    answer: Answer
    question_id: int | None
    ui: Ui


CHATTER_INTENT = "chatter"


def record(bot: LLMBot, ans: Answer, started: float, origin: Origin) -> int | None:
    """Store the question (salted user hash) and return its id, if analytics is available."""
    return bot.analytics.record_question(
        question=ans.question,
        user_id=origin.user_id,
        language=ans.language,
        # Chatter is kept apart so that /kb unanswered lists only questions for the bot.
        intent=CHATTER_INTENT if ans.chatter else ans.intent,
        confidence=ans.confidence,
        answered=ans.answered,
        latency_ms=(time.perf_counter() - started) * 1000.0,
        guild_id=origin.guild_id,
        channel_id=origin.channel_id,
        suggestions=ans.suggestions[:3],
    )


def ask_with(bot: LLMBot, origin: Origin, produce: Callable[[Engine], Answer]) -> Asked:
    """Produce an answer with the current engine and record it.

    A hot reload may swap ``bot.engine`` at any moment; taking it once keeps the answer
    and the words around it on the same knowledge base.
    """
    engine = bot.engine
    started = time.perf_counter()
    ans = produce(engine)
    return Asked(ans, record(bot, ans, started, origin), engine.kb.ui)


def ask(bot: LLMBot, question: str, origin: Origin) -> Asked:
    """Answer a free-text question (with the asker's follow-up context) and record it."""
    return ask_with(bot, origin, lambda engine: engine.answer(question, origin.asker))
