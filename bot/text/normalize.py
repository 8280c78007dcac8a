"""Text normalisation shared by the knowledge checks and the matcher.

``normalize`` turns a raw Discord message into a canonical form: NFKC
(full-width to half-width), case-folded, with mentions, markdown, links and
emoji removed and punctuation runs collapsed. ``tokens`` splits Latin words
and digits; Chinese is handled by substring and character-bigram matching,
because it has no spaces between words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache, wraps
from pathlib import Path
from typing import TypeVar

_R = TypeVar("_R")

# Memoised functions keep only short inputs: knowledge-base phrases and the words of a
# question repeat, whole messages rarely do, and 4,096 cached 4,000-character messages
# (with their token tuples) would hold hundreds of MB in a long-running bot.
MEMO_MAX_CHARS = 200


def memo_short(maxsize: int) -> Callable[[Callable[[str], _R]], Callable[[str], _R]]:
    """Like ``lru_cache(maxsize)`` for a one-string function, skipping long strings."""

    def decorate(fn: Callable[[str], _R]) -> Callable[[str], _R]:
        cached = lru_cache(maxsize=maxsize)(fn)

        @wraps(fn)
        def call(text: str) -> _R:
            return cached(text) if len(text) <= MEMO_MAX_CHARS else fn(text)

        call.cache_info = cached.cache_info  # type: ignore[attr-defined]
        return call

    return decorate


_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|<a?:\w+:\d+>|@(?:everyone|here)\b")
_URL = re.compile(r"https?://\S+")
_MARKDOWN = re.compile(r"[*_~`|>]+")
_PUNCT_RUN = re.compile(r"([!?.,;:，。！？、；：…])[!?.,;:，。！？、；：…\s]*")
_WS = re.compile(r"\s+")
_TOKEN = re.compile(r"[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")  # Han only: Korean is not Chinese
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_NON_WORD = re.compile(r"[^a-z0-9\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _is_emoji(ch: str) -> bool:
    cat = unicodedata.category(ch)
    # Symbols (So) cover emoji and pictographs; Mn/Cf cover variation selectors and ZWJ.
    return cat == "So" or ch in "\ufe0f\u200d\u20e3" or 0x1F3FB <= ord(ch) <= 0x1F3FF


# Characters that may be emoji: neither ASCII nor a Han ideograph (letters, never symbols).
_MAYBE_EMOJI = re.compile(r"[^\x00-\x7f\u3400-\u4dbf\u4e00-\u9fff]")


def _blank_emoji(found: re.Match[str]) -> str:
    return " " if _is_emoji(found.group()) else found.group()


def _one_mark_and_space(found: re.Match[str]) -> str:
    # A function, not the template r"\1 ": templates are expanded in Python per match.
    return found.group(1) + " "


def _strip_emoji(text: str) -> str:
    if text.isascii():
        return text
    return _MAYBE_EMOJI.sub(_blank_emoji, text)


def _traditional_to_simplified() -> dict[str, str]:
    """Traditional Chinese characters -> simplified ("們" -> "们"), from bot/text/data/t2s.txt
    (pairs of characters; regenerate with scripts/make_t2s.py)."""
    pairs = (Path(__file__).parent / "data" / "t2s.txt").read_text(encoding="utf-8")
    return {pairs[i]: pairs[i + 1] for i in range(0, len(pairs) - 1, 2)}


# Colloquial Chinese with a standard equivalent ("啥时候" -> "什么时候"), and traditional
# characters read as simplified ones, so 這個模型多少錢 matches like 这个模型多少钱.
_ZH_COLLOQUIAL = str.maketrans(
    {**_traditional_to_simplified(), "啥": "什么", "咋": "怎么", "俺": "我"}
)
# The A-not-A question ("贵不贵", "能不能", "有没有") asks whether A: read as A, so that its
# "不贵" is not read as "not expensive".
A_NOT_A = r"(?P<a_not_a>[\u4e00-\u9fff])[不没沒](?P=a_not_a)"
_ZH_A_NOT_A = re.compile(A_NOT_A)
# Chat shorthand with a standard spelling ("wht can u do", "tell me abt it pls").
_EN_SHORTHAND = {
    "wht": "what",
    "wat": "what",
    "wut": "what",
    "abt": "about",
    "smth": "something",
    "sth": "something",
    "thx": "thanks",
    "tnx": "thanks",
    "u": "you",
    "ur": "your",
    "r": "are",
    "m8": "mate",
    "b4": "before",
    "bc": "because",
    "cuz": "because",
    "idk": "i don't know",
    "w/": "with",
    "w/o": "without",
    "pls": "please",
    "plz": "please",
    "recs": "recommendations",
}
_SHORTHAND = re.compile(
    r"(?<![\w/])("
    + "|".join(re.escape(k) for k in sorted(_EN_SHORTHAND, key=len, reverse=True))
    + r")(?![\w/])"
)


@memo_short(4096)
def normalize(text: str) -> str:
    """Canonical form of a question or phrase for matching (memoised: knowledge-base
    phrases are normalised many times while the indexes are built)."""
    text = unicodedata.normalize("NFKC", text).translate(_ZH_COLLOQUIAL)
    if "不" in text or "没" in text:
        text = _ZH_A_NOT_A.sub(r"\g<a_not_a>", text)
    if "<" in text or "@" in text:
        text = _MENTION.sub(" ", text)
    if "://" in text:
        text = _URL.sub(" ", text)
    text = text.casefold()
    text = _SHORTHAND.sub(lambda m: _EN_SHORTHAND[m.group(1)], text)
    text = _strip_emoji(text)
    text = _MARKDOWN.sub(" ", text)
    text = _PUNCT_RUN.sub(_one_mark_and_space, text)
    return _WS.sub(" ", text).strip()


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


@memo_short(4096)
def tokens(text: str) -> tuple[str, ...]:
    """Latin/digit tokens of already-normalised text ("gpt-4o mini" -> gpt, 4o, mini)."""
    return tuple(_TOKEN.findall(text))


def compact(text: str) -> str:
    """Letters, digits and CJK only: "GPT-4o mini" -> "gpt4omini"."""
    return squash(normalize(text))


def squash(norm: str) -> str:
    """``compact`` of text that ``normalize`` already returned (it is idempotent), without
    normalising a long message a second time."""
    return _NON_WORD.sub("", norm)


def cjk_runs(text: str) -> list[str]:
    return _CJK_RUN.findall(text)


def bigrams(text: str) -> set[str]:
    """Character bigrams of the Chinese parts of ``text``."""
    grams: set[str] = set()
    for run in cjk_runs(text):
        if len(run) == 1:
            grams.add(run)
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams


# Very small English stemmer: enough to make "debugging" meet "debug" and
# "bugs" meet "bug" without pulling in a stemming library.
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ers", "ed", "es", "er", "ly", "s")


@memo_short(8192)
def stem(word: str) -> str:
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if suffix == "ies":
                return base + "y"
            if suffix == "es" and not base.endswith(("s", "x", "z", "ch", "sh")):
                base = word[:-1]  # "phones" -> "phone", but "fixes" -> "fix"
            # "debugging" -> "debugg" -> "debug"
            if len(base) >= 2 and base[-1] == base[-2] and base[-1] not in "ls":
                base = base[:-1]
            return base
    return word


# The last line holds what is left of "aren't", "doesn't" once the apostrophe splits it:
# function words, never typos of a term ("aren" is not "arena").
# "m", "re", "ve", "ll", "d": what is left of "i'm", "we're", "i've", "we'll", "i'd".
_STOPWORD_TEXT = """
a an the is are was were be been being am do does did doing have has had having i me my we our
you your he she it its they them their this that these those what which who whom whose when
where why how can could should would will shall may might must to of in on at by for with about
from into over under again further then once here there all any both each few more most other
some such no nor not only same so than too very s t just don now and or but if as until
while up down out off please tell show give let know want wanna need like get got use using used
ok okay hey yo guys bro pls plz thanks thank u ur im something anything thing stuff one ones
really actually currently rn lol gonna gotta kinda whats wat wats hows whos whys bot
aren isn doesn didn wasn weren hasn hadn couldn wouldn shouldn mustn ain
m re ve ll d
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def content_stems(text: str) -> list[str]:
    """Stems of the non-stopword tokens of normalised ``text``."""
    return [s for t in tokens(text) if t not in STOPWORDS and (s := stem(t)) not in STOPWORDS]
