"""Which word forms are the same word: inflection and typo rules shared by the matchers.

``same_word`` says whether two stems are forms of one word ("writ" ~ "write",
"summaris" ~ "summarise"). ``is_typo_of`` says whether a token the dictionary
does not know is a likely typo of a known term ("mdoel" -> "model", "wich" ->
"which"): real English words are never "corrected", so "mode" never becomes
"model". The dictionary is SCOWL's small American English list (see
``data/words_en.COPYRIGHT``).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein

_DATA = Path(__file__).with_name("data")

# What may follow a stem in another form of the same word ("writ"+"e", "migr"+"ate").
# Inflections, and -ate/-ation ("migrate"/"migration"). Other derivations change meaning
# ("custom"/"customise", "convers-ation"/"convers-ion", "agent"/"agentic"): not the same word.
_ENDINGS = frozenset("e s es ed ing er ers y ies ly ate ates ated ating ation ations".split())
TYPO_MIN_LEN = 4  # shorter words are too often other real words
TYPO_LONG_LEN = 8  # from this length two edits are still a typo


class WordSet:
    """A fixed set of words held as a sorted array of their hashes.

    40,000 words as a set of strings cost about 4 MiB; as 64-bit hashes, 320 KiB. Hashes of
    strings are stable within a process, which is all a lookup needs; a collision of two
    64-bit hashes would only keep one typo from being corrected.
    """

    def __init__(self, words: Iterable[str]) -> None:
        self._hashes = array("q", sorted({hash(w) for w in words}))

    def __contains__(self, word: object) -> bool:
        h = hash(word)
        i = bisect_left(self._hashes, h)
        return i < len(self._hashes) and self._hashes[i] == h

    def __len__(self) -> int:
        return len(self._hashes)


@lru_cache(maxsize=1)
def english_words() -> WordSet:
    """Lower-case English words (3-14 letters) that are never treated as typos."""
    text = (_DATA / "words_en.txt").read_text(encoding="utf-8")
    return WordSet(text.split())


def same_word(a: str, b: str) -> bool:
    """Whether two stems are forms of one word ("writ" ~ "write") or a small typo apart."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 3 and long_.startswith(short) and long_[len(short) :] in _ENDINGS:
        return True
    if long_.startswith(short):
        return False  # a longer word, not a typo: "custom" is not "customis(e)"
    return len(short) >= 6 and len(long_) - len(short) <= 2 and fuzz.ratio(a, b) >= 85


_NOUN_ENDINGS = ("ation", "ations")
_VERB_ENDINGS = ("ate", "ates", "ated", "ating")


def derivation_clash(a: str, b: str) -> bool:
    """Whether two words share a stem only through a derivation that changes the meaning:
    "foundation" and "founder" both stem to "found", but only "-ate" verbs go with
    "-ation" nouns ("migrate", "migration")."""
    a_noun, b_noun = a.endswith(_NOUN_ENDINGS), b.endswith(_NOUN_ENDINGS)
    if a_noun == b_noun:
        return False
    other = b if a_noun else a
    return not other.endswith(_VERB_ENDINGS)


def is_typo_of(token: str, term: str) -> bool:
    """Whether ``token`` (not a dictionary word) is a plausible misspelling of ``term``.

    Same first letter (or the first two swapped), no digits, one edit (two for long
    words), counting a swap of neighbours as one edit.
    """
    if token == term or len(term) < TYPO_MIN_LEN or len(token) < TYPO_MIN_LEN:
        return False
    if not token.isalpha() or not term.isalpha():
        return False
    if token[0] != term[0] and token[:2] != term[1::-1]:
        return False
    allowed = 2 if len(term) >= TYPO_LONG_LEN else 1
    if abs(len(token) - len(term)) > allowed:
        return False
    if token in english_words():
        return False
    return DamerauLevenshtein.distance(token, term, score_cutoff=allowed) <= allowed
