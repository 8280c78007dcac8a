"""A local fake Discord (REST + gateway) to test the bot end to end with real discord.py.

Usage (the fixture lives in ``tests.fakediscord.fixtures``; register it in the root
conftest with ``pytest_plugins = ["tests.fakediscord.fixtures"]``)::

    async def test_ask(fake_discord: FakeDiscord) -> None:
        async with running_bot(MyBot(guild_ready_timeout=0.05)):
            interaction = await fake_discord.invoke_slash("ask", {"question": "hi"})
            record = await fake_discord.wait_for_interaction_response(interaction)
        assert record.callback_type == 4 and "hi" in record.data["content"]

Every REST body the bot sends is validated against Discord's OpenAPI spec and documented
limits; the fixture fails the test at teardown if anything was rejected.
"""

from .harness import DEFAULT_TOKEN, patch_discord, running_bot, start_bot, stop_bot
from .models import (
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Intents,
    Permissions,
)
from .server import (
    FakeDiscord,
    FakeDiscordTimeout,
    Fault,
    GatewayConnection,
    InteractionRecord,
    RecordedRequest,
)
from .validate import RequestValidator, check_limits, get_validator

__all__ = [
    "DEFAULT_TOKEN",
    "FakeChannel",
    "FakeDiscord",
    "FakeDiscordTimeout",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "Fault",
    "GatewayConnection",
    "Intents",
    "InteractionRecord",
    "Permissions",
    "RecordedRequest",
    "RequestValidator",
    "check_limits",
    "get_validator",
    "patch_discord",
    "running_bot",
    "start_bot",
    "stop_bot",
]
