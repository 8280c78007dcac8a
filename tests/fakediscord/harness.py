"""Helpers to point discord.py at a :class:`FakeDiscord` and run a bot against it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

import discord
import discord.asset
import discord.gateway
import discord.http
import pytest
import yarl

from .server import FakeDiscord

__all__ = ["DEFAULT_TOKEN", "patch_discord", "running_bot", "start_bot", "stop_bot"]

ClientT = TypeVar("ClientT", bound=discord.Client)

DEFAULT_TOKEN = "fake-bot-token"


def patch_discord(monkeypatch: pytest.MonkeyPatch, fake: FakeDiscord) -> None:
    """Point discord.py's REST base, gateway URL and CDN base at ``fake`` (undone by pytest)."""
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url)
    )
    # Asset downloads would otherwise try cdn.discordapp.com; the fake 404s and records them.
    monkeypatch.setattr(discord.asset.Asset, "BASE", fake.base_url)


async def start_bot(
    bot: discord.Client, *, token: str = DEFAULT_TOKEN, timeout: float = 15.0
) -> asyncio.Task[None]:
    """Start ``bot`` in a task and wait until it is ready; return the task.

    If the bot fails to start (e.g. ``PrivilegedIntentsRequired`` after close code 4014),
    that exception is raised here instead of hanging until the timeout.
    """
    task = asyncio.create_task(bot.start(token), name=f"bot-start-{id(bot)}")
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _pending = await asyncio.wait(
        {task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
    )
    if ready not in done:
        ready.cancel()
        if task in done:
            await bot.close()
            task.result()  # re-raise the startup error
            raise RuntimeError("bot.start() returned before the bot became ready")
        await stop_bot(bot, task)
        raise TimeoutError(f"bot was not ready within {timeout}s")
    return task


async def stop_bot(bot: discord.Client, task: asyncio.Task[None]) -> None:
    """Close ``bot`` and wait for its start task to finish."""
    await bot.close()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@contextlib.asynccontextmanager
async def running_bot(
    bot: ClientT, *, token: str = DEFAULT_TOKEN, timeout: float = 15.0
) -> AsyncIterator[ClientT]:
    """``async with running_bot(bot):`` - started and ready inside, closed afterwards."""
    task = await start_bot(bot, token=token, timeout=timeout)
    try:
        yield bot
    finally:
        await stop_bot(bot, task)
