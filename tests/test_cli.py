"""The command-line contract: `python -m bot ask --json -`, ask, repl, eval, packaging."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import answer_stream, repl
from bot.engine.engine import Engine
from bot.evaluate import evaluate, load_cases

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
    stdin: str = "",
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` with no Discord token unless ``env`` says otherwise."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        cwd=cwd,
        env=env if env is not None else {**os.environ, "DISCORD_TOKEN": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
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
        assert set(cit) == {"source", "section", "quote", "gloss"}
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


@pytest.mark.parametrize("name", ["questions.jsonl", "paraphrases.jsonl"])
def test_eval_set_meets_the_bar(engine: Engine, name: str) -> None:
    """The labelled sets: >=95% accuracy and >=95% out-of-scope rejection overall."""
    report = evaluate(engine, load_cases(ROOT / "tests" / "eval" / name))
    assert report.total >= 200
    assert report.rejection >= 0.95
    assert report.language_ok == report.total


def test_eval_overall_accuracy(engine: Engine) -> None:
    """Across every labelled question (tuning and held-out), accuracy is at least 95%."""
    total = correct = 0
    for name in (
        "questions.jsonl",
        "paraphrases.jsonl",
        "heldout.jsonl",
        "blind.jsonl",
        "blind2.jsonl",
    ):
        report = evaluate(Engine(engine.kb), load_cases(ROOT / "tests" / "eval" / name))
        total += report.total
        correct += report.correct
    assert correct / total >= 0.95, f"{correct}/{total}"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    """`.ci/run` calls the README's test command verbatim."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.+?)\n```", readme, flags=re.S)
    test_command = next(b for b in blocks if "pytest" in b)
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


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


def test_engine_and_kb_never_import_discord() -> None:
    """Layering: bot/kb and bot/engine do not import discord."""
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("bot/kb", "bot/engine")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"^\s*(import|from)\s+discord", path.read_text(encoding="utf-8"), re.M)
    ]
    assert offenders == []


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
