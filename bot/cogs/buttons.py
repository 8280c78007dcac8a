"""Persistent buttons: "Did you mean…" suggestions and 👍/👎 feedback.

Both are ``DynamicItem``s, so the state they need lives in the custom_id
(or the button label) and they keep working after a restart.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.cogs._common import allowed, answer_question, apologise, locale_language, respond
from bot.engine.answer import Answer
from bot.render import button_label

if TYPE_CHECKING:
    from bot.main import LLMBot

log = logging.getLogger(__name__)

THANKS = {"en": "Thanks for the feedback!", "zh": "感谢你的反馈！"}


class SuggestionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"dym:(?P<index>[0-9])"
):
    """Asks the suggested question (the button's label) on the clicker's behalf."""

    def __init__(self, index: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=button_label(label),
                style=discord.ButtonStyle.secondary,
                custom_id=f"dym:{index}",
                row=0,
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> SuggestionButton:
        label = getattr(item, "label", None) or ""
        return cls(int(match["index"]), label)

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: LLMBot = interaction.client  # type: ignore[assignment]
        try:
            if not await allowed(bot, interaction):
                return
            question = self.item.label or ""
            await respond(
                interaction,
                lambda: answer_question(
                    bot,
                    question,
                    user_id=interaction.user.id,
                    channel_id=interaction.channel_id,
                    guild_id=interaction.guild_id,
                ),
            )
        except Exception:
            log.exception("suggestion button failed")
            await apologise(interaction)


class FeedbackButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"fb:(?P<vote>up|down):(?P<qid>[0-9]+)"
):
    """Records whether an answer helped."""

    def __init__(self, vote: str, question_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                emoji="👍" if vote == "up" else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"fb:{vote}:{question_id}",
                row=1,
            )
        )
        self.vote = vote
        self.question_id = question_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> FeedbackButton:
        return cls(match["vote"], int(match["qid"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: LLMBot = interaction.client  # type: ignore[assignment]
        try:
            bot.analytics.record_feedback(
                question_id=self.question_id or None,
                user_id=interaction.user.id,
                helpful=self.vote == "up",
            )
            await interaction.response.send_message(
                THANKS[locale_language(interaction.locale)], ephemeral=True
            )
        except Exception:
            log.exception("feedback button failed")
            await apologise(interaction)


def answer_view(ans: Answer, question_id: int | None) -> discord.ui.View:
    """Suggestion buttons (when unsure) and feedback buttons for one answer."""
    view = discord.ui.View(timeout=None)
    for i, suggestion in enumerate(ans.suggestions[:3]):
        view.add_item(SuggestionButton(i, suggestion))
    view.add_item(FeedbackButton("up", question_id or 0))
    view.add_item(FeedbackButton("down", question_id or 0))
    return view


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(SuggestionButton, FeedbackButton)
