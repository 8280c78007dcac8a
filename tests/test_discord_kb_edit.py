"""Editing entries from Discord end to end: a form, a preview, Confirm; the files on disk
change only then, keep their comments, and an edit that fails the checks cannot be saved."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from bot.settings import Settings
from tests import discord_support
from tests.discord_kb_support import Admin, component, has, text
from tests.discord_support import ADMIN_ROLE, bot_running
from tests.fakediscord import FakeDiscord

fake_discord = discord_support.fake_discord
settings = discord_support.settings

MISTRAL = "models/mistral-large-2.yaml"
RELEASE = "fact:mistral-large-2/release_date"
VERBATIM = "Mistrial 于7月24日发布了 large2 模型"  # the article's own typo


def read(settings: Settings, name: str) -> str:
    return (settings.knowledge_dir / name).read_text(encoding="utf-8")


async def test_open_shows_the_entry_with_its_edit_buttons(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """/kb open shows phrasings, texts and quotes, with a button per edit."""
    admin = Admin(fake_discord)
    async with bot_running(settings):
        card = admin.reply(await admin.run("kb open", {"entry": "use_case:debugging"}))
    shown = text(card)
    assert "debug my code" in shown and "代码调试" in shown and "调试支持" in shown
    for action in ("edit", "phr", "cite", "hist", "del"):
        assert has(card, f"kb:{action}:use_case:debugging")


async def test_entry_autocomplete_offers_use_cases_topics_and_facts(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """Typing part of a name finds entries of every kind; a non-admin is offered none."""
    async with bot_running(settings):
        found = await fake_discord.autocomplete(
            "kb open", {"entry": "release"}, focused="entry", user=fake_discord.admin_user
        )
        found = await fake_discord.wait_for_interaction_response(found)
        hidden = await fake_discord.autocomplete("kb open", {"entry": "release"}, focused="entry")
        hidden = await fake_discord.wait_for_interaction_response(hidden)
    assert RELEASE in [c["value"] for c in found.choices or []]
    assert hidden.choices == []


async def test_a_text_edit_is_saved_only_on_confirm_and_keeps_comments(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """Edit → preview (file untouched) → Confirm: one line changes, comments stay."""
    path = settings.knowledge_dir / MISTRAL
    marked = read(settings, MISTRAL).replace(
        "  - aspect: release_date\n",
        "  # checked against the article on 2024-08-01\n  - aspect: release_date\n",
    )
    path.write_text(marked, encoding="utf-8")
    admin = Admin(fake_discord)
    new_en = "Mistral released Large 2 on 24 July 2024 (the article writes 'Mistrial')."
    async with bot_running(settings):
        card = admin.reply(await admin.run("kb open", {"entry": RELEASE}))
        opened = await admin.press(card, "kb:edit:")
        assert fake_discord.modal_fields(opened)["en"]["value"].startswith("Mistral released")
        preview = admin.reply(await admin.submit(opened, {"en": new_en, "reason": "wording"}))
        untouched = read(settings, MISTRAL)
        saved = admin.reply(await admin.press(preview, "kb:ok:"))
    after = read(settings, MISTRAL)
    assert untouched == marked
    assert "Saved as revision #1" in saved["content"]
    assert "# checked against the article on 2024-08-01" in after
    changed = [
        (a, b) for a, b in zip(marked.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    assert [b.strip() for _, b in changed] == [f'en: "{new_en}"']


async def test_edit_again_reopens_the_form_with_what_was_typed(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """After a form, "Edit again" opens a fresh form holding the typed text; its preview
    replaces the old one in place."""
    admin = Admin(fake_discord)
    async with bot_running(settings):
        card = admin.reply(await admin.run("kb open", {"entry": RELEASE}))
        opened = await admin.press(card, "kb:edit:")
        preview = admin.reply(await admin.submit(opened, {"en": "First try."}))
        reopened = await admin.press(preview, "kb:again:")
        typed = fake_discord.modal_fields(reopened)["en"]["value"]
        replaced = await admin.submit(reopened, {"en": "Second try."})
    assert typed == "First try."
    assert replaced.callback_type == 6 and replaced.message_id == preview["id"]
    assert "Second try." in admin.reply(replaced)["content"]


async def test_an_edit_that_fails_validation_cannot_be_confirmed(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """A phrasing another entry already uses: the problem with file:line, Confirm disabled,
    and a forged click on Confirm is refused too."""
    admin = Admin(fake_discord)
    before = read(settings, "use_cases.yaml")
    async with bot_running(settings):
        card = admin.reply(await admin.run("kb open", {"entry": "use_case:debugging"}))
        opened = await admin.press(card, "kb:phr:")
        now = fake_discord.modal_fields(opened)["en"]["value"]
        preview = admin.reply(await admin.submit(opened, {"en": now + "\ncoding"}))
        forged = copy.deepcopy(preview)
        forged["id"] = fake_discord.snowflake()
        for row in forged["components"]:
            for button in row["components"]:
                button["disabled"] = False
        refused = admin.reply(await admin.press(forged, "kb:ok:"))
    assert component(preview, "kb:ok:")["disabled"] is True
    assert "problem" in preview["content"] and "use_cases.yaml:" in preview["content"]
    assert "cannot be confirmed" in refused["content"]
    assert read(settings, "use_cases.yaml") == before


async def test_phrasings_form_adds_and_removes_lines(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """Deleting a line removes that phrasing and a new line adds one, in one revision."""
    admin = Admin(fake_discord)
    async with bot_running(settings):
        card = admin.reply(await admin.run("kb open", {"entry": "use_case:debugging"}))
        opened = await admin.press(card, "kb:phr:")
        lines = fake_discord.modal_fields(opened)["en"]["value"].splitlines()
        edited = "\n".join([line for line in lines if line != "bugs"] + ["squash my bugs"])
        preview = admin.reply(await admin.submit(opened, {"en": edited}))
        admin.reply(await admin.press(preview, "kb:ok:"))
    after = read(settings, "use_cases.yaml")
    assert '"squash my bugs"' in after and '"bugs", ' not in after
    assert "remove en phrasing 'bugs'" in preview["content"]


async def test_a_misquote_is_refused_and_the_article_passage_offered(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """A quote "corrected" away from the article fails the verbatim check; "Use this
    passage" puts back the article's own words."""
    admin = Admin(fake_discord)
    async with bot_running(settings):
        card = admin.reply(await admin.run("kb open", {"entry": RELEASE}))
        opened = await admin.press(card, "kb:cite:")
        assert fake_discord.modal_fields(opened)["quote"]["value"] == VERBATIM
        typo_fixed = VERBATIM.replace("Mistrial", "Mistral")
        preview = admin.reply(await admin.submit(opened, {"quote": typo_fixed}))
        restored = admin.reply(await admin.press(preview, "kb:passage:"))
    assert component(preview, "kb:ok:")["disabled"] is True
    assert "not verbatim" in preview["content"] and f"“{VERBATIM}”" in preview["content"]
    assert "Nothing to change" in restored["content"]


async def test_a_quote_is_picked_from_a_select_when_there_are_several(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """An entry with several quotes asks which one; the form holds the chosen quote."""
    admin = Admin(fake_discord)
    async with bot_running(settings):
        card = admin.reply(await admin.run("kb open", {"entry": "use_case:debugging"}))
        chooser = admin.reply(await admin.press(card, "kb:cite:"))
        opened = await admin.choose(chooser, "kbs:quote:", "1")
    assert opened.callback_type == 9
    assert fake_discord.modal_fields(opened)["quote"]["value"].startswith("调试支持")


async def test_two_admins_editing_one_file_the_second_can_reapply(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """Both preview an edit of use_cases.yaml; the second to confirm is told the file
    changed, nothing is overwritten, and "Re-apply" saves both edits."""
    second = Admin(fake_discord, fake_discord.add_member("second-admin", roles=[ADMIN_ROLE]))
    first = Admin(fake_discord)
    async with bot_running(settings):

        async def preview_adding(admin: Admin, entry: str, phrasing: str) -> dict[str, object]:
            card = admin.reply(await admin.run("kb open", {"entry": entry}))
            opened = await admin.press(card, "kb:phr:")
            now = fake_discord.modal_fields(opened)["en"]["value"]
            return admin.reply(await admin.submit(opened, {"en": f"{now}\n{phrasing}"}))

        mine = await preview_adding(first, "use_case:debugging", "squash my bugs")
        theirs = await preview_adding(second, "use_case:prototyping", "hack a demo together")
        assert "Saved" in second.reply(await second.press(theirs, "kb:ok:"))["content"]
        told = first.reply(await first.press(mine, "kb:ok:"))
        reapplied = first.reply(await first.press(told, "kb:re:"))
        saved = first.reply(await first.press(reapplied, "kb:ok:"))
    after = read(settings, "use_cases.yaml")
    assert "changed since this preview" in told["content"] and has(told, "kb:re:")
    assert "Saved as revision #2" in saved["content"]
    assert '"squash my bugs"' in after and '"hack a demo together"' in after


async def test_new_topic_then_delete_it_with_a_preview(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """/kb new makes a topic (preview, Confirm); /kb delete shows what it does, then deletes."""
    admin = Admin(fake_discord)
    async with bot_running(settings):
        opened = await admin.run("kb new", {"kind": "topic"})
        preview = admin.reply(
            await admin.submit(
                opened,
                {
                    "id": "benchmarks",
                    "answer_en": "The article gives no benchmark scores.",
                    "answer_zh": "文章没有给出基准测试分数。",
                    "phrasings_en": "which benchmarks does the article use",
                    "phrasings_zh": "文章用了哪些基准测试",
                },
            )
        )
        admin.reply(await admin.press(preview, "kb:ok:"))
        card = admin.reply(await admin.run("kb open", {"entry": "topic:benchmarks"}))
        deleting = admin.reply(await admin.press(card, "kb:del:"))
        gone = admin.reply(await admin.press(deleting, "kb:ok:"))
    assert "benchmark scores" in text(card)
    assert "delete topic:benchmarks" in deleting["content"]
    assert "Saved as revision #2" in gone["content"]
    assert "id: benchmarks" not in read(settings, "topics.yaml")


async def test_an_invalid_id_is_explained_with_edit_again(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """A form that cannot become an edit answers with why, and "Edit again" keeps the input."""
    admin = Admin(fake_discord)
    async with bot_running(settings):
        opened = await admin.run("kb new", {"kind": "use_case"})
        values = {"id": "Bad Id", "name_en": "Poetry", "name_zh": "诗歌"}
        refused = admin.reply(await admin.submit(opened, values))
        reopened = await admin.press(refused, "kb:form:")
    assert "is not a valid id" in refused["content"]
    assert fake_discord.modal_fields(reopened)["id"]["value"] == "Bad Id"


async def test_find_shows_the_decision_and_opens_entries(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """/kb find shows rule, evidence, runner-up and scored entries; Open shows a card."""
    admin = Admin(fake_discord)
    async with bot_running(settings):
        found = admin.reply(await admin.run("kb find", {"query": "which model for debugging?"}))
        card = admin.reply(await admin.press(found, "kb:open:use_case:debugging"))
    shown = text(found)
    for label in ("Rule", "Evidence", "Runner-up", "Use cases", "use_case:debugging"):
        assert label in shown
    assert "Debugging" in text(card)


@pytest.mark.parametrize("locale", ["zh-CN"])
async def test_the_editor_speaks_the_admins_language(
    fake_discord: FakeDiscord, settings: Settings, locale: str
) -> None:
    """A Chinese-speaking admin gets the card and its buttons in Chinese."""
    admin = Admin(fake_discord, locale=locale)
    async with bot_running(settings):
        card = admin.reply(await admin.run("kb open", {"entry": "use_case:debugging"}))
    assert "用例" in card["embeds"][0]["title"]
    assert component(card, "kb:edit:")["label"] == "编辑"


def test_helpers_see_the_copied_knowledge(settings: Settings) -> None:
    """The tests edit a private copy of the knowledge, never the shipped files."""
    assert Path(settings.knowledge_dir).name == "knowledge"
    assert "pytest" in str(settings.knowledge_dir)
