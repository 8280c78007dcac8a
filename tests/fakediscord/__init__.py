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

Layout: ``server`` (FakeDiscord: world, lifecycle, recording, waiting, faults) built from
``gateway``, ``rest`` (route table) and ``driving`` (acting as users), with records and
constants in ``protocol``. The fake models only what the tests use: to add an endpoint,
add a row to ``RestMixin._build_routes`` and a handler; to add a user action (select,
modal), build it in ``driving`` like ``click_button``. ``FakeDiscord.inject_fault`` makes
any route fail, stall or rate-limit.
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
from .validate import RequestValidator, check_limits, check_message_payload, get_validator

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
    "check_message_payload",
    "get_validator",
    "patch_discord",
    "running_bot",
    "start_bot",
    "stop_bot",
]
