"""Find cue words, aspect keywords, concept terms and topic keywords in a question.

A term is a short phrase from the knowledge base ("which model", "snappy",
"within a second", "选哪个"). Latin terms match a run of question tokens in
order, where each token may be an inflected form ("debugging" for "debug") or
a typo ("mdoel" for "model") of the term's word; Chinese terms match as
substrings. Morphology and typos are the matcher's job, so the knowledge base
lists each word once.

Cost is linear in the question: each token is resolved to the term words it
could be once (memoised), and only terms that start with one of those words
are tried at that position.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from bot.text.normalize import STOPWORDS, compact, has_cjk, normalize, stem, tokens
from bot.text.words import derivation_clash, english_words, is_typo_of, same_word

# A word with a version glued on: "python3", "java8", "vue3" (three letters or more, so
# product codes such as "h100" or "v2" are left alone).
_VERSIONED = re.compile(r"^([a-z]{3,})\d+(?:\.\d+)*$")
_TOKEN_CACHE_MAX = 20_000
_TOKEN_CACHE_CHARS = 40  # longer "words" are noise (a pasted hash, a key mash): not kept


@dataclass(frozen=True, slots=True)
class Term:
    """One phrase to look for: what it stands for (kind, ref) and its words."""

    kind: str  # "aspect" | "concept" | "topic" | "cue:<name>" | ...
    ref: str
    text: str  # as written in the knowledge base
    words: tuple[str, ...]  # Latin tokens; empty for Chinese terms
    cjk: str = ""  # compact form of a Chinese term
    origin: str = ""  # where the knowledge base lists it, e.g. "concept low_latency"


@dataclass(frozen=True, slots=True)
class LexHit:
    """A term found in the question; ``start``/``end`` are token positions."""

    term: Term
    start: int
    end: int
    exact: bool  # every word matched as written (no inflection or typo)

    @property
    def kind(self) -> str:
        return self.term.kind

    @property
    def ref(self) -> str:
        return self.term.ref


class Lexicon:
    """All terms of one knowledge base, indexed by their first word."""

    def __init__(self) -> None:
        self._by_first: dict[str, list[Term]] = defaultdict(list)
        self._cjk_by_first: dict[str, list[Term]] = defaultdict(list)
        self._words: set[str] = set()
        self._by_stem: dict[str, set[str]] = defaultdict(set)
        self._by_prefix: dict[str, set[str]] = defaultdict(set)  # first 3 letters -> words
        self._by_initial: dict[str, set[str]] = defaultdict(set)  # first letter -> words
        self._cache: dict[str, tuple[str, ...]] = {}
        self._single_words: set[str] = set()  # words that are a whole term on their own
        self.terms: list[Term] = []

    def add(self, kind: str, ref: str, phrase: str, origin: str = "") -> None:
        norm = normalize(phrase)
        if not norm:
            return
        if has_cjk(norm):
            text = compact(norm)
            term = Term(kind, ref, phrase, (), text, origin)
            self._cjk_by_first[text[0]].append(term)
            self.terms.append(term)
            return
        words = tokens(norm)
        if not words:
            return
        if len(words) == 2 and all(w.isalpha() and len(w) >= 3 for w in words):
            # "fine-tune" is also written "finetune", "use case" "usecase"; not when the
            # joined form is a word of its own ("any one" is not "anyone").
            joined = "".join(words)
            if len(joined) >= 6 and joined not in english_words():
                self._add_words(Term(kind, ref, phrase, (joined,), "", origin))
        self._add_words(Term(kind, ref, phrase, words, "", origin))

    def _add_words(self, term: Term) -> None:
        words = term.words
        if len(words) == 1:
            self._single_words.add(words[0])
        self._by_first[words[0]].append(term)
        self.terms.append(term)
        for word in words:
            if word not in self._words:
                self._words.add(word)
                self._by_stem[stem(word)].add(word)
                self._by_prefix[word[:3]].add(word)
                self._by_initial[word[:1]].add(word)
        self._cache.clear()

    def known_word(self, token: str) -> bool:
        """Whether ``token`` is, or is a form or typo of, a one-word term.

        A word of a longer term ("live" of "live chat") is known only where the whole
        term matches, which ``find`` reports.
        """
        return any(word in self._single_words for word in self.forms(token))

    def forms(self, token: str) -> tuple[str, ...]:
        """The term words ``token`` may stand for: itself, an inflection, or a typo."""
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        found: list[str] = []
        if token in self._words:
            found.append(token)
        if token in STOPWORDS or len(token) < 3:
            # Function words ("the", "it") match only as written: "the" is not "they".
            result = tuple(found)
            self._cache[token] = result
            return result
        token_stem = stem(token)
        for word in sorted(self._by_stem.get(token_stem, ())):
            if word not in found and not derivation_clash(token, word):
                found.append(word)
        if len(token_stem) >= 3:
            for word in sorted(self._by_prefix.get(token[:3], ())):
                if (
                    word not in found
                    and same_word(token_stem, stem(word))
                    and not derivation_clash(token, word)  # "city" is not "citation"
                ):
                    found.append(word)
        if not found and token.isalpha() and token not in english_words():
            # Typo candidates share the first letter, or the first two are swapped.
            initials = {token[:1], token[1:2]}
            for initial in sorted(initials):
                for word in sorted(self._by_initial.get(initial, ())):
                    if is_typo_of(token, word) and word not in found:
                        found.append(word)
        if not found and (versioned := _VERSIONED.match(token)):
            found.extend(self.forms(versioned.group(1)))  # "python3" is python, version 3
        result = tuple(found)
        if len(token) <= _TOKEN_CACHE_CHARS:
            if len(self._cache) >= _TOKEN_CACHE_MAX:
                self._cache.clear()
            self._cache[token] = result
        return result

    def find(self, toks: tuple[str, ...], squashed: str, cjk_offset: int) -> list[LexHit]:
        """Every term occurrence; Chinese hits are placed at ``cjk_offset`` + position."""
        hits: list[LexHit] = []
        forms = [self.forms(t) for t in toks]
        by_first = self._by_first
        for i, candidates in enumerate(forms):
            for first in candidates:
                for term in by_first.get(first, ()):
                    words = term.words
                    end = i + len(words)
                    if end > len(toks):
                        continue
                    # Plain loops: this runs for every word of every message.
                    rest_ok = True
                    for k in range(1, len(words)):
                        if words[k] not in forms[i + k]:
                            rest_ok = False
                            break
                    if rest_ok:
                        hits.append(LexHit(term, i, end, toks[i:end] == words))
        if squashed and not squashed.isascii():  # Chinese terms need Chinese text
            for first in sorted(set(squashed) & self._cjk_by_first.keys()):
                for term in self._cjk_by_first[first]:
                    pos = squashed.find(term.cjk)
                    while pos >= 0:
                        start = cjk_offset + pos
                        hits.append(LexHit(term, start, start + len(term.cjk), True))
                        pos = squashed.find(term.cjk, pos + 1)
        return hits
