"""Load a knowledge directory into a validated :class:`KnowledgeBase`.

``check_directory`` collects *every* problem (YAML syntax, schema, broken
references, misquoted citations, conflicting phrasings, placeholders the
code never fills, text in the wrong language) as ``file:line:col`` records
instead of stopping at the first; ``load_directory`` raises
:class:`KnowledgeError` holding all of them when any exist. Legal but
probably wrong content (a phrasing inside another entry's phrasing) comes
back as warnings, which never block loading.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.kb.quotes import MAX_QUOTE_CHARS, SourceText, collapse_whitespace
from bot.kb.schema import (
    PLACEHOLDER,
    AspectsFile,
    Catalogue,
    Citation,
    ConceptsFile,
    GlossesFile,
    KnowledgeBase,
    Model,
    Phrasings,
    ResponsesFile,
    SourcesFile,
    Text,
    TopicsFile,
    UiFile,
    UseCasesFile,
    VocabularyFile,
    figures_differ,
)
from bot.kb.yamlsafe import Problem, YamlDoc, YamlProblem, load_yaml, read_text
from bot.text.normalize import has_cjk, normalize

# The same phrasings and keywords are normalised by several checks.
_normalize = functools.lru_cache(maxsize=16384)(normalize)

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
    "concepts.yaml": ConceptsFile,
    "glosses.yaml": GlossesFile,
    "ui.yaml": UiFile,
}
MODELS_DIR = "models"

# Topics the code looks up by id (a missing one crashes the command or silences a feature).
REQUIRED_TOPICS: dict[str, str] = {
    "source": "the /sources command",
    "help": "the /help command and an empty mention of the bot",
    "greeting": "replies to greetings",
    "thanks": "replies to thanks and goodbyes",
}


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
    """The outcome of checking a directory: the knowledge base if it is clean.

    ``problems`` are errors (the knowledge base is not loaded); ``warnings`` are legal
    but probably wrong content. ``docs`` holds each parsed file by its name inside the
    directory ("topics.yaml", "models/gpt-4o-mini.yaml"), to locate later findings.
    """

    problems: list[Problem] = field(default_factory=list)
    kb: KnowledgeBase | None = None
    warnings: list[Problem] = field(default_factory=list)
    docs: dict[str, YamlDoc] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems and self.kb is not None

    def problem_at(
        self, file: str, loc: tuple[int | str, ...], message: str, severity: str = "error"
    ) -> Problem:
        """A finding at ``loc`` inside ``file`` (a name relative to the directory)."""
        doc = self.docs.get(file)
        if doc is None:
            return Problem(file, 1, 1, message, severity)
        return doc.problem(loc, message, severity)


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
        self.warnings: list[Problem] = []
        self._gloss_reported: set[tuple[str, str]] = set()
        self.docs: dict[str, YamlDoc] = {}
        self.by_name: dict[str, YamlDoc] = {}
        self.unloaded_sources: set[str] = set()
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
        self.docs[display] = doc
        # The version depends on content and names inside the directory, not on the cwd.
        name = path.relative_to(self.root).as_posix()
        self.by_name[name] = doc
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

    def _result(self, kb: KnowledgeBase | None = None) -> CheckResult:
        return CheckResult(self.problems, kb, self.warnings, dict(self.by_name))

    def run(self) -> CheckResult:
        if not self.root.is_dir():
            self.problems.append(
                Problem(
                    str(self.root),
                    0,
                    0,
                    "knowledge directory not found; pass the path to the "
                    "folder that holds sources.yaml",
                )
            )
            return self._result()
        parsed: dict[str, Any] = {}
        for name, schema in SINGLE_FILES.items():
            path = self.root / name
            # lexists, not is_file: a FIFO or a dangling link is there, just unreadable.
            if not os.path.lexists(path):
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

        # Checks inside one file need only that file.
        for name, obj in parsed.items():
            if obj is not None:
                self._check_language(self._doc(name), obj, ())
        for model, display in models.values():
            self._check_language(self.docs[display], model, ())
        if parsed.get("responses.yaml") is not None:
            self._check_placeholders(parsed["responses.yaml"])

        if any(parsed.get(name) is None for name in SINGLE_FILES) or not models:
            return self._result()
        return self._cross_check(parsed, models)

    # -- cross-file checks ---------------------------------------------
    def _doc(self, name: str) -> YamlDoc:
        return self.by_name[name]

    def _cross_check(
        self, parsed: dict[str, Any], models: dict[str, tuple[Model, str]]
    ) -> CheckResult:
        sources_file: SourcesFile = parsed["sources.yaml"]
        use_cases: UseCasesFile = parsed["use_cases.yaml"]
        topics: TopicsFile = parsed["topics.yaml"]
        aspects: AspectsFile = parsed["aspects.yaml"]
        vocab: VocabularyFile = parsed["vocabulary.yaml"]
        responses: ResponsesFile = parsed["responses.yaml"]
        concepts: ConceptsFile = parsed["concepts.yaml"]
        glosses: GlossesFile = parsed["glosses.yaml"]
        ui: UiFile = parsed["ui.yaml"]

        texts = self._load_sources(sources_file)
        self._unique_ids("sources.yaml", "sources", [s.id for s in sources_file.sources])
        self._unique_ids("use_cases.yaml", "use_cases", [u.id for u in use_cases.use_cases])
        self._unique_ids("topics.yaml", "topics", [t.id for t in topics.topics])
        self._unique_ids("aspects.yaml", "aspects", [a.id for a in aspects.aspects])
        self._unique_ids("vocabulary.yaml", "other_entities", [e.id for e in vocab.other_entities])
        self._unique_ids("concepts.yaml", "concepts", [c.id for c in concepts.concepts])
        self._check_references(use_cases, topics, aspects, models, vocab, concepts)

        topic_ids = {t.id for t in topics.topics}
        for topic_id, used_by in REQUIRED_TOPICS.items():
            if topic_id not in topic_ids:
                self.problems.append(
                    self._doc("topics.yaml").problem(
                        ("topics",),
                        f"required topic '{topic_id}' is missing; the bot looks it up by id "
                        f"for {used_by}: add it back (see git history for its text)",
                    )
                )
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
        phrasings = list(self._phrasings(use_cases, topics))
        self._check_trigger_words(phrasings, aspects, vocab)
        self._warn_contained(phrasings)
        gloss_of = self._glosses(glosses, texts)
        self._check_catalogue("ui.yaml", "ui", ui.ui)
        self._check_topic_placeholders(topics)
        language = {s.id: s.language for s in sources_file.sources}
        for doc_name, loc, citation in self._citations(use_cases, topics, models):
            if self._check_citation(doc_name, loc, citation, texts):
                self._need_gloss(
                    self.docs[doc_name],
                    (*loc, "quote"),
                    citation.quote,
                    language[citation.source],
                    gloss_of,
                    "this quote",
                )
                self._need_gloss(
                    self.docs[doc_name],
                    (*loc, "quote"),
                    citation.section,
                    language[citation.source],
                    gloss_of,
                    f"the heading of its section, '{citation.section}',",
                )
        for i, source in enumerate(sources_file.sources):
            self._need_gloss(
                self._doc("sources.yaml"),
                ("sources", i, "title"),
                source.title,
                source.language,
                gloss_of,
                "this title",
            )
        self._warn_disagreements(models, sources_file)

        if self.problems:
            return self._result()
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
            concepts={c.id: c for c in concepts.concepts},
            ui=ui.ui,
            glosses={key: dict(langs) for key, (langs, _) in gloss_of.items()},
            version=self.hash.hexdigest()[:12],
        )
        return self._result(kb)

    def _check_references(
        self,
        use_cases: UseCasesFile,
        topics: TopicsFile,
        aspects: AspectsFile,
        models: dict[str, tuple[Model, str]],
        vocab: VocabularyFile,
        concepts: ConceptsFile,
    ) -> None:
        """Concepts, aspects and models named by other entries must exist."""
        concept_ids = {c.id for c in concepts.concepts}
        known = ", ".join(sorted(concept_ids)) or "none"

        def concept_ref(doc: YamlDoc, path: tuple[str | int, ...], ref: str) -> None:
            if ref not in concept_ids:
                self.problems.append(
                    doc.problem(
                        path,
                        f"unknown concept '{ref}'; add it to concepts.yaml or use one of: {known}",
                    )
                )

        def concept_refs(doc: YamlDoc, key: str, entries: list[Any]) -> None:
            for i, entry in enumerate(entries):
                for j, ref in enumerate(entry.concepts):
                    concept_ref(doc, (key, i, "concepts", j), ref)

        concept_refs(self._doc("use_cases.yaml"), "use_cases", use_cases.use_cases)
        concept_refs(self._doc("topics.yaml"), "topics", topics.topics)
        concept_refs(self._doc("aspects.yaml"), "aspects", aspects.aspects)

        aspect_ids = {a.id for a in aspects.aspects}
        for model, display in models.values():
            stated = {f.aspect for f in model.facts if f.stated}
            for i, aspect_id in enumerate(model.summary_aspects):
                if aspect_id not in stated:
                    self.problems.append(
                        self.docs[display].problem(
                            ("summary_aspects", i),
                            f"the summary cannot draw on '{aspect_id}': {model.id} has no "
                            f"stated fact about it; use one of: {', '.join(sorted(stated))}",
                        )
                    )
            for i, ref in enumerate(model.traits):
                concept_ref(self.docs[display], ("traits", i), ref)
            variant_ids = {v.id for v in model.variants}
            for i, fact in enumerate(model.facts):
                for j, ref in enumerate(fact.lacks):
                    concept_ref(self.docs[display], ("facts", i, "lacks", j), ref)
                for j, ref in enumerate(fact.variants):
                    if ref not in variant_ids:
                        self.problems.append(
                            self.docs[display].problem(
                                ("facts", i, "variants", j),
                                f"unknown variant '{ref}'; {model.id}'s variants are: "
                                + (
                                    ", ".join(sorted(variant_ids))
                                    or "none (add them under variants:)"
                                ),
                            )
                        )
        topic_ids = {t.id for t in topics.topics}
        topic_doc = self._doc("topics.yaml")
        for i, topic in enumerate(topics.topics):
            for j, aspect_id in enumerate(topic.aspects):
                if aspect_id not in aspect_ids:
                    self.problems.append(
                        topic_doc.problem(
                            ("topics", i, "aspects", j),
                            f"unknown aspect '{aspect_id}'; aspects are defined in aspects.yaml",
                        )
                    )
            for j, other in enumerate(topic.outranks):
                if other not in topic_ids or other == topic.id:
                    self.problems.append(
                        topic_doc.problem(
                            ("topics", i, "outranks", j),
                            f"'{other}' is not another topic; use one of: "
                            f"{', '.join(sorted(topic_ids - {topic.id}))}",
                        )
                    )
        for model, display in models.values():
            for i, fact in enumerate(model.facts):
                if fact.aspect not in aspect_ids:
                    self.problems.append(
                        self.docs[display].problem(
                            ("facts", i, "aspect"),
                            f"unknown aspect '{fact.aspect}'; aspects are defined in "
                            f"aspects.yaml: {', '.join(sorted(aspect_ids))}",
                        )
                    )
        vocab_doc = self._doc("vocabulary.yaml")
        for i, entity in enumerate(vocab.other_entities):
            refs: list[tuple[tuple[int | str, ...], str]] = (
                [(("model",), entity.model)] if entity.model else []
            )
            refs += [(("reference_for", j), m) for j, m in enumerate(entity.reference_for)]
            for where, model_id in refs:
                if model_id not in models:
                    loc = ("other_entities", i, *where)
                    self.problems.append(
                        vocab_doc.problem(
                            loc,
                            f"unknown model '{model_id}'; known models: "
                            f"{', '.join(sorted(models))}",
                        )
                    )

    def _glosses(
        self, glosses: GlossesFile, texts: dict[str, SourceText]
    ) -> dict[str, tuple[dict[str, str], int]]:
        """Collapsed text -> ({language: translation}, index in glosses.yaml)."""
        doc = self._doc("glosses.yaml")
        out: dict[str, tuple[dict[str, str], int]] = {}
        for i, gloss in enumerate(glosses.glosses):
            key = collapse_whitespace(gloss.quote)
            if key in out:
                first_line = doc.position(("glosses", out[key][1]))[0]
                self.problems.append(
                    doc.problem(
                        ("glosses", i, "quote"),
                        f"this quote already has a gloss (line {first_line}); keep one",
                    )
                )
                continue
            langs: dict[str, str] = {}
            if gloss.en is not None:
                if has_cjk(gloss.en):
                    self.problems.append(
                        doc.problem(
                            ("glosses", i, "en"),
                            "an English gloss must not contain Chinese text; translate it",
                        )
                    )
                langs["en"] = gloss.en
            if gloss.zh is not None:
                if not has_cjk(gloss.zh):
                    self.problems.append(
                        doc.problem(
                            ("glosses", i, "zh"),
                            "a Chinese gloss must be written in Chinese; translate it",
                        )
                    )
                langs["zh"] = gloss.zh
            if not langs:
                self.problems.append(
                    doc.problem(
                        ("glosses", i),
                        "this gloss gives no translation; add en: (for a Chinese quote) "
                        "or zh: (for an English quote)",
                    )
                )
            out[key] = (langs, i)
        return out

    def _need_gloss(
        self,
        doc: YamlDoc,
        loc: tuple[int | str, ...],
        text: str,
        source_language: str,
        gloss_of: dict[str, tuple[dict[str, str], int]],
        what: str,
    ) -> None:
        """Readers of the other language need a translation of ``text``: require it."""
        if not text.strip() or not _translatable(text, source_language):
            return
        other = "zh" if source_language == "en" else "en"
        found = gloss_of.get(collapse_whitespace(text))
        if found is not None and other in found[0]:
            return
        if (text, other) in self._gloss_reported:  # a heading many quotes share: say it once
            return
        self._gloss_reported.add((text, other))
        name = "English" if other == "en" else "Chinese"
        hint = (
            f'{other}: "<{name} translation>" to the entry for "{text}"'
            if found is not None
            else f'- quote: "{text}"  with  {other}: "<{name} translation>"'
        )
        self.problems.append(
            doc.problem(loc, f"{what} has no {name} gloss; add to glosses.yaml {hint}")
        )

    def _warn_disagreements(
        self, models: dict[str, tuple[Model, str]], sources_file: SourcesFile
    ) -> None:
        """Warn when two sources state one aspect of one model with different figures.

        Both statements are answered (newest source first); the warning lets an admin see
        the pair. Listing the other source under ``compared_with`` marks it as read.
        """
        dates = {s.id: s.date for s in sources_file.sources}
        for model, display in models.values():
            doc = self.docs[display]
            for i, a in enumerate(model.facts):
                for j in range(i + 1, len(model.facts)):
                    b = model.facts[j]
                    if a.aspect != b.aspect or not (a.stated and b.stated):
                        continue
                    if a.variants and b.variants and not set(a.variants) & set(b.variants):
                        continue
                    if set(a.sources) & set(b.sources) or not figures_differ(a, b, model):
                        continue
                    if not {*a.sources, *b.sources} <= dates.keys():
                        continue  # an unknown source: its citation's error says so
                    if set(b.sources) & set(a.compared_with) or set(a.sources) & set(
                        b.compared_with
                    ):
                        continue
                    newer = a if dates[a.sources[0]] >= dates[b.sources[0]] else b
                    line_a = doc.position(("facts", i))[0]
                    line_b = doc.position(("facts", j))[0]
                    self.warnings.append(
                        doc.problem(
                            ("facts", i, "aspect"),
                            f"{model.id}'s {a.aspect} is stated differently by "
                            f"{', '.join(a.sources)} (line {line_a}) "
                            f"and {', '.join(b.sources)} (line {line_b}); "
                            f"answers show both, {newer.sources[0]} (the newer source) first. "
                            f"If both statements are right, mark the pair as reviewed: add "
                            f"compared_with: [{a.sources[0]}] to the fact at line {line_b} "
                            f"(either fact of the pair will do)",
                            "warning",
                        )
                    )

    def _load_sources(self, sources_file: SourcesFile) -> dict[str, SourceText]:
        texts: dict[str, SourceText] = {}
        doc = self._doc("sources.yaml")
        for i, source in enumerate(sources_file.sources):
            loc = ("sources", i, "file")
            # Citations of a source that fails to load are not checked: its error says it all.
            self.unloaded_sources.add(source.id)
            try:
                root = self.root.resolve()
                path = (self.root / source.file).resolve()
            except (OSError, RuntimeError):  # a symlink loop
                self.problems.append(
                    doc.problem(loc, f"source file '{source.file}' is a symlink loop; fix it")
                )
                continue
            if not path.is_relative_to(root):
                self.problems.append(
                    doc.problem(loc, "source file must be inside the knowledge directory")
                )
                continue
            if not os.path.lexists(path):
                self.problems.append(
                    doc.problem(
                        loc,
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
            self.unloaded_sources.discard(source.id)
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
        phrasing_owner: dict[str, tuple[str, str, int]] = {}

        def claim(
            table: dict[str, tuple[str, str, int]],
            text: str,
            owner: str,
            doc: YamlDoc,
            loc: tuple[int | str, ...],
            what: str,
        ) -> None:
            key = _normalize(text)
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

        for text, owner, doc, where in self._phrasings(use_cases, topics):
            claim(phrasing_owner, text, owner, doc, where, "phrasing")

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
            for i, variant in enumerate(model.variants):
                for j, alias in enumerate([variant.name, *variant.aliases]):
                    loc = ("variants", i, "aliases", j - 1) if j else ("variants", i, "name")
                    # A variant's alias may repeat its own model's ("llama 3.1 405b").
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

    def _phrasings(
        self, use_cases: UseCasesFile, topics: TopicsFile
    ) -> Iterator[tuple[str, str, YamlDoc, tuple[int | str, ...]]]:
        """(text, owner, file, location) of every use-case and topic phrasing."""
        owned: list[tuple[str, str, str, list[tuple[str, Phrasings]]]] = [
            (
                "use_cases.yaml",
                "use_cases",
                "use case",
                [(u.id, u.phrasings) for u in use_cases.use_cases],
            ),
            ("topics.yaml", "topics", "topic", [(t.id, t.phrasings) for t in topics.topics]),
        ]
        for name, key, kind, entries in owned:
            doc = self._doc(name)
            for i, (entry_id, phrasings) in enumerate(entries):
                for lang in ("en", "zh"):
                    for j, text in enumerate(getattr(phrasings, lang)):
                        yield text, f"{kind} {entry_id}", doc, (key, i, "phrasings", lang, j)

    def _check_trigger_words(
        self,
        phrasings: list[tuple[str, str, YamlDoc, tuple[int | str, ...]]],
        aspects: AspectsFile,
        vocab: VocabularyFile,
    ) -> None:
        """A phrasing may not be an aspect keyword or a cue word.

        The matcher finds phrasings inside questions, so a phrasing such as "price" or
        "which model" would pull every question that says it towards this entry.
        """
        # normalised word -> (what it is, its file, its location); lines are looked up
        # only for the words a phrasing collides with.
        words: dict[str, tuple[str, YamlDoc, tuple[int | str, ...]]] = {}
        aspect_doc = self._doc("aspects.yaml")
        for i, aspect in enumerate(aspects.aspects):
            for lang in ("en", "zh"):
                for j, text in enumerate(getattr(aspect.keywords, lang)):
                    words.setdefault(
                        _normalize(text),
                        (
                            f"a keyword of aspect {aspect.id}",
                            aspect_doc,
                            ("aspects", i, "keywords", lang, j),
                        ),
                    )
        vocab_doc = self._doc("vocabulary.yaml")
        for cue, cue_words in vocab.vocabulary:
            if cue in ("model_nouns", "nationalities"):
                # model nouns are read only after "which"; a country word decides nothing
                # unless the question says a model is of that country
                continue
            for lang in ("en", "zh"):
                for j, text in enumerate(getattr(cue_words, lang)):
                    words.setdefault(
                        _normalize(text),
                        (f"a '{cue}' cue word", vocab_doc, ("vocabulary", cue, lang, j)),
                    )
        for text, owner, doc, loc in phrasings:
            hit = words.get(_normalize(text))
            if hit is not None:
                kind, word_doc, word_loc = hit
                what = f"{kind} ({word_doc.path}:{word_doc.position(word_loc)[0]})"
                self.problems.append(
                    doc.problem(
                        loc,
                        f"phrasing '{text}' of {owner} is also {what}, so every question "
                        "that says it would lean towards this entry; keep the word in one "
                        "place (remove it here or there) or make the phrasing more specific",
                    )
                )

    def _warn_contained(
        self, phrasings: list[tuple[str, str, YamlDoc, tuple[int | str, ...]]]
    ) -> None:
        """Warn about a phrasing that another entry's phrasing contains as whole words.

        Every run of whole words (each Chinese character counts as one) of each phrasing
        is looked up among the others, so this stays linear in the phrasings' length.
        """
        owners: dict[str, list[int]] = {}
        norms = [_normalize(text) for text, _, _, _ in phrasings]
        for k, norm in enumerate(norms):
            owners.setdefault(norm, []).append(k)
        reported: set[tuple[int, int]] = set()
        for b, norm in enumerate(norms):
            for part in _word_runs(norm):
                if part == norm:
                    continue
                for a in owners.get(part, []):
                    if phrasings[a][1] == phrasings[b][1] or (a, b) in reported:
                        continue
                    reported.add((a, b))
                    text_a, owner_a, doc_a, loc_a = phrasings[a]
                    text_b, owner_b, doc_b, loc_b = phrasings[b]
                    where = f"{doc_b.path}:{doc_b.position(loc_b)[0]}"
                    self.warnings.append(
                        doc_a.problem(
                            loc_a,
                            f"phrasing '{text_a}' of {owner_a} is part of '{text_b}' of "
                            f"{owner_b} ({where}); a question with the longer phrase may "
                            "reach either entry: make one of them more specific",
                            "warning",
                        )
                    )

    def _check_placeholders(self, responses: ResponsesFile) -> None:
        self._check_catalogue("responses.yaml", "responses", responses.responses)

    def _check_language(self, doc: YamlDoc, obj: Any, loc: tuple[int | str, ...]) -> None:
        """``en`` text must be English and ``zh`` text Chinese, everywhere in a file."""
        for where, value in _walk(obj, loc):
            if isinstance(value, Text) and "TODO" in f"{value.en} {value.zh}":
                lang = "en" if "TODO" in value.en else "zh"
                self.problems.append(
                    doc.problem((*where, lang), "this text is still a TODO; write it")
                )
                continue
            if isinstance(value, Text):
                problem = _language_problem(value.en, value.zh)
                if problem is not None:
                    lang, message = problem
                    self.problems.append(doc.problem((*where, lang), message))
            elif isinstance(value, Phrasings):
                for j, text in enumerate(value.en):
                    if _han_outside_quotes(text):
                        self.problems.append(
                            doc.problem(
                                (*where, "en", j),
                                f"'{text}' is listed under en but is Chinese; move it to zh",
                            )
                        )
                for j, text in enumerate(value.zh):
                    if not has_cjk(text):
                        self.problems.append(
                            doc.problem(
                                (*where, "zh", j),
                                f"'{text}' is listed under zh but has no Chinese; move it to en",
                            )
                        )

    def _check_topic_placeholders(self, topics: TopicsFile) -> None:
        """A topic's answer may say {models} (every covered model's name) and nothing else."""
        doc = self._doc("topics.yaml")
        for i, topic in enumerate(topics.topics):
            for lang in ("en", "zh"):
                for found in dict.fromkeys(PLACEHOLDER.findall(getattr(topic.answer, lang))):
                    if found != "models":
                        self.problems.append(
                            doc.problem(
                                ("topics", i, "answer", lang),
                                f"placeholder '{{{found}}}' is not filled in for topic "
                                f"'{topic.id}', so users would see it as is; use only "
                                "{models} (the covered models' names) here",
                            )
                        )

    def _check_catalogue(self, name: str, key: str, catalogue: Catalogue) -> None:
        """Each text may use only the placeholders that the code filling it provides."""
        doc = self._doc(name)
        for entry, text in catalogue:
            if text is None:
                continue  # an optional sentence left out: the code falls back to another
            allowed = type(catalogue).placeholders_for(entry)
            for lang in ("en", "zh"):
                for found in dict.fromkeys(PLACEHOLDER.findall(getattr(text, lang))):
                    if found in allowed:
                        continue
                    if allowed:
                        options = ", ".join("{" + p + "}" for p in sorted(allowed))
                        fix = f"use only {options} here"
                    else:
                        fix = "this text takes no placeholders"
                    self.problems.append(
                        doc.problem(
                            (key, entry, lang),
                            f"placeholder '{{{found}}}' is not filled in for '{entry}', so "
                            f"users would see it as is; {fix}",
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
    ) -> bool:
        """Check one citation; True when its quote is verbatim (its section is then set)."""
        doc = self.docs[doc_name]
        source = texts.get(citation.source)
        if source is None and citation.source in self.unloaded_sources:
            return False
        if source is None:
            self.problems.append(
                doc.problem(
                    (*loc, "source"),
                    f"unknown source '{citation.source}'; known sources: "
                    f"{', '.join(sorted(texts)) or 'none'}",
                )
            )
            return False
        length = len(collapse_whitespace(citation.quote))
        if length > MAX_QUOTE_CHARS:
            self.problems.append(
                doc.problem(
                    (*loc, "quote"),
                    f"quote is {length} characters, over the {MAX_QUOTE_CHARS}-character "
                    "limit; quote only the sentence that backs the claim (use several "
                    "citations for several sentences)",
                )
            )
            return False
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
            return False
        # The section comes from the source's headings, never from the YAML.
        citation._section = section
        return True


# Longer contained phrasings are not looked for: it keeps the search linear.
_MAX_RUN_WORDS = 8


def _word_runs(norm: str) -> set[str]:
    """Every run of up to 8 whole words in normalised text; a Chinese character is a word."""
    spans = [m.span() for m in _WORDISH.finditer(norm)]
    return {norm[a[0] : b[1]] for i, a in enumerate(spans) for b in spans[i : i + _MAX_RUN_WORDS]}


_WORDISH = re.compile(r"[a-z0-9]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _walk(obj: Any, loc: tuple[int | str, ...]) -> Iterator[tuple[tuple[int | str, ...], Any]]:
    """Every model and list item under ``obj``, with its location in the YAML file."""
    yield loc, obj
    if isinstance(obj, BaseModel) and not isinstance(obj, Text | Phrasings):
        for name in type(obj).model_fields:
            yield from _walk(getattr(obj, name), (*loc, name))
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _walk(item, (*loc, i))


# Han characters an English text may hold: inside quotation marks or brackets, as when
# it names the original Chinese title or term.
_QUOTED = re.compile(
    r"“[^”]*”|\"[^\"]*\"|‘[^’]*’|(?<![A-Za-z0-9])'[^']*'(?![A-Za-z0-9])"
    r"|「[^」]*」|『[^』]*』|《[^》]*》|\([^)]*\)|（[^）]*）"
)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]*")


def _translatable(text: str, language: str) -> bool:
    """Whether ``text`` holds words to translate: a table row of names and figures
    ("| DeepSeek-V2 | 236B | 21B | 128k |") reads the same in either language."""
    if language == "zh":
        return bool(_HAN.search(text))
    return bool(_HAN.search(text)) or any(
        len(token) > 1 and token.isalpha() and (token.islower() or token.istitle())
        for token in _TOKEN.findall(text)
    )  # a word, not a name such as DeepSeek-V2, HuggingFace, README or 128k


def _han_outside_quotes(text: str) -> bool:
    return not text.isascii() and has_cjk(_QUOTED.sub(" ", text))


def _language_problem(en: str, zh: str) -> tuple[str, str] | None:
    """("en" or "zh", message) when a text pair is in the wrong language, else None.

    Chinese text may name models and Latin terms, but must be mostly Chinese; English
    text may hold a few Han characters only inside quotation marks or brackets.
    """
    zh_plain = PLACEHOLDER.sub(" ", zh)
    han = len(_HAN.findall(zh_plain))
    # Names and acronyms (Qwen2.5, DeepSeek-AI, README) are fine in Chinese text; only
    # lowercase English words count against it ("Qwen2.5 的 README" is Chinese).
    english_words = [w for w in _LATIN_WORD.findall(zh_plain) if w.islower()]
    zh_is_chinese = han > 0 and len(english_words) <= han
    en_has_chinese = not en.isascii() and (
        _han_outside_quotes(en) or len(_HAN.findall(en)) > len(_LATIN_WORD.findall(en))
    )
    if en_has_chinese and not zh_is_chinese:
        return "en", "the en and zh texts look swapped; put the English under en, Chinese under zh"
    if en_has_chinese:
        return (
            "en",
            "en text contains Chinese outside quotation marks; write it in English (a quoted "
            'original term such as "开源" is fine)',
        )
    if not zh_is_chinese:
        return (
            "zh",
            "zh text is not Chinese; write it in Chinese (model names and Latin terms "
            "inside it are fine)",
        )
    return None
