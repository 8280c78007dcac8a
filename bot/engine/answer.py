"""The engine's output: a plain, serialisable answer (the CLI JSON contract)."""

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


class CompareCell(BaseModel):
    """One model's entry for one aspect in a side-by-side comparison."""

    text: str
    stated: bool
    # 1-based positions in ``Answer.citations`` of the quotes behind this cell.
    sources: list[int] = Field(default_factory=list)


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
    # Extra detail for richer front ends (Discord embeds); not part of the JSON contract.
    title: str = ""
    aspect: str | None = None
    topic: str | None = None
    table: dict[str, dict[str, CompareCell]] = Field(default_factory=dict)

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
    )

    def to_contract(self) -> dict[str, Any]:
        data = self.model_dump(include=set(self.CONTRACT_KEYS))
        data["confidence"] = round(self.confidence, 3)
        return {key: data[key] for key in self.CONTRACT_KEYS}
