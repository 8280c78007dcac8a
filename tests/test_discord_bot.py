"""The real bot (discord.py) end to end against the local fake Discord.

Every REST body the bot sends is validated by the fake against Discord's
OpenAPI spec and documented limits; any violation fails the test.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest

from bot.engine.engine import Engine
from bot.kb.loader import load_directory
from bot.main import LLMBot, start_bot
from bot.render import answer_embed_dict
from bot.settings import Settings
from tests import discord_support
from tests.discord_support import (
    ASK_CHANNEL,
    GENERAL,
    LOG_CHANNEL,
    bot_running,
    button,
    buttons,
    embed_text,
    wait_until,
)
from tests.fakediscord import FakeDiscord, FakeDiscordTimeout

fake_discord = discord_support.fake_discord
settings = discord_support.settings


async def test_login_ready_and_guild_sync(fake_discord: FakeDiscord, settings: Settings) -> None:
    """The bot logs in, syncs its commands to the dev guild with zh-CN names, and is ready."""
    async with bot_running(settings) as bot:
        assert bot.is_ready()
        commands = {c["name"]: c for c in fake_discord.guild_commands[fake_discord.guild.id]}
    assert set(commands) == {"ask", "compare", "model", "recommend", "sources", "help", "kb"}
    assert commands["ask"]["name_localizations"]["zh-CN"] == "提问"
    assert commands["compare"]["description_localizations"]["zh-CN"]
    assert str(commands["kb"]["default_member_permissions"]) == str(1 << 5)  # manage_guild
    assert fake_discord.global_commands == []  # never a global sync on start


async def test_mention_gets_reply_embed_in_english(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """A mention is answered with a reply embed: answer, recommendation, sources, confidence."""
    async with bot_running(settings):
        asked = await fake_discord.send_message(
            "which model for code debugging?", mentions_bot=True, channel_id=GENERAL
        )
        reply = await fake_discord.wait_for_message(channel_id=GENERAL)
    assert str(reply["message_reference"]["message_id"]) == asked["id"]
    text = embed_text(reply)
    assert "Mistral Large 2" in text
    assert "Sources" in text and "AI Business Asia" in text and "2024-07-29" in text
    assert "Confidence" in text
    ids = [b["custom_id"] for b in buttons(reply)]
    assert any(i.startswith("fb:up:") for i in ids) and any(i.startswith("fb:down:") for i in ids)


async def test_mention_gets_reply_in_chinese(fake_discord: FakeDiscord, settings: Settings) -> None:
    """A Chinese question is answered in Chinese."""
    async with bot_running(settings):
        await fake_discord.send_message("GPT-4o mini 多少钱？", mentions_bot=True)
        reply = await fake_discord.wait_for_message()
    text = embed_text(reply)
    assert "来源" in text and "0.15" in text


async def test_silent_outside_ask_channels_but_answers_inside(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """Plain messages elsewhere are ignored; every message in an ask channel is answered."""
    async with bot_running(settings):
        ignored = await fake_discord.send_message("which model for chatbots?", channel_id=GENERAL)
        with pytest.raises(FakeDiscordTimeout):
            await fake_discord.wait_for_message(channel_id=GENERAL, timeout=0.5)
        await fake_discord.send_message("which model for chatbots?", channel_id=ASK_CHANNEL)
        reply = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
    assert "GPT-4o mini" in embed_text(reply)
    referenced = {
        str(m.get("message_reference", {}).get("message_id")) for m in fake_discord.messages
    }
    assert ignored["id"] not in referenced


async def test_everyone_in_a_question_pings_nobody(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """Quoting @everyone never pings: allowed_mentions parses nothing."""
    async with bot_running(settings):
        await fake_discord.send_message(
            "@everyone which model for debugging?", channel_id=ASK_CHANNEL
        )
        await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
    posts = [
        r for r in fake_discord.requests if r.method == "POST" and r.path.endswith("/messages")
    ]
    assert posts
    for request in posts:
        mentions = request.json["allowed_mentions"]
        assert mentions.get("parse", []) == []
        assert not mentions.get("replied_user", False)


async def test_other_bots_are_ignored(fake_discord: FakeDiscord, settings: Settings) -> None:
    """Messages from other bots get no answer."""
    other = fake_discord.add_member("otherbot")
    other.bot = True
    async with bot_running(settings):
        await fake_discord.send_message(
            "which model for chatbots?", channel_id=ASK_CHANNEL, author=other
        )
        with pytest.raises(FakeDiscordTimeout):
            await fake_discord.wait_for_message(channel_id=ASK_CHANNEL, timeout=0.5)


async def test_cooldown_notice_is_sent_once(fake_discord: FakeDiscord, settings: Settings) -> None:
    """Past 5 questions in 30 s a user gets one polite notice, then silence."""
    async with bot_running(settings):
        for i in range(7):
            await fake_discord.send_message(
                f"which model for chatbots? {i}", channel_id=ASK_CHANNEL
            )
            if i < 6:
                await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
        with pytest.raises(FakeDiscordTimeout):
            await fake_discord.wait_for_message(channel_id=ASK_CHANNEL, timeout=0.5)
    notices = [m for m in fake_discord.messages if "wait" in (m.get("content") or "")]
    assert len(notices) == 1
    assert sum(1 for m in fake_discord.messages if m.get("embeds")) == 5


async def test_slash_ask(fake_discord: FakeDiscord, settings: Settings) -> None:
    """/ask answers with an embed."""
    async with bot_running(settings):
        rec = await fake_discord.invoke_slash("ask", {"question": "compare llama and mistral"})
        rec = await fake_discord.wait_for_interaction_response(rec)
    assert rec.callback_type == 4
    text = embed_text(rec.data)
    assert "Llama 3.1 405B" in text and "Mistral Large 2" in text


async def test_slash_compare_side_by_side(fake_discord: FakeDiscord, settings: Settings) -> None:
    """/compare gives one inline column per model; unstated cells say so."""
    async with bot_running(settings):
        rec = await fake_discord.invoke_slash(
            "compare", {"model_a": "gpt-4o-mini", "model_b": "deepseek-v2", "aspect": "pricing"}
        )
        rec = await fake_discord.wait_for_interaction_response(rec)
    fields = rec.data["embeds"][0]["fields"]
    cells = [f for f in fields if f["inline"] and f["name"] != "\u200b"]
    assert [f["name"].split(" · ")[0] for f in cells] == ["GPT-4o mini", "DeepSeek-V2"]
    assert "0.15" in cells[0]["value"] and "⚠️" not in cells[0]["value"]
    assert "⚠️" in cells[1]["value"]  # DeepSeek-V2's price is not stated


async def test_slash_compare_rejects_unknown_model(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """A model typed without autocomplete is validated again on submit."""
    async with bot_running(settings):
        rec = await fake_discord.invoke_slash(
            "compare", {"model_a": "claude", "model_b": "llama-3.1-405b"}
        )
        rec = await fake_discord.wait_for_interaction_response(rec)
    assert rec.data["flags"] & 64
    assert "claude" in rec.data["content"]


async def test_slash_model_in_chinese_locale(fake_discord: FakeDiscord, settings: Settings) -> None:
    """/model answers in the interaction's locale."""
    async with bot_running(settings):
        rec = await fake_discord.invoke_slash(
            "model", {"name": "mistral-large-2", "aspect": "parameters"}, locale="zh-CN"
        )
        rec = await fake_discord.wait_for_interaction_response(rec)
    assert "123" in embed_text(rec.data) and "来源" in embed_text(rec.data)


async def test_recommend_autocomplete_and_submit(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """Autocomplete offers at most 25 use cases in both languages; submit recommends."""
    async with bot_running(settings):
        ac = await fake_discord.autocomplete("recommend", {"use_case": "code"}, focused="use_case")
        ac = await fake_discord.wait_for_interaction_response(ac)
        everything = await fake_discord.autocomplete(
            "recommend", {"use_case": ""}, focused="use_case"
        )
        everything = await fake_discord.wait_for_interaction_response(everything)
        rec = await fake_discord.invoke_slash("recommend", {"use_case": "debugging"})
        rec = await fake_discord.wait_for_interaction_response(rec)
    assert ac.callback_type == 8
    values = [c["value"] for c in ac.choices]
    assert "code-generation" in values
    assert any("代码" in c["name"] for c in ac.choices)
    assert len(everything.choices) <= 25
    assert "Mistral Large 2" in embed_text(rec.data)


async def test_feedback_survives_a_restart(fake_discord: FakeDiscord, settings: Settings) -> None:
    """👍 on an answer from a previous bot process is recorded by the new one."""
    async with bot_running(settings):
        await fake_discord.send_message("which model for debugging?", channel_id=ASK_CHANNEL)
        reply = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
    up = next(b for b in buttons(reply) if b["custom_id"].startswith("fb:up:"))
    async with bot_running(settings):
        click = await fake_discord.click_button(up["custom_id"], reply)
        click = await fake_discord.wait_for_interaction_response(click)
    assert click.data["flags"] & 64 and "Thanks" in click.data["content"]
    with sqlite3.connect(settings.database_path) as db:
        assert db.execute("SELECT helpful FROM feedback").fetchall() == [(1,)]


async def test_admin_command_denied_then_allowed(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """/kb status is refused to a member without the admin role and shown to an admin."""
    async with bot_running(settings):
        denied = await fake_discord.invoke_slash("kb status", user=fake_discord.user)
        denied = await fake_discord.wait_for_interaction_response(denied)
        allowed = await fake_discord.invoke_slash("kb status", user=fake_discord.admin_user)
        allowed = await fake_discord.wait_for_interaction_response(allowed)
    assert denied.data["flags"] & 64 and "admin" in denied.data["content"]
    assert allowed.data["flags"] & 64 and "version:" in allowed.data["content"]


async def test_admin_check_and_unanswered(fake_discord: FakeDiscord, settings: Settings) -> None:
    """/kb check reports OK and /kb unanswered lists declined questions (not chatter)."""
    async with bot_running(settings):
        await fake_discord.send_message("what's the weather?", channel_id=ASK_CHANNEL)
        await fake_discord.send_message(
            "does gpt-4o mini have a weather plugin?", channel_id=ASK_CHANNEL
        )
        await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
        chk = await fake_discord.invoke_slash("kb check", user=fake_discord.admin_user)
        chk = await fake_discord.wait_for_interaction_response(chk, followups=1)
        un = await fake_discord.invoke_slash("kb unanswered", user=fake_discord.admin_user)
        un = await fake_discord.wait_for_interaction_response(un, followups=1)
    assert "OK" in chk.followups[-1]["content"]
    assert un.callback_type == 5  # deferred first: grouping the questions may take a moment
    listed = embed_text(un.followups[-1])
    assert "weather plugin" in listed
    assert "what's the weather?" not in listed  # chatter in an ask channel is not a miss


async def ask_once(fake: FakeDiscord, question: str) -> str:
    """The text of the bot's answer to ``/ask question``."""
    rec = await fake.invoke_slash("ask", {"question": question})
    rec = await fake.wait_for_interaction_response(rec)
    return embed_text(rec.data)


async def test_hot_reload_serves_valid_edits_and_survives_broken_ones(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """A valid edit is served after the reload; a broken one is reported and the old KB stays."""
    responses = settings.knowledge_dir / "responses.yaml"
    original = responses.read_text(encoding="utf-8")
    async with bot_running(settings) as bot:
        first_version = bot.engine.kb.version
        edited = original.replace("Sorry, I can only answer", "EDITED: I can only answer")
        responses.write_text(edited, encoding="utf-8")
        # The engine is rebuilt after the store swaps: wait for the one that serves answers.
        await wait_until(lambda: bot.engine.kb.version != first_version, "the reload")
        assert "EDITED" in await ask_once(fake_discord, "tell me a joke")
        good_version = bot.engine.kb.version

        responses.write_text(edited + "\n  broken: [unclosed\n", encoding="utf-8")
        report = await fake_discord.wait_for_message(
            lambda m: "rejected" in (m.get("content") or ""), channel_id=LOG_CHANNEL, timeout=15
        )
        assert "responses.yaml:" in report["content"]
        assert bot.store.current.version == good_version
        assert "EDITED" in await ask_once(fake_discord, "tell me a joke")


async def test_handler_errors_get_an_apology(
    fake_discord: FakeDiscord, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception while answering is logged and answered with a short apology."""
    async with bot_running(settings) as bot:

        def boom(*args: object, **kwargs: object) -> None:
            raise RuntimeError("boom")

        monkeypatch.setattr(bot.engine, "answer", boom)
        await fake_discord.send_message("which model for debugging?", channel_id=ASK_CHANNEL)
        reply = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
        rec = await fake_discord.invoke_slash("ask", {"question": "hi"})
        rec = await fake_discord.wait_for_interaction_response(rec)
    assert "Sorry" in reply["content"]
    assert rec.data["flags"] & 64 and "Sorry" in rec.data["content"]


async def test_without_message_content_intent_mentions_still_work(
    fake_discord: FakeDiscord, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """If the portal refuses message content, the bot restarts without it and answers mentions."""
    fake_discord.message_content_intent = False
    bots: list[LLMBot] = []
    task = asyncio.create_task(start_bot(settings, on_bot=bots.append, guild_ready_timeout=0.05))
    try:
        await wait_until(lambda: len(bots) == 2 and bots[1].is_ready(), "the restarted bot")
        assert not bots[1].message_content_enabled
        await fake_discord.send_message("which model for debugging?", mentions_bot=True)
        reply = await fake_discord.wait_for_message()
        assert "Mistral Large 2" in embed_text(reply)
        assert "Message Content Intent" in caplog.text
    finally:
        if bots:
            await bots[-1].close()
        await task


async def test_admin_reload_reports_a_broken_file(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """/kb reload on a broken edit says which file and line, and keeps serving."""
    settings.reload_poll_seconds = 3600.0  # only the command reloads in this test
    async with bot_running(settings) as bot:
        version = bot.store.current.version
        path = settings.knowledge_dir / "topics.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "  - id: [\n", encoding="utf-8")
        rec = await fake_discord.invoke_slash("kb reload", user=fake_discord.admin_user)
        rec = await fake_discord.wait_for_interaction_response(rec, followups=1)
        assert bot.store.current.version == version
    text = rec.followups[-1]["content"]
    assert "rejected" in text and "topics.yaml:" in text


async def test_global_sync_command(
    fake_discord: FakeDiscord, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m bot sync --global` publishes every command globally and exits."""
    from bot.main import sync_async

    assert await sync_async(settings, global_sync=True) == 0
    names = {c["name"] for c in fake_discord.global_commands}
    assert names == {"ask", "compare", "model", "recommend", "sources", "help", "kb"}
    assert "synced 7 global commands" in capsys.readouterr().out


async def test_invalid_token_is_one_clear_line(
    fake_discord: FakeDiscord, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """A token Discord rejects ends the run with one explanation, not a traceback."""
    from bot.main import run_async

    fake_discord.rejected_tokens.add("fake-bot-token")
    assert await run_async(settings, guild_ready_timeout=0.05) == 2
    err = capsys.readouterr().err
    assert "DISCORD_TOKEN" in err and "Traceback" not in err


async def test_direct_message_is_answered(fake_discord: FakeDiscord, settings: Settings) -> None:
    """A DM needs no mention and gets an answer in the DM channel."""
    async with bot_running(settings):
        sent = await fake_discord.send_message("GPT-4o mini 多少钱？", guild=False)
        reply = await fake_discord.wait_for_message(channel_id=sent["channel_id"])
    assert "0.15" in embed_text(reply)


async def test_bare_mention_gets_help(fake_discord: FakeDiscord, settings: Settings) -> None:
    """Mentioning the bot with no question shows how to use it."""
    async with bot_running(settings):
        await fake_discord.send_message("", mentions_bot=True)
        reply = await fake_discord.wait_for_message()
    assert "Try" in embed_text(reply)


async def test_failed_dev_guild_sync_is_logged_and_the_bot_still_answers(
    fake_discord: FakeDiscord, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """A wrong DEV_GUILD_ID is one clear log line, not a crash; messages are still answered."""
    settings.dev_guild_id = 2999999999999999999
    async with bot_running(settings):
        await fake_discord.send_message("which model for debugging?", channel_id=ASK_CHANNEL)
        reply = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
    assert "Mistral Large 2" in embed_text(reply)
    assert "check DEV_GUILD_ID" in caplog.text


async def test_mentions_do_not_trigger_prefix_command_errors(
    fake_discord: FakeDiscord, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """A mention is a question, never a failed prefix command logged as an error."""
    async with bot_running(settings):
        await fake_discord.send_message("which model for chatbots?", mentions_bot=True)
        await fake_discord.wait_for_message()
    assert "CommandNotFound" not in caplog.text
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_slash_commands_share_the_cooldown(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """Slash commands count toward the per-user cooldown and get a private notice."""
    settings.cooldown_questions = 2
    async with bot_running(settings) as bot:
        records = []
        for _ in range(3):
            rec = await fake_discord.invoke_slash("ask", {"question": "which model for math?"})
            records.append(await fake_discord.wait_for_interaction_response(rec))
    assert [bool(r.data.get("embeds")) for r in records] == [True, True, False]
    assert records[2].data["flags"] & 64 and "wait" in records[2].data["content"]
    assert bot.analytics.closed  # closed with the bot


def assert_answers(settings: Settings, shown: dict[str, Any], question: str) -> None:
    """``shown`` is the embed a fresh engine gives for ``question`` (title and text)."""
    kb = load_directory(settings.knowledge_dir)
    expected = Engine(kb).answer(question)
    assert expected.answered, f"suggestion {question!r} is not itself answerable"
    embed = answer_embed_dict(expected, kb.ui)
    assert (shown["title"], shown["description"]) == (embed["title"], embed["description"])


async def test_did_you_mean_button_answers_the_suggested_question(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """Clicking a 'Did you mean' button answers exactly the question on its label."""
    async with bot_running(settings):
        await fake_discord.send_message("model stuff?", channel_id=ASK_CHANNEL)
        reply = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
        suggestion = button(reply, "dym:1")  # not the first: the index must matter
        click = await fake_discord.click_button(suggestion["custom_id"], reply)
        click = await fake_discord.wait_for_interaction_response(click)
    assert_answers(settings, click.data["embeds"][0], suggestion["label"])


async def test_did_you_mean_survives_a_restart(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """A 'Did you mean' button on a message from a previous bot process still answers it."""
    async with bot_running(settings):
        await fake_discord.send_message("model stuff?", channel_id=ASK_CHANNEL)
        reply = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
    suggestion = button(reply, "dym:0")
    async with bot_running(settings):
        click = await fake_discord.click_button(suggestion["custom_id"], reply)
        click = await fake_discord.wait_for_interaction_response(click)
    assert_answers(settings, click.data["embeds"][0], suggestion["label"])


async def test_slow_answer_is_deferred_then_followed_up(
    fake_discord: FakeDiscord, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When an answer is not ready in time the interaction is deferred, then followed up."""
    import time as _time

    import bot.discord_glue.sending as sending

    monkeypatch.setattr(sending, "DEFER_AFTER_SECONDS", 0.05)
    async with bot_running(settings) as bot:
        real_answer = bot.engine.answer

        def slow(*args: object, **kwargs: object) -> object:
            _time.sleep(0.3)
            return real_answer(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(bot.engine, "answer", slow)
        rec = await fake_discord.invoke_slash("ask", {"question": "which model for debugging?"})
        rec = await fake_discord.wait_for_interaction_response(rec, followups=1)
    assert rec.callback_type == 5
    assert "Mistral Large 2" in embed_text(rec.followups[-1])


async def test_sources_names_the_article_and_its_coverage_in_a_field(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """/sources names the article; the coverage line is its own field, not answer text."""
    kb = load_directory(settings.knowledge_dir)
    async with bot_running(settings):
        src = await fake_discord.invoke_slash("sources")
        src = await fake_discord.wait_for_interaction_response(src)
    embed = src.data["embeds"][0]
    assert "AI Business Asia" in embed_text(src.data)
    assert embed["description"] == Engine(kb).topic("source", "en").answer
    coverage = next(f for f in embed["fields"] if f["name"] == kb.ui.text("label_coverage", "en"))
    assert f"{kb.counts()['models']} models" in coverage["value"]


async def test_help_is_private_and_in_the_users_language(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """/help answers privately, in Chinese for a zh-CN user."""
    async with bot_running(settings):
        hlp = await fake_discord.invoke_slash("help", locale="zh-CN")
        hlp = await fake_discord.wait_for_interaction_response(hlp)
    assert hlp.data["flags"] & 64
    assert any("\u4e00" <= ch <= "\u9fff" for ch in embed_text(hlp.data))


HOSTILE = "[free nitro](https://evil.example) **bold** # H1 @everyone <@&2000000000000000101>"


async def test_declined_question_title_is_the_bots_not_the_users(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """A declined question's embed title is the catalogue's; none of the user's markdown."""
    kb = load_directory(settings.knowledge_dir)
    async with bot_running(settings):
        await fake_discord.send_message(HOSTILE, channel_id=ASK_CHANNEL, mentions_bot=True)
        reply = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
    embed = reply["embeds"][0]
    assert embed["title"] == kb.ui.text("title_declined", "en")
    for marker in ("free nitro", "evil.example", "**", "# H1", "@everyone", "<@&"):
        assert marker not in embed_text(reply)


async def test_did_you_mean_title_is_the_bots_not_the_users(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """An unsure answer's title is the catalogue's 'Did you mean', not the question."""
    kb = load_directory(settings.knowledge_dir)
    async with bot_running(settings):
        await fake_discord.send_message("**model** stuff?", channel_id=ASK_CHANNEL)
        reply = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
    assert buttons(reply), "expected an unsure answer with suggestions"
    assert reply["embeds"][0]["title"] == kb.ui.text("title_unsure", "en")


async def _send_all(fake_discord: FakeDiscord, texts: list[str], **kwargs: object) -> list[dict]:
    return [
        await fake_discord.send_message(text, channel_id=ASK_CHANNEL, **kwargs)  # type: ignore[arg-type]
        for text in texts
    ]


async def test_ask_channel_chatter_gets_no_embed(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """In an ask channel: chatter gets nothing, a question the bot cannot place gets a 🤔
    (ASK_CHANNEL_CHATTER=react, the default), thanks one short line, questions an embed."""
    chatter = ["lol", "I mostly write Go these days", "```py\nprint('hi')\n```"]
    unplaced = "what time is the raid tonight?"
    async with bot_running(settings):
        sent = await _send_all(fake_discord, [*chatter, unplaced, "thanks a lot!"])
        await fake_discord.send_message("which model for chatbots?", channel_id=ASK_CHANNEL)
        await wait_until(
            lambda: (
                sum(bool(m.get("embeds")) for m in fake_discord.messages) >= 1
                and len(fake_discord.messages) >= 2
                and len(fake_discord.reactions) >= 1
            ),
            "the question's embed, the thanks line and the reaction",
        )
    by_reference = {
        str(m.get("message_reference", {}).get("message_id")): m for m in fake_discord.messages
    }
    assert all(s["id"] not in by_reference for s in sent[:4])  # no reply to chatter
    thanks = by_reference[sent[4]["id"]]
    assert not thanks.get("embeds") and thanks["content"].startswith("Any time!")
    assert [(r[1], r[2]) for r in fake_discord.reactions] == [(sent[3]["id"], "🤔")]
    assert len(fake_discord.messages) == 2  # chatter did not use up the cooldown either


async def test_chatter_setting_silent_and_reply(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """silent: not even a reaction; reply: the decline as in a DM. A mention always replies."""
    quiet = settings.model_copy(update={"ask_channel_chatter": "silent"})
    async with bot_running(quiet):
        await _send_all(fake_discord, ["what time is the raid tonight?", "lol"])
        await fake_discord.send_message("lol", channel_id=ASK_CHANNEL, mentions_bot=True)
        reply = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
    assert fake_discord.reactions == [] and len(fake_discord.messages) == 1
    assert "doesn't look like a question" in embed_text(reply)
    fake_discord.messages.clear()
    talkative = settings.model_copy(update={"ask_channel_chatter": "reply"})
    async with bot_running(talkative):
        await fake_discord.send_message("I mostly write Go these days", channel_id=ASK_CHANNEL)
        reply = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
    assert "doesn't look like a question" in embed_text(reply)
