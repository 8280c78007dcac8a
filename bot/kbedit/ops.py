"""Semantic edits of knowledge files: each operation turns one file's bytes into new bytes.

Entries are located by id (a use case, a topic, a model's fact by aspect, a ranked model
by model id), never by position, so an operation can be re-applied to a file that changed
in the meantime. An operation that changes nothing returns the very same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

import yaml
from yaml.nodes import ScalarNode

from bot.kb.schema import Id, KnowledgeBase
from bot.kbedit import ruamel_lazy as rt
from bot.kbedit.records import KbEditError
from bot.kbedit.yamlrt import (
    Block,
    Doc,
    Source,
    delete_block,
    find_item,
    insert_after,
    is_block_list,
    like,
    plain,
    render_item,
    safe_data,
    styled,
)
from bot.text.normalize import normalize

if TYPE_CHECKING:
    from ruamel.yaml.comments import CommentedMap

Lang = Literal["en", "zh"]
LANGS: tuple[str, ...] = ("en", "zh")
RefKind = Literal["use_case", "topic", "fact", "ranked", "model"]
REF_KINDS: tuple[str, ...] = get_args(RefKind)
ID_PATTERN = re.compile(get_args(Id)[1].pattern)
MAX_PHRASING = 200
MAX_TEXT = 4000

# Topic ids the bot's code asks for by name (/help, /sources, greetings, the overview
# fallback); deleting one would break a command rather than fail the check.
RESERVED_TOPICS = frozenset({"help", "greeting", "source", "overview"})

# Top-level list keys -> the singular used in entry names ("use_case:code-generation").
SINGULAR = {
    "use_cases": "use_case",
    "topics": "topic",
    "aspects": "aspect",
    "sources": "source",
    "other_entities": "other_entity",
    "facts": "fact",
}


class Notes:
    """What staging learned beyond the new bytes: warnings for the preview."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


class Operation(Protocol):
    """One edit of one knowledge file (path relative to the knowledge directory)."""

    @property
    def file(self) -> str: ...

    def apply(self, current: bytes | None, notes: Notes) -> bytes | None: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class Ref:
    """Where an entry lives: ``use_case:<id>``, ``topic:<id>``, ``fact:<model>/<aspect>``,
    ``ranked:<use case>/<model>`` or ``model:<id>``."""

    kind: RefKind
    id: str
    sub: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in REF_KINDS:
            raise KbEditError(
                f"unknown entry kind '{self.kind}'; use one of {', '.join(REF_KINDS)}"
            )
        if not ID_PATTERN.match(self.id) or len(self.id) > 64:
            raise KbEditError(f"'{self.id}' is not a valid id (lowercase letters, digits, . _ -)")
        needs_sub = self.kind in ("fact", "ranked")
        if needs_sub != (self.sub is not None):
            raise KbEditError(f"write a {self.kind} reference as {_REF_FORMS[self.kind]}")

    @classmethod
    def parse(cls, text: str) -> Ref:
        kind, sep, rest = text.strip().partition(":")
        if not sep:
            raise KbEditError(
                f"'{text}' is not an entry reference; write e.g. use_case:code-generation"
            )
        ident, _, sub = rest.partition("/")
        if kind not in REF_KINDS:
            raise KbEditError(f"unknown entry kind '{kind}'; use one of {', '.join(REF_KINDS)}")
        return cls(kind, ident, sub or None)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}" + (f"/{self.sub}" if self.sub else "")

    @property
    def file(self) -> str:
        if self.kind in ("fact", "model"):
            return f"models/{self.id}.yaml"
        return "topics.yaml" if self.kind == "topic" else "use_cases.yaml"

    @property
    def entry(self) -> str:
        """The entry name used in revision history."""
        if self.kind in ("fact", "model"):
            return f"model:{self.id}"
        return f"{'topic' if self.kind == 'topic' else 'use_case'}:{self.id}"


_REF_FORMS = {
    "use_case": "use_case:<id>",
    "topic": "topic:<id>",
    "fact": "fact:<model id>/<aspect>",
    "ranked": "ranked:<use case id>/<model id>",
    "model": "model:<id>",
}


# -- locating entries ------------------------------------------------------------------
def _parse_error(file: str, exc: Exception) -> KbEditError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid YAML"
    return KbEditError(
        f"{file} cannot be read as YAML ({first}); run `python -m bot check` and fix it first"
    )


def load_source(current: bytes | None, file: str) -> Source:
    """A file's text with its node positions, or a clear error."""
    if current is None:
        raise KbEditError(f"{file} does not exist")
    try:
        return Source(current.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise KbEditError(f"{file} is not valid UTF-8; fix it on the host first") from exc
    except yaml.YAMLError as exc:
        raise _parse_error(file, exc) from exc


def load_doc(text: str, file: str) -> Doc:
    """The round-trip document of a file or block, or a clear error."""
    try:
        return Doc(text)
    except rt.YAMLError as exc:
        raise _parse_error(file, exc) from exc


# (list key, field that identifies an item, what people call it) per reference kind
_LISTS = {
    "use_case": ("use_cases", "id", "use case"),
    "ranked": ("use_cases", "id", "use case"),
    "topic": ("topics", "id", "topic"),
    "fact": ("facts", "aspect", "fact"),
}


def _find(src: Source, file: str, key: str, field: str, value: str, what: str) -> Block:
    """The one block of list ``key`` whose ``field`` is ``value``."""
    block, found = src.items(key, field, value)
    if block is None or not is_block_list(block.node):
        raise KbEditError(f"{file} has no '{key}' list; fix the file first")
    if not found:
        raise KbEditError(f"{what} '{value}' not found in {file}; check the id")
    if len(found) > 1:
        raise KbEditError(f"{file} has {len(found)} entries with {field} '{value}'; fix it first")
    return found[0]


def _index(seq: Any, key: str, value: str, what: str, file: str) -> int:
    found = list(find_item(seq, key, value))
    if not found:
        raise KbEditError(f"{what} '{value}' not found in {file}; check the id")
    if len(found) > 1:
        raise KbEditError(f"{file} has {len(found)} entries with {key} '{value}'; fix it first")
    return found[0]


def edit_entry(
    current: bytes | None, ref: Ref, change: Callable[[CommentedMap, Source, Block], None]
) -> bytes | None:
    """Apply ``change`` to the entry ``ref`` points at, round-tripping only that entry."""
    if ref.kind not in _LISTS:
        raise KbEditError(f"entries of kind '{ref.kind}' cannot be edited this way")
    file = ref.file
    src = load_source(current, file)
    key, field, what = _LISTS[ref.kind]
    value = str(ref.sub) if ref.kind == "fact" else ref.id
    block = _find(src, file, key, field, value, what)
    fragment = src.fragment(block)
    doc = load_doc(fragment, file)
    item = doc.data[0]
    if ref.kind == "ranked":
        ranking = item.get("ranking")
        if not isinstance(ranking, rt.CommentedSeq):
            raise KbEditError(f"use case '{ref.id}' has no ranking")
        item = ranking[_index(ranking, "model", str(ref.sub), "ranked model", file)]
    change(item, src, block)
    new = doc.render()
    if new == fragment:
        return current
    return src.replaced([(block.start, block.end, new.splitlines(keepends=True))]).encode("utf-8")


def _parent_key(src: Source, block: Block) -> str | None:
    for top in src.children(src.root):
        if top.start <= block.start < top.end:
            return top.key
    return None


def _clean(text: str, limit: int, what: str, single_line: bool = False) -> str:
    value = text.strip()
    if not value:
        raise KbEditError(f"the {what} is empty; type some text")
    if len(value) > limit:
        raise KbEditError(f"the {what} is {len(value)} characters; keep it under {limit}")
    if single_line and ("\n" in value or "\r" in value):
        raise KbEditError(f"the {what} must be one line")
    return value


def _need(ref: Ref, kinds: Iterable[str], what: str) -> None:
    allowed = tuple(kinds)
    if ref.kind not in allowed:
        raise KbEditError(f"{what} applies to {' or '.join(allowed)} entries, not {ref.kind}")


# -- operations ------------------------------------------------------------------------
@dataclass(frozen=True)
class _OnEntry:
    """An operation on the entry ``ref`` points at (its file follows from the reference)."""

    ref: Ref

    @property
    def file(self) -> str:
        return self.ref.file


@dataclass(frozen=True)
class _OnPhrasing(_OnEntry):
    lang: Lang
    text: str


@dataclass(frozen=True)
class AddPhrasing(_OnPhrasing):
    """Add a way of asking to a use case or topic, in one language."""

    def describe(self) -> str:
        return f"add {self.lang} phrasing {self.text.strip()!r} to {self.ref}"

    def apply(self, current: bytes | None, notes: Notes) -> bytes | None:
        _need(self.ref, ("use_case", "topic"), "a phrasing")
        text = _clean(self.text, MAX_PHRASING, "phrasing", single_line=True)

        def change(item: CommentedMap, _src: Source, _block: Block) -> None:
            phrasings = item.get("phrasings")
            if not isinstance(phrasings, rt.CommentedMap):
                raise KbEditError(f"{self.ref} has no phrasings mapping; fix the file first")
            existing = phrasings.get(self.lang)
            if isinstance(existing, rt.CommentedSeq):
                key = normalize(text)
                for old in existing:
                    if normalize(str(old)) == key:
                        raise KbEditError(f"{self.ref} already has the phrasing {str(old)!r}")
                existing.append(like(existing[0], text) if existing else styled(text, []))
            else:
                others = [v for v in phrasings.values() if isinstance(v, rt.CommentedSeq)]
                phrasings[self.lang] = styled([text], others)

        return edit_entry(current, self.ref, change)


@dataclass(frozen=True)
class RemovePhrasing(_OnPhrasing):
    """Remove a phrasing (matched exactly, else case- and width-blind)."""

    def describe(self) -> str:
        return f"remove {self.lang} phrasing {self.text.strip()!r} from {self.ref}"

    def apply(self, current: bytes | None, notes: Notes) -> bytes | None:
        _need(self.ref, ("use_case", "topic"), "a phrasing")
        wanted = self.text.strip()

        def change(item: CommentedMap, _src: Source, _block: Block) -> None:
            phrasings = item.get("phrasings")
            seq = phrasings.get(self.lang) if isinstance(phrasings, rt.CommentedMap) else None
            if not isinstance(seq, rt.CommentedSeq):
                raise KbEditError(f"{self.ref} has no {self.lang} phrasings")
            matches = [i for i, old in enumerate(seq) if str(old) == wanted]
            if not matches:
                key = normalize(wanted)
                matches = [i for i, old in enumerate(seq) if normalize(str(old)) == key]
            if not matches:
                raise KbEditError(f"{self.ref} has no {self.lang} phrasing {wanted!r}")
            del seq[matches[0]]
            if not seq:
                notes.warn(f"{self.ref} has no {self.lang} phrasings left; the check requires one")

        return edit_entry(current, self.ref, change)


_TEXT_FIELD = {"topic": "answer", "fact": "text", "ranked": "reason", "use_case": "note"}


@dataclass(frozen=True)
class SetText(_OnEntry):
    """Set a topic's answer, a fact's text, a ranked model's reason or a use case's note.

    ``None`` leaves that language as it is.
    """

    en: str | None = None
    zh: str | None = None

    @property
    def field(self) -> str:
        return _TEXT_FIELD.get(self.ref.kind, "text")

    def describe(self) -> str:
        langs = "/".join(lang for lang in LANGS if getattr(self, lang) is not None)
        return f"set {self.field} ({langs}) of {self.ref}"

    def apply(self, current: bytes | None, notes: Notes) -> bytes | None:
        _need(self.ref, _TEXT_FIELD, "setting a text")
        given = {lang: getattr(self, lang) for lang in LANGS if getattr(self, lang) is not None}
        if not given:
            raise KbEditError("give the English text, the Chinese text, or both")
        values = {lang: _clean(t, MAX_TEXT, f"{lang} {self.field}") for lang, t in given.items()}
        changed: list[str] = []

        def change(item: CommentedMap, src: Source, block: Block) -> None:
            texts = item.get(self.field)
            if isinstance(texts, rt.CommentedMap):
                for lang, value in values.items():
                    old = texts.get(lang)
                    if old is None or str(old) != value:
                        template = old if old is not None else next(iter(texts.values()), None)
                        texts[lang] = like(template, value)
                        changed.append(lang)
            else:
                templates = _field_templates(src, block, self.field, self.file)
                item[self.field] = styled(values, templates)
                changed.extend(values)

        result = edit_entry(current, self.ref, change)
        if len(changed) == 1:
            other = "zh" if changed[0] == "en" else "en"
            notes.warn(
                f"only the {changed[0]} {self.field} of {self.ref} changed; check the {other} "
                "text still says the same thing"
            )
        return result


def _field_templates(src: Source, block: Block, name: str, file: str) -> list[Any]:
    """``name`` as written in the first sibling entry that has it, to copy its style."""
    parent = src.top(_parent_key(src, block) or "")
    for sibling in src.children(parent.node) if parent is not None else []:
        if any(isinstance(k, ScalarNode) and k.value == name for k, _ in sibling.node.value):
            return [load_doc(src.fragment(sibling), file).data[0][name]]
    return []


@dataclass(frozen=True)
class SetQuote(_OnEntry):
    """Set the quote of citation ``index`` (0-based) of a fact, ranked model or topic."""

    index: int
    quote: str

    def describe(self) -> str:
        return f"set quote {self.index + 1} of {self.ref}"

    def apply(self, current: bytes | None, notes: Notes) -> bytes | None:
        _need(self.ref, ("fact", "ranked", "topic"), "a quote")
        quote = _clean(self.quote, MAX_TEXT, "quote")

        def change(item: CommentedMap, _src: Source, _block: Block) -> None:
            citations = item.get("citations")
            if not isinstance(citations, rt.CommentedSeq) or not 0 <= self.index < len(citations):
                count = len(citations) if isinstance(citations, rt.CommentedSeq) else 0
                raise KbEditError(
                    f"{self.ref} has {count} citation(s); there is no citation {self.index + 1}"
                )
            citation = citations[self.index]
            old = citation.get("quote")
            if old is None or str(old) != quote:
                citation["quote"] = like(old, quote)

        return edit_entry(current, self.ref, change)


_ENTRY_LISTS = {"use_case": ("use_cases", "use case"), "topic": ("topics", "topic")}


@dataclass(frozen=True)
class AddEntry:
    """Add a use case or topic (``data`` is the entry as plain data, with its ``id``).

    It goes after entry ``after`` (an id), else at the end, styled like its neighbours.
    """

    kind: Literal["use_case", "topic"]
    data: Mapping[str, Any] = field(hash=False)
    after: str | None = None

    @property
    def file(self) -> str:
        return "topics.yaml" if self.kind == "topic" else "use_cases.yaml"

    def describe(self) -> str:
        return f"add {self.kind} '{self.data.get('id')}'"

    def apply(self, current: bytes | None, notes: Notes) -> bytes | None:
        if self.kind not in _ENTRY_LISTS:
            raise KbEditError(f"entries of kind '{self.kind}' cannot be added here")
        key, what = _ENTRY_LISTS[self.kind]
        entry_id = str(self.data.get("id", ""))
        Ref(self.kind, entry_id)  # validates the id
        src = load_source(current, self.file)
        block, taken = src.items(key, "id", entry_id)
        if block is None:
            raise KbEditError(f"{self.file} has no '{key}' list; fix the file first")
        if taken:
            raise KbEditError(f"{what} '{entry_id}' already exists; choose another id or edit it")
        items = src.children(block.node)
        if not items:  # an empty or flow-style list: round-trip the whole key
            doc = load_doc(src.fragment(block), self.file)
            seq = rt.CommentedSeq(list(doc.data[key] or []))
            seq.append(styled(dict(self.data), []))
            doc.data[key] = seq
            text = src.replaced([(block.start, block.end, _lines(doc.render()))])
        else:
            at = len(items) - 1
            if self.after is not None:
                at = items.index(_find(src, self.file, key, "id", self.after, what))
            docs = [load_doc(src.fragment(b), self.file) for b in items[:3]]
            node = styled(dict(self.data), [d.data[0] for d in docs])
            lines = render_item(docs[0].yaml, node, items[0].col)
            text = src.replaced([insert_after(src, items, at, [lines])])
        _verify_entry(text, key, entry_id, plain(styled(dict(self.data), [])), self.file)
        return text.encode("utf-8")


@dataclass(frozen=True)
class DeleteEntry(_OnEntry):
    """Delete a use case or topic; the comments around it stay."""

    def describe(self) -> str:
        return f"delete {self.ref}"

    def apply(self, current: bytes | None, notes: Notes) -> bytes | None:
        _need(self.ref, _ENTRY_LISTS, "deleting")
        key, what = _ENTRY_LISTS[self.ref.kind]
        src = load_source(current, self.file)
        target = _find(src, self.file, key, "id", self.ref.id, what)
        top = src.top(key)
        assert top is not None
        if len(src.children(top.node)) == 1:  # the list becomes empty: write `key: []`
            doc = load_doc(src.fragment(top), self.file)
            doc.data[key] = rt.CommentedSeq()
            text = src.replaced([(top.start, top.end, _lines(doc.render()))])
        else:
            edit, kept = delete_block(src, target)
            text = src.replaced([edit])
            if kept:
                notes.warn(
                    f"kept the comment above {self.ref} ({kept[-1].strip()!r}); delete it by "
                    "hand if it described only this entry"
                )
        _verify_entry(text, key, self.ref.id, None, self.file)
        return text.encode("utf-8")


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _verify_entry(text: str, key: str, entry_id: str, expected: Any, file: str) -> None:
    """The text-level edit reads back as intended (guards the line arithmetic)."""
    try:
        data = safe_data(text)
        found = [e for e in data.get(key) or [] if isinstance(e, dict) and e.get("id") == entry_id]
    except Exception as exc:
        raise KbEditError(f"internal error: editing {file} produced unreadable YAML") from exc
    ok = (not found) if expected is None else (len(found) == 1 and found[0] == expected)
    if not ok:
        raise KbEditError(f"internal error: editing {file} did not produce the intended entry")


# -- what an entry references, and what references it ----------------------------------
def references(kb: KnowledgeBase | None, ref: Ref) -> list[str]:
    """Lines describing what points at ``ref`` and what it points at (for a delete)."""
    if kb is None:
        return []
    out: list[str] = []
    if ref.kind == "topic":
        for entity in kb.other_entities.values():
            if entity.topic == ref.id:
                out.append(f"vocabulary.yaml: other entity '{entity.id}' answers with this topic")
        topic = kb.topics.get(ref.id)
        if topic is not None and topic.models:
            out.append(f"this topic is about models: {', '.join(topic.models)}")
        if ref.id in RESERVED_TOPICS:
            out.append(f"the bot's code asks for topic '{ref.id}' by name")
    elif ref.kind == "use_case":
        uc = kb.use_cases.get(ref.id)
        if uc is not None and uc.ranking:
            out.append(f"this use case ranks models: {', '.join(r.model for r in uc.ranking)}")
    return out


# -- which entries a change touched ----------------------------------------------------
def id_key(value: Any) -> str | None:
    """The field that identifies the items of a list of mappings (id, aspect or model)."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for key in ("id", "aspect", "model"):
            if all(key in v for v in value):
                return key
    return None


def _by_key(value: Any, key: str) -> dict[str, Any]:
    return {str(v.get(key)): v for v in value} if isinstance(value, list) else {}


def changed_entries(name: str, before: bytes | None, after: bytes | None) -> list[str]:
    """Entry names (``use_case:<id>``, ``model:<id>``, ``vocabulary.recommend``) that differ."""
    try:
        old = safe_data(before.decode("utf-8")) if before is not None else {}
        new = safe_data(after.decode("utf-8")) if after is not None else {}
    except Exception:
        return [f"file:{name}"]
    if not isinstance(old, dict) or not isinstance(new, dict):
        return [f"file:{name}"]
    if name.startswith("models/"):
        model_id = new.get("id") or old.get("id") or name.removeprefix("models/")[:-5]
        out = [f"model:{model_id}"]
        old_facts, new_facts = (
            _by_key(old.get("facts"), "aspect"),
            _by_key(new.get("facts"), "aspect"),
        )
        for aspect in sorted(set(old_facts) | set(new_facts)):
            if old_facts.get(aspect) != new_facts.get(aspect):
                out.append(f"fact:{model_id}/{aspect}")
        return out
    out = []
    for key in [*old, *(k for k in new if k not in old)]:
        before_value, after_value = old.get(key), new.get(key)
        if before_value == after_value:
            continue
        field = id_key(after_value) or id_key(before_value)
        if field:
            olds, news = _by_key(before_value, field), _by_key(after_value, field)
            prefix = SINGULAR.get(key, key)
            out += [
                f"{prefix}:{i}"
                for i in [*olds, *(n for n in news if n not in olds)]
                if olds.get(i) != news.get(i)
            ]
        elif isinstance(before_value, dict) and isinstance(after_value, dict):
            subkeys = [*before_value, *(k for k in after_value if k not in before_value)]
            out += [
                f"{key}.{sub}" for sub in subkeys if before_value.get(sub) != after_value.get(sub)
            ]
        else:
            out.append(key)
    return out


# -- restoring stored snapshots --------------------------------------------------------
class Conflict(KbEditError):
    """A file changed after the revision being undone; undoing would discard that change."""

    def __init__(self, message: str, file: str, recorded: bytes | None, current: bytes | None):
        super().__init__(message)
        self.file = file
        self.recorded = recorded
        self.current = current


@dataclass(frozen=True)
class RestoreFile:
    """Put back the bytes a revision stored (``None``: the file did not exist).

    With ``check``, the file must still hold ``expected`` (the revision's own result);
    otherwise applying raises :class:`Conflict` instead of overwriting later work.
    """

    file: str
    content: bytes | None
    revision_id: int
    state: Literal["before", "after"]
    expected: bytes | None = None
    check: bool = False

    def describe(self) -> str:
        return f"restore {self.file} as it was {self.state} revision #{self.revision_id}"

    def apply(self, current: bytes | None, notes: Notes) -> bytes | None:
        if self.check and current != self.expected:
            raise Conflict(
                f"{self.file} changed after revision #{self.revision_id}; undoing it would "
                "discard those changes (see the diff). Edit the file, or restore a revision "
                "explicitly",
                self.file,
                self.expected,
                current,
            )
        return self.content
