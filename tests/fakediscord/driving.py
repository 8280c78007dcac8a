"""Driving the fake as Discord users would: posting messages, running slash commands
(with file attachments), typing into autocomplete, clicking buttons, choosing in string
selects and submitting modals. Each helper dispatches the gateway event to the bot's
shard and returns what a test needs to wait for the bot's answer.

A mixin of :class:`~tests.fakediscord.server.FakeDiscord`. To add a new kind of user
action, build its interaction with ``_interaction_base`` and send it with
``_send_interaction``, as :meth:`click_button` does. Like the Discord client, the
helpers refuse what a person could not do (a disabled button, a value that is not an
option, a required modal field left empty) with ``ValueError``.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Mapping
from typing import Any

from .models import FakeGuild, FakeMember, FakeUser
from .protocol import (
    APPLICATION_COMMAND,
    ATTACHMENT_SIZE_LIMIT,
    AUTOCOMPLETE,
    BUTTON,
    LABEL,
    MENTION_RE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    OPT_ATTACHMENT,
    OPT_SUB_COMMAND,
    OPT_SUB_COMMAND_GROUP,
    STRING_SELECT,
    TEXT_INPUT,
    InteractionRecord,
    walk_components,
)


class DrivingMixin:
    """Test-facing helpers that act as users."""

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
        mentioned = list(dict.fromkeys(MENTION_RE.findall(content)))
        if ref is not None:
            self._make_reply(message, ref)
            if reply_ping and ref["author"]["id"] not in mentioned:
                mentioned.append(ref["author"]["id"])
        conn = self._require_connection(guild_obj.id if guild_obj else None)
        mentions = [self._mention_dict(uid, guild_obj) for uid in mentioned]
        message["mentions"] = [m for m in mentions if m is not None]
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

    def _make_reply(self, message: dict[str, Any], ref: dict[str, Any]) -> None:
        """Turn ``message`` into a reply (type 19) to ``ref``, as Discord stores it."""
        message["type"] = 19
        message["message_reference"] = {
            "type": 0,
            "message_id": ref["id"],
            "channel_id": ref["channel_id"],
            **({"guild_id": ref["guild_id"]} if ref.get("guild_id") else {}),
        }
        stripped = dict(ref)
        stripped.pop("referenced_message", None)
        message["referenced_message"] = stripped

    def _interaction_base(
        self,
        itype: int,
        data: dict[str, Any],
        *,
        user: FakeUser | FakeMember | None,
        locale: str,
        channel_id: str | None = None,
        message: dict[str, Any] | None = None,
    ) -> InteractionRecord:
        """An interaction in the default guild (DM interactions are not modelled yet)."""
        invoker = self._as_user(user)
        iid = self.snowflake()
        token = "fake-interaction-" + secrets.token_urlsafe(24)
        guild = self.guild
        channel = guild.channel(str(channel_id or self.channel_id))
        member = guild.member(invoker.id) or FakeMember(invoker)
        bot_member = guild.member(self.bot_user.id)
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
            "data": data,
            "guild_id": guild.id,
            "guild": {"id": guild.id, "locale": guild.preferred_locale, "features": []},
            "guild_locale": guild.preferred_locale,
            "channel_id": channel.id,
            "channel": channel.to_dict(guild.id),
            "member": {**member.to_dict(), "permissions": str(guild.permissions_for(member))},
            "app_permissions": str(guild.permissions_for(bot_member) if bot_member else 0),
            "authorizing_integration_owners": {"0": guild.id},
            "context": 0,
        }
        if message is not None:
            payload["message"] = copy.deepcopy(message)
        record = InteractionRecord(
            id=iid,
            token=token,
            type=itype,
            payload=payload,
            channel_id=channel.id,
            guild_id=guild.id,
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

    def _synced_command(self, name: str) -> dict[str, Any]:
        command = self.find_command(name)
        if command is None:
            synced = sorted(
                c["name"]
                for c in [*self.global_commands, *self.guild_commands.get(self.guild.id, [])]
            )
            raise LookupError(f"/{name} was never synced to the fake (synced: {synced})")
        return command

    @staticmethod
    def _option_defs(command: dict[str, Any], path: list[str]) -> list[dict[str, Any]]:
        """Option definitions of the (sub)command at ``path`` in a synced command."""
        defs = command.get("options") or []
        for part in path[1:]:
            node = next((o for o in defs if o.get("name") == part), None)
            if node is None or node.get("type") not in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP):
                raise LookupError(f"/{' '.join(path)}: no subcommand {part!r}")
            defs = node.get("options") or []
        return defs

    def _build_options(
        self,
        options: Mapping[str, Any],
        defs: list[dict[str, Any]],
        *,
        label: str,
        focused: str | None = None,
        check_required: bool = True,
        resolved: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Leaf options as Discord sends them, typed from the synced definitions.

        Attachment options add their attachment objects to ``resolved``.
        """
        resolved = {} if resolved is None else resolved
        by_name = {d["name"]: d for d in defs}
        out = []
        for name, value in options.items():
            spec = by_name.get(name)
            if spec is None:
                raise ValueError(f"{label}: unknown option {name!r} (has {sorted(by_name)})")
            item: dict[str, Any] = {"name": name, "type": spec["type"], "value": value}
            if spec["type"] == OPT_ATTACHMENT:
                if not isinstance(value, dict) or value.get("id") not in self.attachment_data:
                    raise ValueError(f"{label}: {name} takes an attachment from upload()")
                item["value"] = value["id"]
                resolved.setdefault("attachments", {})[value["id"]] = copy.deepcopy(value)
            if name == focused:
                item["focused"] = True
                item["value"] = str(value)  # autocomplete sends the partial text
            elif spec.get("choices"):
                allowed = [c["value"] for c in spec["choices"]]
                if value not in allowed:
                    raise ValueError(f"{label}: {name}={value!r} is not one of {allowed}")
            out.append(item)
        if check_required:
            given = {o["name"] for o in out}
            missing = [d["name"] for d in defs if d.get("required") and d["name"] not in given]
            if missing:
                raise ValueError(f"{label}: missing required option(s) {missing}")
        return out

    def _command_data(
        self, name: str, options: Mapping[str, Any] | None, *, focused: str | None = None
    ) -> dict[str, Any]:
        path = name.split()
        command = self._synced_command(path[0])
        defs = self._option_defs(command, path)
        resolved: dict[str, Any] = {}
        leaf = self._build_options(
            options or {},
            defs,
            label=f"/{name}",
            focused=focused,
            check_required=not focused,
            resolved=resolved,
        )
        if focused is not None and not any(o.get("focused") for o in leaf):
            raise ValueError(f"autocomplete: the focused option {focused!r} was not given")
        nested: list[dict[str, Any]] = leaf
        # Wrap leaf options in their subcommand (type 1) and group (type 2) layers.
        for depth in range(len(path) - 1, 0, -1):
            kind = OPT_SUB_COMMAND if depth == len(path) - 1 else OPT_SUB_COMMAND_GROUP
            nested = [{"name": path[depth], "type": kind, "options": nested}]
        data: dict[str, Any] = {"id": command["id"], "name": path[0], "type": 1, "options": nested}
        if resolved:
            data["resolved"] = resolved
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return data

    async def invoke_slash(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        user: FakeUser | FakeMember | None = None,
        locale: str = "en-US",
    ) -> InteractionRecord:
        """A user runs ``/name`` (``"group sub"`` for subcommands) in the default guild.

        ``options`` is ``{"name": value}``; types come from the synced definition, and
        the command must have been synced (as on Discord). An attachment option takes
        what :meth:`upload` returns. Dispatches interaction type 2.
        """
        data = self._command_data(name, options)
        record = self._interaction_base(APPLICATION_COMMAND, data, user=user, locale=locale)
        return await self._send_interaction(record)

    async def autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        *,
        focused: str,
        user: FakeUser | FakeMember | None = None,
        locale: str = "en-US",
    ) -> InteractionRecord:
        """A user types into option ``focused`` of ``/name``; dispatches type 4.

        The answer (callback type 8) is in ``record.choices`` after
        :meth:`wait_for_interaction_response`.
        """
        data = self._command_data(name, options, focused=focused)
        record = self._interaction_base(AUTOCOMPLETE, data, user=user, locale=locale)
        return await self._send_interaction(record)

    def _component_message(self, message: dict[str, Any] | str | int) -> dict[str, Any]:
        if isinstance(message, dict):
            return self._messages_by_id.get(str(message["id"]), message)
        return self.get_message(message)

    async def click_button(
        self,
        custom_id: str,
        message: dict[str, Any] | str | int,
        *,
        user: FakeUser | FakeMember | None = None,
        locale: str = "en-US",
    ) -> InteractionRecord:
        """A user clicks a button on ``message`` (dict or id); dispatches type 3.

        The fake uses its own stored copy of the message, so the button must really be
        on it (and enabled), as on Discord.
        """
        msg = self._component_message(message)
        _usable(msg, custom_id, BUTTON, "button")
        data = {"custom_id": custom_id, "component_type": 2}
        record = self._interaction_base(
            MESSAGE_COMPONENT,
            data,
            user=user,
            locale=locale,
            channel_id=msg["channel_id"],
            message=msg,
        )
        return await self._send_interaction(record)

    def upload(self, filename: str, data: bytes, content_type: str | None = None) -> dict[str, Any]:
        """A file a user attaches to a slash-command option; the bot downloads it from the fake.

        Discord checks the size against the server's upload limit, never the content.
        """
        if len(data) > ATTACHMENT_SIZE_LIMIT:
            raise ValueError(
                f"{filename}: over Discord's {ATTACHMENT_SIZE_LIMIT}-byte upload limit"
            )
        attachment = self.store_attachment(filename, data, content_type=content_type)
        attachment["ephemeral"] = True
        return attachment

    async def choose(
        self,
        custom_id: str,
        message: dict[str, Any] | str | int,
        values: list[str],
        *,
        user: FakeUser | FakeMember | None = None,
        locale: str = "en-US",
    ) -> InteractionRecord:
        """A user picks ``values`` in the string select ``custom_id`` on ``message``; type 3."""
        msg = self._component_message(message)
        found = _usable(msg, custom_id, STRING_SELECT, "string select")
        offered = [o["value"] for o in found.get("options") or []]
        unknown = [v for v in values if v not in offered]
        if unknown:
            raise ValueError(f"select {custom_id!r} offers {offered}, not {unknown}")
        low, high = found.get("min_values", 1), found.get("max_values", 1)
        if not low <= len(values) <= high:
            raise ValueError(f"select {custom_id!r} takes {low}-{high} values, not {len(values)}")
        data = {"custom_id": custom_id, "component_type": STRING_SELECT, "values": list(values)}
        record = self._interaction_base(
            MESSAGE_COMPONENT,
            data,
            user=user,
            locale=locale,
            channel_id=msg["channel_id"],
            message=msg,
        )
        return await self._send_interaction(record)

    @staticmethod
    def modal_fields(opened: InteractionRecord) -> dict[str, dict[str, Any]]:
        """The text inputs of the modal ``opened`` shows, by custom_id."""
        modal = opened.modal
        if modal is None:
            raise ValueError(f"interaction {opened.id} did not open a modal")
        return {
            c["custom_id"]: c
            for c in walk_components(modal.get("components"))
            if c.get("type") == TEXT_INPUT
        }

    async def submit_modal(
        self,
        opened: InteractionRecord,
        values: Mapping[str, str] | None = None,
        *,
        user: FakeUser | FakeMember | None = None,
        locale: str = "en-US",
    ) -> InteractionRecord:
        """A user submits the modal that interaction ``opened`` showed; dispatches type 5.

        ``values`` overrides text inputs by custom_id; the others keep their prefilled
        value. Like the Discord client, an empty required input or one outside its
        length bounds cannot be submitted.
        """
        modal = opened.modal
        if modal is None:
            raise ValueError(f"interaction {opened.id} did not open a modal")
        fields = self.modal_fields(opened)
        unknown = set(values or {}) - set(fields)
        if unknown:
            raise ValueError(f"the modal has no inputs {sorted(unknown)} (has {sorted(fields)})")
        components = []
        for position, top in enumerate(modal.get("components") or [], start=1):
            inner = top.get("component") if top.get("type") == LABEL else None
            if inner is None or inner.get("type") != TEXT_INPUT:
                continue
            custom_id = inner["custom_id"]
            value = (values or {}).get(custom_id, inner.get("value") or "")
            low, high = inner.get("min_length") or 0, inner.get("max_length") or 4000
            if inner.get("required", True) and not value:
                raise ValueError(f"modal input {custom_id!r} is required")
            if value and not low <= len(value) <= high:
                raise ValueError(f"modal input {custom_id!r} takes {low}-{high} characters")
            sent = {"type": TEXT_INPUT, "custom_id": custom_id, "value": value}
            components.append({"type": LABEL, "id": top.get("id") or position, "component": sent})
        data = {"custom_id": modal["custom_id"], "components": components}
        message = opened.payload.get("message")
        record = self._interaction_base(
            MODAL_SUBMIT,
            data,
            user=user,
            locale=locale,
            channel_id=opened.channel_id,
            message=self._component_message(message) if message else None,
        )
        return await self._send_interaction(record)


def _usable(msg: dict[str, Any], custom_id: str, kind: int, what: str) -> dict[str, Any]:
    """The enabled component ``custom_id`` of type ``kind`` on ``msg``, as a user sees it."""
    found = next(
        (c for c in walk_components(msg.get("components")) if c.get("custom_id") == custom_id),
        None,
    )
    if found is None or found.get("type") != kind:
        raise ValueError(f"message {msg['id']} has no {what} with custom_id {custom_id!r}")
    if found.get("disabled"):
        raise ValueError(f"{what} {custom_id!r} is disabled; users cannot use it")
    return found
