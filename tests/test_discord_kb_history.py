"""Revisions from Discord end to end: /kb undo, /kb history with "Restore this version",
the admin log's audit with Revert, and edits made on the host recorded as revisions."""

from __future__ import annotations

from typing import Any

from bot.settings import Settings
from tests import discord_support
from tests.discord_kb_support import Admin, component, has, text
from tests.discord_support import LOG_CHANNEL, bot_running, wait_until
from tests.fakediscord import FakeDiscord

fake_discord = discord_support.fake_discord
settings = discord_support.settings

ADDED = "squash my bugs"


def use_cases(settings: Settings) -> str:
    return (settings.knowledge_dir / "use_cases.yaml").read_text(encoding="utf-8")


async def add_phrasing(admin: Admin, fake: FakeDiscord, phrasing: str = ADDED) -> dict[str, Any]:
    """Add an English phrasing to use_case:debugging from its card; the saved message."""
    card = admin.reply(await admin.run("kb open", {"entry": "use_case:debugging"}))
    opened = await admin.press(card, "kb:phr:")
    now = fake.modal_fields(opened)["en"]["value"]
    preview = admin.reply(await admin.submit(opened, {"en": f"{now}\n{phrasing}"}))
    return admin.reply(await admin.press(preview, "kb:ok:"))


async def log_message(fake: FakeDiscord, needle: str) -> dict[str, Any]:
    return await fake.wait_for_message(
        lambda m: needle in (m.get("content") or "") and not m["flags"] & 64,
        channel_id=LOG_CHANNEL,
        since=0,
    )


async def test_undo_puts_the_file_back_and_restore_brings_the_edit_again(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """/kb undo previews the caller's last edit undone; history restores the edited version."""
    original = use_cases(settings)
    admin = Admin(fake_discord)
    async with bot_running(settings):
        await add_phrasing(admin, fake_discord)
        edited = use_cases(settings)
        undoing = admin.reply(await admin.run("kb undo"))
        admin.reply(await admin.press(undoing, "kb:ok:"))
        undone = use_cases(settings)
        listing = admin.reply(await admin.run("kb history"))
        shown = admin.reply(await admin.choose(listing, "kbs:rev:", "1"))
        restoring = admin.reply(await admin.press(shown, "kb:restore:1"))
        admin.reply(await admin.press(restoring, "kb:ok:"))
    assert "undo #1" in undoing["content"]
    assert undone == original and ADDED in edited
    assert "#2" in listing["content"] and "#1" in listing["content"]
    assert '+      en: ["debugging"' in shown["content"] and ADDED in shown["content"]
    assert use_cases(settings) == edited


async def test_undo_touches_only_the_callers_own_revisions(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """Another admin's /kb undo finds nothing of theirs to undo."""
    from tests.discord_support import ADMIN_ROLE

    other = Admin(fake_discord, fake_discord.add_member("other-admin", roles=[ADMIN_ROLE]))
    admin = Admin(fake_discord)
    async with bot_running(settings):
        await add_phrasing(admin, fake_discord)
        refused = other.reply(await other.run("kb undo"))
    assert "no changes to undo" in refused["content"]


async def test_a_saved_edit_is_audited_with_revert(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """The admin log gets who (their display name then), why, which entry and the diff;
    Revert undoes it."""
    original = use_cases(settings)
    member = fake_discord.guild.member(fake_discord.admin_user.id)
    assert member is not None
    member.nick = "Alice @everyone"
    admin = Admin(fake_discord)
    async with bot_running(settings):
        await add_phrasing(admin, fake_discord)
        audit = await log_message(fake_discord, "changed from Discord")
        member.nick = "Alice renamed"
        reverting = admin.reply(await admin.press(audit, "kb:undo:1"))
        admin.reply(await admin.press(reverting, "kb:ok:"))
    assert "Alice @\u200beveryone (discord)" in audit["content"] and audit["mentions"] == []
    assert "use_case:debugging" in audit["content"] and ADDED in audit["content"]
    assert use_cases(settings) == original


async def test_a_host_edit_appears_in_history(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """A file saved on the host while the bot runs becomes a revision by "host"."""
    path = settings.knowledge_dir / "use_cases.yaml"
    admin = Admin(fake_discord)
    async with bot_running(settings) as bot:
        path.write_text(use_cases(settings).replace('"fix bugs"', '"fix my bugs"'), "utf-8")
        await log_message(fake_discord, "changed on the host")
        editor = bot.editor
        assert editor is not None
        await wait_until(lambda: bool(editor.history()), "the host edit's revision")
        listing = admin.reply(await admin.run("kb history", {"entry": "use_case:debugging"}))
    assert "host" in listing["content"] and "fix my bugs" in text(listing)


async def test_an_edit_made_while_the_bot_was_stopped_is_recorded_at_start(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """Start-up compares the files with the last revision and records the difference."""
    admin = Admin(fake_discord)
    async with bot_running(settings):
        await add_phrasing(admin, fake_discord)
    path = settings.knowledge_dir / "use_cases.yaml"
    path.write_text(use_cases(settings).replace(ADDED, "crush my bugs"), "utf-8")
    async with bot_running(settings):
        await log_message(fake_discord, "changed on the host")
        listing = admin.reply(await admin.run("kb history"))
    assert "#2" in listing["content"] and "host" in listing["content"]
    assert "crush my bugs" in text(listing)


async def test_history_of_an_entry_without_changes_says_so(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """An entry never edited has an empty history, and no select to act on."""
    admin = Admin(fake_discord)
    async with bot_running(settings):
        listing = admin.reply(await admin.run("kb history", {"entry": "topic:prediction"}))
    assert "No changes of topic:prediction" in listing["content"]
    assert not has(listing, "kbs:rev:")


async def test_a_long_history_diff_is_attached(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """Diffs that do not fit in a message go out as history.diff."""
    admin = Admin(fake_discord)
    async with bot_running(settings):
        for n in range(4):
            await add_phrasing(admin, fake_discord, f"{ADDED} number {n} " + "x" * 150)
        listing = admin.reply(await admin.run("kb history"))
    attached = fake_discord.attachment_bytes(listing, "history.diff").decode()
    assert "history.diff" in listing["content"] and attached.count("+++ b/use_cases.yaml") == 4
    assert component(listing, "kbs:rev:")


async def test_after_a_restart_revert_still_works_and_old_previews_say_expired(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """Revert carries its revision in the button, so it outlives the process; a preview
    kept only in memory is gone, and pressing Confirm says so."""
    admin = Admin(fake_discord)
    async with bot_running(settings):
        await add_phrasing(admin, fake_discord)
        audit = await log_message(fake_discord, "changed from Discord")
        card = admin.reply(await admin.run("kb open", {"entry": "use_case:debugging"}))
        opened = await admin.press(card, "kb:phr:")
        stale = admin.reply(await admin.submit(opened, {"en": "debugging"}))
    async with bot_running(settings):
        expired = admin.reply(await admin.press(stale, "kb:ok:"))
        reverting = admin.reply(await admin.press(audit, "kb:undo:1"))
    assert "expired" in expired["content"]
    assert "undo #1" in reverting["content"] and has(reverting, "kb:ok:")
