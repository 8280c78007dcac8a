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

Aspect = Literal[
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
ASPECTS: tuple[str, ...] = get_args(Aspect)


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
    # Filled in by the loader from the source's headings; admins never type it.
    _section: str = PrivateAttr(default="")

    @property
    def section(self) -> str:
        return self._section


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
    citations: list[Citation] = Field(min_length=1)


class Model(Strict):
    """One language model that the article covers (``knowledge/models/<id>.yaml``)."""

    id: Id
    name: NonEmpty
    vendor: NonEmpty
    aliases: list[NonEmpty] = Field(min_length=1)
    summary: Text
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
    answer: Text
    models: list[Id] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)


class TopicsFile(Strict):
    topics: list[Topic]


class AspectInfo(Strict):
    """Names and trigger words for one aspect (price, parameters, ...)."""

    id: Aspect
    name: Text
    keywords: Phrasings


class OtherEntity(Strict):
    """Something people ask about that is not a first-class model.

    ``topic`` set: the article mentions it, answer with that topic.
    ``topic`` unset: the article does not cover it, and the bot says so.
    """

    id: Id
    name: NonEmpty
    aliases: list[NonEmpty] = Field(min_length=1)
    topic: Id | None = None


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
    }

    out_of_scope: Text
    unknown_model: Text
    not_stated: Text
    low_confidence: Text
    need_model: Text
    no_ranking: Text
    recommend_intro: Text
    compare_intro: Text
    did_you_mean: Text
    # "For {use_case}, the article ranks {model} #{rank}."
    rank_position: Text
    # "For {use_case}, the article does not name {model}; it recommends {models}."
    rank_absent: Text


class ResponsesFile(Strict):
    responses: Responses


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
