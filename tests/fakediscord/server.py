"""A local fake Discord (REST ``/api/v10`` + gateway websocket) for end-to-end bot tests.

The real discord.py client logs in against it, receives gateway events the test drives
(:meth:`FakeDiscord.send_message`, :meth:`FakeDiscord.invoke_slash`, ...) and sends REST
calls that the fake records (:attr:`FakeDiscord.requests`) and validates against
Discord's OpenAPI spec plus documented limits (:attr:`FakeDiscord.violations`).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import unquote

from aiohttp import BodyPartReader, WSMsgType, web

from .models import (
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Intents,
    Permissions,
    SnowflakeFactory,
    iso_now,
)
from .validate import RequestValidator, get_validator

__all__ = [
    "FakeDiscord",
    "FakeDiscordTimeout",
    "GatewayConnection",
    "InteractionRecord",
    "RecordedRequest",
]

T = TypeVar("T")
Handler = Callable[["RecordedRequest", re.Match[str]], Awaitable[web.Response]]

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

# Option types whose values are ids that Discord resolves into `data.resolved`.
OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP = 1, 2
OPT_STRING, OPT_INTEGER, OPT_BOOLEAN, OPT_USER, OPT_CHANNEL, OPT_ROLE, OPT_MENTIONABLE = range(
    3, 10
)
OPT_NUMBER = 10

_UNSET: Any = object()
_MENTION_RE = re.compile(r"<@!?(\d+)>")


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
    files: list[dict[str, Any]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    status: int | None = None  # None while the fake is still handling it
    response: Any = None
    received_at: float = field(default_factory=time.perf_counter)
    fault: Fault | None = None  # the injected fault that answered it, if any

    @property
    def done(self) -> bool:
        """True once the fake has answered (its side effects are in place)."""
        return self.status is not None

    def __str__(self) -> str:
        query = "?" + "&".join(f"{k}={v}" for k, v in self.query.items()) if self.query else ""
        op = f" [{self.operation_id}]" if self.operation_id else ""
        return f"#{self.index} {self.method} {self.path}{query}{op} -> {self.status}"


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
    edits: list[dict[str, Any]] = field(default_factory=list)  # PATCH /webhooks/... bodies
    message_id: str | None = None  # the "original response" message
    followup_message_ids: list[str] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)

    @property
    def callback_type(self) -> int | None:
        """The callback type (4 reply, 5 defer, 6 deferred update, 7 update, 8, 9)."""
        return None if self.callback is None else self.callback.get("type")

    @property
    def data(self) -> dict[str, Any]:
        """The callback's ``data`` (message payload, choices or modal); {} if none."""
        return dict((self.callback or {}).get("data") or {})

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


def _json_response(data: Any, status: int = 200) -> web.Response:
    # Exactly "application/json": discord.py compares the header verbatim, and aiohttp's
    # json_response would append "; charset=utf-8".
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json"},
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json_response({"message": message, "code": code}, status)


def _no_content() -> web.Response:
    return web.Response(status=204)


def _walk_components(components: Any) -> Iterator[dict[str, Any]]:
    """Every component in a (possibly nested, components-v2) component tree."""
    for comp in components or []:
        if not isinstance(comp, dict):
            continue
        yield comp
        yield from _walk_components(comp.get("components"))
        for key in ("component", "accessory"):
            if isinstance(comp.get(key), dict):
                yield from _walk_components([comp[key]])


class FakeDiscord:
    """A fake Discord API + gateway on 127.0.0.1 (random free port).

    Start it with :meth:`start` (or ``async with``), point discord.py at :attr:`api_base`
    and :attr:`gateway_url` (the ``fake_discord`` fixture does both), run the bot, then
    drive it with the helpers and inspect what it sent.

    The default world has one guild (:attr:`guild`) with channels ``general`` and
    ``bot-commands``, roles ``@everyone`` (id == guild id), ``admin`` (ADMINISTRATOR) and
    the bot's managed role, and members :attr:`bot_user`, :attr:`owner`, :attr:`user` (a
    plain member, the default author/invoker) and :attr:`admin_user` (has ``admin``).
    """

    def __init__(
        self,
        *,
        message_content_intent: bool = True,
        members_intent: bool = True,
        presences_intent: bool = False,
        validate: bool = True,
        echo_bot_messages: bool = True,
        heartbeat_interval_ms: int = 41250,
        guild: FakeGuild | None = None,
    ) -> None:
        """Configure the fake.

        ``*_intent``: whether that privileged intent is "enabled in the developer portal";
        IDENTIFY requesting a disabled one is closed with 4014 like on Discord.
        ``validate``: check REST bodies against the OpenAPI spec and documented limits.
        ``echo_bot_messages``: dispatch MESSAGE_CREATE/UPDATE/DELETE for the bot's own
        messages, as Discord does. ``guild``: replace the default guild.
        """
        self.message_content_intent = message_content_intent
        self.members_intent = members_intent
        self.presences_intent = presences_intent
        self.validate = validate
        self.echo_bot_messages = echo_bot_messages
        self.heartbeat_interval_ms = heartbeat_interval_ms
        # Tokens answered with 401 (an invalid or reset bot token).
        self.rejected_tokens: set[str] = set()
        # What GET /gateway/bot recommends (AutoShardedClient without shard_count uses it).
        self.recommended_shards = 1
        self.faults: list[Fault] = []
        self._stopping = asyncio.Event()
        self.snowflake = SnowflakeFactory()

        self.bot_user = FakeUser("1000000000000000001", "FakeBot", bot=True)
        self.owner = FakeUser("1000000000000000002", "owner")
        self.user = FakeUser("1000000000000000003", "tester")
        self.admin_user = FakeUser("1000000000000000004", "admin")
        self.application: dict[str, Any] = {
            "id": self.bot_user.id,
            "name": self.bot_user.username,
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.owner.to_dict(),
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
            "summary": "",
        }
        self.guild: FakeGuild = guild or self._default_guild()
        self.guilds: dict[str, FakeGuild] = {self.guild.id: self.guild}
        self.channel_id: str = self.guild.channels[0].id
        self.dm_channels: dict[str, FakeChannel] = {}  # user id -> DM channel

        # Recorded traffic and state.
        self.requests: list[RecordedRequest] = []
        self.violations: list[str] = []
        self.unknown_routes: list[RecordedRequest] = []
        self.errors: list[str] = []  # exceptions inside the fake itself
        self.messages: list[dict[str, Any]] = []  # created by the bot (REST/interactions)
        self.user_messages: list[dict[str, Any]] = []  # sent by the test (send_message)
        self.deleted_message_ids: list[str] = []
        self.interactions: dict[str, InteractionRecord] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[str, list[dict[str, Any]]] = {}
        self.connections: list[GatewayConnection] = []
        self.identify_payloads: list[dict[str, Any]] = []
        self.gateway_closes: list[int] = []  # close codes the fake sent
        self.presence_updates: list[dict[str, Any]] = []

        self._messages_by_id: dict[str, dict[str, Any]] = {}
        self._message_log: list[tuple[int, str]] = []  # (request index, message id)
        self._tokens: dict[str, InteractionRecord] = {}
        self._sessions: dict[str, GatewayConnection] = {}
        self._mark = 0  # len(requests) when the fake last dispatched an event
        self._change: asyncio.Future[None] | None = None
        self._validator: RequestValidator | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = self._build_routes()

    # ------------------------------------------------------------------ world

    def _default_guild(self) -> FakeGuild:
        guild_id = "2000000000000000001"
        admin = FakeRole(
            "2000000000000000101", "admin", Permissions.ADMINISTRATOR | Permissions.MANAGE_GUILD, 2
        )
        bot_role = FakeRole(
            "2000000000000000102", self.bot_user.username, Permissions.BOT_DEFAULT, 1, managed=True
        )
        return FakeGuild(
            id=guild_id,
            name="Fake Guild",
            owner_id=self.owner.id,
            channels=[
                FakeChannel("3000000000000000001", "general", 0, 0),
                FakeChannel("3000000000000000002", "bot-commands", 0, 1),
            ],
            roles=[admin, bot_role],
            members=[
                FakeMember(self.bot_user, [bot_role.id]),
                FakeMember(self.owner),
                FakeMember(self.user),
                FakeMember(self.admin_user, [admin.id]),
            ],
        )

    def add_member(
        self, username: str, *, roles: Sequence[str] = (), guild_id: str | None = None
    ) -> FakeUser:
        """Create a user and add them to a guild (before the bot connects).

        ``roles`` are role names or ids.
        """
        guild = self.guilds[guild_id or self.guild.id]
        user = FakeUser(self.snowflake(), username)
        guild.members.append(FakeMember(user, [guild.role(r).id for r in roles]))
        return user

    def _find_user(self, user_id: str) -> FakeUser | None:
        for guild in self.guilds.values():
            member = guild.member(user_id)
            if member is not None:
                return member.user
        return None

    def _channel_info(self, channel_id: str) -> tuple[FakeChannel, FakeGuild | None] | None:
        for guild in self.guilds.values():
            for channel in guild.channels:
                if channel.id == channel_id:
                    return channel, guild
        for channel in self.dm_channels.values():
            if channel.id == channel_id:
                return channel, None
        return None

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """The DM channel between the bot and ``user`` (created on first use)."""
        channel = self.dm_channels.get(user.id)
        if channel is None:
            channel = FakeChannel(self.snowflake(), user.username, type=1)
            self.dm_channels[user.id] = channel
        return channel

    def _dm_channel_dict(self, channel: FakeChannel) -> dict[str, Any]:
        user_id = next(uid for uid, ch in self.dm_channels.items() if ch is channel)
        recipient = self._find_user(user_id)
        recipients = [recipient.to_dict()] if recipient else []
        return {"id": channel.id, "type": 1, "last_message_id": None, "recipients": recipients}

    # ------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        """The TCP port the fake listens on (after :meth:`start`)."""
        if self._port is None:
            raise RuntimeError("FakeDiscord is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """Value for ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (as yarl.URL)."""
        return f"ws://127.0.0.1:{self.port}/gateway/"

    async def start(self) -> FakeDiscord:
        """Bind a free port on 127.0.0.1 and start serving."""
        loop = asyncio.get_running_loop()
        self._change = loop.create_future()
        self._validator = get_validator()  # build it now, not during the first request
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._handle_gateway)
        app.router.add_get("/gateway/", self._handle_gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._handle_rest)
        app.router.add_route("*", "/{tail:.*}", self._handle_other)  # CDN etc.
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def stop(self) -> None:
        """Close gateway connections and stop the server."""
        self._stopping.set()  # delayed (fault-injected) answers give up at once
        for conn in self.connections:
            if not conn.ws.closed:
                await conn.ws.close(code=1001, message=b"fake discord stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def problems(self) -> list[str]:
        """Everything that should fail a test: violations, unknown routes, fake errors."""
        out = list(self.violations)
        out += [f"unknown route (fake returned 404): {req}" for req in self.unknown_routes]
        out += [f"fake discord error: {err}" for err in self.errors]
        return out

    def assert_clean(self) -> None:
        """Raise AssertionError listing :meth:`problems`, if there are any."""
        problems = self.problems()
        if problems:
            lines = "\n".join(f"  - {p}" for p in problems)
            raise AssertionError(f"fake Discord recorded {len(problems)} problem(s):\n{lines}")

    def inject_fault(
        self,
        method: str,
        path: str,
        *,
        status: int | None = None,
        delay: float = 0.0,
        retry_after: float = 1.0,
        times: int | None = None,
    ) -> Fault:
        """Make a REST route misbehave, e.g. ``inject_fault("POST", r"/channels/\\d+/typing",
        status=500)``.

        ``path`` is a regex matched in full against the path below ``/api/v10``.
        ``status``: answer with that error instead (429 comes with ``retry_after`` and the
        headers discord.py needs to honour it); ``delay``: wait that long first (a slow
        Discord; cut short when the fake stops); ``times``: only the first N requests.
        """
        fault = Fault(method.upper(), re.compile(path), status, delay, retry_after, times)
        self.faults.append(fault)
        return fault

    async def _apply_fault(self, req: RecordedRequest, raw_path: str) -> web.Response | None:
        fault = next((f for f in self.faults if f.applies(req.method, raw_path)), None)
        if fault is None:
            return None
        fault.hits += 1
        req.fault = fault
        if fault.delay:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), fault.delay)
        if fault.status == 429:
            body = {"message": "You are being rate limited.", "retry_after": fault.retry_after}
            response = _json_response({**body, "global": False}, 429)
            # discord.py treats a 429 without "Via" as a Cloudflare ban and gives up.
            response.headers.update(
                {
                    "Via": "1.1 google",
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset-After": str(fault.retry_after),
                    "X-RateLimit-Scope": "user",
                }
            )
            return response
        if fault.status is not None:
            return _error(fault.status, 0, f"{fault.status}: injected by the test")
        return None

    # ---------------------------------------------------------------- waiting

    def _notify(self) -> None:
        # Wake every waiter: resolve the current future and start a new generation.
        fut = self._change
        if fut is not None:
            self._change = fut.get_loop().create_future()
            if not fut.done():
                fut.set_result(None)

    async def _wait_until(
        self, check: Callable[[], T | None], timeout: float, describe: Callable[[], str]
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0 or self._change is None:
                raise FakeDiscordTimeout(describe())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._change), remaining)

    def _describe_since(self, start: int) -> str:
        seen = [str(req) for req in self.requests[start:]] or ["(none)"]
        text = f"requests since #{start}:\n" + "\n".join(f"  {line}" for line in seen)
        text += "\n(if the bot raised in a handler, discord.py logged it: see the captured log)"
        if self.problems():
            text += "\nproblems so far:\n" + "\n".join(f"  - {p}" for p in self.problems())
        return text

    @property
    def mark(self) -> int:
        """Index of the first request after the most recent event the fake dispatched."""
        return self._mark

    async def wait_for(
        self,
        predicate_or_method: Callable[[RecordedRequest], bool] | str,
        path: str | None = None,
        *,
        timeout: float = 5.0,
        since: int | None = None,
    ) -> RecordedRequest:
        """Wait for a completed REST request and return it.

        Either ``wait_for(lambda req: ...)`` or ``wait_for("POST", r"/channels/\\d+/messages")``
        (method ``"*"`` matches any; ``path`` is a regex matched in full against the path
        below ``/api/v10``). Only requests from index ``since`` on are considered; the
        default is :attr:`mark`, i.e. requests made after the last event the fake sent.
        """
        if callable(predicate_or_method):
            predicate = predicate_or_method
            label = getattr(predicate, "__name__", "predicate")
        else:
            method = predicate_or_method.upper()
            pattern = re.compile(path or ".*")

            def predicate(req: RecordedRequest) -> bool:
                return method in ("*", req.method) and bool(pattern.fullmatch(req.path))

            label = f"{method} {pattern.pattern}"
        start = self._mark if since is None else since

        def check() -> RecordedRequest | None:
            return next((r for r in self.requests[start:] if r.done and predicate(r)), None)

        return await self._wait_until(
            check,
            timeout,
            lambda: (
                f"no request matching {label} within {timeout}s; " + self._describe_since(start)
            ),
        )

    async def wait_for_message(
        self,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        *,
        channel_id: str | None = None,
        timeout: float = 5.0,
        since: int | None = None,
    ) -> dict[str, Any]:
        """Wait for a message the bot created (channel send, interaction reply, followup).

        Returns the current state of the message (edits applied).
        """
        start = self._mark if since is None else since

        def check() -> dict[str, Any] | None:
            for index, message_id in self._message_log:
                msg = self._messages_by_id.get(message_id)
                if index < start or msg is None:  # too old, or deleted since
                    continue
                if channel_id is not None and msg["channel_id"] != str(channel_id):
                    continue
                if predicate is None or predicate(msg):
                    return msg
            return None

        return await self._wait_until(
            check,
            timeout,
            lambda: (
                f"the bot created no matching message within {timeout}s; "
                + self._describe_since(start)
            ),
        )

    async def wait_for_interaction_response(
        self,
        interaction: InteractionRecord | str | int,
        *,
        followups: int = 0,
        timeout: float = 5.0,
    ) -> InteractionRecord:
        """Wait until the bot answered the interaction's callback (+ ``followups`` more).

        The returned record has ``callback`` (the callback body), ``followups`` (follow-up
        webhook bodies), ``edits`` (PATCHes of its messages) and ``message_id``.
        """
        iid = interaction.id if isinstance(interaction, InteractionRecord) else str(interaction)
        record = self.interactions[iid]

        def check() -> InteractionRecord | None:
            ok = record.callback is not None and len(record.followups) >= followups
            return record if ok else None

        def describe() -> str:
            got = f"callback={record.callback!r}, {len(record.followups)} followup(s)"
            return (
                f"interaction {iid} not answered (wanted callback + {followups} followup(s), "
                f"got {got}) within {timeout}s; " + self._describe_since(self._mark)
            )

        return await self._wait_until(check, timeout, describe)

    async def wait_for_connection(
        self, timeout: float = 5.0, *, other_than: GatewayConnection | None = None
    ) -> GatewayConnection:
        """Wait until a bot has identified (or resumed) on the gateway.

        ``other_than`` skips that connection (to wait for a reconnect).
        """

        def check() -> GatewayConnection | None:
            conn = self.connection
            return conn if conn is not None and conn is not other_than else None

        return await self._wait_until(
            check, timeout, lambda: "no bot (re)connected to the fake gateway"
        )

    async def drop_connection(self, code: int = 4000, *, timeout: float = 5.0) -> GatewayConnection:
        """Close the bot's gateway socket with ``code`` and wait for it to come back.

        With a resumable code (4000 etc.) discord.py reconnects to ``resume_gateway_url``
        and sends RESUME; the fake answers RESUMED. Returns the new connection.
        """
        old = self._require_connection()
        await self._close(old, code, "dropped by test")
        return await self.wait_for_connection(timeout, other_than=old)

    # ---------------------------------------------------------------- lookups

    @property
    def connection(self) -> GatewayConnection | None:
        """The most recent ready gateway connection, if any."""
        return next((c for c in reversed(self.connections) if c.ready), None)

    def connection_for(self, guild_id: str | None) -> GatewayConnection | None:
        """The ready connection (shard) that receives events for ``guild_id`` (None: DMs)."""
        return next((c for c in reversed(self.connections) if c.ready and c.serves(guild_id)), None)

    @property
    def shards(self) -> list[tuple[int, int]]:
        """(shard id, shard count) of every ready connection, sorted."""
        return sorted(c.shard for c in self.connections if c.ready)

    @property
    def commands(self) -> list[dict[str, Any]]:
        """Every synced command: global ones, then guild ones (those carry ``guild_id``)."""
        out = list(self.global_commands)
        for commands in self.guild_commands.values():
            out += commands
        return out

    def find_command(self, name: str, guild_id: str | None = _UNSET) -> dict[str, Any] | None:
        """A synced CHAT_INPUT command by name: guild-scoped first, then global.

        Pass ``guild_id=None`` to only look at global commands.
        """
        gid = self.guild.id if guild_id is _UNSET else guild_id
        pools = ([self.guild_commands.get(gid, [])] if gid else []) + [self.global_commands]
        for pool in pools:
            for command in pool:
                if command["name"] == name and command.get("type", 1) == 1:
                    return command
        return None

    def get_message(self, message_id: str | int | None) -> dict[str, Any]:
        """A message (bot's or test's) by id, with edits applied; KeyError once deleted."""
        if message_id is None:
            raise KeyError("no message id (did the bot answer with a message?)")
        return self._messages_by_id[str(message_id)]

    # ----------------------------------------------------------- gateway side

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        conn = GatewayConnection(ws=ws, query=dict(request.query))
        self.connections.append(conn)
        try:
            await conn.send({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                try:
                    payload = json.loads(msg.data)
                    await self._on_gateway_payload(conn, payload)
                except ConnectionResetError:
                    break  # the bot hung up while we answered (e.g. during shutdown)
                except Exception as exc:
                    self.errors.append(f"gateway: {type(exc).__name__}: {exc}")
                    await self._close(conn, 4000, "fake error")
        finally:
            conn.closed = True
            self._notify()
        return ws

    async def _close(self, conn: GatewayConnection, code: int, reason: str) -> None:
        conn.close_code = code
        self.gateway_closes.append(code)
        self._notify()
        await conn.ws.close(code=code, message=reason.encode())

    async def _on_gateway_payload(self, conn: GatewayConnection, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:  # heartbeat
            await conn.send({"op": 11})
        elif op == 2:
            await self._identify(conn, data or {})
        elif op == 6:
            await self._resume(conn, data or {})
        elif conn.session_id is None:
            await self._close(conn, 4003, "Not authenticated.")
        elif op == 3:
            self.presence_updates.append(data)
        elif op == 8:
            await self._request_members(conn, data or {})
        elif op == 4:  # voice state update: nothing to do
            pass
        else:
            await self._close(conn, 4001, "Unknown opcode.")

    def _app_flags(self) -> int:
        flags = 0
        if self.message_content_intent:
            flags |= APP_FLAG_MESSAGE_CONTENT_LIMITED
        if self.members_intent:
            flags |= APP_FLAG_MEMBERS_LIMITED
        if self.presences_intent:
            flags |= APP_FLAG_PRESENCE_LIMITED
        return flags

    def _allowed_privileged(self) -> int:
        allowed = 0
        if self.message_content_intent:
            allowed |= Intents.MESSAGE_CONTENT
        if self.members_intent:
            allowed |= Intents.GUILD_MEMBERS
        if self.presences_intent:
            allowed |= Intents.GUILD_PRESENCES
        return allowed

    async def _identify(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        self.identify_payloads.append(data)
        if conn.session_id is not None:
            await self._close(conn, 4005, "Already authenticated.")
            return
        if not data.get("token"):
            await self._close(conn, 4004, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await self._close(conn, 4013, "Invalid intent(s).")
            return
        if intents & Intents.PRIVILEGED & ~self._allowed_privileged():
            await self._close(conn, 4014, "Disallowed intent(s).")
            return
        conn.intents = intents
        conn.identify = data
        conn.session_id = secrets.token_hex(16)
        self._sessions[conn.session_id] = conn
        await conn.dispatch(
            "READY",
            {
                "v": 10,
                "user": {**self.bot_user.to_dict(), "verified": True, "mfa_enabled": False},
                "guilds": [{"id": gid, "unavailable": True} for gid in self._guilds_of(conn)],
                "session_id": conn.session_id,
                "session_type": "normal",
                "resume_gateway_url": self.gateway_url,
                "application": {"id": self.application["id"], "flags": self._app_flags()},
                "shard": list(conn.shard),
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "user_settings": {},
            },
        )
        for gid in self._guilds_of(conn):
            await conn.dispatch(
                "GUILD_CREATE", self._guild_create_payload(self.guilds[gid], intents)
            )
        self._notify()

    def _guilds_of(self, conn: GatewayConnection) -> list[str]:
        # Discord sends a shard only the guilds whose (id >> 22) % shard_count is its id.
        return [gid for gid in self.guilds if conn.serves(gid)]

    def _guild_create_payload(self, guild: FakeGuild, intents: int) -> dict[str, Any]:
        if intents & Intents.GUILD_MEMBERS:
            return guild.to_gateway_dict()
        # Without the members intent Discord only sends the bot's own member.
        me = [m for m in guild.members if m.user.id == self.bot_user.id]
        return guild.to_gateway_dict(members=me)

    async def _resume(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        session_id = str(data.get("session_id"))
        old = self._sessions.get(session_id)
        if old is None or not data.get("token"):
            await conn.send({"op": 9, "d": False})  # invalid session, not resumable
            return
        conn.session_id, conn.intents, conn.identify = session_id, old.intents, old.identify
        conn.seq = max(old.seq, int(data.get("seq") or 0))
        self._sessions[session_id] = conn
        old.session_id = None  # the dropped socket no longer owns the session
        await conn.dispatch("RESUMED", {})
        self._notify()

    async def _request_members(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        guild = self.guilds.get(str(data.get("guild_id")))
        if guild is None:
            return
        chunk: dict[str, Any] = {
            "guild_id": guild.id,
            "members": [m.to_dict() for m in guild.members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await conn.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    def _require_connection(self, guild_id: str | None = None) -> GatewayConnection:
        conn = self.connection_for(guild_id)
        if conn is None:
            raise RuntimeError(
                f"no bot shard for guild {guild_id} is connected to the fake gateway "
                "(wait for on_ready)"
            )
        return conn

    async def dispatch(self, event: str, data: Any, *, guild_id: str | None = None) -> None:
        """Send a gateway event to the shard serving ``guild_id`` (sets :attr:`mark`)."""
        conn = self._require_connection(guild_id)
        self._mark = len(self.requests)
        await conn.dispatch(event, data)

    def _sees_message(self, conn: GatewayConnection, message: dict[str, Any]) -> bool:
        needed = Intents.GUILD_MESSAGES if message.get("guild_id") else Intents.DIRECT_MESSAGES
        return bool(conn.intents & needed)

    def _visible_message(self, conn: GatewayConnection, message: dict[str, Any]) -> dict[str, Any]:
        """Apply the message-content rule to a message about to be dispatched.

        Without the MESSAGE_CONTENT intent, content/embeds/attachments/components/poll
        arrive empty, except in DMs, when the bot is mentioned, or for its own messages.
        """
        if conn.intents & Intents.MESSAGE_CONTENT:
            return message
        if not message.get("guild_id") or message["author"]["id"] == self.bot_user.id:
            return message
        if any(m["id"] == self.bot_user.id for m in message.get("mentions", [])):
            return message
        redacted = dict(message)
        redacted.update(content="", embeds=[], attachments=[], components=[])
        redacted.pop("poll", None)
        return redacted

    async def _echo(self, event: str, message: dict[str, Any]) -> None:
        # Discord echoes the bot's own non-ephemeral messages back over the gateway.
        conn = self.connection_for(message.get("guild_id"))
        if not self.echo_bot_messages or conn is None:
            return
        if message.get("flags", 0) & FLAG_EPHEMERAL or not self._sees_message(conn, message):
            return
        if event == "MESSAGE_DELETE":
            data = {k: message[k] for k in ("id", "channel_id", "guild_id") if k in message}
        else:
            data = copy.deepcopy(message)
            if message.get("guild_id"):
                member = self.guilds[message["guild_id"]].member(self.bot_user.id)
                if member is not None:
                    data["member"] = member.to_dict(with_user=False)
        # The bot may be shutting down right after its REST call; that is not an error.
        with contextlib.suppress(ConnectionResetError):
            await conn.dispatch(event, data)

    # ------------------------------------------------------------ test driving

    def _as_user(self, user: FakeUser | FakeMember | None) -> FakeUser:
        if user is None:
            return self.user
        return user.user if isinstance(user, FakeMember) else user

    async def send_message(
        self,
        content: str,
        *,
        channel_id: str | None = None,
        author: FakeUser | FakeMember | None = None,
        mentions_bot: bool = False,
        guild: bool = True,
        reply_to: dict[str, Any] | str | None = None,
        reply_ping: bool = True,
        embeds: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A user posts a message; dispatches MESSAGE_CREATE and returns the full message.

        ``mentions_bot`` prefixes ``<@botid> `` and lists the bot in ``mentions``.
        ``guild=False`` sends it as a DM from ``author`` (``channel_id`` is then ignored).
        ``reply_to`` (message dict or id) makes it a reply in that message's channel; with
        ``reply_ping`` (the Discord client's default) the replied-to author is mentioned.
        The bot only receives it with the GUILD_MESSAGES / DIRECT_MESSAGES intent, and
        ``content`` is empty unless it has MESSAGE_CONTENT or the DM/mention exceptions.
        """
        user = self._as_user(author)
        ref = None
        if reply_to is not None:
            ref = self.get_message(reply_to if isinstance(reply_to, str) else reply_to["id"])
        if mentions_bot:
            content = f"{self.bot_user.mention} {content}"
        if not guild:
            target = self.dm_channel(user).id
        else:
            target = str(channel_id or (ref["channel_id"] if ref else self.channel_id))
        message = self._new_message(
            channel_id=target, author=user, content=content, embeds=embeds or []
        )
        guild_obj = None
        if guild:
            info = self._channel_info(target)
            if info is None or info[1] is None:
                raise ValueError(f"channel {target} is not a guild channel")
            guild_obj = info[1]
            message["guild_id"] = guild_obj.id
            member = guild_obj.member(user.id)
            if member is not None:
                message["member"] = member.to_dict(with_user=False)
        mentioned = list(dict.fromkeys(_MENTION_RE.findall(content)))
        if ref is not None:
            message["type"] = 19
            message["message_reference"] = {
                "type": 0,
                "message_id": ref["id"],
                "channel_id": ref["channel_id"],
                **({"guild_id": ref["guild_id"]} if ref.get("guild_id") else {}),
            }
            message["referenced_message"] = self._strip_reference(ref)
            if reply_ping and ref["author"]["id"] not in mentioned:
                mentioned.append(ref["author"]["id"])
        conn = self._require_connection(guild_obj.id if guild_obj else None)
        mentions = [self._mention_dict(uid, guild_obj) for uid in mentioned]
        message["mentions"] = [m for m in mentions if m is not None]
        self.user_messages.append(message)
        self._messages_by_id[message["id"]] = message
        self._mark = len(self.requests)
        if self._sees_message(conn, message):
            await conn.dispatch("MESSAGE_CREATE", self._visible_message(conn, message))
        return message

    def _mention_dict(self, user_id: str, guild: FakeGuild | None) -> dict[str, Any] | None:
        user = self._find_user(user_id)
        if user is None:
            return None
        data = user.to_dict()
        member = guild.member(user_id) if guild else None
        if member is not None:
            data["member"] = member.to_dict(with_user=False)
        return data

    @staticmethod
    def _strip_reference(message: dict[str, Any]) -> dict[str, Any]:
        ref = dict(message)
        ref.pop("referenced_message", None)
        return ref

    def _interaction_base(
        self,
        itype: int,
        data: dict[str, Any] | None,
        *,
        user: FakeUser | FakeMember | None,
        guild_id: str | None,
        channel_id: str | None,
        locale: str,
        permissions: str | int | None,
        message: dict[str, Any] | None = None,
    ) -> InteractionRecord:
        invoker = self._as_user(user)
        iid = self.snowflake()
        token = "fake-interaction-" + secrets.token_urlsafe(24)
        payload: dict[str, Any] = {
            "id": iid,
            "application_id": self.application["id"],
            "type": itype,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if data is not None:
            payload["data"] = data
        if guild_id is not None:
            guild = self.guilds[str(guild_id)]
            channel = guild.channel(str(channel_id or self.channel_id))
            member = guild.member(invoker.id) or FakeMember(invoker)
            perms = guild.permissions_for(member) if permissions is None else int(permissions)
            bot_member = guild.member(self.bot_user.id)
            app_perms = guild.permissions_for(bot_member) if bot_member else 0
            payload.update(
                guild_id=guild.id,
                guild={"id": guild.id, "locale": guild.preferred_locale, "features": []},
                guild_locale=guild.preferred_locale,
                channel_id=channel.id,
                channel=channel.to_dict(guild.id),
                member={**member.to_dict(), "permissions": str(perms)},
                app_permissions=str(app_perms),
                authorizing_integration_owners={"0": guild.id},
                context=0,
            )
        else:
            channel = self.dm_channel(invoker)
            payload.update(
                channel_id=channel.id,
                channel=self._dm_channel_dict(channel),
                user=invoker.to_dict(),
                app_permissions=str(Permissions.BOT_DEFAULT),
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        if message is not None:
            payload["message"] = copy.deepcopy(message)
        record = InteractionRecord(
            id=iid,
            token=token,
            type=itype,
            payload=payload,
            channel_id=payload["channel_id"],
            guild_id=payload.get("guild_id"),
        )
        if message is not None:
            record.message_id = message["id"]  # component interactions edit this message
        self.interactions[iid] = record
        self._tokens[token] = record
        return record

    async def _send_interaction(self, record: InteractionRecord) -> InteractionRecord:
        conn = self._require_connection(record.guild_id)
        self._mark = len(self.requests)
        await conn.dispatch("INTERACTION_CREATE", record.payload)
        return record

    def _resolve_command(
        self, name: str, guild_id: str | None, scope: str
    ) -> tuple[dict[str, Any] | None, list[str]]:
        path = name.split()
        if scope == "auto":
            command = self.find_command(path[0], guild_id)
            if command is None:
                raise LookupError(
                    f"/{path[0]} was never synced to the fake (synced: "
                    f"{sorted(c['name'] for c in self.commands)}); sync it first, or pass "
                    "scope='guild'/'global' to invoke it anyway"
                )
        else:
            command = None
        return command, path

    @staticmethod
    def _option_defs(command: dict[str, Any] | None, path: list[str]) -> list[dict[str, Any]]:
        """Option definitions of the (sub)command at ``path`` in a synced command."""
        if command is None:
            return []
        defs = command.get("options") or []
        for part in path[1:]:
            node = next((o for o in defs if o.get("name") == part), None)
            if node is None or node.get("type") not in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP):
                raise LookupError(f"/{' '.join(path)}: no subcommand {part!r}")
            defs = node.get("options") or []
        return defs

    def _build_options(
        self,
        options: Mapping[str, Any] | Sequence[dict[str, Any]] | None,
        defs: list[dict[str, Any]],
        *,
        label: str,
        focused: str | None = None,
        check_required: bool = True,
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Leaf options as Discord sends them, plus the ``resolved`` map for id options."""
        if options is None:
            raw: list[dict[str, Any]] = []
        elif isinstance(options, Mapping):
            raw = [{"name": k, "value": v} for k, v in options.items()]
        else:
            raw = [dict(o) for o in options]
        by_name = {d["name"]: d for d in defs}
        resolved: dict[str, dict[str, Any]] = {}
        out = []
        for opt in raw:
            spec = by_name.get(opt["name"])
            if defs and spec is None:
                raise ValueError(f"{label}: unknown option {opt['name']!r} (has {sorted(by_name)})")
            value = opt.get("value")
            value = getattr(value, "id", value)  # FakeUser/FakeRole/FakeChannel -> id
            if isinstance(value, FakeMember):
                value = value.user.id
            otype = opt.get("type") or (spec or {}).get("type") or self._infer_type(value)
            item: dict[str, Any] = {"name": opt["name"], "type": otype, "value": value}
            if opt.get("focused") or opt["name"] == focused:
                item["focused"] = True
                item["value"] = str(value)  # autocomplete sends the partial text
            elif spec and spec.get("choices"):
                allowed = [c["value"] for c in spec["choices"]]
                if value not in allowed:
                    raise ValueError(f"{label}: {opt['name']}={value!r} is not one of {allowed}")
            if otype in (OPT_USER, OPT_CHANNEL, OPT_ROLE, OPT_MENTIONABLE):
                item["value"] = str(value)
                self._resolve_id(str(value), otype, resolved)
            out.append(item)
        if check_required:
            given = {o["name"] for o in out}
            missing = [d["name"] for d in defs if d.get("required") and d["name"] not in given]
            if missing:
                raise ValueError(f"{label}: missing required option(s) {missing}")
        return out, resolved

    @staticmethod
    def _infer_type(value: Any) -> int:
        if isinstance(value, bool):
            return OPT_BOOLEAN
        if isinstance(value, int):
            return OPT_INTEGER
        if isinstance(value, float):
            return OPT_NUMBER
        return OPT_STRING

    def _resolve_id(self, value: str, otype: int, resolved: dict[str, dict[str, Any]]) -> None:
        guild = self.guild
        if otype in (OPT_USER, OPT_MENTIONABLE):
            member = guild.member(value)
            if member is not None:
                resolved.setdefault("users", {})[value] = member.user.to_dict()
                member_data = member.to_dict(with_user=False)
                member_data["permissions"] = str(guild.permissions_for(member))
                resolved.setdefault("members", {})[value] = member_data
                return
        if otype in (OPT_ROLE, OPT_MENTIONABLE):
            role = next((r for r in guild.roles if r.id == value), None)
            if role is not None:
                resolved.setdefault("roles", {})[value] = role.to_dict()
                return
        if otype == OPT_CHANNEL:
            channel = next((c for c in guild.channels if c.id == value), None)
            if channel is not None:
                data = channel.to_dict(guild.id)
                data["permissions"] = str(Permissions.BOT_DEFAULT)
                resolved.setdefault("channels", {})[value] = data
                return
        raise ValueError(f"option value {value!r} does not resolve to a known user/role/channel")

    def _command_data(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[dict[str, Any]] | None,
        *,
        guild_id: str | None,
        scope: str,
        focused: str | None = None,
        autocomplete: bool = False,
    ) -> dict[str, Any]:
        command, path = self._resolve_command(name, guild_id, scope)
        defs = self._option_defs(command, path)
        leaf, resolved = self._build_options(
            options, defs, label=f"/{name}", focused=focused, check_required=not autocomplete
        )
        if autocomplete and sum(1 for o in leaf if o.get("focused")) != 1:
            raise ValueError("autocomplete needs exactly one focused option")
        nested: list[dict[str, Any]] = leaf
        # Wrap leaf options in their subcommand (type 1) and group (type 2) layers.
        for depth in range(len(path) - 1, 0, -1):
            kind = OPT_SUB_COMMAND if depth == len(path) - 1 else OPT_SUB_COMMAND_GROUP
            nested = [{"name": path[depth], "type": kind, "options": nested}]
        data: dict[str, Any] = {
            "id": command["id"] if command else self.snowflake(),
            "name": path[0],
            "type": 1,
            "options": nested,
        }
        command_guild = command.get("guild_id") if command else None
        if command_guild or (scope == "guild" and guild_id):
            data["guild_id"] = command_guild or guild_id
        if resolved:
            data["resolved"] = resolved
        return data

    async def invoke_slash(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[dict[str, Any]] | None = None,
        *,
        user: FakeUser | FakeMember | None = None,
        guild_id: str | None = _UNSET,
        channel_id: str | None = None,
        locale: str = "en-US",
        permissions: str | int | None = None,
        scope: str = "auto",
    ) -> InteractionRecord:
        """A user runs ``/name`` (``"group sub"`` for subcommands); dispatches type 2.

        ``options``: ``{"name": value}`` (types taken from the synced definition) or raw
        ``[{"name", "value"[, "type"]}]``. ``guild_id=None`` invokes it in a DM.
        ``permissions`` overrides the member's computed permission string.
        ``scope="auto"`` requires the command to have been synced (as on Discord);
        ``"guild"``/``"global"`` skip that check.
        """
        return await self._command_interaction(
            APPLICATION_COMMAND,
            name,
            options,
            user=user,
            guild_id=guild_id,
            channel_id=channel_id,
            locale=locale,
            permissions=permissions,
            scope=scope,
        )

    async def autocomplete(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[dict[str, Any]] | None = None,
        *,
        focused: str | None = None,
        user: FakeUser | FakeMember | None = None,
        guild_id: str | None = _UNSET,
        channel_id: str | None = None,
        locale: str = "en-US",
        permissions: str | int | None = None,
        scope: str = "auto",
    ) -> InteractionRecord:
        """A user types into an autocomplete option; dispatches type 4.

        Exactly one option must be focused: name it with ``focused=`` or pass raw options
        with ``"focused": True``. The answer (callback type 8) is in ``record.choices``
        after :meth:`wait_for_interaction_response`.
        """
        return await self._command_interaction(
            AUTOCOMPLETE,
            name,
            options,
            focused=focused,
            user=user,
            guild_id=guild_id,
            channel_id=channel_id,
            locale=locale,
            permissions=permissions,
            scope=scope,
        )

    async def _command_interaction(
        self,
        interaction_type: int,
        name: str,
        options: Mapping[str, Any] | Sequence[dict[str, Any]] | None,
        *,
        focused: str | None = None,
        user: FakeUser | FakeMember | None,
        guild_id: str | None,
        channel_id: str | None,
        locale: str,
        permissions: str | int | None,
        scope: str,
    ) -> InteractionRecord:
        """Build and dispatch a slash command (type 2) or autocomplete (type 4) interaction."""
        gid = self.guild.id if guild_id is _UNSET else guild_id
        data = self._command_data(
            name,
            options,
            guild_id=gid,
            scope=scope,
            focused=focused,
            autocomplete=interaction_type == AUTOCOMPLETE,
        )
        record = self._interaction_base(
            interaction_type,
            data,
            user=user,
            guild_id=gid,
            channel_id=channel_id,
            locale=locale,
            permissions=permissions,
        )
        return await self._send_interaction(record)

    def _component_message(self, message: dict[str, Any] | str | int) -> dict[str, Any]:
        if isinstance(message, dict):
            return self._messages_by_id.get(str(message["id"]), message)
        return self.get_message(message)

    async def _component_interaction(
        self,
        message: dict[str, Any] | str | int,
        custom_id: str,
        component_types: tuple[int, ...],
        extra: dict[str, Any],
        *,
        user: FakeUser | FakeMember | None,
        locale: str,
        permissions: str | int | None,
    ) -> InteractionRecord:
        msg = self._component_message(message)
        found = next(
            (c for c in _walk_components(msg.get("components")) if c.get("custom_id") == custom_id),
            None,
        )
        if found is None or found.get("type") not in component_types:
            raise ValueError(f"message {msg['id']} has no component with custom_id {custom_id!r}")
        if found.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled; users cannot use it")
        data = {"custom_id": custom_id, "component_type": found["type"], **extra}
        if "id" in found:
            data["id"] = found["id"]
        record = self._interaction_base(
            MESSAGE_COMPONENT,
            data,
            user=user,
            guild_id=msg.get("guild_id"),
            channel_id=msg["channel_id"] if msg.get("guild_id") else None,
            locale=locale,
            permissions=permissions,
            message=msg,
        )
        return await self._send_interaction(record)

    async def click_button(
        self,
        custom_id: str,
        message: dict[str, Any] | str | int,
        *,
        user: FakeUser | FakeMember | None = None,
        locale: str = "en-US",
        permissions: str | int | None = None,
    ) -> InteractionRecord:
        """A user clicks a button on ``message`` (dict or id); dispatches type 3.

        The fake uses its own stored copy of the message, so the button must really be
        on it (and enabled), as on Discord.
        """
        return await self._component_interaction(
            message, custom_id, (2,), {}, user=user, locale=locale, permissions=permissions
        )

    async def select_menu(
        self,
        custom_id: str,
        values: Sequence[str],
        message: dict[str, Any] | str | int,
        *,
        user: FakeUser | FakeMember | None = None,
        locale: str = "en-US",
        permissions: str | int | None = None,
    ) -> InteractionRecord:
        """A user picks ``values`` in a select menu on ``message``; dispatches type 3."""
        return await self._component_interaction(
            message,
            custom_id,
            (3, 5, 6, 7, 8),
            {"values": list(values)},
            user=user,
            locale=locale,
            permissions=permissions,
        )

    async def submit_modal(
        self,
        interaction: InteractionRecord | str,
        values: Mapping[str, str],
        *,
        user: FakeUser | FakeMember | None = None,
        locale: str = "en-US",
        permissions: str | int | None = None,
    ) -> InteractionRecord:
        """Submit the modal the bot opened (callback type 9) on ``interaction``.

        ``values`` maps text-input custom_ids to the typed text; dispatches type 5.
        """
        opener = interaction if isinstance(interaction, InteractionRecord) else None
        opener = opener or self.interactions[str(interaction)]
        if opener.callback_type != 9:
            raise ValueError(f"interaction {opener.id} did not open a modal")
        modal = opener.data

        def answer(comp: dict[str, Any]) -> dict[str, Any]:
            cid = comp.get("custom_id")
            out = {"type": comp["type"], "custom_id": cid, "value": values.get(cid, "")}
            return {**out, "id": comp["id"]} if "id" in comp else out

        rows = []
        for comp in modal.get("components", []):
            if comp.get("type") == 1:
                rows.append({"type": 1, "components": [answer(c) for c in comp["components"]]})
            elif comp.get("type") == 18:
                rows.append({"type": 18, "component": answer(comp["component"])})
        message = None
        if opener.type == MESSAGE_COMPONENT and opener.message_id:
            message = self._messages_by_id.get(opener.message_id)
        record = self._interaction_base(
            MODAL_SUBMIT,
            {"custom_id": modal["custom_id"], "components": rows},
            user=user or self._user_of(opener),
            guild_id=opener.guild_id,
            channel_id=opener.channel_id if opener.guild_id else None,
            locale=locale,
            permissions=permissions,
            message=message,
        )
        return await self._send_interaction(record)

    def _user_of(self, record: InteractionRecord) -> FakeUser | None:
        raw = record.payload.get("member", {}).get("user") or record.payload.get("user")
        return self._find_user(raw["id"]) if raw else None

    # ---------------------------------------------------------------- REST side

    async def _handle_other(self, request: web.Request) -> web.Response:
        req = RecordedRequest(
            index=len(self.requests),
            method=request.method,
            path=request.path,
            query=dict(request.query),
            json=None,
            headers=dict(request.headers),
            status=404,
        )
        self.requests.append(req)
        self.unknown_routes.append(req)
        self._notify()
        return _error(404, 0, "404: Not Found")

    async def _read_body(self, request: web.Request, req: RecordedRequest) -> None:
        if not request.body_exists:
            return
        ctype = request.content_type
        if ctype == "application/json":
            try:
                req.json = await request.json()
            except ValueError as exc:
                req.violations.append(f"body is not valid JSON: {exc}")
        elif ctype.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue  # nested multipart: discord.py never sends it
                if part.name == "payload_json":
                    req.json = json.loads(await part.text())
                else:
                    content = await part.read()
                    req.files.append(
                        {
                            "field": part.name,
                            "filename": part.filename,
                            "content_type": part.headers.get("Content-Type"),
                            "size": len(content),
                            "data": content,
                        }
                    )
        else:
            req.violations.append(f"unsupported Content-Type {ctype!r}")

    async def _handle_rest(self, request: web.Request) -> web.Response:
        path = request.path[len(API_PREFIX) :] or "/"
        req = RecordedRequest(
            index=len(self.requests),
            method=request.method,
            path=path,
            query=dict(request.query),
            json=None,
            headers=dict(request.headers),
        )
        self.requests.append(req)
        try:
            await self._read_body(request, req)
            response = await self._route(request, req)
        except Exception as exc:
            # A 4xx (not 5xx: discord.py retries those with sleeps) that also fails the test.
            self.errors.append(f"{req.method} {req.path}: {type(exc).__name__}: {exc}")
            response = _error(400, 0, f"fake discord error: {exc}")
        req.status = response.status
        if isinstance(response.body, bytes) and response.content_type == "application/json":
            req.response = json.loads(response.body)
        for violation in req.violations:
            self.violations.append(f"{req.method} {req.path} (request #{req.index}): {violation}")
        self._notify()
        return response

    async def _route(self, request: web.Request, req: RecordedRequest) -> web.Response:
        raw_path = request.rel_url.raw_path[len(API_PREFIX) :]
        validator = self._validator
        if validator is not None and (match := validator.match(req.method, raw_path)):
            req.operation_id = match.operation_id
            if self.validate:
                req.violations += validator.violations(match, req.json)
        needs_auth = not raw_path.startswith(("/webhooks/", "/interactions/"))
        auth = req.headers.get("Authorization", "")
        if needs_auth and auth.removeprefix("Bot ") in self.rejected_tokens:
            # A token Discord does not know: login fails with 401, as on Discord.
            return _error(401, 0, "401: Unauthorized")
        if needs_auth and not auth.startswith("Bot "):
            req.violations.append("missing 'Authorization: Bot <token>' header")
            return _error(401, 0, "401: Unauthorized")
        faulty = await self._apply_fault(req, raw_path)
        if faulty is not None:
            return faulty
        for method, pattern, handler in self._routes:
            found = pattern.fullmatch(raw_path)
            if found and method == req.method:
                return await handler(req, found)
        self.unknown_routes.append(req)
        return _error(404, 0, "404: Not Found")

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        sf = r"(?P<{}>\d+)"
        app = sf.format("app")
        gid = sf.format("guild")
        cid = sf.format("channel")
        mid = sf.format("message")
        cmd = sf.format("command")
        token = r"(?P<token>[^/]+)"
        webhook = rf"/webhooks/{app}/{token}"
        table: list[tuple[str, str, Handler]] = [
            ("GET", r"/users/@me", self._get_me),
            ("GET", r"/oauth2/applications/@me", self._get_application),
            ("GET", r"/applications/@me", self._get_application),
            ("GET", r"/gateway", self._get_gateway),
            ("GET", r"/gateway/bot", self._get_gateway_bot),
            ("GET", rf"/users/{sf.format('user')}", self._get_user),
            ("POST", r"/users/@me/channels", self._create_dm),
            ("GET", rf"/guilds/{gid}", self._get_guild),
            ("GET", rf"/guilds/{gid}/channels", self._get_guild_channels),
            ("GET", rf"/guilds/{gid}/roles", self._get_guild_roles),
            ("GET", rf"/guilds/{gid}/members/{sf.format('user')}", self._get_member),
            ("GET", rf"/channels/{cid}", self._get_channel),
            ("POST", rf"/channels/{cid}/typing", self._typing),
            ("GET", rf"/channels/{cid}/messages", self._list_messages),
            ("POST", rf"/channels/{cid}/messages", self._create_channel_message),
            ("GET", rf"/channels/{cid}/messages/{mid}", self._get_channel_message),
            ("PATCH", rf"/channels/{cid}/messages/{mid}", self._edit_channel_message),
            ("DELETE", rf"/channels/{cid}/messages/{mid}", self._delete_channel_message),
            ("PUT", rf"/channels/{cid}/messages/{mid}/reactions/(?P<emoji>[^/]+)/@me", self._react),
            (
                "DELETE",
                rf"/channels/{cid}/messages/{mid}/reactions/(?P<emoji>[^/]+)/@me",
                self._unreact,
            ),
            ("POST", rf"/interactions/{sf.format('iid')}/{token}/callback", self._callback),
            ("POST", webhook, self._followup),
            ("GET", rf"{webhook}/messages/(?P<message>@original|\d+)", self._get_webhook_message),
            (
                "PATCH",
                rf"{webhook}/messages/(?P<message>@original|\d+)",
                self._edit_webhook_message,
            ),
            (
                "DELETE",
                rf"{webhook}/messages/(?P<message>@original|\d+)",
                self._delete_webhook_message,
            ),
        ]
        for scope in (rf"/applications/{app}", rf"/applications/{app}/guilds/{gid}"):
            table += [
                ("GET", rf"{scope}/commands", self._list_commands),
                ("PUT", rf"{scope}/commands", self._bulk_commands),
                ("POST", rf"{scope}/commands", self._create_command),
                ("GET", rf"{scope}/commands/{cmd}", self._get_command),
                ("PATCH", rf"{scope}/commands/{cmd}", self._edit_command),
                ("DELETE", rf"{scope}/commands/{cmd}", self._delete_command),
            ]
        return [(method, re.compile(pattern), handler) for method, pattern, handler in table]

    # --------------------------------------------------------- REST: simple reads

    async def _get_me(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return _json_response(
            {**self.bot_user.to_dict(), "verified": True, "mfa_enabled": False, "bio": ""}
        )

    async def _get_application(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return _json_response(self.application)

    async def _get_gateway(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return _json_response({"url": self.gateway_url})

    async def _get_gateway_bot(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return _json_response(
            {
                "url": self.gateway_url,
                "shards": self.recommended_shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _get_user(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        user = self._find_user(m["user"])
        if user is None:
            return _error(404, 10013, "Unknown User")
        return _json_response(user.to_dict())

    async def _create_dm(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        user = self._find_user(str((req.json or {}).get("recipient_id")))
        if user is None:
            return _error(400, 50007, "Cannot send messages to this user")
        return _json_response(self._dm_channel_dict(self.dm_channel(user)))

    def _guild_or_none(self, m: re.Match[str]) -> FakeGuild | None:
        return self.guilds.get(m["guild"])

    async def _get_guild(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        guild = self._guild_or_none(m)
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        data = guild.to_gateway_dict()
        for key in ("channels", "members", "threads", "presences", "voice_states"):
            data.pop(key, None)
        return _json_response(data)

    async def _get_guild_channels(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        guild = self._guild_or_none(m)
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        return _json_response([c.to_dict(guild.id) for c in guild.channels])

    async def _get_guild_roles(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        guild = self._guild_or_none(m)
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        return _json_response([r.to_dict() for r in guild.roles])

    async def _get_member(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        guild = self._guild_or_none(m)
        member = guild.member(m["user"]) if guild else None
        if member is None:
            return _error(404, 10007, "Unknown Member")
        return _json_response(member.to_dict())

    async def _get_channel(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        info = self._channel_info(m["channel"])
        if info is None:
            return _error(404, 10003, "Unknown Channel")
        channel, guild = info
        if guild is None:
            return _json_response(self._dm_channel_dict(channel))
        return _json_response(channel.to_dict(guild.id))

    async def _typing(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        if self._channel_info(m["channel"]) is None:
            return _error(404, 10003, "Unknown Channel")
        return _no_content()

    # ------------------------------------------------------------ REST: messages

    def _new_message(
        self,
        *,
        channel_id: str,
        author: FakeUser,
        content: str = "",
        embeds: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        return {
            "id": self.snowflake(),
            "channel_id": channel_id,
            "author": author.to_dict(),
            "content": content,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [self._normalize_embed(e) for e in embeds or []],
            "reactions": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "components": [],
        }

    @staticmethod
    def _normalize_embed(embed: dict[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(embed)
        out.setdefault("type", "rich")
        return out

    def _apply_payload(
        self,
        message: dict[str, Any],
        body: dict[str, Any],
        files: list[dict[str, Any]],
        *,
        editing: bool,
    ) -> None:
        """Apply a create/edit payload to a stored message, the way Discord would."""
        if "content" in body:
            message["content"] = body["content"] or ""
        if "embeds" in body:
            message["embeds"] = [self._normalize_embed(e) for e in body["embeds"] or []]
        if "components" in body:
            message["components"] = copy.deepcopy(body["components"] or [])
        if "flags" in body and body["flags"] is not None:
            keep = message.get("flags", 0) & ~SETTABLE_FLAGS
            message["flags"] = keep | (body["flags"] & SETTABLE_FLAGS)
        if "attachments" in body or files:
            kept = []
            if editing:
                wanted = {str(a.get("id")) for a in body.get("attachments") or []}
                kept = [a for a in message["attachments"] if a["id"] in wanted]
            message["attachments"] = kept + [self._attachment(f) for f in files]
        if not editing and "tts" in body:
            message["tts"] = bool(body["tts"])
        if not editing and body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if "content" in body or "allowed_mentions" in body:
            message["mentions"] = self._compute_mentions(message, body.get("allowed_mentions"))
        if editing:
            message["edited_timestamp"] = iso_now()

    def _attachment(self, file: dict[str, Any]) -> dict[str, Any]:
        aid = self.snowflake()
        url = f"{self.base_url}/attachments/{aid}/{file['filename']}"
        return {
            "id": aid,
            "filename": file["filename"] or "file",
            "size": file["size"],
            "url": url,
            "proxy_url": url,
            "content_type": file.get("content_type"),
        }

    def _compute_mentions(
        self, message: dict[str, Any], allowed: dict[str, Any] | None
    ) -> list[dict[str, Any]]:
        """Users pinged by ``message`` given ``allowed_mentions`` (None = all)."""
        ids = list(dict.fromkeys(_MENTION_RE.findall(message.get("content") or "")))
        if allowed is not None:
            parse = allowed.get("parse") or []
            listed = {str(u) for u in allowed.get("users") or []}
            ids = [uid for uid in ids if "users" in parse or uid in listed]
        ref = message.get("referenced_message")
        # Replies ping their author by default; with allowed_mentions only if replied_user.
        replied = allowed is None or bool(allowed.get("replied_user", False))
        if ref and replied and ref["author"]["id"] not in ids:
            ids.append(ref["author"]["id"])
        guild = self.guilds.get(message.get("guild_id", ""))
        return [d for uid in ids if (d := self._mention_dict(uid, guild)) is not None]

    def _store_bot_message(self, req: RecordedRequest, message: dict[str, Any]) -> None:
        self.messages.append(message)
        self._messages_by_id[message["id"]] = message
        self._message_log.append((req.index, message["id"]))

    async def _create_channel_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        info = self._channel_info(m["channel"])
        if info is None:
            return _error(404, 10003, "Unknown Channel")
        _channel, guild = info
        body = req.json if isinstance(req.json, dict) else {}
        parts = ("content", "embeds", "components", "sticker_ids", "poll")
        if not (any(body.get(k) for k in parts) or req.files):
            return _error(400, 50006, "Cannot send an empty message")
        if body.get("flags") and body["flags"] & FLAG_EPHEMERAL:
            req.violations.append("flags: EPHEMERAL only works on interaction responses")
        message = self._new_message(channel_id=m["channel"], author=self.bot_user)
        if guild is not None:
            message["guild_id"] = guild.id
        reference = body.get("message_reference")
        if reference:
            ref = self._messages_by_id.get(str(reference.get("message_id")))
            if ref is None or ref["channel_id"] != m["channel"]:
                if reference.get("fail_if_not_exists", True):
                    return _error(400, 50035, "Invalid Form Body: Unknown message")
            else:
                message["type"] = 19
                message["message_reference"] = {
                    "type": 0,
                    "message_id": ref["id"],
                    "channel_id": ref["channel_id"],
                    **({"guild_id": ref["guild_id"]} if ref.get("guild_id") else {}),
                }
                message["referenced_message"] = self._strip_reference(ref)
        self._apply_payload(message, body, req.files, editing=False)
        self._store_bot_message(req, message)
        await self._echo("MESSAGE_CREATE", message)
        return _json_response(message)

    def _channel_message(self, m: re.Match[str]) -> dict[str, Any] | None:
        message = self._messages_by_id.get(m["message"])
        if message is None or message["channel_id"] != m["channel"]:
            return None
        return message

    async def _get_channel_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        message = self._channel_message(m)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return _json_response(message)

    async def _list_messages(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        if self._channel_info(m["channel"]) is None:
            return _error(404, 10003, "Unknown Channel")
        limit = int(req.query.get("limit", 50))
        found = [msg for msg in self._messages_by_id.values() if msg["channel_id"] == m["channel"]]
        found.sort(key=lambda msg: int(msg["id"]), reverse=True)
        return _json_response(found[:limit])

    async def _edit_channel_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        message = self._channel_message(m)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        if message["author"]["id"] != self.bot_user.id and set(req.json or {}) - {"flags"}:
            return _error(403, 50005, "Cannot edit a message authored by another user")
        self._apply_payload(message, req.json or {}, req.files, editing=True)
        await self._echo("MESSAGE_UPDATE", message)
        return _json_response(message)

    async def _delete_message(self, message: dict[str, Any]) -> None:
        self._messages_by_id.pop(message["id"], None)
        self.deleted_message_ids.append(message["id"])
        await self._echo("MESSAGE_DELETE", message)

    async def _delete_channel_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        message = self._channel_message(m)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        await self._delete_message(message)
        return _no_content()

    async def _react(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        message = self._channel_message(m)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        name, _, emoji_id = m["emoji"].partition(":")
        emoji = {"id": emoji_id or None, "name": unquote(name)}
        for reaction in message["reactions"]:
            if reaction["emoji"] == emoji:
                if not reaction["me"]:
                    reaction["me"] = True
                    reaction["count"] += 1
                break
        else:
            message["reactions"].append({"emoji": emoji, "count": 1, "me": True})
        return _no_content()

    async def _unreact(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        message = self._channel_message(m)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        name = unquote(m["emoji"].partition(":")[0])
        for reaction in list(message["reactions"]):
            if reaction["emoji"]["name"] == name and reaction["me"]:
                reaction["me"] = False
                reaction["count"] -= 1
                if reaction["count"] == 0:
                    message["reactions"].remove(reaction)
        return _no_content()

    # --------------------------------------------------------- REST: interactions

    def _interaction_message(
        self, record: InteractionRecord, data: dict[str, Any], *, flags: int = 0
    ) -> dict[str, Any]:
        message = self._new_message(channel_id=record.channel_id or "", author=self.bot_user)
        if record.guild_id:
            message["guild_id"] = record.guild_id
        message["webhook_id"] = self.application["id"]
        message["application_id"] = self.application["id"]
        message["type"] = 20 if record.type == APPLICATION_COMMAND else 0
        invoker = record.payload.get("member", {}).get("user") or record.payload.get("user")
        message["interaction_metadata"] = {
            "id": record.id,
            "type": record.type,
            "user": invoker,
            "authorizing_integration_owners": record.payload["authorizing_integration_owners"],
        }
        self._apply_payload(message, data, [], editing=False)
        message["flags"] = message.get("flags", 0) | flags
        return message

    async def _callback(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        record = self.interactions.get(m["iid"])
        if record is None or record.token != m["token"]:
            return _error(404, 10062, "Unknown interaction")
        record.requests.append(req)
        body = req.json if isinstance(req.json, dict) else {}
        ctype = body.get("type")
        if record.callback is not None:
            req.violations.append(f"interaction {record.id} was already acknowledged")
            return _error(400, 40060, "Interaction has already been acknowledged.")
        if ctype not in ALLOWED_CALLBACKS.get(record.type, frozenset()):
            req.violations.append(
                f"callback type {ctype} is not valid for interaction type {record.type}"
            )
            return _error(400, 50035, "Invalid Form Body: interaction response type")
        record.callback = body
        data = body.get("data") or {}
        resource: dict[str, Any] | None = None
        interaction: dict[str, Any] = {"id": record.id, "type": record.type}
        if ctype in (4, 5):
            flags = FLAG_LOADING if ctype == 5 else 0
            message = self._interaction_message(record, data, flags=flags)
            record.message_id = message["id"]
            self._store_bot_message(req, message)
            interaction.update(
                response_message_id=message["id"],
                response_message_loading=ctype == 5,
                response_message_ephemeral=bool(message["flags"] & FLAG_EPHEMERAL),
            )
            if ctype == 4:
                resource = {"type": 4, "message": message}
                await self._echo("MESSAGE_CREATE", message)
        elif ctype in (6, 7):
            message = self._messages_by_id.get(record.message_id or "")
            if message is None:
                req.violations.append(f"callback type {ctype} but the interaction has no message")
                return _error(400, 50035, "Invalid Form Body: no message to update")
            if ctype == 7:
                self._apply_payload(message, data, req.files, editing=True)
                resource = {"type": 7, "message": message}
                await self._echo("MESSAGE_UPDATE", message)
            interaction.update(
                response_message_id=message["id"],
                response_message_loading=False,
                response_message_ephemeral=bool(message.get("flags", 0) & FLAG_EPHEMERAL),
            )
        result: dict[str, Any] = {"interaction": interaction}
        if resource is not None:
            result["resource"] = resource
        return _json_response(result)

    def _webhook_record(self, m: re.Match[str]) -> InteractionRecord | None:
        record = self._tokens.get(m["token"])
        if record is None or m["app"] != self.application["id"] or record.callback is None:
            return None  # unknown token, or followup before the interaction was acknowledged
        return record

    async def _followup(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        record = self._webhook_record(m)
        if record is None:
            return _error(404, 10015, "Unknown Webhook")
        record.requests.append(req)
        body = req.json if isinstance(req.json, dict) else {}
        record.followups.append(body)
        original = self._messages_by_id.get(record.message_id or "")
        if original is not None and original.get("flags", 0) & FLAG_LOADING:
            # The first followup after a deferred (type 5) response replaces the
            # "thinking..." message instead of creating a new one.
            original["flags"] &= ~FLAG_LOADING
            # Its ephemeral-ness was fixed by the defer, so ignore the followup's flags.
            body_without_flags = {k: v for k, v in body.items() if k != "flags"}
            self._apply_payload(original, body_without_flags, req.files, editing=False)
            self._message_log.append((req.index, original["id"]))
            message = original
            await self._echo("MESSAGE_CREATE", message)
        else:
            message = self._interaction_message(record, body)
            self._store_bot_message(req, message)
            record.followup_message_ids.append(message["id"])
            await self._echo("MESSAGE_CREATE", message)
        if req.query.get("wait") in ("1", "true", "True"):
            return _json_response(message)
        return _no_content()

    def _webhook_message(
        self, record: InteractionRecord, m: re.Match[str]
    ) -> dict[str, Any] | None:
        if m["message"] == "@original":
            return self._messages_by_id.get(record.message_id or "")
        if m["message"] in record.followup_message_ids or m["message"] == record.message_id:
            return self._messages_by_id.get(m["message"])
        return None

    async def _get_webhook_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        record = self._webhook_record(m)
        message = self._webhook_message(record, m) if record else None
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return _json_response(message)

    async def _edit_webhook_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        record = self._webhook_record(m)
        message = self._webhook_message(record, m) if record else None
        if record is None or message is None:
            return _error(404, 10008, "Unknown Message")
        record.requests.append(req)
        body = req.json if isinstance(req.json, dict) else {}
        record.edits.append(body)
        message["flags"] = message.get("flags", 0) & ~FLAG_LOADING
        self._apply_payload(message, body, req.files, editing=True)
        await self._echo("MESSAGE_UPDATE", message)
        return _json_response(message)

    async def _delete_webhook_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        record = self._webhook_record(m)
        message = self._webhook_message(record, m) if record else None
        if record is None or message is None:
            return _error(404, 10008, "Unknown Message")
        record.requests.append(req)
        await self._delete_message(message)
        return _no_content()

    # ------------------------------------------------------------ REST: commands

    def _command_pool(self, m: re.Match[str]) -> list[dict[str, Any]] | None:
        if m["app"] != self.application["id"]:
            return None
        groups = m.groupdict()
        if groups.get("guild") is None:
            return self.global_commands
        if m["guild"] not in self.guilds:
            return None
        return self.guild_commands.setdefault(m["guild"], [])

    def _stored_command(
        self, body: dict[str, Any], m: re.Match[str], previous: dict[str, Any] | None
    ) -> dict[str, Any]:
        command = copy.deepcopy(body)
        command.setdefault("type", 1)
        command.setdefault("description", "")
        command.setdefault("options", [])
        command.setdefault("default_member_permissions", None)
        command.setdefault("nsfw", False)
        command.setdefault("contexts", None)
        command.setdefault("integration_types", [0])
        command["id"] = previous["id"] if previous else self.snowflake()
        command["application_id"] = self.application["id"]
        command["version"] = self.snowflake()
        if m.groupdict().get("guild"):
            command["guild_id"] = m["guild"]
        return command

    @staticmethod
    def _same_command(a: dict[str, Any], b: dict[str, Any]) -> bool:
        return a.get("name") == b.get("name") and (a.get("type") or 1) == (b.get("type") or 1)

    async def _list_commands(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        pool = self._command_pool(m)
        if pool is None:
            return _error(404, 10002, "Unknown Application")
        return _json_response(pool)

    async def _bulk_commands(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        pool = self._command_pool(m)
        if pool is None:
            return _error(404, 10002, "Unknown Application")
        new = []
        for body in req.json or []:
            previous = next((c for c in pool if self._same_command(c, body)), None)
            new.append(self._stored_command(body, m, previous))
        pool[:] = new  # bulk overwrite replaces the whole set
        return _json_response(new)

    async def _create_command(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        pool = self._command_pool(m)
        if pool is None:
            return _error(404, 10002, "Unknown Application")
        body = req.json or {}
        previous = next((c for c in pool if self._same_command(c, body)), None)
        command = self._stored_command(body, m, previous)
        if previous is not None:
            pool[pool.index(previous)] = command
        else:
            pool.append(command)
        return _json_response(command, 200 if previous else 201)

    def _pool_command(
        self, m: re.Match[str]
    ) -> tuple[list[dict[str, Any]] | None, dict[str, Any] | None]:
        pool = self._command_pool(m)
        if pool is None:
            return None, None
        return pool, next((c for c in pool if c["id"] == m["command"]), None)

    async def _get_command(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        _pool, command = self._pool_command(m)
        if command is None:
            return _error(404, 10063, "Unknown application command")
        return _json_response(command)

    async def _edit_command(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        pool, command = self._pool_command(m)
        if pool is None or command is None:
            return _error(404, 10063, "Unknown application command")
        updated = self._stored_command({**command, **(req.json or {})}, m, command)
        pool[pool.index(command)] = updated
        return _json_response(updated)

    async def _delete_command(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        pool, command = self._pool_command(m)
        if pool is None or command is None:
            return _error(404, 10063, "Unknown application command")
        pool.remove(command)
        return _no_content()
