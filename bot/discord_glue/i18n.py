"""Which language to answer in, and how user text is shown safely inside the bot's own words."""

from __future__ import annotations

import discord

from bot.render import truncate

# Echoed user input (e.g. an unknown option value) is cut to this many characters.
ECHO_MAX = 100


def locale_language(locale: discord.Locale | str | None) -> str:
    """zh for any Chinese Discord locale, otherwise en."""
    return "zh" if str(locale or "").lower().startswith("zh") else "en"


def echo(text: str, limit: int = ECHO_MAX) -> str:
    """User text as literal Discord text: shortened, no markdown, no mentions."""
    one_line = " ".join(text.split())
    return discord.utils.escape_mentions(discord.utils.escape_markdown(truncate(one_line, limit)))
