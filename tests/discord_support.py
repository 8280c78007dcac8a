"""Shared pieces of the end-to-end Discord tests: settings, a running bot, reading replies.

Test modules pick the fixtures up with ``settings = discord_support.settings`` (and the
same for ``fake_discord``), the pattern the fake's own fixture uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.main import LLMBot, build_bot
from bot.settings import Settings
from tests.fakediscord import FakeDiscord, fixtures, running_bot

fake_discord = fixtures.fake_discord

ASK_CHANNEL = "3000000000000000002"  # the fake's "bot-commands" channel
GENERAL = "3000000000000000001"
ADMIN_ROLE = "2000000000000000101"
LOG_CHANNEL = GENERAL


@pytest.fixture
def settings(kb_copy: Path, tmp_path: Path) -> Settings:
    """Settings for a bot over a writable copy of the knowledge, answering in ASK_CHANNEL."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token=SecretStr("fake-bot-token"),
        knowledge_dir=kb_copy,
        data_dir=tmp_path,  # the revision history of the knowledge editor lives here
        database_path=tmp_path / "analytics.sqlite3",
        ask_channel_ids=[int(ASK_CHANNEL)],
        admin_role_id=int(ADMIN_ROLE),
        admin_log_channel_id=int(LOG_CHANNEL),
        dev_guild_id=2000000000000000001,
        reload_poll_seconds=0.05,
        reload_debounce_seconds=0.1,
    )


@contextlib.asynccontextmanager
async def bot_running(settings: Settings) -> AsyncIterator[LLMBot]:
    """The real bot, logged in to the fake and ready; closed afterwards."""
    bot = build_bot(settings, guild_ready_timeout=0.05)
    async with running_bot(bot):
        yield bot


async def wait_until(
    condition: Callable[[], bool], what: str, timeout: float = 15.0, poll: float = 0.02
) -> None:
    """Wait for ``condition`` to hold (a reload, a history row), failing after ``timeout``.

    Waiting on the state itself, rather than asking the bot again and again, keeps a test
    independent of the cooldown and of how fast the machine is.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(poll)


def embed_text(message: dict[str, Any]) -> str:
    """Every visible text of a message's embeds, one part per line."""
    parts = []
    for embed in message.get("embeds", []):
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
        parts.append(embed.get("footer", {}).get("text", ""))
    return "\n".join(parts)


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The message's buttons, row by row."""
    return [c for row in message.get("components", []) for c in row.get("components", [])]


def button(message: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The first button whose custom_id starts with ``prefix``."""
    found = [b for b in buttons(message) if b.get("custom_id", "").startswith(prefix)]
    assert found, f"no {prefix!r} button on the message: {buttons(message)}"
    return found[0]


def replies_to(fake: FakeDiscord, message_id: str) -> list[dict[str, Any]]:
    """The bot's messages that reply to ``message_id``."""
    return [
        m
        for m in fake.messages
        if str(m.get("message_reference", {}).get("message_id")) == str(message_id)
    ]
