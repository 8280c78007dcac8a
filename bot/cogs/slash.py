"""Slash commands: /ask, /compare, /model, /recommend, /sources, /help.

The per-user cooldown is checked first (``interaction_check`` runs before options
are resolved), so a rejected call does no work and still counts. Option lengths are
capped where the commands are declared; model and job options are resolved,
autocompleted and rejected by the transformers in :mod:`bot.discord_glue.options`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.discord_glue.answer_message import answer_reply
from bot.discord_glue.asking import Origin, ask, ask_with
from bot.discord_glue.cooldown import interaction_allowed
from bot.discord_glue.i18n import locale_language
from bot.discord_glue.options import AspectOption, ModelOption, UseCaseOption
from bot.discord_glue.sending import Reply, respond, tell
from bot.render import answer_embed_dict, compare_embed_dict

from .ask import MAX_QUESTION_CHARS

if TYPE_CHECKING:
    from bot.main import LLMBot

log = logging.getLogger(__name__)

Model = app_commands.Transform[str, ModelOption]
Aspect = app_commands.Transform[str, AspectOption]
UseCase = app_commands.Transform[str, UseCaseOption]


class SlashCog(commands.Cog):
    """Structured questions; answers follow the interaction's locale unless text decides."""

    def __init__(self, bot: LLMBot) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # Runs before any option is resolved: rejected calls do no work and still count.
        return await interaction_allowed(self.bot, interaction)

    @app_commands.command(
        name=_("ask", key="cmd_ask"),
        description=_("Ask a question about the LLMs in my sources", key="cmd_ask_desc"),
    )
    @app_commands.describe(
        question=_("Your question, in English or Chinese", key="opt_question_desc")
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
    ) -> None:
        origin = Origin.of(interaction)
        await respond(interaction, lambda: answer_reply(self.bot, ask(self.bot, question, origin)))

    @app_commands.command(
        name=_("compare", key="cmd_compare"),
        description=_("Compare two or three models side by side", key="cmd_compare_desc"),
    )
    @app_commands.describe(
        model_a=_("First model", key="opt_model_a_desc"),
        model_b=_("Second model", key="opt_model_b_desc"),
        model_c=_("Optional third model", key="opt_model_c_desc"),
        aspect=_("Compare only this aspect", key="opt_compare_aspect_desc"),
    )
    async def compare(
        self,
        interaction: discord.Interaction,
        model_a: Model,
        model_b: Model,
        model_c: Model | None = None,
        aspect: Aspect | None = None,
    ) -> None:
        lang = locale_language(interaction.locale)
        picked = list(dict.fromkeys(m for m in (model_a, model_b, model_c) if m is not None))
        if len(picked) < 2:
            await tell(interaction, self.bot.engine.kb.ui.text("compare_needs_two", lang))
            return
        # No aspect chosen: the rows aspects.yaml marks with the "compare" role.
        aspects = [aspect] if aspect else self.bot.engine.kb.role("compare")
        origin = Origin.of(interaction)

        def build() -> Reply:
            asked = ask_with(self.bot, origin, lambda e: e.compare(picked, aspects, lang))
            return answer_reply(self.bot, asked, compare_embed_dict(asked.answer, asked.ui))

        await respond(interaction, build)

    @app_commands.command(
        name=_("model", key="cmd_model"),
        description=_("What my sources say about one model", key="cmd_model_desc"),
    )
    @app_commands.describe(
        name=_("The model", key="opt_model_name_desc"),
        aspect=_("Only this aspect", key="opt_model_aspect_desc"),
    )
    async def model(
        self,
        interaction: discord.Interaction,
        name: Model,
        aspect: Aspect | None = None,
    ) -> None:
        lang = locale_language(interaction.locale)
        origin = Origin.of(interaction)
        chosen = aspect

        def build() -> Reply:
            return answer_reply(
                self.bot,
                ask_with(
                    self.bot,
                    origin,
                    lambda e: e.fact(name, chosen, lang) if chosen else e.overview(name, lang),
                ),
            )

        await respond(interaction, build)

    @app_commands.command(
        name=_("recommend", key="cmd_recommend"),
        description=_("Which model my sources recommend for a job", key="cmd_recommend_desc"),
    )
    @app_commands.describe(
        use_case=_("The job, e.g. code generation or customer support", key="opt_use_case_desc")
    )
    async def recommend(self, interaction: discord.Interaction, use_case: UseCase) -> None:
        lang = locale_language(interaction.locale)
        origin = Origin.of(interaction)
        await respond(
            interaction,
            lambda: answer_reply(
                self.bot, ask_with(self.bot, origin, lambda e: e.recommend(use_case, lang))
            ),
        )

    @app_commands.command(
        name=_("sources", key="cmd_sources"),
        description=_("My sources, their dates and what they cover", key="cmd_sources_desc"),
    )
    async def sources(self, interaction: discord.Interaction) -> None:
        lang = locale_language(interaction.locale)
        asked = ask_with(self.bot, Origin.of(interaction), lambda e: e.topic("source", lang))
        counts = self.bot.engine.kb.counts()
        coverage = {
            "name": asked.ui.text("label_coverage", lang),
            "value": asked.ui.text(
                "coverage",
                lang,
                models=counts["models"],
                facts=counts["facts"],
                use_cases=counts["use cases"],
                citations=counts["citations"],
            ),
            "inline": False,
        }
        embed = answer_embed_dict(asked.answer, asked.ui, extra_fields=[coverage])
        await answer_reply(self.bot, asked, embed).send_to(interaction)

    @app_commands.command(
        name=_("help", key="cmd_help"),
        description=_("How to use the bot, with examples", key="cmd_help_desc"),
    )
    async def help(self, interaction: discord.Interaction) -> None:
        lang = locale_language(interaction.locale)
        asked = ask_with(self.bot, Origin.of(interaction), lambda e: e.topic("help", lang))
        await answer_reply(self.bot, asked).send_to(interaction, ephemeral=True)


async def setup(bot: LLMBot) -> None:
    await bot.add_cog(SlashCog(bot))
