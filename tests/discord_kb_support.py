"""Driving the knowledge editor (/kb) end to end: run a command, read what it showed, press
its buttons, fill its forms, as an admin by default.

Every helper waits for the bot's complete answer (a deferred reply and its followup, a
deferred update and its edit), so tests read the message as the admin sees it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from tests.discord_support import embed_text
from tests.fakediscord import FakeDiscord, FakeUser, InteractionRecord
from tests.fakediscord.protocol import walk_components

EPHEMERAL = 64


def components(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in walk_components(message.get("components")) if c.get("custom_id")]


def component(message: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The first button or select whose custom_id starts with ``prefix``."""
    found = [c for c in components(message) if c["custom_id"].startswith(prefix)]
    assert found, f"no {prefix!r} component: {[c['custom_id'] for c in components(message)]}"
    return found[0]


def has(message: dict[str, Any], prefix: str) -> bool:
    return any(c["custom_id"].startswith(prefix) for c in components(message))


def text(message: dict[str, Any]) -> str:
    """Everything a message shows in words: content and embeds."""
    return f"{message.get('content') or ''}\n{embed_text(message)}"


class Admin:
    """Acts in the fake Discord as ``user`` (the fake's admin by default)."""

    def __init__(self, fake: FakeDiscord, user: FakeUser | None = None, locale: str = "en-US"):
        self.fake = fake
        self.user = user or fake.admin_user
        self.locale = locale

    def shown(self, record: InteractionRecord) -> dict[str, Any]:
        """The message the interaction answered with, as it is now."""
        return self.fake.get_message(record.message_id)

    async def _wait(self, record: InteractionRecord) -> InteractionRecord:
        record = await self.fake.wait_for_interaction_response(record)
        if record.callback_type == 5:  # deferred: the answer comes as a followup
            record = await self.fake.wait_for_interaction_response(record, followups=1)
        elif record.callback_type == 6:  # deferred update: the answer is an edit
            record = await self.fake.wait_for_interaction_response(record, edits=1)
        return record

    async def run(self, name: str, options: Mapping[str, Any] | None = None) -> InteractionRecord:
        """``/name options`` and its complete answer."""
        record = await self.fake.invoke_slash(name, options, user=self.user, locale=self.locale)
        return await self._wait(record)

    async def press(self, message: dict[str, Any], prefix: str) -> InteractionRecord:
        """Click the button whose custom_id starts with ``prefix``; its complete answer."""
        custom_id = component(message, prefix)["custom_id"]
        record = await self.fake.click_button(
            custom_id, message, user=self.user, locale=self.locale
        )
        return await self._wait(record)

    async def choose(self, message: dict[str, Any], prefix: str, value: str) -> InteractionRecord:
        custom_id = component(message, prefix)["custom_id"]
        record = await self.fake.choose(
            custom_id, message, [value], user=self.user, locale=self.locale
        )
        return await self._wait(record)

    async def submit(
        self, opened: InteractionRecord, values: Mapping[str, str] | None = None
    ) -> InteractionRecord:
        """Fill in and submit the form ``opened`` showed; its complete answer."""
        record = await self.fake.submit_modal(opened, values, user=self.user, locale=self.locale)
        return await self._wait(record)

    def reply(self, record: InteractionRecord) -> dict[str, Any]:
        """The message an answer left (the response, its followup, or the edited one), as
        it is now: later edits of the same message do not change the copy returned."""
        message = copy.deepcopy(self.shown(record))
        assert message["flags"] & EPHEMERAL, "editor replies are private"
        return message
