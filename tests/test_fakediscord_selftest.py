"""Self-test of the fake Discord: a minimal discord.py bot driven end to end against it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fakediscord import (
    FakeDiscord,
    check_limits,
    fixtures,
    get_validator,
    patch_discord,
    running_bot,
    start_bot,
    stop_bot,
)

# Make the fixture visible to pytest in this module (the root conftest is not ours).
fake_discord = fixtures.fake_discord

TOPICS = ["llama", "llava", "mistral", "mixtral", "qwen"]
PANEL_BUTTON = "selftest:panel:ok"


class PanelView(discord.ui.View):
    """A persistent view: no timeout and a fixed custom_id, so it survives restarts."""

    def __init__(self, instance: int) -> None:
        super().__init__(timeout=None)
        self.instance = instance

    @discord.ui.button(label="OK", style=discord.ButtonStyle.primary, custom_id=PANEL_BUTTON)
    async def ok(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        """Edit the panel message (callback type 7) naming the bot instance that answered."""
        await interaction.response.edit_message(
            content=f"clicked on instance {self.instance} by {interaction.user.name}"
        )


def build_commands(bot: MiniBot) -> list[app_commands.Command[Any, ..., Any] | app_commands.Group]:
    """Fresh command objects per bot instance (each instance has its own tree)."""

    @app_commands.command(name="ask", description="Ask a question")
    @app_commands.describe(question="What to ask")
    async def ask(interaction: discord.Interaction, question: str) -> None:
        embed = discord.Embed(title="Answer", description=f"You asked: {question}")
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="slow", description="Answer after thinking")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("done thinking")

    @app_commands.command(name="pick", description="Pick a topic")
    @app_commands.describe(topic="A model family")
    async def pick(interaction: discord.Interaction, topic: str) -> None:
        await interaction.response.send_message(f"picked {topic}")

    @pick.autocomplete("topic")
    async def pick_topic(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=t, value=t) for t in TOPICS if t.startswith(current)]

    @app_commands.command(name="panel", description="Post a panel with a persistent button")
    async def panel(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Panel", view=PanelView(bot.instance))

    @app_commands.command(name="admin", description="Admin-only action")
    async def admin(interaction: discord.Interaction) -> None:
        member = interaction.user
        roles = sorted(r.name for r in getattr(member, "roles", []) if not r.is_default())
        allowed = interaction.permissions.manage_guild
        await interaction.response.send_message(
            f"{'allowed' if allowed else 'denied'} roles={','.join(roles)}", ephemeral=True
        )

    @app_commands.command(name="shout", description="Send an oversized embed title")
    async def shout(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(embed=discord.Embed(title="x" * 300))

    config = app_commands.Group(name="config", description="Settings")

    @config.command(name="set", description="Set a setting")
    async def config_set(interaction: discord.Interaction, key: str, value: str) -> None:
        await interaction.response.send_message(f"{key}={value}")

    return [ask, slow, pick, panel, admin, shout, config]


class MiniBot(commands.Bot):
    """The smallest bot that exercises messages, slash commands, autocomplete and views."""

    def __init__(self, guild_id: str, *, message_content: bool = True, instance: int = 1) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        intents.members = True  # so GUILD_CREATE carries every member, not just the bot
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            guild_ready_timeout=0.05,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
        )
        self.guild_ref = discord.Object(int(guild_id))
        self.instance = instance
        self.ready_event = asyncio.Event()
        self.resumed_event = asyncio.Event()
        self.seen: asyncio.Queue[discord.Message] = asyncio.Queue()

    async def setup_hook(self) -> None:
        """Register the persistent view and sync guild commands, as a real bot would."""
        self.add_view(PanelView(self.instance))
        for command in build_commands(self):
            self.tree.add_command(command, guild=self.guild_ref)
        await self.tree.sync(guild=self.guild_ref)

    async def on_ready(self) -> None:
        """Signal the test that login, READY and GUILD_CREATE went through."""
        self.ready_event.set()

    async def on_resumed(self) -> None:
        """Signal that a dropped gateway session was RESUMEd."""
        self.resumed_event.set()

    async def on_message(self, message: discord.Message) -> None:
        """Record user messages; answer mentions with a reply embed."""
        if message.author.bot:
            return
        self.seen.put_nowait(message)
        if self.user is not None and self.user in message.mentions:
            embed = discord.Embed(title="Hello", description=f"echo: {message.content}")
            await message.reply(embed=embed, mention_author=False)


@contextlib.asynccontextmanager
async def minibot(fake: FakeDiscord, **kwargs: Any) -> AsyncIterator[MiniBot]:
    """Run a MiniBot against ``fake``: started, on_ready seen, closed on exit."""
    bot = MiniBot(fake.guild.id, **kwargs)
    task = await start_bot(bot)
    try:
        await asyncio.wait_for(bot.ready_event.wait(), 2)
        yield bot
    finally:
        await stop_bot(bot, task)


# --------------------------------------------------------------------------- tests


async def test_login_ready_and_guild(fake_discord: FakeDiscord) -> None:
    # The generic harness helper (waits for wait_until_ready) works for any Client too.
    async with running_bot(MiniBot(fake_discord.guild.id)) as bot:
        await asyncio.wait_for(bot.ready_event.wait(), 2)
        assert bot.user is not None and str(bot.user.id) == fake_discord.bot_user.id
        guild = bot.get_guild(int(fake_discord.guild.id))
        assert guild is not None
        assert guild.default_role.id == guild.id
        assert {r.name for r in guild.roles} >= {"@everyone", "admin"}
        assert guild.member_count == len(guild.members) == len(fake_discord.guild.members)
        assert guild.get_channel(int(fake_discord.channel_id)) is not None
    paths = [(r.method, r.path) for r in fake_discord.requests[:2]]
    assert paths == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
    identify = fake_discord.identify_payloads[0]
    assert identify["token"] == "fake-bot-token"
    assert identify["intents"] & (1 << 15)


async def test_mention_gets_reply_embed(fake_discord: FakeDiscord) -> None:
    async with minibot(fake_discord):
        sent = await fake_discord.send_message("what is llama?", mentions_bot=True)
        req = await fake_discord.wait_for("POST", rf"/channels/{fake_discord.channel_id}/messages")
    body = req.json
    assert str(body["message_reference"]["message_id"]) == sent["id"]
    assert body["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert body["embeds"][0]["title"] == "Hello"
    assert "what is llama?" in body["embeds"][0]["description"]
    reply = fake_discord.messages[-1]
    assert reply["type"] == 19 and reply["referenced_message"]["id"] == sent["id"]
    assert reply["mentions"] == []  # replied_user=False: the author is not pinged


async def test_content_empty_without_message_content_intent(fake_discord: FakeDiscord) -> None:
    fake_discord.message_content_intent = False  # "disabled in the developer portal"
    async with minibot(fake_discord, message_content=False) as bot:
        await fake_discord.send_message("plain text")
        plain = await asyncio.wait_for(bot.seen.get(), 2)
        await fake_discord.send_message("with mention", mentions_bot=True)
        mention = await asyncio.wait_for(bot.seen.get(), 2)
        await fake_discord.wait_for("POST", r"/channels/\d+/messages")  # its reply
        # Replying to the bot pings it by default, which also exposes the content.
        await fake_discord.send_message("a reply", reply_to=fake_discord.messages[-1])
        reply = await asyncio.wait_for(bot.seen.get(), 2)
        await fake_discord.wait_for("POST", r"/channels/\d+/messages")
        await fake_discord.send_message("in a DM", guild=False)
        dm = await asyncio.wait_for(bot.seen.get(), 2)
    assert plain.content == ""
    assert mention.content.endswith("with mention")
    assert reply.content == "a reply"
    assert dm.content == "in a DM" and dm.guild is None


async def test_content_present_with_intent(fake_discord: FakeDiscord) -> None:
    async with minibot(fake_discord) as bot:
        await fake_discord.send_message("plain text")
        message = await asyncio.wait_for(bot.seen.get(), 2)
    assert message.content == "plain text"


async def test_disallowed_privileged_intent_closes_4014(fake_discord: FakeDiscord) -> None:
    fake_discord.message_content_intent = False
    bot = MiniBot(fake_discord.guild.id, message_content=True)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await start_bot(bot)
    assert fake_discord.gateway_closes == [4014]
    assert not bot.ready_event.is_set()


async def test_slash_command_reply(fake_discord: FakeDiscord) -> None:
    async with minibot(fake_discord):
        interaction = await fake_discord.invoke_slash("ask", {"question": "best small model?"})
        record = await fake_discord.wait_for_interaction_response(interaction)
    assert record.callback_type == 4
    data = record.data
    assert data["flags"] == 64  # ephemeral
    assert data["embeds"][0]["description"] == "You asked: best small model?"
    assert fake_discord.get_message(record.message_id)["flags"] & 64


async def test_subcommand_and_admin_permissions(fake_discord: FakeDiscord) -> None:
    async with minibot(fake_discord):
        sub = await fake_discord.invoke_slash("config set", {"key": "lang", "value": "de"})
        sub_record = await fake_discord.wait_for_interaction_response(sub)
        plain = await fake_discord.invoke_slash("admin")
        plain_record = await fake_discord.wait_for_interaction_response(plain)
        admin = await fake_discord.invoke_slash("admin", user=fake_discord.admin_user)
        admin_record = await fake_discord.wait_for_interaction_response(admin)
    assert sub_record.data["content"] == "lang=de"
    assert plain_record.data["content"] == "denied roles="
    assert admin_record.data["content"] == "allowed roles=admin"


async def test_deferred_slash_command_with_followup(fake_discord: FakeDiscord) -> None:
    async with minibot(fake_discord):
        interaction = await fake_discord.invoke_slash("slow")
        record = await fake_discord.wait_for_interaction_response(interaction, followups=1)
    assert record.callback == {"type": 5}
    assert record.followups[0]["content"] == "done thinking"
    followup = record.requests[-1]
    assert followup.query.get("wait") in ("1", "true")
    assert "Authorization" not in followup.headers  # webhooks are token-authenticated
    message = fake_discord.get_message(record.message_id)
    assert message["content"] == "done thinking" and not message["flags"] & 128  # not loading


async def test_autocomplete_returns_choices(fake_discord: FakeDiscord) -> None:
    async with minibot(fake_discord):
        interaction = await fake_discord.autocomplete("pick", {"topic": "ll"}, focused="topic")
        record = await fake_discord.wait_for_interaction_response(interaction)
    assert record.callback_type == 8
    assert [c["name"] for c in record.choices or []] == ["llama", "llava"]


async def test_guild_command_sync_payload(fake_discord: FakeDiscord) -> None:
    async with minibot(fake_discord):
        app, guild = fake_discord.application["id"], fake_discord.guild.id
        req = await fake_discord.wait_for("PUT", rf"/applications/{app}/guilds/{guild}/commands")
    names = sorted(c["name"] for c in req.json)
    assert names == ["admin", "ask", "config", "panel", "pick", "shout", "slow"]
    pick = next(c for c in req.json if c["name"] == "pick")
    assert pick["options"][0]["autocomplete"] is True
    assert req.violations == []
    synced = fake_discord.find_command("ask")
    assert synced is not None and synced["guild_id"] == guild and synced["id"].isdigit()


async def test_persistent_button_survives_restart(fake_discord: FakeDiscord) -> None:
    async with minibot(fake_discord, instance=1):
        panel = await fake_discord.invoke_slash("panel")
        panel_record = await fake_discord.wait_for_interaction_response(panel)
        message = fake_discord.get_message(panel_record.message_id)
        click = await fake_discord.click_button(PANEL_BUTTON, message)
        first = await fake_discord.wait_for_interaction_response(click)
    assert first.callback_type == 7
    assert first.data["content"] == "clicked on instance 1 by tester"

    # A restarted process is a new Client: only the persistent view can answer now.
    async with minibot(fake_discord, instance=2):
        click = await fake_discord.click_button(PANEL_BUTTON, message["id"])
        second = await fake_discord.wait_for_interaction_response(click)
    assert second.data["content"] == "clicked on instance 2 by tester"
    assert fake_discord.get_message(message["id"])["content"].startswith("clicked on instance 2")
    assert len(fake_discord.identify_payloads) == 2


async def test_gateway_resume_after_drop(fake_discord: FakeDiscord) -> None:
    async with minibot(fake_discord) as bot:
        before = fake_discord.connection
        assert before is not None
        session_id = before.session_id
        after = await fake_discord.drop_connection(4000)
        await asyncio.wait_for(bot.resumed_event.wait(), 2)
        assert after.session_id == session_id and after is not before
        # Events still flow on the resumed session.
        interaction = await fake_discord.invoke_slash("ask", {"question": "still there?"})
        record = await fake_discord.wait_for_interaction_response(interaction)
    assert record.callback_type == 4
    assert len(fake_discord.identify_payloads) == 1  # resumed, not re-identified


# ------------------------------------------------------------------ negative tests


def test_validator_flags_oversized_embed_title() -> None:
    validator = get_validator()
    problems = validator.validate(
        "POST", "/channels/1/messages", {"embeds": [{"title": "x" * 300}]}
    )
    assert any("$.embeds[0].title" in p and "256" in p for p in problems), problems
    callback = {"type": 4, "data": {"embeds": [{"title": "x" * 300}]}}
    problems = validator.validate("POST", "/interactions/1/tok/callback", callback)
    assert any("$.data.embeds[0].title" in p for p in problems), problems


def test_validator_flags_uppercase_command_name() -> None:
    body = [{"name": "Ask", "description": "Ask a question", "type": 1}]
    problems = get_validator().validate("PUT", "/applications/1/guilds/2/commands", body)
    assert problems == ["[limit] $[0].name: name 'Ask' must be lowercase"], problems
    assert check_limits("bulk_set_application_commands", [{"name": "ok", "description": ""}])


def _command(**overrides: Any) -> dict[str, Any]:
    return {"name": "ask", "description": "Ask", "type": 1, **overrides}


def _option(name: str = "q", **overrides: Any) -> dict[str, Any]:
    return {"name": name, "description": "d", "type": 3, **overrides}


def _row(buttons: int, **button: Any) -> dict[str, Any]:
    base = {"type": 2, "style": 1, "label": "x"}
    items = [{**base, "custom_id": f"b{i}", **button} for i in range(buttons)]
    return {"type": 1, "components": items}


LIMIT_CASES: list[tuple[str, str, str, Any, str]] = [
    ("content", "POST", "/channels/1/messages", {"content": "x" * 2001}, "$.content"),
    (
        "embed total",
        "POST",
        "/channels/1/messages",
        {"embeds": [{"description": "x" * 4000}, {"description": "x" * 2001}]},
        "6000",
    ),
    (
        "fields",
        "POST",
        "/webhooks/1/tok",
        {"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]},
        "$.embeds[0].fields",
    ),
    ("rows", "POST", "/channels/1/messages", {"components": [_row(1)] * 6}, "$.components"),
    ("buttons", "POST", "/channels/1/messages", {"components": [_row(6)]}, "components[0]"),
    (
        "label",
        "POST",
        "/channels/1/messages",
        {"components": [_row(1, label="x" * 81)]},
        ".label",
    ),
    (
        "custom_id",
        "POST",
        "/channels/1/messages",
        {"components": [_row(1, custom_id="x" * 101)]},
        ".custom_id",
    ),
    (
        "description",
        "PUT",
        "/applications/1/commands",
        [_command(description="x" * 101)],
        "$[0].description",
    ),
    (
        "options",
        "PUT",
        "/applications/1/commands",
        [_command(options=[_option(f"o{i}") for i in range(26)])],
        "$[0].options",
    ),
    (
        "choices",
        "PUT",
        "/applications/1/commands",
        [_command(options=[_option(choices=[{"name": "c", "value": "v"}] * 26)])],
        "choices",
    ),
    (
        "option name",
        "PUT",
        "/applications/1/guilds/2/commands",
        [_command(options=[_option("Bad Name")])],
        "$[0].options[0].name",
    ),
    (
        "autocomplete choices",
        "POST",
        "/interactions/1/tok/callback",
        {"type": 8, "data": {"choices": [{"name": "c", "value": "v"}] * 26}},
        "$.data.choices",
    ),
    (
        "choice name",
        "POST",
        "/interactions/1/tok/callback",
        {"type": 8, "data": {"choices": [{"name": "x" * 101, "value": "v"}]}},
        "$.data.choices[0].name",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "where"),
    [case[1:] for case in LIMIT_CASES],
    ids=[case[0] for case in LIMIT_CASES],
)
def test_validator_enforces_documented_limits(
    method: str, path: str, body: Any, where: str
) -> None:
    problems = get_validator().validate(method, path, body)
    assert any(where in p for p in problems), problems


def test_validator_accepts_what_discord_accepts() -> None:
    body = {
        "content": "hi",
        "message_reference": {"message_id": 123, "fail_if_not_exists": False},
        "allowed_mentions": {"parse": [], "users": [1], "replied_user": False},
    }
    assert get_validator().validate("POST", "/channels/1/messages", body) == []


async def test_bad_payload_is_recorded_as_violation(monkeypatch: pytest.MonkeyPatch) -> None:
    # A standalone fake (not the fixture) so the expected violation does not fail teardown.
    async with FakeDiscord() as fake:
        patch_discord(monkeypatch, fake)
        async with minibot(fake):
            interaction = await fake.invoke_slash("shout")
            await fake.wait_for("POST", r"/interactions/\d+/[^/]+/callback")
        assert interaction.callback is not None
    assert any("embeds[0].title" in v for v in fake.violations), fake.violations
    with pytest.raises(AssertionError, match="title"):
        fake.assert_clean()


async def test_gateway_bot_recommends_shards_and_each_shard_gets_its_guilds(
    fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An AutoShardedClient asks GET /gateway/bot and starts the shards it recommends."""

    async def immediately(
        self: discord.Client, shard_id: int | None, *, initial: bool = False
    ) -> None:
        return None  # discord.py waits 5 s between IDENTIFYs; not in a test

    monkeypatch.setattr(discord.Client, "before_identify_hook", immediately)
    fake_discord.recommended_shards = 2
    bot = discord.AutoShardedClient(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    async with running_bot(bot):
        assert fake_discord.shards == [(0, 2), (1, 2)]
        assert bot.shard_count == 2 and bot.get_guild(int(fake_discord.guild.id)) is not None
    gateway_bot = await fake_discord.wait_for("GET", "/gateway/bot", since=0)
    assert gateway_bot.response["shards"] == 2


@pytest.mark.parametrize("status", [500, 429])
async def test_injected_fault_answers_the_route_with_that_status(
    fake_discord: FakeDiscord, status: int
) -> None:
    """inject_fault makes one route fail (once here); the retry then succeeds normally."""
    fake_discord.inject_fault(
        "POST", r"/channels/\d+/typing", status=status, retry_after=0.01, times=1
    )
    async with minibot(fake_discord) as bot:
        channel = bot.get_channel(int(fake_discord.channel_id))
        assert isinstance(channel, discord.TextChannel)
        await channel.typing()  # discord.py retries after the 500 / 429
    typing = [r for r in fake_discord.requests if r.path.endswith("/typing")]
    assert [r.status for r in typing] == [status, 204]
    assert typing[0].fault is not None and typing[1].fault is None
