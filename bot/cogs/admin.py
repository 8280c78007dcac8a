"""Admin commands under /kb: status, reload, check, unanswered (ephemeral replies)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.analytics import format_clusters
from bot.cogs._common import NO_MENTIONS
from bot.kb.loader import check_directory
from bot.render import CONTENT_MAX, truncate

if TYPE_CHECKING:
    from bot.main import LLMBot

log = logging.getLogger(__name__)

DENIED_ROLE = "Only members with the bot admin role <@&{role}> can use /kb commands."
DENIED_PERMISSION = "Only members with the Manage Server permission can use /kb commands."


def code_block(text: str, before: str = "") -> str:
    """``before`` then ``text`` in a code block, all within one Discord message."""
    budget = CONTENT_MAX - len(before) - 8  # the fences and their newlines
    body = truncate(text.replace("```", "ʼʼʼ"), max(budget, 1))
    return f"{before}```\n{body}\n```"


class KnowledgeAdmin(
    commands.GroupCog, group_name=_("kb"), group_description=_("Knowledge base administration")
):
    """Admin tools. Discord hides them from non-admins; we check again at run time."""

    def __init__(self, bot: LLMBot) -> None:
        self.bot = bot
        super().__init__()

    def is_admin(self, interaction: discord.Interaction) -> bool:
        member = interaction.user
        if not isinstance(member, discord.Member):
            return False
        role_id = self.bot.settings.admin_role_id
        if role_id is not None:
            return any(role.id == role_id for role in member.roles)
        return member.guild_permissions.manage_guild

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if self.is_admin(interaction):
            return True
        role_id = self.bot.settings.admin_role_id
        text = DENIED_ROLE.format(role=role_id) if role_id else DENIED_PERMISSION
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return False

    @app_commands.command(name=_("status"), description=_("Knowledge version, load time, counts"))
    async def status(self, interaction: discord.Interaction) -> None:
        store = self.bot.store
        kb = store.current
        loaded = dt.datetime.fromtimestamp(store.loaded_at, tz=dt.UTC)
        counts = ", ".join(f"{n} {k}" for k, n in kb.counts().items())
        analytics = await asyncio.to_thread(self.bot.analytics.summary_line)
        lines = [
            f"version: {kb.version}",
            f"loaded: {loaded:%Y-%m-%d %H:%M:%S} UTC from {store.directory}",
            f"counts: {counts}",
            f"analytics: {analytics}",
        ]
        if store.last_error:
            lines.append("last reload error (still serving the version above):")
            lines.extend(f"  {p}" for p in store.last_error[:10])
        else:
            lines.append("last reload error: none")
        await interaction.response.send_message(code_block("\n".join(lines)), ephemeral=True)

    @app_commands.command(name=_("reload"), description=_("Reload the knowledge files now"))
    async def reload(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await asyncio.to_thread(self.bot.store.reload)
        if result.ok:
            text = f"Reloaded. Serving knowledge version {result.version}."
        else:
            problems = "\n".join(str(p) for p in result.problems[:15])
            text = code_block(
                problems, before=f"Reload rejected; still serving version {result.version}.\n"
            )
        await interaction.followup.send(truncate(text, CONTENT_MAX), ephemeral=True)

    @app_commands.command(name=_("check"), description=_("Validate the knowledge files"))
    async def check(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await asyncio.to_thread(check_directory, self.bot.store.directory)
        if result.ok and result.kb is not None:
            counts = ", ".join(f"{n} {k}" for k, n in result.kb.counts().items())
            text = f"OK: {counts}"
        else:
            lines = [str(p) for p in result.problems]
            text = code_block("\n".join(lines), before=f"{len(lines)} problem(s):\n")
        await interaction.followup.send(truncate(text, CONTENT_MAX), ephemeral=True)

    @app_commands.command(
        name=_("unanswered"), description=_("Most frequent declined or low-confidence questions")
    )
    @app_commands.describe(limit=_("How many groups to show"))
    async def unanswered(
        self,
        interaction: discord.Interaction,
        limit: app_commands.Range[int, 1, 25] = 10,
    ) -> None:
        clusters = await asyncio.to_thread(
            self.bot.analytics.miss_clusters, interaction.guild_id, limit=limit
        )
        await interaction.response.send_message(
            code_block(format_clusters(clusters)), ephemeral=True
        )


async def setup(bot: LLMBot) -> None:
    cog = KnowledgeAdmin(bot)
    group = cog.app_command
    assert group is not None  # a GroupCog always has its group
    # Hidden from members without Manage Server until a server admin changes it.
    group.default_permissions = discord.Permissions(manage_guild=True)
    group.guild_only = True
    await bot.add_cog(cog)
