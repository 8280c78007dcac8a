"""Load a knowledge directory into a validated :class:`KnowledgeBase`.

``check_directory`` collects *every* problem (YAML syntax, schema, broken
references, misquoted citations, conflicting phrasings) as ``file:line:col``
records instead of stopping at the first; ``load_directory`` raises
:class:`KnowledgeError` holding all of them when any exist.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.kb.quotes import SourceText
from bot.kb.schema import (
    ASPECTS,
    PLACEHOLDER,
    AspectsFile,
    Catalogue,
    Citation,
    KnowledgeBase,
    Model,
    ResponsesFile,
    SourcesFile,
    TopicsFile,
    UiFile,
    UseCasesFile,
    VocabularyFile,
)
from bot.kb.yamlsafe import Problem, YamlDoc, YamlProblem, load_yaml, read_text

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

# File name (relative to the knowledge directory) -> schema it must follow.
SINGLE_FILES: dict[str, type[BaseModel]] = {
    "sources.yaml": SourcesFile,
    "use_cases.yaml": UseCasesFile,
    "topics.yaml": TopicsFile,
    "aspects.yaml": AspectsFile,
    "vocabulary.yaml": VocabularyFile,
    "responses.yaml": ResponsesFile,
    "ui.yaml": UiFile,
}
MODELS_DIR = "models"
ALLOWED_PLACEHOLDERS = {"model", "aspect", "models", "use_case", "rank"}


class KnowledgeError(Exception):
    """The knowledge directory has problems; ``problems`` lists all of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        shown = "\n".join(str(p) for p in self.problems[:20])
        more = len(self.problems) - 20
        tail = f"\n... and {more} more" if more > 0 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the knowledge base:\n{shown}{tail}")


@dataclass
class CheckResult:
    """The outcome of checking a directory: the knowledge base if it is clean."""

    problems: list[Problem] = field(default_factory=list)
    kb: KnowledgeBase | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.kb is not None


def load_directory(directory: Path | str) -> KnowledgeBase:
    """Load and fully check ``directory``; raise :class:`KnowledgeError` on any problem."""
    result = check_directory(directory)
    if not result.ok:
        raise KnowledgeError(result.problems)
    assert result.kb is not None
    return result.kb


def check_directory(directory: Path | str) -> CheckResult:
    """Validate a knowledge directory and report every problem found."""
    return _Builder(Path(directory)).run()


def _format_pydantic_error(err: Any) -> str:
    kind = err["type"]
    loc = ".".join(str(p) for p in err["loc"])
    if kind == "missing":
        return f"missing required key '{err['loc'][-1]}' (under '{loc}'); add it"
    if kind == "extra_forbidden":
        return f"unknown key '{err['loc'][-1]}'; remove it or check its spelling"
    return f"{loc}: {err['msg']}"


class _Builder:
    """Reads every file, validates it, then runs the cross-file checks."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.docs: dict[str, YamlDoc] = {}
        self.hash = hashlib.sha256()

    # -- reading ---------------------------------------------------------
    def _display(self, path: Path) -> str:
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    def _read(self, path: Path, schema: type[T]) -> T | None:
        display = self._display(path)
        try:
            doc = load_yaml(path, display)
        except YamlProblem as exc:
            self.problems.append(Problem(display, exc.line, exc.col, exc.message))
            return None
        except OSError as exc:
            self.problems.append(Problem(display, 1, 1, f"cannot read file: {exc.strerror}"))
            return None
        self.docs[display] = doc
        # The version depends on content and names inside the directory, not on the cwd.
        name = path.relative_to(self.root).as_posix()
        self.hash.update(name.encode() + b"\0" + doc.text.encode())
        if doc.data is None:
            self.problems.append(
                doc.problem(
                    (),
                    "file is empty; see the comment at the top of "
                    "a sibling file for the expected layout",
                )
            )
            return None
        try:
            return schema.model_validate(doc.data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(err["loc"])
                self.problems.append(doc.problem(loc, _format_pydantic_error(err)))
            return None

    def run(self) -> CheckResult:
        if not self.root.is_dir():
            return CheckResult(
                [
                    Problem(
                        str(self.root),
                        0,
                        0,
                        "knowledge directory not found; pass the path to the "
                        "folder that holds sources.yaml",
                    )
                ]
            )
        parsed: dict[str, Any] = {}
        for name, schema in SINGLE_FILES.items():
            path = self.root / name
            if not path.is_file():
                self.problems.append(
                    Problem(
                        self._display(path),
                        0,
                        0,
                        f"required file {name} is missing; create it "
                        "(see README 'Editing the knowledge base')",
                    )
                )
                continue
            parsed[name] = self._read(path, schema)
        models: dict[str, tuple[Model, str]] = {}
        model_dir = self.root / MODELS_DIR
        model_paths = sorted(model_dir.glob("*.yaml")) if model_dir.is_dir() else []
        if not model_paths:
            self.problems.append(
                Problem(
                    self._display(model_dir),
                    0,
                    0,
                    "no model files found; add models/<model-id>.yaml",
                )
            )
        for path in model_paths:
            model = self._read(path, Model)
            if model is None:
                continue
            display = self._display(path)
            if model.id in models:
                first = models[model.id][1]
                self.problems.append(
                    self.docs[display].problem(
                        ("id",),
                        f"duplicate model id '{model.id}' (also in {first}); "
                        "each model needs its own id",
                    )
                )
                continue
            if path.stem != model.id:
                self.problems.append(
                    self.docs[display].problem(
                        ("id",),
                        f"model id '{model.id}' does not match the file name "
                        f"'{path.name}'; rename the file to {model.id}.yaml",
                    )
                )
            models[model.id] = (model, display)

        if any(parsed.get(name) is None for name in SINGLE_FILES) or not models:
            return CheckResult(self.problems)
        return self._cross_check(parsed, models)

    # -- cross-file checks ---------------------------------------------
    def _doc(self, name: str) -> YamlDoc:
        return self.docs[self._display(self.root / name)]

    def _cross_check(
        self, parsed: dict[str, Any], models: dict[str, tuple[Model, str]]
    ) -> CheckResult:
        sources_file: SourcesFile = parsed["sources.yaml"]
        use_cases: UseCasesFile = parsed["use_cases.yaml"]
        topics: TopicsFile = parsed["topics.yaml"]
        aspects: AspectsFile = parsed["aspects.yaml"]
        vocab: VocabularyFile = parsed["vocabulary.yaml"]
        responses: ResponsesFile = parsed["responses.yaml"]
        ui: UiFile = parsed["ui.yaml"]

        texts = self._load_sources(sources_file)
        self._unique_ids("sources.yaml", "sources", [s.id for s in sources_file.sources])
        self._unique_ids("use_cases.yaml", "use_cases", [u.id for u in use_cases.use_cases])
        self._unique_ids("topics.yaml", "topics", [t.id for t in topics.topics])
        self._unique_ids("aspects.yaml", "aspects", [a.id for a in aspects.aspects])
        self._unique_ids("vocabulary.yaml", "other_entities", [e.id for e in vocab.other_entities])

        missing_aspects = sorted(set(ASPECTS) - {a.id for a in aspects.aspects})
        for aspect in missing_aspects:
            self.problems.append(
                self._doc("aspects.yaml").problem(
                    ("aspects",), f"aspect '{aspect}' has no entry; add its names and keywords"
                )
            )

        topic_ids = {t.id for t in topics.topics}
        for i, uc in enumerate(use_cases.use_cases):
            doc = self._doc("use_cases.yaml")
            for j, ranked in enumerate(uc.ranking):
                if ranked.model not in models:
                    self.problems.append(
                        doc.problem(
                            ("use_cases", i, "ranking", j, "model"),
                            f"unknown model '{ranked.model}'; known models: "
                            f"{', '.join(sorted(models))}",
                        )
                    )
            if not uc.ranking and uc.note is None:
                self.problems.append(
                    doc.problem(
                        ("use_cases", i),
                        f"use case '{uc.id}' has no ranking and no note; "
                        "rank models or add a note saying the article is silent",
                    )
                )
            for lang in ("en", "zh"):
                if not getattr(uc.phrasings, lang):
                    self.problems.append(
                        doc.problem(
                            ("use_cases", i, "phrasings"),
                            f"use case '{uc.id}' has no {lang} phrasings; add at least one",
                        )
                    )
        for i, topic in enumerate(topics.topics):
            doc = self._doc("topics.yaml")
            for j, model_id in enumerate(topic.models):
                if model_id not in models:
                    self.problems.append(
                        doc.problem(("topics", i, "models", j), f"unknown model '{model_id}'")
                    )
            for lang in ("en", "zh"):
                if not getattr(topic.phrasings, lang):
                    self.problems.append(
                        doc.problem(
                            ("topics", i, "phrasings"),
                            f"topic '{topic.id}' has no {lang} phrasings; add at least one",
                        )
                    )
        for i, entity in enumerate(vocab.other_entities):
            if entity.topic is not None and entity.topic not in topic_ids:
                self.problems.append(
                    self._doc("vocabulary.yaml").problem(
                        ("other_entities", i, "topic"), f"unknown topic '{entity.topic}'"
                    )
                )

        self._check_conflicts(use_cases, topics, aspects, models, vocab)
        self._check_placeholders(responses)
        self._check_catalogue("ui.yaml", "ui", ui.ui)
        for doc_name, loc, citation in self._citations(use_cases, topics, models):
            self._check_citation(doc_name, loc, citation, texts)

        if self.problems:
            return CheckResult(self.problems)
        kb = KnowledgeBase(
            sources={s.id: s for s in sources_file.sources},
            source_texts={sid: st.raw for sid, st in texts.items()},
            models={mid: m for mid, (m, _) in models.items()},
            use_cases={u.id: u for u in use_cases.use_cases},
            topics={t.id: t for t in topics.topics},
            aspects={a.id: a for a in aspects.aspects},
            vocabulary=vocab.vocabulary,
            other_entities={e.id: e for e in vocab.other_entities},
            responses=responses.responses,
            ui=ui.ui,
            version=self.hash.hexdigest()[:12],
        )
        return CheckResult([], kb)

    def _load_sources(self, sources_file: SourcesFile) -> dict[str, SourceText]:
        texts: dict[str, SourceText] = {}
        doc = self._doc("sources.yaml")
        root = self.root.resolve()
        for i, source in enumerate(sources_file.sources):
            path = (self.root / source.file).resolve()
            if not path.is_relative_to(root):
                self.problems.append(
                    doc.problem(
                        ("sources", i, "file"), "source file must be inside the knowledge directory"
                    )
                )
                continue
            if not path.is_file():
                self.problems.append(
                    doc.problem(
                        ("sources", i, "file"),
                        f"source file '{source.file}' not found; paths are relative to "
                        f"{self._display(self.root)}",
                    )
                )
                continue
            try:
                raw = read_text(path, source.file)
            except YamlProblem as exc:
                self.problems.append(Problem(self._display(path), exc.line, exc.col, exc.message))
                continue
            self.hash.update(source.file.encode() + b"\0" + raw.encode())
            texts[source.id] = SourceText(raw)
        return texts

    def _unique_ids(self, name: str, key: str, ids: list[str]) -> None:
        seen: dict[str, int] = {}
        doc = self._doc(name)
        for i, item_id in enumerate(ids):
            if item_id in seen:
                first_line = doc.position((key, seen[item_id]))[0]
                self.problems.append(
                    doc.problem(
                        (key, i, "id"),
                        f"duplicate id '{item_id}' (first used on line {first_line}); "
                        "ids must be unique",
                    )
                )
            else:
                seen[item_id] = i

    def _check_conflicts(
        self,
        use_cases: UseCasesFile,
        topics: TopicsFile,
        aspects: AspectsFile,
        models: dict[str, tuple[Model, str]],
        vocab: VocabularyFile,
    ) -> None:
        """The same phrasing or alias may not lead to two different places."""
        from bot.text.normalize import normalize

        phrasing_owner: dict[str, tuple[str, str, int]] = {}

        def claim(
            table: dict[str, tuple[str, str, int]],
            text: str,
            owner: str,
            doc: YamlDoc,
            loc: tuple[int | str, ...],
            what: str,
        ) -> None:
            key = normalize(text)
            line = doc.position(loc)[0]
            if key in table and table[key][0] != owner:
                other, other_path, other_line = table[key]
                self.problems.append(
                    doc.problem(
                        loc,
                        f"{what} '{text}' conflicts: it is also used by '{other}' "
                        f"({other_path}:{other_line}); keep it under one of them",
                    )
                )
            else:
                table.setdefault(key, (owner, doc.path, line))

        uc_doc = self._doc("use_cases.yaml")
        for i, uc in enumerate(use_cases.use_cases):
            for lang in ("en", "zh"):
                for j, text in enumerate(getattr(uc.phrasings, lang)):
                    claim(
                        phrasing_owner,
                        text,
                        f"use case {uc.id}",
                        uc_doc,
                        ("use_cases", i, "phrasings", lang, j),
                        "phrasing",
                    )
        topic_doc = self._doc("topics.yaml")
        for i, topic in enumerate(topics.topics):
            for lang in ("en", "zh"):
                for j, text in enumerate(getattr(topic.phrasings, lang)):
                    claim(
                        phrasing_owner,
                        text,
                        f"topic {topic.id}",
                        topic_doc,
                        ("topics", i, "phrasings", lang, j),
                        "phrasing",
                    )

        keyword_owner: dict[str, tuple[str, str, int]] = {}
        aspect_doc = self._doc("aspects.yaml")
        for i, aspect in enumerate(aspects.aspects):
            for lang in ("en", "zh"):
                for j, text in enumerate(getattr(aspect.keywords, lang)):
                    claim(
                        keyword_owner,
                        text,
                        f"aspect {aspect.id}",
                        aspect_doc,
                        ("aspects", i, "keywords", lang, j),
                        "keyword",
                    )

        alias_owner: dict[str, tuple[str, str, int]] = {}
        for model_id, (model, display) in models.items():
            doc = self.docs[display]
            for j, alias in enumerate([model.name, *model.aliases]):
                loc: tuple[int | str, ...] = ("aliases", j - 1) if j else ("name",)
                claim(alias_owner, alias, f"model {model_id}", doc, loc, "alias")
        vocab_doc = self._doc("vocabulary.yaml")
        for i, entity in enumerate(vocab.other_entities):
            for j, alias in enumerate(entity.aliases):
                claim(
                    alias_owner,
                    alias,
                    f"entity {entity.id}",
                    vocab_doc,
                    ("other_entities", i, "aliases", j),
                    "alias",
                )

    def _check_placeholders(self, responses: ResponsesFile) -> None:
        doc = self._doc("responses.yaml")
        for name, text in responses.responses:
            for lang in ("en", "zh"):
                for found in PLACEHOLDER.findall(getattr(text, lang)):
                    if found not in ALLOWED_PLACEHOLDERS:
                        self.problems.append(
                            doc.problem(
                                ("responses", name, lang),
                                f"unknown placeholder '{{{found}}}'; use one of "
                                f"{', '.join('{' + p + '}' for p in sorted(ALLOWED_PLACEHOLDERS))}",
                            )
                        )

    def _check_catalogue(self, name: str, key: str, catalogue: Catalogue) -> None:
        """Each entry may use only the placeholders its callers fill in."""
        doc = self._doc(name)
        for entry, text in catalogue:
            allowed = catalogue.placeholders_for(entry)
            for lang in ("en", "zh"):
                for found in PLACEHOLDER.findall(getattr(text, lang)):
                    if found not in allowed:
                        hint = ", ".join("{" + p + "}" for p in sorted(allowed)) or "none"
                        self.problems.append(
                            doc.problem(
                                (key, entry, lang),
                                f"unknown placeholder '{{{found}}}' in '{entry}'; "
                                f"this entry may use: {hint}",
                            )
                        )

    def _citations(
        self, use_cases: UseCasesFile, topics: TopicsFile, models: dict[str, tuple[Model, str]]
    ) -> Iterable[tuple[str, tuple[int | str, ...], Citation]]:
        uc_doc = self._doc("use_cases.yaml").path
        for i, uc in enumerate(use_cases.use_cases):
            for j, ranked in enumerate(uc.ranking):
                for k, citation in enumerate(ranked.citations):
                    yield uc_doc, ("use_cases", i, "ranking", j, "citations", k), citation
        topic_doc = self._doc("topics.yaml").path
        for i, topic in enumerate(topics.topics):
            for k, citation in enumerate(topic.citations):
                yield topic_doc, ("topics", i, "citations", k), citation
        for model, display in models.values():
            for i, fact in enumerate(model.facts):
                for k, citation in enumerate(fact.citations):
                    yield display, ("facts", i, "citations", k), citation

    def _check_citation(
        self,
        doc_name: str,
        loc: tuple[int | str, ...],
        citation: Citation,
        texts: dict[str, SourceText],
    ) -> None:
        doc = self.docs[doc_name]
        source = texts.get(citation.source)
        if source is None:
            self.problems.append(
                doc.problem(
                    (*loc, "source"),
                    f"unknown source '{citation.source}'; known sources: "
                    f"{', '.join(sorted(texts)) or 'none'}",
                )
            )
            return
        section = source.section_of(citation.quote)
        if section is None:
            closest = source.closest(citation.quote)
            self.problems.append(
                doc.problem(
                    (*loc, "quote"),
                    "quote is not verbatim in source "
                    f"'{citation.source}'; closest passage: \"{closest}\" — copy the text exactly "
                    "(only whitespace may differ)",
                )
            )
            return
        # The section comes from the source's headings, never from the YAML.
        citation._section = section
