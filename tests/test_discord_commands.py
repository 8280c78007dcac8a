"""Slash commands: cooldown before any work, bounded options, one place for unknown values,
every extension loading without clashes (real bot against the fake Discord)."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands

from bot.cogs import EXTENSIONS
from bot.discord_glue.options import ModelOption
from bot.kb.loader import load_directory
from bot.main import build_bot
from bot.settings import Settings
from tests import discord_support
from tests.discord_support import ASK_CHANNEL, bot_running, embed_text
from tests.fakediscord import FakeDiscord

fake_discord = discord_support.fake_discord
settings = discord_support.settings


def option(fake: FakeDiscord, command: str, name: str) -> dict[str, Any]:
    """An option's definition as the bot synced it to the dev guild."""
    synced = next(c for c in fake.guild_commands[fake.guild.id] if c["name"] == command)
    return next(o for o in synced["options"] if o["name"] == name)


@pytest.mark.parametrize(
    ("command", "name", "max_length"),
    [
        ("ask", "question", 4000),
        ("compare", "model_a", 100),
        ("compare", "model_b", 100),
        ("compare", "model_c", 100),
        ("model", "name", 100),
        ("recommend", "use_case", 100),
    ],
)
async def test_text_options_are_capped_where_declared(
    fake_discord: FakeDiscord, settings: Settings, command: str, name: str, max_length: int
) -> None:
    """Discord itself refuses option values longer than the declared cap."""
    async with bot_running(settings):
        defined = option(fake_discord, command, name)
    assert defined["max_length"] == max_length


@pytest.mark.parametrize(("command", "name"), [("compare", "model_a"), ("model", "name")])
async def test_model_options_autocomplete_from_the_transformer(
    fake_discord: FakeDiscord, settings: Settings, command: str, name: str
) -> None:
    """Model options offer matching models by name and alias."""
    async with bot_running(settings):
        rec = await fake_discord.autocomplete(command, {name: "mistr"}, focused=name)
        rec = await fake_discord.wait_for_interaction_response(rec)
    assert rec.choices == [{"name": "Mistral Large 2", "value": "mistral-large-2"}]


async def test_a_typed_model_name_is_resolved_again_on_submit(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """A name typed without picking a suggestion ('llama 3.1') still finds the model."""
    async with bot_running(settings):
        rec = await fake_discord.invoke_slash(
            "model", {"name": "llama 3.1", "aspect": "parameters"}
        )
        rec = await fake_discord.wait_for_interaction_response(rec)
    assert "405" in embed_text(rec.data)


async def test_unknown_model_is_refused_privately_in_the_users_language(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """An unknown model gets the catalogue's message in Chinese, the value shown literally."""
    kb = load_directory(settings.knowledge_dir)
    async with bot_running(settings):
        rec = await fake_discord.invoke_slash(
            "compare", {"model_a": "**claude** @everyone", "model_b": "gpt-4o-mini"}, locale="zh-CN"
        )
        rec = await fake_discord.wait_for_interaction_response(rec)
    assert rec.data["flags"] & 64
    expected = kb.ui.text(
        "unknown_model_option",
        "zh",
        value="\\*\\*claude\\*\\* @\u200beveryone",
        options=", ".join(m.name for m in kb.models.values()),
    )
    assert rec.data["content"] == expected


async def test_the_cooldown_is_checked_before_options_are_resolved(
    fake_discord: FakeDiscord, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the limit, /compare is refused before its model options are even looked at."""
    resolved: list[str] = []
    original = ModelOption.transform

    async def counting(self: ModelOption, interaction: discord.Interaction, value: str) -> str:
        resolved.append(value)
        return await original(self, interaction, value)

    monkeypatch.setattr(ModelOption, "transform", counting)
    settings.cooldown_questions = 1
    async with bot_running(settings):
        first = await fake_discord.invoke_slash(
            "compare", {"model_a": "gpt-4o-mini", "model_b": "llama-3.1-405b"}
        )
        await fake_discord.wait_for_interaction_response(first)
        second = await fake_discord.invoke_slash(
            "compare", {"model_a": "mistral-large-2", "model_b": "deepseek-v2"}
        )
        second = await fake_discord.wait_for_interaction_response(second)
    assert resolved == ["gpt-4o-mini", "llama-3.1-405b"]
    assert "wait" in second.data["content"]


async def test_rejected_values_count_toward_the_cooldown(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """Calls refused for an unknown model still use up the user's questions."""
    settings.cooldown_questions = 2
    async with bot_running(settings):
        contents = []
        for _ in range(3):
            rec = await fake_discord.invoke_slash("model", {"name": "claude"})
            rec = await fake_discord.wait_for_interaction_response(rec)
            contents.append(rec.data["content"])
    assert ["claude" in c for c in contents] == [True, True, False]
    assert "wait" in contents[2]


async def test_a_long_message_is_read_to_its_end(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """A question after 3,000 characters of other text is still seen and answered."""
    async with bot_running(settings):
        await fake_discord.send_message(
            "." * 3000 + " which model for code debugging?", channel_id=ASK_CHANNEL
        )
        reply = await fake_discord.wait_for_message(channel_id=ASK_CHANNEL)
    assert "Mistral Large 2" in embed_text(reply)


# -- extensions --------------------------------------------------------------------------


async def loaded_tree(settings: Settings) -> tuple[Any, list[Any]]:
    """A bot with every extension loaded (no login), and its top-level app commands."""
    bot = build_bot(settings)
    await bot.install_commands()
    return bot, bot.tree.get_commands()


def all_commands(commands: list[Any]) -> list[Any]:
    """Commands and groups, depth first."""
    out = []
    for command in commands:
        out.append(command)
        if isinstance(command, app_commands.Group):
            out += all_commands(command.commands)
    return out


def locale_strings(command: Any) -> list[app_commands.locale_str]:
    """Every localisable string of a command or group: name, description, parameters, choices."""
    strings = [command._locale_name, command._locale_description]
    for param in getattr(command, "_params", {}).values():
        strings.append(param.description)
        strings += [c._locale_name for c in param.choices or []]
    return [s for s in strings if isinstance(s, app_commands.locale_str)]


async def test_every_extension_loads_without_clashing_command_names(settings: Settings) -> None:
    """Each extension in bot/cogs loads, and no two commands share a name (nor zh-CN name)."""
    bot, commands = await loaded_tree(settings)
    try:
        assert set(bot.extensions) == set(EXTENSIONS) and EXTENSIONS
        assert "bot.cogs.buttons" in EXTENSIONS and not any("._" in e for e in EXTENSIONS)
        translator = bot.tree.translator
        assert translator is not None
        for siblings in [
            commands,
            *(c.commands for c in all_commands(commands) if hasattr(c, "commands")),
        ]:
            names = [c.name for c in siblings]
            assert len(names) == len(set(names)), names
            payloads = [await c.get_translated_payload(bot.tree, translator) for c in siblings]
            zh = [p.get("name_localizations", {}).get("zh-CN", p["name"]) for p in payloads]
            assert len(zh) == len(set(zh)), zh
    finally:
        bot.analytics.close()


async def test_every_command_text_comes_from_the_catalogue(settings: Settings) -> None:
    """Each command's name, description, option description and choice has a ui.yaml entry
    (or an aspect) whose English equals the default declared in code."""
    bot, commands = await loaded_tree(settings)
    kb = bot.store.current
    try:
        missing, used = [], set()
        for command in all_commands(commands):
            for string in locale_strings(command):
                key = string.extras.get("key")
                used.add(key)
                if key is None:
                    missing.append(f"{string.message!r} has no key")
                elif key.startswith("aspect:"):
                    if key.removeprefix("aspect:") not in kb.aspects:
                        missing.append(f"{key} is not an aspect")
                elif key not in type(kb.ui).model_fields:
                    missing.append(f"{key} is not in ui.yaml")
                elif kb.ui.text(key, "en") != string.message:
                    missing.append(f"ui.yaml {key} en != {string.message!r}")
        assert missing == []
        command_entries = {f for f in type(kb.ui).model_fields if f.startswith(("cmd_", "opt_"))}
        assert command_entries <= used  # and no catalogue entry is left unused
    finally:
        bot.analytics.close()
