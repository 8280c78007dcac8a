"""The engine's output: a plain, serialisable answer (the CLI JSON contract).

An :class:`Answer` carries everything a front end shows: the summary text of
the contract, and structured parts (intro, ranked items, note, display names,
source titles, comparison cells, the decision's "why"), so that renderers
never parse text or reach back into the knowledge base.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


class Recommendation(BaseModel):
    model_config = ConfigDict(frozen=True)

    model: str
    reason: str


class CitationOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str
    section: str
    quote: str
    # The quote rendered in the answer's language when its source is in the other one
    # (an English gloss under a Chinese quote, a Chinese one under an English quote),
    # marked as a translation wherever it is shown; never a substitute for the quote.
    gloss: str | None = None
    # The section heading in the answer's language, likewise.
    section_gloss: str | None = None


class CompareCell(BaseModel):
    """One model's entry for one aspect in a side-by-side comparison."""

    text: str
    stated: bool
    # 1-based positions in ``Answer.citations`` of the quotes behind this cell.
    sources: list[int] = Field(default_factory=list)


class Why(BaseModel):
    """Which decision rule produced the answer, on what evidence, and what came second."""

    rule: str = ""
    evidence: list[str] = Field(default_factory=list)
    runner_up: str | None = None
    # What the rule recognises, in the answer's language (for people; not in the contract).
    summary: str = ""


class SourceInfo(BaseModel):
    """How to name a cited source: title, publisher, date (ISO) and address."""

    model_config = ConfigDict(frozen=True)

    title: str
    publisher: str
    date: str
    url: str | None = None
    # The title in the answer's language when the source is in the other one.
    title_gloss: str | None = None
    # How the answer names it ("Meta's Llama 3.1 model card"), in the answer's language.
    cited_as: str = ""
    language: str = "en"


class Answer(BaseModel):
    """What the bot says back. ``to_contract`` gives the documented JSON shape."""

    question: str
    answered: bool
    intent: str | None
    confidence: float = Field(ge=0.0, le=1.0)
    language: Literal["en", "zh"]
    answer: str
    recommendations: list[Recommendation] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list)
    citations: list[CitationOut] = Field(default_factory=list)
    suggestions: list[str] = Field(default_factory=list)
    why: Why = Field(default_factory=Why)
    # Structured parts for front ends (Discord embeds, the console); not in the contract.
    title: str = ""
    intro: str = ""  # the sentence before ranked items or comparison rows
    note: str = ""  # a closing remark after them (e.g. "the article recommends only …")
    aspect: str | None = None
    topic: str | None = None
    use_case: str | None = None  # the job a recommendation answers
    table: dict[str, dict[str, CompareCell]] = Field(default_factory=dict)
    model_names: dict[str, str] = Field(default_factory=dict)  # id -> display name
    aspect_names: dict[str, str] = Field(default_factory=dict)  # id -> name in `language`
    sources: dict[str, SourceInfo] = Field(default_factory=dict)  # id -> how to cite it
    kb_version: str = ""
    # Not a question for the bot (a statement, a bare word, a code paste, chat): ask channels
    # stay quiet on it (see ASK_CHANNEL_CHATTER); analytics records it as chatter.
    chatter: bool = False
    # For chatter: whether it still looked like a question (one the bot could not place,
    # "what time is the raid tonight?"), as opposed to a statement or "lol".
    looked_like_question: bool = False

    CONTRACT_KEYS: ClassVar[tuple[str, ...]] = (
        "question",
        "answered",
        "intent",
        "confidence",
        "language",
        "answer",
        "recommendations",
        "models",
        "citations",
        "suggestions",
        "why",
    )

    def to_contract(self) -> dict[str, Any]:
        data = self.model_dump(include=set(self.CONTRACT_KEYS), exclude={"why": {"summary"}})
        data["confidence"] = round(self.confidence, 3)
        return {key: data[key] for key in self.CONTRACT_KEYS}

    def model_name(self, model_id: str) -> str:
        return self.model_names.get(model_id, model_id)
