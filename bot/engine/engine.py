"""The question-answering engine: text in, sourced :class:`Answer` out.

The intent is chosen from the entities present (models, aspects, use
cases, topic words, cue words), with rapidfuzz phrase similarity as one
signal among several, and a calibrated confidence decides between
answering, suggesting ("did you mean") and declining. Questions with no
domain evidence are declined whatever any fuzzy score says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.engine.answer import Answer, Why
from bot.engine.compose import Composer, join_names, say
from bot.engine.context import Asker, Context, ContextStore
from bot.engine.entities import (
    SHORT_PHRASE_SCORE,
    Entities,
    EntityIndex,
    PhraseIndex,
    TermIndex,
    generic_phrases,
)
from bot.kb.schema import KnowledgeBase
from bot.text.normalize import (
    cjk_runs,
    compact,
    content_stems,
    has_cjk,
    normalize,
    tokens,
)

USE_CASE_MIN = 0.7
TOPIC_MIN = 0.62
TOPIC_STRONG = 0.8
WHOLE_MATCH_MIN = 80.0
# Share of a question's words the knowledge base must know before we answer it
# without a model name; lower when a domain word ("model", "LLM") is present.
EXPLAINED_MIN = 0.75
EXPLAINED_MIN_DOMAIN = 0.35
EXPLAINED_MIN_CUE = 0.5
# A question this close to a use-case phrasing ("code debugging") asks for a model.
PHRASE_QUESTION_MIN = 90.0
SMALL_TALK = ("greeting", "help")

_FOLLOW_UP_EN = re.compile(
    r"^(and|what about|how about|also|what of|same for|ok and|and for)\b"
    r"|\b(it|its|it's|this one|that one|this model|that model|they|them|their)\b"
)
_FOLLOW_UP_ZH = re.compile(r"(呢|那么|那个|那|它|该模型|这个模型|这款)")
SUGGEST_MIN = 0.6
NEAR_MATCH = 0.95
# Chinese characters too common to count as evidence of anything.
_ZH_FILLER = set(
    "的了吗呢吧啊呀是在有和与我你他她它们这那个么什怎样请问一下帮给能会可以就都也还"
    "很要把做该应因为拿到不没最较想让得地着过对从被所但而且或又再才只已正用些种款哦嘛"
)


@dataclass(frozen=True)
class Thresholds:
    """Confidence bands: answer at or above ``answer``, suggest above ``suggest``."""

    answer: float = 0.55
    suggest: float = 0.35


@dataclass
class _Signals:
    ents: Entities
    lang: str
    models: list[str]
    aspects: list[str]
    unknown: list[str]
    entity_topics: list[str]
    use_case: str | None
    use_case_score: float
    topic: str | None
    topic_score: float
    explained: float
    unknown_words: float
    small_talk: str | None
    keyword_topics: set[str]
    phrase_question: bool
    follow_up: bool
    candidates: list[tuple[float, str]] = field(default_factory=list)


class Engine:
    """Answers questions from one :class:`KnowledgeBase`; cheap to rebuild on reload."""

    def __init__(
        self,
        kb: KnowledgeBase,
        contexts: ContextStore | None = None,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.kb = kb
        self.contexts = contexts if contexts is not None else ContextStore()
        self.thresholds = thresholds or Thresholds()
        self.index = EntityIndex(kb)
        self.compose = Composer(kb)
        self._topic_phrases = PhraseIndex()
        self._topic_phrases.set_generic(generic_phrases(kb))
        self._topic_texts: dict[str, list[str]] = {}
        self._topic_words = TermIndex()
        self._topic_choices: list[str] = []
        self._use_case_texts = {
            uc.id: [normalize(p) for p in uc.phrasings.all()] for uc in kb.use_cases.values()
        }
        self._topic_refs: list[str] = []
        for topic in kb.topics.values():
            texts = [normalize(p) for p in topic.phrasings.all()]
            self._topic_texts[topic.id] = texts
            self._topic_choices += texts
            self._topic_refs += [topic.id] * len(texts)
            self._topic_phrases.add_all(topic.id, topic.phrasings)
            for kw in topic.keywords.all():
                # Exact only: "sources" must not catch "open source".
                self._topic_words.add("topic", topic.id, kw, fuzzy=False)
        self._vocab = self._domain_vocabulary(kb)
        self._small_talk_stems = {
            stem_
            for topic_id in SMALL_TALK
            if topic_id in kb.topics
            for text in kb.topics[topic_id].keywords.all() + kb.topics[topic_id].phrasings.all()
            for stem_ in content_stems(normalize(text))
        }

    def with_kb(self, kb: KnowledgeBase) -> Engine:
        """A new engine over ``kb`` that keeps the conversation context."""
        return Engine(kb, self.contexts, self.thresholds)

    @staticmethod
    def _domain_vocabulary(kb: KnowledgeBase) -> PhraseIndex:
        """Every word and Chinese bigram the knowledge base uses to match questions."""
        texts: list[str] = []
        for model in kb.models.values():
            texts += [model.name, *model.aliases]
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
        vocab = kb.vocabulary
        for cue in (vocab.recommend, vocab.compare, vocab.overview, vocab.domain):
            texts += cue.all()
        index = PhraseIndex()
        index.set_generic([*vocab.recommend.all(), *vocab.compare.all(), *vocab.overview.all()])
        for text in texts:
            index.add("vocabulary", text)
        return index

    # -- structured requests (slash commands) --------------------------------
    def fact(self, model_id: str, aspect: str, lang: str) -> Answer:
        question = f"{self.kb.models[model_id].name} {self.compose.aspect_name(aspect, lang)}"
        ans = self.compose.fact(self.compose.base(question, lang, "fact", 1.0), model_id, aspect)
        return self._finish(ans, "command:fact")

    def overview(self, model_id: str, lang: str) -> Answer:
        ans = self.compose.base(self.kb.models[model_id].name, lang, "overview", 1.0)
        return self._finish(self.compose.overview(ans, model_id), "command:overview")

    def compare(self, model_ids: list[str], aspects: list[str], lang: str) -> Answer:
        question = " vs ".join(self.kb.models[m].name for m in model_ids)
        ans = self.compose.base(question, lang, "compare", 1.0)
        return self._finish(self.compose.compare(ans, model_ids, aspects), "command:compare")

    def recommend(self, use_case_id: str, lang: str) -> Answer:
        name = say(self.kb.use_cases[use_case_id].name, lang)
        ans = self.compose.base(name, lang, "recommend", 1.0)
        return self._finish(self.compose.recommend(ans, use_case_id), "command:recommend")

    def topic(self, topic_id: str, lang: str) -> Answer:
        intent = topic_id if topic_id in SMALL_TALK else "topic"
        ans = self.compose.base(topic_id, lang, intent, 1.0)
        return self._finish(self.compose.topic(ans, topic_id), "command:topic")

    def _finish(self, ans: Answer, rule: str, evidence: list[str] | None = None) -> Answer:
        if not ans.why.rule:
            ans.why = Why(rule=rule, evidence=evidence or [])
        return self.compose.finish(ans)

    # -- signals -----------------------------------------------------------
    def _coverage(self, norm: str) -> tuple[float, float]:
        """(share of the question the knowledge base knows, rough count of unknown words).

        Content words count by stem; Chinese counts by character (about two to a word),
        skipping filler characters. Digits and cue words ("best", "which") are neutral.
        """
        stems = [
            s for s in content_stems(norm) if not s.isdigit() and s not in self._vocab.generic_stems
        ]
        known = sum(1 for s in stems if self._vocab.knows(s))
        unknown_words = float(len(stems) - known)
        total = len(stems)
        grams = self._vocab.by_gram
        for run in cjk_runs(norm):
            for i, ch in enumerate(run):
                if ch in _ZH_FILLER:
                    continue
                total += 1
                if run[max(0, i - 1) : i + 1] in grams or run[i : i + 2] in grams:
                    known += 1
                else:
                    unknown_words += 0.5
        return (known / total if total else 1.0), unknown_words

    def _topic_scores(
        self, norm: str, article_cue: bool
    ) -> tuple[dict[str, float], str | None, set[str]]:
        """Score topics; also return a small-talk topic the whole question closely matches."""
        scores: dict[str, float] = {}
        # Whole-question similarity catches stopword-only phrasings ("what can you do").
        whole = process.extractOne(
            norm,
            self._topic_choices,
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=WHOLE_MATCH_MIN,
        )
        small_talk = None
        if whole is not None:
            ref = self._topic_refs[whole[2]]
            # Asking exactly a topic's phrasing settles it, whatever keywords say.
            scores[ref] = whole[1] / 100.0 + (0.5 if whole[1] >= 100 else 0.0)
            small_talk = ref if ref in SMALL_TALK else None
        zh = has_cjk(norm)
        for topic_id, cov in self._topic_phrases.scores(norm).items():
            scorer = fuzz.ratio if zh else fuzz.token_sort_ratio
            match = process.extractOne(
                norm, self._topic_texts[topic_id], scorer=scorer, processor=None
            )
            best = match[1] if match else 0.0
            scores[topic_id] = max(
                scores.get(topic_id, 0.0), 0.6 * min(cov, 1.0) + 0.4 * best / 100
            )
        # A topic keyword ("prediction", "来源") is strong evidence on its own, and a
        # longer keyword is more specific ("software developers" beats "china").
        longest: dict[str, int] = {}
        for hit in self._topic_words.find(norm, tokens(norm), compact(norm)):
            length = (
                len(compact(" ".join(tokens(norm)[hit.start : hit.end]))) or hit.end - hit.start
            )
            longest[hit.ref] = max(longest.get(hit.ref, 0), length)
        for ref, length in longest.items():
            scores[ref] = max(0.8, scores.get(ref, 0.0) + 0.25) + 0.02 * min(length, 20)
        if article_cue:
            scores = {ref: v + 0.1 if ref not in SMALL_TALK else v for ref, v in scores.items()}
        return scores, small_talk, set(longest)

    def _signals(self, question: str) -> _Signals:
        ents = self.index.find(question)
        norm = ents.text
        unknown = [h.ref for h in ents.entities if self.kb.other_entities[h.ref].topic is None]
        entity_topics = [
            t for h in ents.entities if (t := self.kb.other_entities[h.ref].topic) is not None
        ]
        uc_hit = ents.use_cases[0] if ents.use_cases else None
        explained, unknown_words = self._coverage(norm)
        topics, small_talk, keyword_topics = self._topic_scores(norm, "article" in ents.cues)
        # Only use cases that share a word with the question can be that close to it.
        phrase_question = any(
            process.extractOne(
                norm,
                self._use_case_texts[hit.ref],
                scorer=fuzz.ratio,
                processor=None,
                score_cutoff=PHRASE_QUESTION_MIN,
            )
            is not None
            for hit in ents.use_cases
        )
        topic, topic_score = max(topics.items(), key=lambda kv: kv[1], default=(None, 0.0))
        candidates = sorted(
            [(s, f"topic:{t}") for t, s in topics.items()]
            + [(h.score, f"use_case:{h.ref}") for h in ents.use_cases],
            reverse=True,
        )
        return _Signals(
            ents=ents,
            lang="zh" if has_cjk(question) else "en",
            models=ents.model_ids(),
            aspects=ents.aspect_ids(),
            unknown=list(dict.fromkeys(unknown)),
            entity_topics=list(dict.fromkeys(entity_topics)),
            use_case=uc_hit.ref if uc_hit else None,
            use_case_score=uc_hit.score if uc_hit else 0.0,
            topic=topic,
            topic_score=topic_score,
            explained=explained,
            unknown_words=unknown_words,
            small_talk=small_talk,
            keyword_topics=keyword_topics,
            phrase_question=phrase_question,
            follow_up=bool(
                _FOLLOW_UP_EN.match(norm) or (has_cjk(norm) and _FOLLOW_UP_ZH.search(norm))
            ),
            candidates=candidates,
        )

    # -- the decision ------------------------------------------------------
    def answer(self, question: str, asker: Asker | None = None) -> Answer:
        """Answer ``question`` for ``asker``, using and updating their context."""
        asker = asker or Asker()
        question = question.strip()
        sig = self._signals(question)
        ctx = self.contexts.get(asker)
        ans = self._decide(question, sig, ctx)
        if ans.answered and ans.confidence < self.thresholds.answer:
            # Below the answer band: offer what we would have answered, do not assert it.
            ans = self._unsure(question, sig, ans)
        self._finish(ans, ans.intent or "unsure")
        if ans.answered and ans.intent not in SMALL_TALK:
            self.contexts.put(
                asker,
                Context(
                    models=list(ans.models),
                    aspect=(
                        sig.aspects[0]
                        if sig.aspects
                        else (ctx.aspect if ctx and ans.intent in ("fact", "compare") else None)
                    ),
                    use_case=(
                        sig.use_case
                        if sig.use_case_score >= USE_CASE_MIN
                        else (ctx.use_case if ctx and ans.intent == "fact" else None)
                    ),
                ),
            )
        return ans

    def _decide(self, question: str, sig: _Signals, ctx: Context | None) -> Answer:
        c = self.compose
        t = self.thresholds
        responses = self.kb.responses
        lang = sig.lang
        models, aspects = sig.models, sig.aspects
        has_uc = sig.use_case is not None and sig.use_case_score >= USE_CASE_MIN
        use_case = sig.use_case or ""
        cues = sig.ents.cues
        strength = 0.55 + 0.45 * sig.explained
        # Naming something the article discusses (Baichuan, Moonshot) is domain evidence;
        # naming a company only in passing (OpenAI: "who is its CEO?") is not.
        specific_entity = sig.unknown_words <= 1 and any(t != "overview" for t in sig.entity_topics)
        in_domain = (
            sig.explained >= EXPLAINED_MIN
            or (("domain" in cues or specific_entity) and sig.explained >= EXPLAINED_MIN_DOMAIN)
            or (bool({"recommend", "article"} & cues) and sig.explained >= EXPLAINED_MIN_CUE)
        )

        def base(intent: str | None, confidence: float) -> Answer:
            return c.base(question, lang, intent, confidence)

        if not sig.ents.text:
            return c.decline(base("out_of_scope", 1.0), responses.out_of_scope)
        if sig.small_talk and not models and not aspects and not has_uc:
            return c.topic(base(sig.small_talk, sig.topic_score), sig.small_talk)
        # "yo bot how do i use u", "hello there bot 👋": small talk by keyword when nothing
        # else is recognised and little else is said.
        if not models and not aspects and not has_uc:
            # Help before greeting ("hi, how do I use you"); a greeting must be all greeting
            # ("hey, what's the weather?" is not one).
            # Small-talk words are not in the domain vocabulary; do not count them as unknown.
            chatter = sum(
                1
                for s in content_stems(sig.ents.text)
                if s in self._small_talk_stems and not self._vocab.knows(s)
            )
            for topic_id, unknown_allowed in (("help", 1.0), ("greeting", 0.0)):
                if (
                    topic_id in sig.keyword_topics
                    and sig.unknown_words - chatter <= unknown_allowed
                ):
                    return c.topic(base(topic_id, 0.85), topic_id)

        # Models the article does not cover: say so rather than answer about another model.
        if sig.unknown and not models:
            names = join_names((self.kb.other_entities[e].name for e in sig.unknown), lang)
            return c.decline(base("unknown_model", 0.9), responses.unknown_model, model=names)

        ctx_models = ctx.models if ctx else []
        # "how does it compare to llama?" compares with the model already in context.
        if len(models) == 1 and "compare" in cues and ctx_models and models[0] not in ctx_models:
            models = [*ctx_models, models[0]]

        if len(models) >= 2:
            ans = base("compare", 0.9 * strength + 0.1)
            if has_uc and not aspects:
                ans = c.compare_for_use_case(ans, models, use_case)
            else:
                ans = c.compare(ans, models, aspects)
            return self._note_unknown(ans, sig)

        if len(models) == 1:
            model = models[0]
            model_score = max(h.score for h in sig.ents.models if h.ref == model)
            if aspects:
                ans = c.fact(base("fact", model_score * strength), model, aspects[0])
                return self._note_unknown(ans, sig)
            if has_uc:
                ans = base("fact", min(model_score, sig.use_case_score) * strength)
                return self._note_unknown(c.model_for_use_case(ans, model, use_case), sig)
            # "and llama?" keeps the aspect, or the job, of the previous question.
            if ctx and (sig.follow_up or len(content_stems(sig.ents.text)) <= 2):
                if ctx.aspect:
                    ans = base("fact", model_score * strength)
                    return self._note_unknown(c.fact(ans, model, ctx.aspect), sig)
                if ctx.use_case:
                    ans = base("fact", model_score * strength)
                    return self._note_unknown(c.model_for_use_case(ans, model, ctx.use_case), sig)
            # A topic keyword ("prediction") outranks the model name it mentions.
            if (
                sig.topic in sig.keyword_topics
                and sig.topic not in ("overview", *SMALL_TALK)
                and sig.topic_score >= TOPIC_STRONG
            ):
                return c.topic(base("topic", sig.topic_score * strength), sig.topic)
            # "how long do llamas live?" names a model but asks nothing we know about it.
            if ("overview" in cues and sig.unknown_words < 2) or sig.unknown_words < 1:
                ans = base("overview", model_score * (0.6 + 0.4 * sig.explained))
                return self._note_unknown(c.overview(ans, model), sig)
            ans = c.decline(base("out_of_scope", 0.4), responses.low_confidence)
            ans.suggestions = [
                self.kb.models[model].name,
                *c.known_aspect_questions(model, lang)[:2],
            ]
            return ans

        # No model named.
        # "translate this into french", "帮我写代码": a job for the bot itself, which it does
        # not do; point at the matching recommendation instead.
        if "task" in cues and not {"recommend", "domain"} & cues and not sig.phrase_question:
            return self._low_confidence(question, sig, force_out_of_scope=True)
        # "best llm for a coding copilot in our IDE?": a request for a model plus a job we
        # know is enough, however many other words the question has.
        if (
            has_uc
            and sig.use_case_score >= SHORT_PHRASE_SCORE
            and {"recommend", "domain"} & cues
            and not aspects
            and not (sig.topic_score > sig.use_case_score and sig.topic not in SMALL_TALK)
        ):
            conf = sig.use_case_score * (0.7 + 0.3 * sig.explained)
            return c.recommend(base("recommend", conf), use_case)
        # A multi-word job ("real-time chat") needs less of the rest of the question explained.
        if not in_domain and not (sig.use_case_score >= 0.95 and sig.explained >= 0.5):
            return self._low_confidence(question, sig)
        # "compare all three on languages": every model (or the ones in context).
        if "compare" in cues and aspects and not has_uc and not sig.keyword_topics:
            targets = ctx_models if len(ctx_models) >= 2 else list(self.kb.models)
            return c.compare(base("compare", 0.85 * strength), targets, aspects)
        if aspects and ctx_models and (sig.follow_up or not has_uc):
            if len(ctx_models) == 1:
                return c.fact(base("fact", 0.85 * strength), ctx_models[0], aspects[0])
            return c.compare(base("compare", 0.85 * strength), ctx_models, aspects)
        if sig.entity_topics:
            return c.topic(base("topic", 0.85 * strength), sig.entity_topics[0])
        strong_topic = (
            sig.topic is not None
            and sig.topic not in SMALL_TALK
            and sig.topic_score >= TOPIC_STRONG
            and sig.topic_score > sig.use_case_score
        )
        # A job alone ("translate good morning into french") is not a request for a model;
        # a cue word, a domain word, or a question that is just the job's name is.
        asks_for_model = (
            bool({"recommend", "compare", "domain"} & cues)
            or sig.follow_up
            or sig.use_case_score >= 0.95
            or sig.phrase_question
        )
        if has_uc and not strong_topic and asks_for_model:
            conf = sig.use_case_score * strength
            if conf >= t.answer:
                return c.recommend(base("recommend", conf), use_case)
        if "compare" in cues and not strong_topic and not has_uc:
            # "compare all three models" / "三个模型的价格对比一下"
            return c.compare(base("compare", 0.8 * strength), list(self.kb.models), aspects)
        if sig.topic and sig.topic not in SMALL_TALK and sig.topic_score >= TOPIC_MIN:
            conf = sig.topic_score * strength
            if conf >= t.answer:
                return c.topic(base("topic", conf), sig.topic)
        if aspects and "recommend" in cues and sig.explained >= EXPLAINED_MIN:
            # "which model supports the most languages?" compares every model on it.
            return c.compare(base("compare", 0.8 * strength), list(self.kb.models), aspects)
        if aspects:
            ans = c.decline(
                base(None if sig.unknown_words == 0 else "out_of_scope", 0.5),
                responses.need_model,
                models=join_names((m.name for m in self.kb.models.values()), lang),
            )
            name = c.aspect_name(aspects[0], lang)
            ans.suggestions = [f"{m.name} {name}" for m in list(self.kb.models.values())[:3]]
            return ans
        return self._low_confidence(question, sig)

    def _unsure(self, question: str, sig: _Signals, tentative: Answer) -> Answer:
        """Turn a low-confidence answer into a "did you mean" with it as the first option."""
        c = self.compose
        band = tentative.confidence >= self.thresholds.suggest
        ans = c.decline(
            c.base(question, sig.lang, None if band else "out_of_scope", tentative.confidence),
            self.kb.responses.low_confidence if band else self.kb.responses.out_of_scope,
        )
        if band:
            first = tentative.title or tentative.question
            ans.suggestions = list(dict.fromkeys([first, *self._suggestions(sig)]))[:3]
        return ans

    def _low_confidence(
        self, question: str, sig: _Signals, force_out_of_scope: bool = False
    ) -> Answer:
        """Suggest close questions when there is some domain evidence, else decline."""
        c = self.compose
        best = min(1.0, sig.candidates[0][0]) if sig.candidates else 0.0
        evidence = best * (0.3 + 0.7 * sig.explained)
        if best >= SUGGEST_MIN and (sig.ents.domain or sig.explained >= EXPLAINED_MIN_DOMAIN):
            evidence = max(evidence, self.thresholds.suggest)
        if evidence >= self.thresholds.suggest:
            suggestions = self._suggestions(sig)
            if suggestions:
                # Close to something we know: unsure (no intent). Far: out of scope, with hints.
                intent = None if best >= NEAR_MATCH and not force_out_of_scope else "out_of_scope"
                ans = c.decline(
                    c.base(question, sig.lang, intent, evidence), self.kb.responses.low_confidence
                )
                ans.suggestions = suggestions
                return ans
        return c.decline(
            c.base(question, sig.lang, "out_of_scope", 1.0 - evidence),
            self.kb.responses.out_of_scope,
        )

    def _suggestions(self, sig: _Signals) -> list[str]:
        out: list[str] = []
        for score, ref in sig.candidates:
            if score < 0.3 or len(out) == 3:
                break
            kind, _, ident = ref.partition(":")
            if ident in SMALL_TALK:
                continue
            if kind == "topic":
                phrasings = self.kb.topics[ident].phrasings
            else:
                phrasings = self.kb.use_cases[ident].phrasings
            options = phrasings.zh if sig.lang == "zh" else phrasings.en
            if options and options[0] not in out:
                out.append(options[0])
        return out

    def _note_unknown(self, ans: Answer, sig: _Signals) -> Answer:
        if sig.unknown:
            names = join_names((self.kb.other_entities[e].name for e in sig.unknown), sig.lang)
            note = say(self.kb.responses.unknown_model, sig.lang).replace("{model}", names)
            ans.answer = f"{ans.answer}\n{note}"
        return ans
