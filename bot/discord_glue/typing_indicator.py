"""Best-effort "Bot is typing…": shown only while an answer is slow, never in its way.

Almost every answer is ready at once, so typing is skipped. When an answer takes
longer than a short delay, a detached task shows the indicator until the answer is
done. A slow, failing or rate-limited typing endpoint never delays or breaks the
reply: the task's errors are logged at debug level and otherwise ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import TypeVar

import discord

log = logging.getLogger(__name__)

T = TypeVar("T")

TYPING_AFTER_SECONDS = 0.8  # answers faster than this show no indicator at all
TYPING_REFRESH_SECONDS = 8.0  # Discord shows the indicator for about 10 s


async def keep_typing(channel: discord.abc.Messageable) -> None:
    """Show the typing indicator in ``channel`` until cancelled; failures are ignored."""
    while True:
        try:
            await channel.typing()
        except Exception as exc:  # best effort: nothing about typing may reach the user
            log.debug("typing indicator failed in %s: %r", getattr(channel, "id", "?"), exc)
        await asyncio.sleep(TYPING_REFRESH_SECONDS)


async def with_typing(channel: discord.abc.Messageable, work: Awaitable[T]) -> T:
    """Await ``work``; if it is not done after a short delay, show typing meanwhile."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=TYPING_AFTER_SECONDS)
    if done:
        return task.result()
    typing = asyncio.create_task(keep_typing(channel), name="typing-indicator")
    try:
        return await task
    finally:
        typing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await typing
