"""A private message of the editor: text, embeds, files and components, sent or edited.

Long text never breaks a message: :func:`fit_block` puts a block (a diff, a report)
inline when the whole message stays within Discord's 2,000 characters, and otherwise
attaches it as a file. Files are kept as bytes, so the same message can be sent again.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.discord_glue.sending import DEFER_AFTER_SECONDS, NO_MENTIONS
from bot.kb.schema import Ui
from bot.render import CONTENT_MAX, truncate

FENCE = "```"


def block(text: str, syntax: str = "") -> str:
    """``text`` as a code block whose content can never close it early."""
    return f"{FENCE}{syntax}\n{text.replace(FENCE, 'ʼʼʼ').rstrip()}\n{FENCE}"


def fit_block(
    ui: Ui, lang: str, head: str, body: str, filename: str, syntax: str = "diff"
) -> tuple[str, list[tuple[str, bytes]]]:
    """``head`` and ``body`` in a code block, or ``head`` with ``body`` attached.

    Returns the message text and the files to attach (none when it fits).
    """
    if not body.strip():
        return truncate(head, CONTENT_MAX), []
    inline = f"{head}\n{block(body, syntax)}" if head else block(body, syntax)
    if len(inline) <= CONTENT_MAX:
        return inline, []
    note = ui.text("kb_attached", lang, file=filename)
    text = truncate(head, CONTENT_MAX - len(note) - 1)
    return f"{text}\n{note}", [(filename, body.encode("utf-8"))]


@dataclass
class Outgoing:
    """One ephemeral message of the editor."""

    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    view: discord.ui.View | None = None

    def _files(self) -> list[discord.File]:
        return [discord.File(io.BytesIO(data), filename=name) for name, data in self.files]

    def _parts(self) -> dict[str, Any]:
        parts: dict[str, Any] = {
            "content": truncate(self.content, CONTENT_MAX) or None,
            "embeds": self.embeds,
            "allowed_mentions": NO_MENTIONS,
        }
        if self.view is not None:
            parts["view"] = self.view
        return parts

    async def send(self, interaction: discord.Interaction) -> None:
        """A new private message: the response, or a followup once deferred."""
        parts = {**self._parts(), "files": self._files(), "ephemeral": True}
        if interaction.response.is_done():
            await interaction.followup.send(**parts, wait=True)
        else:
            await interaction.response.send_message(**parts)

    async def post(self, channel: discord.abc.Messageable) -> None:
        """A message in a channel (the admin log): not ephemeral, never pinging."""
        await channel.send(**self._parts(), files=self._files())

    async def replace(self, interaction: discord.Interaction) -> None:
        """Rewrite the message the interaction came from (its buttons go with it)."""
        parts = {**self._parts(), "attachments": self._files()}
        parts["content"] = parts["content"] or ""
        parts.setdefault("view", None)
        if interaction.response.is_done():
            await interaction.edit_original_response(**parts)
        else:
            await interaction.response.edit_message(**parts)


async def answer_soon(interaction: discord.Interaction, build: Callable[[], Outgoing]) -> None:
    """Send ``build()`` (run in a worker thread), deferring first if it is not ready in time."""
    task = asyncio.ensure_future(asyncio.to_thread(build))
    done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER_SECONDS)
    if not done:
        await interaction.response.defer(ephemeral=True, thinking=True)
    await (await task).send(interaction)
