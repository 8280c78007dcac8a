"""The fake Discord's support for what the knowledge editor uses: modals (submit type 5,
callback type 9), string selects, attachments on slash options, message edits (callback
type 7 and PATCH) and file uploads (multipart), each validated like everything else."""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fakediscord import FakeDiscord, fixtures, get_validator, patch_discord, running_bot

fake_discord = fixtures.fake_discord


class Form(discord.ui.Modal, title="Form"):
    """One prefilled text input; the submit answers with what was typed."""

    def __init__(self, prefill: str) -> None:
        super().__init__(timeout=60)
        self.text: discord.ui.TextInput[Form] = discord.ui.TextInput(
            custom_id="text", default=prefill, max_length=20
        )
        self.add_item(discord.ui.Label(text="Text", component=self.text))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"got {self.text.value}", ephemeral=True)


class Menu(discord.ui.View):
    """A string select that rewrites its own message (callback type 7)."""

    def __init__(self) -> None:
        super().__init__(timeout=60)
        select: discord.ui.Select[Menu] = discord.ui.Select(
            custom_id="menu",
            options=[discord.SelectOption(label=x, value=x) for x in ("a", "b", "c")],
        )
        select.callback = self.chosen  # type: ignore[method-assign]
        self.select = select
        self.add_item(select)

    async def chosen(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content=f"chose {self.select.values[0]}")


class Tiny(commands.Bot):
    """A bot with one command per fake feature under test."""

    def __init__(self, guild_id: str) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            guild_ready_timeout=0.05,
            help_command=None,
        )
        self.guild_ref = discord.Object(int(guild_id))

    async def setup_hook(self) -> None:
        @app_commands.command(name="form", description="Open a modal")
        async def form(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(Form("hello"))

        @app_commands.command(name="menu", description="Show a select")
        async def menu(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pick one", view=Menu(), ephemeral=True)

        @app_commands.command(name="flip", description="Send a file back reversed")
        async def flip(interaction: discord.Interaction, file: discord.Attachment) -> None:
            data = await file.read()
            await interaction.response.defer(ephemeral=True, thinking=True)
            back = discord.File(io.BytesIO(data[::-1]), filename="flipped.txt")
            await interaction.edit_original_response(content="flipped", attachments=[back])

        for command in (form, menu, flip):
            self.tree.add_command(command, guild=self.guild_ref)
        await self.tree.sync(guild=self.guild_ref)


@contextlib.asynccontextmanager
async def tiny(fake: FakeDiscord) -> AsyncIterator[Tiny]:
    async with running_bot(Tiny(fake.guild.id)) as bot:
        yield bot


async def test_a_modal_is_opened_and_its_submit_reaches_the_bot(fake_discord: FakeDiscord) -> None:
    """Callback type 9 opens the modal; submitting it (type 5) runs on_submit with the value."""
    async with tiny(fake_discord):
        opened = await fake_discord.invoke_slash("form")
        opened = await fake_discord.wait_for_interaction_response(opened)
        assert fake_discord.modal_fields(opened)["text"]["value"] == "hello"
        submitted = await fake_discord.submit_modal(opened, {"text": "world"})
        submitted = await fake_discord.wait_for_interaction_response(submitted)
    assert opened.callback_type == 9 and opened.modal is not None
    assert opened.modal["components"][0]["type"] == 18  # a Label holding the text input
    assert submitted.data["content"] == "got world"


async def test_a_modal_input_over_its_length_cannot_be_submitted(fake_discord: FakeDiscord) -> None:
    """Like the Discord client, the fake refuses input longer than max_length."""
    async with tiny(fake_discord):
        opened = await fake_discord.invoke_slash("form")
        opened = await fake_discord.wait_for_interaction_response(opened)
        with pytest.raises(ValueError, match="takes 0-20 characters"):
            await fake_discord.submit_modal(opened, {"text": "x" * 21})


async def test_a_select_choice_edits_the_message(fake_discord: FakeDiscord) -> None:
    """A string-select choice is dispatched as type 3 and answered with type 7."""
    async with tiny(fake_discord):
        shown = await fake_discord.invoke_slash("menu")
        shown = await fake_discord.wait_for_interaction_response(shown)
        message = fake_discord.get_message(shown.message_id)
        with pytest.raises(ValueError, match="offers"):
            await fake_discord.choose("menu", message, ["z"])
        chosen = await fake_discord.choose("menu", message, ["b"])
        chosen = await fake_discord.wait_for_interaction_response(chosen)
    assert chosen.callback_type == 7
    assert fake_discord.get_message(message["id"])["content"] == "chose b"


async def test_an_attachment_option_is_downloaded_and_a_file_sent_back(
    fake_discord: FakeDiscord,
) -> None:
    """The bot reads an uploaded file from the fake's URL and answers with a file (PATCH)."""
    async with tiny(fake_discord):
        upload = fake_discord.upload("note.txt", b"abc")
        rec = await fake_discord.invoke_slash("flip", {"file": upload})
        await fake_discord.wait_for("PATCH", r"/webhooks/\d+/[^/]+/messages/@original")
    assert fake_discord.downloads == [upload["id"]]
    patch = next(r for r in rec.requests if r.method == "PATCH")
    assert patch.files and patch.files[0].filename == "flipped.txt" and patch.violations == []
    message = fake_discord.get_message(rec.message_id)
    assert message["content"] == "flipped" and not message["flags"] & 128
    assert fake_discord.attachment_bytes(message, "flipped.txt") == b"cba"


@pytest.mark.parametrize(
    ("modal", "where"),
    [
        (
            {
                "custom_id": "m",
                "title": "T",
                "components": [
                    {
                        "type": 18,
                        "label": "L",
                        "component": {"type": 4, "custom_id": f"t{i}", "style": 1},
                    }
                    for i in range(6)
                ],
            },
            "1-5",
        ),
        (
            {
                "custom_id": "m",
                "title": "T",
                "components": [
                    {
                        "type": 18,
                        "label": "L",
                        "component": {
                            "type": 4,
                            "custom_id": "t",
                            "style": 1,
                            "max_length": 5,
                            "value": "toolong",
                        },
                    }
                ],
            },
            "max_length 5",
        ),
    ],
    ids=["six components", "prefill over max_length"],
)
def test_modal_limits_are_enforced(modal: dict[str, Any], where: str) -> None:
    """Documented modal limits the spec does not encode are violations."""
    problems = get_validator().validate(
        "POST", "/interactions/1/tok/callback", {"type": 9, "data": modal}
    )
    assert any(where in p for p in problems), problems


async def test_an_upload_not_listed_in_attachments_is_a_violation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A files[n] part that the payload's attachments do not name is rejected."""
    async with FakeDiscord() as fake:
        patch_discord(monkeypatch, fake)
        async with running_bot(Tiny(fake.guild.id)) as bot:
            channel = bot.get_channel(int(fake.channel_id))
            assert isinstance(channel, discord.TextChannel)
            original = discord.utils._to_json

            def drop_attachments(obj: Any) -> str:
                if isinstance(obj, dict):
                    obj = {k: v for k, v in obj.items() if k != "attachments"}
                return original(obj)

            monkeypatch.setattr(discord.utils, "_to_json", drop_attachments)
            await channel.send("x", file=discord.File(io.BytesIO(b"1"), filename="a.txt"))
    assert any("not listed in attachments" in v for v in fake.violations), fake.violations
