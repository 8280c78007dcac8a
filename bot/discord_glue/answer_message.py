"""An answer as a Discord message: its embed and its persistent buttons.

Every answer gets 👍/👎 feedback and "Why this answer?"; an unsure one also gets up
to three "Did you mean" buttons. All are ``DynamicItem``s: what they need lives in
the custom_id (or the button's label), so they keep working after a restart.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.engine.rules import describe_rule
from bot.render import answer_embed_dict, button_label, to_embed, why_embed_dict

from .asking import Asked, Origin, ask
from .cooldown import interaction_allowed
from .explanations import answer_key
from .i18n import locale_language
from .sending import NO_MENTIONS, Reply, apologise, respond, tell

if TYPE_CHECKING:
    from bot.main import LLMBot

log = logging.getLogger(__name__)

MAX_SUGGESTIONS = 3


def answer_reply(bot: LLMBot, asked: Asked, embed: dict[str, Any] | None = None) -> Reply:
    """The message for an answer: its embed (``embed`` if given) and its buttons."""
    ans = asked.answer
    key = answer_key(asked.question_id)
    bot.explanations.remember(key, ans.why)
    data = embed if embed is not None else answer_embed_dict(ans, asked.ui)
    return Reply(to_embed(data), answer_view(asked, key))


def answer_view(asked: Asked, key: str) -> discord.ui.View:
    """Suggestion buttons (when unsure), feedback buttons and "Why this answer?"."""
    ans = asked.answer
    view = discord.ui.View(timeout=None)
    for i, suggestion in enumerate(ans.suggestions[:MAX_SUGGESTIONS]):
        view.add_item(SuggestionButton(i, suggestion, asked.question_id))
    view.add_item(FeedbackButton("up", asked.question_id or 0))
    view.add_item(FeedbackButton("down", asked.question_id or 0))
    view.add_item(WhyButton(key, asked.ui.text("why_button", ans.language)))
    return view


def _bot(interaction: discord.Interaction) -> LLMBot:
    return interaction.client  # type: ignore[return-value]


def _button(
    custom_id: str, row: int, *, label: str | None = None, emoji: str | None = None
) -> discord.ui.Button[Any]:
    return discord.ui.Button(
        label=button_label(label) if label else None,
        emoji=emoji,
        style=discord.ButtonStyle.secondary,
        custom_id=custom_id,
        row=row,
    )


async def _safely(
    interaction: discord.Interaction, what: str, action: Callable[[LLMBot], Awaitable[None]]
) -> None:
    """Run a button's action; on any error log it and apologise to the clicker."""
    bot = _bot(interaction)
    try:
        await action(bot)
    except Exception:
        log.exception("%s failed", what)
        await apologise(interaction, bot.engine.kb.ui)


class SuggestionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"dym:(?P<index>[0-9])(?::(?P<qid>[0-9]+))?",
):
    """Asks the suggested question (the button's label) on the clicker's behalf.

    The custom_id carries the id of the question it was suggested for (buttons from
    before that have none), so the teach loop learns which suggestion people picked.
    """

    def __init__(self, index: int, label: str, question_id: int | None = None) -> None:
        custom_id = f"dym:{index}:{question_id}" if question_id else f"dym:{index}"
        super().__init__(_button(custom_id, 0, label=label))
        self.question_id = question_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> SuggestionButton:
        qid = int(match["qid"]) if match["qid"] else None
        return cls(int(match["index"]), getattr(item, "label", None) or "", qid)

    async def callback(self, interaction: discord.Interaction) -> None:
        question = self.item.label or ""
        origin = Origin.of(interaction)

        async def answer(bot: LLMBot) -> None:
            if await interaction_allowed(bot, interaction):
                if self.question_id:
                    bot.analytics.record_pick(
                        question_id=self.question_id,
                        user_id=interaction.user.id,
                        suggestion=question,
                    )
                await respond(interaction, lambda: answer_reply(bot, ask(bot, question, origin)))

        await _safely(interaction, "suggestion button", answer)


class FeedbackButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"fb:(?P<vote>up|down):(?P<qid>[0-9]+)"
):
    """Records whether an answer helped."""

    def __init__(self, vote: str, question_id: int) -> None:
        emoji = "👍" if vote == "up" else "👎"
        super().__init__(_button(f"fb:{vote}:{question_id}", 1, emoji=emoji))
        self.vote = vote
        self.question_id = question_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> FeedbackButton:
        return cls(match["vote"], int(match["qid"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        async def thank(bot: LLMBot) -> None:
            bot.analytics.record_feedback(
                question_id=self.question_id or None,
                user_id=interaction.user.id,
                helpful=self.vote == "up",
            )
            lang = locale_language(interaction.locale)
            await tell(interaction, bot.engine.kb.ui.text("feedback_thanks", lang))

        await _safely(interaction, "feedback button", thank)


class WhyButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"why:(?P<key>[0-9a-z]{1,40})"
):
    """Shows, privately and in the clicker's language, why the bot answered as it did."""

    def __init__(self, key: str, label: str) -> None:
        super().__init__(_button(f"why:{key}", 1, label=label, emoji="❔"))
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> WhyButton:
        return cls(match["key"], getattr(item, "label", None) or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        async def explain(bot: LLMBot) -> None:
            ui = bot.engine.kb.ui
            lang = locale_language(interaction.locale)
            why = bot.explanations.recall(self.key)
            if why is None:
                await tell(interaction, ui.text("why_expired", lang))
                return
            # The rule is described in the clicker's language, not the asker's.
            why = why.model_copy(update={"summary": describe_rule(why.rule, lang)})
            await interaction.response.send_message(
                embed=to_embed(why_embed_dict(why, ui, lang)),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )

        await _safely(interaction, "why button", explain)


DYNAMIC_ITEMS: Sequence[type[discord.ui.DynamicItem[Any]]] = (
    SuggestionButton,
    FeedbackButton,
    WhyButton,
)
