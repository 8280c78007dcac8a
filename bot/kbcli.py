"""Console ``kb`` commands: export, import, history, undo, restore, unanswered.

They use the same pipeline as the Discord side (:mod:`bot.kbedit`): an import or an
undo prints its preview, asks y/N on a terminal (or applies with ``--yes``), and is
recorded as a revision in ``<DATA_DIR>/kb_revisions.sqlite3``. A running bot picks the
written files up through its watcher. Never imports discord.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a `kb` command runs, so `ask` starts as fast as before
    from bot.kbedit import KbEditor, Preview

Handler = Callable[[argparse.Namespace], int]


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _settings() -> Any:
    from bot.settings import load_settings

    return load_settings(require_token=False)


def revisions_path(settings: Any) -> Path:
    """``<DATA_DIR>/kb_revisions.sqlite3``; the analytics database's folder without DATA_DIR."""
    from bot.kbedit import REVISIONS_FILE

    data_dir = getattr(settings, "data_dir", None) or Path(settings.database_path).parent
    return Path(data_dir) / REVISIONS_FILE


def _actor() -> str:
    try:
        return f"{getpass.getuser()} (console)"
    except Exception:  # no login name in some containers
        return "console"


def _editor(args: argparse.Namespace) -> KbEditor:
    from bot.kbedit import KbEditor

    settings = _settings()
    # With DATABASE_URL on PostgreSQL the edit joins the shared history, and every
    # running bot process applies it within seconds.
    return KbEditor(
        Path(args.knowledge), revisions_path(settings), database=getattr(settings, "database", None)
    )


def _handled(handler: Handler) -> Handler:
    """Expected failures become one line on stderr and exit status 1."""

    def run(args: argparse.Namespace) -> int:
        from bot.kbedit import KbEditError
        from bot.settings import SettingsError

        try:
            return handler(args)
        except (KbEditError, SettingsError) as exc:
            return _fail(str(exc))
        except OSError as exc:
            return _fail(f"{exc.filename or 'file'}: {exc.strerror or exc}")

    return run


def confirm_and_apply(
    editor: KbEditor, preview: Preview, yes: bool, stdin: IO[str], stdout: IO[str]
) -> int:
    """Print the preview, ask on a terminal unless ``yes``, then confirm it."""
    stdout.write(preview.as_text())
    if preview.noop and not preview.problems:
        return 0
    if not preview.ok:
        return _fail("not applied: fix the problems above first")
    if not yes:
        if not stdin.isatty():
            return _fail("not applied: no terminal to ask on; pass --yes to apply")
        stdout.write("Apply this change? [y/N] ")
        stdout.flush()
        if stdin.readline().strip().lower() not in ("y", "yes"):
            return _fail("not applied")
    result = editor.confirm(preview)
    if not result.applied:
        for problem in result.problems:
            print(f"  {problem}", file=sys.stderr)
        return _fail(f"not applied ({result.status}): {result.message}")
    stdout.write(f"{result.message}\n")
    return 0


@_handled
def cmd_export(args: argparse.Namespace) -> int:
    export = _editor(args).export(args.files or None)
    out = Path(args.out)
    out.write_bytes(export.data)
    print(f"wrote {out} ({len(export.data)} bytes)")
    return 0


@_handled
def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    editor = _editor(args)
    data = path.read_bytes()
    preview = editor.preview_import(
        data, path.name, args.mode, actor=_actor(), reason=args.reason or ""
    )
    return confirm_and_apply(editor, preview, args.yes, sys.stdin, sys.stdout)


@_handled
def cmd_history(args: argparse.Namespace) -> int:
    editor = _editor(args)
    # Files edited on the host since the last recorded state are a revision of their own.
    editor.scan_host_changes()
    revisions = editor.history(args.entry, limit=args.limit)
    if not revisions:
        print("no revisions yet" if args.entry is None else f"no revisions touch {args.entry}")
        return 0
    for revision in revisions:
        print(revision.summary())
        if args.diff:
            print(revision.diff())
    return 0


@_handled
def cmd_undo(args: argparse.Namespace) -> int:
    editor = _editor(args)
    preview = editor.preview_undo(args.revision, actor=_actor(), reason=args.reason or "")
    return confirm_and_apply(editor, preview, args.yes, sys.stdin, sys.stdout)


@_handled
def cmd_restore(args: argparse.Namespace) -> int:
    editor = _editor(args)
    preview = editor.preview_restore(args.revision, actor=_actor(), reason=args.reason or "")
    return confirm_and_apply(editor, preview, args.yes, sys.stdin, sys.stdout)


@_handled
def cmd_unanswered(args: argparse.Namespace) -> int:
    from bot.analytics import format_clusters
    from bot.engine.engine import Engine
    from bot.kb.loader import load_directory
    from bot.services import build_analytics

    settings = _settings()
    engine = Engine(load_directory(Path(args.knowledge)))
    analytics = build_analytics(settings, lambda: engine)
    try:
        print(format_clusters(analytics.miss_clusters(limit=args.limit)))
    finally:
        analytics.close()
    return 0


@_handled
def cmd_source_add(args: argparse.Namespace) -> int:
    from bot.kbedit.sources import NewSource, source_add_ops

    path = Path(args.file)
    editor = _editor(args)
    src = NewSource(
        id=args.id,
        title=args.title,
        publisher=args.publisher,
        date=args.date,
        language=args.language,
        url=args.url,
        cited_as_en=args.cited_as_en,
        cited_as_zh=args.cited_as_zh,
        title_gloss=args.title_gloss,
    )
    ops = source_add_ops(Path(args.knowledge), path.read_bytes(), src)
    reason = args.reason or f"add source {args.id} ({path.name})"
    preview = editor.preview(ops, actor=_actor(), reason=reason, source="import")
    return confirm_and_apply(editor, preview, args.yes, sys.stdin, sys.stdout)


@_handled
def cmd_model_new(args: argparse.Namespace) -> int:
    from bot.kbedit.sources import model_scaffold

    target = Path(args.out) if args.out else Path(args.knowledge) / "models" / f"{args.id}.yaml"
    if target.exists():
        return _fail(f"{target} already exists; edit it, or pass --out to write elsewhere")
    text = model_scaffold(args.id, args.name or args.id, args.vendor or "TODO", args.source)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}: fill in the TODOs, then run `python -m bot check`")
    return 0


@_handled
def cmd_quote_find(args: argparse.Namespace) -> int:
    from bot.kb.loader import KnowledgeError, load_directory
    from bot.kbedit.sources import find_passages, registered_source_texts

    try:
        texts = load_directory(Path(args.knowledge)).source_texts
    except KnowledgeError:
        # A model file still being filled in (TODOs) must not stop the admin finding quotes.
        texts = registered_source_texts(Path(args.knowledge))
    if args.source not in texts:
        known = ", ".join(sorted(texts))
        return _fail(f"unknown source '{args.source}'; sources: {known}")
    found = find_passages(texts[args.source], args.words, limit=args.limit)
    if not found:
        print(f"no passage of {args.source} holds any of: {args.words}")
        return 1
    for score, passage, section in found:
        print(f"[{score:.0f}%] § {section or '(before the first heading)'}")
        print(f"  quote: {json.dumps(passage, ensure_ascii=False)}")
    return 0


def add_kb_commands(sub: Any) -> None:
    """Register ``kb <command>`` on the top-level sub-parsers of ``python -m bot``."""
    kb = sub.add_parser("kb", help="edit the knowledge base: export, import, history, undo")
    commands = kb.add_subparsers(dest="kb_command", required=True, metavar="COMMAND")

    p = commands.add_parser("export", help="write the YAML files (+ JSON Schemas) to a zip")
    p.add_argument("out", help="output file (a .zip, or a .yaml when one FILE is named)")
    p.add_argument("files", nargs="*", help="only these files, e.g. topics.yaml")
    p.set_defaults(func=cmd_export)

    p = commands.add_parser("import", help="import a YAML file or zip (preview, then confirm)")
    p.add_argument("file", help="a .yaml file or a .zip from `kb export`")
    p.add_argument("--mode", choices=("merge", "replace"), required=True)
    p.add_argument("--yes", action="store_true", help="apply without asking")
    p.add_argument("--reason", help="why (kept in the history)")
    p.set_defaults(func=cmd_import)

    p = commands.add_parser("history", help="list revisions, newest first")
    p.add_argument("entry", nargs="?", help="an id (e.g. code-generation) or a file name")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--diff", action="store_true", help="show each revision's diff")
    p.set_defaults(func=cmd_history)

    p = commands.add_parser("undo", help="put back the files from before the last revision")
    p.add_argument("--revision", type=int, help="undo this revision instead of the last")
    p.add_argument("--yes", action="store_true", help="apply without asking")
    p.add_argument("--reason", help="why (kept in the history)")
    p.set_defaults(func=cmd_undo)

    p = commands.add_parser("restore", help="put back the files as a revision left them")
    p.add_argument("revision", type=int)
    p.add_argument("--yes", action="store_true", help="apply without asking")
    p.add_argument("--reason", help="why (kept in the history)")
    p.set_defaults(func=cmd_restore)

    p = commands.add_parser("source", help="add a source document (stored verbatim)")
    source_commands = p.add_subparsers(dest="source_command", required=True, metavar="ACTION")
    p = source_commands.add_parser("add", help="store FILE verbatim and register it")
    p.add_argument("file", help="the document as UTF-8 text (Markdown), unchanged")
    p.add_argument("--id", required=True, help="lowercase id, e.g. qwen2.5-readme")
    p.add_argument("--title", required=True, help="the document's title as published")
    p.add_argument("--publisher", required=True, help="who published it, e.g. Meta")
    p.add_argument("--date", required=True, help="publication date, YYYY-MM-DD")
    p.add_argument("--language", required=True, choices=("en", "zh"))
    p.add_argument("--url", help="where it is published")
    p.add_argument("--cited-as-en", help='how English answers name it, e.g. "Meta\'s model card"')
    p.add_argument("--cited-as-zh", help="how Chinese answers name it")
    p.add_argument("--title-gloss", help="the title in the other language (check needs it)")
    p.add_argument("--yes", action="store_true", help="apply without asking")
    p.add_argument("--reason", help="why (kept in the history)")
    p.set_defaults(func=cmd_source_add)

    p = commands.add_parser("model", help="scaffold a model file")
    model_commands = p.add_subparsers(dest="model_command", required=True, metavar="ACTION")
    p = model_commands.add_parser("new", help="write models/ID.yaml with every key to fill in")
    p.add_argument("id", help="lowercase model id, e.g. qwen2.5")
    p.add_argument("--name", help="display name, e.g. Qwen2.5")
    p.add_argument("--vendor", help="who makes it")
    p.add_argument("--source", default="SOURCE-ID", help="the source id its facts quote")
    p.add_argument("--out", help="write here instead of the knowledge directory")
    p.set_defaults(func=cmd_model_new)

    p = commands.add_parser("quote", help="find verbatim passages to quote")
    quote_commands = p.add_subparsers(dest="quote_command", required=True, metavar="ACTION")
    p = quote_commands.add_parser("find", help="print the passages of SOURCE holding WORDS")
    p.add_argument("source", help="a source id from sources.yaml")
    p.add_argument("words", help="words the passage should hold")
    p.add_argument("--limit", type=int, default=8)
    p.set_defaults(func=cmd_quote_find)

    p = commands.add_parser("unanswered", help="groups of questions the bot could not answer")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(func=cmd_unanswered)
