"""'Why this answer?': a button on every answer that explains, privately and in the clicker's
language, which rule decided and on what evidence; expired politely after a restart."""

from __future__ import annotations

from bot.discord_glue.explanations import Explanations, answer_key
from bot.engine.answer import Why
from bot.engine.engine import Engine
from bot.kb.loader import load_directory
from bot.settings import Settings
from bot.text.normalize import has_cjk
from tests import discord_support
from tests.discord_support import ASK_CHANNEL, bot_running, button
from tests.fakediscord import FakeDiscord

fake_discord = discord_support.fake_discord
settings = discord_support.settings

QUESTION = "which model for code debugging?"


async def test_every_answer_has_a_why_button(fake_discord: FakeDiscord, settings: Settings) -> None:
    """Answers, declines and slash replies all carry the button, labelled from the catalogue."""
    kb = load_directory(settings.knowledge_dir)
    async with bot_running(settings):
        await fake_discord.send_message(QUESTION, channel_id=ASK_CHANNEL)
        answered = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
        await fake_discord.send_message(
            "what's the weather?", channel_id=ASK_CHANNEL, mentions_bot=True
        )
        declined = await fake_discord.wait_for_message(
            lambda m: m["id"] != answered["id"], channel_id=ASK_CHANNEL
        )
        slash = await fake_discord.invoke_slash("model", {"name": "gpt-4o-mini"}, locale="zh-CN")
        slash = await fake_discord.wait_for_interaction_response(slash)
    for message, lang in ((answered, "en"), (declined, "en"), (slash.data, "zh")):
        why = button(message, "why:")
        assert why["label"] == kb.ui.text("why_button", lang)
        assert len(why["custom_id"]) <= 100


async def test_why_shows_the_rule_privately_in_the_clickers_language(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """A zh-CN user clicking it sees, privately, the rule that produced the answer."""
    kb = load_directory(settings.knowledge_dir)
    expected = Engine(kb).answer(QUESTION).why
    async with bot_running(settings):
        await fake_discord.send_message(QUESTION, channel_id=ASK_CHANNEL)
        reply = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
        click = await fake_discord.click_button(
            button(reply, "why:")["custom_id"], reply, locale="zh-CN"
        )
        click = await fake_discord.wait_for_interaction_response(click)
    assert click.data["flags"] & 64
    embed = click.data["embeds"][0]
    assert embed["title"] == kb.ui.text("why_title", "zh")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    rule_line = fields[kb.ui.text("why_rule", "zh")]
    assert rule_line.startswith(f"`{expected.rule}` — ")
    assert has_cjk(rule_line.split(" — ", 1)[1])  # described in the clicker's language
    assert set(fields) == {
        kb.ui.text(k, "zh") for k in ("why_rule", "why_evidence", "why_runner_up")
    }


async def test_why_after_a_restart_says_the_explanation_expired(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """A new process no longer has the explanation and says so politely, in the user's language."""
    kb = load_directory(settings.knowledge_dir)
    async with bot_running(settings):
        await fake_discord.send_message(QUESTION, channel_id=ASK_CHANNEL)
        reply = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
    async with bot_running(settings):
        click = await fake_discord.click_button(
            button(reply, "why:")["custom_id"], reply, locale="zh-CN"
        )
        click = await fake_discord.wait_for_interaction_response(click)
    assert click.data["flags"] & 64
    assert click.data["content"] == kb.ui.text("why_expired", "zh")


def test_explanations_forget_the_oldest_beyond_capacity() -> None:
    """The map is bounded: past its capacity the oldest explanation is forgotten first."""
    explanations = Explanations(capacity=2)
    for key in ("a", "b", "c"):
        explanations.remember(key, Why(rule=key))
    assert explanations.recall("a") is None
    assert [explanations.recall(k).rule for k in ("b", "c")] == ["b", "c"]  # type: ignore[union-attr]


def test_answer_keys_use_the_question_id_or_a_fresh_token() -> None:
    """With an analytics id the key is that id; without one, a token never repeated."""
    assert answer_key(42) == "42"
    tokens = {answer_key(None) for _ in range(100)}
    assert len(tokens) == 100 and all(t.startswith("t") for t in tokens)
