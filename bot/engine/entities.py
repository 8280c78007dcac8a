"""Name and phrase recognisers: model and entity names, and job or topic phrasings.

``TermIndex`` finds names (aliases): Latin ones as whole token windows with
rapidfuzz typo tolerance on longer words (digits must match: "llama 3" is not
"llama 3.1"), Chinese ones as substrings. ``PhraseIndex`` scores how much of
a short phrasing ("debug my code") a question contains. Both are indexed once
per knowledge base, so a question costs a scan of its own tokens plus a few
dictionary look-ups, not a pass over every phrase.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein

from bot.kb.schema import Phrasings
from bot.text.normalize import (
    STOPWORDS,
    bigrams,
    compact,
    content_stems,
    has_cjk,
    normalize,
    squash,
    tokens,
)
from bot.text.words import same_word

# Typo tolerance for names: "mistrall", "lama 3.1", "deepsek".
NAME_FUZZ_MIN = 84.0
NAME_FUZZ_MIN_LEN = 5


@dataclass(frozen=True, slots=True)
class Hit:
    """One recognised mention: what it refers to, where, and how sure."""

    kind: str  # "model" | "entity" | "aspect" | "use_case" | "cue:<name>"
    ref: str
    start: int  # position in the normalised question, for ordering
    end: int
    score: float


@dataclass(frozen=True, slots=True)
class _Term:
    kind: str
    ref: str
    text: str  # compact form for Latin, normalised form for Chinese
    n_tokens: int
    fuzzy: bool
    digits: str = ""


_DIGIT_RUN = re.compile(r"\d+[a-z]?")


def _digits(text: str) -> str:
    """The digits of a name with the letter right after each run: a typo may not change
    them, nor add or drop a size's unit ("qwen3" is not "qwen 3b")."""
    return " ".join(_DIGIT_RUN.findall(text))


class TermIndex:
    """Finds short terms (aliases, keywords, cue words) in a question."""

    def __init__(self) -> None:
        # Fuzzy candidates by (first letter, length), so a window only meets terms it
        # could plausibly be a typo of.
        self.latin: dict[tuple[str, int], list[_Term]] = defaultdict(list)
        self.latin_exact: dict[str, list[_Term]] = defaultdict(list)
        self.cjk: dict[str, list[_Term]] = defaultdict(list)  # first character -> terms
        self.max_tokens = 1
        # Where a window can still grow into a name: every prefix of every Latin name, the
        # longest name, and the first letters names start with.
        self.prefixes: set[str] = set()
        self.max_len = 0
        self.initials: set[str] = set()
        # First words of names that tolerate typos, and a memo of which question words
        # could be a typo of one (most words are plainly not, and are skipped quickly).
        self.first_words: set[str] = set()
        self._could_start: dict[str, bool] = {}

    def add(self, kind: str, ref: str, phrase: str, fuzzy: bool) -> None:
        norm = normalize(phrase)
        if not norm:
            return
        if has_cjk(norm):
            text = compact(norm)
            self.cjk[text[0]].append(_Term(kind, ref, text, 0, False))
            return
        toks = tokens(norm)
        if not toks:
            return
        text = "".join(toks)
        term = _Term(kind, ref, text, len(toks), fuzzy, _digits(text))
        self.max_tokens = max(self.max_tokens, len(toks) + 1)
        self.prefixes.update(term.text[:k] for k in range(1, len(term.text) + 1))
        self.max_len = max(self.max_len, len(term.text))
        if fuzzy:
            self.initials.add(term.text[0])
            self.first_words.add(toks[0])
            self._could_start.clear()
        self.latin_exact[term.text].append(term)
        if fuzzy and len(term.text) >= NAME_FUZZ_MIN_LEN:
            self.latin[(term.text[0], len(term.text))].append(term)

    def _may_start_name(self, word: str) -> bool:
        """Whether ``word`` may be the (mistyped) first word of a name: "lama", "mistrall"."""
        known = self._could_start.get(word)
        if known is not None:
            return known
        result = False
        if word[0] in self.initials and word not in STOPWORDS and not word.isdigit():
            for first in self.first_words:
                if first[0] != word[0] and first[:2] != word[1::-1]:
                    continue
                if first.startswith(word) or word.startswith(first):
                    result = True
                elif len(word) <= 5:
                    result = DamerauLevenshtein.distance(word, first, score_cutoff=1) <= 1
                else:
                    result = fuzz.ratio(word, first, score_cutoff=70) > 0
                if result:
                    break
        if len(self._could_start) > 50_000:
            self._could_start.clear()
        self._could_start[word] = result
        return result

    def find(self, norm: str, toks: tuple[str, ...], squashed: str) -> list[Hit]:
        hits: list[Hit] = []
        n = len(toks)
        for i in range(n):
            # A name never starts with a function word or a bare number: no typo search there.
            first = toks[i]
            fuzzy_here = self._may_start_name(first)
            if not fuzzy_here and first not in self.prefixes and first[:-1] not in self.prefixes:
                continue
            joined = ""
            exact_here: set[str] = set()  # terms already found whole from i
            for j in range(i, min(n, i + self.max_tokens)):
                joined += toks[j]
                if len(joined) > self.max_len + 2:
                    break
                if (
                    not fuzzy_here
                    and joined not in self.prefixes
                    and joined[:-1] not in self.prefixes
                ):
                    break  # no name continues this way
                exact = self.latin_exact.get(joined, ())
                if not exact and joined.endswith("s") and len(joined) > 3:
                    exact = self.latin_exact.get(joined[:-1], ())  # "h100s", "gpus"
                for term in exact:
                    hits.append(Hit(term.kind, term.ref, i, j + 1, 1.0))
                    exact_here.add(term.text)
                if not fuzzy_here or len(joined) < NAME_FUZZ_MIN_LEN:
                    continue
                if j > i and toks[j] in STOPWORDS:
                    # A name's typo does not end in a function word: "commands are" is not
                    # "Command R", whatever the letters say.
                    continue
                digits: str | None = None
                for length in range(len(joined) - 2, len(joined) + 3):
                    for term in self.latin.get((joined[0], length), ()):
                        if term.text == joined:
                            continue
                        if term.text in exact_here and len(joined) - len(term.text) > 1:
                            # Found whole already: a word more is not a typo of it ("command
                            # r vs" holds "Command R", not a misspelling of it with "vs").
                            continue
                        # Digits carry meaning ("llama 3" is not "llama 3.1"): no fuzz on them.
                        digits = _digits(joined) if digits is None else digits
                        if term.digits != digits:
                            continue
                        score = fuzz.ratio(term.text, joined, score_cutoff=NAME_FUZZ_MIN)
                        if score:
                            hits.append(Hit(term.kind, term.ref, i, j + 1, score / 100.0))
        for first in sorted(set(squashed) & self.cjk.keys()):
            for term in self.cjk[first]:
                pos = squashed.find(term.text)
                if pos >= 0:
                    # Chinese hits sit after all Latin tokens in ordering space.
                    hits.append(Hit(term.kind, term.ref, n + pos, n + pos + len(term.text), 1.0))
        return hits


def resolve_overlaps(hits: list[Hit]) -> list[Hit]:
    """Keep the best of overlapping hits: a close match over more words first ("gpt4o mni"
    is GPT-4o mini with a typo, not GPT-4o and a stray word), then exact beats fuzzy, then
    longer beats shorter.

    Linear in the number of hits times their length: each kept hit marks the positions
    it covers, and a later (worse) hit is dropped if any of its positions is taken.
    """

    def rank(h: Hit) -> tuple[float, float, int, int, str, str]:
        width = h.end - h.start
        close = width if h.score >= LONGER_NAME_SCORE else 0
        return (-close, -h.score, -width, h.start, h.kind, h.ref)

    ordered = sorted(hits, key=rank)
    taken: set[int] = set()
    kept: list[Hit] = []
    for hit in ordered:
        span = range(hit.start, max(hit.end, hit.start + 1))
        if any(pos in taken for pos in span):
            continue
        taken.update(span)
        kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


SHORT_PHRASE_SCORE = 0.85
LONGER_NAME_SCORE = 0.9  # a fuzzy name this close wins over a shorter exact one it covers
THIN_PHRASE_PENALTY = 0.5
SCATTERED_PENALTY = 0.8
# A phrase's words in another order ("money into savings" for "save money") are still its
# words, but not the phrase said: below an exact match, above a scattered one.
REORDERED_PENALTY = 0.93
_VARIANT_CACHE_MAX = 20_000
_VARIANT_KEY_CHARS = 40  # longer "words" are noise and are not kept
MATCHED = 0.8  # a phrase scoring this much counts as present


@dataclass(frozen=True, slots=True)
class _Phrase:
    ref: str
    text: str
    stems: tuple[str, ...]
    grams: frozenset[str]
    short: bool  # a single word, or at most three Chinese characters
    raw: str = ""  # as written in the knowledge base, for explanations
    # Several words of which only one carries meaning ("makes stuff up"): it counts only
    # where the whole phrase is said, not wherever that one word ("makes") appears.
    thin: bool = False


class PhraseIndex:
    """Scores how well a question contains one of many short phrases.

    English phrases score by the share of their content words present in
    the question (with light stemming and typo tolerance); Chinese phrases by
    exact substring, else by the share of their character bigrams present.
    Candidates come from an inverted index, so cost does not grow with the
    number of phrases that share nothing with the question.
    """

    def __init__(self, thin_penalty: bool = False) -> None:
        # With ``thin_penalty``, a phrase of several words carrying one meaningful word
        # ("makes stuff up") counts only where it is said whole.
        self.thin_penalty = thin_penalty
        self.by_stem: dict[str, list[_Phrase]] = defaultdict(list)
        self.by_gram: dict[str, list[_Phrase]] = defaultdict(list)
        self.vocab: set[str] = set()
        self.buckets: dict[str, set[str]] = defaultdict(set)  # first 3 letters -> stems
        # Words such as "model" or "文章" that appear everywhere and prove little alone.
        self.generic_stems: set[str] = set()
        self.generic_grams: set[str] = set()
        self._variant_cache: dict[str, tuple[str, ...]] = {}

    def set_generic(self, phrases: list[str]) -> None:
        for phrase in phrases:
            norm = normalize(phrase)
            self.generic_stems.update(content_stems(norm))
            self.generic_grams.update(bigrams(norm))

    def add(self, ref: str, phrase: str) -> None:
        norm = normalize(phrase)
        stems = tuple(dict.fromkeys(content_stems(norm)))
        grams = frozenset(bigrams(norm))
        squashed = compact(norm)
        short = len(stems) <= 1 if not grams else len(squashed) <= 3
        thin = not grams and len(stems) == 1 and len(tokens(norm)) > 1
        item = _Phrase(ref, squashed, stems, grams, short, phrase, thin)
        self._variant_cache.clear()
        for s in stems:
            self.by_stem[s].append(item)
            self.vocab.add(s)
            self.buckets[s[:3]].add(s)
        for g in grams:
            self.by_gram[g].append(item)

    def add_all(self, ref: str, phrasings: Phrasings) -> None:
        for phrase in phrasings.all():
            self.add(ref, phrase)

    def _expand(self, stems: list[str]) -> dict[str, int]:
        """Question stems plus known stems they are forms or typos of ("writ" ~ "write"),
        each mapped to the position of the question word it came from."""
        found: dict[str, int] = {}
        for pos, s in enumerate(stems):
            found.setdefault(s, pos)
            if len(s) < 3:
                continue
            for v in self._variants(s):
                found.setdefault(v, pos)
        return found

    def _variants(self, s: str) -> tuple[str, ...]:
        """Known stems that ``s`` is a form or typo of (memoised: words repeat)."""
        known = self._variant_cache.get(s)
        if known is None:
            known = tuple(sorted(v for v in self.buckets.get(s[:3], ()) if same_word(s, v)))
            if len(s) <= _VARIANT_KEY_CHARS:
                if len(self._variant_cache) >= _VARIANT_CACHE_MAX:
                    self._variant_cache.clear()
                self._variant_cache[s] = known
        return known

    def scores(self, norm: str) -> dict[str, float]:
        """Best score per ref, 0..1, for refs with any overlap."""
        return {ref: score for ref, (score, _) in self.match(norm).items()}

    def match(self, norm: str) -> dict[str, tuple[float, str]]:
        """Per ref with any overlap: the best score (0..1, plus a little for several
        distinct phrases) and the phrase, as written, that scored it."""
        q_stems = self._expand(content_stems(norm))
        q_grams = bigrams(norm)
        squashed = squash(norm)
        best: dict[str, float] = {}
        best_raw: dict[str, str] = {}
        hits: dict[str, set[frozenset[int] | str]] = {}
        candidates: set[_Phrase] = set()
        for s in q_stems:
            candidates.update(self.by_stem.get(s, ()))
        for g in q_grams:
            candidates.update(self.by_gram.get(g, ()))
        # Sorted, so that ties between phrases resolve the same way on every run.
        for phrase in sorted(candidates, key=lambda p: (p.ref, p.text, p.raw)):
            score = 0.0
            matched = 0
            if phrase.grams:
                if phrase.text and phrase.text in squashed:
                    score, matched = 1.0, len(phrase.text) * 2
                else:
                    shared_grams = phrase.grams & q_grams
                    shared = len(shared_grams)
                    score, matched = 0.9 * shared / len(phrase.grams), shared
                    if shared_grams <= self.generic_grams:
                        score *= 0.5
            if phrase.stems:
                present = [s for s in phrase.stems if s in q_stems]
                latin = len(present) / len(phrase.stems)
                if len(present) > 1:
                    # Words of one phrase scattered across the question ("fast ... model")
                    # are weaker evidence than the phrase itself.
                    spots = [q_stems[s] for s in present]
                    if max(spots) - min(spots) >= len(present) + 2:
                        latin *= SCATTERED_PENALTY
                    elif spots != sorted(spots):
                        latin *= REORDERED_PENALTY
                if len(phrase.stems) > 1 and not phrase.grams and phrase.text in squashed:
                    latin = 1.0  # "helpdesk" for "help desk"
                if self.thin_penalty and phrase.thin and phrase.text not in squashed:
                    latin *= THIN_PHRASE_PENALTY
                if all(s in self.generic_stems for s in present):
                    latin *= 0.5
                score = max(score, latin) if not phrase.grams else (score + latin) / 2
                matched += sum(len(s) for s in present)
            exact = phrase.text == squashed  # the question is exactly this phrase
            if exact:
                score = 1.0
            elif score >= 1.0 and phrase.short:
                # One short word ("french", "德语") is weaker evidence than a phrase.
                score = SHORT_PHRASE_SCORE
            # Ties go to the phrase that explains more of the question
            # ("math reasoning" beats "reasoning", "客服聊天机器人" beats "聊天机器人").
            score = min(1.0, score) + 0.001 * min(matched, 99)
            if score >= MATCHED:
                # Count distinct evidence: "hallucination" and "hallucinations" are one.
                # Distinct evidence is distinct words of the question: "hallucination"
                # matching both "hallucination" and "hallucinate" is one piece.
                hits.setdefault(phrase.ref, set()).add(
                    frozenset(q_stems[s] for s in phrase.stems if s in q_stems) or phrase.text
                )
            if score > best.get(phrase.ref, 0.0):
                best[phrase.ref] = score
                best_raw[phrase.ref] = phrase.raw
        # Several phrases of the same job ("prototype", "boilerplate", "scaffolding") add up.
        return {
            ref: (v + 0.03 * min(max(len(hits.get(ref, ())) - 1, 0), 3), best_raw[ref])
            for ref, v in best.items()
        }

    def knows(self, stem_: str) -> bool:
        """Whether ``stem_`` (or a form or typo of it) occurs in any phrase."""
        if stem_ in self.vocab:
            return True
        return len(stem_) >= 3 and any(same_word(stem_, v) for v in self.buckets.get(stem_[:3], ()))
