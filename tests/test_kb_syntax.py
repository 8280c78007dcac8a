"""YAML syntax errors are explained in plain words, on the line that needs the fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.kb import yamlsafe
from bot.kb.loader import check_directory
from bot.kb.yamlsafe import YamlProblem, _find_unclosed_quote, parse_yaml

from .conftest import KNOWLEDGE

LOADERS = [yaml.SafeLoader]
if hasattr(yaml, "CSafeLoader"):
    LOADERS.append(yaml.CSafeLoader)


@pytest.fixture(params=LOADERS, ids=lambda loader: loader.__name__)
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run each case with LibYAML and with the pure-Python parser (they report differently)."""
    monkeypatch.setattr(yamlsafe, "_Loader", request.param)


def edit_line(path: Path, contains: str, change: Callable[[str], str]) -> int:
    """Rewrite the first non-comment line containing ``contains``; return its number."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines):
        if contains in line and not line.lstrip().startswith("#"):
            lines[i] = change(line)
            path.write_text("\n".join(lines), encoding="utf-8")
            return i + 1
    raise AssertionError(f"{contains!r} not in {path}")


INTRO = 'en: "Based on my sources:"'
PHRASES = 'en: ["code generation", "generate code", "write code", "coding"'

# name -> (file, line to edit, how to edit it, words the message must contain)
CASES: dict[str, tuple[str, str, Callable[[str], str], str]] = {
    "unclosed quote": (
        "responses.yaml",
        INTRO,
        lambda line: line.replace(INTRO, 'en: "Based on my sources:'),
        'this text opens a quote (") that never closes on its line; add the closing "',
    ),
    "unclosed quote at end of file": (
        "responses.yaml",
        'zh: "我不能替你办事',
        lambda line: line.rstrip('"'),
        'this text opens a quote (") that never closes; add the closing "',
    ),
    "unclosed quote in a list": (
        "use_cases.yaml",
        PHRASES,
        lambda line: line.replace('"coding"', '"coding'),
        "the quotes in this text do not pair up",
    ),
    "unescaped inner quote": (
        "models/gpt-4o-mini.yaml",
        'vendor: "OpenAI"',
        lambda line: line.replace('"OpenAI"', '"Open"AI"'),
        'write a " inside the text as \\"',
    ),
    "apostrophe in single quotes": (
        "models/gpt-4o-mini.yaml",
        'vendor: "OpenAI"',
        lambda line: line.replace('"OpenAI"', "'OpenAI's'"),
        "write an apostrophe inside '...' as ''",
    ),
    "no space after colon": (
        "models/gpt-4o-mini.yaml",
        'vendor: "OpenAI"',
        lambda line: line.replace('vendor: "OpenAI"', "vendor:OpenAI"),
        "'vendor:OpenAI' needs a space after the colon; write 'vendor: OpenAI'",
    ),
    "no space after colon in a list item": (
        "topics.yaml",
        "  - id: conclusion",
        lambda line: line.replace("- id: conclusion", "- id:conclusion"),
        "'id:conclusion' needs a space after the colon",
    ),
    "tab indentation": (
        "models/gpt-4o-mini.yaml",
        'vendor: "OpenAI"',
        lambda line: "\t" + line,
        "indented with a tab; YAML indentation must be spaces",
    ),
    "tab in a nested block": (
        "topics.yaml",
        "    answer:",
        lambda line: line.replace("    answer:", "\t\tanswer:"),
        "indented with a tab",
    ),
    "over-indented key": (
        "models/gpt-4o-mini.yaml",
        'vendor: "OpenAI"',
        lambda line: "  " + line,
        "this line is indented 2 spaces, more than line",
    ),
    "under-indented key": (
        "topics.yaml",
        "    answer:",
        lambda line: line.replace("    answer:", "   answer:"),
        "this line is indented 3 spaces, which lines up with nothing above it",
    ),
    "colon inside plain text": (
        "responses.yaml",
        INTRO,
        lambda line: line.replace(INTRO, "en: Note: based on the article"),
        "contains ': ', which YAML reads as the start of another key; put the whole text in "
        "double quotes",
    ),
    "unclosed bracket": (
        "use_cases.yaml",
        PHRASES,
        lambda line: line.rstrip().removesuffix("]"),
        "this list opened with '[' is never closed; add ']'",
    ),
    "unclosed brace": (
        "aspects.yaml",
        'name: {en: "price", zh: "价格"}',
        lambda line: line.rstrip().removesuffix("}"),
        "this mapping opened with '{' is never closed; add '}'",
    ),
    "value starting with @": (
        "models/gpt-4o-mini.yaml",
        'vendor: "OpenAI"',
        lambda line: line.replace('"OpenAI"', "@OpenAI"),
        "a value cannot start with '@'; put the text in double quotes",
    ),
}


def broken(name: str) -> tuple[int, YamlProblem]:
    """Apply case ``name`` to its shipped file in memory: (edited line, the error raised)."""
    file, contains, change, _ = CASES[name]
    lines = (KNOWLEDGE / file).read_text(encoding="utf-8").split("\n")
    line = next(
        i + 1
        for i, text in enumerate(lines)
        if contains in text and not text.lstrip().startswith("#")
    )
    lines[line - 1] = change(lines[line - 1])
    with pytest.raises(YamlProblem) as info:
        parse_yaml("\n".join(lines), file)
    return line, info.value


@pytest.mark.usefixtures("loader")
@pytest.mark.parametrize("name", list(CASES))
def test_syntax_error_is_explained_on_the_line_to_fix(name: str) -> None:
    """The error names the edited line (not a later one) and says what to do."""
    line, problem = broken(name)
    words = CASES[name][3]
    assert (problem.line, words in problem.message) == (line, True), problem.message
    assert problem.message.startswith("YAML syntax error: ")


@pytest.mark.usefixtures("loader")
@pytest.mark.parametrize("name", list(CASES))
def test_syntax_messages_use_no_parser_jargon(name: str) -> None:
    """No '<block end>', 'simple key' or other parser vocabulary reaches the admin."""
    message = broken(name)[1].message
    for jargon in ("<", "simple key", "scalar", "block mapping", "token", "flow"):
        assert jargon not in message, message


def test_check_reports_the_syntax_error_as_file_line_col(kb_copy: Path) -> None:
    """Through `check`, the explained error is the only problem, at file:line:col."""
    file, contains, change, words = CASES["unclosed quote"]
    line = edit_line(kb_copy / file, contains, change)
    problems = [str(p) for p in check_directory(kb_copy).problems]
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{kb_copy / file}:{line}:9: YAML syntax error: ")
    assert words in problems[0]


@pytest.mark.parametrize(
    "path", sorted(KNOWLEDGE.rglob("*.yaml")), ids=lambda p: p.relative_to(KNOWLEDGE).as_posix()
)
def test_quote_scanner_finds_nothing_in_valid_files(path: Path) -> None:
    """The unclosed-quote finder never blames a line of a file that parses."""
    assert _find_unclosed_quote(path.read_text(encoding="utf-8"), 10**9) is None


@pytest.mark.parametrize(
    "text",
    [
        'a: |\n  he said "hi\n  and left\nb: "ok"\n',
        "a: >\n  it's fine\nb: 'ok'\n",
        'a: "one\n  two"\nb: x\n',
        'a: it\'s a plain text with "quotes"\n',
        "a: ['it''s', \"x\"]\n",
        'a: "# not a comment"  # a comment with "a quote\n',
    ],
    ids=["literal-block", "folded-block", "multi-line-quote", "plain", "escaped", "comment"],
)
def test_quote_scanner_accepts_legal_quoting(text: str) -> None:
    """Block scalars, multi-line quotes, apostrophes in plain text and comments are legal."""
    yaml.safe_load(text)
    assert _find_unclosed_quote(text, 10**9) is None
