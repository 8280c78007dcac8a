"""JSON Schema export, so editors validate knowledge YAML while admins type."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from bot.kb.schema import (
    AspectsFile,
    ConceptsFile,
    GlossesFile,
    Model,
    ResponsesFile,
    SourcesFile,
    TopicsFile,
    UiFile,
    UseCasesFile,
    VocabularyFile,
)

SCHEMAS: dict[str, type[BaseModel]] = {
    "sources": SourcesFile,
    "model": Model,
    "use_cases": UseCasesFile,
    "topics": TopicsFile,
    "aspects": AspectsFile,
    "vocabulary": VocabularyFile,
    "responses": ResponsesFile,
    "concepts": ConceptsFile,
    "glosses": GlossesFile,
    "ui": UiFile,
}


def schema_json(model: type[BaseModel]) -> str:
    schema = model.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_schemas(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = out / f"{name}.schema.json"
        path.write_text(schema_json(model), encoding="utf-8")
        written.append(path)
    return written
