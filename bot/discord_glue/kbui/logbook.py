"""The admin log channel (ADMIN_LOG_CHANNEL_ID): audits, reload reports, the daily digest.

Every saved revision is posted with who made it (their display name at the time), why,
which entries and from where, its diff, and a Revert button. A reload that removes
entries names them; a held reload says why and how to apply it; a broken one lists
the problems. Discord's own audit log sees none of this, and keeps 45 days only; the
revisions are kept by the editor.

The editor and the store call in from worker threads; :func:`post_soon` hands the
message to the event loop and returns at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import discord

from bot.discord_glue.i18n import locale_language
from bot.discord_glue.reports import problem_block
from bot.kb.store import ReloadResult
from bot.kbedit import Revision
from bot.render import plain, truncate

from .components import button, view
from .history import summary
from .outgoing import Outgoing, fit_block

if TYPE_CHECKING:
    from bot.analytics import MissCluster
    from bot.kb.schema import Ui
    from bot.main import LLMBot

log = logging.getLogger(__name__)

DIGEST_WINDOW_SECONDS = 24 * 3600
DIGEST_SHOWN = 3
DIGEST_SCAN = 100


async def log_channel(
    bot: LLMBot, *, owner_only: bool = False
) -> tuple[discord.abc.Messageable, str] | None:
    """The admin log channel and the language of its server, if one is configured.

    ``owner_only``: only in the process whose shards serve that channel's server. Every
    process watches the same files, so reload reports and the digest come from one.
    """
    channel_id = bot.settings.admin_log_channel_id
    if not channel_id:
        return None
    channel = bot.get_channel(channel_id)
    if channel is None and owner_only:
        log.debug("admin log channel %s is served by another process", channel_id)
        return None
    channel = channel or await bot.fetch_channel(channel_id)
    if not isinstance(channel, discord.abc.Messageable):
        log.error("ADMIN_LOG_CHANNEL_ID %s is not a channel the bot can write to", channel_id)
        return None
    guild = getattr(channel, "guild", None)
    return channel, locale_language(guild.preferred_locale if guild else None)


async def post(
    bot: LLMBot, build: Callable[[Ui, str], Outgoing | None], owner_only: bool = False
) -> None:
    """Post ``build(ui, lang)`` to the admin log channel; failures are logged, not raised."""
    channel_id = bot.settings.admin_log_channel_id
    try:
        found = await log_channel(bot, owner_only=owner_only)
        if found is None:
            return
        channel, lang = found
        out = build(bot.engine.kb.ui, lang)
        if out is not None:
            await out.post(channel)
    except discord.HTTPException:
        log.exception("could not post to the admin log channel %s", channel_id)


def post_soon(
    bot: LLMBot, build: Callable[[Ui, str], Outgoing | None], owner_only: bool = False
) -> None:
    """:func:`post` from any thread, without waiting for it."""
    loop = bot.loop
    try:
        if loop.is_closed():
            return
    except AttributeError:  # not logged in yet (or a console command): nothing to post to
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        task = loop.create_task(post(bot, build, owner_only))
        bot.kb_tasks.add(task)
        task.add_done_callback(bot.kb_tasks.discard)
    else:
        asyncio.run_coroutine_threadsafe(post(bot, build, owner_only), loop)


# -- audits ----------------------------------------------------------------------------------
def audit_message(ui: Ui, lang: str, revision: Revision) -> Outgoing:
    """A saved revision: who, when, why, what (the diff), and Revert."""
    key = "kb_audit_host" if revision.source == "host" else "kb_audit"
    head = f"{ui.text(key, lang)}\n{summary(ui, lang, revision)}"
    content, files = fit_block(ui, lang, head, revision.diff(), f"revision-{revision.id}.diff")
    revert = button("undo", revision.id, ui.text("kb_revert_button", lang))
    return Outgoing(content, files=files, view=view(revert))


def audit(bot: LLMBot, revision: Revision) -> None:
    """The editor's audit callback: post the revision to the admin log."""
    log.info("knowledge revision %s", revision.summary())
    post_soon(bot, lambda ui, lang: audit_message(ui, lang, revision))


# -- reloads ---------------------------------------------------------------------------------
def removed_text(removed: dict[str, list[str]]) -> str:
    return "; ".join(f"{name}: {', '.join(ids)}" for name, ids in sorted(removed.items()))


def reload_report(ui: Ui, lang: str, result: ReloadResult) -> str | None:
    """What the admins should know about a reload, or None when it removed nothing."""
    if result.held:
        head = ui.text("kb_log_reload_held", lang, version=result.version)
        return truncate(f"{head}\n{plain(result.reason)}", 2000)
    if not result.ok:
        heading = ui.text("admin_log_reload_rejected", lang, version=result.version)
        return problem_block(heading, result.problems)
    if result.removed:
        text = ui.text(
            "kb_log_reload_removed",
            lang,
            version=result.version,
            entries=removed_text(result.removed),
        )
        return truncate(text, 2000)
    return None


def note_reload(bot: LLMBot, result: ReloadResult) -> None:
    """Remember a reload for /kb status and report it in the admin log (once per hold)."""
    bot.last_reload = result
    if result.held:
        if result.candidate == bot.held_reported:
            return
        bot.held_reported = result.candidate
    elif result.ok:
        bot.held_reported = ""

    if reload_report(bot.engine.kb.ui, "en", result) is None:
        return  # nothing to report: do not even look the channel up

    def build(ui: Ui, lang: str) -> Outgoing | None:
        text = reload_report(ui, lang, result)
        return Outgoing(text) if text else None

    post_soon(bot, build, owner_only=True)


# -- the daily digest ------------------------------------------------------------------------
def digest_text(
    ui: Ui,
    lang: str,
    clusters: Iterable[MissCluster],
    reported: set[str],
    now: float,
    window: float = DIGEST_WINDOW_SECONDS,
) -> str | None:
    """How many groups of missed questions are new since the last digest, or None.

    A group is new when it had a question in the last ``window`` seconds and was not in
    an earlier digest.
    """
    listed = list(clusters)
    fresh = [c for c in listed if c.key not in reported and c.last_seen >= now - window]
    if not fresh:
        return None
    lines = [ui.text("kb_digest", lang, count=len(fresh), total=len(listed))]
    lines += [
        f"• ×{c.count} “{plain(truncate(c.representative, 150))}”" for c in fresh[:DIGEST_SHOWN]
    ]
    return "\n".join(lines)


async def post_digest(bot: LLMBot, reported: set[str]) -> None:
    """Post the digest for the log channel's server; ``reported`` keeps what was posted."""
    found = await log_channel(bot, owner_only=True)
    if found is None:
        return
    channel, lang = found
    guild = getattr(channel, "guild", None)
    # Several processes on one database: the first to claim today's digest sends it.
    day = time.strftime("%Y-%m-%d", time.gmtime())
    name = f"digest:{channel.id if hasattr(channel, 'id') else ''}:{day}"
    if not await asyncio.to_thread(bot.analytics.claim, name, DIGEST_WINDOW_SECONDS):
        log.info("the digest for %s was sent by another process", day)
        return
    clusters = await asyncio.to_thread(
        bot.analytics.miss_clusters, guild.id if guild else None, limit=DIGEST_SCAN
    )
    text = digest_text(bot.engine.kb.ui, lang, clusters, reported, time.time())
    reported.update(c.key for c in clusters)
    if text is not None:
        await Outgoing(text).post(channel)
