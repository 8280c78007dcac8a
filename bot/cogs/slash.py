"""Slash commands: /ask, /compare, /model, /recommend, /sources, /help."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.cogs._common import (
    NO_MENTIONS,
    Reply,
    allowed,
    answer_message,
    answer_question,
    locale_language,
    record,
    respond,
)
from bot.engine.answer import Answer
from bot.engine.compose import say
from bot.engine.engine import Engine
from bot.kb.schema import ASPECTS, KnowledgeBase
from bot.render import compare_embed_dict, to_embed

if TYPE_CHECKING:
    from bot.main import LLMBot

log = logging.getLogger(__name__)

ASPECT_NAMES = {
    "release_date": "Release date",
    "parameters": "Parameters",
    "modalities": "Modalities",
    "languages": "Languages",
    "pricing": "Pricing",
    "training": "Training",
    "license": "License & access",
    "safety": "Safety",
    "strengths": "Strengths",
    "main_use_case": "Main use case",
    "origin": "Origin",
    "context_window": "Context window",
}
ASPECT_CHOICES = [app_commands.Choice(name=_(ASPECT_NAMES[a]), value=a) for a in ASPECTS]
# Shown side by side when /compare is given no aspect.
DEFAULT_COMPARE_ASPECTS = [
    "release_date",
    "parameters",
    "pricing",
    "languages",
    "strengths",
    "main_use_case",
]
AUTOCOMPLETE_LIMIT = 25
UNKNOWN_CHOICE = {
    "en": "I don't know '{value}'. Pick one of the suggestions: {options}.",
    "zh": "我不认识“{value}”。请从候选项中选择：{options}。",
}


def _matches(query: str, *texts: str) -> bool:
    q = query.casefold().strip()
    return not q or any(q in t.casefold() for t in texts)


class SlashCog(commands.Cog):
    """Structured questions; answers follow the interaction's locale unless text decides."""

    def __init__(self, bot: LLMBot) -> None:
        self.bot = bot

    # -- helpers ---------------------------------------------------------------
    @staticmethod
    def _model_id(engine: Engine, value: str) -> str | None:
        """Accept a model id, or a name/alias typed without using autocomplete."""
        if value in engine.kb.models:
            return value
        return engine.resolve_model(value)

    @staticmethod
    def _use_case_id(engine: Engine, value: str) -> str | None:
        kb = engine.kb
        if value in kb.use_cases:
            return value
        for uc in kb.use_cases.values():
            if value.casefold() in (uc.name.en.casefold(), uc.name.zh.casefold()):
                return uc.id
        return None

    async def _reject(self, interaction: discord.Interaction, value: str, options: list[str]):
        lang = locale_language(interaction.locale)
        text = UNKNOWN_CHOICE[lang].format(value=value[:100], options=", ".join(options))
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    def _send_answer(
        self, interaction: discord.Interaction, ans: Answer, started: float, kb: KnowledgeBase
    ) -> Reply:
        qid = record(
            self.bot,
            ans,
            started,
            user_id=interaction.user.id,
            channel_id=interaction.channel_id,
            guild_id=interaction.guild_id,
        )
        return answer_message(kb, ans, qid)

    async def model_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        kb = self.bot.engine.kb
        return [
            app_commands.Choice(name=m.name, value=m.id)
            for m in kb.models.values()
            if _matches(current, m.name, m.id, *m.aliases)
        ][:AUTOCOMPLETE_LIMIT]

    # -- commands --------------------------------------------------------------
    @app_commands.command(
        name=_("ask"), description=_("Ask a question about the LLMs in the article")
    )
    @app_commands.describe(question=_("Your question, in English or Chinese"))
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, 500],
    ) -> None:
        if not await allowed(self.bot, interaction):
            return

        def build() -> Reply:
            return answer_question(
                self.bot,
                question,
                user_id=interaction.user.id,
                channel_id=interaction.channel_id,
                guild_id=interaction.guild_id,
            )

        await respond(interaction, build)

    @app_commands.command(
        name=_("compare"), description=_("Compare two or three models side by side")
    )
    @app_commands.describe(
        model_a=_("First model"),
        model_b=_("Second model"),
        model_c=_("Optional third model"),
        aspect=_("Compare only this aspect"),
    )
    @app_commands.choices(aspect=ASPECT_CHOICES)
    async def compare(
        self,
        interaction: discord.Interaction,
        model_a: str,
        model_b: str,
        model_c: str | None = None,
        aspect: app_commands.Choice[str] | None = None,
    ) -> None:
        started = time.perf_counter()
        engine = self.bot.engine  # one knowledge base for the whole request
        picked: list[str] = []
        for raw in (model_a, model_b, model_c):
            if raw is None:
                continue
            model_id = self._model_id(engine, raw)
            if model_id is None:
                await self._reject(interaction, raw, list(engine.kb.models))
                return
            if model_id not in picked:
                picked.append(model_id)
        if len(picked) < 2:
            lang = locale_language(interaction.locale)
            text = (
                "请选择两个不同的模型。"
                if lang == "zh"
                else "Pick two different models to compare."
            )
            await interaction.response.send_message(text, ephemeral=True)
            return
        lang = locale_language(interaction.locale)
        aspects = [aspect.value] if aspect else DEFAULT_COMPARE_ASPECTS
        if not await allowed(self.bot, interaction):
            return

        def build() -> Reply:
            ans = engine.compare(picked, aspects, lang)
            reply = self._send_answer(interaction, ans, started, engine.kb)
            reply.embed = to_embed(compare_embed_dict(ans, engine.kb))
            return reply

        await respond(interaction, build)

    compare.autocomplete("model_a")(model_autocomplete)
    compare.autocomplete("model_b")(model_autocomplete)
    compare.autocomplete("model_c")(model_autocomplete)

    @app_commands.command(name=_("model"), description=_("What the article says about one model"))
    @app_commands.describe(name=_("The model"), aspect=_("Only this aspect"))
    @app_commands.choices(aspect=ASPECT_CHOICES)
    async def model(
        self,
        interaction: discord.Interaction,
        name: str,
        aspect: app_commands.Choice[str] | None = None,
    ) -> None:
        started = time.perf_counter()
        engine = self.bot.engine
        model_id = self._model_id(engine, name)
        if model_id is None:
            await self._reject(interaction, name, list(engine.kb.models))
            return
        lang = locale_language(interaction.locale)
        if not await allowed(self.bot, interaction):
            return

        def build() -> Reply:
            ans = (
                engine.fact(model_id, aspect.value, lang)
                if aspect
                else engine.overview(model_id, lang)
            )
            return self._send_answer(interaction, ans, started, engine.kb)

        await respond(interaction, build)

    model.autocomplete("name")(model_autocomplete)

    @app_commands.command(
        name=_("recommend"), description=_("Which model the article recommends for a job")
    )
    @app_commands.describe(use_case=_("The job, e.g. code generation or customer support"))
    async def recommend(self, interaction: discord.Interaction, use_case: str) -> None:
        started = time.perf_counter()
        engine = self.bot.engine
        use_case_id = self._use_case_id(engine, use_case)
        lang = locale_language(interaction.locale)
        if use_case_id is None:
            # Free text typed without autocomplete: let the engine interpret it.
            use_case_id = engine.resolve_use_case(use_case)
            if use_case_id is None:
                names = [say(u.name, lang) for u in engine.kb.use_cases.values()][:8]
                await self._reject(interaction, use_case, [*names, "…"])
                return
        chosen = use_case_id
        if not await allowed(self.bot, interaction):
            return

        def build() -> Reply:
            ans = engine.recommend(chosen, lang)
            return self._send_answer(interaction, ans, started, engine.kb)

        await respond(interaction, build)

    @recommend.autocomplete("use_case")
    async def use_case_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        lang = locale_language(interaction.locale)
        kb = self.bot.engine.kb
        out = []
        for uc in kb.use_cases.values():
            if _matches(current, uc.name.en, uc.name.zh, uc.id, *uc.phrasings.all()):
                label = f"{say(uc.name, lang)} · {uc.name.zh if lang == 'en' else uc.name.en}"
                out.append(app_commands.Choice(name=label[:100], value=uc.id))
        return out[:AUTOCOMPLETE_LIMIT]

    @app_commands.command(
        name=_("sources"), description=_("The source article and what the bot covers")
    )
    async def sources(self, interaction: discord.Interaction) -> None:
        lang = locale_language(interaction.locale)
        engine = self.bot.engine
        ans = engine.topic("source", lang)
        kb = engine.kb
        counts = kb.counts()
        coverage = (
            f"\n\n{counts['models']} 个模型 · {counts['facts']} 条事实 · "
            f"{counts['use cases']} 个用例 · {counts['citations']} 处引用"
            if lang == "zh"
            else f"\n\n{counts['models']} models · {counts['facts']} facts · "
            f"{counts['use cases']} use cases · {counts['citations']} citations"
        )
        ans.answer += coverage
        await self._send_answer(interaction, ans, time.perf_counter(), kb).send_to(interaction)

    @app_commands.command(name=_("help"), description=_("How to use the bot, with examples"))
    async def help(self, interaction: discord.Interaction) -> None:
        lang = locale_language(interaction.locale)
        engine = self.bot.engine
        ans = engine.topic("help", lang)
        reply = self._send_answer(interaction, ans, time.perf_counter(), engine.kb)
        await reply.send_to(interaction, ephemeral=True)


async def setup(bot: LLMBot) -> None:
    await bot.add_cog(SlashCog(bot))
