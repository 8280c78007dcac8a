"""Revisions: /kb history, /kb undo, "Restore this version", "Undo", and "Revert" in the log.

Every change (from Discord, the console, an import, or an edit on the host) is a
revision holding the files' full bytes before and after, so any of them can be shown as
a diff, restored, or undone. Undo and restore are edits like any other: a preview
first, then Confirm; an undo that would discard later changes shows them and cannot be
confirmed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import discord

from bot.kbedit import KbEditor, Preview, Revision
from bot.render import plain, truncate

from .access import actor, actor_key, bot_of, language
from .components import Click, Refused, button, editor_of, on, select, view
from .entries import ref_of
from .outgoing import Outgoing, fit_block
from .previews import show_preview

if TYPE_CHECKING:
    from bot.kb.schema import Ui

HISTORY_LIMIT = 10
OWN_REVISIONS_SCANNED = 500  # /kb undo looks this far back for the caller's last edit
REASON_SHOWN = 120


def when(revision: Revision) -> str:
    """The revision's time as a Discord timestamp (shown in each reader's time zone)."""
    return f"<t:{int(revision.time)}:f>"


def summary(ui: Ui, lang: str, revision: Revision) -> str:
    """One line: number, time, who, from where, why, which entries."""
    entries = ", ".join(revision.entries[:5]) or ", ".join(f.name for f in revision.files)
    if len(revision.entries) > 5:
        entries += " …"
    reason = plain(truncate(revision.reason, REASON_SHOWN)) or ui.text("kb_no_reason", lang)
    return ui.text(
        "kb_revision_line",
        lang,
        revision=revision.id,
        time=when(revision),
        actor=plain(revision.actor),
        source=revision.source,
        reason=reason,
        entries=entries,
    )


def _utc(revision: Revision) -> str:
    return dt.datetime.fromtimestamp(revision.time, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def history_message(
    ui: Ui, lang: str, revisions: Sequence[Revision], entry: str | None
) -> Outgoing:
    """The revisions, newest first, their diffs (inline or ``history.diff``) and a select."""
    if not revisions:
        key = "kb_history_none_entry" if entry else "kb_history_none"
        return Outgoing(ui.text(key, lang, entry=entry or ""))
    head = [ui.text("kb_history_header", lang, count=len(revisions), entry=entry or "*")]
    head += [summary(ui, lang, r) for r in revisions]
    diffs = "".join(
        f"# #{r.id} {_utc(r)} {r.actor}: {r.reason}\n{r.diff() or '(no change)'}\n"
        for r in revisions
    )
    content, files = fit_block(ui, lang, "\n".join(head), diffs, "history.diff")
    options = [
        (f"#{r.id} · {_utc(r)} · {r.actor} · {r.reason or r.source}", str(r.id)) for r in revisions
    ]
    chooser = select("rev", "", ui.text("kb_pick_revision", lang), options)
    return Outgoing(content, files=files, view=view(chooser))


def revision_message(ui: Ui, lang: str, revision: Revision) -> Outgoing:
    """One revision, its diff, and "Restore this version" / "Undo this change"."""
    head = summary(ui, lang, revision)
    content, files = fit_block(ui, lang, head, revision.diff(), f"revision-{revision.id}.diff")
    items = [
        button("restore", revision.id, ui.text("kb_restore_button", lang)),
        button("undo", revision.id, ui.text("kb_undo_change_button", lang)),
    ]
    return Outgoing(content, files=files, view=view(*items))


async def show_history(interaction: discord.Interaction, entry: str | None) -> None:
    bot = bot_of(interaction)
    editor = editor_of(bot)
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True, thinking=True)
    revisions = await asyncio.to_thread(editor.history, entry, HISTORY_LIMIT)
    await history_message(bot.engine.kb.ui, language(interaction), revisions, entry).send(
        interaction
    )


@on("hist")
async def entry_history(click: Click) -> None:
    await show_history(click.interaction, str(ref_of(click)))


@on("rev")
async def revision_chosen(click: Click) -> None:
    editor = editor_of(click.bot)
    chosen = click.values[0] if click.values else ""
    if not chosen.isdigit():
        raise Refused("kb_expired")
    await click.interaction.response.defer(ephemeral=True, thinking=True)
    revision = await asyncio.to_thread(editor.revision, int(chosen))
    if revision is None:
        raise Refused("kb_revision_gone", revision=chosen)
    await revision_message(click.ui, click.lang, revision).send(click.interaction)


def _restoring(
    interaction: discord.Interaction, revision_id: int, undo: bool, reason: str
) -> Callable[[KbEditor], Preview]:
    """Stage putting back the files from before (undo) or after (restore) a revision."""
    bot = bot_of(interaction)
    name, key = actor(interaction), actor_key(bot, interaction)

    def stage(editor: KbEditor) -> Preview:
        if undo:
            return editor.preview_undo(revision_id, actor=name, reason=reason, actor_id=key)
        return editor.preview_restore(revision_id, actor=name, reason=reason, actor_id=key)

    return stage


@on("restore")
async def restore(click: Click) -> None:
    await show_preview(click.interaction, _restoring(click.interaction, _number(click), False, ""))


@on("undo")
async def undo(click: Click) -> None:
    """Undo a revision ("Undo" after saving, "Revert" in the admin log): a preview first."""
    await show_preview(click.interaction, _restoring(click.interaction, _number(click), True, ""))


def _number(click: Click) -> int:
    if not click.arg.isdigit():
        raise Refused("kb_expired")
    return int(click.arg)


async def undo_own(interaction: discord.Interaction, reason: str) -> None:
    """/kb undo: the caller's own last revision, previewed."""
    bot = bot_of(interaction)
    editor = editor_of(bot)
    key = actor_key(bot, interaction)
    await interaction.response.defer(ephemeral=True, thinking=True)
    revisions = await asyncio.to_thread(editor.history, None, OWN_REVISIONS_SCANNED)
    own = next((r for r in revisions if r.actor_id == key), None)
    if own is None:
        raise Refused("kb_undo_nothing")
    await show_preview(interaction, _restoring(interaction, own.id, True, reason))
