"""Answer -> Discord embed, always within Discord's documented limits.

The layout is built as a plain dict first (easy to test, no discord
import needed) and then ``fit_embed`` trims it: long texts are cut at a
word or sentence boundary with an ellipsis, surplus fields are dropped, and
the 6000-character total is respected, so Discord never rejects a reply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.engine.answer import Answer
from bot.kb.schema import KnowledgeBase

if TYPE_CHECKING:
    import discord

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

COLOR_ANSWERED = 0x2B8A3E
COLOR_UNSURE = 0xE67700
COLOR_DECLINED = 0x868E96

LABELS = {
    "en": {
        "sources": "Sources",
        "more": "Sources (cont.)",
        "confidence": "Confidence",
        "recommend": "Recommendation",
        "not_stated": "not stated in the article",
        "did_you_mean": "Did you mean…",
    },
    "zh": {
        "sources": "来源",
        "more": "来源（续）",
        "confidence": "置信度",
        "recommend": "推荐",
        "not_stated": "文章未说明",
        "did_you_mean": "你是不是想问…",
    },
}


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
            "name": truncate(f["name"] or "\u200b", FIELD_NAME_MAX),
            "value": truncate(f["value"] or "\u200b", FIELD_VALUE_MAX),
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


def source_line(kb: KnowledgeBase, source_id: str) -> str:
    src = kb.sources.get(source_id)
    if src is None:
        return source_id
    return f"📄 {src.title} — {src.publisher}, {src.date.isoformat()}"


def citation_fields(ans: Answer, kb: KnowledgeBase) -> list[dict[str, Any]]:
    """The quoted passages, packed into 1024-character fields within a fixed budget.

    The budget keeps room for the answer itself; quotes past it are counted, not shown
    (every quote is still in the JSON answer and ``/sources``).
    """
    labels = LABELS[ans.language]
    if not ans.citations:
        return []
    header = "\n".join(dict.fromkeys(source_line(kb, c.source) for c in ans.citations))
    entries = [
        f"[{i}] “{truncate(c.quote, QUOTE_MAX)}”\n— {truncate(c.section, 120)}"
        for i, c in enumerate(ans.citations, start=1)
    ]
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
        note = f"(+{hidden} 处引用)" if ans.language == "zh" else f"(+{hidden} more quotes)"
        current = f"{current}\n{note}" if len(current) + len(note) < FIELD_VALUE_MAX else current
    values.append(current)
    return [
        {
            "name": labels["more"] if i else labels["sources"],
            "value": v,
            "inline": False,
            KEEP: True,
        }
        for i, v in enumerate(values)
    ]


def answer_embed_dict(ans: Answer, kb: KnowledgeBase) -> dict[str, Any]:
    """The embed for an answer, as a Discord embed JSON object."""
    labels = LABELS[ans.language]
    color = (
        COLOR_ANSWERED if ans.answered else (COLOR_UNSURE if ans.suggestions else COLOR_DECLINED)
    )
    data: dict[str, Any] = {
        "type": "rich",
        "title": ans.title or ans.question or "LLM guide",
        "description": ans.answer,
        "color": color,
        "fields": [],
    }
    if ans.recommendations:
        data["description"] = ans.answer.split("\n", 1)[0]
        for i, rec in enumerate(ans.recommendations, start=1):
            data["fields"].append(
                {"name": f"{i}. {kb.models[rec.model].name}", "value": rec.reason, "inline": False}
            )
        note = ans.answer.split("\n")[1 + len(ans.recommendations) :]
        if note:
            data["description"] += "\n\n" + "\n".join(note)
    if ans.suggestions:
        data["fields"].append(
            {
                "name": labels["did_you_mean"],
                "value": "\n".join(f"• {s}" for s in ans.suggestions),
                "inline": False,
            }
        )
    data["fields"].extend(citation_fields(ans, kb))
    data["footer"] = {
        "text": f"{labels['confidence']}: {ans.confidence:.0%} · "
        f"{ans.intent or '?'} · kb {kb.version}"
    }
    return fit_embed(data)


def _source_marks(positions: list[int]) -> str:
    """ " [1][3]": which numbered quotes in the Sources field back a cell."""
    return (" " + "".join(f"[{i}]" for i in positions)) if positions else ""


def compare_embed_dict(ans: Answer, kb: KnowledgeBase) -> dict[str, Any]:
    """Side by side: one inline column per model, one row per aspect."""
    labels = LABELS[ans.language]
    models = list(ans.table)
    aspects = list(next(iter(ans.table.values()), {}))
    columns = 3  # Discord shows at most three inline fields per row
    sources = citation_fields(ans, kb)
    per_row = len(models) + (-len(models)) % columns
    # Side by side only when every row fits; otherwise one field per aspect, so no aspect
    # is ever dropped to respect the 25-field limit.
    side_by_side = per_row * len(aspects) + len(sources) <= FIELDS_MAX
    fields: list[dict[str, Any]] = []
    for aspect in aspects:
        name = kb.aspects[aspect].name
        aspect_name = name.zh if ans.language == "zh" else name.en[:1].upper() + name.en[1:]
        if not side_by_side:
            lines = []
            for model_id in models:
                cell = ans.table[model_id][aspect]
                mark = "" if cell.stated else "⚠️ "
                refs = _source_marks(cell.sources)
                lines.append(f"**{kb.models[model_id].name}**: {mark}{cell.text}{refs}")
            fields.append({"name": aspect_name, "value": "\n".join(lines), "inline": False})
            continue
        for model_id in models:
            cell = ans.table[model_id][aspect]
            text = cell.text if cell.stated else f"⚠️ {cell.text}"
            text += _source_marks(cell.sources)
            fields.append(
                {
                    "name": f"{kb.models[model_id].name} · {aspect_name}",
                    "value": text or labels["not_stated"],
                    "inline": True,
                }
            )
        for _ in range((-len(models)) % columns):
            fields.append({"name": "\u200b", "value": "\u200b", "inline": True})
    data: dict[str, Any] = {
        "type": "rich",
        "title": ans.title,
        "description": ans.answer.split("\n", 1)[0],
        "color": COLOR_ANSWERED,
        "fields": fields + sources,
        "footer": {
            "text": f"{labels['confidence']}: {ans.confidence:.0%} · compare · kb {kb.version}"
        },
    }
    return fit_embed(data)


def to_embed(data: dict[str, Any]) -> discord.Embed:
    import discord

    return discord.Embed.from_dict(data)


def button_label(text: str) -> str:
    return truncate(text, BUTTON_LABEL_MAX)
