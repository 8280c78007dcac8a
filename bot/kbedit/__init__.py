"""Editing the knowledge base: one pipeline for every write (no Discord code in here).

Typical use (the Discord UI and the console do exactly this)::

    editor = KbEditor(knowledge_dir, data_dir / "kb_revisions.sqlite3",
                      on_applied=lambda _rev: store.reload(), audit=post_to_admin_log)
    preview = editor.preview([AddPhrasing(Ref.parse("use_case:debugging"), "en", "fix my bug")],
                             actor="Alice", reason="asked in #help")
    show(preview.diff, preview.problems, preview.warnings, preview.routing)
    result = editor.confirm(preview)          # after the person says yes
    if result.status == "changed_since":
        preview = editor.reapply(preview)     # same operations on the new version
"""

from bot.kbedit.ops import (
    AddEntry,
    AddPhrasing,
    DeleteEntry,
    Operation,
    Ref,
    RemovePhrasing,
    RestoreFile,
    SetQuote,
    SetText,
)
from bot.kbedit.pipeline import KbEditor
from bot.kbedit.records import (
    ApplyResult,
    FileChange,
    KbEditError,
    Preview,
    Revision,
    RoutingChange,
)
from bot.kbedit.revisions import DEFAULT_FILE as REVISIONS_FILE
from bot.kbedit.transfer import Export, ImportFile

__all__ = [
    "REVISIONS_FILE",
    "AddEntry",
    "AddPhrasing",
    "ApplyResult",
    "DeleteEntry",
    "Export",
    "FileChange",
    "ImportFile",
    "KbEditError",
    "KbEditor",
    "Operation",
    "Preview",
    "Ref",
    "RemovePhrasing",
    "RestoreFile",
    "Revision",
    "RoutingChange",
    "SetQuote",
    "SetText",
]
