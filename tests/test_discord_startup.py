"""Starting the Discord bot: one clear line for failures people can fix, and sharding.

The failure tests run ``python -m bot run`` in a subprocess, with discord.py pointed at a
local port where nothing listens (Discord unreachable). The sharding tests run the real
bot against the fake Discord with SHARD_COUNT / SHARD_IDS.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import discord
import pytest

from bot.main import LLMBot, ShardedLLMBot, build_bot, run_async
from bot.settings import Settings
from tests import discord_support
from tests.discord_support import ASK_CHANNEL, embed_text
from tests.fakediscord import FakeDiscord, running_bot

fake_discord = discord_support.fake_discord
settings = discord_support.settings

ROOT = Path(__file__).resolve().parents[1]
# `python -m bot run`, with discord.py's REST base replaced first (argv[1]).
RUN_WITH_BASE = (
    "import sys, discord.http\n"
    "discord.http.Route.BASE = sys.argv[1]\n"
    "from bot.cli import main\n"
    "sys.exit(main(['run']))\n"
)


def closed_port() -> int:
    """A local TCP port where nothing listens (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_bot_process(
    knowledge: Path, tmp_path: Path, api_base: str
) -> subprocess.CompletedProcess[str]:
    """`python -m bot run` with a token, the given knowledge and Discord REST base."""
    env = {
        **os.environ,
        "DISCORD_TOKEN": "fake-bot-token",
        "KNOWLEDGE_DIR": str(knowledge),
        "DATABASE_PATH": str(tmp_path / "analytics.sqlite3"),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [sys.executable, "-c", RUN_WITH_BASE, api_base],
        cwd=tmp_path,  # no .env here
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def error_lines(stderr: str) -> list[str]:
    """The lines a person reads as the failure (log lines aside)."""
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def test_unreachable_discord_is_one_clear_line(kb_copy: Path, tmp_path: Path) -> None:
    """With Discord unreachable, the run ends non-zero with one line saying what to check."""
    base = f"http://127.0.0.1:{closed_port()}/api/v10"
    proc = run_bot_process(kb_copy, tmp_path, base)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    [line] = error_lines(proc.stderr)
    assert f"could not reach Discord at {base}" in line and "internet connection" in line
    assert proc.stderr.rstrip().endswith(line)


def test_broken_knowledge_at_start_is_one_clear_line(kb_copy: Path, tmp_path: Path) -> None:
    """A knowledge base that fails to load names its first problem and the check command."""
    topics = kb_copy / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8") + "  - id: [\n", encoding="utf-8")
    proc = run_bot_process(kb_copy, tmp_path, f"http://127.0.0.1:{closed_port()}/api/v10")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    [line] = error_lines(proc.stderr)
    assert "topics.yaml:" in line and "python -m bot check" in line
    assert "could not reach" not in proc.stderr  # it stopped before contacting Discord


# -- sharding ----------------------------------------------------------------------------


@pytest.fixture
def no_identify_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py waits 5 s between shard IDENTIFYs (Discord's rate limit); not here."""

    async def immediately(
        self: discord.Client, shard_id: int | None, *, initial: bool = False
    ) -> None:
        return None

    monkeypatch.setattr(discord.Client, "before_identify_hook", immediately)


def sharded(settings: Settings, count: int, ids: list[int] | None = None) -> Settings:
    return settings.model_copy(update={"shard_count": count, "shard_ids": ids})


async def test_two_shards_start_and_answer_guild_and_dm(
    fake_discord: FakeDiscord, settings: Settings, no_identify_wait: None
) -> None:
    """With SHARD_COUNT=2 both shards identify; guild and DM questions are answered."""
    bot = build_bot(sharded(settings, 2), guild_ready_timeout=0.05)
    assert isinstance(bot, ShardedLLMBot) and isinstance(bot, LLMBot)
    async with running_bot(bot):
        assert fake_discord.shards == [(0, 2), (1, 2)]
        await fake_discord.send_message("which model for chatbots?", channel_id=ASK_CHANNEL)
        in_guild = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
        sent = await fake_discord.send_message("GPT-4o mini 多少钱？", guild=False)
        in_dm = await fake_discord.wait_for_message(channel_id=sent["channel_id"])
    assert "GPT-4o mini" in embed_text(in_guild)
    assert "0.15" in embed_text(in_dm)


async def test_shard_ids_run_only_those_shards_and_leave_syncing_to_shard_zero(
    fake_discord: FakeDiscord, settings: Settings, no_identify_wait: None
) -> None:
    """SHARD_IDS=[1] of 2 runs shard 1 only (its guilds answered) and syncs no commands."""
    bot = build_bot(sharded(settings, 2, [1]), guild_ready_timeout=0.05)
    async with running_bot(bot):
        assert fake_discord.shards == [(1, 2)]
        await fake_discord.send_message("which model for chatbots?", channel_id=ASK_CHANNEL)
        reply = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
    assert "GPT-4o mini" in embed_text(reply)
    assert fake_discord.guild_commands == {}


async def test_unsharded_settings_start_a_plain_bot(settings: Settings) -> None:
    """Without SHARD_COUNT the bot is the plain single-connection one."""
    bot = build_bot(settings)
    try:
        assert type(bot) is LLMBot
    finally:
        bot.analytics.close()


async def test_shard_ids_outside_the_count_are_one_clear_line(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """SHARD_IDS beyond SHARD_COUNT stop the start with one line naming both settings."""
    assert await run_async(sharded(settings, 2, [0, 2])) == 2
    err = capsys.readouterr().err
    assert "SHARD_IDS [2]" in err and "SHARD_COUNT is 2" in err and "Traceback" not in err
