"""The write pipeline: preview, validation, confirm, revisions, undo, host edits, safe writes."""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from pathlib import Path

import pytest

from bot.kb.store import KnowledgeStore
from bot.kbedit import (
    AddPhrasing,
    DeleteEntry,
    KbEditError,
    KbEditor,
    Ref,
    Revision,
    SetText,
)

DEBUGGING = Ref("use_case", "debugging")


def make_editor(kb_copy: Path, **kwargs: object) -> KbEditor:
    return KbEditor(kb_copy, kb_copy.parent / "data" / "kb_revisions.sqlite3", **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def editor(kb_copy: Path) -> KbEditor:
    return make_editor(kb_copy)


def add(editor: KbEditor, text: str, ref: Ref = DEBUGGING, actor: str = "Alice") -> Revision:
    """Preview and confirm one phrasing; returns the revision."""
    result = editor.confirm(editor.preview([AddPhrasing(ref, "en", text)], actor=actor, reason="t"))
    assert result.applied, result
    assert result.revision is not None
    return result.revision


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*.yaml")}


def test_preview_writes_nothing(editor: KbEditor, kb_copy: Path) -> None:
    """A preview stages the edit in memory: no file and no revision is written."""
    before = snapshot(kb_copy)
    preview = editor.preview([AddPhrasing(DEBUGGING, "en", "squash bugs")], actor="A", reason="r")
    assert preview.ok and '+      en: ["debugging"' in preview.diff
    assert snapshot(kb_copy) == before
    assert editor.history() == []


def test_confirmed_edit_is_written_and_recorded(editor: KbEditor, kb_copy: Path) -> None:
    """Confirm writes the staged bytes and records who, why, what and the full before/after."""
    original = (kb_copy / "use_cases.yaml").read_bytes()
    revision = add(editor, "squash bugs", actor="Alice")
    assert (kb_copy / "use_cases.yaml").read_bytes() == revision.files[0].after
    assert revision.files[0].before == original
    [stored] = editor.history()
    assert (stored.actor, stored.source, stored.entries) == ("Alice", "discord", revision.entries)
    assert "use_case:debugging" in stored.entries


def test_invalid_edit_cannot_be_confirmed(editor: KbEditor, kb_copy: Path) -> None:
    """An edit the loader rejects shows file:line problems, and confirm writes nothing."""
    before = snapshot(kb_copy)
    # "code generation" already belongs to another use case: the checker refuses conflicts.
    preview = editor.preview(
        [AddPhrasing(DEBUGGING, "en", "code generation")], actor="A", reason="r"
    )
    assert preview.problems and not preview.ok
    problem = preview.problems[0]
    assert problem.path.endswith("use_cases.yaml") and "kbedit-" not in problem.path
    assert problem.line > 0 and "conflict" in problem.message
    result = editor.confirm(preview)
    assert result.status == "invalid"
    assert snapshot(kb_copy) == before
    assert editor.history() == []


def test_second_writer_is_told_the_file_changed_and_can_reapply(
    editor: KbEditor, kb_copy: Path
) -> None:
    """Two previews of one file: the later confirm is refused, and reapplying it works."""
    first = editor.preview([AddPhrasing(DEBUGGING, "en", "squash bugs")], actor="A", reason="r")
    second = editor.preview([AddPhrasing(DEBUGGING, "zh", "消灭bug")], actor="B", reason="r")
    assert editor.confirm(first).applied
    refused = editor.confirm(second)
    assert refused.status == "changed_since" and refused.files == ("use_cases.yaml",)
    assert editor.confirm(editor.reapply(second)).applied
    text = (kb_copy / "use_cases.yaml").read_text(encoding="utf-8")
    assert '"squash bugs"' in text and '"消灭bug"' in text


def test_undo_restores_the_bytes_from_before(editor: KbEditor, kb_copy: Path) -> None:
    """Undo puts back the stored snapshot byte for byte, as a new revision with source undo."""
    original = (kb_copy / "use_cases.yaml").read_bytes()
    revision = add(editor, "squash bugs")
    result = editor.confirm(editor.preview_undo(actor="B"))
    assert result.applied and result.revision is not None
    assert (kb_copy / "use_cases.yaml").read_bytes() == original
    assert (result.revision.source, result.revision.undoes) == ("undo", revision.id)


def test_restore_brings_back_any_revision(editor: KbEditor, kb_copy: Path) -> None:
    """Restoring an older revision writes exactly the bytes that revision left."""
    first = add(editor, "squash bugs")
    add(editor, "kill bugs")
    assert editor.confirm(editor.preview_restore(first.id, actor="B")).applied
    assert (kb_copy / "use_cases.yaml").read_bytes() == first.files[0].after


def test_undo_after_a_later_change_shows_the_diff_instead_of_clobbering(
    editor: KbEditor, kb_copy: Path
) -> None:
    """Undoing a revision whose file changed since is refused, with the later change shown."""
    revision = add(editor, "squash bugs")
    path = kb_copy / "use_cases.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('"bugs", ', ""), encoding="utf-8")
    edited = path.read_bytes()
    preview = editor.preview_undo(revision.id, actor="B")
    assert not preview.ok and "changed after revision" in preview.problems[0].message
    assert '-      en: ["debugging", "debug", "debug my code"' in preview.conflict_diff
    assert editor.confirm(preview).status == "invalid"
    assert path.read_bytes() == edited


def test_host_edit_appears_in_history_with_source_host(editor: KbEditor, kb_copy: Path) -> None:
    """When the store loads a file edited on the host, a host revision is recorded."""
    store = KnowledgeStore(kb_copy)
    editor.watch(store)
    path = kb_copy / "topics.yaml"
    before = path.read_bytes()
    path.write_text(
        path.read_text(encoding="utf-8").replace('"article overview"', '"article summary"'),
        encoding="utf-8",
    )
    assert store.reload().ok
    [revision] = editor.history()
    assert (revision.source, revision.actor) == ("host", "host")
    assert revision.files[0].before == before and revision.files[0].after == path.read_bytes()
    assert "topic:overview" in revision.entries


def test_own_write_reloaded_by_the_store_is_not_a_host_edit(kb_copy: Path) -> None:
    """Wired like the bot (swap = store.reload, host hook on the store): one write, one revision."""
    store = KnowledgeStore(kb_copy)
    editor = make_editor(kb_copy, on_applied=lambda _rev: store.reload())
    editor.watch(store)
    add(editor, "squash bugs")
    assert "squash bugs" in store.current.use_cases["debugging"].phrasings.en
    assert [r.source for r in editor.history()] == ["discord"]


def test_edit_made_while_the_bot_was_down_is_recorded_at_start(kb_copy: Path) -> None:
    """A file changed after its last revision while nothing watched is caught at start-up."""
    add(make_editor(kb_copy), "squash bugs")
    path = kb_copy / "use_cases.yaml"
    path.write_bytes(path.read_bytes() + b"# edited offline\n")
    revision = make_editor(kb_copy).scan_host_changes()
    assert revision is not None and revision.source == "host"
    assert revision.files[0].after == path.read_bytes()


def test_record_host_change_records_the_given_texts(editor: KbEditor) -> None:
    """The explicit hook records a host revision with the texts it is given."""
    revision = editor.record_host_change("topics.yaml", "a: 1\n", "a: 2\n")
    assert revision is not None and revision.source == "host"
    assert editor.history("topics.yaml")[0].files[0].after == b"a: 2\n"


def test_console_write_is_not_recorded_again_as_a_host_edit(kb_copy: Path) -> None:
    """A change another process wrote and recorded is not recorded twice by the bot."""
    bot, console = make_editor(kb_copy), make_editor(kb_copy)
    add(console, "squash bugs")
    assert bot.scan_host_changes() is None
    assert len(bot.history()) == 1


def test_hand_edit_before_a_write_gets_its_own_revision(editor: KbEditor, kb_copy: Path) -> None:
    """An unrecorded host edit is recorded (source host) before the next write is."""
    path = kb_copy / "topics.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# note\n", encoding="utf-8")
    add(editor, "squash bugs")
    assert [r.source for r in editor.history()] == ["discord", "host"]


def test_atomic_write_keeps_the_file_mode(editor: KbEditor, kb_copy: Path) -> None:
    """The written file keeps its permission bits (the temp file would be 0600)."""
    path = kb_copy / "use_cases.yaml"
    path.chmod(0o640)
    add(editor, "squash bugs")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_crash_before_rename_leaves_the_original_intact(
    editor: KbEditor, kb_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the rename fails, the original file, the directory and the history are unchanged."""
    before = snapshot(kb_copy)
    listing = sorted(os.listdir(kb_copy))
    preview = editor.preview([AddPhrasing(DEBUGGING, "en", "squash bugs")], actor="A", reason="r")

    def crash(src: object, dst: object) -> None:
        raise OSError(errno.EIO, "simulated crash")

    monkeypatch.setattr(os, "replace", crash)
    result = editor.confirm(preview)
    assert result.status == "failed"
    assert snapshot(kb_copy) == before
    assert sorted(os.listdir(kb_copy)) == listing  # no temp file left behind
    assert editor.history() == []


def test_bind_mounted_file_is_written_in_place_with_a_warning(
    editor: KbEditor, kb_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that cannot be renamed over (EBUSY, a single-file mount) is written in place."""
    preview = editor.preview([AddPhrasing(DEBUGGING, "en", "squash bugs")], actor="A", reason="r")

    def busy(src: object, dst: object) -> None:
        raise OSError(errno.EBUSY, "Device or resource busy")

    monkeypatch.setattr(os, "replace", busy)
    result = editor.confirm(preview)
    assert result.applied and "written in place" in result.message
    assert (kb_copy / "use_cases.yaml").read_bytes() == preview.changes[0].after
    assert not [p for p in os.listdir(kb_copy) if p.endswith(".tmp")]


def test_confirm_swaps_the_live_base_and_reports_the_revision(kb_copy: Path) -> None:
    """After a write the swap callback and the audit callback both get the revision."""
    seen: list[tuple[str, int]] = []
    editor = make_editor(
        kb_copy,
        on_applied=lambda rev: seen.append(("swap", rev.id)),
        audit=lambda rev: seen.append(("audit", rev.id)),
    )
    revision = add(editor, "squash bugs")
    assert seen == [("swap", revision.id), ("audit", revision.id)]


def test_busy_lock_refuses_instead_of_writing(kb_copy: Path) -> None:
    """While another process holds the writer lock, confirm says busy and writes nothing."""
    editor = make_editor(kb_copy, lock_timeout=0.2)
    preview = editor.preview([AddPhrasing(DEBUGGING, "en", "squash bugs")], actor="A", reason="r")
    before = snapshot(kb_copy)
    lock_path = kb_copy.parent / "data" / "kb_revisions.lock"
    with lock_path.open("a+b") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        result = editor.confirm(preview)
    assert result.status == "busy"
    assert snapshot(kb_copy) == before


def test_routing_impact_lists_phrasings_and_recent_questions(kb_copy: Path) -> None:
    """A new phrasing and a logged question it now catches both show their new target."""
    editor = make_editor(kb_copy, recent_questions=lambda: ["squash bugs"])
    preview = editor.preview(
        [AddPhrasing(DEBUGGING, "en", "squash bugs"), AddPhrasing(DEBUGGING, "en", "kill bugs")],
        actor="A",
        reason="r",
    )
    changes = {c.question: c for c in preview.routing}
    assert changes["kill bugs"].after == "use_case:debugging"
    assert changes["kill bugs"].origin == "phrasing"
    assert changes["squash bugs"].after == "use_case:debugging"


def test_deleting_a_topic_shows_what_refers_to_it(editor: KbEditor) -> None:
    """A delete preview lists references and the problems they cause; it cannot be confirmed."""
    preview = editor.preview([DeleteEntry(Ref("topic", "china_landscape"))], actor="A", reason="r")
    assert any("'baichuan'" in r for r in preview.references)
    assert any("unknown topic 'china_landscape'" in p.message for p in preview.problems)
    assert editor.confirm(preview).status == "invalid"


def test_topics_the_bot_needs_cannot_be_deleted(editor: KbEditor) -> None:
    """Deleting /help's topic is a problem, not just a warning."""
    preview = editor.preview([DeleteEntry(Ref("topic", "help"))], actor="A", reason="r")
    assert any("used by the bot itself" in p.message for p in preview.problems)


def test_no_op_edit_writes_nothing(editor: KbEditor, kb_copy: Path) -> None:
    """An edit that changes no byte is a no-op: no file write, no revision."""
    before = snapshot(kb_copy)
    answer = "The article recommends only Mistral Large 2 for debugging."
    preview = editor.preview([SetText(DEBUGGING, en=answer)], actor="A", reason="r")
    assert preview.noop
    assert editor.confirm(preview).status == "noop"
    assert snapshot(kb_copy) == before and editor.history() == []


def test_history_filters_by_entry(editor: KbEditor) -> None:
    """history(entry) returns only revisions that touched that entry (by name or bare id)."""
    add(editor, "squash bugs")
    add(editor, "future stuff", ref=Ref("topic", "prediction"))
    assert [r.entries for r in editor.history("prediction")] == [("topic:prediction",)]
    assert len(editor.history("use_case:debugging")) == 1
    assert len(editor.history()) == 2


def test_undo_with_nothing_to_undo_says_so(editor: KbEditor) -> None:
    """An empty history gives a clear error rather than an empty preview."""
    with pytest.raises(KbEditError, match="no revision to undo"):
        editor.preview_undo(actor="A")


def test_a_folder_this_process_cannot_write_is_one_line_naming_it_and_the_fix(
    editor: KbEditor,
    kb_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """What a container with the wrong uid meets: no traceback, the folder and the fix."""
    before = (kb_copy / "use_cases.yaml").read_bytes()

    def denied(path: Path, content: bytes | None) -> list[str]:
        raise PermissionError(13, "Permission denied", str(path.parent / ".x.tmp"))

    monkeypatch.setattr("bot.kbedit.pipeline.atomic_write", denied)
    preview = editor.preview(
        [AddPhrasing(DEBUGGING, "en", "squash my bugs")], actor="A", reason="t"
    )
    with caplog.at_level("INFO"):
        result = editor.confirm(preview)
    assert result.status == "failed" and not result.applied
    assert f"cannot write to {kb_copy}" in result.message and "--user" in result.message
    assert not any(r.exc_info for r in caplog.records)  # no traceback for a known cause
    assert (kb_copy / "use_cases.yaml").read_bytes() == before
    assert editor.history() == []
