"""`check` catches edits that break the bot: trigger words, required ids, placeholders, language."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.kb.loader import _language_problem, check_directory

from .test_kb_syntax import edit_line


def drop_topic(topic_id: str) -> Callable[[Path], int]:
    """Delete a topic from topics.yaml, keeping the rest of the file as it is."""

    def change(d: Path) -> int:
        path = d / "topics.yaml"
        lines = path.read_text(encoding="utf-8").split("\n")
        start = lines.index(f"  - id: {topic_id}")
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("  - id: ")),
            len(lines),
        )
        del lines[start:end]
        path.write_text("\n".join(lines), encoding="utf-8")
        # Also drop references to it, so only the missing id itself is reported.
        vocab = d / "vocabulary.yaml"
        vocab.write_text(
            vocab.read_text(encoding="utf-8").replace(f"topic: {topic_id}\n", ""),
            encoding="utf-8",
        )
        return lines.index("topics:") + 1

    return change


def on_line(file: str, contains: str, old: str, new: str) -> Callable[[Path], int]:
    """Replace ``old`` by ``new`` on the first line of ``file`` containing ``contains``."""

    def change(d: Path) -> int:
        return edit_line(d / file, contains, lambda line: line.replace(old, new, 1))

    return change


CODE_EN = 'en: ["code generation"'


def add_code_phrasing(lang: str, text: str) -> Callable[[Path], int]:
    """Put ``text`` first in code-generation's ``lang`` phrasings."""
    first = {"en": "code generation", "zh": "代码生成"}[lang]
    return on_line("use_cases.yaml", f'{lang}: ["{first}"', f'["{first}"', f'["{text}", "{first}"')


INTRO_EN = 'en: "Based on my sources:"'
NOT_STATED_EN = 'en: "My sources do not give {model}\'s {aspect}."'
OUT_ZH = 'zh: "抱歉，我只能回答'
SUMMARY = "GPT-4o mini is the small OpenAI model"

# name -> (file, edit returning the line it affects, message on that line)
BROKEN: dict[str, tuple[str, Callable[[Path], int], str]] = {
    "phrasing is an aspect keyword": (
        "use_cases.yaml",
        add_code_phrasing("en", "price"),
        "phrasing 'price' of use case code-generation is also a keyword of aspect pricing (",
    ),
    "zh phrasing is an aspect keyword": (
        "use_cases.yaml",
        add_code_phrasing("zh", "价格"),
        "phrasing '价格' of use case code-generation is also a keyword of aspect pricing",
    ),
    "topic phrasing is a cue word": (
        "topics.yaml",
        on_line(
            "topics.yaml",
            'en: ["what is the article about"',
            '["what is the article about"',
            '["which model", "what is the article about"',
        ),
        "phrasing 'which model' of topic overview is also a 'recommend' cue word (",
    ),
    "phrasing is a domain word": (
        "use_cases.yaml",
        add_code_phrasing("en", "LLM"),
        "is also a 'domain' cue word",
    ),
    "source topic deleted": (
        "topics.yaml",
        drop_topic("source"),
        "required topic 'source' is missing; the bot looks it up by id for the /sources command",
    ),
    "help topic deleted": (
        "topics.yaml",
        drop_topic("help"),
        "required topic 'help' is missing; the bot looks it up by id for the /help command",
    ),
    "greeting topic deleted": (
        "topics.yaml",
        drop_topic("greeting"),
        "required topic 'greeting' is missing",
    ),
    "placeholder in a field that takes none": (
        "responses.yaml",
        on_line("responses.yaml", INTRO_EN, "my sources", "{model}"),
        "placeholder '{model}' is not filled in for 'recommend_intro', so users would see it "
        "as is; this text takes no placeholders",
    ),
    "placeholder of another field": (
        "responses.yaml",
        on_line("responses.yaml", NOT_STATED_EN, "{aspect}", "{rank}"),
        "placeholder '{rank}' is not filled in for 'not_stated', so users would see it as is; "
        "use only {aspect}, {model} here",
    ),
    "placeholder in a topic answer other than {models}": (
        "topics.yaml",
        on_line("topics.yaml", "I answer questions about the LLMs", "{models}", "{model}"),
        "placeholder '{model}' is not filled in for topic 'help', so users would see it as "
        "is; use only {models}",
    ),
    "zh text in English": (
        "responses.yaml",
        lambda d: edit_line(
            d / "responses.yaml", OUT_ZH, lambda _: '    zh: "Sorry, I can only answer that."'
        ),
        "zh text is not Chinese",
    ),
    "en text in Chinese": (
        "models/gpt-4o-mini.yaml",
        on_line("models/gpt-4o-mini.yaml", SUMMARY, SUMMARY, "GPT-4o mini 是 OpenAI 的小模型"),
        "en text contains Chinese outside quotation marks",
    ),
    "en phrasing in Chinese": (
        "use_cases.yaml",
        add_code_phrasing("en", "代码审查"),
        "'代码审查' is listed under en but is Chinese; move it to zh",
    ),
    "zh phrasing without Chinese": (
        "use_cases.yaml",
        add_code_phrasing("zh", "code review"),
        "'code review' is listed under zh but has no Chinese; move it to en",
    ),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_edit_is_an_error_at_file_and_line(kb_copy: Path, name: str) -> None:
    """Each edit that would break the bot is an error on its line, with the fix."""
    file, change, message = BROKEN[name]
    line = change(kb_copy)
    result = check_directory(kb_copy)
    assert not result.ok
    found = [p for p in result.problems if p.path.endswith(file) and message in p.message]
    assert found, [str(p) for p in result.problems]
    assert found[0].line == line, str(found[0])


def test_trigger_word_error_names_where_the_word_is(kb_copy: Path) -> None:
    """The error points at the aspect keyword it collides with, as file:line."""
    add_code_phrasing("en", "price")(kb_copy)
    keyword_line = edit_line(kb_copy / "aspects.yaml", 'en: ["price"', lambda line: line)
    messages = [p.message for p in check_directory(kb_copy).problems]
    assert any(f"aspects.yaml:{keyword_line})" in m for m in messages), messages


def test_swapped_texts_are_named_as_swapped(kb_copy: Path) -> None:
    """An en/zh pair in each other's place is reported once, as swapped."""
    path = kb_copy / "responses.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    line = edit_line(path, "  need_model:", lambda line: line) + 1
    text = data["responses"]["need_model"]
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[line - 1] = f'    en: "{text["zh"]}"'
    lines[line] = f'    zh: "{text["en"]}"'
    path.write_text("\n".join(lines), encoding="utf-8")
    problems = check_directory(kb_copy).problems
    assert [(p.line, p.message) for p in problems] == [
        (line, "the en and zh texts look swapped; put the English under en, Chinese under zh")
    ], [str(p) for p in problems]


@pytest.mark.parametrize(
    ("en", "zh", "wrong"),
    [
        ("The price is $0.15.", "价格为 0.15 美元。", None),
        ('The article calls it "开源" (open source).', "文章称之为开源。", None),
        ("It is called “小模型” in the article.", "文章称它为“小模型”。", None),
        ("All three (三种模型) launched in July.", "三种模型都在七月发布。", None),
        ("GPT-4o mini vs Llama 3.1 405B", "GPT-4o mini 与 Llama 3.1 405B 对比", None),
        ("For {use_case}, ranked #{rank}.", "在{use_case}方面排第{rank}位。", None),
        ("The price is $0.15.", "The price is $0.15.", "zh"),
        ("The price is $0.15.", "The article says 价格 is low.", "zh"),
        ("价格为 0.15 美元。", "价格为 0.15 美元。", "en"),
        ("The 价格 is low.", "价格很低。", "en"),
        ("“价格为 0.15 美元，非常便宜的一个模型”", "价格很低。", "en"),
        ("价格为 0.15 美元。", "The price is $0.15.", "en"),
    ],
    ids=[
        "plain",
        "quoted-term",
        "curly-quoted",
        "parenthesised",
        "model-names-in-zh",
        "placeholders",
        "zh-is-english",
        "zh-mostly-english",
        "en-is-chinese",
        "en-han-unquoted",
        "en-only-a-quotation",
        "swapped",
    ],
)
def test_language_rule(en: str, zh: str, wrong: str | None) -> None:
    """Latin terms are fine in zh, quoted Han in en; anything else in the wrong language is not."""
    problem = _language_problem(en, zh)
    assert (problem[0] if problem else None) == wrong, problem


def test_chinese_text_may_name_products_and_acronyms() -> None:
    """Names and acronyms do not make a Chinese text English; English words do."""
    from bot.kb.loader import _language_problem

    assert _language_problem("the Qwen2.5 README", "Qwen2.5 的 README") is None
    assert _language_problem("DeepSeek-AI's README", "DeepSeek-AI 的 DeepSeek-V2 README") is None
    problem = _language_problem("the price of it", "the price of 它")
    assert problem is not None and problem[0] == "zh"


def test_a_row_of_names_and_figures_needs_no_gloss() -> None:
    """Nothing in "| DeepSeek-V2 | 236B | 21B | 128k |" to translate; a heading is words."""
    from bot.kb.loader import _translatable

    assert not _translatable("| DeepSeek-V2 | 236B | 21B | 128k | 🤗 HuggingFace |", "en")
    assert not _translatable("GPT-4o mini", "zh")
    assert _translatable("Model Details", "en")
    assert _translatable("Qwen2.5 is supported by multiple inference frameworks.", "en")
