"""Spot names shaped like products, models or benchmarks that the knowledge base does not know.

People ask about models the article never names ("Yi-34B", "InternLM2-20B",
"Nemotron-4", "ChatGLM"). Listing them all is impossible, but their shapes are
distinctive: letters with digits or hyphens, CamelCase, or an all-capitals
word that is not an English word. Anything the knowledge base does know (an
alias, a keyword, a concept term) is not reported, nor are sizes ("405B"),
versions ("v2", "3.1") or everyday acronyms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.text.words import english_words

# letters then digits, optionally joined by - or _ and followed by more parts: Yi-34B, GLM-4,
# Qwen2-72B, Phi-3, GSM8K, InternLM2-20B.
_ALNUM = re.compile(r"(?<![\w.-])[A-Za-z][A-Za-z]*[-_]?\d[\w.]*(?:[-_][\w.]+)*(?![\w-])")
# CamelCase words: ChatGLM, MiniMax, HuggingFace.
_CAMEL = re.compile(r"(?<![\w-])[A-Z][a-z]+[A-Z][A-Za-z0-9]*(?![\w-])")
# All capitals, three letters or more: MMLU, ERNIE.
_CAPS = re.compile(r"(?<![\w-])[A-Z]{3,}(?![\w-])")
# Sizes and versions are not names: 405B, 7b, 15T, 8x7B, v2, v2.5.
_NOT_A_NAME = re.compile(
    r"^(?:v?\d[\d.]*|\d+(?:x\d+)?[bkmt]|[a-z]\d{1,2}|h\d{2,3}s?|a\d{2,3}s?)$", re.I
)
# A known word with a version glued on ("python3", "java8").
_VERSIONED = re.compile(r"^([a-z]{3,})\d+$")
# Acronyms that are everyday words in these questions, not products.
COMMON_ACRONYMS = frozenset(
    """ai api apis gpu gpus cpu llm llms moe faq ceo cto cfo usa uk eu pdf sdk ide json html
    css sql php xml csv url urls ui ux ml nlp rag gpt agi asap imo tbh btw fyi lol omg idk
    aws gcp saas b2b b2c mvp crm erp qa kpi roi rtx ram vram ssd os ios gdpr hipaa""".split()
)


@dataclass(frozen=True, slots=True)
class ShapedName:
    """A name-like token the knowledge base does not know, as written.

    ``strong``: letters with digits ("Yi-34B"), almost surely a product or model name.
    CamelCase and all-capitals words ("MiniMax", "RLHF") may as well be terms.
    """

    text: str
    start: int  # character offset in the raw text
    strong: bool


_GENERATION = re.compile(r"v?\d+(?:\.\d+)?")


def _another_generation(key: str, known: int, own: frozenset[str]) -> bool:
    """Whether ``key`` is a known family's name with another version number glued on:
    "qwen3" or "llama4" beside the known "qwen" and "llama" (while "qwen272b" is the
    known "qwen2" with a size, "deepseekv2" the known name itself, and "llama3" the
    known name with a number of its own, ``own``)."""
    rest = key[known:]
    if not rest or not key[known - 1].isalpha() or not _GENERATION.fullmatch(rest):
        return False
    return rest.removeprefix("v") not in own


def name_key(text: str) -> str:
    """The compact lower-case form names are compared in ("C-Eval" -> "ceval")."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def unknown_names(
    raw: str, names: Mapping[str, frozenset[str]], words: frozenset[str]
) -> list[ShapedName]:
    """Name-shaped tokens in ``raw`` that the knowledge base does not know.

    ``names`` maps the compact lower-case forms of known names (aliases) to the version
    numbers their model carries ("3.1", "3" for Llama 3.1); ``words`` holds those of
    known words (keywords, concept terms). A token is known when it is a known word,
    or when it or a prefix of it (four characters or more) is a known name: "Qwen2-72B"
    is the known "qwen2" with a size.
    """
    found: dict[int, ShapedName] = {}
    for pattern in (_ALNUM, _CAMEL, _CAPS):
        strong = pattern is _ALNUM
        for match in pattern.finditer(raw):
            text = match.group(0).strip(".-_")
            if not text or match.start() in found:
                continue
            key = name_key(text)
            if not key or key in COMMON_ACRONYMS or key in words or _NOT_A_NAME.match(text):
                continue
            known = [n for n in range(min(len(key), 4), len(key) + 1) if key[:n] in names]
            longest = max(known, default=0)
            if known and not _another_generation(key, longest, names[key[:longest]]):
                continue
            if text.isalpha() and key in english_words():
                continue
            versioned = _VERSIONED.match(key)
            if versioned and versioned.group(1) in words:
                continue  # "python3": a known word with its version, not a product
            found[match.start()] = ShapedName(text, match.start(), strong)
    return [found[k] for k in sorted(found)]
