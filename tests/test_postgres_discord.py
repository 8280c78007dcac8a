"""End to end: two bots (SHARD_IDS 0 and 1 of 2) on one PostgreSQL, against the fake
Discord, each with its own knowledge directory (no shared disk).

The guild's messages reach shard 1, DMs shard 0, so a question through each bot lands
in the one shared analytics; an edit made through one is served by the other within
2 s; and stopping PostgreSQL for 10 s under a stream of questions costs no answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.db import pg
from bot.kbedit import AddPhrasing, Ref
from bot.main import LLMBot, build_bot
from bot.settings import Settings
from tests import discord_support
from tests.discord_support import ASK_CHANNEL, embed_text
from tests.fakediscord import FakeDiscord, running_bot
from tests.test_discord_startup import no_identify_wait

from .conftest import ROOT

fake_discord = discord_support.fake_discord
settings = discord_support.settings
__all__ = ["no_identify_wait"]  # the fixture, shared with the sharding tests


def process_settings(base: Settings, root: Path, shard: int, url: str) -> Settings:
    """Process ``shard``'s settings: its own data and knowledge folders, the shared URL."""
    knowledge = root / f"p{shard}" / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    data = root / f"p{shard}" / "data"
    return base.model_copy(
        update={
            "knowledge_dir": knowledge,
            "data_dir": data,
            "database_path": data / "analytics.sqlite3",
            "database_url": SecretStr(url),
            "cooldown_questions": 1000,  # one asker sends the whole stream below
            "shard_count": 2,
            "shard_ids": [shard],
            "reload_poll_seconds": 0.5,
        }
    )


@contextlib.asynccontextmanager
async def two_bots(base: Settings, root: Path, url: str) -> AsyncIterator[tuple[LLMBot, LLMBot]]:
    dm_bot = build_bot(process_settings(base, root, 0, url), guild_ready_timeout=0.05)
    guild_bot = build_bot(process_settings(base, root, 1, url), guild_ready_timeout=0.05)
    async with running_bot(dm_bot), running_bot(guild_bot):
        yield dm_bot, guild_bot


async def test_two_processes_behave_as_one_bot(
    fake_discord: FakeDiscord,
    settings: Settings,
    pg_url: str,
    pg_server: object,
    tmp_path: Path,
    no_identify_wait: None,
) -> None:
    async with two_bots(settings, tmp_path, pg_url) as (dm_bot, guild_bot):
        # One question through each process: both appear in one list of misses.
        await fake_discord.send_message("how much does claude 3 opus cost?", channel_id=ASK_CHANNEL)
        await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
        sent = await fake_discord.send_message("how much does claude 3 opus cost", guild=False)
        await fake_discord.wait_for_message(channel_id=sent["channel_id"])
        await asyncio.to_thread(dm_bot.analytics.flush, 10)
        await asyncio.to_thread(guild_bot.analytics.flush, 10)
        clusters = await asyncio.to_thread(dm_bot.analytics.miss_clusters, None)
        assert [c.count for c in clusters] == [2]

        # An edit through the DM process (the same pipeline /kb uses) is answered by the
        # guild process within 2 s, from its own files.
        editor = dm_bot.editor
        assert editor is not None and guild_bot.editor is not None
        ref = Ref.parse("use_case:code-generation")
        preview = await asyncio.to_thread(
            editor.preview, [AddPhrasing(ref, "en", "untangle my gradle build")],
            actor="alice", reason="e2e",
        )  # fmt: skip
        start = time.monotonic()
        result = await asyncio.to_thread(editor.confirm, preview)
        assert result.status == "applied", result.message
        while "untangle my gradle build" not in (
            guild_bot.store.current.use_cases["code-generation"].phrasings.all()
        ):
            assert time.monotonic() - start < 2.0, "the edit did not reach the other process"
            await asyncio.sleep(0.02)
        await fake_discord.send_message("which model can untangle my gradle build?",
                                        channel_id=ASK_CHANNEL)  # fmt: skip
        reply = await fake_discord.wait_for_message(
            lambda m: "Mistral" in embed_text(m), channel_id=ASK_CHANNEL
        )
        assert "Mistral Large 2" in embed_text(reply)

        # PostgreSQL stops for 10 s while questions keep coming: every one is answered,
        # and the questions are written once it is back.
        if pg_server is None:
            return
        assert await asyncio.to_thread(guild_bot.analytics.flush, 10)  # the question above
        before = (await asyncio.to_thread(guild_bot.analytics.counts))["questions"]
        seen = {message_id for _, message_id in fake_discord._message_log}
        pg_server.pause()  # type: ignore[attr-defined]
        asked = 0
        try:
            outage_end = time.monotonic() + 10
            while time.monotonic() < outage_end:
                await fake_discord.send_message(
                    f"GPT-4o mini price? ({asked})", channel_id=ASK_CHANNEL
                )
                got = await fake_discord.wait_for_message(
                    lambda m: m["id"] not in seen, channel_id=ASK_CHANNEL
                )
                seen.add(got["id"])
                assert "0.15" in embed_text(got)
                asked += 1
                await asyncio.sleep(0.4)
        finally:
            pg_server.resume()  # type: ignore[attr-defined]
        assert asked >= 10
        assert await asyncio.to_thread(guild_bot.analytics.flush, 30)
        after = (await asyncio.to_thread(guild_bot.analytics.counts))["questions"]
        assert after - before == asked


async def test_editing_turns_on_when_the_database_comes_back_after_start(
    fake_discord: FakeDiscord,
    settings: Settings,
    pg_url: str,
    pg_server: object,
    tmp_path: Path,
    no_identify_wait: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PostgreSQL down at start: the bot answers, editing is off, then on once it is back."""
    if pg_server is None:
        pytest.skip("needs the test's own server to stop it")
    import bot.main

    monkeypatch.setattr(bot.main, "EDITOR_RETRY_SECONDS", 0.2)
    pg.close_pools()
    pg_server.pause()  # type: ignore[attr-defined]
    try:
        one = build_bot(process_settings(settings, tmp_path, 1, pg_url), guild_ready_timeout=0.05)
        assert one.editor is None
        async with running_bot(one):
            await fake_discord.send_message("GPT-4o mini price?", channel_id=ASK_CHANNEL)
            reply = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
            assert "0.15" in embed_text(reply)
            pg_server.resume()  # type: ignore[attr-defined]
            start = time.monotonic()
            while one.editor is None or one.revision_feed is None:
                assert time.monotonic() - start < 15, "editing did not turn on"
                await asyncio.sleep(0.05)
    finally:
        with contextlib.suppress(Exception):
            pg_server.resume()  # type: ignore[attr-defined]
