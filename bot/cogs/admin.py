"""Admin commands under /kb: status, reload, check, unanswered (private replies).

Every reply is in the admin's language, from the UI catalogue.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.discord_glue.i18n import locale_language
from bot.discord_glue.reports import (
    analytics_summary,
    code_block,
    kb_counts,
    problem_block,
    unanswered_report,
)
from bot.discord_glue.sending import tell
from bot.kb.loader import check_directory
from bot.kb.schema import Ui
from bot.render import CONTENT_MAX, truncate

if TYPE_CHECKING:
    from bot.main import LLMBot

log = logging.getLogger(__name__)


class KnowledgeAdmin(
    commands.GroupCog,
    group_name=_("kb", key="cmd_kb"),
    group_description=_("Knowledge base administration", key="cmd_kb_desc"),
):
    """Admin tools. Discord hides them from non-admins; we check again at run time."""

    def __init__(self, bot: LLMBot) -> None:
        self.bot = bot
        super().__init__()

    @property
    def ui(self) -> Ui:
        return self.bot.engine.kb.ui

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
        lang = locale_language(interaction.locale)
        role_id = self.bot.settings.admin_role_id
        text = (
            self.ui.text("admin_denied_role", lang, role=f"<@&{role_id}>")
            if role_id
            else self.ui.text("admin_denied_permission", lang)
        )
        await tell(interaction, text)
        return False

    @app_commands.command(
        name=_("status", key="cmd_kb_status"),
        description=_("Knowledge version, load time, counts", key="cmd_kb_status_desc"),
    )
    async def status(self, interaction: discord.Interaction) -> None:
        lang = locale_language(interaction.locale)
        ui, store = self.ui, self.bot.store
        kb = store.current
        loaded = dt.datetime.fromtimestamp(store.loaded_at, tz=dt.UTC)
        summary = await asyncio.to_thread(analytics_summary, self.bot.analytics, ui, lang)
        lines = [
            ui.text("admin_status_version", lang, version=kb.version),
            ui.text(
                "admin_status_loaded",
                lang,
                time=f"{loaded:%Y-%m-%d %H:%M:%S}",
                directory=store.directory,
            ),
            ui.text("admin_status_counts", lang, counts=kb_counts(kb, ui, lang)),
            ui.text("admin_status_analytics", lang, summary=summary),
        ]
        if store.last_error:
            lines.append(ui.text("admin_status_error_header", lang))
            lines.extend(f"  {p}" for p in store.last_error[:10])
        else:
            lines.append(ui.text("admin_status_no_error", lang))
        await tell(interaction, code_block("\n".join(lines)))

    @app_commands.command(
        name=_("reload", key="cmd_kb_reload"),
        description=_("Reload the knowledge files now", key="cmd_kb_reload_desc"),
    )
    async def reload(self, interaction: discord.Interaction) -> None:
        lang = locale_language(interaction.locale)
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await asyncio.to_thread(self.bot.store.reload)
        if result.ok:
            text = self.ui.text("admin_reload_ok", lang, version=result.version)
        else:
            heading = self.ui.text("admin_reload_rejected", lang, version=result.version)
            text = problem_block(heading, result.problems)
        await tell(interaction, truncate(text, CONTENT_MAX))

    @app_commands.command(
        name=_("check", key="cmd_kb_check"),
        description=_("Validate the knowledge files", key="cmd_kb_check_desc"),
    )
    async def check(self, interaction: discord.Interaction) -> None:
        lang = locale_language(interaction.locale)
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await asyncio.to_thread(check_directory, self.bot.store.directory)
        ui = self.ui
        if result.ok and result.kb is not None:
            text = ui.text("admin_check_ok", lang, counts=kb_counts(result.kb, ui, lang))
        else:
            lines = [str(p) for p in result.problems]
            before = ui.text("admin_check_problems", lang, count=len(lines)) + "\n"
            text = code_block("\n".join(lines), before=before)
        await tell(interaction, truncate(text, CONTENT_MAX))

    @app_commands.command(
        name=_("unanswered", key="cmd_kb_unanswered"),
        description=_(
            "Most frequent declined or low-confidence questions", key="cmd_kb_unanswered_desc"
        ),
    )
    @app_commands.describe(limit=_("How many groups to show", key="opt_limit_desc"))
    async def unanswered(
        self,
        interaction: discord.Interaction,
        limit: app_commands.Range[int, 1, 25] = 10,
    ) -> None:
        lang = locale_language(interaction.locale)
        clusters = await asyncio.to_thread(
            self.bot.analytics.miss_clusters, interaction.guild_id, limit=limit
        )
        await tell(interaction, code_block(unanswered_report(clusters, self.ui, lang)))


async def setup(bot: LLMBot) -> None:
    cog = KnowledgeAdmin(bot)
    group = cog.app_command
    assert group is not None  # a GroupCog always has its group
    # Hidden from members without Manage Server until a server admin changes it.
    group.default_permissions = discord.Permissions(manage_guild=True)
    group.guild_only = True
    await bot.add_cog(cog)
