"""Sending replies: never pinging anyone, deferring slow answers, apologising on errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

import discord

from bot.kb.schema import Ui

from .i18n import locale_language

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
# Defer an interaction if the answer is not ready by then (Discord allows 3 s).
DEFER_AFTER_SECONDS = 2.0


@dataclass
class Reply:
    """An answer ready to send: the embed and its buttons."""

    embed: discord.Embed
    view: discord.ui.View

    async def send_to(self, interaction: discord.Interaction, *, ephemeral: bool = False) -> None:
        """Respond to ``interaction``, or follow up if it was already deferred."""
        if interaction.response.is_done():
            await interaction.followup.send(
                embed=self.embed, view=self.view, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
            )
        else:
            await interaction.response.send_message(
                embed=self.embed, view=self.view, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
            )


async def tell(interaction: discord.Interaction, text: str) -> None:
    """A short private (ephemeral) text reply, as a response or a followup."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def respond(
    interaction: discord.Interaction, build: Callable[[], Reply], *, ephemeral: bool = False
) -> None:
    """Send ``build()``'s reply; defer first if it is not ready in time (Discord allows 3 s).

    ``build`` runs in a worker thread, so the event loop keeps serving everyone else.
    """
    task = asyncio.ensure_future(asyncio.to_thread(build))
    done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER_SECONDS)
    if not done:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    reply = await task
    await reply.send_to(interaction, ephemeral=ephemeral)


async def apologise(interaction: discord.Interaction, ui: Ui) -> None:
    """Tell the user (privately, in their language) that their request failed; never raise."""
    try:
        await tell(interaction, ui.text("apology", locale_language(interaction.locale)))
    except discord.HTTPException:
        log.exception("could not send the apology for interaction %s", interaction.id)
