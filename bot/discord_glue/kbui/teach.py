"""The teach loop: questions the bot missed, grouped, turned into phrasings by an admin.

``/kb unanswered`` lists this server's groups of missed questions (how often, by how
many people, in which languages, when last, what people picked, which entry they most
resemble and why they count as missed). Each group has "Add to <entry>" (one click to a
preview that adds its most frequent wording as a phrasing, one more to confirm), "Add
to another…", "New answer…" and "Ignore" (stored, so it never comes back). After an
edit is saved, the group's questions are asked again to show they are answered now.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import discord

from bot.kbedit import AddPhrasing, Ref
from bot.render import fit_embed, plain, to_embed, truncate
from bot.text.normalize import has_cjk

from .access import bot_of, language
from .components import Click, Refused, button, on, select, sessions_of, view
from .entries import entry_refs, open_new_form
from .forms import prefill_phrasing
from .outgoing import Outgoing
from .previews import show_preview, staged_by

if TYPE_CHECKING:
    from bot.analytics import MissCluster
    from bot.kb.schema import Ui

PAGE_SIZE = 5  # one row of buttons per group; a message holds five rows
EMBEDS_TOTAL = 6000  # Discord counts the text of all of a message's embeds together
QUESTION_SHOWN = 200
EXAMPLE_SHOWN = 100
MISS_KINDS = ("declined", "unsure", "low", "down", "picked")


@dataclass
class TeachPage:
    """Up to five groups shown in one message, and which of them were ignored since."""

    guild_id: int | None
    clusters: list[MissCluster]
    start: int  # the number of the first group on the page, from 1
    pages: int  # how many pages the listing had
    ignored: set[int] = field(default_factory=set)


def _reasons(ui: Ui, lang: str, cluster: MissCluster) -> str:
    parts = []
    for kind, count in cluster.reasons:
        name = ui.text(f"kb_miss_{kind}", lang) if kind in MISS_KINDS else kind
        parts.append(f"{name} ×{count}")
    return " · ".join(parts)


def _length(embed: dict[str, Any]) -> int:
    texts = [embed.get("title", ""), embed.get("description", "")]
    texts += [part for f in embed.get("fields", []) for part in (f["name"], f["value"])]
    return sum(len(t) for t in texts)


def _within(embed: dict[str, Any], budget: int) -> dict[str, Any]:
    """Shorten the longest field values until the embed holds at most ``budget`` characters."""
    fields = embed.get("fields", [])
    while _length(embed) > budget and fields:
        longest = max(fields, key=lambda f: len(f["value"]))
        if len(longest["value"]) <= 20:
            break
        excess = _length(embed) - budget
        longest["value"] = truncate(longest["value"], max(20, len(longest["value"]) - excess))
    return embed


def cluster_embed(
    ui: Ui,
    lang: str,
    number: int,
    cluster: MissCluster,
    ignored: bool,
    budget: int = EMBEDS_TOTAL,
) -> dict[str, Any]:
    """One group of missed questions, with what an admin needs to decide."""
    none = ui.text("kb_card_none", lang)
    title = ui.text(
        "kb_cluster_title",
        lang,
        number=number,
        count=cluster.count,
        users=cluster.users,
        languages="/".join(cluster.languages) or "?",
    )
    fields = []
    if cluster.examples[1:]:
        also = "\n".join(f"• {plain(truncate(e, EXAMPLE_SHOWN))}" for e in cluster.examples[1:])
        fields.append({"name": ui.text("kb_cluster_examples", lang), "value": also})
    fields.append(
        {"name": ui.text("kb_cluster_why", lang), "value": _reasons(ui, lang, cluster) or none}
    )
    fields.append(
        {"name": ui.text("kb_cluster_last_seen", lang), "value": f"<t:{int(cluster.last_seen)}:R>"}
    )
    if cluster.picked:
        fields.append({"name": ui.text("kb_cluster_picked", lang), "value": plain(cluster.picked)})
    target = f"{plain(cluster.target[1])} (`{cluster.target[0]}`)" if cluster.target else none
    fields.append({"name": ui.text("kb_cluster_target", lang), "value": target})
    description = f"“{plain(truncate(cluster.representative, QUESTION_SHOWN))}”"
    if ignored:
        description += "\n" + ui.text("kb_cluster_ignored", lang)
    embed = {
        "type": "rich",
        "title": title,
        "description": description,
        "fields": [{**f, "inline": False} for f in fields],
    }
    return _within(fit_embed(embed), budget)


def page_message(ui: Ui, lang: str, token: str, page: TeachPage) -> Outgoing:
    embeds, items = [], []
    budget = EMBEDS_TOTAL // max(1, len(page.clusters))
    for i, cluster in enumerate(page.clusters):
        ignored = i in page.ignored
        data = cluster_embed(ui, lang, page.start + i, cluster, ignored, budget)
        embeds.append(to_embed(data))
        if ignored:
            continue
        arg = f"{token}.{i}"
        if cluster.target is not None:
            label = ui.text("kb_teach_add", lang, entry=cluster.target[1])
            items.append(button("tadd", arg, label, style=discord.ButtonStyle.primary, row=i))
        items.append(button("tpick", arg, ui.text("kb_teach_other", lang), row=i))
        items.append(button("tnew", arg, ui.text("kb_teach_new", lang), row=i))
        items.append(button("tign", arg, ui.text("kb_teach_ignore", lang), row=i))
    number = page.start // PAGE_SIZE + 1
    head = ui.text("kb_teach_header", lang, page=number, pages=page.pages)
    return Outgoing(head, embeds=embeds, view=view(*items) if items else None)


async def show_unanswered(interaction: discord.Interaction, limit: int) -> None:
    bot = bot_of(interaction)
    ui, lang = bot.engine.kb.ui, language(interaction)
    await interaction.response.defer(ephemeral=True, thinking=True)
    guild_id = interaction.guild_id
    clusters = await asyncio.to_thread(bot.analytics.miss_clusters, guild_id, limit=limit)
    if not clusters:
        await Outgoing(ui.text("admin_unanswered_none", lang)).send(interaction)
        return
    pages = math.ceil(len(clusters) / PAGE_SIZE)
    for start in range(0, len(clusters), PAGE_SIZE):
        page = TeachPage(guild_id, list(clusters[start : start + PAGE_SIZE]), start + 1, pages)
        token = sessions_of(bot).put(page)
        await page_message(ui, lang, token, page).send(interaction)


def _chosen(click: Click) -> tuple[str, TeachPage, int, MissCluster]:
    token, _, index = click.arg.rpartition(".")
    page = click.kept(TeachPage, token)
    if not index.isdigit() or int(index) >= len(page.clusters):
        raise Refused("kb_expired")
    return token, page, int(index), page.clusters[int(index)]


def _language(question: str) -> Literal["en", "zh"]:
    return "zh" if has_cjk(question) else "en"


async def _teach(click: Click, cluster: MissCluster, ref: Ref, *, replace: bool) -> None:
    """Preview adding the group's most frequent wording as a phrasing of ``ref``."""
    question = cluster.representative.strip()
    op = AddPhrasing(ref, _language(question), question)
    reason = click.text("kb_reason_teach", count=cluster.count)
    stage = staged_by(click.interaction, [op], reason, "teach")
    await show_preview(click.interaction, stage, replace=replace, examples=cluster.examples)


@on("tadd")
async def add_to_suggested(click: Click) -> None:
    _token, _page, _i, cluster = _chosen(click)
    if cluster.target is None:
        raise Refused("kb_expired")
    await _teach(click, cluster, Ref.parse(cluster.target[0]), replace=False)


@on("tpick")
async def add_to_another(click: Click) -> None:
    """A select of entries, those the matcher finds closest to the question first."""
    _token, _page, _i, cluster = _chosen(click)
    engine = click.bot.engine
    analysis = await asyncio.to_thread(engine.read, cluster.representative)
    near = [f"use_case:{i}" for _s, i in analysis.use_cases]
    near += [f"topic:{i}" for _s, i in analysis.topics]
    labels = {str(ref): label for ref, label in entry_refs(engine.kb, ("use_case", "topic"))}
    order = [r for r in dict.fromkeys([*near, *labels]) if r in labels]
    options = [(labels[r], r) for r in order]
    chooser = select("tto", click.arg, click.text("kb_teach_pick_entry"), options)
    head = click.text("kb_teach_pick_header", question=plain(truncate(cluster.representative, 300)))
    await Outgoing(head, view=view(chooser)).send(click.interaction)


@on("tto")
async def add_to_chosen(click: Click) -> None:
    _token, _page, _i, cluster = _chosen(click)
    if not click.values:
        raise Refused("kb_expired")
    await _teach(click, cluster, Ref.parse(click.values[0]), replace=True)


@on("tnew")
async def new_answer(click: Click) -> None:
    _token, _page, _i, cluster = _chosen(click)
    values = prefill_phrasing(cluster.representative)
    await open_new_form(click.interaction, "topic", values, cluster.examples)


@on("tign")
async def ignore(click: Click) -> None:
    """Hide the group for good (stored per server, also for questions that join it later)."""
    token, page, index, cluster = _chosen(click)
    await click.interaction.response.defer()
    stored = await asyncio.to_thread(
        click.bot.analytics.ignore_cluster,
        cluster.key,
        click.interaction.user.id,
        guild_id=page.guild_id,
    )
    if not stored:
        raise Refused("kb_ignore_failed")
    page.ignored.add(index)
    await page_message(click.ui, click.lang, token, page).replace(click.interaction)
