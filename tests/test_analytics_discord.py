"""Analytics seen from Discord: the real bot against the local fake records what users do."""

from __future__ import annotations

import sqlite3
from typing import Any

from bot.settings import Settings
from tests import test_discord_bot as discord_tests
from tests.fakediscord import FakeDiscord, fixtures
from tests.test_discord_bot import ASK_CHANNEL, bot_running, buttons

fake_discord = fixtures.fake_discord
settings = discord_tests.settings  # the same bot settings as the other end-to-end tests


def stored(config: Settings, sql: str) -> list[tuple[Any, ...]]:
    """Rows from the bot's database after it has stopped."""
    with sqlite3.connect(config.database_path) as db:
        return db.execute(sql).fetchall()


async def test_suggestion_click_is_recorded_as_a_pick(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """Clicking "did you mean" stores which suggestion was picked for which question."""
    async with bot_running(settings):
        await fake_discord.send_message("model stuff?", channel_id=ASK_CHANNEL)
        reply = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
        suggestion = next(b for b in buttons(reply) if b["custom_id"].startswith("dym:"))
        click = await fake_discord.click_button(suggestion["custom_id"], reply)
        await fake_discord.wait_for_interaction_response(click)
    qid = int(suggestion["custom_id"].split(":")[2])
    assert stored(settings, "SELECT question_id, suggestion FROM picks") == [
        (qid, suggestion["label"])
    ]
    [(shown,)] = stored(settings, f"SELECT suggestions FROM questions WHERE id = {qid}")
    assert suggestion["label"] in shown


async def test_feedback_button_carries_the_stored_question_id(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """The 👍 button's id is the id of the stored question, and a click lands on that row."""
    async with bot_running(settings):
        await fake_discord.send_message("which model for debugging?", channel_id=ASK_CHANNEL)
        reply = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
        up = next(b for b in buttons(reply) if b["custom_id"].startswith("fb:up:"))
        click = await fake_discord.click_button(up["custom_id"], reply)
        await fake_discord.wait_for_interaction_response(click)
    qid = int(up["custom_id"].split(":")[2])
    assert stored(settings, "SELECT id, question FROM questions") == [
        (qid, "which model for debugging?")
    ]
    assert stored(settings, "SELECT question_id, helpful FROM feedback") == [(qid, 1)]
