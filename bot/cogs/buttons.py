"""Persistent answer buttons ("Did you mean", 👍/👎, "Why this answer?") after restarts.

The buttons themselves live in :mod:`bot.discord_glue.answer_message`; registering
them as dynamic items lets a new process answer clicks on messages an older one sent.
"""

from __future__ import annotations

from discord.ext import commands

from bot.discord_glue.answer_message import DYNAMIC_ITEMS


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)


async def teardown(bot: commands.Bot) -> None:
    bot.remove_dynamic_items(*DYNAMIC_ITEMS)
