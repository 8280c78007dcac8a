"""Recognise what a question is about: models, unknown models, aspects, use cases.

Everything is indexed once per knowledge base so that a query costs a scan
of its own tokens plus a few dictionary look-ups, not a pass over every
phrase. Latin aliases match whole token windows, with rapidfuzz typo
tolerance on longer words; Chinese aliases and keywords match as
substrings, since Chinese has no word breaks.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bot.engine.normalize import (
    STOPWORDS,
    bigrams,
    compact,
    content_stems,
    has_cjk,
    normalize,
    stem,
    tokens,
)
from bot.kb.schema import KnowledgeBase, Phrasings

# Typo tolerance for names: "mistrall", "lama 3.1", "deepsek".
NAME_FUZZ_MIN = 84.0
NAME_FUZZ_MIN_LEN = 5


@dataclass(frozen=True)
class Hit:
    """One recognised mention: what it refers to, where, and how sure."""

    kind: str  # "model" | "entity" | "aspect" | "use_case" | "cue:<name>"
    ref: str
    start: int  # position in the normalised question, for ordering
    end: int
    score: float


@dataclass
class Entities:
    """Everything recognised in one question."""

    text: str
    models: list[Hit] = field(default_factory=list)
    entities: list[Hit] = field(default_factory=list)
    aspects: list[Hit] = field(default_factory=list)
    use_cases: list[Hit] = field(default_factory=list)
    cues: set[str] = field(default_factory=set)
    domain: bool = False

    def model_ids(self) -> list[str]:
        seen: list[str] = []
        for hit in sorted(self.models, key=lambda h: h.start):
            if hit.ref not in seen:
                seen.append(hit.ref)
        return seen

    def aspect_ids(self) -> list[str]:
        seen: list[str] = []
        for hit in sorted(self.aspects, key=lambda h: h.start):
            if hit.ref not in seen:
                seen.append(hit.ref)
        return seen


@dataclass(frozen=True)
class _Term:
    kind: str
    ref: str
    text: str  # compact form for Latin, normalised form for Chinese
    n_tokens: int
    fuzzy: bool


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


class _TermIndex:
    """Finds short terms (aliases, keywords, cue words) in a question."""

    def __init__(self) -> None:
        self.latin: dict[str, list[_Term]] = defaultdict(list)  # first char -> terms
        self.latin_exact: dict[str, list[_Term]] = defaultdict(list)
        self.cjk: list[_Term] = []
        self.max_tokens = 1

    def add(self, kind: str, ref: str, phrase: str, fuzzy: bool) -> None:
        norm = normalize(phrase)
        if not norm:
            return
        if has_cjk(norm):
            self.cjk.append(_Term(kind, ref, compact(norm), 0, False))
            return
        toks = tokens(norm)
        if not toks:
            return
        term = _Term(kind, ref, "".join(toks), len(toks), fuzzy)
        self.max_tokens = max(self.max_tokens, len(toks) + 1)
        self.latin_exact[term.text].append(term)
        if fuzzy and len(term.text) >= NAME_FUZZ_MIN_LEN:
            self.latin[term.text[0]].append(term)

    def find(self, norm: str, toks: tuple[str, ...], squashed: str) -> list[Hit]:
        hits: list[Hit] = []
        n = len(toks)
        for i in range(n):
            joined = ""
            for j in range(i, min(n, i + self.max_tokens)):
                joined += toks[j]
                for term in self.latin_exact.get(joined, ()):
                    hits.append(Hit(term.kind, term.ref, i, j + 1, 1.0))
                if len(joined) < NAME_FUZZ_MIN_LEN:
                    continue
                for term in self.latin.get(joined[0], ()):
                    if term.text == joined or abs(len(term.text) - len(joined)) > 2:
                        continue
                    # Digits carry meaning ("llama 3" is not "llama 3.1"): no fuzz on them.
                    if _digits(term.text) != _digits(joined):
                        continue
                    score = fuzz.ratio(term.text, joined, score_cutoff=NAME_FUZZ_MIN)
                    if score:
                        hits.append(Hit(term.kind, term.ref, i, j + 1, score / 100.0))
        for term in self.cjk:
            pos = squashed.find(term.text)
            if pos >= 0:
                # Chinese hits sit after all Latin tokens in ordering space.
                hits.append(Hit(term.kind, term.ref, n + pos, n + pos + len(term.text), 1.0))
        return hits


def _resolve_overlaps(hits: list[Hit]) -> list[Hit]:
    """Keep the best of overlapping hits: exact beats fuzzy, then longer beats shorter."""
    ordered = sorted(hits, key=lambda h: (-h.score, -(h.end - h.start), h.start))
    kept: list[Hit] = []
    for hit in ordered:
        if any(hit.start < k.end and k.start < hit.end for k in kept):
            continue
        kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


@dataclass(frozen=True)
class _Phrase:
    ref: str
    text: str
    stems: tuple[str, ...]
    grams: frozenset[str]


class PhraseIndex:
    """Scores how well a question contains one of many short phrases.

    English phrases score by the share of their content words present in
    the question (with light stemming and typo tolerance); Chinese phrases by
    exact substring, else by the share of their character bigrams present.
    Candidates come from an inverted index, so cost does not grow with the
    number of phrases that share nothing with the question.
    """

    def __init__(self) -> None:
        self.by_stem: dict[str, list[_Phrase]] = defaultdict(list)
        self.by_gram: dict[str, list[_Phrase]] = defaultdict(list)
        self.vocab: set[str] = set()

    def add(self, ref: str, phrase: str) -> None:
        norm = normalize(phrase)
        stems = tuple(dict.fromkeys(content_stems(norm)))
        grams = frozenset(bigrams(norm))
        item = _Phrase(ref, compact(norm), stems, grams)
        for s in stems:
            self.by_stem[s].append(item)
            self.vocab.add(s)
        for g in grams:
            self.by_gram[g].append(item)

    def add_all(self, ref: str, phrasings: Phrasings) -> None:
        for phrase in phrasings.all():
            self.add(ref, phrase)

    def _expand(self, stems: list[str]) -> set[str]:
        found = set(stems)
        for s in stems:
            if s in self.vocab or len(s) < 6:
                continue
            for v in self.vocab:
                if abs(len(v) - len(s)) <= 2 and v[0] == s[0] and fuzz.ratio(v, s) >= 85:
                    found.add(v)
        return found

    def scores(self, norm: str) -> dict[str, float]:
        """Best score per ref, 0..1, for refs with any overlap."""
        q_stems = self._expand(content_stems(norm))
        q_grams = bigrams(norm)
        squashed = compact(norm)
        best: dict[str, float] = {}
        candidates: set[_Phrase] = set()
        for s in q_stems:
            candidates.update(self.by_stem.get(s, ()))
        for g in q_grams:
            candidates.update(self.by_gram.get(g, ()))
        for phrase in candidates:
            score = 0.0
            if phrase.grams:
                if phrase.text and phrase.text in squashed:
                    score = 1.0
                else:
                    score = 0.9 * len(phrase.grams & q_grams) / len(phrase.grams)
            if phrase.stems:
                present = sum(1 for s in phrase.stems if s in q_stems)
                latin = present / len(phrase.stems)
                score = max(score, latin) if not phrase.grams else (score + latin) / 2
            if score > best.get(phrase.ref, 0.0):
                best[phrase.ref] = score
        return best


class EntityIndex:
    """All recognisers for one knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.names = _TermIndex()
        for model in kb.models.values():
            for alias in [model.name, model.id, *model.aliases]:
                self.names.add("model", model.id, alias, fuzzy=True)
        for entity in kb.other_entities.values():
            for alias in entity.aliases:
                self.names.add("entity", entity.id, alias, fuzzy=True)
        self.words = _TermIndex()
        for aspect in kb.aspects.values():
            for kw in aspect.keywords.all():
                self.words.add("aspect", aspect.id, kw, fuzzy=len(kw) >= 7)
        vocab = kb.vocabulary
        for cue in ("recommend", "compare", "overview", "domain"):
            for kw in getattr(vocab, cue).all():
                self.words.add(f"cue:{cue}", cue, kw, fuzzy=False)
        self.use_cases = PhraseIndex()
        for uc in kb.use_cases.values():
            self.use_cases.add_all(uc.id, uc.phrasings)

    def find(self, question: str) -> Entities:
        norm = normalize(question)
        toks = tokens(norm)
        squashed = compact(norm)
        found = Entities(norm)
        for hit in _resolve_overlaps(self.names.find(norm, toks, squashed)):
            (found.models if hit.kind == "model" else found.entities).append(hit)
        for hit in _resolve_overlaps(self.words.find(norm, toks, squashed)):
            if hit.kind == "aspect":
                found.aspects.append(hit)
            else:
                found.cues.add(hit.ref)
        found.domain = "domain" in found.cues or bool(found.models or found.entities)
        for ref, score in self.use_cases.scores(norm).items():
            found.use_cases.append(Hit("use_case", ref, 0, 0, score))
        found.use_cases.sort(key=lambda h: -h.score)
        return found


def content_words(norm: str) -> list[str]:
    """Non-stopword Latin tokens; used to judge how much of a question is unexplained."""
    return [t for t in tokens(norm) if t not in STOPWORDS and stem(t) not in STOPWORDS]
