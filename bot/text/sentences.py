"""Split a message into sentences and tell which of them ask something.

Discord messages often carry several sentences of context before the actual
question ("we're a small agency ... which model would help us most?"). The
matcher judges the question by the sentences that ask, and uses the others
as background, so context never dilutes the question.

Splitting is linear in the input and never breaks "3.1", "e.g." or "v2.5".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text.normalize import A_NOT_A

# A sentence ends at ! ? (either width), a Chinese full stop, semicolon or comma (Chinese
# runs clauses of context and the question together with commas), a newline, or a Latin
# full stop followed by a space or the end (so "3.1", "gpt-4o.mini" and "tl;dr" survive).
_BOUNDARY = re.compile(r"[!?！？；。，\n]+|\.(?=\s|$)")
_ASK_END = re.compile(r"[?？]\s*$")
# Words that open a question or a request in English.
_EN_OPENERS = frozenset(
    """which what whats what's how hows who whos whom whose when where why is are was were
    do does did can could should would will shall may might any anything tell give show
    compare recommend suggest explain list name pick choose help need want lmk wich wat wut
    wht hw whats""".split()
)
_EN_REQUEST = re.compile(
    r"\b(which|recommend|suggest|should i|would you|do you|can you|tell me|any (?:idea|tips)|"
    r"what(?:'s| is| are| about)|how (?:much|many|big|good|fast|does|do|is|are)|vs\.?|versus|"
    r"compare|comparison|difference|better|best|pick|choose|wich|pls|plz|please|lmk)\b"
)
# Chinese question particles and interrogatives, and the A-not-A question ("贵不贵",
# "值不值得", "能不能", "有没有").
_ZH_ASK = re.compile(
    r"[吗呢嘛么？]|哪|谁|什么|啥|怎么|咋|多少|几|是否|能否|可否|有没有|是不是|会不会|推荐|"
    r"介绍|对比|比较|区别|选|求|请问|如何|" + A_NOT_A
)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a message: its text, where it starts, and whether it asks."""

    text: str
    start: int
    asks: bool


def _asks(text: str) -> bool:
    if _ASK_END.search(text):
        return True
    stripped = text.strip().casefold()
    first = stripped.split(" ", 1)[0] if stripped else ""
    if first in _EN_OPENERS or _EN_REQUEST.search(stripped):
        return True
    return _ZH_ASK.search(stripped) is not None


def split_sentences(text: str) -> list[Sentence]:
    """The message's sentences in order; a message with no boundary is one sentence."""
    out: list[Sentence] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        piece = text[start:end]
        if piece.strip():
            out.append(Sentence(piece.strip(), start, _asks(piece)))
        start = end
    tail = text[start:]
    if tail.strip():
        out.append(Sentence(tail.strip(), start, _asks(tail)))
    return out


def focus(sentences: list[Sentence]) -> list[int]:
    """Indexes of the sentences that carry the question.

    The asking sentences, when there are any; otherwise the whole message (a statement
    such as "need a cheap model for my chatbot" is itself the request).
    """
    asking = [i for i, s in enumerate(sentences) if s.asks]
    return asking or list(range(len(sentences)))
