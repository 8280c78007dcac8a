"""The per-user cooldown as users meet it: checked before any work, told once."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import discord

from bot.ratelimit import Verdict

from .i18n import locale_language
from .sending import tell

if TYPE_CHECKING:
    from bot.main import LLMBot


def cooldown_notice(bot: LLMBot, user_id: int, lang: str) -> str | None:
    """None when ``user_id`` may ask now; otherwise the notice to send.

    Every call counts as a question. Past the one notice, further questions in the
    window get ``""``: drop them silently.
    """
    verdict = bot.cooldown.check(user_id)
    if verdict is Verdict.ALLOW:
        return None
    if verdict is Verdict.SILENT:
        return ""
    return _notice(bot, user_id, lang)


def _notice(bot: LLMBot, user_id: int, lang: str) -> str:
    seconds = max(1, math.ceil(bot.cooldown.retry_after(user_id)))
    return bot.engine.kb.ui.text("cooldown_notice", lang, seconds=seconds)


async def interaction_allowed(bot: LLMBot, interaction: discord.Interaction) -> bool:
    """Apply the cooldown to an interaction; tell the user privately when over it.

    An interaction must always be answered, so past the one notice it still gets a
    short private reminder rather than silence.
    """
    lang = locale_language(interaction.locale)
    notice = cooldown_notice(bot, interaction.user.id, lang)
    if notice is None:
        return True
    await tell(interaction, notice or _notice(bot, interaction.user.id, lang))
    return False
