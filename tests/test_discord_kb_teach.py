"""The teach loop end to end: /kb unanswered groups this server's missed questions, and one
click adds a group's question to an entry (a preview, then Confirm), after which the
same question is answered."""

from __future__ import annotations

import sqlite3

from bot.analytics import MissCluster
from bot.discord_glue.kbui.teach import PAGE_SIZE, TeachPage, page_message
from bot.kb.schema import KnowledgeBase
from bot.settings import Settings
from tests import discord_support
from tests.discord_kb_support import Admin, component, has, text
from tests.discord_support import ASK_CHANNEL, bot_running, embed_text
from tests.fakediscord import FakeDiscord, check_message_payload

fake_discord = discord_support.fake_discord
settings = discord_support.settings

# Declined today ("did you mean: code generation"), and closest to code generation.
MISSED = "model for writing sql queries"


async def ask_in_channel(fake: FakeDiscord, question: str) -> str:
    await fake.send_message(question, channel_id=ASK_CHANNEL)
    reply = await fake.wait_for_message(channel_id=ASK_CHANNEL)
    return embed_text(reply)


async def test_a_phrasing_added_from_unanswered_answers_the_question(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """Add to <entry>, Confirm: the re-score shows it answered, and users get the answer."""
    admin = Admin(fake_discord)
    async with bot_running(settings):
        before = await ask_in_channel(fake_discord, MISSED)
        listing = admin.reply(await admin.run("kb unanswered"))
        assert MISSED in text(listing) and "Code generation" in text(listing)
        preview = admin.reply(await admin.press(listing, "kb:tadd:"))
        assert "use_cases.yaml" in preview["content"] and "+" in preview["content"]
        assert not component(preview, "kb:ok:").get("disabled")
        saved = admin.reply(await admin.press(preview, "kb:ok:"))
        after = await ask_in_channel(fake_discord, MISSED)
    assert "Did you mean" in before and "Mistral Large 2" not in before
    assert "Saved as revision #1" in saved["content"]
    assert f"✅ “{MISSED}” → use_case:code-generation" in saved["content"]
    assert "Did you mean" not in after and "1. Mistral Large 2" in after


async def test_ignore_is_stored_and_the_group_does_not_come_back(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """Ignore marks the group, drops its buttons, and a new listing leaves it out."""
    admin = Admin(fake_discord)
    async with bot_running(settings):
        await ask_in_channel(fake_discord, "which llm knows the weather in Paris?")
        listing = admin.reply(await admin.run("kb unanswered"))
        updated = admin.reply(await admin.press(listing, "kb:tign:"))
        again = admin.reply(await admin.run("kb unanswered"))
    assert "will not be listed again" in text(updated) and not has(updated, "kb:tign:")
    assert "weather" not in text(again)
    with sqlite3.connect(settings.database_path) as db:
        assert db.execute("SELECT COUNT(*) FROM ignored_clusters").fetchone() == (1,)


async def test_add_to_another_entry_picks_it_from_a_select(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """ "Add to another…" offers entries, closest first; choosing one shows the preview."""
    admin = Admin(fake_discord)
    async with bot_running(settings):
        await ask_in_channel(fake_discord, MISSED)
        listing = admin.reply(await admin.run("kb unanswered"))
        chooser = admin.reply(await admin.press(listing, "kb:tpick:"))
        options = [o["value"] for o in component(chooser, "kbs:tto:")["options"]]
        preview = admin.reply(await admin.choose(chooser, "kbs:tto:", "use_case:prototyping"))
    assert options[0] == "use_case:code-generation" and len(options) <= 25
    assert "use_case:prototyping" in preview["content"] and has(preview, "kb:ok:")


async def test_new_answer_opens_a_topic_form_with_the_question(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """ "New answer…" opens a new-topic form holding the question; submitting previews it."""
    admin = Admin(fake_discord)
    async with bot_running(settings):
        await ask_in_channel(fake_discord, "which llm knows the weather in Paris?")
        listing = admin.reply(await admin.run("kb unanswered"))
        opened = await admin.press(listing, "kb:tnew:")
        fields = fake_discord.modal_fields(opened)
        preview = admin.reply(
            await admin.submit(
                opened,
                {
                    "id": "weather",
                    "answer_en": "The article is about LLMs.",
                    "answer_zh": "文章讲的是大模型。",
                },
            )
        )
    assert opened.callback_type == 9
    assert fields["phrasings_en"]["value"] == "which llm knows the weather in Paris?"
    assert "add topic 'weather'" in preview["content"]


def test_a_full_page_of_long_questions_stays_within_discords_limits(kb: KnowledgeBase) -> None:
    """Five groups of long questions: embeds, rows and buttons within what Discord accepts."""
    long = "which model " + "really " * 60 + "fits?"
    clusters = [
        MissCluster(
            key=f"k{i}",
            representative=f"{i} {long}",
            examples=tuple(f"{i}.{j} {long}" for j in range(5)),
            count=40,
            users=12,
            languages=("en", "zh"),
            last_seen=1_800_000_000.0,
            picked=long,
            target=("use_case:code-generation", "Code generation " * 5),
            reasons=(("declined", 30), ("unsure", 8), ("down", 2)),
        )
        for i in range(PAGE_SIZE)
    ]
    page = TeachPage(guild_id=1, clusters=clusters, start=1, pages=1)
    out = page_message(kb.ui, "en", "0123456789ab", page)
    assert out.view is not None
    payload = {
        "content": out.content,
        "embeds": [embed.to_dict() for embed in out.embeds],
        "components": out.view.to_components(),
    }
    assert check_message_payload(payload) == []
    assert len(out.embeds) == PAGE_SIZE and len(payload["components"]) == PAGE_SIZE
