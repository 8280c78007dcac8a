"""Entries as admins see and edit them: /kb find, /kb open, /kb new, /kb delete.

An entry (a use case, a topic or a model's fact) is shown as a card with its phrasings,
texts and quotes, and buttons for each edit: Edit (the texts), Phrasings, Quote,
History and Delete. Each button opens a form or a preview; nothing is saved before
Confirm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands

from bot.discord_glue.options import UnknownOption
from bot.engine.compose import say
from bot.engine.context import Asker
from bot.kbedit import DeleteEntry, KbEditError, Ref
from bot.render import fit_embed, plain, to_embed, truncate
from bot.routing import target_of

from .access import bot_of, is_admin, language
from .components import Click, Refused, button, on, select, sessions_of, view
from .forms import NewEntryForm, PhrasingsForm, QuoteForm, TextForm
from .outgoing import Outgoing, answer_soon
from .previews import show_preview, staged_by

if TYPE_CHECKING:
    from bot.kb.schema import Citation, KnowledgeBase
    from bot.main import LLMBot

AUTOCOMPLETE_LIMIT = 25
CHOICE_NAME_MAX = 100
ENTRY_MAX_LENGTH = 150
FIND_TOP = 5  # use cases and topics listed by /kb find
OPEN_BUTTONS = 5
KINDS = ("use_case", "topic", "fact")
CUSTOM_ID_ROOM = 85  # what an entry reference may take in a custom_id


# -- which entries exist -----------------------------------------------------------------
def entry_refs(kb: KnowledgeBase, kinds: Sequence[str] = KINDS) -> list[tuple[Ref, str]]:
    """Every editable entry and a label for it ("Use case · Code generation · 代码生成")."""
    ui = kb.ui
    out: list[tuple[Ref, str]] = []
    if "use_case" in kinds:
        label = ui.text("kb_kind_use_case", "en")
        for uc in kb.use_cases.values():
            out.append((Ref("use_case", uc.id), f"{label} · {uc.name.en} · {uc.name.zh}"))
    if "topic" in kinds:
        label = ui.text("kb_kind_topic", "en")
        out += [(Ref("topic", t.id), f"{label} · {t.id}") for t in kb.topics.values()]
    if "fact" in kinds:
        label = ui.text("kb_kind_fact", "en")
        for model in kb.models.values():
            for aspect in dict.fromkeys(f.aspect for f in model.facts):
                ref = Ref("fact", model.id, aspect)
                out.append((ref, f"{label} · {model.name} · {aspect}"))
    return out


def exists(kb: KnowledgeBase, ref: Ref) -> bool:
    if ref.kind == "use_case":
        return ref.id in kb.use_cases
    if ref.kind == "topic":
        return ref.id in kb.topics
    if ref.kind == "fact":
        model = kb.models.get(ref.id)
        return model is not None and any(f.aspect == ref.sub for f in model.facts)
    return False


def resolve_entry(kb: KnowledgeBase, text: str, kinds: Sequence[str] = KINDS) -> Ref | None:
    """An entry from its reference ("topic:prediction"), its id, or its label."""
    value = text.strip()
    try:
        ref = Ref.parse(value)
    except KbEditError:
        ref = None
    if ref is not None and ref.kind in kinds and exists(kb, ref):
        return ref
    folded = value.casefold()
    for candidate, label in entry_refs(kb, kinds):
        if folded in (candidate.id, str(candidate), label.casefold()):
            return candidate
    return None


class EntryOption(app_commands.Transformer):
    """A use case, topic or fact: autocompleted, and resolved again on submit."""

    kinds: tuple[str, ...] = KINDS

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.string

    @property
    def max_value(self) -> int:
        return ENTRY_MAX_LENGTH

    async def transform(self, interaction: discord.Interaction, value: str) -> Ref:
        kb = bot_of(interaction).engine.kb
        found = resolve_entry(kb, value, self.kinds)
        if found is None:
            examples = [str(ref) for ref, _ in entry_refs(kb, self.kinds)[:6]]
            raise UnknownOption("unknown_entry_option", value, [*examples, "…"])
        return found

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        bot = bot_of(interaction)
        if not is_admin(bot, interaction):
            return []  # the entries are no secret, but the editor is for admins only
        wanted = value.casefold().strip()
        return [
            app_commands.Choice(name=truncate(label, CHOICE_NAME_MAX), value=str(ref))
            for ref, label in entry_refs(bot.engine.kb, self.kinds)
            if not wanted or wanted in label.casefold() or wanted in str(ref)
        ][:AUTOCOMPLETE_LIMIT]


class DeletableEntryOption(EntryOption):
    """A use case or topic (facts are edited, never deleted, from Discord)."""

    kinds = ("use_case", "topic")


# -- a reference inside a custom_id --------------------------------------------------------
def ref_arg(bot: LLMBot, ref: Ref) -> str:
    """``ref`` as a custom_id argument; a long one is kept in memory behind a token."""
    text = str(ref)
    return text if len(text) <= CUSTOM_ID_ROOM else "~" + sessions_of(bot).put(ref)


def ref_of(click: Click) -> Ref:
    if click.arg.startswith("~"):
        return click.kept(Ref, click.arg[1:])
    return Ref.parse(click.arg)


def live_entry(click: Click) -> Ref:
    """The clicked entry, if the knowledge base still has it."""
    ref = ref_of(click)
    if not exists(click.bot.engine.kb, ref):
        raise Refused("kb_entry_gone", entry=ref)
    return ref


# -- quotes --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Quoted:
    """One citation of an entry: where it lives (a fact, a ranked model, a topic)."""

    ref: Ref
    index: int
    source: str
    quote: str
    label: str


def quotes_of(kb: KnowledgeBase, ref: Ref) -> list[Quoted]:
    found: list[tuple[Ref, str, Sequence[Citation]]] = []
    if ref.kind == "use_case":
        for ranked in kb.use_cases[ref.id].ranking:
            name = kb.models[ranked.model].name if ranked.model in kb.models else ranked.model
            found.append((Ref("ranked", ref.id, ranked.model), name, ranked.citations))
    elif ref.kind == "topic":
        found.append((ref, "", kb.topics[ref.id].citations))
    elif ref.kind == "fact":
        fact = next(f for f in kb.models[ref.id].facts if f.aspect == ref.sub)
        found.append((ref, "", fact.citations))
    out = []
    for holder, name, citations in found:
        for i, citation in enumerate(citations):
            label = f"{name} #{i + 1}" if name else f"#{i + 1}"
            out.append(Quoted(holder, i, citation.source, citation.quote, label))
    return out


# -- the entry card ------------------------------------------------------------------------
def _title(kb: KnowledgeBase, ref: Ref, lang: str) -> str:
    ui = kb.ui
    if ref.kind == "use_case":
        uc = kb.use_cases[ref.id]
        return f"{ui.text('kb_kind_use_case', lang)} · {uc.name.en} · {uc.name.zh}"
    if ref.kind == "topic":
        return f"{ui.text('kb_kind_topic', lang)} · {ref.id}"
    return f"{ui.text('kb_kind_fact', lang)} · {kb.models[ref.id].name} · {ref.sub}"


def card(kb: KnowledgeBase, ref: Ref, lang: str) -> dict[str, Any]:
    """The entry as an embed: phrasings, texts and quotes."""
    ui = kb.ui
    fields: list[dict[str, Any]] = []

    def add(key: str, value: str, **values: object) -> None:
        fields.append({"name": ui.text(key, lang, **values), "value": value, "inline": False})

    phrasings = None
    if ref.kind in ("use_case", "topic"):
        entry = kb.use_cases[ref.id] if ref.kind == "use_case" else kb.topics[ref.id]
        phrasings = entry.phrasings
    if phrasings is not None:
        none = ui.text("kb_card_none", lang)
        for code in ("en", "zh"):
            shown = " · ".join(plain(p) for p in getattr(phrasings, code)) or none
            add("kb_card_phrasings", shown, language=code)
    text = TextForm.current(kb, ref)
    if text:
        key = {"use_case": "kb_card_note", "topic": "kb_card_answer"}.get(ref.kind, "kb_card_text")
        for code in ("en", "zh"):
            add(key, plain(text[code]), language=code)
    if ref.kind == "use_case":
        ranking = [
            f"{i}. {kb.models[r.model].name if r.model in kb.models else r.model}: "
            f"{plain(say(r.reason, lang))}"
            for i, r in enumerate(kb.use_cases[ref.id].ranking, start=1)
        ]
        add("kb_card_ranking", "\n".join(ranking) or ui.text("kb_card_none", lang))
    quotes = [f"[{q.label}] “{plain(q.quote)}”" for q in quotes_of(kb, ref)]
    if quotes:
        add("kb_card_quotes", "\n".join(quotes))
    data = {
        "type": "rich",
        "title": _title(kb, ref, lang),
        "description": f"`{ref}`",
        "fields": fields,
    }
    return fit_embed(data)


def card_message(bot: LLMBot, ref: Ref, lang: str) -> Outgoing:
    kb = bot.engine.kb
    ui = kb.ui
    arg = ref_arg(bot, ref)
    items = [
        button("edit", arg, ui.text("kb_button_edit", lang), style=discord.ButtonStyle.primary)
    ]
    if ref.kind in ("use_case", "topic"):
        items.append(button("phr", arg, ui.text("kb_button_phrasings", lang)))
    if quotes_of(kb, ref):
        items.append(button("cite", arg, ui.text("kb_button_quote", lang)))
    items.append(button("hist", arg, ui.text("kb_button_history", lang)))
    if ref.kind in ("use_case", "topic"):
        style = discord.ButtonStyle.danger
        items.append(button("del", arg, ui.text("kb_button_delete", lang), style=style))
    return Outgoing(embeds=[to_embed(card(kb, ref, lang))], view=view(*items))


async def show_card(interaction: discord.Interaction, ref: Ref) -> None:
    bot = bot_of(interaction)
    await answer_soon(interaction, lambda: card_message(bot, ref, language(interaction)))


@on("open")
async def open_entry(click: Click) -> None:
    await show_card(click.interaction, live_entry(click))


@on("edit")
async def edit_text(click: Click) -> None:
    ref = live_entry(click)
    kb = click.bot.engine.kb
    form = TextForm(click.ui, click.lang, ref, TextForm.current(kb, ref))
    await click.interaction.response.send_modal(form)


@on("phr")
async def edit_phrasings(click: Click) -> None:
    ref = live_entry(click)
    kb = click.bot.engine.kb
    entry = kb.use_cases[ref.id] if ref.kind == "use_case" else kb.topics[ref.id]
    if not PhrasingsForm.fits(entry.phrasings):
        raise Refused("kb_phrasings_too_long")
    form = PhrasingsForm(click.ui, click.lang, ref, entry.phrasings)
    await click.interaction.response.send_modal(form)


def _quote_form(click: Click, quoted: Quoted) -> QuoteForm:
    values = {"quote": quoted.quote}
    return QuoteForm(click.ui, click.lang, quoted.ref, quoted.index, quoted.source, values)


@on("cite")
async def pick_quote(click: Click) -> None:
    """One quote: its form at once; several: a select to pick which one."""
    ref = live_entry(click)
    quotes = quotes_of(click.bot.engine.kb, ref)
    if not quotes:
        raise Refused("kb_no_quotes", entry=ref)
    if len(quotes) == 1:
        await click.interaction.response.send_modal(_quote_form(click, quotes[0]))
        return
    options = [(f"[{q.label}] {q.quote}", str(i)) for i, q in enumerate(quotes)]
    chooser = select("quote", click.arg, click.text("kb_pick_quote"), options)
    await Outgoing(click.text("kb_pick_quote"), view=view(chooser)).send(click.interaction)


@on("quote")
async def quote_chosen(click: Click) -> None:
    ref = live_entry(click)
    quotes = quotes_of(click.bot.engine.kb, ref)
    index = int(click.values[0]) if click.values and click.values[0].isdigit() else -1
    if not 0 <= index < len(quotes):
        raise Refused("kb_expired")
    await click.interaction.response.send_modal(_quote_form(click, quotes[index]))


@on("del")
async def delete_entry(click: Click) -> None:
    await preview_delete(click.interaction, live_entry(click), "")


async def preview_delete(interaction: discord.Interaction, ref: Ref, reason: str) -> None:
    """What a delete would do (what refers to the entry included); Confirm deletes."""
    await show_preview(interaction, staged_by(interaction, [DeleteEntry(ref)], reason))


async def open_new_form(
    interaction: discord.Interaction,
    kind: Literal["use_case", "topic"],
    values: dict[str, str] | None = None,
    examples: Sequence[str] = (),
) -> None:
    bot = bot_of(interaction)
    ui, lang = bot.engine.kb.ui, language(interaction)
    form = NewEntryForm(ui, lang, kind, values or {}, examples=examples)
    await interaction.response.send_modal(form)


# -- /kb find ------------------------------------------------------------------------------
def _scores(items: Sequence[tuple[float, str]], kind: str) -> list[tuple[Ref, float]]:
    return [(Ref(kind, ident), score) for score, ident in items[:FIND_TOP]]  # type: ignore[arg-type]


def find_message(bot: LLMBot, question: str, lang: str) -> Outgoing:
    """What the matcher does with ``question``: rule, evidence, runner-up, best entries."""
    engine = bot.engine
    ui = engine.kb.ui
    analysis = engine.read(question)
    asker = Asker(channel="kb-find", user="kb-find")
    try:
        answer = engine.answer(question, asker)
    finally:
        engine.contexts.clear(asker)  # leave no follow-up context behind
    none = ui.text("why_nothing", lang)
    use_cases = _scores(analysis.use_cases, "use_case")
    topics = _scores(analysis.topics, "topic")

    def listed(found: list[tuple[Ref, float]]) -> str:
        return "\n".join(f"`{ref}` {score:.2f}" for ref, score in found) or none

    outcome_key = (
        "kb_find_answered"
        if answer.answered
        else ("kb_find_unsure" if answer.suggestions else "kb_find_declined")
    )
    fields = [
        {
            "name": ui.text("kb_find_outcome", lang),
            "value": ui.text(
                outcome_key, lang, target=target_of(answer), confidence=f"{answer.confidence:.2f}"
            ),
            "inline": False,
        },
        {
            "name": ui.text("why_rule", lang),
            "value": f"`{answer.why.rule}` — {plain(answer.why.summary)}"
            if answer.why.rule
            else none,
            "inline": False,
        },
        {
            "name": ui.text("why_evidence", lang),
            "value": "\n".join(f"• {plain(e)}" for e in answer.why.evidence) or none,
            "inline": False,
        },
        {
            "name": ui.text("why_runner_up", lang),
            "value": plain(answer.why.runner_up or "") or none,
            "inline": False,
        },
        {"name": ui.text("kb_find_use_cases", lang), "value": listed(use_cases), "inline": True},
        {"name": ui.text("kb_find_topics", lang), "value": listed(topics), "inline": True},
    ]
    if answer.suggestions:
        fields.append(
            {
                "name": ui.text("label_did_you_mean", lang),
                "value": "\n".join(f"• {plain(s)}" for s in answer.suggestions),
                "inline": False,
            }
        )
    embed = fit_embed(
        {
            "type": "rich",
            "title": ui.text("kb_find_title", lang),
            "description": plain(truncate(question, 1000)),
            "fields": fields,
        }
    )
    target = resolve_entry(engine.kb, target_of(answer))
    candidates = [target] if target is not None else []
    candidates += [ref for ref, _ in sorted(use_cases + topics, key=lambda x: -x[1])]
    refs = list(dict.fromkeys(candidates))[:OPEN_BUTTONS]
    items = [
        button("open", ref_arg(bot, ref), ui.text("kb_button_open", lang, entry=ref))
        for ref in refs
    ]
    return Outgoing(embeds=[to_embed(embed)], view=view(*items) if items else None)


async def show_find(interaction: discord.Interaction, question: str) -> None:
    bot = bot_of(interaction)
    lang = language(interaction)
    await answer_soon(interaction, lambda: find_message(bot, question, lang))
