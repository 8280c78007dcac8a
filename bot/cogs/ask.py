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
from bot.text.normalize import has_cjk

if TYPE_CHECKING:
    from bot.main import LLMBot

log = logging.getLogger(__name__)

EMPTY_MENTION_QUESTION = "help"
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
        notice = cooldown_notice(self.bot, message.author.id, lang)
        if notice == "":
            return
        if notice is not None:
            await self._reply(message, content=notice)
            return
        origin = Origin(
            message.author.id, message.channel.id, message.guild.id if message.guild else None
        )
        try:
            asked = await with_typing(
                message.channel, asyncio.to_thread(ask, self.bot, question, origin)
            )
            reply = answer_reply(self.bot, asked)
        except Exception:
            log.exception("failed to answer message %s", message.id)
            await self._reply(message, content=self.bot.engine.kb.ui.text("apology", lang))
            return
        await self._reply(message, embed=reply.embed, view=reply.view)

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
