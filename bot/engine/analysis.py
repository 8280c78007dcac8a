"""Read a question: everything the decision rules need, found once, with its evidence.

``Matchers`` is built once per knowledge base (all indexes); ``Matchers.read``
turns one message into an :class:`Analysis`. A message is split into
sentences; the ones that ask (the *focus*) decide what the question is about,
while the others are background that may supply a job ("we maintain legacy
PHP ... which model would help us most?") but never dilute the question.
Every recognised item keeps the words that triggered it, so an answer can
say why it was given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.engine.entities import Hit, PhraseIndex, TermIndex, resolve_overlaps
from bot.engine.facts import FactIndex, FactMatch
from bot.engine.lexicon import LexHit, Lexicon
from bot.engine.shapes import name_key, unknown_names
from bot.kb.schema import KnowledgeBase, Phrasings
from bot.text.code import without_code
from bot.text.normalize import (
    STOPWORDS,
    bigrams,
    cjk_runs,
    compact,
    content_stems,
    has_cjk,
    normalize,
    squash,
    stem,
    tokens,
)
from bot.text.sentences import focus, split_sentences

SMALL_TALK = ("greeting", "help", "thanks")
# The contract's intent for each small-talk topic ("thanks" is small talk, intent greeting).
SMALL_TALK_INTENT = {"greeting": "greeting", "help": "help", "thanks": "greeting"}
# A question leaning on the previous one: "and llama?", "what about …", "那…呢".
_FOLLOW_UP_EN = re.compile(
    r"^(?:and|what about|how about|same for|same question for|ok and|also)\b"
)
_FOLLOW_UP_ZH = re.compile(r"^(?:那|那么|还有)|呢\s*[?]?$")
# "tell me about gpt-4o mini in chinese", "explain llama 3.1 in english pls": the language
# asked for the reply, not a question about the languages a model speaks. Left out before
# matching (answers follow the language the question is written in).
_REPLY_LANGUAGE = re.compile(
    r"^(?P<ask>(?:(?:can|could|would) you |please |pls |plz )?(?:tell me about|describe|"
    r"explain|summari[sz]e|introduce|talk about|(?:give me )?an? (?:overview|summary) of|"
    r"(?:overview|summary) of|what (?:does|did) (?:the article|the author|it) say about|"
    r"answer|reply|respond)\b.*?)"
    r"\s+(?:in|into) (?:simplified |traditional )?(?:chinese|mandarin|english)"
    r"(?:\s+(?:please|pls|plz))?(?P<end>\s*[?.!]*)\s*$",
    re.IGNORECASE,
)
# A reply-language instruction on its own ("请用英文回答：", "answer in english:"): an
# instruction about the reply, not the languages aspect of a model.
_REPLY_LANGUAGE_ALONE = re.compile(
    r"(?:请|麻烦)?(?:用|以)(?:简体|繁体|繁體)?(?:中文|英文|英语|英語|汉语|漢語|普通话)(?:来|來)?"
    r"(?:回答|回复|回覆|作答|说|說|讲|講|解释|解釋|介绍|介紹|讲解)(?:一下)?[吧哦]?"
    r"|^(?:please |pls )?(?:answer|reply|respond) in (?:simplified |traditional )?"
    r"(?:chinese|mandarin|english)\b(?:\s+(?:please|pls))?\s*[:,\-]",
    re.IGNORECASE,
)
# Chinese characters too common to count as evidence of anything.
_ZH_FILLER = frozenset(
    "的了吗呢吧啊呀啦呗哈嗯喔哟嘿是在有和与我你他她它们这那个么什怎样请问一下帮给能会可以就都也还"
    "很要把做该应因为拿到不没最较想让得地着过对从被所但而且或又再才只已正用些种款哦嘛"
)
WHOLE_MATCH_MIN = 80.0
EVIDENCE_MIN = 0.6  # weaker job or topic matches are not worth listing in "why"
JOB_SUPPORT_MIN = 0.7  # a job this well matched counts toward agreement between jobs
# Another model's jobs must outweigh the best job's model by this much to lead instead.
SUPPORT_MARGIN = 0.5
PHRASE_QUESTION_MIN = 90.0


@dataclass(frozen=True, slots=True)
class Evidence:
    """One recognised item: what it is, what it points at, and the words that said so."""

    kind: str  # model, entity, unknown_name, aspect, use_case, topic, cue, concept, fact, size
    ref: str
    words: str
    score: float = 1.0
    in_focus: bool = True

    def describe(self) -> str:
        where = "" if self.in_focus else " (in the background)"
        score = f" {self.score:.2f}" if self.score < 0.995 else ""
        return f"{self.kind} {self.ref} ← '{self.words}'{score}{where}"


_SIZE = re.compile(r"^\d+(?:\.\d+)?[bm]$")
# Words that follow the noun of "which <noun> …": its verb, or a preposition.
_AFTER_CHOSEN_NOUN = frozenset(
    "is are was were has have had does do did should would can could will gives offers "
    "makes for to of in with".split()
)
# Superlatives that choose the best of some kind of thing: "the best pizza in town".
_RANKING_WORDS = ("best", "cheapest", "fastest", "top", "most", "fewest", "least")
# A property asked of a subject: "how big is <subject>", "when was <subject> released".
_PROPERTY_OF = re.compile(
    r"^(?:how (?:big|large|much|long|old|new|recent|fast|expensive|good|smart|strong|capable)"
    r"|when)\s+"
    r"(?:is|was|are|were|does|did|do)\s+(?:(?:the|a|an|my|our)\s+)?(\S.*)$"
)
# A yes/no or why question about a determined subject: "does my bank …", "can a hospital
# …", "why did the clinic …".
_YES_NO_OF = re.compile(
    r"^(?:why\s+)?(?:does|do|did|can|could|will|would|is|are|was|were|should|has|have)\s+"
    r"(?:my|our|a|an|the|his|her|their|your)\s+(\S.*)$"
)
# Words before a language's name: "in chinese", "speak chinese", "translate to chinese".
_LANGUAGE_USE = frozenset(
    "in into to from speak speaks speaking spoken learn learning read reading write writing "
    "translate translating translation answer answers reply replies respond responds".split()
)
_ORDINALS = frozenset("first second third original new newest latest".split())
# Words that attach a complement to a noun: "the conclusion of …", "predictions for …".
_COMPLEMENT = frozenset({"of", "for", "about", "on"})
# Two words offered as alternatives: "python or javascript", "python和java", "rust faster
# than c++".
_ALTERNATIVES = re.compile(
    r"(?<![a-z])([a-z][a-z+#-]*)\s*(?:\bor\b|\bvs\b|\bversus\b|还是|和|跟|与|或|"
    r"\b(?:is\s+)?[a-z]+er\s+than\b|比)\s*([a-z][a-z+#-]*)(?![a-z])"
    # "compare iphone and android", "the difference between java and kotlin"
    r"|\b(?:compare|comparing|between)\s+([a-z][a-z+#-]*)\s+(?:and|with|to|&)\s+"
    r"([a-z][a-z+#-]*)(?![a-z])"
)
# The connective between two things compared or offered: "a or b", "a vs b", "a 和 b",
# "a 还是 b", "the difference between a and b".
_SET_AGAINST = re.compile(
    r"\b(?:or|vs|versus)\b|和|跟|还是|与|\bbetween\s+(?:a\s+|an\s+|the\s+)?\S+(?:\s+\S+)?\s+(and)\b"
)
# A number written straight after a word ("pixel 8", "iphone 15 的电池"): a product's
# name; a number standing alone ("100 美元") is a quantity.
_NAMED_NUMBER = re.compile(r"[a-z][a-z+#-]*\s*\d+\D*$")
# A bare quantity question: what it counts is the noun after it, when there is one.
_QUANTITY = ("how", "much")


def _counts_something_else(hit: LexHit, toks: tuple[str, ...], lex: list[LexHit]) -> bool:
    """Whether an aspect matched only by "how much" is followed by a noun that names
    another quantity ("how much gpu memory", "how much vram"), not by a verb or a word of
    the same aspect ("how much does it cost", "how much per token")."""
    if tuple(toks[hit.start : hit.end]) != _QUANTITY or hit.end >= len(toks):
        return False
    following = toks[hit.end]
    if following in STOPWORDS or following == "per" or not following.isalpha():
        return False
    same = any(h.start == hit.end and h.kind == hit.kind and h.ref == hit.ref for h in lex)
    return not same


# A comparative or superlative adjective ("bigger", "largest").
_DEGREE_FORM = re.compile(r"[a-z]{3,}(?:er|est)$")


def _degree_of_another_aspect(hit: LexHit, lex: list[LexHit]) -> bool:
    """Whether an aspect matched only by a degree question ("how big", "how long") or by
    a degree adjective ("biggest") asks the degree of another aspect named right after it
    ("how big is llama's context window?", "the largest context window"), and no other
    word of its own aspect is there ("how much does it cost")."""
    words = hit.term.words
    if not words:
        return False
    if words[0] == "how":
        reach = 4
    elif len(words) == 1 and _DEGREE_FORM.search(words[0]):
        reach = 0  # "the biggest context window": the window is big, not the model
    else:
        return False
    own = any(h is not hit and h.kind == "aspect" and h.ref == hit.ref for h in lex)
    other = any(
        h.kind == "aspect" and h.ref != hit.ref and hit.end <= h.start <= hit.end + reach
        for h in lex
    )
    return other and not own


# A version number in a model's name ("3.1", the "2" of "V2"), and one written alone.
_VERSION_IN_NAME = re.compile(r"(?<![\d.])(\d{1,2}(?:\.\d+)?)(?!\d)(?![\d.]*[bBmM]\b)")
_VERSION_TOKEN = re.compile(r"\d{1,2}(?:\.\d+)?")
_SIZE_IN_TEXT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?([bm])\b", re.IGNORECASE)


def _mentioned_sizes(text: str) -> set[str]:
    """Model sizes written in ``text`` ("DeepSeek 67B" -> "67B")."""
    return {f"{n}{unit.upper()}" for n, unit in _SIZE_IN_TEXT.findall(text)}


def _size_after(toks: tuple[str, ...] | list[str], end: int) -> str:
    """A model size written right after a name ("13b", "13 b"), as "13B"; else ""."""
    if end >= len(toks):
        return ""
    word = toks[end]
    if _SIZE.match(word):
        return word.upper()
    if word.isdigit() and end + 1 < len(toks) and toks[end + 1] in ("b", "m"):
        return word + toks[end + 1].upper()
    return ""


@dataclass
class Analysis:
    """What one message says, as far as the knowledge base can tell."""

    question: str
    norm: str
    lang: str
    focus_text: str
    models: list[str] = field(default_factory=list)  # covered models named in the focus
    background_models: list[str] = field(default_factory=list)  # named elsewhere only
    model_scores: dict[str, float] = field(default_factory=dict)
    entities: list[str] = field(default_factory=list)  # other entities in the focus
    unknown_names: list[str] = field(default_factory=list)  # "Yi-34B": name-shaped, unknown
    variants: dict[str, str] = field(default_factory=dict)  # model -> variant named ("70b")
    unknown_variant: tuple[str, str] | None = None  # (model, "13B"): a size no source has
    bare_size: str = ""  # "a good 7b model": a size asked for, attached to no name
    weak_names: list[str] = field(default_factory=list)  # "MiniMax", "RLHF": maybe a name
    aspects: list[str] = field(default_factory=list)
    cues: set[str] = field(default_factory=set)  # cue words in the asking sentences
    concepts: set[str] = field(default_factory=set)  # concepts named in the asking sentences
    message_concepts: set[str] = field(default_factory=set)  # ... anywhere in the message
    domain_anywhere: bool = False  # a domain or article word anywhere in the message
    use_cases: list[tuple[float, str]] = field(default_factory=list)  # best first
    focus_use_case: bool = False  # the best job is named in the asking sentences
    job_support: int = 0  # jobs (incl. the best) whose first model is the best job's
    topics: list[tuple[float, str]] = field(default_factory=list)  # best first
    keyword_topics: set[str] = field(default_factory=set)
    topic_words: dict[str, str] = field(default_factory=dict)  # topic -> the words that matched
    small_talk: str | None = None
    explained: float = 1.0
    unknown_words: float = 0.0
    follow_up: bool = False
    all_models: bool = False
    vendor_named: bool = False  # a model was named through its maker ("Meta", "OpenAI")
    phrase_question: bool = False
    facts: list[FactMatch] = field(default_factory=list)
    # The same, matched on the asking sentences without the models' names: which stated
    # fact of a named model the rest of the question repeats ("qwen2.5 outputs how long?").
    named_facts: list[FactMatch] = field(default_factory=list)
    # "python or javascript", "python和java哪个": two terms of one concept offered as the
    # alternatives, so the choice asked is between them, not between models.
    alternatives: tuple[str, str] | None = None
    # Two things set against each other when neither is a model: "quest 3 vs quest 3s",
    # "m3 和 m2", "a tesla model 3 or a prius" (the word beside the connective, as written).
    compares_other: str = ""
    # The noun a "which …" question chooses among when it is not a word for a model
    # ("phone" of "which phone has the best camera"); "" otherwise.
    chosen_other: str = ""
    # The subject of a yes/no or why question when it is a thing in the world, not a model
    # ("bank" of "does my bank charge for international transfers?"); "" otherwise.
    asked_of_other: str = ""
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def use_case(self) -> str | None:
        return self.use_cases[0][1] if self.use_cases else None

    @property
    def use_case_score(self) -> float:
        return self.use_cases[0][0] if self.use_cases else 0.0

    @property
    def topic(self) -> str | None:
        return self.topics[0][1] if self.topics else None

    @property
    def topic_score(self) -> float:
        return self.topics[0][0] if self.topics else 0.0

    def explain(self, kinds: tuple[str, ...] | None = None) -> list[str]:
        """Evidence lines, optionally only of some kinds."""
        return [e.describe() for e in self.evidence if kinds is None or e.kind in kinds]


class Matchers:
    """Every index over one knowledge base; cheap to build, read-only afterwards."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.order = {uc_id: i for i, uc_id in enumerate(kb.use_cases)}
        self.topic_order = {t_id: i for i, t_id in enumerate(kb.topics)}
        vocab = kb.vocabulary

        # The version numbers of each model's names ("3.1" of "Llama 3.1 405B" and its
        # "3", "2" of "DeepSeek-V2"): another number right after its name is another
        # generation.
        self.versions = {
            m.id: {
                v
                for name in (m.name, *m.aliases, *(x.name for x in m.variants))
                for version in _VERSION_IN_NAME.findall(name)
                for v in (version, version.split(".")[0])  # "llama 3" for Llama 3.1
            }
            for m in kb.models.values()
        }
        self.names = TermIndex()
        for model in kb.models.values():
            # "llama 3.1 70b": the entry, and which of its variants (a variant's name wins
            # over the same words listed as the model's alias).
            named_variants = {normalize(a) for v in model.variants for a in (v.name, *v.aliases)}
            for alias in [model.name, model.id, *model.aliases]:
                if normalize(alias) not in named_variants:
                    self.names.add("model", model.id, alias, fuzzy=True)
                if alias.isalpha():  # "llama3", "mistral2": a one-word name, its own number
                    for version in self.versions[model.id]:
                        self.names.add("model", model.id, alias + version, fuzzy=False)
            for variant in model.variants:
                for alias in [variant.name, *variant.aliases]:
                    self.names.add("variant", f"{model.id}/{variant.id}", alias, fuzzy=True)
        for entity in kb.other_entities.values():
            for alias in entity.aliases:
                self.names.add("entity", entity.id, alias, fuzzy=True)
        # (model, "70b") -> variant id, for a size written after the family's name.
        self.variant_sizes = {
            (m.id, "".join(tokens(normalize(a)))): v.id
            for m in kb.models.values()
            for v in m.variants
            for a in (v.name, *v.aliases)
            if _SIZE.match("".join(tokens(normalize(a))))
        }

        # Sizes a model's own facts mention ("better than DeepSeek 67B"): written after its
        # name, such a size is the model the sources compare it with, not an unknown variant.
        self.mentioned_sizes = {
            m.id: {
                size
                for f in m.facts
                for text in (f.text.en, f.text.zh, *(c.quote for c in f.citations))
                for size in _mentioned_sizes(text)
            }
            for m in kb.models.values()
        }

        self.lexicon = Lexicon()
        for aspect in kb.aspects.values():
            for kw in aspect.keywords.all():
                self.lexicon.add("aspect", aspect.id, kw, "keyword")
            for concept_id in aspect.concepts:
                for term in kb.concepts[concept_id].all():
                    self.lexicon.add("aspect", aspect.id, term, f"concept {concept_id}")
        for cue in ("recommend", "compare", "overview", "domain", "article", "task"):
            for kw in getattr(vocab, cue).all():
                self.lexicon.add("cue", cue, kw, "vocabulary")
        for kw in vocab.article_names.all():
            self.lexicon.add("cue", "article", kw, "vocabulary (article_names)")
        self._article_names = _ArticleNames(vocab.article_names, vocab.article)
        # What a "which …" question may choose among and still be choosing a model.
        self._aspect_words = {
            stem(tok)
            for aspect in kb.aspects.values()
            for term in aspect.keywords.en
            for tok in tokens(normalize(term))
            if tok not in STOPWORDS
        }
        # The last word of each phrase is its noun: "language model" names a model, and
        # "which language …" chooses a language.
        self._model_nouns = {
            stem(toks[-1])
            for words in (vocab.domain.en, vocab.all_models.en, vocab.model_nouns.en)
            for w in words
            if (toks := tokens(normalize(w)))
        }
        for kw in vocab.follow_up.all():
            self.lexicon.add("cue", "follow_up", kw, "vocabulary")
        for kw in vocab.all_models.all():
            self.lexicon.add("cue", "all_models", kw, "vocabulary")
        for kw in vocab.not_models.all():
            self.lexicon.add("cue", "not_model", kw, "vocabulary")
        for kw in vocab.nationalities.all():
            self.lexicon.add("cue", "nationality", kw, "vocabulary")
        for concept in kb.concepts.values():
            for term in concept.all():
                self.lexicon.add("concept", concept.id, term, f"concept {concept.id}")
        for topic in kb.topics.values():
            for kw in topic.keywords.all():
                self.lexicon.add("topic", topic.id, kw, "keyword")
            for concept_id in topic.concepts:
                for term in kb.concepts[concept_id].all():
                    self.lexicon.add("topic", topic.id, term, f"concept {concept_id}")

        self.use_case_index = PhraseIndex(thin_penalty=True)
        self.use_case_index.set_generic(self._generic_phrases())
        self._use_case_texts: dict[str, list[str]] = {}
        for uc in kb.use_cases.values():
            self.use_case_index.add_all(uc.id, uc.phrasings)
            for concept_id in uc.concepts:
                for term in kb.concepts[concept_id].all():
                    self.use_case_index.add(uc.id, term)
            self._use_case_texts[uc.id] = [normalize(p) for p in uc.phrasings.all()]

        self.topic_index = PhraseIndex()
        self.topic_index.set_generic(self._generic_phrases())
        self._topic_texts: dict[str, list[str]] = {}
        self._topic_choices: list[str] = []
        self._topic_refs: list[str] = []
        for topic in kb.topics.values():
            texts = [normalize(p) for p in topic.phrasings.all()]
            self._topic_texts[topic.id] = texts
            self._topic_choices += texts
            self._topic_refs += [topic.id] * len(texts)
            self.topic_index.add_all(topic.id, topic.phrasings)

        self.vocab = self._domain_vocabulary()
        self.neutral = frozenset(
            s for w in vocab.neutral.all() for s in content_stems(normalize(w))
        ) | frozenset(normalize(w) for w in vocab.neutral.all())
        self.neutral_zh = tuple(compact(w) for w in vocab.neutral.zh if compact(w))
        # Compact known names, each with the version numbers of what it names: "llama3" is
        # Llama 3.1's own number glued on, "llama4" another generation (shapes).
        self.name_keys: dict[str, frozenset[str]] = {
            compact(a): frozenset(self.versions[m.id])
            for m in kb.models.values()
            for a in (
                m.name,
                m.id,
                *m.aliases,
                *(x for v in m.variants for x in (v.name, *v.aliases)),
            )
            if not has_cjk(a)
        }
        for e in kb.other_entities.values():
            for a in e.aliases:
                self.name_keys.setdefault(compact(a), frozenset())
        # Known words: the lexicon's, and the capitalised terms the sources' own facts use
        # ("SFT", "AlignBench", "MMLU"): asked about, they are no model the bot lacks.
        self.word_keys = frozenset(
            compact(t.text) for t in self.lexicon.terms if not t.cjk
        ) | self._fact_terms(kb)
        self.fact_concepts = frozenset(c for a in kb.aspects.values() for c in a.concepts)
        generic = PhraseIndex()
        generic.set_generic(self._generic_phrases())
        self.facts = FactIndex(
            kb,
            set(generic.generic_stems) | set(STOPWORDS),
            set(generic.generic_grams),
            self._concepts_in,
        )
        # The words of each job, in the fact index's notation, to tell a job from a fact.
        self.job_terms: dict[str, frozenset[str]] = {}
        for uc in kb.use_cases.values():
            texts = uc.phrasings.all() + [t for c in uc.concepts for t in kb.concepts[c].all()]
            terms: set[str] = set()
            for text in texts:
                norm = normalize(text)
                terms.update(content_stems(norm))
                terms.update(f"~{g}" for g in bigrams(norm) if len(g) == 2)
            self.job_terms[uc.id] = frozenset(terms)
        # The vocabulary's country words, normalised ("is deepseek chinese?").
        self.countries = tuple(normalize(w) for w in kb.vocabulary.nationalities.all())
        # Words that offer the models named as alternatives ("or", "还是").
        self.choice_words = frozenset(normalize(w) for w in kb.vocabulary.choice.all())
        # The word stems of each aspect: its keywords and its concepts' words.
        self.aspect_terms: dict[str, frozenset[str]] = {}
        for aspect in kb.aspects.values():
            texts = aspect.keywords.all() + [
                t for c in aspect.concepts for t in kb.concepts[c].all()
            ]
            self.aspect_terms[aspect.id] = frozenset(
                st for text in texts for st in content_stems(normalize(text))
            )

    @staticmethod
    def _fact_terms(kb: KnowledgeBase) -> frozenset[str]:
        texts = [
            text
            for m in kb.models.values()
            for f in m.facts
            if f.stated
            for text in (f.text.en, *(c.quote for c in f.citations))
        ]
        return frozenset(
            name_key(shaped.text)
            for text in texts
            for shaped in unknown_names(text, {}, frozenset())
            if not shaped.strong  # "Qwen2", "GPT-4": other models, still unknown when asked
        )

    def _concepts_in(self, text: str) -> set[str]:
        """The concepts of facts (those aspects refer to) a text mentions, for indexing
        facts by meaning; topic concepts ("timeline") say nothing about one model."""
        norm = normalize(text)
        toks = tokens(norm)
        hits = self.lexicon.find(toks, compact(norm), len(toks))
        return {h.ref for h in hits if h.kind == "concept" and h.ref in self.fact_concepts}

    def _generic_phrases(self) -> list[str]:
        """Cue and domain words: common across phrasings, so weak evidence on their own."""
        vocab = self.kb.vocabulary
        out: list[str] = []
        # Recommend cues stay out: "cheapest" is a cue and also the name of a job.
        for cue in (vocab.domain, vocab.article, vocab.compare, vocab.overview):
            out += cue.all()
        return out

    def _domain_vocabulary(self) -> PhraseIndex:
        """Every word and Chinese bigram the knowledge base uses to match questions."""
        kb = self.kb
        texts: list[str] = []
        for model in kb.models.values():
            texts += [model.name, *model.aliases]
            texts += [a for v in model.variants for a in (v.name, *v.aliases)]
        for entity in kb.other_entities.values():
            texts += entity.aliases
        for aspect in kb.aspects.values():
            texts += aspect.keywords.all()
        for uc in kb.use_cases.values():
            texts += uc.phrasings.all()
        for topic in kb.topics.values():
            # Small talk ("good morning") says nothing about being on topic.
            if topic.id not in SMALL_TALK:
                texts += topic.phrasings.all() + topic.keywords.all()
        # A concept's single words are known; its phrases only where they match as a whole
        # ("live chat" must not make "live" a known word in "how long do llamas live?").
        texts += [
            t for c in kb.concepts.values() for t in c.all() if len(tokens(normalize(t))) <= 1
        ]
        vocab = kb.vocabulary
        for cue in (vocab.recommend, vocab.compare, vocab.overview, vocab.domain, vocab.article):
            texts += cue.all()
        index = PhraseIndex()
        index.set_generic([*vocab.recommend.all(), *vocab.compare.all(), *vocab.overview.all()])
        for text in texts:
            index.add("vocabulary", text)
        return index

    # -- reading one message ---------------------------------------------------
    def read(self, question: str) -> Analysis:
        # The prose around pasted code is what asks; the code itself asks nothing.
        text = without_code(question)
        text = _REPLY_LANGUAGE.sub(r"\g<ask>\g<end>", text)
        text = _REPLY_LANGUAGE_ALONE.sub(" ", text)
        norm = normalize(text)
        sentences = split_sentences(text)
        focus_ids = set(focus(sentences))
        lang = "zh" if has_cjk(question) else "en"
        focus_raw = " ".join(s.text for i, s in enumerate(sentences) if i in focus_ids)
        focus_norm = normalize(focus_raw)
        an = Analysis(question=question, norm=norm, lang=lang, focus_text=focus_norm)
        if not norm:
            return an

        covered: list[tuple[str, set[int]]] = []  # (sentence norm, token positions explained)
        unnamed: list[str] = []  # the asking sentences' words outside the models' names
        model_hits: list[tuple[int, Hit]] = []
        cue_words: dict[str, str] = {}
        aspect_order: list[tuple[int, int, str]] = []
        for idx, sentence in enumerate(sentences):
            in_focus = idx in focus_ids
            s_norm = normalize(sentence.text)
            toks = tokens(s_norm)
            squashed = squash(s_norm)
            explained: set[int] = set()
            names = resolve_overlaps(self.names.find(s_norm, toks, squashed))
            names = self._drop_sizes_of_other_names(names, toks)
            raw_lex = self._resolve_lexicon(self.lexicon.find(toks, squashed, len(toks)))
            names = self._sizes_as_adjectives(an, names, toks, squashed, raw_lex, in_focus)
            for hit in names:
                explained.update(range(hit.start, hit.end))
                words = _surface(toks, squashed, hit.start, hit.end)
                if hit.kind == "variant":
                    model_id, _, variant_id = hit.ref.partition("/")
                    hit = Hit("model", model_id, hit.start, hit.end, hit.score)
                    an.variants.setdefault(model_id, variant_id)
                    an.evidence.append(Evidence("variant", f"{model_id}/{variant_id}", words))
                if hit.kind == "model":
                    other = self._other_version(hit, toks)
                    if other:
                        # "llama 4", "mistral large 3": a generation no source covers
                        if in_focus and other not in an.unknown_names:
                            an.unknown_names.append(other)
                        continue
                    model_hits.append((0 if in_focus else 1, hit))
                    an.evidence.append(Evidence("model", hit.ref, words, hit.score, in_focus))
                    size = _size_after(toks, hit.end)
                    if size and hit.ref not in an.variants and self.kb.models[hit.ref].variants:
                        known = self.variant_sizes.get((hit.ref, size.casefold()))
                        if known is not None:  # "lama 3.1 405b": a typo, then a known size
                            an.variants[hit.ref] = known
                        elif size not in self.mentioned_sizes[hit.ref]:
                            # "llama 3.1 13b": a size of the family no source describes
                            an.unknown_variant = (hit.ref, size)
                else:
                    entity = self.kb.other_entities[hit.ref]
                    if entity.model is not None:
                        # "Meta says …" is a question about Meta's model.
                        vendor = Hit("model", entity.model, hit.start, hit.end, 0.9)
                        model_hits.append((0 if in_focus else 1, vendor))
                        an.vendor_named = an.vendor_named or in_focus
                    if not in_focus:
                        continue
                    if hit.ref not in an.entities:
                        an.entities.append(hit.ref)
                    an.evidence.append(Evidence("entity", hit.ref, words, hit.score, in_focus))
            named = {p for hit in names for p in range(hit.start, hit.end)}
            if in_focus:
                unnamed.append(" ".join(t for p, t in enumerate(toks) if p not in named))
            lex = [
                h
                for h in raw_lex
                # "Mistral Large 2" is a name: its "large" is not the word "large".
                if not any(p in named for p in range(h.start, h.end))
            ]
            slot_hits = self._slot_hits(toks, names)
            if slot_hits:
                lex = self._resolve_lexicon(lex + slot_hits)
            # "model" of "model train set": a domain word inside a thing that is no model
            not_model = [(h.start, h.end) for h in lex if h.kind == "cue" and h.ref == "not_model"]
            lex = [
                h
                for h in lex
                if not (
                    h.kind == "cue"
                    and h.ref == "domain"
                    and any(a <= h.start and h.end <= b for a, b in not_model)
                )
            ]
            # Where each domain word ("大模型") starts: the furthest it reaches.
            domain_ends: dict[int, int] = {}
            for h in lex:
                if h.kind == "cue" and h.ref == "domain":
                    domain_ends[h.start] = max(h.end, domain_ends.get(h.start, h.end))
            for lh in lex:
                explained.update(range(lh.start, lh.end))
                if lh.kind == "cue" and lh.ref in ("domain", "article"):
                    an.domain_anywhere = True
                if lh.kind == "concept":
                    an.message_concepts.add(lh.ref)
                if not in_focus:
                    continue
                # The question's own words: "larger" in the knowledge base, "large" here.
                words = _surface(toks, squashed, lh.start, lh.end)
                if lh.kind == "aspect":
                    if _counts_something_else(lh, toks, lex):
                        continue  # "how much gpu memory": the noun says what is counted
                    if _degree_of_another_aspect(lh, lex):
                        continue  # "how big is its context window": a window's size
                    if _ends_inside_a_model_word(lh, domain_ends):
                        continue  # "哪个大模型…": "大" begins "大模型", it is no "哪个大"
                    aspect_order.append((idx, lh.start, lh.ref))
                    an.evidence.append(Evidence("aspect", lh.ref, words, 1.0))
                elif lh.kind == "cue":
                    an.cues.add(lh.ref)
                    cue_words.setdefault(lh.ref, words)
                elif lh.kind == "topic":
                    if self._of_something_else(toks, lh.end, named):
                        continue  # "the conclusion of the mueller report"
                    if _inside_longer_term(lh, lex):
                        continue  # "open source": its "source" is not the sources topic
                    if self._modifies_other_noun(toks, lh, lex):
                        continue  # "chinese users": the language, not the chinese labs
                    an.keyword_topics.add(lh.ref)
                    an.topic_words.setdefault(lh.ref, words)
                elif lh.kind == "concept":
                    an.concepts.add(lh.ref)
            if in_focus:
                covered.append((s_norm, explained))
                for shaped in unknown_names(sentence.text, self.name_keys, self.word_keys):
                    if shaped.text not in an.unknown_names:
                        target = an.unknown_names if shaped.strong else an.weak_names
                        target.append(shaped.text)
                        an.evidence.append(Evidence("unknown_name", shaped.text, shaped.text))

        for _, hit in sorted(model_hits, key=lambda p: (p[0], p[1].start)):
            target = an.models if _ == 0 else an.background_models
            if hit.ref not in an.models and hit.ref not in target:
                target.append(hit.ref)
            an.model_scores[hit.ref] = max(an.model_scores.get(hit.ref, 0.0), hit.score)
        an.background_models = [m for m in an.background_models if m not in an.models]
        seen_aspects: list[str] = []
        for _, _, aspect_id in sorted(aspect_order):
            if aspect_id not in seen_aspects:
                seen_aspects.append(aspect_id)
        an.aspects = seen_aspects
        for cue, words in sorted(cue_words.items()):
            an.evidence.append(Evidence("cue", cue, words))

        self._coverage(an, covered)
        an.alternatives = self._alternatives(focus_norm)
        if not an.models and "domain" not in an.cues:
            an.compares_other = self._compares_other(focus_norm)
        an.chosen_other = an.chosen_other or self._chosen_other(focus_norm)
        if an.aspects and not an.chosen_other:
            an.chosen_other = self._subject_other(focus_norm)
        an.asked_of_other = self._asked_of_other(focus_norm)
        self._jobs(an, norm, focus_norm)
        self._topics(an, self._article_names.canonical(focus_norm))
        an.follow_up = self._is_follow_up(an, focus_norm)
        an.all_models = "all_models" in an.cues
        # The whole message: "which one supports that many? the one with 80+" gives the
        # figure after the question.
        an.facts = self.facts.match(norm, question, an.concepts & self.fact_concepts)
        if an.models:
            rest = normalize(" ".join(unnamed))
            an.named_facts = self.facts.match(rest, rest, an.concepts & self.fact_concepts)
        return an

    @staticmethod
    def _sizes_as_adjectives(
        an: Analysis,
        names: list[Hit],
        toks: tuple[str, ...] | list[str],
        squashed: str,
        lex: list[LexHit],
        in_focus: bool,
    ) -> list[Hit]:
        """A size that describes the models wanted ("a good 7b model", "8B LLMs") names no
        family: a bare size (one listed as a variant's alias or not) followed by a domain
        word is recorded as ``bare_size`` and its variant hit dropped. A size written after
        a name ("qwen 7b") is that name's; "the 8B one" stays a name."""
        domain = [h for h in lex if h.kind == "cue" and h.ref == "domain"]
        domain_at = {h.start for h in domain}
        # Chinese terms sit after the tokens (at len(toks) + their place in ``squashed``):
        # "7b 模型" puts the domain word right after the size's letters there.
        n = len(toks)
        for h in domain:
            if h.start >= n:
                before = squashed[: h.start - n]
                for i, word in enumerate(toks):
                    if before.endswith(word):
                        domain_at.add(i + 1)
        after_name = {h.end for h in names if h.kind != "variant"}
        out: list[Hit] = []
        for hit in names:
            size = "".join(toks[hit.start : hit.end])
            if hit.kind == "variant" and _SIZE.match(size) and hit.end in domain_at:
                if in_focus and not an.bare_size:
                    an.bare_size = size.upper()
                    an.evidence.append(Evidence("size", an.bare_size, size))
                continue
            out.append(hit)
        if in_focus and not an.bare_size:
            named = {p for h in out for p in range(h.start, h.end)}
            for i, word in enumerate(toks):
                free = i not in named and i not in after_name
                if free and _SIZE.match(word) and i + 1 in domain_at:
                    an.bare_size = word.upper()
                    an.evidence.append(Evidence("size", an.bare_size, word))
                    break
        return out

    @staticmethod
    def _drop_sizes_of_other_names(
        names: list[Hit], toks: tuple[str, ...] | list[str]
    ) -> list[Hit]:
        """A bare size right after another name is that name's size: "llama 2 70b" is not
        Llama 3.1 70B. Such a variant hit ("70b") is dropped."""
        out: list[Hit] = []
        for hit in names:
            bare = (
                hit.kind == "variant"
                and hit.end - hit.start <= 2
                and _SIZE.match("".join(toks[hit.start : hit.end]))
            )
            if bare and out and out[-1].end == hit.start:
                before = out[-1]
                if before.kind == "entity" or (
                    before.kind == "model" and before.ref != hit.ref.partition("/")[0]
                ):
                    continue
            out.append(hit)
        return out

    @staticmethod
    def _resolve_lexicon(hits: list[LexHit]) -> list[LexHit]:
        """Overlapping terms of one kind: keep the longer (more specific) one, exact first.

        Kinds do not compete: "release dates" is both an aspect and a topic keyword, and
        "which model" is a cue that contains the domain word "model".
        """
        out: list[LexHit] = []
        by_kind: dict[str, list[LexHit]] = {}
        for hit in hits:
            by_kind.setdefault(hit.kind if hit.kind != "cue" else f"cue:{hit.ref}", []).append(hit)
        for kind in sorted(by_kind):
            chosen = sorted(
                by_kind[kind], key=lambda h: (-(h.end - h.start), not h.exact, h.start, h.ref)
            )
            taken: set[int] = set()
            for hit in chosen:
                span = range(hit.start, hit.end)
                if any(p in taken for p in span):
                    continue
                taken.update(span)
                out.append(hit)
        out.sort(key=lambda h: (h.start, h.kind, h.ref))
        return out

    def _coverage(self, an: Analysis, covered: list[tuple[str, set[int]]]) -> None:
        """How much of the asking sentences the knowledge base explains.

        Content words count by stem; Chinese counts by character (about two to a word),
        skipping filler characters. Digits, cue words and neutral words ("startup",
        "basically") are not counted either way.
        """
        shares: list[float] = []
        unknown = 0.0
        generic = self.vocab.generic_stems
        for s_norm, explained in covered:
            known = 0.0
            total = 0.0
            toks = tokens(s_norm)
            for pos, tok in enumerate(toks):
                if tok in STOPWORDS or tok.isdigit():
                    continue
                s = stem(tok)
                if pos not in explained and (
                    s in STOPWORDS or s in generic or s in self.neutral or tok in self.neutral
                ):
                    continue
                total += 1
                if (
                    pos in explained
                    or self.vocab.knows(s)
                    or self.lexicon.known_word(tok)
                    or any(ch.isdigit() for ch in tok)
                ):
                    known += 1
                else:
                    unknown += 1
            grams = self.vocab.by_gram
            offset = len(toks)
            squashed_pos = 0
            sentence_squashed = squash(s_norm)
            for run in cjk_runs(s_norm):
                unknown_at: set[int] = set()  # positions in the run of characters not known
                start = sentence_squashed.find(run, squashed_pos)
                squashed_pos = start + len(run) if start >= 0 else squashed_pos
                neutral = {
                    i + k
                    for word in self.neutral_zh
                    for i in _occurrences(run, word)
                    for k in range(len(word))
                }
                for i, ch in enumerate(run):
                    if ch in _ZH_FILLER or i in neutral:
                        continue
                    total += 1
                    in_hit = start >= 0 and (offset + start + i) in explained
                    if in_hit or run[max(0, i - 1) : i + 1] in grams or run[i : i + 2] in grams:
                        known += 1
                    else:
                        unknown += 0.5
                        unknown_at.add(i)
                if not an.chosen_other:
                    an.chosen_other = _chosen_other_zh(run, unknown_at)
            if total:
                shares.append(known / total)
        # The best-understood asking sentence: "…a skeleton of a web app by tonight. which
        # model?" is understood, however much of the situation is new vocabulary.
        an.explained = max(shares) if shares else 1.0
        an.unknown_words = unknown

    def _chosen_other(self, focus_norm: str) -> str:
        """The noun a question chooses or counts among when it is not a word for a model:
        "which phone has the best camera", "the best pizza in town", "how many people live
        in shanghai". "" when the word after the anchor is a function word, a word for a
        model or an aspect, or the first half of a compound ("best coding model")."""
        toks = tokens(focus_norm)
        for i, tok in enumerate(toks[:-1]):
            if tok == "how" and toks[i + 1] == "many":
                at = i + 2  # "how many <noun>"
            elif tok == "which" or tok in _RANKING_WORDS:
                at = i + 1  # "which <noun>", "best <noun>"
            else:
                continue
            if at >= len(toks):
                continue
            head = toks[at]
            after = toks[at + 1] if at + 1 < len(toks) else ""
            if head in STOPWORDS or head.isdigit():
                return ""
            if self._names_a_model(head):
                continue  # "which country has the most …": the next anchor may choose
            if tok == "how":
                # Counting: a quantity of anything ("how many people"), but not of the
                # first half of a compound ("how many chinese models") nor of a thing the
                # sources count ("how many devs").
                known = head not in self.neutral and bool(self.lexicon.forms(head))
                compound = bool(after) and self._names_a_model(after)
                return "" if known or compound else head
            if head in self.neutral:
                return ""  # "the best way to …", "which option …"
            # A noun is followed by its verb or a preposition ("which phone has", "the best
            # pizza in town"); "which came out", "best coding model" are not nouns chosen.
            if not after or after in _AFTER_CHOSEN_NOUN:
                return head
            # A compound's second noun, when it is no model word: "which translation app
            # is best", "the best budget airline to fly".
            then = toks[at + 2] if at + 2 < len(toks) else ""
            if (
                after not in STOPWORDS
                and after.isalpha()
                and not self._names_a_model(after)
                and (not then or then in _AFTER_CHOSEN_NOUN)
            ):
                return after
            return ""
        return ""

    def _modifies_other_noun(self, toks: tuple[str, ...], hit: LexHit, lex: list[LexHit]) -> bool:
        """Whether a one-word term a topic borrows from a concept ("chinese" of china)
        describes another noun here: "chinese users", "chinese documents", "reply in
        chinese" speak of a language or of people, while "chinese models", "chinese labs"
        or "china's 7 million developers" are the topic's own."""
        if hit.end - hit.start != 1 or not hit.term.origin.startswith("concept"):
            return False
        if hit.start > 0 and toks[hit.start - 1] in _LANGUAGE_USE:
            return True  # "in chinese", "translate to chinese", "speak chinese"
        if hit.end >= len(toks):
            return False
        following = toks[hit.end]
        if following in STOPWORDS or not following.isalpha() or self._names_a_model(following):
            return False
        if any(h.ref == hit.ref and h.start <= hit.end < h.end for h in lex):
            return False  # a word of the same topic's terms: "china developers"
        # People ("chinese users") or a thing the knowledge base knows as something else
        # ("chinese documents"); an unknown word may be the topic's ("the chinese market").
        return following in self.neutral or bool(self.lexicon.forms(following))

    def _subject_other(self, focus_norm: str) -> str:
        """The subject of a property question when it is not a model: "how big is china?",
        "when was the first iphone released?" ask a size or a date of something else. ""
        when the subject is a pronoun ("is it"), a word for a model or an aspect, or a
        neutral word."""
        match = _PROPERTY_OF.match(focus_norm)
        if match is None:
            return ""
        for tok in tokens(match.group(1))[:2]:
            if tok in _ORDINALS or tok in _RANKING_WORDS:
                continue  # "the first iphone", "the best one"
            if tok in STOPWORDS or tok in self.neutral or self._names_a_model(tok):
                return ""
            return tok
        return ""

    def _asked_of_other(self, focus_norm: str) -> str:
        """The subject of "does my bank …?", "can a hospital …?" when no term of the
        knowledge base knows it (a job's phrasing may: "bank", "hospital"): the question
        asks what that thing does, not which model suits it. "" for a word for a model, an
        aspect or a known term ("does the article say …", "is the chinese one open")."""
        match = _YES_NO_OF.match(focus_norm)
        if match is None:
            return ""
        head = tokens(match.group(1))[0]
        if head in STOPWORDS or head in self.neutral or not head.isalpha():
            return ""
        if self._names_a_model(head) or self.lexicon.forms(head):
            return ""
        return head

    def _slot_hits(self, toks: tuple[str, ...], names: list[Hit]) -> list[LexHit]:
        """Terms written with "it" for the model ("where is it from", "fine-tune it"),
        found with a model's name in that place: "where is mistral from", "finetune
        qwen2.5". Each hit spans the name it stands on."""
        spans = sorted(
            (h.start, h.end)
            for h in names
            if h.kind in ("model", "variant") and h.end <= len(toks)  # Latin tokens only
        )
        if not spans:
            return []
        slotted: list[str] = []
        back: list[tuple[int, int]] = []  # slotted position -> original token span
        slots: set[int] = set()
        pos = 0
        for start, end in spans:
            if start < pos:
                continue  # overlapping names: the first one stands
            for i in range(pos, start):
                slotted.append(toks[i])
                back.append((i, i + 1))
            slots.add(len(slotted))
            slotted.append("it")
            back.append((start, end))
            pos = end
        for i in range(pos, len(toks)):
            slotted.append(toks[i])
            back.append((i, i + 1))
        out: list[LexHit] = []
        for hit in self.lexicon.find(tuple(slotted), "", len(slotted)):
            words = hit.term.words
            if hit.kind == "cue" and hit.ref == "follow_up":
                continue  # "it" there is the name itself, no follow-up
            if not any(hit.start + k in slots for k, w in enumerate(words) if w == "it"):
                continue  # found without the slot: the plain pass has it
            if not any(w != "it" and w not in STOPWORDS for w in words):
                continue  # "where is it from": only function words around the slot
            out.append(LexHit(hit.term, back[hit.start][0], back[hit.end - 1][1], hit.exact))
        return out

    def _other_version(self, hit: Hit, toks: tuple[str, ...]) -> str:
        """ "Llama 4" when a name without a number of its own ("llama") is followed by a
        version number none of the model's names carry; "" otherwise (a size, a year, or
        the model's own number: "deepseek 2")."""
        if hit.end >= len(toks) or any(ch.isdigit() for t in toks[hit.start : hit.end] for ch in t):
            return ""
        number = toks[hit.end]
        if hit.end + 1 < len(toks) and toks[hit.end + 1] in ("b", "m"):
            return ""  # "llama 70 b": a size
        if not _VERSION_TOKEN.fullmatch(number) or number in self.versions[hit.ref]:
            return ""
        name = " ".join(toks[hit.start : hit.end]).title()
        return f"{name} {number}"

    def _names_a_model(self, word: str) -> bool:
        """A word for a model or for one of the aspects asked of models."""
        s = stem(word)
        return s in self._model_nouns or s in self._aspect_words

    def _alternatives(self, focus_norm: str) -> tuple[str, str] | None:
        for match in _ALTERNATIVES.finditer(focus_norm):
            a, b = match.group(1) or match.group(3), match.group(2) or match.group(4)
            refs = [self._concept_refs(w) for w in (a, b)]
            if refs[0] & refs[1]:
                return a, b
        return None

    def _compares_other(self, focus_norm: str) -> str:
        """The word beside a connective ("or", "vs", "和", "between … and") when it is a
        thing no term knows, or a version number, and no word of the question names a
        model: the question sets two other things against each other."""
        for match in _SET_AGAINST.finditer(focus_norm):
            at = match.start(1) if match.lastindex else match.start()
            end = match.end(1) if match.lastindex else match.end()
            left = [t for t in tokens(focus_norm[:at]) if t not in STOPWORDS][-1:]
            if left and left[0].isdigit() and not _NAMED_NUMBER.search(focus_norm[:at]):
                left = []  # "预算 100 美元的客服和翻译": a quantity, not a thing set against
            right = [t for t in tokens(focus_norm[end:]) if t not in STOPWORDS][:1]
            for tok in (*left, *right):
                if self._names_a_model(tok):
                    return ""
            for tok in (*left, *right):
                if any(ch.isdigit() for ch in tok) or not self._known_token(tok):
                    return tok
        return ""

    def _known_token(self, tok: str) -> bool:
        return (
            tok in self.neutral
            or self.vocab.knows(stem(tok))
            or self.lexicon.known_word(tok)
            or bool(self.names.find(tok, (tok,), tok))
        )

    def _concept_refs(self, word: str) -> set[str]:
        """The concepts one word is a term of ("javascript": code), names left out."""
        toks = tokens(word)
        if len(toks) != 1 or self.names.find(word, toks, squash(word)):
            return set()
        hits = self.lexicon.find(toks, squash(word), 1)
        return {h.ref for h in hits if h.kind == "concept" and h.end - h.start == 1}

    def _of_something_else(self, toks: tuple[str, ...], end: int, named: set[int]) -> bool:
        """Whether a topic keyword is followed by "of/for/about …" naming a thing the
        knowledge base does not know ("predictions for the election", "the timeline for
        my visa"): the keyword is then about that thing, not about the sources."""
        if end >= len(toks) or toks[end] not in _COMPLEMENT:
            return False
        for pos in range(end + 1, min(end + 4, len(toks))):
            tok = toks[pos]
            if tok in STOPWORDS or tok.isdigit():
                continue
            if pos in named:
                return False
            s = stem(tok)
            known = self.vocab.knows(s) or self.lexicon.known_word(tok) or s in self.neutral
            return not known
        return False

    def _jobs(self, an: Analysis, norm: str, focus_norm: str) -> None:
        """Score use cases over the whole message, preferring jobs named in the question."""
        whole = self.use_case_index.match(norm)
        asked = self.use_case_index.match(focus_norm) if focus_norm != norm else whole
        scores: dict[str, float] = {}
        shown: dict[str, tuple[str, bool]] = {}
        for ref, (score, phrase) in whole.items():
            in_focus = ref in asked and asked[ref][0] >= score - 1e-9
            # Background jobs count slightly less than jobs named in the question itself.
            scores[ref] = score if in_focus else score * 0.97
            shown[ref] = (phrase, in_focus)
        an.use_cases = self._by_support(
            sorted(((s, r) for r, s in scores.items()), key=lambda p: (-p[0], self.order[p[1]]))
        )
        for score, ref in an.use_cases[:3]:
            if score >= EVIDENCE_MIN:
                phrase, in_focus = shown[ref]
                an.evidence.append(Evidence("use_case", ref, phrase, score, in_focus))
        an.focus_use_case = bool(an.use_cases) and an.use_cases[0][1] in asked
        # Jobs that agree ("a helpdesk that answers within a second": support and latency
        # both point at the same model) make a described situation a clear request.
        if an.use_cases:
            # Agreement needs different words: "python" alone matches both code generation
            # and code migration, which is one sign, not two.
            lead = self._top_model(an.use_cases[0][1])
            an.job_support = len(
                {
                    normalize(shown[ref][0])
                    for score, ref in an.use_cases
                    if score >= JOB_SUPPORT_MIN and lead and self._top_model(ref) == lead
                }
            )
        an.phrase_question = any(
            process.extractOne(
                focus_norm,
                self._use_case_texts[ref],
                scorer=fuzz.ratio,
                processor=None,
                score_cutoff=PHRASE_QUESTION_MIN,
            )
            is not None
            for _, ref in an.use_cases[:5]
        )

    def _by_support(self, jobs: list[tuple[float, str]]) -> list[tuple[float, str]]:
        """Jobs best first, except that the model most of the matched jobs point at leads.

        "Rare-disease research group, too few cases, wants realistic fake records without
        leaking patient privacy": synthetic data and privacy both point at Llama; the single
        word "research" points elsewhere and must not decide.
        """
        support: dict[str, float] = {}
        for score, ref in jobs:
            model = self._top_model(ref)
            if model is not None and score >= JOB_SUPPORT_MIN:
                support[model] = support.get(model, 0.0) + score
        if not jobs or not support:
            return jobs
        lead = self._top_model(jobs[0][1])
        best = max(support, key=lambda m: support[m])
        if best == lead or support[best] < support.get(lead or "", 0.0) + SUPPORT_MARGIN:
            return jobs
        first = next(i for i, (_, ref) in enumerate(jobs) if self._top_model(ref) == best)
        return [jobs[first], *jobs[:first], *jobs[first + 1 :]]

    def _top_model(self, use_case: str) -> str | None:
        ranking = self.kb.use_cases[use_case].ranking
        return ranking[0].model if ranking else None

    def _topics(self, an: Analysis, text: str) -> None:
        """Score topics on the asking sentences; spot small talk asked on its own."""
        scores: dict[str, float] = {}
        phrases: dict[str, str] = {}  # topic -> its phrasing closest to the question
        whole = process.extractOne(
            text,
            self._topic_choices,
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=WHOLE_MATCH_MIN,
        )
        if whole is not None:
            ref = self._topic_refs[whole[2]]
            # Asking exactly a topic's phrasing settles it, whatever keywords say.
            scores[ref] = whole[1] / 100.0 + (0.5 if whole[1] >= 100 else 0.0)
            an.small_talk = ref if ref in SMALL_TALK else None
            phrases[ref] = whole[0]
        zh = has_cjk(text)
        for topic_id, (cov, _) in sorted(self.topic_index.match(text).items()):
            scorer = fuzz.ratio if zh else fuzz.token_sort_ratio
            match = process.extractOne(text, self._topic_texts[topic_id], scorer=scorer)
            best = match[1] if match else 0.0
            if match:
                phrases.setdefault(topic_id, match[0])
            scores[topic_id] = max(
                scores.get(topic_id, 0.0), 0.6 * min(cov, 1.0) + 0.4 * best / 100
            )
        for ref in sorted(an.keyword_topics):
            # A topic keyword ("prediction", "来源") is strong evidence on its own.
            scores[ref] = max(0.8, scores.get(ref, 0.0) + 0.25)
        if "article" in an.cues:
            scores = {r: v + 0.1 if r not in SMALL_TALK else v for r, v in scores.items()}
        for ref in sorted(an.keyword_topics):
            for other in self.kb.topics[ref].outranks:
                if other in scores and scores[other] >= scores[ref]:
                    # The narrower topic wins: a hair above the broader one.
                    scores[ref] = scores[other] + 0.01
        an.topics = sorted(
            ((s, r) for r, s in scores.items()), key=lambda p: (-p[0], self.topic_order[p[1]])
        )
        for score, ref in an.topics[:2]:
            if score >= EVIDENCE_MIN:
                # The question's own words for a keyword, else the phrasing it resembles.
                words = an.topic_words.get(ref) or phrases.get(ref, ref)
                an.evidence.append(Evidence("topic", ref, words, score))

    @staticmethod
    def _is_follow_up(an: Analysis, text: str) -> bool:
        """Whether the question leans on the previous one ("it", "and llama?", "那…呢")."""
        if "follow_up" in an.cues or _FOLLOW_UP_EN.match(text):
            return True
        return has_cjk(text) and _FOLLOW_UP_ZH.search(text) is not None


def _ends_inside_a_model_word(hit: LexHit, domain_ends: dict[int, int]) -> bool:
    """Whether a domain word ("大模型") starts inside ``hit`` and runs past its end: the
    characters they share belong to the longer word, so ``hit`` was never said.
    ``domain_ends`` maps where each domain word starts to where it ends."""
    return any(domain_ends.get(p, 0) > hit.end for p in range(hit.start + 1, hit.end))


def _inside_longer_term(hit: LexHit, hits: list[LexHit]) -> bool:
    """Whether another kind of term spans ``hit`` and more ("source" in "open source")."""
    return any(
        h.kind != hit.kind
        and h.start <= hit.start
        and hit.end <= h.end
        and h.end - h.start > hit.end - hit.start
        for h in hits
    )


_ZH_SELECTOR = re.compile(r"哪(?:一)?(?:家|个|款|种|类)")
_ZH_COUNTED = re.compile(r"多少(?:个|种|位|名)?")
# A superlative and the noun it ranks: "最长的河流", "最好吃的火锅".
_ZH_RANKED = re.compile(r"最[\u4e00-\u9fff]{1,3}?的")


def _chosen_other_zh(run: str, unknown_at: set[int]) -> str:
    """ "哪家快递最便宜", "买车险哪家划算": two characters no term explains right after or
    right before "哪家/哪个/哪款" name the thing chosen, and it is no model. The same two
    characters right after "多少" name what is counted ("中国有多少人口"), and right after
    a superlative what it ranks ("中国最长的河流")."""
    for match in _ZH_SELECTOR.finditer(run):
        after = range(match.end(), match.end() + 2)
        before = range(match.start() - 2, match.start())
        for span in (after, before):
            if span.start >= 0 and span.stop <= len(run) and all(p in unknown_at for p in span):
                return run[span.start : span.stop]
    for pattern in (_ZH_COUNTED, _ZH_RANKED):
        for match in pattern.finditer(run):
            span = range(match.end(), match.end() + 2)
            if span.stop <= len(run) and all(p in unknown_at for p in span):
                return run[span.start : span.stop]
    return ""


class _ArticleNames:
    """Rewrites the article's other names ("this write-up", "那篇稿子") to the first word
    of the ``article`` cue in that language, so that topic phrasings written with
    "article" match them too."""

    def __init__(self, names: Phrasings, article: Phrasings) -> None:
        self._subs: list[tuple[re.Pattern[str], str]] = []
        for terms, canon, latin in ((names.en, article.en, True), (names.zh, article.zh, False)):
            words = sorted({normalize(t) for t in terms if normalize(t)}, key=len, reverse=True)
            if not words or not canon:
                continue
            body = "|".join(re.escape(w) for w in words)
            pattern = rf"(?<![\w-])(?:{body})(?![\w-])" if latin else f"(?:{body})"
            self._subs.append((re.compile(pattern), normalize(canon[0])))

    def canonical(self, text: str) -> str:
        for pattern, canon in self._subs:
            text = pattern.sub(canon, text)
        return text


def _occurrences(text: str, word: str) -> list[int]:
    """Start positions of ``word`` in ``text`` (non-overlapping)."""
    out = []
    pos = text.find(word)
    while pos >= 0:
        out.append(pos)
        pos = text.find(word, pos + len(word))
    return out


def _surface(toks: tuple[str, ...], squashed: str, start: int, end: int) -> str:
    """The question's own words for a hit (Latin tokens, or the Chinese substring)."""
    if end <= len(toks):
        return " ".join(toks[start:end])
    offset = start - len(toks)
    return squashed[offset : offset + (end - start)]
