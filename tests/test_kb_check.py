"""`python -m bot check`: every shipped file validates; each defect gives file:line and exit 1."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from bot.kb.loader import check_directory

from .conftest import KNOWLEDGE


def run_check(directory: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["check", str(directory)])
    out = capsys.readouterr()
    return code, out.out + out.err


def edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def insert_after(path: Path, prefix: str, new_line: str) -> int:
    """Insert ``new_line`` after the first line starting with ``prefix``; return its line no."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith(prefix):
            lines.insert(i + 1, new_line + "\n")
            path.write_text("".join(lines), encoding="utf-8")
            return i + 2
    raise AssertionError(f"{prefix!r} not found in {path}")


def test_shipped_knowledge_base_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    """The shipped knowledge directory has no problems and prints its counts."""
    code, out = run_check(KNOWLEDGE, capsys)
    assert code == 0, out
    assert re.search(
        r"OK .*: 2 sources, 4 models, \d+ facts, \d+ use cases, \d+ topics, "
        r"\d+ phrasings, \d+ citations",
        out,
    ), out


def test_every_citation_gets_a_section_from_the_headings() -> None:
    """Sections are derived from the source's headings for every citation."""
    result = check_directory(KNOWLEDGE)
    assert result.kb is not None
    headings = {
        "OpenAI, Meta, Mistral — 开发者之争",
        "GPT4o mini — OpenAI 迄今为止最有效的 AI 模型",
        "LLama 3.1 405B — Meta迄今为止最大的AI模型",
        "Mistral Large 2 123B — Mistral（一个法国初创公司）的最新AI模型",
        "那么这有什么大不了的呢？三种模型的第一大实际应用案例。",
        "结论",
        "一窥东方",
        # Meta's Llama 3.1 model card
        "Model Information",
        "Intended Use",
        "Hardware and Software",
        "Training Data",
        "Instruction tuned models",
        "Llama 3.1 systems",
        "New capabilities",
    }
    sections = {c.section for m in result.kb.models.values() for f in m.facts for c in f.citations}
    assert sections <= headings
    assert len(sections) >= 5


def _syntax(d: Path) -> tuple[str, str]:
    with (d / "topics.yaml").open("a", encoding="utf-8") as fh:
        fh.write("  - id: broken\n    phrasings: {en: [oops\n")
    return "topics.yaml", "YAML syntax error"


def _unknown_key(d: Path) -> tuple[str, str]:
    line = insert_after(d / "models" / "gpt-4o-mini.yaml", "id:", "colour: red")
    return f"gpt-4o-mini.yaml:{line}", "unknown key 'colour'"


def _wrong_type(d: Path) -> tuple[str, str]:
    edit_yaml(d / "models" / "llama-3.1-405b.yaml", lambda m: m.__setitem__("aliases", 5))
    return "llama-3.1-405b.yaml", "aliases"


def _missing_chinese(d: Path) -> tuple[str, str]:
    edit_yaml(d / "models" / "mistral-large-2.yaml", lambda m: m["facts"][0]["text"].pop("zh"))
    return "mistral-large-2.yaml", "missing required key 'zh'"


def _misquote(d: Path) -> tuple[str, str]:
    def change(m: Any) -> None:
        m["facts"][0]["citations"][0]["quote"] = "每百万输入标记 $0.25，每百万输出标记 $0.60"

    edit_yaml(d / "models" / "gpt-4o-mini.yaml", change)
    return "gpt-4o-mini.yaml", "closest passage"


def _unknown_model(d: Path) -> tuple[str, str]:
    edit_yaml(
        d / "use_cases.yaml",
        lambda u: u["use_cases"][0]["ranking"][0].__setitem__("model", "gpt-5"),
    )
    return "use_cases.yaml", "unknown model 'gpt-5'"


def _duplicate_id(d: Path) -> tuple[str, str]:
    def change(t: Any) -> None:
        extra = copy.deepcopy(t["topics"][1])
        extra["phrasings"] = {"en": ["zzz unique"], "zh": ["独一无二"]}
        extra["id"] = t["topics"][0]["id"]
        t["topics"].append(extra)

    edit_yaml(d / "topics.yaml", change)
    return "topics.yaml", "duplicate id"


def _conflict(d: Path) -> tuple[str, str]:
    def change(u: Any) -> None:
        u["use_cases"][1]["phrasings"]["en"].append(u["use_cases"][0]["phrasings"]["en"][0])

    edit_yaml(d / "use_cases.yaml", change)
    return "use_cases.yaml", "conflicts"


def _alias_bomb(d: Path) -> tuple[str, str]:
    bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        bomb.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9) + "]")
    (d / "vocabulary.yaml").write_text("\n".join(bomb) + "\n", encoding="utf-8")
    return "vocabulary.yaml:1", "anchor"


def _duplicate_key(d: Path) -> tuple[str, str]:
    line = insert_after(d / "models" / "gpt-4o-mini.yaml", "vendor:", 'vendor: "Someone"')
    return f"gpt-4o-mini.yaml:{line}", "duplicate key 'vendor'"


def _huge(d: Path) -> tuple[str, str]:
    path = d / "topics.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "#" * (5 * 1024 * 1024) + "\n")
    return "topics.yaml", "over the 1024 KiB limit"


def _not_utf8(d: Path) -> tuple[str, str]:
    path = d / "responses.yaml"
    path.write_bytes(path.read_bytes() + b"\n# caf\xe9\n")
    return "responses.yaml", "not valid UTF-8"


def _empty_dir(d: Path) -> tuple[str, str]:
    for path in sorted(d.rglob("*"), reverse=True):
        if path.is_file():
            path.unlink()
        else:
            path.rmdir()
    return "sources.yaml", "required file sources.yaml is missing"


BROKEN = {
    "syntax error": _syntax,
    "unknown key": _unknown_key,
    "wrong type": _wrong_type,
    "missing chinese": _missing_chinese,
    "misquoted citation": _misquote,
    "unknown model reference": _unknown_model,
    "duplicate id": _duplicate_id,
    "conflicting phrasing": _conflict,
    "alias bomb": _alias_bomb,
    "duplicate key": _duplicate_key,
    "5 MiB file": _huge,
    "non-utf8": _not_utf8,
    "empty directory": _empty_dir,
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_directory_reports_file_line_and_exits_1(
    name: str, kb_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each defect is reported as path:line:col with a clear message, exit 1, no traceback."""
    where, message = BROKEN[name](kb_copy)
    code, out = run_check(kb_copy, capsys)
    assert code == 1, out
    assert "Traceback" not in out
    matching = [line for line in out.splitlines() if where in line and message in line]
    assert matching, f"expected a line with {where!r} and {message!r}, got:\n{out}"
    assert re.match(r"^\S+:\d+:\d+: ", matching[0]), matching[0]


def test_all_problems_are_reported_together(
    kb_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Defects in several files come out in one run, not one per run."""
    _unknown_key(kb_copy)
    _not_utf8(kb_copy)
    _missing_chinese(kb_copy)
    code, out = run_check(kb_copy, capsys)
    assert code == 1
    assert "unknown key 'colour'" in out
    assert "not valid UTF-8" in out
    assert "missing required key 'zh'" in out


def test_line_number_points_at_the_offending_node(
    kb_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reported line is the line of the bad key itself."""
    line = insert_after(kb_copy / "models" / "deepseek-v2.yaml", "vendor:", "colour: red")
    _, out = run_check(kb_copy, capsys)
    assert f"deepseek-v2.yaml:{line}:1: unknown key 'colour'" in out


def test_unknown_concepts_are_reported_where_each_is_named(
    kb_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A concept named by a use case, a model trait or a fact's lacks must exist."""
    replacements = {
        kb_copy / "models" / "deepseek-v2.yaml": ("open_weights]", "open_wieghts]"),
        kb_copy / "models" / "llama-3.1-405b.yaml": ("lacks: [per_token_price]", "lacks: [x_y]"),
    }
    for path, (old, new) in replacements.items():
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    edit_yaml(kb_copy / "use_cases.yaml", lambda d: d["use_cases"][0]["concepts"].append("nope"))
    code, out = run_check(kb_copy, capsys)
    assert code == 1
    assert re.search(r"deepseek-v2\.yaml:\d+:\d+: unknown concept 'open_wieghts'", out)
    assert re.search(r"llama-3\.1-405b\.yaml:\d+:\d+: unknown concept 'x_y'", out)
    assert re.search(r"use_cases\.yaml:\d+:\d+: unknown concept 'nope'; add it to concepts", out)


def test_misquote_shows_the_closest_passage(
    kb_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A misquoted citation shows the real passage so the admin can copy it."""
    _misquote(kb_copy)
    _, out = run_check(kb_copy, capsys)
    assert "每百万输入标记 $0.15" in out


def test_check_of_missing_directory_explains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A path that does not exist is reported plainly."""
    code, out = run_check(tmp_path / "nope", capsys)
    assert code == 1
    assert "knowledge directory not found" in out


def test_json_schemas_are_up_to_date(tmp_path: Path) -> None:
    """The shipped JSON Schemas match the pydantic models (run `python -m bot schema`)."""
    from bot.kb.jsonschema import write_schemas

    for path in write_schemas(tmp_path):
        shipped = KNOWLEDGE / "schema" / path.name
        assert shipped.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"{shipped} is stale; run `python -m bot schema`"
        )


def test_every_yaml_file_references_its_schema() -> None:
    """Each knowledge YAML file starts with a yaml-language-server schema reference."""
    missing = []
    for path in sorted(KNOWLEDGE.rglob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        target = first.partition("$schema=")[2]
        if not target or not (path.parent / target).is_file():
            missing.append(str(path))
    assert not missing, missing
