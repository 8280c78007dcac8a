"""The command-line contract: `python -m bot ask --json -`, ask, repl, eval, packaging."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.cli import answer_stream, format_why, repl
from bot.engine.answer import Answer, Why
from bot.engine.engine import Engine
from bot.kb.schema import KnowledgeBase

from .conftest import ROOT

CONTRACT_KEYS = [
    "question",
    "answered",
    "intent",
    "confidence",
    "language",
    "answer",
    "recommendations",
    "models",
    "citations",
    "suggestions",
    "why",
]
MODEL_IDS = {"gpt-4o-mini", "llama-3.1-405b", "mistral-large-2", "deepseek-v2"}


def run_cli(
    *args: str,
    stdin: str | bytes | int = "",
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` with no Discord token unless ``env`` says otherwise.

    ``stdin`` is text, raw bytes, or a file descriptor (e.g. ``subprocess.DEVNULL``). The
    output is decoded as strict UTF-8, so every CLI test also checks that it is UTF-8.
    """
    feed: dict[str, Any] = (
        {"stdin": stdin}
        if isinstance(stdin, int)
        else {"input": stdin if isinstance(stdin, bytes) else stdin.encode()}
    )
    raw = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        **feed,
        cwd=cwd,
        env=env if env is not None else {**os.environ, "DISCORD_TOKEN": ""},
        capture_output=True,
        timeout=60,
        check=False,
    )
    return subprocess.CompletedProcess(
        raw.args, raw.returncode, raw.stdout.decode("utf-8"), raw.stderr.decode("utf-8")
    )


def check_contract(obj: dict[str, object]) -> None:
    assert list(obj) == CONTRACT_KEYS
    assert isinstance(obj["question"], str) and isinstance(obj["answer"], str)
    assert isinstance(obj["answered"], bool)
    assert obj["intent"] is None or isinstance(obj["intent"], str)
    assert isinstance(obj["confidence"], float) and 0.0 <= obj["confidence"] <= 1.0
    assert obj["language"] in ("en", "zh")
    for rec in obj["recommendations"]:  # type: ignore[attr-defined]
        assert set(rec) == {"model", "reason"} and rec["model"] in MODEL_IDS
    assert set(obj["models"]) <= MODEL_IDS  # type: ignore[arg-type]
    for cit in obj["citations"]:  # type: ignore[attr-defined]
        assert set(cit) == {"source", "section", "quote", "gloss", "section_gloss"}
        assert cit["gloss"] is None or isinstance(cit["gloss"], str)
    assert all(isinstance(s, str) for s in obj["suggestions"])  # type: ignore[attr-defined]
    assert len(obj["suggestions"]) <= 3  # type: ignore[arg-type]
    why = obj["why"]
    assert isinstance(why, dict) and set(why) == {"rule", "evidence", "runner_up"}
    assert isinstance(why["rule"], str) and why["rule"]
    assert all(isinstance(e, str) for e in why["evidence"])
    assert why["runner_up"] is None or isinstance(why["runner_up"], str)


GARBAGE = [
    "",
    "   ",
    "{not json",
    '{"q": 5}',
    '["a list"]',
    '{"user": "u"}',
    '{"q": ""}',
    "\x00\x01\x02",
    "a" * 20000,
    '{"q": "hi", "user": null, "channel": 7}',
    "🦙" * 50,
    "<@123> <#456> @everyone",
    "null",
]


def test_json_stream_one_object_per_line_even_for_garbage() -> None:
    """Every input line, including garbage, yields exactly one contract object, in order."""
    lines = ["which model for code debugging?", *GARBAGE, "GPT-4o mini 多少钱？"]
    proc = run_cli("ask", "--json", "-", stdin="\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert len(out) == len(lines)
    objects = [json.loads(line) for line in out]
    for obj in objects:
        check_contract(obj)
    assert objects[0]["answered"] and objects[0]["recommendations"][0]["model"] == "mistral-large-2"
    assert objects[-1]["language"] == "zh" and objects[-1]["answered"]
    for obj in objects[1:-1]:
        if obj["question"] != "hi":
            assert not obj["answered"]


GOOD_LINE = b"which model for code debugging?\n"


def _deep(depth: int) -> bytes:
    return b'{"q": ' + b"[" * depth + b"\n"


HOSTILE = {
    # (raw line, what the object for that line must show)
    "lone-surrogate-escape": (b'{"q": "hi \\ud800"}\n', "\ufffd"),
    "invalid-utf8": (b"hi \xff\xfe there\n", "\ufffd"),
    "nested-20k-deep": (_deep(20_000), "nested too deeply"),
    "nested-100k-deep": (_deep(100_000), "too long"),
    "5000-digit-integer": (
        b'{"q": "hi", "user": ' + b"9" * 5000 + b"}\n",
        "a number in the JSON is too long",
    ),
    "5MB-line": (b"a" * 5_000_000 + b"\n", "too long"),
    "5MB-line-without-newline-then-eof": (b"b" * 5_000_000, "too long"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_json_stream_survives_hostile_line(case: str) -> None:
    """A hostile line gets its one object, output stays UTF-8, and the next line is answered."""
    raw, shows = HOSTILE[case]
    stdin = raw + GOOD_LINE if raw.endswith(b"\n") else GOOD_LINE + raw
    proc = run_cli("ask", "--json", "-", stdin=stdin)  # decodes stdout as strict UTF-8
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    objects = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(objects) == 2
    for obj in objects:
        check_contract(obj)
    hostile, good = objects if raw.endswith(b"\n") else objects[::-1]
    assert shows in hostile["question"] + hostile["answer"]
    assert good["answered"] and good["question"] == GOOD_LINE.decode().strip()


def test_json_stream_strips_a_byte_order_mark() -> None:
    """A UTF-8 BOM before the first line does not hide its JSON object."""
    proc = run_cli("ask", "--json", "-", stdin=b'\xef\xbb\xbf{"q": "hi", "user": "u"}\n')
    assert json.loads(proc.stdout)["question"] == "hi"


def test_human_ask_reports_an_over_long_line_and_goes_on() -> None:
    """`ask -` says which line is too long, on stderr, and answers the next one."""
    proc = run_cli("ask", "-", stdin=b"x" * 200_000 + b"\n" + GOOD_LINE)
    assert proc.returncode == 0
    assert proc.stderr.strip() == (
        "error: line 1 is too long (200000 bytes; the limit is 65536); send one question per line"
    )
    assert "Mistral Large 2" in proc.stdout


def test_json_stream_keeps_context_per_channel_and_user(engine: Engine) -> None:
    """Follow-ups use context of the same (channel, user) only."""
    lines = [
        json.dumps({"q": "tell me about mistral large 2", "user": "a", "channel": "c"}),
        json.dumps({"q": "how many parameters does it have?", "user": "b", "channel": "c"}),
        json.dumps({"q": "how many parameters does it have?", "user": "a", "channel": "d"}),
        json.dumps({"q": "how many parameters does it have?", "user": "a", "channel": "c"}),
    ]
    got = list(answer_stream(engine, lines))
    assert [g["answered"] for g in got] == [True, False, False, True]
    assert got[3]["models"] == ["mistral-large-2"]


def test_plain_lines_share_one_console_context(engine: Engine) -> None:
    """Plain-text lines act like one user, so follow-ups work in a pipe."""
    got = list(answer_stream(engine, ["GPT-4o mini 是什么", "它的价格呢？"]))
    assert got[1]["models"] == ["gpt-4o-mini"] and "0.15" in got[1]["answer"]


def test_human_ask_prints_answer_and_sources() -> None:
    """`ask "question"` prints a readable answer with its quoted sources."""
    proc = run_cli("ask", "which model for code debugging?")
    assert proc.returncode == 0
    assert "Mistral Large 2" in proc.stdout
    assert "Sources:" in proc.stdout and "AI Business Asia" in proc.stdout


def test_ask_path_does_not_import_discord() -> None:
    """Answering from the console never imports discord (it would slow startup)."""
    code = (
        "import sys; from bot.cli import main; main(['ask', 'hi']); "
        "print('DISCORD' if 'discord' in sys.modules else 'CLEAN')"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert proc.stdout.strip().endswith("CLEAN")


def test_repl_holds_a_bilingual_conversation(engine: Engine) -> None:
    """The console chat answers in both languages and keeps follow-up context."""
    stdin = io.StringIO(
        "hi\ntell me about mistral large 2\nhow many parameters does it have?\n"
        "GPT-4o mini 多少钱？\nquit\nnever read\n"
    )
    stdout = io.StringIO()
    assert repl(engine, stdin, stdout, interactive=False) == 0
    text = stdout.getvalue()
    assert "123" in text and "0.15" in text and "来源" in text
    assert "never read" not in text


def test_bare_command_without_token_starts_console() -> None:
    """`python -m bot` with no token chats in the console instead of failing."""
    proc = run_cli(stdin="which model for chatbots?\n")
    assert proc.returncode == 0
    assert "GPT-4o mini" in proc.stdout


def test_run_without_token_explains() -> None:
    """`python -m bot run` without a token prints one clear line, not a traceback."""
    proc = run_cli("run", env={k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"})
    assert proc.returncode == 2
    assert "DISCORD_TOKEN" in proc.stderr and "Traceback" not in proc.stderr


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of an expected failure (and no traceback)."""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (("ask",), "devnull"),
        (("ask",), "tty"),
        (("ask", "--json"), "tty"),
        (("ask",), "which model for chatbots?\n"),
        (("ask", "   "), "devnull"),
    ],
    ids=["no-question-no-stdin", "no-question-tty", "json-tty", "no-question-piped", "blank"],
)
def test_ask_without_a_question_prints_usage(args: tuple[str, ...], stdin: str) -> None:
    """`ask` with no question (and no '-') prints how to ask and exits 2."""
    if stdin == "tty":
        controller, terminal = os.openpty()
        try:
            proc = run_cli(*args, stdin=terminal)
        finally:
            os.close(controller)
            os.close(terminal)
    else:
        proc = run_cli(*args, stdin=subprocess.DEVNULL if stdin == "devnull" else stdin)
    assert proc.returncode == 2 and proc.stdout == ""
    assert _one_error_line(proc).startswith('usage: python -m bot ask "')


@pytest.mark.parametrize(
    ("question", "labels", "evidence"),
    [
        ("GPT-4o mini 多少钱？", ["规则：fact_named — ", "证据：", "次选："], "aspect pricing"),
        (
            "which model for code debugging?",
            ["Rule: recommend_job — ", "Evidence:", "Runner-up:"],
            "use_case debugging",
        ),
    ],
    ids=["zh", "en"],
)
def test_ask_why_explains_the_decision(question: str, labels: list[str], evidence: str) -> None:
    """`ask --why` adds the rule, evidence and runner-up, labelled in the asker's language."""
    proc = run_cli("ask", "--why", question)
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    starts = [next(i for i, line in enumerate(lines) if line.startswith(lab)) for lab in labels]
    assert starts == sorted(starts), lines
    listed = lines[starts[1] + 1 : starts[2]]
    assert listed and all(line.startswith("  • ") for line in listed)
    assert any(evidence in line for line in listed), listed


def test_why_lists_each_piece_of_evidence(kb: KnowledgeBase) -> None:
    """`--why` lists every piece of evidence and names the runner-up, with catalogue labels."""
    ans = Answer(
        question="GPT-4o mini 多少钱？",
        answered=True,
        intent="fact",
        confidence=1.0,
        language="zh",
        answer="…",
        why=Why(rule="fact", evidence=["model gpt-4o-mini", "aspect price"], runner_up="compare"),
    )
    assert format_why(ans, kb.ui).splitlines() == [
        "规则：fact",
        "证据：",
        "  • model gpt-4o-mini",
        "  • aspect price",
        "次选：compare",
    ]


def test_ask_without_why_shows_no_decision() -> None:
    """Plain `ask` keeps its output free of the decision details."""
    assert "Rule:" not in run_cli("ask", "which model for code debugging?").stdout


def test_ctrl_c_in_the_console_is_one_line_and_exit_130() -> None:
    """SIGINT while the repl waits for input: 'interrupted' on stderr, exit 130, no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "repl"],
        cwd=ROOT,
        env={**os.environ, "DISCORD_TOKEN": ""},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A parent that ignores SIGINT would pass that on; the console must see a real Ctrl-C.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write("hi\n")
        proc.stdin.flush()
        while proc.stdout.readline().strip():  # the answer, up to its blank line: now waiting
            pass
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert stderr == "interrupted\n"


EVAL_LINE = json.dumps({"id": "a", "q": "hi", "expect": {"answered": True}})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cases.jsonl: no such file"),
        ("dir", "cases.jsonl: cannot read it"),
        (b"\xff\xfe\n", "cases.jsonl: not UTF-8 text"),
        (f"{EVAL_LINE}\n{{oops\n", "cases.jsonl:2: bad eval line"),
        ('{"id": "a", "q": "hi", "expect": {"answered": "yes"}}\n', 'case "a": "expect" must'),
        ('{"id": "a", "q": 5, "expect": {"answered": true}}\n', 'case "a": "q" must be'),
        ('{"id": "a", "q": "hi", "expect": ' + "[" * 20_000 + "\n", "nested too deeply"),
        ('{"id": ' + "9" * 5000 + "}\n", "cases.jsonl: "),
    ],
    ids=["missing", "directory", "not-utf8", "bad-line", "bad-expect", "bad-q", "deep", "bigint"],
)
def test_eval_bad_file_is_one_line_and_exit_2(
    tmp_path: Path, content: str | bytes | None, message: str
) -> None:
    """`eval` on a missing, unreadable or malformed file says what and where, and exits 2."""
    cases = tmp_path / "cases.jsonl"
    if content == "dir":
        cases.mkdir()
    elif isinstance(content, bytes):
        cases.write_bytes(content)
    elif content is not None:
        cases.write_text(content, encoding="utf-8")
    proc = run_cli("eval", str(cases))
    assert proc.returncode == 2
    assert message in _one_error_line(proc)


@pytest.mark.parametrize(
    "args",
    [
        ("eval", "x.jsonl", "--min", "2"),
        ("eval", "x.jsonl", "--min", "nan"),
        ("stats", "--limit", "0"),
    ],
)
def test_out_of_range_option_is_a_usage_error(args: tuple[str, ...]) -> None:
    """An option outside its range is refused by the parser with exit 2."""
    proc = run_cli(*args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "error: argument --" in proc.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    ("command", "setting", "value"),
    [
        (("stats",), "COOLDOWN_SECONDS", "inf"),
        (("stats",), "ANSWER_THRESHOLD", "0.1"),
        (("stats",), "SHARD_IDS", "0,1"),
        (("run",), "COOLDOWN_SECONDS", "nan"),
        (("sync",), "ADMIN_DIGEST_HOUR", "24"),
        ((), "QUESTION_RETENTION_DAYS", "0"),
    ],
    ids=["stats-inf", "stats-inverted", "stats-shards", "run", "sync", "bare-with-token"],
)
def test_bad_setting_is_one_line_and_exit_2_for_every_command(
    tmp_path: Path, command: tuple[str, ...], setting: str, value: str
) -> None:
    """Every command that reads settings turns a bad one into one line naming it, exit 2."""
    env = {**os.environ, "DISCORD_TOKEN": "fake-token", setting: value}
    proc = run_cli(*command, env=env, cwd=tmp_path)
    assert proc.returncode == 2
    line = _one_error_line(proc)
    assert line.startswith("error: ") and setting in line and "fake-token" not in line


def test_broken_knowledge_gives_clear_error(kb_copy: Path) -> None:
    """Asking against a broken knowledge base explains what to fix."""
    (kb_copy / "responses.yaml").write_text("responses: [\n", encoding="utf-8")
    proc = run_cli("-k", str(kb_copy), "ask", "hi")
    assert proc.returncode == 1
    assert "responses.yaml:" in proc.stderr and "Traceback" not in proc.stderr


def test_eval_command_exits_1_below_min(tmp_path: Path) -> None:
    """`eval --min` fails the run when accuracy is below the bar."""
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        json.dumps(
            {
                "id": "a",
                "q": "which model for debugging?",
                "expect": {"answered": True, "top": "gpt-4o-mini"},
            }
        )
        + "\n",
        encoding="utf-8",
    )
    proc = run_cli("eval", str(cases), "--min", "0.5")
    assert proc.returncode == 1
    assert "accuracy: 0.0%" in proc.stdout and "top=mistral-large-2" in proc.stdout


def test_eval_says_which_knowledge_a_set_is_scored_on(tmp_path: Path) -> None:
    """A set registered in sets.yaml is scored on its sources, and one that is not says so:
    scoring a new held-out set before registering it would otherwise go unnoticed."""
    registered = run_cli("eval", "tests/eval/heldout.jsonl", "--quiet")
    assert "knowledge: only sources aibusinessasia-2024-07-29" in registered.stdout
    cases = tmp_path / "new.jsonl"
    cases.write_text(
        json.dumps({"id": "a", "q": "hi", "expect": {"answered": True}}) + "\n", encoding="utf-8"
    )
    unlisted = run_cli("eval", str(cases), "--quiet")
    assert "knowledge: everything loaded (new.jsonl is not listed in" in unlisted.stdout


def test_ci_runs_exactly_the_readme_test_command() -> None:
    """`.ci/run` calls the README's test command verbatim."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.+?)\n```", readme, flags=re.S)
    test_command = next(b for b in blocks if "pytest" in b)
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_unwritable_output_is_one_line_and_exit_1(tmp_path: Path) -> None:
    """`schema --out` where no folder can be made says which path failed, without a traceback."""
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    proc = run_cli("schema", "--out", str(blocker / "schema"))
    assert proc.returncode == 1
    assert _one_error_line(proc).startswith(f"error: {blocker / 'schema'}: ")


def _readme_block(marker: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return next(b for b in re.findall(r"```sh\n(.+?)\n```", readme, flags=re.S) if marker in b)


def test_readme_docker_commands_create_the_env_file_they_read() -> None:
    """The documented `docker run --env-file .env` comes after the step that makes .env."""
    lines = _readme_block("--env-file").splitlines()
    make = next(i for i, line in enumerate(lines) if line.startswith("cp .env.example .env"))
    run = next(i for i, line in enumerate(lines) if "--env-file .env" in line)
    assert make < run


def _docker_runs(marker: str) -> list[str]:
    """The documented `docker run` commands of the block holding ``marker``, each with its
    continuation lines joined."""
    joined = _readme_block(marker).replace("\\\n", " ")
    return [line for line in joined.splitlines() if "docker run" in line]


@pytest.mark.parametrize("marker", ["--env-file", "docker run --rm -it"])
def test_readme_docker_run_mounts_the_knowledge_directory(marker: str) -> None:
    """Each documented `docker run` mounts knowledge/ as a directory, not single files, and
    runs as the folders' owner so edits can be saved."""
    runs = _docker_runs(marker)
    assert runs
    for run in runs:
        mounts = re.findall(r'-v "?([^"\s]+)"?', run)
        assert "$PWD/knowledge:/app/knowledge" in mounts, run
        assert not any(m.split(":")[0].endswith((".yaml", ".yml", ".md")) for m in mounts)
        assert '--user "$(id -u):$(id -g)"' in run, run
        assert "--rm" in run or ("-d" in run.split() and "--restart unless-stopped" in run), run


def _hadolint() -> str:
    import shutil

    return shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(
            lambda: [sys.executable, "-m", "ruff", "check", "bot", "tests", "benchmarks"],
            id="ruff-check",
        ),
        pytest.param(
            lambda: [
                sys.executable,
                "-m",
                "ruff",
                "format",
                "--check",
                "bot",
                "tests",
                "benchmarks",
            ],
            id="ruff-format",
        ),
        pytest.param(lambda: [sys.executable, "-m", "mypy"], id="mypy"),
        pytest.param(lambda: [_hadolint(), "Dockerfile"], id="hadolint"),
    ],
)
def test_static_checks_pass(command: Callable[[], list[str]]) -> None:
    """Lint, format, type and Dockerfile checks are clean."""
    proc = subprocess.run(
        command(), cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_stats_prints_unanswered_questions(tmp_path: Path) -> None:
    """`python -m bot stats` reports the most frequent unanswered questions."""
    from bot.analytics import Analytics

    db = tmp_path / "a.sqlite3"
    analytics = Analytics(db, salt="s")
    for q in ("what's the weather", "whats the weather?", "tell me a joke"):
        analytics.record_question(
            question=q,
            user_id=1,
            language="en",
            intent="out_of_scope",
            confidence=0.1,
            answered=False,
            latency_ms=1.0,
        )
    analytics.close()
    env = {**os.environ, "DATABASE_PATH": str(db), "DISCORD_TOKEN": ""}
    proc = run_cli("stats", env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "×2" in proc.stdout and "weather" in proc.stdout


@pytest.mark.parametrize(
    "command",
    [["ask", "hi"], ["check"], ["sources"], ["repl"], ["eval", "tests/eval/heldout.jsonl"]],
    ids=["ask", "check", "sources", "repl", "eval"],
)
def test_every_command_checks_the_settings(command: list[str]) -> None:
    """An invalid setting stops any command with one line naming it (exit 2), as `run` does."""
    env = {**os.environ, "DISCORD_TOKEN": "", "ANSWER_THRESHOLD": "2"}
    result = run_cli(*command, env=env)
    assert result.returncode == 2, (command, result.stdout, result.stderr)
    assert "ANSWER_THRESHOLD" in result.stderr and result.stderr.count("\n") == 1


def test_the_console_honours_the_answer_threshold() -> None:
    """With ANSWER_THRESHOLD=1 only certain answers are given; the rest become "did you mean"."""
    question = "性价比最高的是哪个模型？"
    default = json.loads(run_cli("ask", "--json", question).stdout)
    strict = json.loads(
        run_cli(
            "ask",
            "--json",
            question,
            env={**os.environ, "DISCORD_TOKEN": "", "ANSWER_THRESHOLD": "1"},
        ).stdout
    )
    assert default["answered"] and default["confidence"] < 1.0
    assert not strict["answered"] and strict["why"]["rule"] == "below_answer_threshold"
