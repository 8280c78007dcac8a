"""The typing indicator is best effort: a failing, slow or rate-limited typing endpoint
never delays, duplicates or breaks the reply (real bot against the fake Discord)."""

from __future__ import annotations

import time
from typing import Any

import pytest

import bot.discord_glue.typing_indicator as typing_indicator
from bot.main import LLMBot
from bot.settings import Settings
from tests import discord_support
from tests.discord_support import ASK_CHANNEL, bot_running, embed_text, replies_to
from tests.fakediscord import FakeDiscord, FakeDiscordTimeout

fake_discord = discord_support.fake_discord
settings = discord_support.settings

TYPING = r"/channels/\d+/typing"
QUESTION = "which model for code debugging?"


def typing_requests(fake: FakeDiscord) -> list[Any]:
    """Every typing request the bot started (finished or not)."""
    return [r for r in fake.requests if r.method == "POST" and r.path.endswith("/typing")]


def make_answers_slow(bot: LLMBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers take 0.3 s, longer than the (shortened) delay before typing starts."""
    real_answer = bot.engine.answer

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)
        return real_answer(*args, **kwargs)

    monkeypatch.setattr(bot.engine, "answer", slow)


async def ask_and_get_the_only_reply(fake: FakeDiscord) -> dict[str, Any]:
    """Ask in the ask channel; return the reply after checking no second one follows."""
    asked = await fake.send_message(QUESTION, channel_id=ASK_CHANNEL, mentions_bot=True)
    reply = await fake.wait_for_message(channel_id=ASK_CHANNEL)
    with pytest.raises(FakeDiscordTimeout):
        await fake.wait_for_message(
            lambda m: m["id"] != reply["id"], channel_id=ASK_CHANNEL, timeout=0.5
        )
    assert [m["id"] for m in replies_to(fake, asked["id"])] == [reply["id"]]
    return reply


async def test_an_answer_ready_at_once_sends_no_typing(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """A fast answer is replied to without any typing request."""
    async with bot_running(settings):
        reply = await ask_and_get_the_only_reply(fake_discord)
    assert "Mistral Large 2" in embed_text(reply)
    assert typing_requests(fake_discord) == []


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500},
        {"delay": 30.0},
        {"status": 429, "retry_after": 30.0},
    ],
    ids=["failing-500", "slow", "rate-limited-429"],
)
async def test_a_bad_typing_endpoint_never_delays_or_breaks_the_reply(
    fake_discord: FakeDiscord,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    fault: dict[str, Any],
) -> None:
    """With typing failing, hanging or rate limited, the reply still arrives once, no apology."""
    monkeypatch.setattr(typing_indicator, "TYPING_AFTER_SECONDS", 0.05)
    fake_discord.inject_fault("POST", TYPING, **fault)
    async with bot_running(settings) as bot:
        make_answers_slow(bot, monkeypatch)
        reply = await ask_and_get_the_only_reply(fake_discord)
    assert typing_requests(fake_discord), "a slow answer should have tried to show typing"
    assert "Mistral Large 2" in embed_text(reply)
    assert not reply.get("content")  # an answer embed, not the apology
