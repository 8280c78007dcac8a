"""The fake Discord world: users, roles, members, channels, guilds and their JSON shapes."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ALL_PERMISSIONS",
    "DISCORD_EPOCH_MS",
    "FakeChannel",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "Intents",
    "Permissions",
    "SnowflakeFactory",
    "iso_now",
]

DISCORD_EPOCH_MS = 1420070400000


class Intents:
    """Gateway intent bits (only the ones the fake looks at)."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1  # privileged
    GUILD_PRESENCES = 1 << 8  # privileged
    GUILD_MESSAGES = 1 << 9
    DIRECT_MESSAGES = 1 << 12
    MESSAGE_CONTENT = 1 << 15  # privileged
    PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT


class Permissions:
    """Permission bits used by the default world."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    USE_EXTERNAL_EMOJIS = 1 << 18
    CHANGE_NICKNAME = 1 << 26
    USE_APPLICATION_COMMANDS = 1 << 31
    SEND_MESSAGES_IN_THREADS = 1 << 38

    EVERYONE_DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS
        | SEND_MESSAGES_IN_THREADS
    )
    BOT_DEFAULT = EVERYONE_DEFAULT | MANAGE_MESSAGES


# What Discord reports for administrators and guild owners: every bit.
ALL_PERMISSIONS = (1 << 53) - 1


def iso_now() -> str:
    """Current time as the ISO-8601 string Discord uses for timestamps."""
    return datetime.now(UTC).isoformat()


class SnowflakeFactory:
    """Generates unique, time-ordered snowflake ids as strings."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def __call__(self) -> str:
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return str((millis << 22) | (next(self._counter) & 0x3FFFFF))


@dataclass
class FakeUser:
    """A Discord user."""

    id: str
    username: str
    bot: bool = False
    global_name: str | None = None

    @property
    def mention(self) -> str:
        """The ``<@id>`` mention string."""
        return f"<@{self.id}>"

    def to_dict(self) -> dict[str, Any]:
        """The user object as Discord sends it."""
        data: dict[str, Any] = {
            "id": self.id,
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class FakeRole:
    """A guild role; ``permissions`` is the integer bit set."""

    id: str
    name: str
    permissions: int = 0
    position: int = 0
    managed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The role object as Discord sends it."""
        return {
            "id": self.id,
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }


@dataclass
class FakeMember:
    """A guild member: a user plus role ids (without the @everyone role)."""

    user: FakeUser
    roles: list[str] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    def to_dict(self, *, with_user: bool = True) -> dict[str, Any]:
        """The guild member object; MESSAGE_CREATE embeds it without ``user``."""
        data: dict[str, Any] = {
            "roles": list(self.roles),
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.to_dict()
        return data


@dataclass
class FakeChannel:
    """A guild channel (type 0 = text, 1 = DM, 2 = voice, 4 = category)."""

    id: str
    name: str
    type: int = 0
    position: int = 0
    topic: str | None = None
    parent_id: str | None = None

    def to_dict(self, guild_id: str | None) -> dict[str, Any]:
        """The channel object as Discord sends it."""
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": self.parent_id,
            "topic": self.topic,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if guild_id is not None:
            data["guild_id"] = guild_id
        return data


@dataclass
class FakeGuild:
    """A guild with its channels, roles and members.

    The @everyone role's id equals the guild id, as on Discord.
    """

    id: str
    name: str
    owner_id: str
    channels: list[FakeChannel] = field(default_factory=list)
    roles: list[FakeRole] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    preferred_locale: str = "en-US"

    def __post_init__(self) -> None:
        if not any(role.id == self.id for role in self.roles):
            everyone = FakeRole(self.id, "@everyone", Permissions.EVERYONE_DEFAULT, position=0)
            self.roles.insert(0, everyone)

    @property
    def everyone_role(self) -> FakeRole:
        """The @everyone role (id == guild id)."""
        return next(role for role in self.roles if role.id == self.id)

    def role(self, name_or_id: str) -> FakeRole:
        """Look a role up by name or id."""
        for role in self.roles:
            if name_or_id in (role.id, role.name):
                return role
        raise KeyError(f"no role {name_or_id!r} in guild {self.name!r}")

    def channel(self, name_or_id: str) -> FakeChannel:
        """Look a channel up by name or id."""
        for channel in self.channels:
            if name_or_id in (channel.id, channel.name):
                return channel
        raise KeyError(f"no channel {name_or_id!r} in guild {self.name!r}")

    def member(self, user_id: str) -> FakeMember | None:
        """The member for ``user_id``, if they are in the guild."""
        return next((m for m in self.members if m.user.id == user_id), None)

    def permissions_for(self, member: FakeMember) -> int:
        """Guild-level permissions: @everyone | member roles; owner/admin get everything."""
        if member.user.id == self.owner_id:
            return ALL_PERMISSIONS
        perms = self.everyone_role.permissions
        for role in self.roles:
            if role.id in member.roles:
                perms |= role.permissions
        return ALL_PERMISSIONS if perms & Permissions.ADMINISTRATOR else perms

    def to_gateway_dict(self, *, members: list[FakeMember] | None = None) -> dict[str, Any]:
        """The GUILD_CREATE payload; ``members`` defaults to everyone."""
        shown = self.members if members is None else members
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": self.owner_id,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.preferred_locale,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "features": [],
            "roles": [role.to_dict() for role in self.roles],
            "emojis": [],
            "stickers": [],
            "channels": [channel.to_dict(None) for channel in self.channels],
            "threads": [],
            "members": [member.to_dict() for member in shown],
            # Must equal the full member list, or discord.py waits ~5 s for chunks.
            "member_count": len(self.members),
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "large": False,
            "unavailable": False,
            "joined_at": iso_now(),
            "lazy": True,
        }
