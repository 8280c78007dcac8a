"""Every edit is shown before it is saved: diff, problems, warnings, routing changes.

:func:`show_preview` stages an edit in a worker thread (deferring first, as a preview
may take a moment) and shows it privately with Confirm and Cancel. Confirm is disabled
when the preview has problems, and refused again if pressed anyway. When the file
changed meanwhile (another admin, or an edit on the host), nothing is overwritten:
the admin is offered "Re-apply on the new version". After a teach-loop edit the
questions it was made for are asked again, to show they are answered now.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.kbedit import ApplyResult, KbEditor, Operation, Preview, Ref, SetQuote
from bot.render import plain, truncate
from bot.routing import route

from .access import actor, actor_key, bot_of, language
from .components import Click, Refused, button, editor_of, kept, on, sessions_of, view
from .outgoing import Outgoing, fit_block
from .state import PREVIEW_GUILD

if TYPE_CHECKING:
    from bot.kb.schema import Ui
    from bot.main import LLMBot

MAX_LINES = 8  # problems, warnings or routing changes listed before "+N more"
LINE_MAX = 300


@dataclass
class PendingEdit:
    """A preview waiting for Confirm, and what its buttons need."""

    preview: Preview
    # Teach loop: the questions to ask again once the edit is saved.
    examples: tuple[str, ...] = ()
    # Opens the form that made this edit again, prefilled ("Edit again").
    again: Callable[[], discord.ui.Modal] | None = None
    # A misquote: (citation, index, the article's closest passage) for "Use this passage".
    closest: tuple[Ref, int, str] | None = None
    revision: int | None = None  # set once saved


def describe(preview: Preview) -> str:
    """What the edit does, in the pipeline's words ("add en phrasing 'x' to use_case:y")."""
    return "; ".join(op.describe() if hasattr(op, "describe") else str(op) for op in preview.ops)


class _Report:
    """The preview's text lines; ``cut`` when a list was too long to show whole."""

    def __init__(self, ui: Ui, lang: str) -> None:
        self.ui, self.lang = ui, lang
        self.lines: list[str] = []
        self.cut = False

    def say(self, key: str, **values: object) -> None:
        self.lines.append(self.ui.text(key, self.lang, **values))

    def items(self, lines: Sequence[str]) -> None:
        self.lines += [f"• {truncate(line, LINE_MAX)}" for line in lines[:MAX_LINES]]
        if len(lines) > MAX_LINES:
            self.cut = True
            self.say("kb_more", count=len(lines) - MAX_LINES)


def _report(ui: Ui, lang: str, preview: Preview, pending: PendingEdit) -> _Report:
    out = _Report(ui, lang)
    out.say("kb_preview_title", what=plain(truncate(describe(preview), 600)))
    if preview.reason:
        out.say("kb_preview_reason", reason=plain(truncate(preview.reason, 300)))
    if preview.files:
        out.say("kb_preview_files", files=", ".join(preview.files))
    if preview.noop and not preview.problems:
        out.say("kb_preview_noop")
    if preview.problems:
        out.say("kb_preview_problems", count=len(preview.problems))
        out.items([str(p) for p in preview.problems])
    if pending.closest is not None:
        out.say("kb_closest_passage", passage=plain(truncate(pending.closest[2], 600)))
    if preview.references:
        out.say("kb_preview_references")
        out.items(list(preview.references))
    if preview.warnings:
        out.say("kb_preview_warnings")
        out.items(list(preview.warnings))
    if preview.routing:
        out.say("kb_preview_routing", count=len(preview.routing))
        regression = ui.text("kb_preview_regression", lang)
        out.items(
            [
                f"“{plain(c.question)}”: {c.before} → {c.after}"
                + (f" ({regression})" if c.regression else "")
                for c in preview.routing
            ]
        )
    if preview.ok:
        out.say("kb_preview_confirm_hint")
    return out


def render(ui: Ui, lang: str, token: str, pending: PendingEdit) -> Outgoing:
    """The preview message: the report, the diff (inline or ``edit.diff``) and its buttons."""
    preview = pending.preview
    report = _report(ui, lang, preview, pending)
    diff = preview.diff
    if preview.conflict_diff:
        diff += f"# {ui.text('kb_preview_conflict', lang)}\n{preview.conflict_diff}"
    content, files = fit_block(ui, lang, "\n".join(report.lines), diff, "edit.diff")
    if report.cut:
        files.append(("preview.txt", preview.as_text().encode("utf-8")))
    items = [
        button(
            "ok",
            token,
            ui.text("kb_confirm", lang),
            style=discord.ButtonStyle.success,
            disabled=not preview.ok,
        ),
        button("no", token, ui.text("kb_cancel", lang)),
    ]
    if pending.again is not None:
        items.append(button("again", token, ui.text("kb_edit_again", lang)))
    if pending.closest is not None:
        items.append(button("passage", token, ui.text("kb_use_passage", lang)))
    return Outgoing(content, files=files, view=view(*items))


async def show_preview(
    interaction: discord.Interaction,
    stage: Callable[[KbEditor], Preview],
    *,
    replace: bool = False,
    examples: Sequence[str] = (),
    again: Callable[[], discord.ui.Modal] | None = None,
    closest: Callable[[Preview], tuple[Ref, int, str] | None] | None = None,
) -> None:
    """Stage an edit off the event loop and show its preview privately.

    ``replace``: rewrite the message the interaction came from (a button on a preview)
    instead of sending a new one. ``closest`` finds the article passage to offer when
    the preview shows a misquote.
    """
    bot = bot_of(interaction)
    editor = editor_of(bot)
    if not interaction.response.is_done():
        if replace:
            await interaction.response.defer()
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
    PREVIEW_GUILD.set(interaction.guild_id)
    preview = await asyncio.to_thread(stage, editor)
    pending = PendingEdit(preview, tuple(examples), again)
    if closest is not None and preview.problems:
        pending.closest = await asyncio.to_thread(closest, preview)
    token = sessions_of(bot).put(pending)
    out = render(bot.engine.kb.ui, language(interaction), token, pending)
    await (out.replace(interaction) if replace else out.send(interaction))


def staged_by(
    interaction: discord.Interaction,
    ops: Sequence[Operation],
    reason: str,
    source: str = "discord",
) -> Callable[[KbEditor], Preview]:
    """A stage function for :func:`show_preview`: ``ops`` by this admin, for ``reason``."""
    bot = bot_of(interaction)
    name, key = actor(interaction), actor_key(bot, interaction)

    def stage(editor: KbEditor) -> Preview:
        return editor.preview(
            ops,
            actor=name,
            reason=reason,
            source=source,
            actor_id=key,
        )

    return stage


# -- after Confirm -------------------------------------------------------------------------
def rescore(bot: LLMBot, questions: Sequence[str]) -> list[tuple[str, str]]:
    """Each question asked again of the engine now serving: (question, where it goes)."""
    targets = route(bot.engine, questions)
    return [(q, targets[q]) for q in questions]


def _outcome(click: Click, token: str, pending: PendingEdit, result: ApplyResult) -> Outgoing:
    ui, lang = click.ui, click.lang
    status = result.status
    if status == "applied" and result.revision is not None:
        pending.revision = result.revision.id
        lines = [ui.text("kb_result_applied", lang, revision=result.revision.id)]
        reload = click.bot.last_reload
        if reload is not None and not reload.ok:
            why = reload.reason or "; ".join(str(p) for p in reload.problems[:3])
            lines.append(ui.text("kb_result_not_live", lang, reason=truncate(why, 800)))
        if pending.examples:
            lines.append(ui.text("kb_rescored", lang))
            for question, target in rescore(click.bot, pending.examples):
                key = "kb_rescored_miss" if target.startswith("declined") else "kb_rescored_hit"
                lines.append(
                    ui.text(key, lang, question=plain(truncate(question, 200)), target=target)
                )
        undo = button("undo", result.revision.id, ui.text("kb_undo_button", lang))
        return Outgoing("\n".join(lines), view=view(undo))
    if status == "noop":
        sessions_of(click.bot).pop(token)
        return Outgoing(ui.text("kb_result_noop", lang))
    again = button("re", token, ui.text("kb_reapply", lang), style=discord.ButtonStyle.primary)
    cancel = button("no", token, ui.text("kb_cancel", lang))
    if status == "changed_since":
        names = ", ".join(result.files) or ", ".join(pending.preview.files)
        return Outgoing(ui.text("kb_result_changed", lang, files=names), view=view(again, cancel))
    if status == "invalid":
        head = ui.text("kb_result_invalid", lang, message=result.message)
        body = "\n".join(str(p) for p in result.problems)
        content, files = fit_block(ui, lang, head, body, "problems.txt", syntax="")
        return Outgoing(content, files=files, view=view(again, cancel))
    key = "kb_result_busy" if status == "busy" else "kb_result_failed"
    retry = render(ui, lang, token, pending)
    retry.content = f"{ui.text(key, lang, message=result.message)}\n{retry.content}"
    return retry


@on("ok")
async def confirm(click: Click) -> None:
    pending = click.kept(PendingEdit)
    if pending.revision is not None:
        raise Refused("kb_already_saved", revision=pending.revision)
    if not pending.preview.ok:
        raise Refused("kb_cannot_confirm")
    editor = editor_of(click.bot)
    await click.interaction.response.defer()
    result = await asyncio.to_thread(editor.confirm, pending.preview)
    out = await asyncio.to_thread(_outcome, click, click.arg, pending, result)
    await out.replace(click.interaction)


@on("no")
async def cancel(click: Click) -> None:
    sessions_of(click.bot).pop(click.arg)
    await Outgoing(click.text("kb_cancelled")).replace(click.interaction)


@on("re")
async def reapply(click: Click) -> None:
    pending = click.kept(PendingEdit)
    editor = editor_of(click.bot)
    await click.interaction.response.defer()
    PREVIEW_GUILD.set(click.interaction.guild_id)
    pending.preview = await asyncio.to_thread(editor.reapply, pending.preview)
    sessions_of(click.bot).replace(click.arg, pending)
    await render(click.ui, click.lang, click.arg, pending).replace(click.interaction)


@on("again")
async def edit_again(click: Click) -> None:
    pending = click.kept(PendingEdit)
    if pending.again is None:
        raise Refused("kb_expired")
    await click.interaction.response.send_modal(pending.again())


@on("passage")
async def use_passage(click: Click) -> None:
    pending = click.kept(PendingEdit)
    if pending.closest is None:
        raise Refused("kb_expired")
    ref, index, passage = pending.closest
    stage = staged_by(click.interaction, [SetQuote(ref, index, passage)], pending.preview.reason)
    await show_preview(click.interaction, stage, replace=True)


@dataclass
class PendingAgain:
    form: Callable[[], discord.ui.Modal]


async def tell_with_again(
    interaction: discord.Interaction, text: str, form: Callable[[], discord.ui.Modal]
) -> None:
    """A refusal after a form was submitted, with "Edit again" (a modal cannot open a modal)."""
    bot = bot_of(interaction)
    token = sessions_of(bot).put(PendingAgain(form))
    ui, lang = bot.engine.kb.ui, language(interaction)
    out = Outgoing(text, view=view(button("form", token, ui.text("kb_edit_again", lang))))
    await out.send(interaction)


@on("form")
async def reopen_form(click: Click) -> None:
    pending = kept(click.bot, click.arg, PendingAgain)
    await click.interaction.response.send_modal(pending.form())
