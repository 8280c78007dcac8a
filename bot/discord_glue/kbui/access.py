"""Who may use the knowledge editor, checked again in every interaction.

Discord hides ``/kb`` from members without Manage Server, but server admins can widen
that, and every button, select and modal submit is its own interaction: each one is
checked here at run time, and refused in the clicker's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.discord_glue.i18n import locale_language
from bot.discord_glue.sending import tell

if TYPE_CHECKING:
    from bot.main import LLMBot


def bot_of(interaction: discord.Interaction) -> LLMBot:
    return interaction.client  # type: ignore[return-value]


def language(interaction: discord.Interaction) -> str:
    return locale_language(interaction.locale)


def is_admin(bot: LLMBot, interaction: discord.Interaction) -> bool:
    """The admin role when ADMIN_ROLE_ID is set, else the Manage Server permission."""
    member = interaction.user
    if not isinstance(member, discord.Member):
        return False
    role_id = bot.settings.admin_role_id
    if role_id is not None:
        return any(role.id == role_id for role in member.roles)
    return member.guild_permissions.manage_guild


def refusal(bot: LLMBot, lang: str) -> str:
    role_id = bot.settings.admin_role_id
    ui = bot.engine.kb.ui
    if role_id:
        return ui.text("admin_denied_role", lang, role=f"<@&{role_id}>")
    return ui.text("admin_denied_permission", lang)


async def admin_only(interaction: discord.Interaction) -> bool:
    """True for an admin; otherwise tell the user privately and return False."""
    bot = bot_of(interaction)
    if is_admin(bot, interaction):
        return True
    await tell(interaction, refusal(bot, language(interaction)))
    return False


def actor(interaction: discord.Interaction) -> str:
    """The name the audit shows: the admin's display name at the time of the edit."""
    return interaction.user.display_name


def actor_key(bot: LLMBot, interaction: discord.Interaction) -> str:
    """Who made a revision, for ``/kb undo``: a salted hash, like analytics keeps people."""
    return bot.analytics.hash_user(interaction.user.id)
