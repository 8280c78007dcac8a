"""Discord protocol constants and the records the fake keeps of what the bot did."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

API_PREFIX = "/api/v10"
ATTACHMENT_SIZE_LIMIT = 25 * 1024 * 1024

# Message flags.
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_IS_COMPONENTS_V2 = 1 << 15
# Flags a bot may set when creating a message (SUPPRESS_EMBEDS, EPHEMERAL,
# SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2); anything else is dropped like Discord does.
SETTABLE_FLAGS = (1 << 2) | FLAG_EPHEMERAL | (1 << 12) | FLAG_IS_COMPONENTS_V2

# Application flags READY reports for bots under 100 guilds with the intent toggled on.
APP_FLAG_PRESENCE_LIMITED = 1 << 13
APP_FLAG_MEMBERS_LIMITED = 1 << 15
APP_FLAG_MESSAGE_CONTENT_LIMITED = 1 << 19

# Interaction types and the callback types Discord accepts for each.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {
    PING: frozenset({1}),
    APPLICATION_COMMAND: frozenset({4, 5, 9}),
    MESSAGE_COMPONENT: frozenset({4, 5, 6, 7, 9}),
    AUTOCOMPLETE: frozenset({8}),
    MODAL_SUBMIT: frozenset({4, 5, 6, 7}),
}

# Application command option types the fake builds.
OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP, OPT_ATTACHMENT = 1, 2, 11

# Component types the fake reads (buttons, selects, modal parts).
BUTTON, STRING_SELECT, TEXT_INPUT, LABEL = 2, 3, 4, 18
MAX_FILES = 10  # attachments per message

MENTION_RE = re.compile(r"<@!?(\d+)>")


class FakeDiscordTimeout(AssertionError):
    """A ``wait_for*`` helper gave up; the message lists what the fake did see."""


@dataclass
class RecordedRequest:
    """One REST request the bot made, plus what the fake did with it."""

    index: int
    method: str
    path: str  # below /api/v10, percent-decoded
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    operation_id: str | None = None
    violations: list[str] = field(default_factory=list)
    status: int | None = None  # None while the fake is still handling it
    response: Any = None
    received_at: float = field(default_factory=time.perf_counter)
    fault: Fault | None = None  # the injected fault that answered it, if any
    files: list[UploadedFile] = field(default_factory=list)  # multipart file parts

    @property
    def done(self) -> bool:
        """True once the fake has answered (its side effects are in place)."""
        return self.status is not None

    def __str__(self) -> str:
        query = "?" + "&".join(f"{k}={v}" for k, v in self.query.items()) if self.query else ""
        op = f" [{self.operation_id}]" if self.operation_id else ""
        return f"#{self.index} {self.method} {self.path}{query}{op} -> {self.status}"


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart request (``files[n]``)."""

    field: str
    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass
class Fault:
    """A misbehaving route (see :meth:`FakeDiscord.inject_fault`)."""

    method: str
    pattern: re.Pattern[str]
    status: int | None = None  # None: answer normally (after ``delay``)
    delay: float = 0.0  # seconds before answering
    retry_after: float = 1.0  # for status 429
    times: int | None = None  # how many requests it hits; None: all
    hits: int = 0

    def applies(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        return method == self.method and bool(self.pattern.fullmatch(path))


@dataclass
class InteractionRecord:
    """An interaction the fake dispatched and everything the bot answered to it."""

    id: str
    token: str
    type: int
    payload: dict[str, Any]
    channel_id: str | None
    guild_id: str | None
    callback: dict[str, Any] | None = None  # body of POST .../callback
    followups: list[dict[str, Any]] = field(default_factory=list)  # POST /webhooks bodies
    message_id: str | None = None  # the "original response" message
    requests: list[RecordedRequest] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)  # PATCHes of its messages

    @property
    def callback_type(self) -> int | None:
        """The callback type (4 reply, 5 defer, 6 deferred update, 7 update, 8, 9)."""
        return None if self.callback is None else self.callback.get("type")

    @property
    def data(self) -> dict[str, Any]:
        """The callback's ``data`` (message payload, choices or modal); {} if none."""
        return dict((self.callback or {}).get("data") or {})

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot opened (callback type 9), if any."""
        return self.data if self.callback_type == 9 else None

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        """Autocomplete choices, if the callback was type 8."""
        if self.callback_type != 8:
            return None
        return list(self.data.get("choices") or [])


@dataclass
class GatewayConnection:
    """One websocket connection from a bot to the fake gateway."""

    ws: web.WebSocketResponse
    query: dict[str, str]
    session_id: str | None = None
    intents: int = 0
    identify: dict[str, Any] | None = None
    seq: int = 0
    closed: bool = False
    close_code: int | None = None  # set when the fake closed it with an error code

    @property
    def ready(self) -> bool:
        """True once IDENTIFY (or RESUME) succeeded and the socket is still open."""
        return self.session_id is not None and not (self.closed or self.ws.closed)

    @property
    def shard(self) -> tuple[int, int]:
        """(shard id, shard count) from IDENTIFY; (0, 1) when not sharded."""
        shard = (self.identify or {}).get("shard") or [0, 1]
        return int(shard[0]), int(shard[1])

    def serves(self, guild_id: str | None) -> bool:
        """Whether events for ``guild_id`` (None: DMs, always shard 0) go over this shard."""
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (int(guild_id) >> 22) % count == shard_id

    async def send(self, payload: dict[str, Any]) -> None:
        """Send one JSON text frame (no compression: discord.py only inflates binary)."""
        await self.ws.send_str(json.dumps(payload))

    async def dispatch(self, event: str, data: Any) -> None:
        """Send an op 0 DISPATCH with the next sequence number."""
        self.seq += 1
        await self.send({"op": 0, "t": event, "s": self.seq, "d": data})


def json_response(data: Any, status: int = 200) -> web.Response:
    # Exactly "application/json": discord.py compares the header verbatim, and aiohttp's
    # json_response would append "; charset=utf-8".
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json"},
    )


def error_response(status: int, code: int, message: str) -> web.Response:
    return json_response({"message": message, "code": code}, status)


def no_content() -> web.Response:
    return web.Response(status=204)


def walk_components(components: Any) -> Iterator[dict[str, Any]]:
    """Every component in a (possibly nested, components-v2) component tree."""
    for comp in components or []:
        if not isinstance(comp, dict):
            continue
        yield comp
        yield from walk_components(comp.get("components"))
        for key in ("component", "accessory"):
            if isinstance(comp.get(key), dict):
                yield from walk_components([comp[key]])
