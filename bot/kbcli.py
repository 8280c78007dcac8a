"""Console ``kb`` commands: export, import, history, undo, restore, unanswered.

They use the same pipeline as the Discord side (:mod:`bot.kbedit`): an import or an
undo prints its preview, asks y/N on a terminal (or applies with ``--yes``), and is
recorded as a revision in ``<DATA_DIR>/kb_revisions.sqlite3``. A running bot picks the
written files up through its watcher. Never imports discord.
"""

from __future__ import annotations

import argparse
import getpass
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

    return KbEditor(Path(args.knowledge), revisions_path(_settings()))


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
    revisions = _editor(args).history(args.entry, limit=args.limit)
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

    p = commands.add_parser("unanswered", help="groups of questions the bot could not answer")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(func=cmd_unanswered)
