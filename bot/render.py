"""Answer -> Discord embed, always within Discord's documented limits.

The layout is built as a plain dict first (easy to test) and then ``fit_embed``
trims it: long texts are cut at a word or sentence boundary with an ellipsis,
surplus fields are dropped, and the 6000-character total is respected, so
Discord never rejects a reply.

Everything shown comes from the :class:`Answer` (its structured parts: intro,
recommendations, note, display names, source details, comparison table, why)
and the bot's own labels from the UI catalogue; the renderer never parses
answer text and never looks into the knowledge base.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord
from discord.utils import escape_markdown, escape_mentions

from bot.engine.answer import Answer, Why
from bot.kb.schema import Ui

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
CONTENT_MAX = 2000
BUTTON_LABEL_MAX = 80

DESCRIPTION_FLOOR = 1000
QUOTE_MAX = 400
SOURCES_BUDGET = 2400  # characters of quotes per embed; the answer keeps the rest
KEEP = "_keep"  # marks fields (the sources) that fit_embed drops last
INLINE_COLUMNS = 3  # Discord shows at most three inline fields per row
ZWSP = "\u200b"

COLOR_ANSWERED = 0x2B8A3E
COLOR_UNSURE = 0xE67700
COLOR_DECLINED = 0x868E96


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters at a natural break, ending with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    cut = text[: limit - 1]
    for sep in ("\n", "。", ". ", "；", "; ", "，", ", ", " "):
        pos = cut.rfind(sep)
        if pos >= limit * 0.6:
            cut = cut[: pos + len(sep)]
            break
    return cut.rstrip() + "…"


def plain(text: str) -> str:
    """Text that may come from a user, shown literally: no markdown, no mentions."""
    return escape_mentions(escape_markdown(text))


def _embed_length(data: dict[str, Any]) -> int:
    total = len(data.get("title", "")) + len(data.get("description", ""))
    total += len(data.get("footer", {}).get("text", ""))
    total += len(data.get("author", {}).get("name", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in data.get("fields", []))
    return total


def fit_embed(data: dict[str, Any]) -> dict[str, Any]:
    """Trim an embed dict so it satisfies every Discord embed limit."""
    out = dict(data)
    if "title" in out:
        out["title"] = truncate(out["title"], TITLE_MAX)
    if "description" in out:
        out["description"] = truncate(out["description"], DESCRIPTION_MAX)
    if "footer" in out:
        out["footer"] = {**out["footer"], "text": truncate(out["footer"]["text"], FOOTER_MAX)}
    if "author" in out:
        out["author"] = {**out["author"], "name": truncate(out["author"]["name"], AUTHOR_MAX)}
    fields = [
        {
            **f,
            "name": truncate(f["name"] or ZWSP, FIELD_NAME_MAX),
            "value": truncate(f["value"] or ZWSP, FIELD_VALUE_MAX),
        }
        for f in out.get("fields", [])
    ][:FIELDS_MAX]
    out["fields"] = fields
    # Over the total: shorten a long description first (sources matter more than a very
    # long summary), then drop trailing fields that are not sources, then anything.
    excess = _embed_length(out) - EMBED_TOTAL_MAX
    if excess > 0 and len(out.get("description", "")) > DESCRIPTION_FLOOR:
        keep = max(DESCRIPTION_FLOOR, len(out["description"]) - excess)
        out["description"] = truncate(out["description"], keep)
    for keep_sources in (True, False):
        i = len(out["fields"]) - 1
        while _embed_length(out) > EMBED_TOTAL_MAX and i >= 0:
            if not (keep_sources and out["fields"][i].get(KEEP)):
                del out["fields"][i]
            i -= 1
    excess = _embed_length(out) - EMBED_TOTAL_MAX
    if excess > 0 and out.get("description"):
        keep = max(1, len(out["description"]) - excess)
        out["description"] = truncate(out["description"], keep)
    for f in out["fields"]:
        f.pop(KEEP, None)
    if not out["fields"]:
        del out["fields"]
    return out


def source_lines(ans: Answer) -> str:
    """One line per cited source: title, publisher and date."""
    lines = []
    for source_id in dict.fromkeys(c.source for c in ans.citations):
        info = ans.sources.get(source_id)
        if info is None:
            lines.append(source_id)
            continue
        title = f"{info.title} ({info.title_gloss})" if info.title_gloss else info.title
        lines.append(f"📄 {title} — {info.publisher}, {info.date}")
    return "\n".join(lines)


def _citation_entry(ans: Answer, ui: Ui, position: int) -> str:
    citation = ans.citations[position - 1]
    entry = f"[{position}] “{truncate(citation.quote, QUOTE_MAX)}”"
    # The verbatim quote always comes first; a quote from a source in the other language
    # adds its gloss in the answer's language, marked as a translation.
    if citation.gloss:
        mark = ui.text("translation_mark", ans.language)
        entry += f"\n{mark} {truncate(citation.gloss, QUOTE_MAX)}"
    section = citation.section
    if citation.section_gloss:
        section = f"{section} ({citation.section_gloss})"
    return f"{entry}\n— {truncate(section, 120)}"


def citation_fields(ans: Answer, ui: Ui) -> list[dict[str, Any]]:
    """The quoted passages, packed into 1024-character fields within a fixed budget.

    The budget keeps room for the answer itself; quotes past it are counted, not shown
    (every quote is still in the JSON answer and ``/sources``).
    """
    if not ans.citations:
        return []
    lang = ans.language
    header = source_lines(ans)
    entries = [_citation_entry(ans, ui, i) for i in range(1, len(ans.citations) + 1)]
    values: list[str] = []
    current, used, shown = header, len(header), 0
    for entry in entries:
        if used + len(entry) + 1 > SOURCES_BUDGET:
            break
        if len(current) + len(entry) + 1 > FIELD_VALUE_MAX:
            values.append(current)
            current = entry
        else:
            current = f"{current}\n{entry}"
        used += len(entry) + 1
        shown += 1
    hidden = len(entries) - shown
    if hidden:
        note = ui.text("more_quotes", lang, count=hidden)
        current = f"{current}\n{note}" if len(current) + len(note) < FIELD_VALUE_MAX else current
    values.append(current)
    return [
        {
            "name": ui.text("label_sources_more" if i else "label_sources", lang),
            "value": v,
            "inline": False,
            KEEP: True,
        }
        for i, v in enumerate(values)
    ]


def embed_title(ans: Answer, ui: Ui) -> str:
    """The knowledge base's title for the answer, or the catalogue's for its outcome.

    Never the question: a title is markdown-free text the bot chose, so nobody can put
    links, headings or mentions into the bot's reply by asking.
    """
    if ans.title:
        return ans.title
    if ans.answered:
        return ui.text("title_default", ans.language)
    return ui.text("title_unsure" if ans.suggestions else "title_declined", ans.language)


def _color(ans: Answer) -> int:
    if ans.answered:
        return COLOR_ANSWERED
    return COLOR_UNSURE if ans.suggestions else COLOR_DECLINED


def _footer(ans: Answer, ui: Ui) -> dict[str, str]:
    label = ui.text("label_confidence", ans.language)
    return {"text": f"{label}: {ans.confidence:.0%} · {ans.intent or '?'} · kb {ans.kb_version}"}


def _recommendation_fields(ans: Answer) -> list[dict[str, Any]]:
    return [
        {"name": f"{i}. {ans.model_name(rec.model)}", "value": rec.reason, "inline": False}
        for i, rec in enumerate(ans.recommendations, start=1)
    ]


def _intro_and_note(ans: Answer) -> str:
    return "\n\n".join(part for part in (ans.intro, ans.note) if part)


def answer_embed_dict(
    ans: Answer, ui: Ui, extra_fields: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """The embed for an answer, as a Discord embed JSON object.

    ``extra_fields`` (the front end's own, e.g. /sources coverage) go before the sources.
    """
    sources = citation_fields(ans, ui)
    fields: list[dict[str, Any]] = []
    description = ans.answer
    if ans.recommendations:
        description = _intro_and_note(ans) or ans.answer
        fields += _recommendation_fields(ans)
    if ans.suggestions:
        fields.append(
            {
                "name": ui.text("label_did_you_mean", ans.language),
                "value": "\n".join(f"• {plain(s)}" for s in ans.suggestions),
                "inline": False,
            }
        )
    fields += list(extra_fields)
    if ans.recommendations and ans.table:
        # "Llama or Mistral for coding?": the ranking, then their strengths side by side.
        fields += _table_fields(ans, ui, room=FIELDS_MAX - len(fields) - len(sources))
    data: dict[str, Any] = {
        "type": "rich",
        "title": embed_title(ans, ui),
        "description": description,
        "color": _color(ans),
        "fields": fields + sources,
    }
    data["footer"] = _footer(ans, ui)
    return fit_embed(data)


def _source_marks(positions: list[int]) -> str:
    """ " [1][3]": which numbered quotes in the Sources field back a cell."""
    return (" " + "".join(f"[{i}]" for i in positions)) if positions else ""


def _aspect_label(ans: Answer, aspect: str) -> str:
    name = ans.aspect_names.get(aspect, aspect)
    return name if ans.language == "zh" else name[:1].upper() + name[1:]


def _table_fields(ans: Answer, ui: Ui, room: int) -> list[dict[str, Any]]:
    """The comparison table: one inline column per model and one row per aspect when all
    rows fit in ``room`` fields, otherwise one field per aspect (no aspect is dropped)."""
    models = list(ans.table)
    aspects = list(next(iter(ans.table.values()), {}))
    per_row = len(models) + (-len(models)) % INLINE_COLUMNS
    fields: list[dict[str, Any]] = []
    for aspect in aspects:
        label = _aspect_label(ans, aspect)
        if per_row * len(aspects) > room:
            lines = []
            for model_id in models:
                cell = ans.table[model_id][aspect]
                mark = "" if cell.stated else "⚠️ "
                refs = _source_marks(cell.sources)
                lines.append(f"**{ans.model_name(model_id)}**: {mark}{cell.text}{refs}")
            fields.append({"name": label, "value": "\n".join(lines), "inline": False})
            continue
        for model_id in models:
            cell = ans.table[model_id][aspect]
            text = cell.text if cell.stated else f"⚠️ {cell.text}"
            fields.append(
                {
                    "name": f"{ans.model_name(model_id)} · {label}",
                    "value": (text + _source_marks(cell.sources))
                    or ui.text("label_not_stated", ans.language),
                    "inline": True,
                }
            )
        fields += [{"name": ZWSP, "value": ZWSP, "inline": True}] * (per_row - len(models))
    return fields


def compare_embed_dict(ans: Answer, ui: Ui) -> dict[str, Any]:
    """Side by side: one inline column per model, one row per aspect, then the sources."""
    sources = citation_fields(ans, ui)
    head = _recommendation_fields(ans)
    table = _table_fields(ans, ui, room=FIELDS_MAX - len(sources) - len(head))
    data: dict[str, Any] = {
        "type": "rich",
        "title": embed_title(ans, ui),
        "description": _intro_and_note(ans) or ans.answer,
        "color": _color(ans),
        "fields": head + table + sources,
        "footer": _footer(ans, ui),
    }
    return fit_embed(data)


def _rule_line(why: Why) -> str:
    """ "`fact_named` — one model and one aspect": the rule's name as code, then what it means."""
    if not why.rule:
        return ""
    summary = f" — {plain(why.summary)}" if why.summary else ""
    return f"`{why.rule}`{summary}"


def why_embed_dict(why: Why, ui: Ui, lang: str) -> dict[str, Any]:
    """ "Why this answer?": the rule that decided, its evidence, and what came second."""
    nothing = ui.text("why_nothing", lang)
    evidence = "\n".join(f"• {plain(item)}" for item in why.evidence) or nothing
    fields = [
        {"name": ui.text("why_rule", lang), "value": _rule_line(why) or nothing, "inline": False},
        {"name": ui.text("why_evidence", lang), "value": evidence, "inline": False},
        {
            "name": ui.text("why_runner_up", lang),
            "value": plain(why.runner_up or "") or nothing,
            "inline": False,
        },
    ]
    return fit_embed({"type": "rich", "title": ui.text("why_title", lang), "fields": fields})


def to_embed(data: dict[str, Any]) -> discord.Embed:
    return discord.Embed.from_dict(data)


def button_label(text: str) -> str:
    return truncate(text, BUTTON_LABEL_MAX)
