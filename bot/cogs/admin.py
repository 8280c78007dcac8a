"""Admin commands under /kb: status, reload, check, and the knowledge editor.

Discord shows /kb to members with Manage Server by default; every command, button,
select and form checks again at run time (the admin role when ADMIN_ROLE_ID is set).
Replies are private and in the admin's language. The commands are thin: what they
show and do lives in :mod:`bot.discord_glue.kbui`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands, tasks

from bot.discord_glue.kbui import entries, history, logbook, teach, transfer
from bot.discord_glue.kbui.access import admin_only, language
from bot.discord_glue.kbui.components import DYNAMIC_ITEMS, guarded
from bot.discord_glue.kbui.entries import DeletableEntryOption, EntryOption
from bot.discord_glue.reports import analytics_summary, code_block, kb_counts, problem_block
from bot.discord_glue.sending import tell
from bot.kb.loader import check_directory
from bot.kb.schema import Ui
from bot.kbedit import Ref
from bot.kbedit.sources import NewSource
from bot.render import CONTENT_MAX, plain, truncate

if TYPE_CHECKING:
    from bot.main import LLMBot

log = logging.getLogger(__name__)

Entry = app_commands.Transform[Ref, EntryOption]
DeletableEntry = app_commands.Transform[Ref, DeletableEntryOption]
REASON_MAX = 200
QUERY_MAX = 1000

KIND_CHOICES = [
    app_commands.Choice(name=_("use case", key="choice_use_case"), value="use_case"),
    app_commands.Choice(name=_("topic", key="choice_topic"), value="topic"),
]
MODE_CHOICES = [
    app_commands.Choice(name=_("merge", key="choice_merge"), value="merge"),
    app_commands.Choice(name=_("replace", key="choice_replace"), value="replace"),
]
REASON_DESC = _("Why (kept in the history and the admin log)", key="opt_reason_desc")
LANGUAGE_CHOICES = [
    app_commands.Choice(name=_("English", key="choice_english"), value="en"),
    app_commands.Choice(name=_("Chinese", key="choice_chinese"), value="zh"),
]


class KnowledgeAdmin(
    commands.GroupCog,
    group_name=_("kb", key="cmd_kb"),
    group_description=_("Knowledge base administration", key="cmd_kb_desc"),
):
    """Admin tools. Discord hides them from non-admins; we check again at run time."""

    def __init__(self, bot: LLMBot) -> None:
        self.bot = bot
        # Groups of missed questions already counted in a digest.
        self.digest_reported: set[str] = set()
        self.digest_loop: tasks.Loop[Any] | None = None
        hour = bot.settings.admin_digest_hour
        if hour is not None:
            at = dt.time(hour=hour, tzinfo=dt.UTC)
            self.digest_loop = tasks.loop(time=at)(self.post_digest)
        super().__init__()

    async def cog_load(self) -> None:
        if self.digest_loop is not None:
            self.digest_loop.start()

    async def cog_unload(self) -> None:
        if self.digest_loop is not None:
            self.digest_loop.cancel()

    async def post_digest(self) -> None:
        try:
            await logbook.post_digest(self.bot, self.digest_reported)
        except Exception:  # the loop must survive a bad day
            log.exception("could not post the daily digest of unanswered questions")

    @property
    def ui(self) -> Ui:
        return self.bot.engine.kb.ui

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await admin_only(interaction)

    # -- the knowledge base as served ----------------------------------------------------
    @app_commands.command(
        name=_("status", key="cmd_kb_status"),
        description=_("Knowledge version, load time, counts", key="cmd_kb_status_desc"),
    )
    async def status(self, interaction: discord.Interaction) -> None:
        lang = language(interaction)
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
        last = self.bot.last_reload
        if last is not None and last.held:
            lines.append(ui.text("kb_status_held", lang, reason=last.reason))
        if last is not None and last.removed:
            removed = logbook.removed_text(last.removed)
            lines.append(ui.text("kb_status_removed", lang, entries=removed))
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
    @app_commands.describe(
        force=_("Apply a held reload that removes many entries", key="opt_force_desc")
    )
    async def reload(self, interaction: discord.Interaction, force: bool = False) -> None:
        lang = language(interaction)
        ui = self.ui
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await asyncio.to_thread(self.bot.store.reload, force)
        logbook.note_reload(self.bot, result)
        if result.ok:
            text = ui.text("admin_reload_ok", lang, version=result.version)
            if result.removed:
                removed = logbook.removed_text(result.removed)
                text += "\n" + ui.text("kb_reload_removed", lang, entries=removed)
        elif result.held:
            text = ui.text("kb_reload_held", lang, reason=plain(result.reason))
        else:
            heading = ui.text("admin_reload_rejected", lang, version=result.version)
            text = problem_block(heading, result.problems)
        await tell(interaction, truncate(text, CONTENT_MAX))

    @app_commands.command(
        name=_("check", key="cmd_kb_check"),
        description=_("Validate the knowledge files", key="cmd_kb_check_desc"),
    )
    async def check(self, interaction: discord.Interaction) -> None:
        lang = language(interaction)
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

    # -- the teach loop and the matcher ------------------------------------------------------
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
        await guarded(interaction, "unanswered", teach.show_unanswered(interaction, limit))

    @app_commands.command(
        name=_("find", key="cmd_kb_find"),
        description=_("What the matcher does with a question", key="cmd_kb_find_desc"),
    )
    @app_commands.describe(query=_("A question, as people ask it", key="opt_query_desc"))
    async def find(
        self, interaction: discord.Interaction, query: app_commands.Range[str, 1, QUERY_MAX]
    ) -> None:
        await guarded(interaction, "find", entries.show_find(interaction, query))

    # -- entries -----------------------------------------------------------------------------
    @app_commands.command(
        name=_("open", key="cmd_kb_open"),
        description=_("Show and edit a use case, topic or fact", key="cmd_kb_open_desc"),
    )
    @app_commands.describe(entry=_("The entry", key="opt_entry_desc"))
    async def open(self, interaction: discord.Interaction, entry: Entry) -> None:
        await guarded(interaction, "open", entries.show_card(interaction, entry))

    @app_commands.command(
        name=_("new", key="cmd_kb_new"),
        description=_("Add a use case or topic", key="cmd_kb_new_desc"),
    )
    @app_commands.describe(kind=_("What to add", key="opt_kind_desc"))
    @app_commands.choices(kind=KIND_CHOICES)
    async def new(self, interaction: discord.Interaction, kind: str) -> None:
        chosen: Literal["use_case", "topic"] = "topic" if kind == "topic" else "use_case"
        await guarded(interaction, "new", entries.open_new_form(interaction, chosen))

    @app_commands.command(
        name=_("delete", key="cmd_kb_delete"),
        description=_("Delete a use case or topic (preview first)", key="cmd_kb_delete_desc"),
    )
    @app_commands.describe(entry=_("The entry", key="opt_entry_desc"), reason=REASON_DESC)
    async def delete(
        self,
        interaction: discord.Interaction,
        entry: DeletableEntry,
        reason: app_commands.Range[str, 1, REASON_MAX] = "",
    ) -> None:
        await guarded(interaction, "delete", entries.preview_delete(interaction, entry, reason))

    # -- history -----------------------------------------------------------------------------
    @app_commands.command(
        name=_("history", key="cmd_kb_history"),
        description=_("Recent changes, with diffs and restore", key="cmd_kb_history_desc"),
    )
    @app_commands.describe(entry=_("Only changes of this entry", key="opt_history_entry_desc"))
    async def history(self, interaction: discord.Interaction, entry: Entry | None = None) -> None:
        wanted = str(entry) if entry is not None else None
        await guarded(interaction, "history", history.show_history(interaction, wanted))

    @app_commands.command(
        name=_("undo", key="cmd_kb_undo"),
        description=_("Undo your last change (preview first)", key="cmd_kb_undo_desc"),
    )
    @app_commands.describe(reason=REASON_DESC)
    async def undo(
        self, interaction: discord.Interaction, reason: app_commands.Range[str, 1, REASON_MAX] = ""
    ) -> None:
        await guarded(interaction, "undo", history.undo_own(interaction, reason))

    # -- files -------------------------------------------------------------------------------
    @app_commands.command(
        name=_("export", key="cmd_kb_export"),
        description=_("Download the knowledge files", key="cmd_kb_export_desc"),
    )
    async def export(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, "export", transfer.export(interaction))

    @app_commands.command(
        name=_("import", key="cmd_kb_import"),
        description=_("Import a YAML file or zip (preview first)", key="cmd_kb_import_desc"),
    )
    @app_commands.describe(
        file=_("A .yaml file or a .zip from /kb export", key="opt_file_desc"),
        mode=_("merge: add and update entries; replace: whole files", key="opt_mode_desc"),
        reason=REASON_DESC,
    )
    @app_commands.choices(mode=MODE_CHOICES)
    async def import_(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment,
        mode: str,
        reason: app_commands.Range[str, 1, REASON_MAX] = "",
    ) -> None:
        work = transfer.import_upload(interaction, file, mode, reason)
        await guarded(interaction, "import", work)

    # -- sources ---------------------------------------------------------------------------
    source = app_commands.Group(
        name=_("source", key="cmd_kb_source"),
        description=_("Source documents the bot quotes", key="cmd_kb_source_desc"),
    )

    @source.command(
        name=_("add", key="cmd_kb_source_add"),
        description=_(
            "Add a source document, stored verbatim (preview first)", key="cmd_kb_source_add_desc"
        ),
    )
    @app_commands.describe(
        file=_("The document as UTF-8 text or Markdown", key="opt_source_file_desc"),
        id=_("Lowercase id, e.g. qwen2.5-readme", key="opt_source_id_desc"),
        title=_("The title as published", key="opt_source_title_desc"),
        publisher=_("Who published it", key="opt_source_publisher_desc"),
        date=_("Publication date, YYYY-MM-DD", key="opt_source_date_desc"),
        language=_("The document's language", key="opt_source_language_desc"),
        title_gloss=_("The title in the other language", key="opt_source_title_gloss_desc"),
        cited_as_en=_("How English answers name it", key="opt_source_cited_en_desc"),
        cited_as_zh=_("How Chinese answers name it", key="opt_source_cited_zh_desc"),
        reason=REASON_DESC,
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def source_add(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment,
        id: app_commands.Range[str, 1, 64],
        title: app_commands.Range[str, 1, 200],
        publisher: app_commands.Range[str, 1, 100],
        date: app_commands.Range[str, 10, 10],
        language: str,
        title_gloss: app_commands.Range[str, 1, 200] | None = None,
        cited_as_en: app_commands.Range[str, 1, 100] | None = None,
        cited_as_zh: app_commands.Range[str, 1, 100] | None = None,
        reason: app_commands.Range[str, 1, REASON_MAX] = "",
    ) -> None:
        src = NewSource(
            id=id,
            title=title,
            publisher=publisher,
            date=date,
            language=language,
            cited_as_en=cited_as_en,
            cited_as_zh=cited_as_zh,
            title_gloss=title_gloss,
        )
        await guarded(
            interaction, "source add", transfer.source_upload(interaction, file, src, reason)
        )


async def setup(bot: LLMBot) -> None:
    cog = KnowledgeAdmin(bot)
    group = cog.app_command
    assert group is not None  # a GroupCog always has its group
    # Hidden from members without Manage Server until a server admin changes it.
    group.default_permissions = discord.Permissions(manage_guild=True)
    group.guild_only = True
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(cog)


async def teardown(bot: LLMBot) -> None:
    bot.remove_dynamic_items(*DYNAMIC_ITEMS)
