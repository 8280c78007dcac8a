"""/kb export, /kb import and /kb source add: the knowledge files in and out, and new sources.

An export attaches the YAML files byte-identical to disk (a zip when there are several)
with the JSON Schemas editors validate against. An import takes an attachment; its size
is checked before anything is downloaded, and the pipeline checks the rest (UTF-8, safe
YAML, no paths that escape the folder, and the file each part lands in is decided by
the ids inside, never by the attachment's name). Then a preview, then Confirm.
"""

from __future__ import annotations

import asyncio

import discord

from bot.kbedit import KbEditor, Preview
from bot.kbedit.sources import SOURCE_MAX_BYTES, NewSource, source_add_ops
from bot.kbedit.transfer import MAX_UPLOAD_BYTES

from .access import actor, actor_key, bot_of, language
from .components import Refused, editor_of
from .outgoing import Outgoing
from .previews import show_preview

MIB = 1024 * 1024


async def export(interaction: discord.Interaction) -> None:
    bot = bot_of(interaction)
    editor = editor_of(bot)
    await interaction.response.defer(ephemeral=True, thinking=True)
    package = await asyncio.to_thread(editor.export)
    if len(package.data) > interaction.filesize_limit:
        raise Refused("kb_export_too_big", size=f"{len(package.data) / MIB:.1f}")
    text = bot.engine.kb.ui.text("kb_export_done", language(interaction), file=package.filename)
    await Outgoing(text, files=[(package.filename, package.data)]).send(interaction)


async def import_upload(
    interaction: discord.Interaction, upload: discord.Attachment, mode: str, reason: str
) -> None:
    """Preview importing ``upload`` (merge or replace); refused before download when too big."""
    bot = bot_of(interaction)
    editor_of(bot)
    if upload.size > MAX_UPLOAD_BYTES:
        raise Refused(
            "kb_import_too_big",
            size=f"{upload.size / MIB:.1f}",
            limit=MAX_UPLOAD_BYTES // MIB,
        )
    await interaction.response.defer(ephemeral=True, thinking=True)
    data = await upload.read()
    if len(data) > MAX_UPLOAD_BYTES:  # the declared size was wrong
        raise Refused(
            "kb_import_too_big", size=f"{len(data) / MIB:.1f}", limit=MAX_UPLOAD_BYTES // MIB
        )
    name, key = actor(interaction), actor_key(bot, interaction)

    def stage(editor: KbEditor) -> Preview:
        return editor.preview_import(
            data, upload.filename, mode, actor=name, reason=reason, actor_id=key
        )

    await show_preview(interaction, stage)


async def source_upload(
    interaction: discord.Interaction, upload: discord.Attachment, src: NewSource, reason: str
) -> None:
    """Preview adding ``upload`` as a source (stored verbatim); refused before download
    when it is over the source size limit."""
    bot = bot_of(interaction)
    editor_of(bot)
    limit_mib = f"{SOURCE_MAX_BYTES / MIB:.0f}"
    if upload.size > SOURCE_MAX_BYTES:
        raise Refused("kb_import_too_big", size=f"{upload.size / MIB:.1f}", limit=limit_mib)
    await interaction.response.defer(ephemeral=True, thinking=True)
    data = await upload.read()
    if len(data) > SOURCE_MAX_BYTES:  # the declared size was wrong
        raise Refused("kb_import_too_big", size=f"{len(data) / MIB:.1f}", limit=limit_mib)
    name, key = actor(interaction), actor_key(bot, interaction)
    why = reason or f"add source {src.id} ({upload.filename})"

    def stage(editor: KbEditor) -> Preview:
        ops = source_add_ops(editor.directory, data, src)
        return editor.preview(ops, actor=name, reason=why, source="import", actor_id=key)

    await show_preview(interaction, stage)
