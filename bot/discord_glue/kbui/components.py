"""The editor's buttons and selects: one dynamic item per component type, dispatched by name.

A custom_id is ``kb:<action>:<argument>`` (buttons) or ``kbs:<action>:<argument>``
(selects). Modules register what an action does with :func:`on`; every click is
checked for admin rights first (each one is its own interaction) and failures reach
the clicker as one private line in their language, never as a traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import discord

from bot.discord_glue.sending import apologise, tell
from bot.kbedit import KbEditError, KbEditor
from bot.render import button_label

from .access import admin_only, bot_of, language
from .state import Sessions

if TYPE_CHECKING:
    from bot.kb.schema import Ui
    from bot.main import LLMBot

log = logging.getLogger(__name__)

T = TypeVar("T")
CUSTOM_ID_MAX = 100
SELECT_OPTIONS_MAX = 25
SELECT_LABEL_MAX = 100


class Refused(Exception):
    """An expected refusal; the user is told ``ui.text(key, lang, **values)``."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def editor_of(bot: LLMBot) -> KbEditor:
    if bot.editor is None:
        raise Refused("kb_editor_unavailable")
    return bot.editor


def sessions_of(bot: LLMBot) -> Sessions:
    return bot.kb_sessions


def kept(bot: LLMBot, token: str, kind: type[T]) -> T:
    """What ``token`` stands for, or a refusal saying it expired."""
    found = sessions_of(bot).get(token, kind)
    if found is None:
        raise Refused("kb_expired")
    return found


async def guarded(interaction: discord.Interaction, what: str, work: Awaitable[None]) -> None:
    """Run ``work``; refusals and edit errors are told privately, anything else apologised."""
    bot = bot_of(interaction)
    ui = bot.engine.kb.ui
    lang = language(interaction)
    try:
        await work
    except Refused as refused:
        await tell(interaction, ui.text(refused.key, lang, **refused.values))
    except KbEditError as exc:
        await tell(interaction, ui.text("kb_edit_refused", lang, message=exc.message))
    except Exception:
        log.exception("knowledge editor: %s failed", what)
        await apologise(interaction, ui)


@dataclass
class Click:
    """One button click or select choice: who, the argument in its custom_id, the values."""

    interaction: discord.Interaction
    arg: str
    values: Sequence[str] = ()

    @property
    def bot(self) -> LLMBot:
        return bot_of(self.interaction)

    @property
    def lang(self) -> str:
        return language(self.interaction)

    @property
    def ui(self) -> Ui:
        return self.bot.engine.kb.ui

    def text(self, key: str, **values: object) -> str:
        return self.ui.text(key, self.lang, **values)

    def kept(self, kind: type[T], token: str | None = None) -> T:
        return kept(self.bot, self.arg if token is None else token, kind)


Handler = Callable[[Click], Awaitable[None]]
_ACTIONS: dict[str, Handler] = {}


def on(action: str) -> Callable[[Handler], Handler]:
    """Register what the button or select ``action`` does."""

    def register(handler: Handler) -> Handler:
        if action in _ACTIONS:
            raise ValueError(f"action {action!r} is registered twice")
        _ACTIONS[action] = handler
        return handler

    return register


async def _dispatch(
    interaction: discord.Interaction, custom_id: str, values: Sequence[str]
) -> None:
    _prefix, action, arg = custom_id.split(":", 2)
    handler = _ACTIONS.get(action)
    if handler is None:
        log.warning("no handler for editor component %r", custom_id)
        await guarded(interaction, action, _expired())
        return
    await guarded(interaction, action, handler(Click(interaction, arg, values)))


async def _expired() -> None:
    raise Refused("kb_expired")


def _custom_id(prefix: str, action: str, arg: object) -> str:
    custom_id = f"{prefix}:{action}:{arg}"
    if len(custom_id) > CUSTOM_ID_MAX or not re.fullmatch(r"[a-z]+", action):
        raise ValueError(f"custom_id {custom_id!r} is not a valid editor component id")
    return custom_id


class KbButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"kb:[a-z]+:\S*"):
    """Every button of the editor."""

    def __init__(self, item: discord.ui.Button[Any]) -> None:
        super().__init__(item)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> KbButton:
        assert isinstance(item, discord.ui.Button)
        return cls(item)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await admin_only(interaction)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _dispatch(interaction, self.custom_id, ())


class KbSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"kbs:[a-z]+:\S*"):
    """Every string select of the editor."""

    def __init__(self, item: discord.ui.Select[Any]) -> None:
        super().__init__(item)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> KbSelect:
        assert isinstance(item, discord.ui.Select)
        return cls(item)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await admin_only(interaction)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _dispatch(interaction, self.custom_id, list(self.item.values))


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (KbButton, KbSelect)


def button(
    action: str,
    arg: object,
    label: str,
    *,
    style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    disabled: bool = False,
    row: int | None = None,
) -> KbButton:
    return KbButton(
        discord.ui.Button(
            label=button_label(label),
            style=style,
            custom_id=_custom_id("kb", action, arg),
            disabled=disabled,
            row=row,
        )
    )


def select(
    action: str,
    arg: object,
    placeholder: str,
    options: Sequence[tuple[str, str]],
    *,
    row: int | None = None,
) -> KbSelect:
    """A single-choice select of (label, value) pairs (at most 25, as Discord allows)."""
    choices = [
        discord.SelectOption(label=button_label(label)[:SELECT_LABEL_MAX], value=value)
        for label, value in options[:SELECT_OPTIONS_MAX]
    ]
    return KbSelect(
        discord.ui.Select(
            custom_id=_custom_id("kbs", action, arg),
            placeholder=placeholder[:150],
            options=choices,
            row=row,
        )
    )


def view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A view of editor components (dynamic items: nothing is kept per message)."""
    out = discord.ui.View(timeout=None)
    for item in items:
        out.add_item(item)
    return out
