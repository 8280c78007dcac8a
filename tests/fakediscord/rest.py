"""The fake's REST API: a route table of handlers that record, validate and answer.

Every request is recorded (:class:`~tests.fakediscord.protocol.RecordedRequest`),
validated against Discord's OpenAPI spec and documented limits, optionally answered by
an injected fault, then routed. A mixin of :class:`~tests.fakediscord.server.FakeDiscord`.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .models import FakeUser, iso_now
from .protocol import (
    ALLOWED_CALLBACKS,
    API_PREFIX,
    APPLICATION_COMMAND,
    ATTACHMENT_SIZE_LIMIT,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    MAX_FILES,
    MENTION_RE,
    SETTABLE_FLAGS,
    InteractionRecord,
    RecordedRequest,
    UploadedFile,
    error_response,
    json_response,
    no_content,
)

Handler = Callable[[RecordedRequest, re.Match[str]], Awaitable[web.Response]]


class RestMixin:
    """REST side of the fake Discord."""

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        """The REST routes the fake serves: method, path regex below /api/v10, handler.

        To support another endpoint, add a row here and a handler below (it gets the
        recorded request, already validated against the OpenAPI spec, and the match).
        """
        sf = r"(?P<{}>\d+)"
        app = sf.format("app")
        cid = sf.format("channel")
        token = r"(?P<token>[^/]+)"
        message = r"(?P<message>\d+|@original)"
        table: list[tuple[str, str, Handler]] = [
            ("GET", r"/users/@me", self._get_me),
            ("GET", r"/oauth2/applications/@me", self._get_application),
            ("GET", r"/applications/@me", self._get_application),
            ("GET", r"/gateway/bot", self._get_gateway_bot),
            ("GET", rf"/channels/{cid}", self._get_channel),
            ("POST", rf"/channels/{cid}/typing", self._typing),
            (
                "PUT",
                rf"/channels/{cid}/messages/{sf.format('message')}/reactions/(?P<emoji>[^/]+)/@me",
                self._add_reaction,
            ),
            ("POST", rf"/channels/{cid}/messages", self._create_channel_message),
            ("POST", rf"/interactions/{sf.format('iid')}/{token}/callback", self._callback),
            ("POST", rf"/webhooks/{app}/{token}", self._followup),
            ("GET", rf"/webhooks/{app}/{token}/messages/{message}", self._get_webhook_message),
            ("PATCH", rf"/webhooks/{app}/{token}/messages/{message}", self._edit_webhook_message),
            ("PUT", rf"/applications/{app}/commands", self._bulk_commands),
            (
                "PUT",
                rf"/applications/{app}/guilds/{sf.format('guild')}/commands",
                self._bulk_commands,
            ),
        ]
        return [(method, re.compile(pattern), handler) for method, pattern, handler in table]

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
        return error_response(404, 0, "404: Not Found")

    async def _read_body(self, request: web.Request, req: RecordedRequest) -> None:
        if not request.body_exists:
            return
        if request.content_type == "multipart/form-data":
            await self._read_multipart(request, req)
            return
        if request.content_type != "application/json":
            req.violations.append(f"unsupported Content-Type {request.content_type!r}")
            return
        try:
            req.json = await request.json()
        except ValueError as exc:
            req.violations.append(f"body is not valid JSON: {exc}")

    async def _read_multipart(self, request: web.Request, req: RecordedRequest) -> None:
        """A body with files: the JSON in ``payload_json``, each file in ``files[n]``."""
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                data = value.file.read()
                req.files.append(UploadedFile(name, value.filename, value.content_type, data))
            elif name == "payload_json":
                try:
                    req.json = json.loads(str(value))
                except ValueError as exc:
                    req.violations.append(f"payload_json is not valid JSON: {exc}")
            else:
                req.violations.append(f"unexpected multipart field {name!r}")
        req.violations += self._file_violations(req)

    @staticmethod
    def _file_violations(req: RecordedRequest) -> list[str]:
        """Discord's rules for uploads: files[n] parts, each named in ``attachments``."""
        problems = []
        if len(req.files) > MAX_FILES:
            problems.append(f"{len(req.files)} files (max {MAX_FILES})")
        body = req.json if isinstance(req.json, dict) else {}
        data = body.get("data") if isinstance(body.get("data"), dict) else body
        listed = {str(a.get("id")) for a in data.get("attachments") or [] if isinstance(a, dict)}
        for upload in req.files:
            index = upload.field.removeprefix("files[").removesuffix("]")
            if not upload.field.startswith("files[") or not index.isdigit():
                problems.append(f"file field {upload.field!r} is not files[n]")
            elif index not in listed:
                problems.append(f"{upload.field} is not listed in attachments")
            if len(upload.data) > ATTACHMENT_SIZE_LIMIT:
                problems.append(f"{upload.filename}: {len(upload.data)} bytes, over the limit")
        return problems

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
            response = error_response(400, 0, f"fake discord error: {exc}")
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
            return error_response(401, 0, "401: Unauthorized")
        if needs_auth and not auth.startswith("Bot "):
            req.violations.append("missing 'Authorization: Bot <token>' header")
            return error_response(401, 0, "401: Unauthorized")
        faulty = await self._apply_fault(req, raw_path)
        if faulty is not None:
            return faulty
        for method, pattern, handler in self._routes:
            found = pattern.fullmatch(raw_path)
            if found and method == req.method:
                return await handler(req, found)
        self.unknown_routes.append(req)
        return error_response(404, 0, "404: Not Found")

    async def _get_me(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return json_response(
            {**self.bot_user.to_dict(), "verified": True, "mfa_enabled": False, "bio": ""}
        )

    async def _get_application(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return json_response(self.application)

    async def _get_gateway_bot(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return json_response(
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

    async def _get_channel(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        info = self._channel_info(m["channel"])
        if info is None:
            return error_response(404, 10003, "Unknown Channel")
        channel, guild = info
        return json_response(channel.to_dict(guild.id if guild else None))

    async def _typing(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        if self._channel_info(m["channel"]) is None:
            return error_response(404, 10003, "Unknown Channel")
        return no_content()

    async def _add_reaction(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        if self._channel_info(m["channel"]) is None:
            return error_response(404, 10003, "Unknown Channel")
        from urllib.parse import unquote

        self.reactions.append((m["channel"], m["message"], unquote(m["emoji"])))
        self._notify()
        return no_content()

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
        *,
        editing: bool,
        files: list[UploadedFile] | None = None,
    ) -> None:
        """Apply a create/edit payload to a stored message, the way Discord would."""
        self._apply_attachments(message, body, files or [], editing=editing)
        if "content" in body:
            message["content"] = body["content"] or ""
        if "embeds" in body:
            message["embeds"] = [self._normalize_embed(e) for e in body["embeds"] or []]
        if "components" in body:
            message["components"] = copy.deepcopy(body["components"] or [])
        if "flags" in body and body["flags"] is not None:
            keep = message.get("flags", 0) & ~SETTABLE_FLAGS
            message["flags"] = keep | (body["flags"] & SETTABLE_FLAGS)
        if not editing and "tts" in body:
            message["tts"] = bool(body["tts"])
        if not editing and body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if "content" in body or "allowed_mentions" in body:
            message["mentions"] = self._compute_mentions(message, body.get("allowed_mentions"))
        if editing:
            message["edited_timestamp"] = iso_now()

    def _apply_attachments(
        self,
        message: dict[str, Any],
        body: dict[str, Any],
        files: list[UploadedFile],
        *,
        editing: bool,
    ) -> None:
        """Uploaded files become attachments; an edit keeps only the attachments it lists."""
        if "attachments" not in body and not files:
            return
        listed = [a for a in body.get("attachments") or [] if isinstance(a, dict)]
        wanted = {str(a.get("id")) for a in listed}
        kept = [a for a in message["attachments"] if a["id"] in wanted] if editing else []
        uploads = {f.field.removeprefix("files[").removesuffix("]"): f for f in files}
        for item in listed:
            upload = uploads.get(str(item.get("id")))
            if upload is None:
                continue  # an existing attachment, kept above
            kept.append(
                self.store_attachment(
                    str(item.get("filename") or upload.filename),
                    upload.data,
                    channel_id=message["channel_id"],
                    content_type=upload.content_type,
                )
            )
        message["attachments"] = kept

    def _compute_mentions(
        self, message: dict[str, Any], allowed: dict[str, Any] | None
    ) -> list[dict[str, Any]]:
        """Users pinged by ``message`` given ``allowed_mentions`` (None = all)."""
        ids = list(dict.fromkeys(MENTION_RE.findall(message.get("content") or "")))
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
            return error_response(404, 10003, "Unknown Channel")
        _channel, guild = info
        body = req.json if isinstance(req.json, dict) else {}
        parts = ("content", "embeds", "components", "sticker_ids", "poll")
        if not (any(body.get(k) for k in parts) or req.files):
            return error_response(400, 50006, "Cannot send an empty message")
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
                    return error_response(400, 50035, "Invalid Form Body: Unknown message")
            else:
                self._make_reply(message, ref)
        self._apply_payload(message, body, editing=False, files=req.files)
        self._store_bot_message(req, message)
        await self._echo("MESSAGE_CREATE", message)
        return json_response(message)

    def _interaction_message(
        self,
        record: InteractionRecord,
        data: dict[str, Any],
        *,
        flags: int = 0,
        files: list[UploadedFile] | None = None,
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
        self._apply_payload(message, data, editing=False, files=files)
        message["flags"] = message.get("flags", 0) | flags
        return message

    async def _callback(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        record = self.interactions.get(m["iid"])
        if record is None or record.token != m["token"]:
            return error_response(404, 10062, "Unknown interaction")
        record.requests.append(req)
        body = req.json if isinstance(req.json, dict) else {}
        ctype = body.get("type")
        if record.callback is not None:
            req.violations.append(f"interaction {record.id} was already acknowledged")
            return error_response(400, 40060, "Interaction has already been acknowledged.")
        if ctype not in ALLOWED_CALLBACKS.get(record.type, frozenset()):
            req.violations.append(
                f"callback type {ctype} is not valid for interaction type {record.type}"
            )
            return error_response(400, 50035, "Invalid Form Body: interaction response type")
        record.callback = body
        data = body.get("data") or {}
        resource: dict[str, Any] | None = None
        interaction: dict[str, Any] = {"id": record.id, "type": record.type}
        if ctype in (4, 5):
            flags = FLAG_LOADING if ctype == 5 else 0
            message = self._interaction_message(record, data, flags=flags, files=req.files)
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
                return error_response(400, 50035, "Invalid Form Body: no message to update")
            if ctype == 7:
                self._apply_payload(message, data, editing=True, files=req.files)
                resource = {"type": 7, "message": message}
                await self._echo("MESSAGE_UPDATE", message)
            interaction.update(
                response_message_id=message["id"],
                response_message_loading=False,
                response_message_ephemeral=bool(message.get("flags", 0) & FLAG_EPHEMERAL),
            )
        elif ctype == 9:
            self.open_modals[str(data.get("custom_id"))] = record
        result: dict[str, Any] = {"interaction": interaction}
        if resource is not None:
            result["resource"] = resource
        return json_response(result)

    def _webhook_record(self, m: re.Match[str]) -> InteractionRecord | None:
        record = self._tokens.get(m["token"])
        if record is None or m["app"] != self.application["id"] or record.callback is None:
            return None  # unknown token, or followup before the interaction was acknowledged
        return record

    async def _followup(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        record = self._webhook_record(m)
        if record is None:
            return error_response(404, 10015, "Unknown Webhook")
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
            self._apply_payload(original, body_without_flags, editing=False, files=req.files)
            self._message_log.append((req.index, original["id"]))
            message = original
            await self._echo("MESSAGE_CREATE", message)
        else:
            message = self._interaction_message(record, body, files=req.files)
            self._store_bot_message(req, message)
            await self._echo("MESSAGE_CREATE", message)
        if req.query.get("wait") in ("1", "true", "True"):
            return json_response(message)
        return no_content()

    def _webhook_message(
        self, record: InteractionRecord, m: re.Match[str]
    ) -> dict[str, Any] | None:
        """The interaction's original response or one of its followups (by id)."""
        wanted = record.message_id if m["message"] == "@original" else m["message"]
        message = self._messages_by_id.get(wanted or "")
        if message is None or message.get("application_id") != self.application["id"]:
            return None
        return message

    async def _get_webhook_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        record = self._webhook_record(m)
        if record is None:
            return error_response(404, 10015, "Unknown Webhook")
        message = self._webhook_message(record, m)
        if message is None:
            return error_response(404, 10008, "Unknown Message")
        return json_response(message)

    async def _edit_webhook_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        """PATCH an interaction's message: replaces a deferred "thinking…" or edits it."""
        record = self._webhook_record(m)
        if record is None:
            return error_response(404, 10015, "Unknown Webhook")
        record.requests.append(req)
        message = self._webhook_message(record, m)
        if message is None:
            return error_response(404, 10008, "Unknown Message")
        body = req.json if isinstance(req.json, dict) else {}
        record.edits.append(body)
        message["flags"] = message.get("flags", 0) & ~FLAG_LOADING
        self._apply_payload(message, body, editing=True, files=req.files)
        await self._echo("MESSAGE_UPDATE", message)
        return json_response(message)

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

    async def _bulk_commands(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        pool = self._command_pool(m)
        if pool is None:
            return error_response(404, 10002, "Unknown Application")
        new = []
        for body in req.json or []:
            previous = next((c for c in pool if self._same_command(c, body)), None)
            new.append(self._stored_command(body, m, previous))
        pool[:] = new  # bulk overwrite replaces the whole set
        return json_response(new)
