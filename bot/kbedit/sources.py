"""Adding a source document and scaffolding a model: the tooled path for admins.

``source_add_ops`` turns an uploaded text and its details into edit operations: the text
stored verbatim as ``sources/<id>.md``, its entry appended to ``sources.yaml`` and its
title's translation to ``glosses.yaml``. They go through the same preview, check, history
and undo as every other edit. ``model_scaffold`` writes a model file to fill in, and
``find_passages`` lists the verbatim passages of a source that hold some words, so a quote
copied from it verifies. Never imports discord.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from bot.kb.quotes import SourceText
from bot.kbedit.ops import ID_PATTERN, Notes
from bot.kbedit.records import KbEditError
from bot.text.normalize import has_cjk

SOURCE_MAX_BYTES = 2 * 1024 * 1024  # a model card is ~30 KB; a whole book is not a source
SOURCES_DIR = "sources"
SOURCE_SUFFIX = ".md"
LANGUAGES = ("en", "zh")


def _q(text: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one)."""
    return json.dumps(text, ensure_ascii=False)


def _append_item(current: bytes | None, file: str, key: str, lines: list[str]) -> bytes:
    """``current`` with ``lines`` (one list item) appended to its top-level list ``key``."""
    if current is None:
        raise KbEditError(f"{file} does not exist; restore it first (kb history {file})")
    text = current.decode("utf-8")
    before = yaml.safe_load(text) or {}
    items = before.get(key) if isinstance(before, dict) else None
    if not isinstance(items, list):
        raise KbEditError(f"{file} has no '{key}' list; fix the file first")
    new = text.rstrip("\n") + "\n" + "\n".join(lines) + "\n"
    after = yaml.safe_load(new)
    if not isinstance(after, dict) or after.get(key, [])[:-1] != items:
        raise KbEditError(
            f"{file}: the '{key}' list must be the last thing in the file to add to it; "
            "move it to the end, or add the entry by hand"
        )
    return new.encode("utf-8")


@dataclass(frozen=True)
class AddSourceFile:
    """Store a source's text verbatim as ``sources/<name>.md`` (a new file only)."""

    file: str
    content: bytes

    def describe(self) -> str:
        return f"store {self.file} ({len(self.content)} bytes, verbatim)"

    def apply(self, current: bytes | None, notes: Notes) -> bytes | None:
        if current is not None and current != self.content:
            raise KbEditError(
                f"{self.file} already exists with other text; a stored source is never "
                "overwritten (quotes are checked against it): choose another --id"
            )
        return self.content


@dataclass(frozen=True)
class AppendItem:
    """Append one entry (already rendered as YAML lines) to a top-level list."""

    file: str
    key: str
    lines: tuple[str, ...]
    what: str

    def describe(self) -> str:
        return self.what

    def apply(self, current: bytes | None, notes: Notes) -> bytes | None:
        return _append_item(current, self.file, self.key, list(self.lines))


@dataclass(frozen=True)
class NewSource:
    """What an admin tells about a source document."""

    id: str
    title: str
    publisher: str
    date: str
    language: str
    url: str | None = None
    cited_as_en: str | None = None
    cited_as_zh: str | None = None
    title_gloss: str | None = None


def _validate(src: NewSource, text: bytes, known_ids: set[str]) -> str:
    if not ID_PATTERN.match(src.id) or len(src.id) > 64:
        raise KbEditError(
            f"'{src.id}' is not a valid source id; use lowercase letters, digits, . _ - "
            "(e.g. meta-llama-3.1-model-card)"
        )
    if src.id in known_ids:
        raise KbEditError(f"source '{src.id}' already exists in sources.yaml; choose another id")
    try:
        date.fromisoformat(src.date)
    except ValueError:
        raise KbEditError(
            f"--date '{src.date}' is not a date; write YYYY-MM-DD, e.g. 2024-07-23"
        ) from None
    if src.language not in LANGUAGES:
        raise KbEditError(f"--language '{src.language}' is not one of: {', '.join(LANGUAGES)}")
    if len(text) > SOURCE_MAX_BYTES:
        raise KbEditError(
            f"the text is {len(text) // 1024} KiB, over the {SOURCE_MAX_BYTES // 1024} KiB "
            "limit for a source; store the part you will quote"
        )
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KbEditError(
            f"the text is not UTF-8 (byte {exc.start}); save it as UTF-8 and add it again"
        ) from None
    if not decoded.strip():
        raise KbEditError("the text is empty; nothing to quote")
    for field, value in (("--title", src.title), ("--publisher", src.publisher)):
        if not value.strip():
            raise KbEditError(f"{field} is empty; give the document's {field[2:]}")
    return decoded


def source_add_ops(
    directory: Path, text: bytes, src: NewSource
) -> list[AddSourceFile | AppendItem]:
    """The operations that store ``text`` verbatim and register it as source ``src``."""
    sources_file = directory / "sources.yaml"
    known: set[str] = set()
    if sources_file.is_file():
        data = yaml.safe_load(sources_file.read_text(encoding="utf-8")) or {}
        known = {str(s.get("id")) for s in data.get("sources") or [] if isinstance(s, dict)}
    _validate(src, text, known)
    file = f"{SOURCES_DIR}/{src.id}{SOURCE_SUFFIX}"
    lines = [
        f"  - id: {src.id}",
        f"    title: {_q(src.title)}",
        f"    publisher: {_q(src.publisher)}",
        f"    date: {src.date}",
        f"    language: {src.language}",
        f"    file: {file}",
        f"    url: {_q(src.url) if src.url else 'null'}",
    ]
    # Answers say "Per {cited_as} ({date}):"; the defaults name the publisher's document.
    cited_en = src.cited_as_en or f"{src.publisher}'s document"
    cited_zh = src.cited_as_zh or f"{src.publisher} 发布的资料"
    lines.append(f"    cited_as: {{en: {_q(cited_en)}, zh: {_q(cited_zh)}}}")
    ops: list[AddSourceFile | AppendItem] = [
        AddSourceFile(file, text),
        AppendItem("sources.yaml", "sources", tuple(lines), f"register source '{src.id}'"),
    ]
    if src.title_gloss:
        other = "zh" if src.language == "en" else "en"
        if (other == "zh") != has_cjk(src.title_gloss):
            raise KbEditError(
                f"--title-gloss must be the title in {'Chinese' if other == 'zh' else 'English'}"
                f" (the source is in {src.language})"
            )
        gloss = (f"  - quote: {_q(src.title)}", f"    {other}: {_q(src.title_gloss)}")
        ops.append(AppendItem("glosses.yaml", "glosses", gloss, "add the title's translation"))
    return ops


SCAFFOLD = """\
# yaml-language-server: $schema=../schema/model.schema.json
#
# {name}: written by `python -m bot kb model new`. Fill in every TODO, then run
# `python -m bot check` (it points at file:line for anything left to fix). Until it passes,
# a running bot keeps serving the last good knowledge.
#
# Quotes must be copied verbatim from the source: `python -m bot kb quote find {source} "words"`
# prints the passages that hold some words, ready to paste. A quote needs a translation
# in glosses.yaml for readers of the other language (`check` says which are missing).
# Aspect ids are those of aspects.yaml; add an aspect there if none fits.

id: {id}
name: {name_q}
vendor: {vendor_q}
aliases:                         # every way people write the name (not generic words)
  - {alias_q}
summary:                         # 2-3 sentences per language: the bot's overview
  en: "TODO: {name} is ..."
  zh: "TODO: {name} 是……"
summary_aspects: []              # aspects whose facts back the summary, e.g. [parameters]
# variants:                      # sizes or editions, if the family has several
#   - id: 7b
#     name: "{name} 7B"
#     aliases: ["{alias} 7b"]
facts:
  - aspect: parameters           # one entry per thing the source states
    # variants: [7b]             # only when the fact is about some variants
    text:
      en: "TODO: one or two sentences saying only what the source says."
      zh: "TODO: 同样内容的中文。"
    citations:
      - source: {source}
        quote: "TODO: paste a passage from kb quote find"
"""


def model_scaffold(model_id: str, name: str, vendor: str, source: str) -> str:
    """A model file to fill in, with every required key and a comment on each."""
    if not ID_PATTERN.match(model_id) or len(model_id) > 64:
        raise KbEditError(
            f"'{model_id}' is not a valid model id; use lowercase letters, digits, . _ - "
            "(e.g. qwen2.5)"
        )
    alias = name.strip().lower() or model_id
    return SCAFFOLD.format(
        id=model_id,
        name=name,
        name_q=_q(name),
        vendor_q=_q(vendor),
        alias=alias,
        alias_q=_q(alias),
        source=source,
    )


def find_passages(text: str, words: str, limit: int = 8) -> list[tuple[float, str, str]]:
    """(score, passage, section) of the source's sentences and table rows holding the
    words, best first; each passage verifies as a quote exactly as returned."""
    return SourceText(text).find(words, limit=limit)


def registered_source_texts(knowledge: Path) -> dict[str, str]:
    """Each registered source's text, read from sources.yaml alone: for ``kb quote find``
    while another file of the knowledge base is still invalid (a scaffold with TODOs)."""
    try:
        data = yaml.safe_load((knowledge / "sources.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    texts: dict[str, str] = {}
    for entry in data.get("sources") or []:
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("file"):
            continue
        try:
            texts[str(entry["id"])] = (knowledge / str(entry["file"])).read_text(encoding="utf-8")
        except OSError:
            continue
    return texts
