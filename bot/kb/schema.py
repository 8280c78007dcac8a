"""Pydantic models for the knowledge base files under ``knowledge/``.

Each YAML file maps onto one of the ``*File`` models below; the loader
assembles them into a :class:`KnowledgeBase`. Every model forbids unknown
keys so that a typo in a YAML key is reported, not silently ignored.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", min_length=1, max_length=64),
]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

# The aspects the code relies on (overviews, /compare defaults); aspects.yaml may add more.
CoreAspect = Literal[
    "release_date",
    "parameters",
    "modalities",
    "languages",
    "pricing",
    "training",
    "license",
    "safety",
    "strengths",
    "main_use_case",
    "origin",
    "context_window",
]
ASPECTS: tuple[str, ...] = get_args(CoreAspect)
Aspect = Id  # any aspect id defined in aspects.yaml


class Strict(BaseModel):
    """Base for every knowledge model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """The same statement in English and Chinese. Both are required."""

    en: NonEmpty
    zh: NonEmpty


class Phrasings(Strict):
    """Ways people ask for something, per language. Matching is fuzzy and case-blind."""

    en: list[NonEmpty] = Field(default_factory=list)
    zh: list[NonEmpty] = Field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.en, *self.zh]


class Citation(Strict):
    """A verbatim quote from a source. The section is derived from the source's headings."""

    source: Id
    quote: NonEmpty
    # Filled in by the loader: the section from the source's headings, the English gloss
    # from glosses.yaml. Admins never type either here.
    _section: str = PrivateAttr(default="")
    _gloss: str | None = PrivateAttr(default=None)

    @property
    def section(self) -> str:
        return self._section

    @property
    def gloss(self) -> str | None:
        return self._gloss


class Source(Strict):
    """One source article, stored verbatim under ``knowledge/sources/``."""

    id: Id
    title: NonEmpty
    publisher: NonEmpty
    date: date
    language: Literal["en", "zh"]
    file: NonEmpty
    url: str | None = None


class SourcesFile(Strict):
    sources: list[Source]


class Fact(Strict):
    """One claim about a model, in both languages, backed by quotes.

    ``stated: false`` marks an answer that says the article does *not* give
    this information (its text then says what the article does say instead).
    """

    aspect: Aspect
    text: Text
    stated: bool = True
    # Details the fact does not give (concept ids): asked for, they are "not stated".
    lacks: list[Id] = Field(default_factory=list)
    citations: list[Citation] = Field(min_length=1)


class Model(Strict):
    """One language model that the article covers (``knowledge/models/<id>.yaml``)."""

    id: Id
    name: NonEmpty
    vendor: NonEmpty
    aliases: list[NonEmpty] = Field(min_length=1)
    summary: Text
    # The aspects whose facts back the summary: their quotes are its citations.
    summary_aspects: list[Aspect] = Field(default_factory=list)
    # Concepts the article states of this model ("open source", "made in China"): a
    # recommendation asked with one of them puts the models that have it first.
    traits: list[Id] = Field(default_factory=list)
    facts: list[Fact] = Field(min_length=1)


class RankedModel(Strict):
    model: Id
    reason: Text
    citations: list[Citation] = Field(min_length=1)


class UseCase(Strict):
    """A job someone wants a model for, with the article's ranking of models."""

    id: Id
    name: Text
    phrasings: Phrasings
    # Concepts (concepts.yaml) whose words also point at this job: "snappy", "秒回".
    concepts: list[Id] = Field(default_factory=list)
    ranking: list[RankedModel] = Field(default_factory=list)
    # Said when the article does not rank models for this job, or ranks them only weakly.
    note: Text | None = None


class UseCasesFile(Strict):
    use_cases: list[UseCase]


class Topic(Strict):
    """A general question about the article, answered in both languages."""

    id: Id
    phrasings: Phrasings
    # Words that on their own point at this topic ("prediction", "预测").
    keywords: Phrasings = Field(default_factory=Phrasings)
    # Concepts whose words count as keywords of this topic.
    concepts: list[Id] = Field(default_factory=list)
    # Aspects that, asked of every model at once, are this topic ("when were the three
    # released?" is the timeline, not a table of release dates).
    aspects: list[Id] = Field(default_factory=list)
    # Topics this one wins over when both are named: it is the narrower question
    # ("the author's prediction about China" is the prediction, not China in general).
    outranks: list[Id] = Field(default_factory=list)
    answer: Text
    models: list[Id] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)


class TopicsFile(Strict):
    topics: list[Topic]


class AspectInfo(Strict):
    """Names and trigger words for one aspect (price, parameters, ...).

    ``addressed: false`` marks something people ask about that the article never
    covers for any model (benchmarks, function calling): questions about it are
    declined with "the article doesn't say", and no fact may use it.
    """

    id: Aspect
    name: Text
    keywords: Phrasings
    concepts: list[Id] = Field(default_factory=list)
    addressed: bool = True


class Concept(Strict):
    """Words for one idea, in both languages, shared by use cases, aspects and topics.

    Add a synonym once here and every entry that lists the concept understands it.
    Inflections ("debugging") and typos ("debuging") are handled by the matcher.
    """

    id: Id
    en: list[NonEmpty] = Field(default_factory=list)
    zh: list[NonEmpty] = Field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.en, *self.zh]


class ConceptsFile(Strict):
    concepts: list[Concept]


class Gloss(Strict):
    """An English rendering of one quoted passage, shown marked as a translation."""

    quote: NonEmpty
    en: NonEmpty


class GlossesFile(Strict):
    glosses: list[Gloss]


class OtherEntity(Strict):
    """Something people ask about that is not a first-class model.

    ``topic`` set: the article mentions it, answer with that topic.
    ``topic`` unset: the article does not cover it, and the bot says so.
    """

    id: Id
    name: NonEmpty
    aliases: list[NonEmpty] = Field(min_length=1)
    topic: Id | None = None
    # A company the article names as a model's maker ("Meta"): asking about it asks
    # about that model.
    model: Id | None = None
    # Models the article measures against this entity ("GPT-4o" for Llama's cost):
    # naming it beside one of them is a question about that model, not about it.
    reference_for: list[Id] = Field(default_factory=list)


class Vocabulary(Strict):
    """Cue words the intent matcher uses, editable without touching code."""

    recommend: Phrasings
    compare: Phrasings
    overview: Phrasings
    # Words that show a question is about LLMs at all.
    domain: Phrasings
    # Words that point at the source article itself ("the article", "作者").
    article: Phrasings = Field(default_factory=Phrasings)
    # Requests to do a job rather than to pick a model ("write me", "帮我翻译").
    task: Phrasings = Field(default_factory=Phrasings)
    # Words that make a question lean on the previous one ("it", "and", "那…呢").
    follow_up: Phrasings = Field(default_factory=Phrasings)
    # Words that mean every model at once ("all three", "these models", "三个模型").
    all_models: Phrasings = Field(default_factory=Phrasings)
    # Things people may ask to be recommended that are not language models ("laptop",
    # "手机"): "recommend a cheap phone" is not a request for a model.
    not_models: Phrasings = Field(default_factory=Phrasings)
    # Words that say nothing either way about being on topic ("startup", "basically"):
    # they neither count as understood nor as unknown.
    neutral: Phrasings = Field(default_factory=Phrasings)


class VocabularyFile(Strict):
    vocabulary: Vocabulary
    other_entities: list[OtherEntity] = Field(default_factory=list)


class AspectsFile(Strict):
    aspects: list[AspectInfo]


class Catalogue(Strict):
    """A set of the bot's own sentences, one :class:`Text` per field.

    ``PLACEHOLDERS`` says, per field, which ``{name}`` placeholders the code that
    uses the sentence fills in; any other placeholder would reach users as literal
    text, so the checker rejects it.
    """

    PLACEHOLDERS: ClassVar[dict[str, frozenset[str]]] = {}

    @classmethod
    def placeholders_for(cls, field: str) -> frozenset[str]:
        return cls.PLACEHOLDERS.get(field, frozenset())


class Responses(Catalogue):
    """The bot's own sentences; placeholders such as ``{model}`` are filled in."""

    PLACEHOLDERS: ClassVar[dict[str, frozenset[str]]] = {
        "unknown_model": frozenset({"model"}),
        "not_stated": frozenset({"model", "aspect"}),
        "need_model": frozenset({"models"}),
        "no_ranking": frozenset({"models"}),
        "compare_intro": frozenset({"models"}),
        "rank_position": frozenset({"use_case", "model", "rank"}),
        "rank_absent": frozenset({"use_case", "model", "models"}),
        "not_addressed": frozenset({"aspect", "model"}),
        "not_addressed_any": frozenset({"aspect", "models"}),
    }

    out_of_scope: Text
    unknown_model: Text
    not_stated: Text
    low_confidence: Text
    need_model: Text
    no_ranking: Text
    recommend_intro: Text
    compare_intro: Text
    # "For {use_case}, the article ranks {model} #{rank}."
    rank_position: Text
    # "For {use_case}, the article does not name {model}; it recommends {models}."
    rank_absent: Text
    # "The article says nothing about {aspect} for {model}." (then what it does say)
    not_addressed: Text
    # "The article gives no {aspect} for any of the models it covers ({models})."
    not_addressed_any: Text
    # A one-line pointer when the bot is asked to do a task itself ("translate this").
    task_request: Text


class ResponsesFile(Strict):
    responses: Responses


class Ui(Catalogue):
    """Every sentence and label of the Discord front end (``knowledge/ui.yaml``).

    ``cmd_*`` and ``opt_*`` are slash-command names and descriptions: Discord shows the
    English to en-US/en-GB users and the Chinese to zh-CN users after the next command
    sync. Names must stay lowercase single words (Discord's rule for command names).
    """

    PLACEHOLDERS: ClassVar[dict[str, frozenset[str]]] = {
        "cooldown_notice": frozenset({"seconds"}),
        "unknown_model_option": frozenset({"value", "options"}),
        "unknown_use_case_option": frozenset({"value", "options"}),
        "more_quotes": frozenset({"count"}),
        "coverage": frozenset({"models", "facts", "use_cases", "citations"}),
        "admin_denied_role": frozenset({"role"}),
        "admin_status_version": frozenset({"version"}),
        "admin_status_loaded": frozenset({"time", "directory"}),
        "admin_status_counts": frozenset({"counts"}),
        "admin_status_analytics": frozenset({"summary"}),
        "kb_counts": frozenset(
            {"sources", "models", "facts", "use_cases", "topics", "phrasings", "citations"}
        ),
        "analytics_counts": frozenset({"questions", "answered", "feedback", "helpful"}),
        "analytics_unavailable": frozenset({"path"}),
        "admin_reload_ok": frozenset({"version"}),
        "admin_reload_rejected": frozenset({"version"}),
        "admin_check_ok": frozenset({"counts"}),
        "admin_check_problems": frozenset({"count"}),
        "admin_log_reload_rejected": frozenset({"version"}),
    }

    # -- replies -------------------------------------------------------------
    cooldown_notice: Text
    apology: Text
    unknown_model_option: Text
    unknown_use_case_option: Text
    compare_needs_two: Text
    feedback_thanks: Text
    # -- answer embeds ---------------------------------------------------------
    title_default: Text
    title_unsure: Text
    title_declined: Text
    label_sources: Text
    label_sources_more: Text
    label_confidence: Text
    label_did_you_mean: Text
    label_not_stated: Text
    label_coverage: Text
    more_quotes: Text
    translation_mark: Text
    coverage: Text
    # -- "Why this answer?" ----------------------------------------------------
    why_button: Text
    why_title: Text
    why_rule: Text
    why_evidence: Text
    why_runner_up: Text
    why_nothing: Text
    why_expired: Text
    # -- admin replies -----------------------------------------------------------
    admin_denied_role: Text
    admin_denied_permission: Text
    admin_status_version: Text
    admin_status_loaded: Text
    admin_status_counts: Text
    admin_status_analytics: Text
    admin_status_error_header: Text
    admin_status_no_error: Text
    kb_counts: Text
    analytics_counts: Text
    analytics_unavailable: Text
    admin_reload_ok: Text
    admin_reload_rejected: Text
    admin_check_ok: Text
    admin_check_problems: Text
    admin_unanswered_header: Text
    admin_unanswered_none: Text
    admin_log_reload_rejected: Text
    # -- slash commands (names, descriptions) --------------------------------------
    cmd_ask: Text
    cmd_ask_desc: Text
    opt_question_desc: Text
    cmd_compare: Text
    cmd_compare_desc: Text
    opt_model_a_desc: Text
    opt_model_b_desc: Text
    opt_model_c_desc: Text
    opt_compare_aspect_desc: Text
    cmd_model: Text
    cmd_model_desc: Text
    opt_model_name_desc: Text
    opt_model_aspect_desc: Text
    cmd_recommend: Text
    cmd_recommend_desc: Text
    opt_use_case_desc: Text
    cmd_sources: Text
    cmd_sources_desc: Text
    cmd_help: Text
    cmd_help_desc: Text
    cmd_kb: Text
    cmd_kb_desc: Text
    cmd_kb_status: Text
    cmd_kb_status_desc: Text
    cmd_kb_reload: Text
    cmd_kb_reload_desc: Text
    cmd_kb_check: Text
    cmd_kb_check_desc: Text
    cmd_kb_unanswered: Text
    cmd_kb_unanswered_desc: Text
    opt_limit_desc: Text

    def text(self, field: str, lang: str, **values: object) -> str:
        """The entry ``field`` in ``lang`` ("zh" or anything else for English), filled in."""
        entry: Text = getattr(self, field)
        out = entry.zh if lang == "zh" else entry.en
        for key, value in values.items():
            out = out.replace("{" + key + "}", str(value))
        return out


class UiFile(Strict):
    ui: Ui


class KnowledgeBase(Strict):
    """Everything the engine knows, validated and cross-checked."""

    sources: dict[str, Source]
    source_texts: dict[str, str]
    models: dict[str, Model]
    use_cases: dict[str, UseCase]
    topics: dict[str, Topic]
    aspects: dict[str, AspectInfo]
    vocabulary: Vocabulary
    other_entities: dict[str, OtherEntity]
    responses: Responses
    concepts: dict[str, Concept] = Field(default_factory=dict)
    ui: Ui
    version: str = ""

    def counts(self) -> dict[str, int]:
        facts = sum(len(m.facts) for m in self.models.values())
        phrasings = sum(len(u.phrasings.all()) for u in self.use_cases.values()) + sum(
            len(t.phrasings.all()) for t in self.topics.values()
        )
        citations = (
            sum(len(f.citations) for m in self.models.values() for f in m.facts)
            + sum(len(r.citations) for u in self.use_cases.values() for r in u.ranking)
            + sum(len(t.citations) for t in self.topics.values())
        )
        return {
            "sources": len(self.sources),
            "models": len(self.models),
            "facts": facts,
            "use cases": len(self.use_cases),
            "topics": len(self.topics),
            "phrasings": phrasings,
            "citations": citations,
        }


PLACEHOLDER = re.compile(r"\{(\w+)\}")
