"""Quote checks: headings parsed linearly, long quotes refused, misquote suggestions usable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.kb.loader import check_directory
from bot.kb.quotes import MAX_QUOTE_CHARS, SourceText, parse_heading

from .conftest import KNOWLEDGE
from .test_kb_check import edit_yaml

SOURCE = KNOWLEDGE / "sources" / "article-2024-07-29-gpt4o-mini-llama-3.1-mistral-large-2.md"


@pytest.fixture(scope="module")
def article() -> SourceText:
    """The shipped source article."""
    return SourceText(SOURCE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("# Title", "Title"),
        ("### Title ###", "Title"),
        ("## C# tips #", "C# tips"),
        ("## Title#", "Title#"),
        ("   # indented three", "indented three"),
        ("    # indented four", None),
        ("#no space", None),
        ("####### seven", None),
        ("#", None),
        ("# x" + " " * 2000 + "x", "x x"),
        ("# x" + " " * 500 + "#" + " " * 500 + "y", "x # y"),
    ],
    ids=[
        "h1",
        "closing-run",
        "hash-inside",
        "hash-glued",
        "three-spaces",
        "four-spaces",
        "no-space",
        "seven",
        "bare",
        "long-spaces",
        "long-spaces-hash",
    ],
)
def test_heading_parsing(line: str, heading: str | None) -> None:
    """ATX headings are recognised as Markdown defines them, spaces and all."""
    assert parse_heading(line) == heading


def test_heading_with_long_space_run_is_indexed() -> None:
    """A heading with thousands of spaces (cubic for the old regex) still gives a section."""
    source = SourceText("# Big" + " " * 3000 + "heading\n\nThe body text.\n")
    assert source.section_of("The body text.") == "Big heading"


MISQUOTES = {
    "wrong price": (
        "每百万输入标记 $0.25，每百万输出标记 $0.60",
        "每百万输入标记 $0.15，每百万输出标记 $0.60",
    ),
    "typo in a list item": (
        "Mistral 于7月24日发布了 large2 模型",
        "Mistrial 于7月24日发布了 large2 模型",
    ),
    "cut mid-number": ("定价：每百万输入标记 $0.6", "定价：每百万输入标记 $0.15"),
    "number in words": ("支持八十多种编程语言", "并支持80多种编程语言"),
    "two clauses": (
        "在代码生成方面表现出色，并支持80种编程语言",
        "在代码生成和数学推理方面表现出色，并支持80多种编程语言",
    ),
    "start of an item": ("Mistral 于7月24日发布了", "Mistrial 于7月24日发布了 large2 模型"),
    "near-homophone": ("闭源与开源巨头之间的竞争越演越烈", "闭源与开源巨头之间的竞争愈演愈烈"),
    "english paraphrase": ("designed for low latency and high throughput", None),
}


@pytest.mark.parametrize("name", list(MISQUOTES))
def test_suggestion_passes_as_a_quote(article: SourceText, name: str) -> None:
    """Pasting the suggested passage gives a verbatim quote."""
    quote, _ = MISQUOTES[name]
    assert article.section_of(quote) is None
    suggestion = article.closest(quote)
    assert suggestion
    assert article.section_of(suggestion) is not None


@pytest.mark.parametrize("name", [n for n, (_, want) in MISQUOTES.items() if want])
def test_suggestion_is_whole_clauses(article: SourceText, name: str) -> None:
    """The suggestion starts and ends on clause boundaries, not mid-word or mid-number."""
    quote, want = MISQUOTES[name]
    assert article.closest(quote) == want


def test_every_clause_is_verbatim(article: SourceText) -> None:
    """Clauses are slices of the whitespace-collapsed source, never empty or list markers."""
    for start, end in article.clauses():
        text = article.flat[start:end]
        assert text and text == text.strip()
        assert text not in {"*", "-", "1.", "2.", "#"}
        assert article.section_of(text) is not None


def _long_quote(d: Path) -> str:
    quote = "模型" * (MAX_QUOTE_CHARS // 2 + 1)

    def change(m: Any) -> None:
        m["facts"][0]["citations"][0]["quote"] = quote

    edit_yaml(d / "models" / "gpt-4o-mini.yaml", change)
    return quote


def test_quote_over_the_limit_is_refused_with_the_limit(kb_copy: Path) -> None:
    """A quote longer than the limit is one error that names the limit."""
    _long_quote(kb_copy)
    problems = [str(p) for p in check_directory(kb_copy).problems]
    assert len(problems) == 1, problems
    assert "gpt-4o-mini.yaml:" in problems[0]
    assert (
        f"quote is {MAX_QUOTE_CHARS + 2} characters, over the {MAX_QUOTE_CHARS}-character limit"
        in problems[0]
    )


def test_megabyte_quote_is_refused_not_searched(kb_copy: Path) -> None:
    """A 1 MB misquote is refused by its length (it used to take minutes to match)."""

    def change(m: Any) -> None:
        m["facts"][0]["citations"][0]["quote"] = "x" * 1_000_000

    path = kb_copy / "models" / "gpt-4o-mini.yaml"
    edit_yaml(path, change)
    problems = check_directory(kb_copy).problems
    assert [p.message.split(";")[0] for p in problems] == [
        f"quote is 1000000 characters, over the {MAX_QUOTE_CHARS}-character limit"
    ]


def test_suggestion_in_check_output_passes_check(kb_copy: Path, article: SourceText) -> None:
    """The closest passage printed by check, pasted in, is verbatim (it then needs only the
    English gloss every new quote needs)."""
    wrong, _ = MISQUOTES["cut mid-number"]
    path = kb_copy / "models" / "gpt-4o-mini.yaml"

    def misquote(m: Any) -> None:
        m["facts"][0]["citations"][0]["quote"] = wrong

    edit_yaml(path, misquote)
    (problem,) = check_directory(kb_copy).problems
    suggested = problem.message.split('closest passage: "', 1)[1].split('" — copy', 1)[0]

    def fix(m: Any) -> None:
        m["facts"][0]["citations"][0]["quote"] = suggested

    edit_yaml(path, fix)
    remaining = check_directory(kb_copy).problems
    assert all("no English gloss" in p.message for p in remaining), remaining


RENDERED = """# Title

Meta says developers can run it at [**half the cost**](https://example.com/x) of *closed* models.

![](https://example.com/image.png)

<table>
  <tr>
   <td><strong>Params</strong>
   </td>
   <td>Context length
   </td>
  </tr>
  <tr>
   <td>8B
   </td>
   <td>128k &amp; more
   </td>
  </tr>
</table>

**License:** A custom licence, see [the text](https://example.com/licence).
"""


@pytest.mark.parametrize(
    "quote",
    [
        "Meta says developers can run it at half the cost of closed models.",
        "Params | Context length",
        "8B | 128k & more",
        "License: A custom licence, see the text.",
        "[**half the cost**](https://example.com/x)",  # the Markdown itself still counts
    ],
    ids=["link-and-emphasis", "table-header", "table-row", "bold-label", "markdown"],
)
def test_a_quote_may_read_as_rendered(quote: str) -> None:
    """A sentence is quoted as a reader sees it: links, emphasis and table cells rendered."""
    assert SourceText(RENDERED).section_of(quote) == "Title"


def test_a_suggestion_has_no_markup() -> None:
    """A misquote's suggestion is cut from the rendered text: no link or emphasis syntax."""
    suggestion = SourceText(RENDERED).closest("developers can run it at half of the cost")
    assert "half the cost" in suggestion and "](" not in suggestion and "**" not in suggestion


def test_find_lists_whole_sentences_and_table_rows() -> None:
    """`kb quote find` gets verbatim passages holding the words, best first."""
    source = SourceText(RENDERED)
    found = source.find("context length 128k")
    passages = [passage for _, passage, _ in found]
    assert passages[0] in ("8B | 128k & more", "Params | Context length")
    assert all(source.section_of(p) is not None for p in passages)
    assert source.find("nothing of the sort") == []


def test_find_in_chinese_uses_character_pairs(article: SourceText) -> None:
    """Chinese words are found by their character pairs; the whole sentence comes back."""
    score, passage, section = article.find("基础设施 成本")[0]
    assert score == 100.0 and "运行Llama 3.1 405B的推理" in passage
    assert article.section_of(passage) == section
