"""The editor's forms (Discord modals): texts, phrasings, a quote, a new entry.

A form holds at most five inputs (Discord's limit), each in a label, prefilled with what
the knowledge base says now. Submitting one never answers with another form: it shows
the preview (or why the edit cannot be made) with an "Edit again" button that opens a
fresh form holding what was typed. Nothing is locked while a form is open; a form that
is closed without submitting is never reported, and leaves nothing behind.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import discord

from bot.discord_glue.sending import apologise
from bot.kb.quotes import SourceText
from bot.kbedit import (
    AddEntry,
    AddPhrasing,
    KbEditError,
    Operation,
    Preview,
    Ref,
    RemovePhrasing,
    SetQuote,
    SetText,
)
from bot.render import truncate
from bot.text.normalize import has_cjk

from .access import admin_only, bot_of
from .components import Refused, guarded
from .previews import show_preview, staged_by, tell_with_again

if TYPE_CHECKING:
    from bot.kb.schema import KnowledgeBase, Phrasings, Ui

log = logging.getLogger(__name__)

TITLE_MAX = 45  # a modal's title and each label
INPUT_MAX = 4000  # a text input
QUOTE_MAX = 1000
FORM_TIMEOUT_SECONDS = 3600.0  # then a submit is ignored by the library; nothing is held
LANGS = ("en", "zh")


def lines(text: str) -> list[str]:
    """One phrasing per non-empty line, in order, without repeats."""
    return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


class Form(discord.ui.Modal):
    """An editor form: checked for admin rights on submit; errors told privately."""

    def __init__(self, ui: Ui, lang: str, title: str, *, replace: bool = False) -> None:
        super().__init__(title=truncate(title, TITLE_MAX), timeout=FORM_TIMEOUT_SECONDS)
        self.ui, self.lang, self.replace = ui, lang, replace
        self.inputs: dict[str, discord.ui.TextInput[Form]] = {}

    def text(self, key: str, **values: object) -> str:
        return self.ui.text(key, self.lang, **values)

    def field(
        self,
        custom_id: str,
        label: str,
        value: str = "",
        *,
        paragraph: bool = False,
        required: bool = True,
        max_length: int = INPUT_MAX,
    ) -> None:
        entry: discord.ui.TextInput[Form] = discord.ui.TextInput(
            custom_id=custom_id,
            style=discord.TextStyle.paragraph if paragraph else discord.TextStyle.short,
            default=value[:max_length] or None,
            required=required,
            max_length=max_length,
        )
        self.inputs[custom_id] = entry
        self.add_item(discord.ui.Label(text=truncate(label, TITLE_MAX), component=entry))

    def values(self) -> dict[str, str]:
        return {key: entry.value.strip() for key, entry in self.inputs.items()}

    def again(self) -> Form:
        """The same form, holding what was typed; it replaces the message it is opened from."""
        raise NotImplementedError

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await admin_only(interaction)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, type(self).__name__, self._submit(interaction))

    async def _submit(self, interaction: discord.Interaction) -> None:
        try:
            await self.submit(interaction)
        except (KbEditError, Refused) as exc:
            if isinstance(exc, Refused):
                text = self.text(exc.key, **exc.values)
            else:
                text = self.text("kb_edit_refused", message=exc.message)
            await tell_with_again(interaction, text, self.again)

    async def submit(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        log.error("knowledge editor form %s failed", type(self).__name__, exc_info=error)
        await apologise(interaction, self.ui)


class TextForm(Form):
    """The English and Chinese text of an entry: a topic's answer, a fact's text, a use
    case's note, a ranked model's reason."""

    def __init__(
        self,
        ui: Ui,
        lang: str,
        ref: Ref,
        values: Mapping[str, str],
        *,
        replace: bool = False,
    ) -> None:
        super().__init__(ui, lang, ui.text("kb_form_text", lang, entry=ref), replace=replace)
        self.ref = ref
        optional = ref.kind == "use_case"  # a use case may have no note at all
        for code in LANGS:
            label = self.text(f"kb_field_text_{code}")
            self.field(code, label, values.get(code, ""), paragraph=True, required=not optional)
        self.field("reason", self.text("kb_field_reason"), values.get("reason", ""), required=False)

    def again(self) -> Form:
        return TextForm(self.ui, self.lang, self.ref, self.values(), replace=True)

    async def submit(self, interaction: discord.Interaction) -> None:
        typed = self.values()
        if not typed["en"] and not typed["zh"]:
            raise Refused("kb_nothing_to_change")
        op = SetText(self.ref, en=typed["en"] or None, zh=typed["zh"] or None)
        stage = staged_by(interaction, [op], typed["reason"])
        await show_preview(interaction, stage, replace=self.replace, again=self.again)

    @staticmethod
    def current(kb: KnowledgeBase, ref: Ref) -> dict[str, str]:
        """What the entry says now, to prefill the form."""
        text = None
        if ref.kind == "topic":
            text = kb.topics[ref.id].answer
        elif ref.kind == "use_case":
            text = kb.use_cases[ref.id].note
        elif ref.kind == "fact":
            text = next(f.text for f in kb.models[ref.id].facts if f.aspect == ref.sub)
        return {"en": text.en, "zh": text.zh} if text is not None else {}


class PhrasingsForm(Form):
    """A use case's or topic's phrasings, one per line: delete a line to remove it,
    add a line to add one."""

    def __init__(
        self,
        ui: Ui,
        lang: str,
        ref: Ref,
        before: Phrasings,
        values: Mapping[str, str] | None = None,
        *,
        replace: bool = False,
    ) -> None:
        super().__init__(ui, lang, ui.text("kb_form_phrasings", lang, entry=ref), replace=replace)
        self.ref, self.before = ref, before
        for code in LANGS:
            now = "\n".join(getattr(before, code))
            value = values[code] if values is not None else now
            label = self.text(f"kb_field_phrasings_{code}")
            self.field(code, label, value, paragraph=True, required=False)
        reason = values.get("reason", "") if values is not None else ""
        self.field("reason", self.text("kb_field_reason"), reason, required=False)

    @staticmethod
    def fits(before: Phrasings) -> bool:
        return all(len("\n".join(getattr(before, code))) <= INPUT_MAX for code in LANGS)

    def again(self) -> Form:
        return PhrasingsForm(self.ui, self.lang, self.ref, self.before, self.values(), replace=True)

    def operations(self) -> list[Operation]:
        typed = self.values()
        removals: list[Operation] = []
        additions: list[Operation] = []
        for code in LANGS:
            old, new = list(getattr(self.before, code)), lines(typed[code])
            lang: Literal["en", "zh"] = "en" if code == "en" else "zh"
            removals += [RemovePhrasing(self.ref, lang, text) for text in old if text not in new]
            additions += [AddPhrasing(self.ref, lang, text) for text in new if text not in old]
        return removals + additions

    async def submit(self, interaction: discord.Interaction) -> None:
        ops = self.operations()
        if not ops:
            raise Refused("kb_nothing_to_change")
        stage = staged_by(interaction, ops, self.values()["reason"])
        await show_preview(interaction, stage, replace=self.replace, again=self.again)


class QuoteForm(Form):
    """One citation's quote; checked verbatim against the article by the preview."""

    def __init__(
        self,
        ui: Ui,
        lang: str,
        ref: Ref,
        index: int,
        source: str,
        values: Mapping[str, str],
        *,
        replace: bool = False,
    ) -> None:
        title = ui.text("kb_form_quote", lang, number=index + 1, entry=ref)
        super().__init__(ui, lang, title, replace=replace)
        self.ref, self.index, self.source = ref, index, source
        label = self.text("kb_field_quote")
        self.field("quote", label, values.get("quote", ""), paragraph=True, max_length=QUOTE_MAX)
        self.field("reason", self.text("kb_field_reason"), values.get("reason", ""), required=False)

    def again(self) -> Form:
        return QuoteForm(
            self.ui, self.lang, self.ref, self.index, self.source, self.values(), replace=True
        )

    async def submit(self, interaction: discord.Interaction) -> None:
        typed = self.values()
        bot = bot_of(interaction)
        op = SetQuote(self.ref, self.index, typed["quote"])

        def closest(preview: Preview) -> tuple[Ref, int, str] | None:
            raw = bot.store.current.source_texts.get(self.source)
            if raw is None:
                return None
            article = SourceText(raw)
            if article.section_of(typed["quote"]) is not None:
                return None  # verbatim: the problems are about something else
            passage = article.closest(typed["quote"])
            return (self.ref, self.index, passage) if passage else None

        stage = staged_by(interaction, [op], typed["reason"])
        await show_preview(
            interaction, stage, replace=self.replace, again=self.again, closest=closest
        )


class NewEntryForm(Form):
    """A new use case (id, name, first phrasings) or topic (id, answer, first phrasings)."""

    def __init__(
        self,
        ui: Ui,
        lang: str,
        kind: Literal["use_case", "topic"],
        values: Mapping[str, str],
        *,
        examples: Sequence[str] = (),
        replace: bool = False,
    ) -> None:
        super().__init__(ui, lang, ui.text(f"kb_form_new_{kind}", lang), replace=replace)
        self.kind, self.examples = kind, tuple(examples)
        self.field("id", self.text("kb_field_id"), values.get("id", ""), max_length=64)
        pair = ("name", False) if kind == "use_case" else ("answer", True)
        for code in LANGS:
            key = f"{pair[0]}_{code}"
            label = self.text(f"kb_field_{key}")
            self.field(key, label, values.get(key, ""), paragraph=pair[1])
        for code in LANGS:
            key = f"phrasings_{code}"
            label = self.text(f"kb_field_{key}")
            self.field(key, label, values.get(key, ""), paragraph=True, required=False)

    def again(self) -> Form:
        return NewEntryForm(
            self.ui, self.lang, self.kind, self.values(), examples=self.examples, replace=True
        )

    def entry(self) -> dict[str, Any]:
        typed = self.values()
        phrasings = {code: lines(typed[f"phrasings_{code}"]) for code in LANGS}
        data: dict[str, Any] = {"id": typed["id"]}
        if self.kind == "use_case":
            data["name"] = {code: typed[f"name_{code}"] for code in LANGS}
        data["phrasings"] = {code: found for code, found in phrasings.items() if found}
        if self.kind == "topic":
            data["answer"] = {code: typed[f"answer_{code}"] for code in LANGS}
        return data

    async def submit(self, interaction: discord.Interaction) -> None:
        data = self.entry()
        source = "teach" if self.examples else "discord"
        reason = self.text("kb_reason_teach", count=len(self.examples)) if self.examples else ""
        stage = staged_by(interaction, [AddEntry(self.kind, data)], reason, source)
        await show_preview(
            interaction, stage, replace=self.replace, again=self.again, examples=self.examples
        )


def prefill_phrasing(question: str) -> dict[str, str]:
    """A new topic's first phrasing: the question, in the box of its language."""
    return {f"phrasings_{'zh' if has_cjk(question) else 'en'}": question}
