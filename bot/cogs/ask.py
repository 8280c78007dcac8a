"""Answer questions asked in channels: mentions, DMs and the configured ask channels."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.discord_glue.answer_message import answer_reply
from bot.discord_glue.asking import Origin, ask
from bot.discord_glue.cooldown import cooldown_notice
from bot.discord_glue.sending import NO_MENTIONS
from bot.discord_glue.typing_indicator import with_typing
from bot.engine.answer import Answer
from bot.text.normalize import has_cjk

if TYPE_CHECKING:
    from bot.main import LLMBot

log = logging.getLogger(__name__)

EMPTY_MENTION_QUESTION = "help"
THINKING = "🤔"  # the reaction to a question in an ask channel that the bot cannot place
SHORT_REPLY_INTENTS = ("greeting",)  # thanks, hello, bye: one line, no embed, in ask channels
# Discord's own limit for a message (with Nitro); the whole question is read.
MAX_QUESTION_CHARS = 4000


class AskCog(commands.Cog):
    """Replies to questions with an answer embed, politely rate-limited per user."""

    def __init__(self, bot: LLMBot) -> None:
        self.bot = bot

    def _addressed(self, message: discord.Message) -> bool:
        if message.guild is None:
            return True
        if self.bot.user is not None and self.bot.user in message.mentions:
            return True
        return message.channel.id in self.bot.settings.ask_channel_ids

    def _question(self, message: discord.Message) -> str:
        text = message.content
        if self.bot.user is not None:
            text = re.sub(rf"<@!?{self.bot.user.id}>", " ", text)
        text = text.strip()[:MAX_QUESTION_CHARS]
        return text or EMPTY_MENTION_QUESTION

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None:
            return
        if not self._addressed(message):
            return
        # Without the message content intent, guild messages arrive empty; stay quiet.
        mentioned = self.bot.user is not None and self.bot.user in message.mentions
        if not message.content.strip() and message.guild and not mentioned:
            return
        question = self._question(message)
        lang = "zh" if has_cjk(question) else "en"
        # An ask channel: members talk there too, so the message is read first (quietly, no
        # typing indicator); only a question for the bot counts against the cooldown.
        in_ask_channel = not mentioned and message.guild is not None
        if not in_ask_channel and not await self._cooldown_allows(message, lang):
            return
        origin = Origin(
            message.author.id, message.channel.id, message.guild.id if message.guild else None
        )
        try:
            if in_ask_channel:
                asked = await asyncio.to_thread(ask, self.bot, question, origin)
                if await self._chatter(message, asked.answer):
                    return
                if not await self._cooldown_allows(message, lang):
                    return
            else:
                asked = await with_typing(
                    message.channel, asyncio.to_thread(ask, self.bot, question, origin)
                )
            reply = answer_reply(self.bot, asked)
        except Exception:
            log.exception("failed to answer message %s", message.id)
            await self._reply(message, content=self.bot.engine.kb.ui.text("apology", lang))
            return
        await self._reply(message, embed=reply.embed, view=reply.view)

    async def _cooldown_allows(self, message: discord.Message, lang: str) -> bool:
        """Count a question; past the limit, send the one notice (then stay silent)."""
        notice = cooldown_notice(self.bot, message.author.id, lang)
        if notice:
            await self._reply(message, content=notice)
        return notice is None

    async def _chatter(self, message: discord.Message, ans: Answer) -> bool:
        """Handle a message of an ask channel that is not a question for the bot; True when
        handled (thanks get one line; other chatter nothing or a 🤔, per
        ASK_CHANNEL_CHATTER)."""
        if ans.answered and ans.intent in SHORT_REPLY_INTENTS:
            await self._reply(message, content=ans.answer)
            return True
        if not ans.chatter:
            return False
        mode = self.bot.settings.ask_channel_chatter
        if mode == "reply":
            return False
        if mode == "react" and ans.looked_like_question:
            try:
                await message.add_reaction(THINKING)
            except discord.HTTPException:
                log.warning("could not react to message %s", message.id)
        return True

    async def _reply(
        self,
        message: discord.Message,
        *,
        content: str | None = None,
        embed: discord.Embed | None = None,
        view: discord.ui.View | None = None,
    ) -> None:
        try:
            if embed is not None and view is not None:
                await message.reply(
                    embed=embed, view=view, mention_author=False, allowed_mentions=NO_MENTIONS
                )
            else:
                await message.reply(content, mention_author=False, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            log.exception("could not reply to message %s", message.id)


async def setup(bot: LLMBot) -> None:
    await bot.add_cog(AskCog(bot))
