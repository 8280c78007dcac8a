"""Who may edit, and what admins are told: every button, select and form of the editor is
refused to a non-admin; held reloads are reported and applied with /kb reload force:true;
the daily digest of new missed questions."""

from __future__ import annotations

from typing import Any

import pytest

from bot.analytics import MissCluster
from bot.discord_glue.kbui.logbook import digest_text
from bot.kb.schema import KnowledgeBase
from bot.main import build_bot
from bot.settings import Settings
from tests import discord_support
from tests.discord_kb_support import Admin, components
from tests.discord_support import ADMIN_ROLE, ASK_CHANNEL, LOG_CHANNEL, bot_running
from tests.fakediscord import FakeChannel, FakeDiscord, FakeGuild, FakeMember

fake_discord = discord_support.fake_discord
settings = discord_support.settings


def snapshot(settings: Settings) -> dict[str, bytes]:
    root = settings.knowledge_dir
    return {p.name: p.read_bytes() for p in [*root.glob("*.yaml"), *root.glob("models/*.yaml")]}


async def editor_messages(admin: Admin, fake: FakeDiscord) -> list[dict[str, Any]]:
    """One of every kind of editor message, as an admin gets them, with their components."""
    await fake.send_message("model for writing sql queries", channel_id=ASK_CHANNEL)
    await fake.wait_for_message(channel_id=ASK_CHANNEL)
    card = admin.reply(await admin.run("kb open", {"entry": "use_case:debugging"}))

    async def note_preview(note: str) -> dict[str, Any]:
        return admin.reply(await admin.submit(await admin.press(card, "kb:edit:"), {"en": note}))

    saved = admin.reply(await admin.press(await note_preview("Only Mistral Large 2."), "kb:ok:"))
    pending = await note_preview("A pending edit.")
    stale = await note_preview("An edit that another one overtakes.")
    admin.reply(await admin.press(await note_preview("The edit that wins."), "kb:ok:"))
    changed = admin.reply(await admin.press(stale, "kb:ok:"))  # offers Re-apply
    undoing = admin.reply(await admin.press(saved, "kb:undo:"))
    listing = admin.reply(await admin.run("kb unanswered"))
    chooser = admin.reply(await admin.press(listing, "kb:tpick:"))
    quotes = admin.reply(await admin.press(card, "kb:cite:"))
    misquote = await admin.choose(quotes, "kbs:quote:", "0")
    passage = admin.reply(await admin.submit(misquote, {"quote": "主要的使用案例是代码生成"}))
    bad_form = await admin.run("kb new", {"kind": "topic"})
    values = {"id": "Bad Id", "answer_en": "a", "answer_zh": "答"}
    again = admin.reply(await admin.submit(bad_form, values))
    found = admin.reply(await admin.run("kb find", {"query": "debugging"}))
    history = admin.reply(await admin.run("kb history"))
    revision = admin.reply(await admin.choose(history, "kbs:rev:", "1"))
    shown = [card, saved, pending, changed, undoing, listing, chooser, quotes, passage, again]
    return [fake.get_message(m["id"]) for m in [*shown, found, history, revision]]


async def test_a_non_admin_is_refused_at_every_button_select_and_form(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """A plain member using any component of any editor message, or submitting a form, is
    refused privately, and nothing changes; every registered action is tried."""
    admin = Admin(fake_discord)
    outsider = Admin(fake_discord, fake_discord.user)
    refusals: list[tuple[str, Any]] = []
    async with bot_running(settings) as bot:
        messages = await editor_messages(admin, fake_discord)
        before, revisions = snapshot(settings), len(bot.editor.history()) if bot.editor else 0
        for message in messages:
            for item in components(message):
                if item.get("disabled"):
                    continue  # nobody can use it
                custom_id = item["custom_id"]
                if item["type"] == 2:
                    record = await fake_discord.click_button(custom_id, message, user=outsider.user)
                else:
                    first = [item["options"][0]["value"]]
                    record = await fake_discord.choose(
                        custom_id, message, first, user=outsider.user
                    )
                refusals.append((custom_id.split(":")[1], await outsider._wait(record)))
        form = await admin.press(messages[0], "kb:phr:")
        submitted = await fake_discord.submit_modal(form, user=outsider.user)
        refusals.append(("form submitted by another", await outsider._wait(submitted)))
        member = fake_discord.guild.member(admin.user.id)
        assert member is not None
        member.roles.remove(ADMIN_ROLE)  # an admin who lost the role while the form was open
        refusals.append(
            ("form after demotion", await admin._wait(await fake_discord.submit_modal(form)))
        )
        after = len(bot.editor.history()) if bot.editor else 0
    for what, record in refusals:
        assert record.callback_type == 4, what
        assert record.data["flags"] & 64 and "admin role" in record.data["content"], what
    assert {what for what, _ in refusals} >= set(registered_actions())
    assert snapshot(settings) == before and after == revisions


def registered_actions() -> list[str]:
    from bot.discord_glue.kbui import components

    return list(components._ACTIONS)


async def test_a_held_reload_is_reported_and_force_applies_it(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """A save that drops most use cases is held and reported; /kb status says why;
    /kb reload force:true applies it and the log names what was removed."""
    path = settings.knowledge_dir / "use_cases.yaml"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith("  - id:")]
    admin = Admin(fake_discord)
    async with bot_running(settings) as bot:
        served = bot.store.current.version
        path.write_text("".join(lines[: starts[8]]), "utf-8")
        held = await fake_discord.wait_for_message(
            lambda m: "held" in (m.get("content") or ""), channel_id=LOG_CHANNEL, since=0
        )
        status = admin.reply(await admin.run("kb status"))
        still = bot.store.current.version
        forced = admin.reply(await admin.run("kb reload", {"force": True}))
        removed = await fake_discord.wait_for_message(
            lambda m: "removed" in (m.get("content") or "") and not m["flags"] & 64,
            channel_id=LOG_CHANNEL,
            since=0,
        )
    assert "/kb reload force:true" in held["content"] and still == served
    assert "held reload" in status["content"] and "low-latency" in status["content"]
    assert "Removed: use_cases.yaml: low-latency" in forced["content"]
    assert "low-latency" in removed["content"] and "enterprise-customization" in removed["content"]
    assert bot.store.current.version != served


# -- the daily digest ----------------------------------------------------------------------
NOW = 1_800_000_000.0


def cluster(key: str, last_seen: float, question: str = "what is the weather?") -> MissCluster:
    return MissCluster(
        key=key,
        representative=question,
        examples=(question,),
        count=3,
        users=2,
        languages=("en",),
        last_seen=last_seen,
        picked=None,
        target=None,
    )


@pytest.mark.parametrize(
    ("clusters", "reported", "expected"),
    [
        ([cluster("a", NOW - 60), cluster("b", NOW - 120)], set(), "2 new group(s)"),
        ([cluster("a", NOW - 60), cluster("b", NOW - 120)], {"a"}, "1 new group(s)"),
        ([cluster("a", NOW - 3 * 86400)], set(), None),
        ([cluster("a", NOW - 60)], {"a"}, None),
        ([], set(), None),
    ],
    ids=["two new", "one already reported", "stale", "all reported", "none"],
)
def test_the_digest_counts_groups_new_since_the_last_one(
    kb: KnowledgeBase, clusters: list[MissCluster], reported: set[str], expected: str | None
) -> None:
    """New means: asked in the last day and not in an earlier digest; nothing new, no post."""
    found = digest_text(kb.ui, "en", clusters, reported, NOW)
    if expected is None:
        assert found is None
    else:
        assert found is not None and expected in found and "/kb unanswered" in found


@pytest.mark.parametrize(("hour", "scheduled"), [(None, False), (7, True)])
async def test_the_digest_loop_runs_only_when_configured(
    settings: Settings, hour: int | None, scheduled: bool
) -> None:
    """ADMIN_DIGEST_HOUR unset: no loop; set: a daily loop at that hour (UTC)."""
    settings.admin_digest_hour = hour
    bot = build_bot(settings)
    try:
        await bot.install_commands()
        cog = bot.get_cog("KnowledgeAdmin")
        loop = getattr(cog, "digest_loop", "missing")
        if scheduled:
            assert loop is not None and loop != "missing"
            assert loop.is_running() and [t.hour for t in loop.time] == [7]
            assert str(loop.time[0].tzinfo) == "UTC"
        else:
            assert loop is None
    finally:
        cog = bot.get_cog("KnowledgeAdmin")
        if cog is not None and getattr(cog, "digest_loop", None) is not None:
            cog.digest_loop.cancel()
        bot.analytics.close()


async def test_a_preview_shows_only_this_servers_questions(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """The routing impact lists recent questions of the admin's server, never another's."""
    other = FakeGuild(
        id="2000000000000000900",
        name="Other Guild",
        owner_id=fake_discord.owner.id,
        channels=[FakeChannel("3000000000000000900", "elsewhere", 0, 0)],
        members=[FakeMember(fake_discord.bot_user), FakeMember(fake_discord.user)],
    )
    fake_discord.guilds[other.id] = other
    admin = Admin(fake_discord)
    here, there = "which model for sql queries", "what model for sql queries please"
    async with bot_running(settings):
        await fake_discord.send_message(here, channel_id=ASK_CHANNEL)
        await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
        await fake_discord.send_message(there, channel_id="3000000000000000900", mentions_bot=True)
        await fake_discord.wait_for_message(channel_id="3000000000000000900")
        card = admin.reply(await admin.run("kb open", {"entry": "use_case:code-generation"}))
        opened = await admin.press(card, "kb:phr:")
        now = fake_discord.modal_fields(opened)["en"]["value"]
        preview = admin.reply(await admin.submit(opened, {"en": f"{now}\nsql queries"}))
    assert f"“{here}”: declined:out_of_scope → use_case:code-generation" in preview["content"]
    assert there not in preview["content"]


async def test_a_host_edit_that_removes_an_entry_is_named_in_the_log(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """The watcher's reload reports the entries it removed (a small removal is not held)."""
    path = settings.knowledge_dir / "topics.yaml"
    text = path.read_text("utf-8")
    start = text.index("  - id: prediction")
    end = text.index("  - id: ", start + 1)
    async with bot_running(settings) as bot:
        path.write_text(text[:start] + text[end:], "utf-8")
        removed = await fake_discord.wait_for_message(
            lambda m: "removed" in (m.get("content") or ""), channel_id=LOG_CHANNEL, since=0
        )
    assert "topics.yaml: prediction" in removed["content"]
    assert bot.last_reload is not None and bot.last_reload.removed == {
        "topics.yaml": ["prediction"]
    }
