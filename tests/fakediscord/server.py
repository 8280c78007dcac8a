"""A local fake Discord (REST ``/api/v10`` + gateway websocket) for end-to-end bot tests.

The real discord.py client logs in against it, receives gateway events the test drives
(:meth:`FakeDiscord.send_message`, :meth:`FakeDiscord.invoke_slash`, ...) and sends REST
calls that the fake records (:attr:`FakeDiscord.requests`) and validates against
Discord's OpenAPI spec plus documented limits (:attr:`FakeDiscord.violations`).

The pieces: ``protocol`` (constants and records), ``gateway`` (the websocket),
``rest`` (the route table and handlers), ``driving`` (acting as users) and this module
(the world, lifecycle, recording, waiting, fault injection).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from aiohttp import web

from .driving import DrivingMixin
from .gateway import GatewayMixin
from .models import (
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Permissions,
    SnowflakeFactory,
)
from .protocol import (
    API_PREFIX,
    FakeDiscordTimeout,
    Fault,
    GatewayConnection,
    InteractionRecord,
    RecordedRequest,
    error_response,
    json_response,
)
from .rest import Handler, RestMixin
from .validate import RequestValidator, get_validator

__all__ = [
    "FakeDiscord",
    "FakeDiscordTimeout",
    "Fault",
    "GatewayConnection",
    "InteractionRecord",
    "RecordedRequest",
]

T = TypeVar("T")


class FakeDiscord(GatewayMixin, RestMixin, DrivingMixin):
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
        ``echo_bot_messages``: dispatch MESSAGE_CREATE/UPDATE for the bot's own
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
        # Reactions the bot added: (channel id, message id, emoji).
        self.reactions: list[tuple[str, str, str]] = []
        self.interactions: dict[str, InteractionRecord] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[str, list[dict[str, Any]]] = {}
        self.connections: list[GatewayConnection] = []
        self.identify_payloads: list[dict[str, Any]] = []
        self.gateway_closes: list[int] = []  # close codes the fake sent

        # Modals the bot opened, by custom_id -> the interaction that opened it.
        self.open_modals: dict[str, InteractionRecord] = {}
        # Attachment bytes by attachment id (uploads by the bot and by test users), and the
        # attachment ids the bot downloaded.
        self.attachment_data: dict[str, bytes] = {}
        self.downloads: list[str] = []

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
        app.router.add_get("/attachments/{channel}/{attachment}/{filename}", self._serve_attachment)
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

    def store_attachment(
        self,
        filename: str,
        data: bytes,
        *,
        channel_id: str | None = None,
        content_type: str | None = None,
    ) -> dict[str, Any]:
        """Keep ``data`` as an attachment served from the fake's own "CDN"; its object."""
        attachment_id = self.snowflake()
        self.attachment_data[attachment_id] = data
        channel = channel_id or self.channel_id
        url = f"{self.base_url}/attachments/{channel}/{attachment_id}/{filename}"
        out: dict[str, Any] = {
            "id": attachment_id,
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
        }
        if content_type:
            out["content_type"] = content_type
        return out

    def attachment_bytes(self, message: dict[str, Any], filename: str | None = None) -> bytes:
        """The bytes of a message's attachment (its only one, or the one named ``filename``)."""
        found = [
            a
            for a in message.get("attachments") or []
            if filename is None or a["filename"] == filename
        ]
        if len(found) != 1:
            names = [a["filename"] for a in message.get("attachments") or []]
            raise LookupError(f"message {message['id']} has attachments {names}, not {filename}")
        return self.attachment_data[found[0]["id"]]

    async def _serve_attachment(self, request: web.Request) -> web.Response:
        attachment_id = request.match_info["attachment"]
        data = self.attachment_data.get(attachment_id)
        if data is None:
            return web.Response(status=404)
        self.downloads.append(attachment_id)
        self._notify()
        return web.Response(body=data, headers={"Content-Type": "application/octet-stream"})

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
            response = json_response({**body, "global": False}, 429)
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
            return error_response(fault.status, 0, f"{fault.status}: injected by the test")
        return None

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

    async def wait_for(
        self,
        predicate_or_method: Callable[[RecordedRequest], bool] | str,
        path: str | None = None,
        *,
        timeout: float = 15.0,
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
        timeout: float = 15.0,
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
        edits: int = 0,
        timeout: float = 15.0,
    ) -> InteractionRecord:
        """Wait until the bot answered the interaction's callback (+ ``followups`` more
        messages and ``edits`` PATCHes of its messages).

        The returned record has ``callback`` (the callback body), ``followups`` (follow-up
        webhook bodies), ``edits`` (PATCHes of its messages) and ``message_id``.
        """
        iid = interaction.id if isinstance(interaction, InteractionRecord) else str(interaction)
        record = self.interactions[iid]

        def check() -> InteractionRecord | None:
            ok = (
                record.callback is not None
                and len(record.followups) >= followups
                and len(record.edits) >= edits
            )
            return record if ok else None

        def describe() -> str:
            got = (
                f"callback={record.callback!r}, {len(record.followups)} followup(s), "
                f"{len(record.edits)} edit(s)"
            )
            return (
                f"interaction {iid} not answered (wanted callback + {followups} followup(s) "
                f"+ {edits} edit(s), got {got}) within {timeout}s; "
                + self._describe_since(self._mark)
            )

        return await self._wait_until(check, timeout, describe)

    async def wait_for_connection(
        self, timeout: float = 15.0, *, other_than: GatewayConnection | None = None
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

    async def drop_connection(
        self, code: int = 4000, *, timeout: float = 15.0
    ) -> GatewayConnection:
        """Close the bot's gateway socket with ``code`` and wait for it to come back.

        With a resumable code (4000 etc.) discord.py reconnects to ``resume_gateway_url``
        and sends RESUME; the fake answers RESUMED. Returns the new connection.
        """
        old = self._require_connection()
        await self._close(old, code, "dropped by test")
        return await self.wait_for_connection(timeout, other_than=old)

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

    def find_command(self, name: str) -> dict[str, Any] | None:
        """A synced CHAT_INPUT command by name: the default guild's first, then global."""
        for pool in (self.guild_commands.get(self.guild.id, []), self.global_commands):
            for command in pool:
                if command["name"] == name and command.get("type", 1) == 1:
                    return command
        return None

    def get_message(self, message_id: str | int | None) -> dict[str, Any]:
        """A message (bot's or test's) by id, with edits applied; KeyError once deleted."""
        if message_id is None:
            raise KeyError("no message id (did the bot answer with a message?)")
        return self._messages_by_id[str(message_id)]
