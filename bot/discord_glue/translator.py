"""Slash-command names and descriptions per locale, from the UI catalogue (ui.yaml).

Code declares each string with ``locale_str(english, key=<ui field>)``; Discord gets
the catalogue's English for en-US/en-GB and its Chinese for zh-CN when commands sync.
Aspect choices are named from aspects.yaml (``key="aspect:<id>"``).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands

if TYPE_CHECKING:
    from bot.kb.schema import KnowledgeBase
    from bot.kb.store import KnowledgeStore

log = logging.getLogger(__name__)

ENGLISH = frozenset({discord.Locale.american_english, discord.Locale.british_english})
CHINESE = frozenset({discord.Locale.chinese})
# Discord's rule for command and option names (lowercase where the script has case).
NAME_RE = re.compile(r"^[-_\w]{1,32}$")
NAME_LOCATIONS = frozenset(
    {
        app_commands.TranslationContextLocation.command_name,
        app_commands.TranslationContextLocation.group_name,
        app_commands.TranslationContextLocation.parameter_name,
    }
)


def translation(kb: KnowledgeBase, key: str, lang: str) -> str | None:
    """The catalogue text behind ``key`` in ``lang``, or None for an unknown key."""
    if key.startswith("aspect:"):
        info = kb.aspects.get(key.removeprefix("aspect:"))
        if info is None:
            return None
        name = info.name.zh if lang == "zh" else info.name.en
        return name if lang == "zh" else name[:1].upper() + name[1:]
    if key not in type(kb.ui).model_fields:
        return None
    return kb.ui.text(key, lang)


class BotTranslator(app_commands.Translator):
    """Serves command texts from the knowledge base the store holds at sync time."""

    def __init__(self, store: KnowledgeStore) -> None:
        self.store = store

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContext,
    ) -> str | None:
        key = string.extras.get("key")
        if key is None or locale not in ENGLISH | CHINESE:
            return None
        text = translation(self.store.current, key, "zh" if locale in CHINESE else "en")
        if text is None:
            log.warning("no ui.yaml entry %r for the command text %r", key, string.message)
            return None
        valid_name = bool(NAME_RE.match(text)) and text == text.lower()
        if context.location in NAME_LOCATIONS and not valid_name:
            log.warning(
                "ui.yaml %s (%s) %r is not a valid command name (one lowercase word, at most "
                "32 letters, digits, - or _); keeping %r",
                key,
                locale.value,
                text,
                string.message,
            )
            return None
        return text
