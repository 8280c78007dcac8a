"""Semantic edits keep the files people wrote: comments, quoting and every untouched line."""

from __future__ import annotations

import difflib
import subprocess
import sys

import pytest

from bot.kbedit.ops import (
    AddEntry,
    AddPhrasing,
    DeleteEntry,
    Notes,
    Operation,
    Ref,
    RemovePhrasing,
    SetQuote,
    SetText,
)
from bot.kbedit.records import KbEditError
from bot.kbedit.transfer import ImportFile
from bot.kbedit.yamlrt import Doc, Source, is_block_list, safe_data
from tests.conftest import KNOWLEDGE

SHIPPED = sorted(p.relative_to(KNOWLEDGE).as_posix() for p in KNOWLEDGE.rglob("*.yaml"))
INSIDE = "    # a comment inside the entry\n"

NEW_TOPIC = {
    "id": "new-topic",
    "phrasings": {"en": ["brand new question"], "zh": ["全新的问题"]},
    "answer": {"en": "An answer.", "zh": "一个回答。"},
    "models": [],
    "citations": [],
}

# (operation, file, the line that starts the entry it may change, quoted texts it must add)
EDITS: list[tuple[str, Operation, str, str, list[str]]] = [
    (
        "add phrasing",
        AddPhrasing(Ref("use_case", "debugging"), "en", "squash my bugs"),
        "use_cases.yaml",
        "  - id: debugging",
        ['"squash my bugs"'],
    ),
    (
        "add zh phrasing",
        AddPhrasing(Ref("topic", "prediction"), "zh", "未来预测如何"),
        "topics.yaml",
        "  - id: prediction",
        ['"未来预测如何"'],
    ),
    (
        "remove phrasing",
        RemovePhrasing(Ref("use_case", "debugging"), "en", "buggy code"),
        "use_cases.yaml",
        "  - id: debugging",
        [],
    ),
    (
        "topic answer",
        SetText(Ref("topic", "conclusion"), en="A short answer.", zh="简短的回答。"),
        "topics.yaml",
        "  - id: conclusion",
        ['"A short answer."', '"简短的回答。"'],
    ),
    (
        "fact text",
        SetText(Ref("fact", "gpt-4o-mini", "parameters"), en="Not stated, it is 'small'."),
        "models/gpt-4o-mini.yaml",
        "  - aspect: parameters",
        ["\"Not stated, it is 'small'.\""],
    ),
    (
        "ranked reason",
        SetText(Ref("ranked", "code-generation", "deepseek-v2"), zh="新的理由。"),
        "use_cases.yaml",
        "  - id: code-generation",
        ['"新的理由。"'],
    ),
    (
        "use-case note",
        SetText(Ref("use_case", "debugging"), en="Only Mistral.", zh="只有 Mistral。"),
        "use_cases.yaml",
        "  - id: debugging",
        ['"Only Mistral."'],
    ),
    (
        "quote",
        SetQuote(Ref("topic", "overview"), 1, "本文对这三种模型进行了分析"),
        "topics.yaml",
        "  - id: overview",
        ['"本文对这三种模型进行了分析"'],
    ),
    (
        "add entry",
        AddEntry("topic", NEW_TOPIC, after="overview"),
        "topics.yaml",
        "  - id: overview",
        ['"brand new question"'],
    ),
    (
        "delete entry",
        DeleteEntry(Ref("topic", "prediction")),
        "topics.yaml",
        "  - id: prediction",
        [],
    ),
]


def _region(lines: list[str], anchor: str) -> tuple[int, int]:
    """Lines of the entry that starts with ``anchor``, up to the next sibling or parent."""
    start = next(i for i, line in enumerate(lines) if line.rstrip("\n") == anchor)
    indent = len(anchor) - len(anchor.lstrip())
    end = start + 1
    while end < len(lines):
        line = lines[end]
        ind = len(line) - len(line.lstrip())
        if line.strip() and (line.startswith(" " * indent + "- ") or ind < indent):
            break
        end += 1
    return start, end


def _apply(op: Operation, text: str) -> str:
    out = op.apply(text.encode("utf-8"), Notes())
    assert out is not None
    return out.decode("utf-8")


def _with_comment_inside(text: str, anchor: str) -> str:
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.rstrip("\n") == anchor)
    lines.insert(at + 1, INSIDE)
    return "".join(lines)


@pytest.mark.parametrize("name", SHIPPED)
def test_round_trip_reproduces_every_block_of_every_shipped_file(name: str) -> None:
    """ruamel renders every block an edit may touch (a top-level key, a list item) as written."""
    src = Source((KNOWLEDGE / name).read_text(encoding="utf-8"))
    blocks = src.children(src.root)
    blocks += [item for b in blocks if is_block_list(b.node) for item in src.children(b.node)]
    assert blocks
    for block in blocks:
        fragment = src.fragment(block)
        assert Doc(fragment).base == fragment, fragment[:80]


@pytest.mark.parametrize(
    ("op", "file", "anchor", "added"), [e[1:] for e in EDITS], ids=[e[0] for e in EDITS]
)
def test_edit_changes_only_its_entry(
    op: Operation, file: str, anchor: str, added: list[str]
) -> None:
    """Every line outside the edited entry stays byte-identical; comments inside it stay."""
    before = (KNOWLEDGE / file).read_text(encoding="utf-8")
    if not isinstance(op, DeleteEntry):
        before = _with_comment_inside(before, anchor)
    after = _apply(op, before)
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    start, end = _region(old, anchor)
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    changed = [(i1, i2) for tag, i1, i2, _, _ in opcodes if tag != "equal"]
    assert changed, "the edit changed nothing"
    assert all(start <= i1 and i2 <= end for i1, i2 in changed), changed
    if not isinstance(op, DeleteEntry):
        assert INSIDE in new
    for quoted in added:
        assert quoted in after


def _same_value_ops() -> list[Operation]:
    topics = safe_data((KNOWLEDGE / "topics.yaml").read_text(encoding="utf-8"))["topics"]
    by_id = {t["id"]: t for t in topics}
    conclusion, overview = by_id["conclusion"]["answer"], by_id["overview"]["citations"][0]
    return [
        SetText(Ref("topic", "conclusion"), en=conclusion["en"], zh=conclusion["zh"]),
        SetQuote(Ref("topic", "overview"), 0, overview["quote"]),
    ]


@pytest.mark.parametrize("op", _same_value_ops(), ids=["same text", "same quote"])
def test_same_value_edit_is_byte_identical(op: Operation) -> None:
    """Setting a value to what it already is returns the very same bytes."""
    data = (KNOWLEDGE / op.file).read_bytes()
    assert op.apply(data, Notes()) == data


@pytest.mark.parametrize("mode", ["merge", "replace"])
@pytest.mark.parametrize("name", SHIPPED)
def test_importing_a_file_onto_itself_is_byte_identical(name: str, mode: str) -> None:
    """An import of the same content changes no byte, in either mode, for every file."""
    data = (KNOWLEDGE / name).read_bytes()
    op = ImportFile(name, data.decode("utf-8"), mode)  # type: ignore[arg-type]
    assert op.apply(data, Notes()) == data


def test_lines_ruamel_would_rewrite_stay_as_written() -> None:
    """A comment above '---' and an unusual spacing survive an edit elsewhere in the file."""
    text = (KNOWLEDGE / "topics.yaml").read_text(encoding="utf-8")
    odd = "# heading above the document marker\n---\n" + text.replace(
        "  - id: help", "  - id:    help"
    )
    after = _apply(AddPhrasing(Ref("topic", "prediction"), "en", "what comes next"), odd)
    assert after.startswith("# heading above the document marker\n---\n")
    assert "  - id:    help\n" in after
    assert '"what comes next"' in after


def test_delete_keeps_the_heading_comment_of_the_next_entry() -> None:
    """Deleting an entry never takes the comment that heads the entry after it."""
    text = (KNOWLEDGE / "topics.yaml").read_text(encoding="utf-8")
    text = text.replace("  - id: help\n", "  # --- small talk ---\n  - id: help\n")
    after = _apply(DeleteEntry(Ref("topic", "source")), text)
    assert "  # --- small talk ---\n  - id: help\n" in after
    assert "- id: source" not in after
    assert "\n\n\n" not in after


def test_new_entry_is_spaced_like_its_neighbours() -> None:
    """Entries separated by blank lines get a new entry separated by a blank line too."""
    text = (KNOWLEDGE / "topics.yaml").read_text(encoding="utf-8")
    after = _apply(AddEntry("topic", NEW_TOPIC), text)
    assert after.endswith("\n\n  - id: new-topic\n" + after.split("  - id: new-topic\n", 1)[1])
    assert "\n\n  - id: new-topic\n    phrasings:\n" in after
    assert safe_data(after)["topics"][-1] == NEW_TOPIC


@pytest.mark.parametrize(
    ("op", "message"),
    [
        (AddPhrasing(Ref("use_case", "nope"), "en", "x"), "use case 'nope' not found"),
        (AddPhrasing(Ref("use_case", "debugging"), "en", "Debug My Code"), "already has"),
        (RemovePhrasing(Ref("topic", "help"), "en", "not there"), "no en phrasing"),
        (SetQuote(Ref("topic", "help"), 0, "x"), "no citation 1"),
        (AddEntry("topic", {**NEW_TOPIC, "id": "help"}), "already exists"),
        (SetText(Ref("fact", "gpt-4o-mini", "nope")), "give the English text"),
    ],
    ids=[
        "unknown id",
        "duplicate phrasing",
        "missing phrasing",
        "no citation",
        "id taken",
        "no text",
    ],
)
def test_impossible_edit_is_refused_with_a_clear_message(op: Operation, message: str) -> None:
    """An edit that cannot apply raises one readable line instead of writing anything."""
    with pytest.raises(KbEditError, match=message):
        op.apply((KNOWLEDGE / op.file).read_bytes(), Notes())


@pytest.mark.parametrize(
    "text", ["fact:gpt-4o-mini", "topic:../../etc", "use_case:", "colour:red", "plain"]
)
def test_bad_reference_is_refused(text: str) -> None:
    """Entry references are checked: kind, id pattern (no paths) and the sub-part."""
    with pytest.raises(KbEditError):
        Ref.parse(text)


def test_reference_round_trips_through_text() -> None:
    """A reference prints as it is parsed, so the Discord side can keep it in a custom id."""
    for text in ("use_case:debugging", "fact:gpt-4o-mini/pricing", "ranked:debugging/deepseek-v2"):
        assert str(Ref.parse(text)) == text


def test_the_bot_imports_ruamel_only_when_an_edit_needs_it() -> None:
    """Starting the bot does not load the round-trip YAML library; rendering an edit does."""
    script = (
        "import sys, bot.main\n"
        "print(any(m.startswith('ruamel') for m in sys.modules))\n"
        "from bot.kbedit import yamlrt\n"
        "yamlrt.dump(yamlrt.make_yaml(), {'a': None})\n"
        "print(any(m.startswith('ruamel') for m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == ["False", "True"]
