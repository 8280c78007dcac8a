"""Slash-command options for models and jobs: length cap, autocomplete and resolution.

Each transformer keeps in one place what Discord may send (``max_length``), what
autocomplete offers (at most 25 choices, English and Chinese), and how a submitted
value is resolved again (users may type without picking a suggestion). An unknown
value raises :class:`UnknownOption`, whose message the command tree's error handler
sends privately in the user's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.engine.compose import say
from bot.engine.engine import Engine

from .i18n import echo, locale_language

if TYPE_CHECKING:
    from bot.kb.schema import Ui
    from bot.main import LLMBot

AUTOCOMPLETE_LIMIT = 25  # Discord's maximum number of choices
CHOICE_NAME_MAX = 100
NAME_MAX_LENGTH = 100  # longest model or job name anyone needs to type
REJECT_LISTS_AT_MOST = 8


class UnknownOption(app_commands.AppCommandError):
    """A submitted option value matches no model (or job); says which ones exist."""

    def __init__(self, field: str, value: str, options: list[str]) -> None:
        super().__init__(f"unknown option value {value!r}")
        self.field = field
        self.value = value
        self.options = options

    def message(self, ui: Ui, lang: str) -> str:
        return ui.text(self.field, lang, value=echo(self.value), options=", ".join(self.options))


def _engine(interaction: discord.Interaction) -> Engine:
    bot: LLMBot = interaction.client  # type: ignore[assignment]
    return bot.engine


def _matches(query: str, *texts: str) -> bool:
    q = query.casefold().strip()
    return not q or any(q in t.casefold() for t in texts)


class NameOption(app_commands.Transformer):
    """A string option holding a name, capped at ``NAME_MAX_LENGTH`` characters by Discord."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.string

    @property
    def max_value(self) -> int:
        return NAME_MAX_LENGTH


class ModelOption(NameOption):
    """A covered model: its id, name or an alias (typos tolerated, digits must match)."""

    async def transform(self, interaction: discord.Interaction, value: str) -> str:
        engine = _engine(interaction)
        found = engine.resolve_model(value)
        if found is not None:
            return found
        names = [m.name for m in engine.kb.models.values()]
        raise UnknownOption("unknown_model_option", value, names)

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        kb = _engine(interaction).kb
        return [
            app_commands.Choice(name=m.name[:CHOICE_NAME_MAX], value=m.id)
            for m in kb.models.values()
            if _matches(value, m.name, m.id, *m.aliases)
        ][:AUTOCOMPLETE_LIMIT]


class UseCaseOption(NameOption):
    """A job from use_cases.yaml: its id, its name in either language, or a close phrasing."""

    async def transform(self, interaction: discord.Interaction, value: str) -> str:
        engine = _engine(interaction)
        kb = engine.kb
        # An id, a name in either language, or free text the matcher reads as a job.
        found = engine.resolve_use_case(value)
        if found is not None:
            return found
        lang = locale_language(interaction.locale)
        names = [say(u.name, lang) for u in kb.use_cases.values()][:REJECT_LISTS_AT_MOST]
        raise UnknownOption("unknown_use_case_option", value, [*names, "…"])

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        lang = locale_language(interaction.locale)
        out = []
        for uc in _engine(interaction).kb.use_cases.values():
            if _matches(value, uc.name.en, uc.name.zh, uc.id, *uc.phrasings.all()):
                other = uc.name.zh if lang == "en" else uc.name.en
                label = f"{say(uc.name, lang)} · {other}"
                out.append(app_commands.Choice(name=label[:CHOICE_NAME_MAX], value=uc.id))
        return out[:AUTOCOMPLETE_LIMIT]


class AspectOption(NameOption):
    """An aspect from aspects.yaml (its id or its name in either language), offered from
    the loaded knowledge, so an aspect an admin adds is offered without a code change."""

    async def transform(self, interaction: discord.Interaction, value: str) -> str:
        kb = _engine(interaction).kb
        wanted = value.casefold().strip()
        for info in kb.aspects.values():
            if wanted in (info.id, info.name.en.casefold(), info.name.zh.casefold()):
                return info.id
        lang = locale_language(interaction.locale)
        names = [say(a.name, lang) for a in kb.aspects.values()][:REJECT_LISTS_AT_MOST]
        raise UnknownOption("unknown_aspect_option", value, [*names, "…"])

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        lang = locale_language(interaction.locale)
        kb = _engine(interaction).kb
        return [
            app_commands.Choice(name=say(a.name, lang)[:CHOICE_NAME_MAX], value=a.id)
            for a in kb.aspects.values()
            if _matches(value, a.id, a.name.en, a.name.zh, *a.keywords.all())
        ][:AUTOCOMPLETE_LIMIT]
