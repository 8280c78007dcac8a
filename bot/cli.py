"""Console front end: ``python -m bot <command>``.

``ask``, ``repl``, ``check``, ``schema``, ``eval`` and ``stats`` never import
discord, so a one-off question starts fast; ``run`` and ``sync`` import the
Discord side only when called. Every command ends in one exit code: expected
failures (bad settings, a broken knowledge base, a missing file, Ctrl-C) are
one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from bot.engine.answer import Answer, Why
from bot.engine.compose import join_names
from bot.engine.context import Asker
from bot.engine.engine import Engine
from bot.kb.loader import KnowledgeError, check_directory
from bot.kb.schema import Ui
from bot.kbcli import add_kb_commands
from bot.paths import default_knowledge_dir
from bot.text.normalize import has_cjk

CONSOLE = Asker(channel="console", user="local")
# A question is at most a few thousand characters (Discord caps messages at 4000); a line far
# longer than that is a mistake, and parsing it would only cost memory and time.
MAX_LINE_BYTES = 64 * 1024
ECHO_CHARS = 80
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
ASK_USAGE = (
    'usage: python -m bot ask "your question"  (or `python -m bot ask --json -` to answer '
    "one question per stdin line)"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def fail(message: str) -> None:
    """Print one error line for a person on stderr."""
    print(f"error: {message}", file=sys.stderr)


def clean_text(text: str) -> str:
    """Replace lone surrogates (from JSON escapes or undecodable argv) so output is UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


def _load_engine(directory: Path) -> Engine:
    """The engine for a console command, with the thresholds the settings give (every
    command checks the settings as `run` does: a bad one is a usage error, exit 2)."""
    from bot.engine.engine import Thresholds
    from bot.engine.warm import load_warm

    settings = console_settings()
    thresholds = Thresholds(settings.answer_threshold, settings.suggest_threshold)
    kb, matchers = load_warm(Path(directory), _cache_dir(settings))
    return Engine(kb, thresholds=thresholds, matchers=matchers)


def _cache_dir(settings: Any) -> Path | None:
    """Where console commands keep their warm start: ``<DATA_DIR>/cache``."""
    data_dir = getattr(settings, "data_dir", None)
    return Path(data_dir) / "cache" if data_dir else None


def console_settings() -> Any:
    """The settings, checked (raises SettingsError naming what to fix); no token needed."""
    from bot.settings import load_settings

    return load_settings(require_token=False)


# -- reading stdin ----------------------------------------------------------------
@dataclass(frozen=True)
class TooLong:
    """A stdin line over :data:`MAX_LINE_BYTES`: only its start is kept."""

    start: str
    size: int


def read_lines(stream: IO[bytes], limit: int = MAX_LINE_BYTES) -> Iterator[str | TooLong]:
    """Lines of ``stream`` decoded as UTF-8 (bad bytes replaced), never holding more than
    ``limit`` bytes of one line; longer lines come back as :class:`TooLong`."""
    first = True
    while raw := stream.readline(limit + 1):
        if len(raw) > limit and not raw.endswith(b"\n"):
            size = len(raw)
            while chunk := stream.readline(limit):
                size += len(chunk)
                if chunk.endswith(b"\n"):
                    size -= 1
                    break
            yield TooLong(_decode(raw[: ECHO_CHARS * 4], first), size)
        else:
            yield _decode(raw, first)
        first = False


def _decode(raw: bytes, first: bool) -> str:
    text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
    return text.removeprefix("\ufeff") if first else text


# -- ask ----------------------------------------------------------------------
def too_long(line_no: int, size: int) -> str:
    return (
        f"line {line_no} is too long ({size} bytes; the limit is {MAX_LINE_BYTES}); "
        "send one question per line"
    )


def parse_line(line: str | TooLong, line_no: int) -> tuple[str, Asker, str | None]:
    """One stdin line -> (question, asker, error). Errors still yield an answer object."""
    default = Asker(channel="stdin", user="stdin")
    if isinstance(line, str) and len(line) > MAX_LINE_BYTES:  # a caller that read it whole
        line = TooLong(line[: ECHO_CHARS * 4], len(line.encode("utf-8", "surrogatepass")))
    if isinstance(line, TooLong):
        echo = clean_text(line.start.strip()[:ECHO_CHARS]) + "…"
        return echo, default, too_long(line_no, line.size)
    stripped = clean_text(line.rstrip("\r\n").strip())
    if not stripped:
        return "", default, f"line {line_no} is empty; send a question or a JSON object"
    if not stripped.startswith("{"):
        return stripped, default, None
    try:
        obj = json.loads(stripped)
    except json.JSONDecodeError as exc:
        return (
            stripped,
            default,
            f"line {line_no} is not valid JSON ({exc.msg} at column "
            f'{exc.colno}); send plain text or {{"q": "..."}}',
        )
    except RecursionError:
        return stripped, default, f"line {line_no}: the JSON is nested too deeply"
    except ValueError:  # not a syntax error: an integer longer than Python will convert
        return (
            stripped,
            default,
            f"line {line_no}: a number in the JSON is too long "
            f"(at most {sys.get_int_max_str_digits()} digits)",
        )
    if not isinstance(obj, dict) or not isinstance(obj.get("q"), str):
        return stripped, default, f'line {line_no}: the JSON object needs a string field "q"'
    asker = Asker(channel=_name(obj.get("channel")), user=_name(obj.get("user")))
    question = clean_text(obj["q"])
    if not question.strip():
        return "", asker, f'line {line_no}: "q" is empty'
    return question, asker, None


def _name(value: object) -> str:
    # Only scalars name a conversation: str() of a deeply nested value could itself recurse.
    if isinstance(value, str):
        return clean_text(value)
    return str(value) if isinstance(value, int | float) else "stdin"


def error_answer(question: str, message: str, rule: str = "bad_input") -> Answer:
    return Answer(
        why=Why(rule=rule, evidence=[message]),
        question=question,
        answered=False,
        intent=None,
        confidence=0.0,
        language="zh" if has_cjk(question) else "en",
        answer=message,
    )


def answer_stream(engine: Engine, lines: Iterable[str | TooLong]) -> Iterator[dict[str, Any]]:
    """The JSON contract: exactly one object per input line, in order."""
    for line_no, line in enumerate(lines, start=1):
        question, asker, error = parse_line(line, line_no)
        if error is not None:
            yield error_answer(question, error).to_contract()
            continue
        try:
            yield engine.answer(question, asker).to_contract()
        except Exception as exc:  # one bad question must not end the stream
            yield error_answer(
                question, f"internal error: {type(exc).__name__}", rule="internal_error"
            ).to_contract()


def write_json_line(obj: dict[str, Any], out: IO[str]) -> None:
    """One contract object as one line of UTF-8, whatever the locale says."""
    text = clean_text(json.dumps(obj, ensure_ascii=False)) + "\n"
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        out.write(text)
        out.flush()
        return
    out.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def format_why(ans: Answer, ui: Ui) -> str:
    """The decision behind an answer: rule, evidence and runner-up, labelled in its language."""
    lang = ans.language
    rule, evidence, runner_up, none = (
        ui.text(key, lang) for key in ("why_rule", "why_evidence", "why_runner_up", "why_nothing")
    )
    colon = "：" if lang == "zh" else ": "
    summary = f" — {ans.why.summary}" if ans.why.summary else ""
    out = [f"{rule}{colon}{ans.why.rule or none}{summary}"]
    if ans.why.evidence:
        out.append(f"{evidence}{colon.rstrip()}")
        out.extend(f"  • {item}" for item in ans.why.evidence)
    else:
        out.append(f"{evidence}{colon}{none}")
    out.append(f"{runner_up}{colon}{ans.why.runner_up or none}")
    return "\n".join(out)


def format_answer(ans: Answer, ui: Ui, why: bool = False) -> str:
    """A readable rendering of an answer for a terminal, labelled from the UI catalogue.

    Everything shown comes from the answer itself (its sources, its glosses), so the
    console needs no knowledge base to print it.
    """
    lang = ans.language
    out = [ans.answer]
    if ans.citations:
        out.append("")
        out.append(ui.text("console_sources", lang))
        for i, c in enumerate(ans.citations, start=1):
            src = ans.sources.get(c.source)
            title = src and (f"{src.title} ({src.title_gloss})" if src.title_gloss else src.title)
            where = f"{title} ({src.publisher}, {src.date})" if src else c.source
            out.append(f"  [{i}] “{c.quote}”")
            if c.gloss:  # the quote in the reader's language, marked as a translation
                out.append(f"      {ui.text('console_translation', lang)} {c.gloss}")
            section = f"{c.section} ({c.section_gloss})" if c.section_gloss else c.section
            out.append(f"      — {section} · {where}")
    if ans.suggestions:
        out.append("")
        out.append(ui.text("console_did_you_mean", lang))
        out.extend(f"  • {s}" for s in ans.suggestions)
    label = ans.intent or ui.text("console_unsure", lang)
    out.append(
        f"({ui.text('console_intent', lang)}: {label}, "
        f"{ui.text('console_confidence', lang)}: {ans.confidence:.2f})"
    )
    if why:
        out.append(format_why(ans, ui))
    return "\n".join(out)


def _stdin_bytes() -> IO[bytes] | None:
    stream = sys.stdin
    if stream is None:
        return None
    buffer = getattr(stream, "buffer", None)
    return buffer if buffer is not None else io.BytesIO(stream.read().encode("utf-8", "replace"))


def _stdin_is_terminal() -> bool:
    return sys.stdin is None or sys.stdin.isatty()


def cmd_ask(args: argparse.Namespace) -> int:
    explicit_stdin = args.question == ["-"]
    from_stdin = explicit_stdin or (not args.question and args.json and not _stdin_is_terminal())
    question = clean_text(" ".join(args.question).strip())
    stdin = _stdin_bytes() if from_stdin else None
    if (from_stdin and stdin is None) or (not from_stdin and not question):
        print(ASK_USAGE, file=sys.stderr)
        return EXIT_USAGE
    engine = _load_engine(args.knowledge)
    lines: Iterable[str | TooLong] = read_lines(stdin) if stdin is not None else [question]
    if args.json:
        for obj in answer_stream(engine, lines):
            write_json_line(obj, sys.stdout)
        return 0
    for line_no, line in enumerate(lines, start=1):
        if isinstance(line, TooLong):
            fail(too_long(line_no, line.size))
            continue
        text = clean_text(line.strip())
        if text:
            ans = engine.answer(text, CONSOLE)
            print(format_answer(ans, engine.kb.ui, why=args.why), flush=True)
    return 0


# -- repl ---------------------------------------------------------------------
def repl(engine: Engine, stdin: IO[str], stdout: IO[str], interactive: bool) -> int:
    def write(text: str) -> None:
        stdout.write(text + "\n")
        stdout.flush()

    ui = engine.kb.ui
    if interactive:
        # Both languages: the console does not know yet which one the user will write in.
        for key in ("console_repl_intro", "console_repl_hint"):
            for lang in ("en", "zh"):
                models = join_names((m.name for m in engine.kb.models.values()), lang)
                write(ui.text(key, lang, models=models))
        if not os.environ.get("DISCORD_TOKEN"):
            write(ui.text("console_bot_hint", "en"))
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        question = clean_text(line.strip())
        if question.casefold() in {"quit", "exit", ":q", "退出"}:
            break
        if not question:
            continue
        write(format_answer(engine.answer(question, CONSOLE), engine.kb.ui))
        write("")
    return 0


def cmd_repl(args: argparse.Namespace) -> int:
    engine = _load_engine(args.knowledge)
    if sys.stdin is None:
        return 0
    return repl(engine, sys.stdin, sys.stdout, sys.stdin.isatty())


# -- check / schema -------------------------------------------------------------
def cmd_check(args: argparse.Namespace) -> int:
    """Print errors and warnings as file:line:col; exit 1 on errors (or warnings with --strict)."""
    from bot.routing import routing_warnings

    console_settings()  # a bad setting is reported here too, not only when the bot starts
    directory = Path(args.directory) if args.directory else args.knowledge
    result = check_directory(directory)
    warnings = list(result.warnings)
    if result.ok:
        warnings += routing_warnings(result)
    for problem in sorted([*result.problems, *warnings]):
        print(problem)
    if not result.ok or result.kb is None:
        print(f"FAILED {directory}: {len(result.problems)} problem(s)")
        return 1
    counts = ", ".join(f"{n} {k}" for k, n in result.kb.counts().items())
    noted = f", {len(warnings)} warning(s)" if warnings else ""
    print(f"OK {directory}: {counts} (version {result.kb.version}){noted}")
    if warnings and args.strict:
        print(f"FAILED {directory}: {len(warnings)} warning(s) with --strict")
        return 1
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from bot.kb.jsonschema import write_schemas

    for path in write_schemas(Path(args.out)):
        print(path)
    return 0


# -- eval -----------------------------------------------------------------------
def cmd_sources(args: argparse.Namespace) -> int:
    engine = _load_engine(args.knowledge)
    for line in engine.compose.source_lines(args.lang):
        print(line)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.evaluate import evaluate, format_report, load_cases

    path = Path(args.file)
    try:
        cases = load_cases(path)
    except FileNotFoundError:
        fail(f"{path}: no such file; pass a JSONL question set such as tests/eval/questions.jsonl")
        return EXIT_USAGE
    except UnicodeDecodeError as exc:
        fail(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8")
        return EXIT_USAGE
    except OSError as exc:
        fail(f"{path}: cannot read it ({exc.strerror or exc})")
        return EXIT_USAGE
    except RecursionError:
        fail(f"{path}: a line is nested too deeply to be an eval case")
        return EXIT_USAGE
    except ValueError as exc:  # load_cases names file:line; an over-long integer does not
        message = str(exc)
        fail(message if message.startswith(str(path)) else f"{path}: {message}")
        return EXIT_USAGE
    for case in cases:
        problem = _case_problem(case.q, case.expect)
        if problem:
            fail(f'{path}: case "{case.id}": {problem}')
            return EXIT_USAGE
    from bot.engine.engine import Engine
    from bot.evaluate import describe_set_knowledge, knowledge_for_set

    engine = _load_engine(args.knowledge)
    try:
        engine = Engine(knowledge_for_set(engine.kb, path))
    except ValueError as exc:
        fail(str(exc))
        return EXIT_USAGE
    print(describe_set_knowledge(path))
    report = evaluate(engine, cases)
    print(format_report(report, show_misses=not args.quiet))
    if report.accuracy < args.min:
        print(f"accuracy {report.accuracy:.1%} is below --min {args.min:.1%}")
        return 1
    return 0


def _case_problem(question: object, expect: object) -> str | None:
    # load_cases checks that the keys exist; scoring also needs these types.
    if not isinstance(question, str):
        return '"q" must be a string'
    if not isinstance(expect, dict) or not isinstance(expect.get("answered"), bool):
        return '"expect" must be an object with "answered": true or false'
    return None


# -- Discord side (imports discord lazily) ---------------------------------------
def cmd_run(args: argparse.Namespace) -> int:
    from bot.main import run_bot

    return run_bot()


def cmd_sync(args: argparse.Namespace) -> int:
    from bot.main import sync_commands

    return sync_commands(global_sync=args.global_)


def cmd_db_copy(args: argparse.Namespace) -> int:
    """``python -m bot db copy-from-sqlite``: one process's SQLite history into PostgreSQL."""
    from bot.analytics.keys import salt_path
    from bot.db import database_errors
    from bot.db.copy import CopyError, copy_from_sqlite
    from bot.kbcli import revisions_path
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings(require_token=False)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    database = settings.database
    if not database.shared:
        print(
            "error: DATABASE_URL is not a PostgreSQL URL; set it to the database to copy "
            "into (postgresql://user:password@host:5432/dbname) and run this again",
            file=sys.stderr,
        )
        return 2
    analytics = Path(settings.database_path)
    salt_file = salt_path(analytics)
    if settings.analytics_salt:
        salt = None  # every process is configured with it already
    else:
        salt = salt_file.read_text().strip().encode() if salt_file.exists() else None
    try:
        report = copy_from_sqlite(database.url, analytics, revisions_path(settings), salt)
    except CopyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except database_errors() as exc:
        print(f"error: could not copy into {database.describe()}: {exc}", file=sys.stderr)
        return 1
    for line in report.lines():
        print(line)
    print(f"copied into {database.describe()}; start the bot processes with this DATABASE_URL")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from bot.analytics import format_clusters
    from bot.services import build_analytics
    from bot.settings import load_settings

    settings = load_settings(require_token=False)
    engine = _load_engine(args.knowledge)
    analytics = build_analytics(settings, lambda: engine)
    try:
        print(format_clusters(analytics.miss_clusters(limit=args.limit)))
        print(analytics.summary_line())
    finally:
        analytics.close()
    return 0


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from 0 to 1")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="LLM guide bot: answers questions about GPT-4o mini, Llama 3.1 405B, "
        "Mistral Large 2 and DeepSeek-V2 from a cited knowledge base.",
    )
    parser.add_argument(
        "-k",
        "--knowledge",
        type=Path,
        default=None,
        help="knowledge directory (default: $KNOWLEDGE_DIR or ./knowledge)",
    )
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("ask", help="answer one question, or one per stdin line with '-'")
    p.add_argument("--json", action="store_true", help="print the JSON contract, one per line")
    p.add_argument(
        "--why",
        action="store_true",
        help="also print the rule, evidence and runner-up (--json always has them)",
    )
    p.add_argument("question", nargs="*", help="the question, or '-' to read stdin")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("repl", help="chat with the bot in the console")
    p.set_defaults(func=cmd_repl)

    p = sub.add_parser("sources", help="list the loaded sources, their dates and coverage")
    p.add_argument("--lang", choices=("en", "zh"), default="en")
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser("check", help="validate a knowledge directory; exit 1 on problems")
    p.add_argument("directory", nargs="?", help="knowledge directory to check")
    p.add_argument(
        "--strict", action="store_true", help="also exit 1 on warnings (legal but probably wrong)"
    )
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("schema", help="write the JSON Schemas editors use for the YAML files")
    p.add_argument("--out", default="knowledge/schema", help="output folder")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("eval", help="score the engine on a labelled JSONL question set")
    p.add_argument("file")
    p.add_argument("--min", type=_fraction, default=0.0, help="exit 1 below this accuracy (0..1)")
    p.add_argument("--quiet", action="store_true", help="do not list the misses")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("sync", help="publish slash commands to Discord")
    p.add_argument(
        "--global",
        dest="global_",
        action="store_true",
        help="sync globally (slow to propagate) instead of to DEV_GUILD_ID",
    )
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("db", help="the shared database (DATABASE_URL)")
    db_sub = p.add_subparsers(dest="db_command", required=True)
    q = db_sub.add_parser(
        "copy-from-sqlite",
        help="copy this data directory's SQLite analytics and revision history into "
        "the PostgreSQL database DATABASE_URL names (once, into an empty database)",
    )
    q.set_defaults(func=cmd_db_copy)

    p = sub.add_parser("stats", help="print the most frequent unanswered questions")
    p.add_argument("--limit", type=_positive_int, default=20)
    p.set_defaults(func=cmd_stats)
    add_kb_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code; expected failures are one stderr line."""
    _tolerate_bad_text()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.knowledge is None:
        args.knowledge = default_knowledge_dir()
    try:
        return _dispatch(args)
    except KnowledgeError as exc:
        fail(f"the knowledge base at {args.knowledge} is not valid:")
        for problem in exc.problems[:30]:
            print(f"  {problem}", file=sys.stderr)
        print("fix these, then run `python -m bot check` to confirm", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader (e.g. `| head`) left; stop quietly, without a second error at exit.
        _discard_stdout()
        return 0
    except OSError as exc:  # e.g. `schema --out` on a read-only folder
        fail(f"{exc.filename or 'a file'}: {exc.strerror or exc}")
        return 1
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "value"
        fail(f"invalid {exc.title} {where}: {first['msg']}")
        return EXIT_USAGE
    except Exception as exc:
        # bot.settings (with pydantic-settings) loads only for the commands that read settings,
        # which keeps `ask` light; a SettingsError can only have come from there.
        settings = sys.modules.get("bot.settings")
        if settings is None or not isinstance(exc, settings.SettingsError):
            raise
        fail(str(exc))
        return EXIT_USAGE


def _dispatch(args: argparse.Namespace) -> int:
    if args.command is None:
        if os.environ.get("DISCORD_TOKEN") or _dotenv_has_token():
            return cmd_run(args)
        return cmd_repl(args)
    return int(args.func(args))


def _tolerate_bad_text() -> None:
    # Undecodable input or unencodable output becomes U+FFFD / '?', never a traceback.
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")


def _discard_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _dotenv_has_token() -> bool:
    env = Path(".env")
    if not env.is_file():
        return False
    for line in env.read_text(encoding="utf-8", errors="replace").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "DISCORD_TOKEN" and value.strip().strip("'\""):
            return True
    return False
