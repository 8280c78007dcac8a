"""Reverse facts: find the model a stated fact belongs to ("which one was trained on 15T tokens?").

Every stated fact is indexed by its distinctive evidence: the numbers it gives
("15", "16000", "0.15", "80"), the content words of its English text, and the
character pairs of its Chinese text and quotes. Evidence shared by many facts
("model", "支持") weighs little (inverse document frequency over facts), so a
question matches the fact whose *specific* words and figures it repeats.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.kb.schema import KnowledgeBase
from bot.text.normalize import STOPWORDS, bigrams, content_stems, normalize

NUMBER_WEIGHT = 2.0
_THOUSANDS = re.compile(r"\b(\d{1,3})k\b", re.I)
_NUMBER = re.compile(r"(?<![A-Za-z]{3})\d[\d,]*(?:\.\d+)?")  # not the "3" of "python3"
# A hardware or part code ("H100-80GB", "A100-40GB") gives no figure: its "80" is not
# a count the question could repeat.
_CODE = re.compile(r"\b[A-Za-z]+\d+(?:-\d+[A-Za-z]+)+\b")
_YI = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(万)?亿")
_ZH_DIGITS = {ch: n for n, ch in enumerate("一二三四五六七八九十", start=1)} | {"两": 2}
# Chinese numerals before a counter word: "八种语言", "三个月".
_ZH_COUNT = re.compile(r"([一二两三四五六七八九十])(?=[种个款项位家])")
# Small counts are left out: "which one", "of the three" name no figure.
# Small counts are left out: "which one", "of the three" name no figure.
_EN_NUMBERS = {
    word: n for n, word in enumerate("four five six seven eight nine ten".split(), 4)
} | {
    word: 10 * n
    for n, word in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)
}


# Month names as the numbers the Chinese text uses ("May" is "5月").
_MONTHS = {
    name: n
    for n, name in enumerate(
        "january february march april may june july august september october november "
        "december".split(),
        start=1,
    )
}


def numbers(text: str) -> set[str]:
    """Numbers in ``text`` as canonical strings: "16,000" and "16k" -> "16000", "八种" -> "8"."""
    plain = _CODE.sub(" ", text)
    found = {m.group(0).replace(",", "").rstrip(".") for m in _NUMBER.finditer(plain)}
    found |= {str(int(m.group(1)) * 1000) for m in _THOUSANDS.finditer(text)}
    found |= {str(_ZH_DIGITS[m.group(1)]) for m in _ZH_COUNT.finditer(text)}
    words = set(re.findall(r"[a-z]+", text.casefold()))
    found |= {str(n) for w, n in _EN_NUMBERS.items() if w in words}
    # "2360亿" is 236 billion and "15万亿" 15 trillion: the figures the English text gives
    # ("236B", "15T").
    for m in _YI.finditer(plain):
        value = float(m.group(1).replace(",", "")) / (1.0 if m.group(2) else 10.0)
        if value >= 1:  # "1.5亿美元" is no 0.15 of anything
            found.add(f"{value:g}")
    if "half" in words or "一半" in text:
        found.add("50")  # "about half the cost" is the article's "50%"
    found |= {str(n) for month, n in _MONTHS.items() if month in words}
    # "0.60" and "0.6" are one price.
    return {n.rstrip("0").rstrip(".") if "." in n else n for n in found if n}


@dataclass(frozen=True, slots=True)
class FactMatch:
    """A stated fact the question points at, how strongly, and the evidence shared."""

    model: str
    aspect: str
    score: float
    evidence: tuple[str, ...]
    has_number: bool
    numbers: tuple[str, ...] = ()  # the figures shared with the question


class FactIndex:
    """Distinctive evidence of every stated fact of every model."""

    def __init__(
        self,
        kb: KnowledgeBase,
        ignore: set[str],
        ignore_grams: set[str],
        concepts_of: Callable[[str], set[str]] | None = None,
    ) -> None:
        self._ignore = ignore
        self._ignore_grams = ignore_grams
        # The concepts a text mentions ("视觉" and "pictures" are both the vision concept),
        # so a fact matches a question that says the same thing in other words.
        self._concepts_of = concepts_of or (lambda text: set())
        self._terms: dict[tuple[str, str], set[str]] = {}
        df: dict[str, int] = defaultdict(int)
        for model in kb.models.values():
            for fact in model.facts:
                if not fact.stated:
                    continue
                terms = self._fact_terms(
                    fact.text.en, fact.text.zh, [c.quote for c in fact.citations]
                )
                key = (model.id, fact.aspect)
                self._terms[key] = self._terms.get(key, set()) | terms
        for terms in self._terms.values():
            for term in terms:
                df[term] += 1
        total = max(len(self._terms), 1)
        # A figure ("15", "80") is the most specific evidence a question can repeat.
        self._idf = {
            t: math.log((total + 1) / (n + 0.5)) * (NUMBER_WEIGHT if t.startswith("#") else 1.0)
            for t, n in df.items()
        }
        self._by_term: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for key in sorted(self._terms):
            for term in self._terms[key]:
                self._by_term[term].append(key)

    def _fact_terms(self, en: str, zh: str, quotes: list[str]) -> set[str]:
        terms = {f"#{n}" for n in numbers(f"{en} {zh} {' '.join(quotes)}")}
        terms |= {
            s for s in content_stems(normalize(en)) if s not in self._ignore and not s.isdigit()
        }
        for text in (zh, *quotes):
            terms |= {
                f"~{g}"
                for g in bigrams(normalize(text))
                if len(g) == 2 and g not in self._ignore_grams
            }
        for text in (en, zh, *quotes):
            terms |= {f"@{c}" for c in self._concepts_of(text)}
        return terms

    def match(
        self, norm: str, raw: str, concepts: Iterable[str] = (), limit: int = 12
    ) -> list[FactMatch]:
        """The ``limit`` facts sharing the most evidence with the question, best first."""
        q_terms = {f"#{n}" for n in numbers(raw)} | {f"@{c}" for c in concepts}
        q_terms |= {s for s in content_stems(norm) if s not in STOPWORDS}
        q_terms |= {f"~{g}" for g in bigrams(norm) if len(g) == 2}
        scored: dict[tuple[str, str], list[str]] = defaultdict(list)
        for term in sorted(q_terms):
            for key in self._by_term.get(term, ()):
                scored[key].append(term)
        idf = self._idf
        every = sorted(
            ((sum(idf[t] for t in shared), key) for key, shared in scored.items()),
            key=lambda p: (-p[0], p[1]),
        )
        ranked = every[:limit]
        if ranked and all(key[0] == ranked[0][1][0] for _, key in ranked):
            # Keep the best fact of another model: the margin over it decides a reverse fact.
            rival = next((p for p in every[limit:] if p[1][0] != ranked[0][1][0]), None)
            if rival is not None:
                ranked.append(rival)
        return [
            FactMatch(
                model=key[0],
                aspect=key[1],
                score=score,
                evidence=tuple(t.lstrip("#~@") for t in scored[key]),
                has_number=any(t.startswith("#") for t in scored[key]),
                numbers=tuple(t[1:] for t in scored[key] if t.startswith("#")),
            )
            for score, key in ranked
        ]
