"""Export and import: byte-identical downloads, untrusted uploads refused, content decides."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from bot.kbedit import AddPhrasing, KbEditError, KbEditor, Ref
from bot.kbedit.files import knowledge_files
from bot.kbedit.yamlrt import safe_data


@pytest.fixture
def editor(kb_copy: Path) -> KbEditor:
    return KbEditor(kb_copy, kb_copy.parent / "data" / "kb_revisions.sqlite3")


def snapshot(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in knowledge_files(directory)}


def make_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_export_holds_every_yaml_file_byte_identical_and_the_schemas(
    editor: KbEditor, kb_copy: Path
) -> None:
    """The zip has each knowledge file exactly as on disk, plus knowledge/schema/*.json."""
    export = editor.export()
    archive = zipfile.ZipFile(io.BytesIO(export.data))
    files = snapshot(kb_copy)
    assert {name: archive.read(name) for name in files} == files
    assert "schema/topics.schema.json" in archive.namelist()
    assert export.filename.endswith(".zip")


def test_export_of_one_file_is_that_file(editor: KbEditor, kb_copy: Path) -> None:
    """Asking for one file gives the YAML file itself, not a zip."""
    export = editor.export(["models/gpt-4o-mini.yaml"])
    assert export.data == (kb_copy / "models" / "gpt-4o-mini.yaml").read_bytes()
    assert export.filename == "gpt-4o-mini.yaml"


def test_export_then_replace_import_round_trips_byte_identical(
    editor: KbEditor, kb_copy: Path
) -> None:
    """Importing an export in replace mode brings every file back to the exported bytes."""
    exported = snapshot(kb_copy)
    data = editor.export().data
    preview = editor.preview(
        [AddPhrasing(Ref("use_case", "debugging"), "en", "squash bugs")], actor="A", reason="r"
    )
    assert editor.confirm(preview).applied
    restored = editor.preview_import(data, "knowledge.zip", "replace", actor="A")
    assert restored.files == ("use_cases.yaml",)
    assert editor.confirm(restored).applied
    assert snapshot(kb_copy) == exported


def _topics(kb_copy: Path) -> bytes:
    return (kb_copy / "topics.yaml").read_bytes()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("evil.zip", lambda k: make_zip({"../topics.yaml": _topics(k)}), "absolute path or '..'"),
        ("evil.zip", lambda k: make_zip({"/etc/topics.yaml": _topics(k)}), "absolute path"),
        ("evil.zip", lambda k: make_zip({"a\\..\\..\\x.yaml": _topics(k)}), "'..'"),
        ("latin1.yaml", lambda k: "topics: []\n# caf\xe9\n".encode("latin-1"), "not valid UTF-8"),
        ("big.yaml", lambda k: b"# " + b"x" * (5 * 1024 * 1024), "over the 1 MiB limit"),
        ("big.zip", lambda k: make_zip({"a.yaml": b"#" * (2 << 20)}), "over the 1 MiB limit"),
        ("bomb.yaml", lambda k: b"a: &a [1, 2]\nb: *a\n", "anchors and aliases"),
        ("x.yaml", lambda k: b"colour: red\n", "belong to no knowledge file"),
        ("x.yaml", lambda k: b"topics: []\nuse_cases: []\n", "mixes keys"),
        ("x.yaml", lambda k: b"- just a list\n", "top level must be a mapping"),
        ("x.zip", lambda k: b"PK\x03\x04 not really", "not a readable zip"),
        ("model.yaml", lambda k: b"id: ../../x\nname: X\n", "not a valid id"),
    ],
    ids=[
        "dotdot",
        "absolute",
        "backslash dotdot",
        "not utf-8",
        "5 MiB file",
        "big zip member",
        "alias",
        "unknown key",
        "mixed",
        "list",
        "bad zip",
        "model id path",
    ],
)
def test_unsafe_or_unreadable_upload_is_refused(
    editor: KbEditor, kb_copy: Path, name: str, data: object, message: str
) -> None:
    """A refused upload says why in one line and stages nothing."""
    before = snapshot(kb_copy)
    with pytest.raises(KbEditError, match=message):
        editor.preview_import(data(kb_copy), name, "replace", actor="A")  # type: ignore[operator]
    assert snapshot(kb_copy) == before


def test_zip_over_five_mib_is_refused(editor: KbEditor) -> None:
    """An upload over 5 MiB is refused before it is opened."""
    data = b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024)
    with pytest.raises(KbEditError, match="over the 5 MiB limit"):
        editor.preview_import(data, "big.zip", "merge", actor="A")


def test_unpacked_total_over_five_mib_is_refused(editor: KbEditor) -> None:
    """Many small members that unpack to more than 5 MiB are refused (a zip bomb)."""
    member = b"#" * (900 * 1024)
    data = make_zip({f"f{i}.yaml": member for i in range(7)})
    with pytest.raises(KbEditError, match=r"unpacked files .* over the 5 MiB limit"):
        editor.preview_import(data, "many.zip", "merge", actor="A")


def test_misleading_name_lands_in_the_file_its_content_belongs_to(
    editor: KbEditor, kb_copy: Path
) -> None:
    """Topics uploaded as models/x.yaml go to topics.yaml; the name is never a path."""
    text = _topics(kb_copy).replace(b'"article overview"', b'"article summary"')
    preview = editor.preview_import(text, "models/x.yaml", "replace", actor="A")
    assert preview.files == ("topics.yaml",)
    assert any("decided by its content" in w for w in preview.warnings)
    assert editor.confirm(preview).applied
    assert _topics(kb_copy) == text
    assert not (kb_copy / "models" / "x.yaml").exists()


def test_model_file_is_placed_by_its_id(editor: KbEditor, kb_copy: Path) -> None:
    """A model upload lands in models/<its id>.yaml whatever it is called."""
    data = (
        (kb_copy / "models" / "deepseek-v2.yaml")
        .read_bytes()
        .replace(b'vendor: "DeepSeek"', b'vendor: "DeepSeek AI"')
    )
    preview = editor.preview_import(data, "upload.yaml", "merge", actor="A")
    assert preview.files == ("models/deepseek-v2.yaml",)


def test_merge_adds_new_replaces_changed_and_keeps_the_rest(
    editor: KbEditor, kb_copy: Path
) -> None:
    """Merge by id: a changed topic is replaced, a new one added, the others kept as written."""
    old = safe_data(_topics(kb_copy).decode("utf-8"))["topics"]
    greeting = next(t for t in old if t["id"] == "greeting")
    upload = (
        "topics:\n"
        "  - id: greeting\n"
        "    phrasings:\n"
        '      en: ["hello there", "hi"]\n'
        '      zh: ["你好"]\n'
        '    answer: {en: "Hello!", zh: "你好！"}\n'
        "  - id: brand-new\n"
        "    phrasings:\n"
        '      en: ["a fresh question"]\n'
        '      zh: ["全新问题"]\n'
        '    answer: {en: "New.", zh: "新。"}\n'
    )
    preview = editor.preview_import(upload.encode(), "t.yaml", "merge", actor="A")
    assert set(preview.entries) == {"topic:greeting", "topic:brand-new"}
    after = preview.changes[0].after
    assert after is not None
    merged = {t["id"]: t for t in safe_data(after.decode("utf-8"))["topics"]}
    assert merged["greeting"]["answer"] == {"en": "Hello!", "zh": "你好！"}
    assert merged["greeting"] != greeting
    assert merged["brand-new"]["phrasings"]["en"] == ["a fresh question"]
    assert [t["id"] for t in old] == [i for i in merged if i != "brand-new"]
    untouched = _topics(kb_copy).decode("utf-8").split("  - id: greeting")[0]
    assert after.decode("utf-8").startswith(untouched)


def test_merge_of_a_nested_mapping_keeps_keys_the_upload_lacks(
    editor: KbEditor, kb_copy: Path
) -> None:
    """Merging vocabulary with only one cue list changes that list and keeps the others."""
    upload = 'vocabulary:\n  compare:\n    en: ["compare", "vs"]\n    zh: ["对比"]\n'
    preview = editor.preview_import(upload.encode(), "v.yaml", "merge", actor="A")
    after = preview.changes[0].after
    assert after is not None and preview.entries == ("vocabulary.compare",)
    before = safe_data((kb_copy / "vocabulary.yaml").read_text(encoding="utf-8"))
    merged = safe_data(after.decode("utf-8"))
    assert merged["vocabulary"]["compare"] == {"en": ["compare", "vs"], "zh": ["对比"]}
    assert merged["vocabulary"]["recommend"] == before["vocabulary"]["recommend"]
    assert merged["other_entities"] == before["other_entities"]


def test_schemas_in_an_exported_zip_are_not_reported(editor: KbEditor) -> None:
    """The generated JSON Schemas that export adds are skipped silently on import."""
    preview = editor.preview_import(editor.export().data, "knowledge.zip", "merge", actor="A")
    assert preview.noop and not preview.warnings
