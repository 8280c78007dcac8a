"""The question-answering engine: text in, sourced :class:`Answer` out.

``Engine.answer`` reads the question (:mod:`bot.engine.analysis`), lets the
policy table (:mod:`bot.engine.rules`) pick the first rule that holds, bands
the confidence (answer, "did you mean", or decline), records why, and keeps
the asker's context for follow-ups. No randomness and no hash-order
dependence: the same knowledge base and question give the same answer.
"""

from __future__ import annotations

from bot.engine.analysis import SMALL_TALK, SMALL_TALK_INTENT, Analysis, Matchers
from bot.engine.answer import Answer, Why
from bot.engine.compose import Composer, say
from bot.engine.context import Asker, Context, ContextStore
from bot.engine.rules import (
    Rule,
    Situation,
    Thresholds,
    decide,
    describe_rule,
    suggestions_for,
)
from bot.kb.schema import KnowledgeBase

__all__ = ["Engine", "Thresholds"]

# A missed question is matched to an entry for the teach loop only above this score.
SUGGEST_TARGET_MIN = 0.3
EARLIER_MAX = 3  # models of earlier answers a follow-up about "the two" may reach back to


class Engine:
    """Answers questions from one :class:`KnowledgeBase`; cheap to rebuild on reload."""

    def __init__(
        self,
        kb: KnowledgeBase,
        contexts: ContextStore | None = None,
        thresholds: Thresholds | None = None,
        matchers: Matchers | None = None,
    ) -> None:
        self.kb = kb
        self.contexts = contexts if contexts is not None else ContextStore()
        self.thresholds = thresholds or Thresholds()
        self.matchers = matchers if matchers is not None and matchers.kb is kb else Matchers(kb)
        self.compose = Composer(kb)

    def with_kb(self, kb: KnowledgeBase) -> Engine:
        """A new engine over ``kb`` that keeps the conversation context."""
        return Engine(kb, self.contexts, self.thresholds)

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
        intent = SMALL_TALK_INTENT.get(topic_id, "topic")
        ans = self.compose.base(topic_id, lang, intent, 1.0)
        return self._finish(self.compose.topic(ans, topic_id), "command:topic")

    def resolve_model(self, text: str) -> str | None:
        """A model id from an id, a name or an alias (typos allowed); None if not exactly one."""
        if text in self.kb.models:
            return text
        found = self.matchers.read(text).models
        return found[0] if len(found) == 1 else None

    def resolve_use_case(self, text: str) -> str | None:
        """A use-case id from an id, a name in either language, or words for the job."""
        if text in self.kb.use_cases:
            return text
        folded = text.casefold().strip()
        for uc in self.kb.use_cases.values():
            if folded in (uc.name.en.casefold(), uc.name.zh.casefold()):
                return uc.id
        an = self.matchers.read(text)
        return an.use_case if an.use_case_score >= self.thresholds.use_case_min else None

    def suggest_target(self, question: str) -> tuple[str, str] | None:
        """The knowledge-base entry a missed question most resembles, for the teach loop:
        ("use_case:debugging", "Debugging") or ("topic:prediction", "prediction")."""
        an = self.read(question)
        best: tuple[float, str, str] | None = None
        for score, uc_id in an.use_cases[:1]:
            best = (score, f"use_case:{uc_id}", self.kb.use_cases[uc_id].name.en)
        for score, topic_id in an.topics[:1]:
            if topic_id not in SMALL_TALK and (best is None or score > best[0]):
                best = (score, f"topic:{topic_id}", topic_id.replace("_", " "))
        if best is None or best[0] < SUGGEST_TARGET_MIN:
            return None
        return best[1], best[2]

    def _finish(self, ans: Answer, rule: str, evidence: list[str] | None = None) -> Answer:
        if not ans.why.rule:
            ans.why = Why(
                rule=rule, evidence=evidence or [], summary=describe_rule(rule, ans.language)
            )
        return self.compose.finish(ans)

    # -- free text ---------------------------------------------------------
    def read(self, question: str) -> Analysis:
        """What the matcher recognises in ``question`` (for tools such as /kb find)."""
        return self.matchers.read(question.strip())

    def answer(self, question: str, asker: Asker | None = None) -> Answer:
        """Answer ``question`` for ``asker``, using and updating their context."""
        asker = asker or Asker()
        an = self.read(question)
        ctx = self.contexts.get(asker)
        situation = Situation(
            an,
            ctx,
            self.kb,
            self.compose,
            self.thresholds,
            self.matchers,
        )
        rule, ans, runner_up = decide(situation)
        ans.why = Why(
            rule=rule.name,
            evidence=self._evidence(situation),
            runner_up=runner_up,
            summary=rule.summary(an.lang),
        )
        if ans.answered and ans.confidence < self.thresholds.answer:
            # Below the answer band: offer what we would have answered, do not assert it.
            ans = self._unsure(situation, ans, rule)
        self._remember(asker, situation, ans)
        return self.compose.finish(ans)

    @staticmethod
    def _evidence(s: Situation) -> list[str]:
        an = s.an
        lines = an.explain()
        found = s.reverse_fact
        if found is not None:
            lines.append(f"fact {found[0]}/{found[1]} ← {', '.join(found[2])}")
        if s.leans_on_context and not an.models and s.ctx_models:
            lines.append(f"context models {', '.join(s.ctx_models)}")
        lines.append(f"explained {an.explained:.2f} of the question")
        return lines

    def _unsure(self, s: Situation, tentative: Answer, rule: Rule) -> Answer:
        """Turn a low-confidence answer into a "did you mean" with it as the first option."""
        c = self.compose
        band = tentative.confidence >= self.thresholds.suggest
        ans = c.decline(
            c.base(
                s.an.question, s.an.lang, None if band else "out_of_scope", tentative.confidence
            ),
            self.kb.responses.low_confidence if band else self.kb.responses.out_of_scope,
            models=c.covered(s.an.lang),
        )
        if band:
            first = tentative.title or tentative.question
            ans.suggestions = list(dict.fromkeys([first, *suggestions_for(s)]))[:3]
        ans.why = Why(
            rule="below_answer_threshold",
            evidence=[
                *tentative.why.evidence,
                f"confidence {tentative.confidence:.2f} < {self.thresholds.answer:.2f}",
            ],
            runner_up=rule.name,
            summary=describe_rule("below_answer_threshold", s.an.lang),
        )
        return ans

    def _remember(self, asker: Asker, s: Situation, ans: Answer) -> None:
        """Keep what a follow-up may lean on: the models, the aspect, the job.

        A "not stated" decline is still about its model: "and its MMLU score?" follows it.
        """
        if not ans.answered and not s.named and s.aspects and not ans.models and not s.ctx_models:
            # "how many parameters does it have?" with nothing to lean on: keep the aspect,
            # so "sorry, I meant Mistral Large 2" can answer it.
            self.contexts.put(asker, Context(aspect=s.aspects[0]))
            return
        if (not ans.answered and ans.intent != "not_stated") or ans.intent in SMALL_TALK:
            return
        if not ans.answered and not ans.models:
            return
        if ans.intent == "topic":
            # Topic answers are about the article, not a model: nothing to lean on.
            self.contexts.put(asker, Context())
            return
        models = (
            [ans.recommendations[0].model]
            if ans.intent == "recommend" and ans.recommendations
            else list(ans.models)
        )
        aspect: str | None
        use_case: str | None
        if ans.use_case:
            aspect, use_case = None, ans.use_case  # a job: "and llama?" asks about the job
        else:
            aspect = ans.aspect or (s.ctx_aspect if ans.intent in ("fact", "compare") else None)
            use_case = s.ctx_use_case if ans.intent == "fact" and not ans.aspect else None
        before = [*s.ctx_models, *(s.ctx.earlier if s.ctx else [])]
        earlier = [m for m in dict.fromkeys(before) if m not in models][:EARLIER_MAX]
        self.contexts.put(
            asker, Context(models=models, earlier=earlier, aspect=aspect, use_case=use_case)
        )
