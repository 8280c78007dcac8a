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

from bot.text.normalize import A_NOT_A, normalize

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
    if not asking:
        return list(range(len(sentences)))
    # "开源和闭源之争，文章怎么看？": a short question that only asks for the take on what the
    # clause before it names asks about that clause too.
    out: list[int] = []
    for i in asking:
        if i > 0 and i - 1 not in asking and _asks_of_before(sentences[i].text):
            out.append(i - 1)
        out.append(i)
    return out


# "文章怎么看？", "作者怎么说", "what's the article's take?": the take on something said before.
_TAKE_ON_IT = re.compile(
    r"^(?:那|那么)?(?:文章|作者|原文|文中|它|他们)?(?:是)?(?:怎么看|怎么说|怎么讲|咋看|咋说|如何看|"
    r"怎么评价|如何评价|说了什么|说了啥|讲了什么|讲了啥|有什么看法|什么看法|怎么写的)[的呢吗啊呀]?[?？]?$"
    r"|^(?:so )?what(?:'s| is| does) (?:the article(?:'s)?|the author(?:'s)?|it) "
    r"(?:take|say|think|view)(?: on it| about it)?\s*[?]?$"
)


def _asks_of_before(text: str) -> bool:
    return _TAKE_ON_IT.search(normalize(text).strip()) is not None
