"""The Discord bot: construction, startup and command sync.

Dependencies are injected (discord.py's ``advanced_startup`` pattern): the
bot receives its settings, knowledge store, engine and analytics in
``__init__`` and the cogs read them from ``self.bot``.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from typing import Any

import aiohttp
import discord
from discord.ext import commands

from bot.analytics import Analytics
from bot.cogs import EXTENSIONS
from bot.db import database_errors
from bot.db.feed import RevisionFeed
from bot.discord_glue.explanations import Explanations
from bot.discord_glue.i18n import locale_language
from bot.discord_glue.kbui.logbook import audit, note_reload
from bot.discord_glue.kbui.state import PREVIEW_GUILD, Sessions
from bot.discord_glue.options import UnknownOption
from bot.discord_glue.sending import apologise, tell
from bot.discord_glue.translator import BotTranslator
from bot.engine.engine import Engine, Thresholds
from bot.kb.loader import KnowledgeError
from bot.kb.schema import KnowledgeBase
from bot.kb.store import KnowledgeStore, ReloadResult
from bot.kb.watch import KnowledgeWatcher
from bot.kbcli import revisions_path
from bot.kbedit import KbEditor, Revision
from bot.kbedit.revisions import CHANNEL as REVISION_CHANNEL
from bot.ratelimit import Cooldown
from bot.services import build_analytics
from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger(__name__)

RECENT_CLUSTERS = 50  # groups of missed questions whose routing an edit preview checks
EDITOR_RETRY_SECONDS = 5.0  # shared database down at start: try to turn editing on again

MESSAGE_CONTENT_HELP = (
    "The message content intent is not enabled for this bot, so it will only answer "
    "mentions, DMs and slash commands. To answer every message in ASK_CHANNEL_IDS, enable "
    "'Message Content Intent' under Bot > Privileged Gateway Intents in the Discord "
    "developer portal and restart."
)


def make_intents(message_content: bool) -> discord.Intents:
    intents = discord.Intents.default()
    intents.message_content = message_content
    return intents


class LLMBot(commands.Bot):
    """The bot, holding the knowledge store, the engine and analytics.

    One process with one gateway connection; :class:`ShardedLLMBot` is the same bot
    over several shards.
    """

    def __init__(
        self,
        settings: Settings,
        store: KnowledgeStore,
        analytics: Analytics,
        *,
        message_content: bool = True,
        **options: object,
    ) -> None:
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        # No feature reads old messages back (edits, deletions, reactions), so keeping
        # the last 1,000 in memory would only cost several MB under load.
        options.setdefault("max_messages", None)
        # The bot never joins voice, so missing voice libraries are not worth a warning.
        for flag in ("warn_nacl", "warn_dave"):
            if hasattr(discord.VoiceClient, flag):
                setattr(discord.VoiceClient, flag, False)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=make_intents(message_content),
            help_command=None,
            **options,  # type: ignore[arg-type]
        )
        self.settings = settings
        self.store = store
        self.analytics = analytics
        self.thresholds = Thresholds(settings.answer_threshold, settings.suggest_threshold)
        self.engine = Engine(store.current, thresholds=self.thresholds)
        self.cooldown = Cooldown(settings.cooldown_questions, settings.cooldown_seconds)
        self.explanations = Explanations()
        self.message_content_enabled = message_content
        self.command_sync_only = False
        self.watcher = KnowledgeWatcher(
            store,
            self._on_reload,
            settings.reload_poll_seconds,
            settings.reload_debounce_seconds,
        )
        store.on_swap(self._swap_engine)
        # The knowledge editor (/kb): its last reload, held reload reported, button state.
        self.last_reload: ReloadResult | None = None
        self.held_reported = ""
        self.kb_sessions = Sessions()
        self.kb_tasks: set[asyncio.Task[None]] = set()
        self.revision_feed: RevisionFeed | None = None
        self._editor_retry: asyncio.Task[None] | None = None
        self.editor = self._build_editor()

    def _build_editor(self) -> KbEditor | None:
        """One write path for /kb edits; edits on the host are recorded as revisions too."""
        path = revisions_path(self.settings)
        database = self.settings.database
        try:
            editor = KbEditor(
                self.store.directory,
                path,
                on_applied=self._reload_after_edit,
                audit=lambda revision: audit(self, revision),
                recent_questions=self._recent_questions,
                live_kb=lambda: self.store.current,
                database=database,
            )
        except database_errors(OSError) as exc:
            where = database.describe() if database.shared else path
            retrying = " (retrying every few seconds; answers go on)" if database.shared else ""
            report = log.debug if self._editor_retry is not None else log.error
            report(
                "editing the knowledge base from Discord is off: cannot open %s (%s)%s",
                where,
                exc,
                retrying,
            )
            return None
        if editor.synced_files:
            self.store.reload()
        editor.watch(self.store)
        if database.shared:
            # Edits, undos and imports made through any other process arrive here.
            revisions = editor.revisions
            self.revision_feed = RevisionFeed(
                database.url,
                lambda after: revisions.since(after, skip_origin=revisions.origin),
                editor.apply_remote,
                after=revisions.last_id(),
                channel=REVISION_CHANNEL,
                poll=self.settings.reload_poll_seconds,
            )
        return editor

    async def _start_editing(self) -> None:
        assert self.editor is not None
        # Edits made while the bot was stopped become a revision (and an audit).
        await asyncio.to_thread(self.editor.scan_host_changes)
        if self.revision_feed is not None:
            self.revision_feed.start()

    async def _retry_editor(self) -> None:
        while self.editor is None:
            await asyncio.sleep(EDITOR_RETRY_SECONDS)
            editor = await asyncio.to_thread(self._build_editor)
            if editor is not None:
                self.editor = editor
                log.info("the shared database is reachable: knowledge editing is on")
                await self._start_editing()

    def _reload_after_edit(self, _revision: Revision) -> ReloadResult:
        # Runs in the editor's worker thread, after the files are written.
        result = self.store.reload()
        note_reload(self, result)
        return result

    def _recent_questions(self) -> list[str]:
        """The previewing server's recently missed questions, for an edit's routing impact."""
        guild_id = PREVIEW_GUILD.get()
        if guild_id is None:
            return []
        clusters = self.analytics.miss_clusters(guild_id, limit=RECENT_CLUSTERS)
        return [question for cluster in clusters for question in cluster.examples]

    def _swap_engine(self, kb: KnowledgeBase) -> None:
        # Build the new engine fully before the one assignment that publishes it.
        self.engine = self.engine.with_kb(kb)

    async def install_commands(self) -> None:
        """Load every extension and the translator (also used by ``python -m bot sync``)."""
        await self.tree.set_translator(BotTranslator(self.store))
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        for extension in EXTENSIONS:
            await self.load_extension(extension)

    async def setup_hook(self) -> None:
        # discord.py calls this from login(); `python -m bot sync` only wants the commands.
        await self.install_commands()
        if self.command_sync_only:
            return
        if self.editor is not None:
            await self._start_editing()
        elif self.settings.database.shared:
            # The shared database was down at start: answers go on, editing starts once
            # it can be reached.
            self._editor_retry = asyncio.create_task(self._retry_editor())
        self.watcher.start()
        if self.settings.dev_guild_id and syncs_commands(self):
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            try:
                synced = await self.tree.sync(guild=guild)
            except discord.HTTPException as exc:
                # The bot still answers messages; only the slash commands are missing.
                log.error(
                    "could not sync slash commands to DEV_GUILD_ID %s: %s", guild.id, sync_hint(exc)
                )
            else:
                log.info("synced %d commands to dev guild %s", len(synced), guild.id)

    async def on_message(self, message: discord.Message) -> None:
        # No prefix commands: the ask cog answers messages. Without this override,
        # commands.Bot would look for a command named after the first word of every mention.
        return

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: discord.app_commands.AppCommandError
    ) -> None:
        ui = self.engine.kb.ui
        if isinstance(error, UnknownOption):
            await tell(interaction, error.message(ui, locale_language(interaction.locale)))
            return
        # A failed check has already answered the user (cooldown notice, "admins only").
        if isinstance(error, discord.app_commands.CheckFailure) and interaction.response.is_done():
            return
        log.error(
            "app command failed: %s",
            getattr(interaction.command, "qualified_name", "?"),
            exc_info=error,
        )
        await apologise(interaction, ui)

    async def close(self) -> None:
        await self.watcher.stop()
        if self._editor_retry is not None:
            self._editor_retry.cancel()
        if self.revision_feed is not None:
            await asyncio.to_thread(self.revision_feed.stop)
        await super().close()
        # Writes what is still queued; off the loop, as a locked database may take a while.
        await asyncio.to_thread(self.analytics.close)

    async def on_ready(self) -> None:
        log.info(
            "logged in as %s (%s); knowledge version %s",
            self.user,
            getattr(self.user, "id", "?"),
            self.store.current.version,
        )
        if not self.message_content_enabled:
            log.warning(MESSAGE_CONTENT_HELP)

    async def _on_reload(self, result: ReloadResult) -> None:
        # The watcher's reloads: removed entries, holds and problems go to the admin log.
        note_reload(self, result)


class ShardedLLMBot(LLMBot, commands.AutoShardedBot):
    """The same bot over several gateway shards (``SHARD_COUNT``).

    With ``SHARD_IDS`` each process runs only those shards, so several processes (or
    machines) split the guilds between them. Conversation context and cooldowns are
    keyed by channel and user, and a guild's messages always reach the same shard.
    """


class StartupError(Exception):
    """The bot cannot start as configured; the message says why and what to change."""


def sharding_options(settings: Settings) -> dict[str, Any]:
    """``shard_count``/``shard_ids`` for discord.py, or {} to run unsharded."""
    count = getattr(settings, "shard_count", None)
    if not count:
        return {}
    ids = getattr(settings, "shard_ids", None)
    if ids:
        wrong = [i for i in ids if not 0 <= i < count]
        if wrong:
            raise StartupError(
                f"SHARD_IDS {wrong} are outside 0..{count - 1} (SHARD_COUNT is {count}); "
                "fix them in .env"
            )
        return {"shard_count": int(count), "shard_ids": sorted(set(ids))}
    return {"shard_count": int(count)}


def syncs_commands(bot: LLMBot) -> bool:
    """Only one process syncs dev-guild commands: the one running shard 0 (or unsharded)."""
    shard_ids = getattr(bot, "shard_ids", None)
    return shard_ids is None or 0 in shard_ids


def sync_hint(exc: discord.HTTPException) -> str:
    """What a failed command sync means and how to fix it."""
    if exc.status == 403:
        return (
            "Discord refused (403): invite the bot with the applications.commands scope "
            "to that server"
        )
    if exc.status == 404:
        return "Discord does not know that server (404): check DEV_GUILD_ID"
    return f"Discord answered {exc.status}: {exc.text}"


# The old documented default; a salt everyone knows is no salt, so use the per-install one.
def build_bot(settings: Settings, *, message_content: bool = True, **options: object) -> LLMBot:
    store = KnowledgeStore(settings.knowledge_dir)
    analytics = build_analytics(settings)
    sharding = sharding_options(settings)
    cls = ShardedLLMBot if sharding else LLMBot
    bot = cls(settings, store, analytics, message_content=message_content, **sharding, **options)
    # Clusters of missed questions are matched to entries with the current engine.
    analytics.suggest = lambda question: bot.engine.suggest_target(question)
    return bot


async def start_bot(
    settings: Settings, on_bot: Callable[[LLMBot], None] | None = None, **options: object
) -> None:
    """Log in and run until closed; without the message content intent, run without it.

    ``on_bot`` is told about each bot instance created (tests use it to reach the bot).
    """
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    for message_content in (True, False):
        bot = build_bot(settings, message_content=message_content, **options)
        if on_bot is not None:
            on_bot(bot)
        try:
            async with bot:
                await bot.start(token)
            return
        except discord.PrivilegedIntentsRequired:
            if not message_content:
                raise
            log.warning(MESSAGE_CONTENT_HELP)


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )


def run_bot() -> int:
    """``python -m bot run``: returns a process exit code, never a traceback."""
    try:
        settings = load_settings(require_token=True)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _configure_logging(settings.log_level)
    try:
        return asyncio.run(run_async(settings))
    except KeyboardInterrupt:
        return 0


async def run_async(settings: Settings, **options: Any) -> int:
    """Run the bot until it closes; turn the errors people can fix into one clear line."""
    try:
        await start_bot(settings, **options)
    except Exception as exc:
        return explain_failure(settings, exc)
    return 0


def explain_failure(settings: Settings, exc: Exception) -> int:
    """Print one line for a failure people can fix and return the exit code; re-raise bugs."""
    if isinstance(exc, discord.LoginFailure):
        code, line = (
            2,
            (
                "error: Discord rejected DISCORD_TOKEN (401). Copy the token again from the "
                "developer portal (Bot > Reset Token) into .env."
            ),
        )
    elif isinstance(exc, KnowledgeError):
        first = exc.problems[0] if exc.problems else "unknown problem"
        code, line = (
            1,
            (
                f"error: the knowledge base in {settings.knowledge_dir} has {len(exc.problems)} "
                f"problem(s), the first: {first} — run `python -m bot check` to see them all"
            ),
        )
    elif isinstance(exc, StartupError):
        code, line = 2, f"error: {exc}"
    elif isinstance(exc, UNREACHABLE):
        reason = " ".join(str(exc).split()) or type(exc).__name__
        code, line = (
            3,
            (
                f"error: could not reach Discord at {discord.http.Route.BASE} ({reason}); check "
                "this machine's internet connection, DNS, proxy and firewall, and "
                "https://discordstatus.com, then start the bot again"
            ),
        )
    else:
        raise exc
    print(line, file=sys.stderr)
    return code


# Failures to reach Discord at all (network, DNS, TLS, Discord down), as opposed to bugs.
UNREACHABLE = (
    aiohttp.ClientError,
    OSError,
    TimeoutError,
    discord.GatewayNotFound,
    discord.DiscordServerError,
)


def sync_commands(global_sync: bool) -> int:
    """``python -m bot sync [--global]``: publish slash commands deliberately, then exit."""
    try:
        settings = load_settings(require_token=True)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _configure_logging(settings.log_level)
    return asyncio.run(sync_async(settings, global_sync))


async def sync_async(settings: Settings, global_sync: bool) -> int:
    """Log in over REST only, sync the command tree, and log out."""
    if not global_sync and not settings.dev_guild_id:
        print(
            "error: set DEV_GUILD_ID to sync to a test server, or pass --global.", file=sys.stderr
        )
        return 2
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    try:
        bot = build_bot(settings, message_content=False)
        bot.command_sync_only = True
        async with bot:
            await bot.login(token)  # runs setup_hook, which installs the commands
            if global_sync:
                synced = await bot.tree.sync()
                print(f"synced {len(synced)} global commands (may take up to an hour to show)")
            else:
                guild = discord.Object(id=settings.dev_guild_id or 0)
                bot.tree.copy_global_to(guild=guild)
                synced = await bot.tree.sync(guild=guild)
                print(f"synced {len(synced)} commands to guild {guild.id}")
    except discord.HTTPException as exc:
        if isinstance(exc, discord.DiscordServerError):
            return explain_failure(settings, exc)
        print(f"error: could not sync commands: {sync_hint(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:
        return explain_failure(settings, exc)
    return 0
