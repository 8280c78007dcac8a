"""The fake's gateway: HELLO, IDENTIFY (intents, shards), READY, GUILD_CREATE, RESUME,
and dispatching events to the shard that serves a guild.

A mixin of :class:`~tests.fakediscord.server.FakeDiscord`; it uses the world
(``guilds``, ``bot_user``, intent switches) and the recording (``connections``) kept there.
"""

from __future__ import annotations

import contextlib
import copy
import json
import secrets
from typing import Any

from aiohttp import WSMsgType, web

from .models import FakeGuild, Intents
from .protocol import (
    APP_FLAG_MEMBERS_LIMITED,
    APP_FLAG_MESSAGE_CONTENT_LIMITED,
    APP_FLAG_PRESENCE_LIMITED,
    FLAG_EPHEMERAL,
    GatewayConnection,
)


class GatewayMixin:
    """Gateway side of the fake Discord."""

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
        # Other opcodes (presence 3, voice 4, member requests 8) are not modelled: ignored.

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
        intents = int(data.get("intents") or 0)
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

    def _require_connection(self, guild_id: str | None = None) -> GatewayConnection:
        conn = self.connection_for(guild_id)
        if conn is None:
            raise RuntimeError(
                f"no bot shard for guild {guild_id} is connected to the fake gateway "
                "(wait for on_ready)"
            )
        return conn

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
        data = copy.deepcopy(message)
        if message.get("guild_id"):
            member = self.guilds[message["guild_id"]].member(self.bot_user.id)
            if member is not None:
                data["member"] = member.to_dict(with_user=False)
        # The bot may be shutting down right after its REST call; that is not an error.
        with contextlib.suppress(ConnectionResetError):
            await conn.dispatch(event, data)
