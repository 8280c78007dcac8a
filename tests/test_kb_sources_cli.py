"""Console tools for growing the knowledge: `kb source add`, `kb model new`,
`kb quote find` and `sources`, end to end on a copy of the knowledge base."""

from __future__ import annotations

import json
from pathlib import Path

from bot.engine.engine import Engine
from bot.kb.loader import check_directory, load_directory
from tests.test_cli import run_cli
from tests.test_kbedit_cli import kb

DOC = """# Tiny-1 model card

## Model details

Tiny-1 is a 3B parameter model released by Tiny Labs.
Tiny-1 has a context length of 32k tokens.
"""


def add_source(env: dict[str, str], tmp: Path, *extra: str) -> object:
    doc = tmp / "tiny.md"
    doc.write_text(DOC, encoding="utf-8")
    return kb(
        env,
        "source",
        "add",
        str(doc),
        "--id",
        "tiny-card",
        "--title",
        "Tiny-1 model card",
        "--publisher",
        "Tiny Labs",
        "--date",
        "2024-09-01",
        "--language",
        "en",
        "--title-gloss",
        "Tiny-1 模型卡",
        "--yes",
        *extra,
    )


def test_source_add_then_model_new_then_quote_find_is_a_working_model(
    env: dict[str, str],
    kb_copy: Path,
) -> None:
    result = add_source(env, kb_copy.parent)
    assert result.returncode == 0, result.stderr
    assert (kb_copy / "sources" / "tiny-card.md").read_text(encoding="utf-8") == DOC
    assert "add source tiny-card" in kb(env, "history").stdout

    found = kb(env, "quote", "find", "tiny-card", "context length")
    assert found.returncode == 0, found.stderr
    quote_line = next(line for line in found.stdout.splitlines() if "quote:" in line)
    quote = json.loads(quote_line.split("quote:", 1)[1])
    assert quote == "Tiny-1 has a context length of 32k tokens."
    assert "§ Model details" in found.stdout

    made = kb(
        env,
        "model",
        "new",
        "tiny-1",
        "--name",
        "Tiny-1",
        "--vendor",
        "Tiny Labs",
        "--source",
        "tiny-card",
    )
    assert made.returncode == 0, made.stderr
    draft = kb_copy / "models" / "tiny-1.yaml"
    problems = [str(p) for p in check_directory(kb_copy).problems]
    assert any("tiny-1.yaml" in p and "TODO" in p for p in problems), problems  # not done yet
    # Quotes can still be looked up while the scaffold is being filled in.
    again = kb(env, "quote", "find", "tiny-card", "parameter model released")
    assert again.returncode == 0, again.stderr
    assert "Tiny-1 is a 3B parameter model released by Tiny Labs." in again.stdout

    text = draft.read_text(encoding="utf-8")
    text = text.replace('  en: "TODO: Tiny-1 is ..."', '  en: "Tiny-1 is a 3B model by Tiny Labs."')
    text = text.replace('  zh: "TODO: Tiny-1 是……"', '  zh: "Tiny-1 是 Tiny Labs 的 3B 模型。"')
    text = text.replace("  - aspect: parameters", "  - aspect: context_window")
    text = text.replace(
        '      en: "TODO: one or two sentences saying only what the source says."',
        '      en: "Tiny-1 has a context length of 32k tokens."',
    )
    text = text.replace(
        '      zh: "TODO: 同样内容的中文。"', '      zh: "Tiny-1 的上下文长度为 32k 个 token。"'
    )
    text = text.replace('"TODO: paste a passage from kb quote find"', json.dumps(quote))
    draft.write_text(text, encoding="utf-8")
    glosses = kb_copy / "glosses.yaml"
    glosses.write_text(
        glosses.read_text(encoding="utf-8")
        + f'  - quote: {json.dumps(quote)}\n    zh: "Tiny-1 的上下文长度为 32k 个 token。"\n'
        + '  - quote: "Model details"\n    zh: "模型详情"\n',
        encoding="utf-8",
    )
    result = check_directory(kb_copy)
    assert result.ok, [str(p) for p in result.problems]
    ans = Engine(load_directory(kb_copy)).answer("what is the context length of tiny-1?")
    assert ans.answered and ans.models == ["tiny-1"] and "32k" in ans.answer
    assert "Tiny Labs's document (2024-09-01)" in ans.answer

    listed = run_cli("sources", env=env, cwd=kb_copy.parent)
    assert (
        "“Tiny-1 model card” — Tiny Labs, 2024-09-01 (English): 1 facts on Tiny-1" in listed.stdout
    )


def test_source_add_refuses_what_would_break_the_knowledge(
    env: dict[str, str],
    kb_copy: Path,
) -> None:
    first = add_source(env, kb_copy.parent)
    assert first.returncode == 0, first.stderr
    again = add_source(env, kb_copy.parent)
    assert again.returncode == 1 and "already exists" in again.stderr
    doc = kb_copy.parent / "latin1.md"
    doc.write_bytes("caf\xe9".encode("latin-1"))
    bad = kb(
        env,
        "source",
        "add",
        str(doc),
        "--id",
        "x",
        "--title",
        "X",
        "--publisher",
        "X",
        "--date",
        "2024-13-01",
        "--language",
        "en",
        "--yes",
    )
    assert bad.returncode == 1 and "YYYY-MM-DD" in bad.stderr
    no_gloss = kb(
        env,
        "source",
        "add",
        str(kb_copy.parent / "tiny.md"),
        "--id",
        "tiny-2",
        "--title",
        "Tiny-2 model card",
        "--publisher",
        "X",
        "--date",
        "2024-01-01",
        "--language",
        "en",
        "--yes",
    )
    assert no_gloss.returncode == 1 and "no Chinese gloss" in no_gloss.stdout + no_gloss.stderr
    assert not (kb_copy / "sources" / "tiny-2.md").exists()


def test_quote_find_names_the_sources_when_one_is_unknown(
    env: dict[str, str],
    kb_copy: Path,
) -> None:
    result = kb(env, "quote", "find", "nope", "words")
    assert result.returncode == 1
    assert "unknown source 'nope'" in result.stderr and "meta-llama-3.1-model-card" in result.stderr
