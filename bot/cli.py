"""Console front end: ``python -m bot <command>``.

``ask``, ``repl``, ``check``, ``schema`` and ``eval`` never import discord,
so a one-off question starts fast; ``run`` and ``sync`` import the Discord
side only when called.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from bot.engine.answer import Answer, Why
from bot.engine.context import Asker
from bot.engine.engine import Engine
from bot.kb.loader import KnowledgeError, check_directory, load_directory
from bot.kb.schema import KnowledgeBase
from bot.kb.store import default_knowledge_dir
from bot.text.normalize import has_cjk

CONSOLE = Asker(channel="console", user="local")


def _load_engine(directory: Path) -> Engine:
    return Engine(load_directory(directory))


# -- ask ----------------------------------------------------------------------
def parse_line(line: str, line_no: int) -> tuple[str, Asker, str | None]:
    """One stdin line -> (question, asker, error). Errors still yield an answer object."""
    text = line.rstrip("\r\n")
    stripped = text.strip()
    default = Asker(channel="stdin", user="stdin")
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
    if not isinstance(obj, dict) or not isinstance(obj.get("q"), str):
        return stripped, default, f'line {line_no}: the JSON object needs a string field "q"'
    asker = Asker(channel=str(obj.get("channel", "stdin")), user=str(obj.get("user", "stdin")))
    if not obj["q"].strip():
        return "", asker, f'line {line_no}: "q" is empty'
    return obj["q"], asker, None


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


def answer_stream(engine: Engine, lines: Iterable[str]) -> Iterator[dict[str, Any]]:
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


def format_answer(ans: Answer, kb: KnowledgeBase) -> str:
    """A readable rendering of an answer for a terminal."""
    zh = ans.language == "zh"
    out = [ans.answer]
    if ans.citations:
        out.append("")
        out.append("来源：" if zh else "Sources:")
        for i, c in enumerate(ans.citations, start=1):
            src = kb.sources.get(c.source)
            where = f"{src.title} ({src.publisher}, {src.date})" if src else c.source
            out.append(f"  [{i}] “{c.quote}”")
            out.append(f"      — {c.section} · {where}")
    if ans.suggestions:
        out.append("")
        out.append("你是不是想问：" if zh else "Did you mean:")
        out.extend(f"  • {s}" for s in ans.suggestions)
    label = ans.intent or "unsure"
    out.append(
        f"({'意图' if zh else 'intent'}: {label}, "
        f"{'置信度' if zh else 'confidence'}: {ans.confidence:.2f})"
    )
    return "\n".join(out)


def cmd_ask(args: argparse.Namespace) -> int:
    engine = _load_engine(args.knowledge)
    if args.question == ["-"] or (not args.question and args.json):
        lines: Iterable[str] = sys.stdin
    else:
        lines = [" ".join(args.question)]
    if args.json:
        for obj in answer_stream(engine, lines):
            sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        return 0
    for line in lines:
        if not line.strip():
            continue
        ans = engine.answer(line.strip(), CONSOLE)
        print(format_answer(ans, engine.kb))
    return 0


# -- repl ---------------------------------------------------------------------
def repl(engine: Engine, stdin: IO[str], stdout: IO[str], interactive: bool) -> int:
    def write(text: str) -> None:
        stdout.write(text + "\n")
        stdout.flush()

    if interactive:
        write("LLM guide — ask about GPT-4o mini, Llama 3.1 405B, Mistral Large 2, DeepSeek-V2.")
        write("用中文或英文提问。Type 'help' for examples, 'quit' to leave.")
        if not os.environ.get("DISCORD_TOKEN"):
            write(
                "(Console mode. To run the Discord bot, set DISCORD_TOKEN in .env and run "
                "`python -m bot run`.)"
            )
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        question = line.strip()
        if question.casefold() in {"quit", "exit", ":q", "退出"}:
            break
        if not question:
            continue
        write(format_answer(engine.answer(question, CONSOLE), engine.kb))
        write("")
    return 0


def cmd_repl(args: argparse.Namespace) -> int:
    engine = _load_engine(args.knowledge)
    return repl(engine, sys.stdin, sys.stdout, sys.stdin.isatty())


# -- check / schema -------------------------------------------------------------
def cmd_check(args: argparse.Namespace) -> int:
    """Print errors and warnings as file:line:col; exit 1 on errors (or warnings with --strict)."""
    from bot.routing import routing_warnings

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
def cmd_eval(args: argparse.Namespace) -> int:
    from bot.evaluate import evaluate, format_report, load_cases

    engine = _load_engine(args.knowledge)
    report = evaluate(engine, load_cases(Path(args.file)))
    print(format_report(report, show_misses=not args.quiet))
    if report.accuracy < args.min:
        print(f"accuracy {report.accuracy:.1%} is below --min {args.min:.1%}")
        return 1
    return 0


# -- Discord side (imports discord lazily) ---------------------------------------
def cmd_run(args: argparse.Namespace) -> int:
    from bot.main import run_bot

    return run_bot()


def cmd_sync(args: argparse.Namespace) -> int:
    from bot.main import sync_commands

    return sync_commands(global_sync=args.global_)


def cmd_stats(args: argparse.Namespace) -> int:
    from bot.analytics import Analytics, format_unanswered
    from bot.settings import load_settings

    settings = load_settings(require_token=False)
    analytics = Analytics(settings.database_path, salt=settings.analytics_salt)
    print(format_unanswered(analytics.unanswered(limit=args.limit)))
    print(analytics.summary_line())
    return 0


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
    p.add_argument("question", nargs="*", help="the question, or '-' to read stdin")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("repl", help="chat with the bot in the console")
    p.set_defaults(func=cmd_repl)

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
    p.add_argument("--min", type=float, default=0.0, help="exit 1 below this accuracy (0..1)")
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

    p = sub.add_parser("stats", help="print the most frequent unanswered questions")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(func=cmd_stats)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.knowledge is None:
        args.knowledge = default_knowledge_dir()
    if args.command is None:
        if os.environ.get("DISCORD_TOKEN") or _dotenv_has_token():
            return cmd_run(args)
        return cmd_repl(args)
    try:
        return int(args.func(args))
    except KnowledgeError as exc:
        print(f"error: the knowledge base at {args.knowledge} is not valid:", file=sys.stderr)
        for problem in exc.problems[:30]:
            print(f"  {problem}", file=sys.stderr)
        print("fix these, then run `python -m bot check` to confirm", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _dotenv_has_token() -> bool:
    env = Path(".env")
    if not env.is_file():
        return False
    for line in env.read_text(encoding="utf-8", errors="replace").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "DISCORD_TOKEN" and value.strip().strip("'\""):
            return True
    return False
