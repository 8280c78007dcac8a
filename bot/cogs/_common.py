"""Glue shared by the cogs: asking the engine, recording it, replying safely."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.engine.answer import Answer
from bot.engine.context import Asker
from bot.kb.schema import KnowledgeBase
from bot.ratelimit import Verdict
from bot.render import answer_embed_dict, to_embed

if TYPE_CHECKING:
    from bot.main import LLMBot

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
# Defer an interaction if the answer is not ready by then (Discord allows 3 s).
DEFER_AFTER_SECONDS = 2.0
COOLDOWN_NOTICE = {
    "en": "You're asking quickly — please wait {seconds:.0f}s before the next question.",
    "zh": "提问有点快了，请等 {seconds:.0f} 秒再问下一个问题。",
}
APOLOGY = {
    "en": "Sorry, something went wrong while answering. The error was logged; please try again.",
    "zh": "抱歉，回答时出错了。错误已记录，请稍后再试。",
}


def locale_language(locale: discord.Locale | str | None) -> str:
    """zh for any Chinese Discord locale, otherwise en."""
    return "zh" if str(locale or "").lower().startswith("zh") else "en"


def answer_question(
    bot: LLMBot,
    question: str,
    *,
    user_id: int,
    channel_id: int | None,
    guild_id: int | None,
) -> Reply:
    """Answer a free-text question, record it, and render it, all with one engine.

    A hot reload may swap ``bot.engine`` at any moment; taking it once keeps the answer
    and its rendering on the same knowledge base.
    """
    engine = bot.engine
    started = time.perf_counter()
    asker = Asker(channel=str(channel_id or f"dm:{user_id}"), user=str(user_id))
    ans = engine.answer(question, asker)
    qid = record(bot, ans, started, user_id=user_id, channel_id=channel_id, guild_id=guild_id)
    return answer_message(engine.kb, ans, qid)


def record(
    bot: LLMBot,
    ans: Answer,
    started: float,
    *,
    user_id: int,
    channel_id: int | None,
    guild_id: int | None,
) -> int | None:
    return bot.analytics.record_question(
        question=ans.question,
        user_id=user_id,
        language=ans.language,
        intent=ans.intent,
        confidence=ans.confidence,
        answered=ans.answered,
        latency_ms=(time.perf_counter() - started) * 1000.0,
        guild_id=guild_id,
        channel_id=channel_id,
        suggestions=ans.suggestions[:3],
    )


@dataclass
class Reply:
    """An answer ready to send: the embed and its buttons. Replies never ping anyone."""

    embed: discord.Embed
    view: discord.ui.View

    async def send_to(self, interaction: discord.Interaction, *, ephemeral: bool = False) -> None:
        """Respond to ``interaction``, or follow up if it was already deferred."""
        if interaction.response.is_done():
            await interaction.followup.send(
                embed=self.embed,
                view=self.view,
                ephemeral=ephemeral,
                allowed_mentions=NO_MENTIONS,
            )
        else:
            await interaction.response.send_message(
                embed=self.embed,
                view=self.view,
                ephemeral=ephemeral,
                allowed_mentions=NO_MENTIONS,
            )


def answer_message(kb: KnowledgeBase, ans: Answer, question_id: int | None) -> Reply:
    """The embed and buttons (suggestions, feedback) for an answer from ``kb``."""
    from bot.cogs.views import answer_view

    return Reply(to_embed(answer_embed_dict(ans, kb)), answer_view(ans, question_id))


def cooldown_notice(bot: LLMBot, user_id: int, lang: str) -> str | None:
    """None when ``user_id`` may ask now; the (one-time) notice text when not.

    After the notice, further questions in the window are dropped silently: ``""``.
    """
    verdict = bot.cooldown.check(user_id)
    if verdict is Verdict.ALLOW:
        return None
    if verdict is Verdict.SILENT:
        return ""
    wait = bot.cooldown.retry_after(user_id)
    return COOLDOWN_NOTICE[lang].format(seconds=wait)


async def allowed(bot: LLMBot, interaction: discord.Interaction) -> bool:
    """Apply the per-user cooldown to an interaction; tell the user privately when over it."""
    notice = cooldown_notice(bot, interaction.user.id, locale_language(interaction.locale))
    if notice is None:
        return True
    # An interaction must be answered; past the one notice, a short private reminder.
    await interaction.response.send_message(
        notice
        or COOLDOWN_NOTICE[locale_language(interaction.locale)].format(
            seconds=bot.cooldown.retry_after(interaction.user.id)
        ),
        ephemeral=True,
        allowed_mentions=NO_MENTIONS,
    )
    return False


async def respond(
    interaction: discord.Interaction, build: Callable[[], Reply], *, ephemeral: bool = False
) -> None:
    """Send ``build()``'s reply; defer first if it is not ready in time (Discord allows 3 s)."""
    task = asyncio.ensure_future(asyncio.to_thread(build))
    done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER_SECONDS)
    if not done:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    reply = await task
    await reply.send_to(interaction, ephemeral=ephemeral)


async def apologise(interaction: discord.Interaction) -> None:
    """Tell the user (privately) that their request failed; never raise."""
    text = APOLOGY[locale_language(interaction.locale)]
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
    except discord.HTTPException:
        log.exception("could not send the apology for interaction %s", interaction.id)
