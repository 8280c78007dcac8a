"""A local fake Discord (REST + gateway) to test the bot end to end with real discord.py.

See :class:`FakeDiscord` for the driving API and ``fixtures.fake_discord`` for the pytest
fixture (import it from ``tests.fakediscord.fixtures`` in a conftest or test module).
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
