"""Answer -> Discord embed: truncation, every Discord embed limit, answer and compare layouts."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bot.engine.answer import Answer, CitationOut, CompareCell, Recommendation, SourceInfo, Why
from bot.engine.engine import Engine
from bot.kb.schema import KnowledgeBase
from bot.render import (
    AUTHOR_MAX,
    DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    FIELD_NAME_MAX,
    FIELD_VALUE_MAX,
    FIELDS_MAX,
    FOOTER_MAX,
    TITLE_MAX,
    answer_embed_dict,
    compare_embed_dict,
    fit_embed,
    truncate,
    why_embed_dict,
)

ZWSP = "\u200b"
ELLIPSIS = "…"


def embed_total(data: dict[str, Any]) -> int:
    """The character count Discord checks against the 6000 total, computed independently."""
    total = len(data.get("title", "")) + len(data.get("description", ""))
    total += len(data.get("footer", {}).get("text", ""))
    total += len(data.get("author", {}).get("name", ""))
    for field in data.get("fields", []):
        total += len(field["name"]) + len(field["value"])
    return total


def assert_within_discord_limits(data: dict[str, Any]) -> None:
    """Fail with a precise message when any Discord embed limit is broken."""
    assert len(data.get("title", "")) <= TITLE_MAX
    assert len(data.get("description", "")) <= DESCRIPTION_MAX
    assert len(data.get("footer", {}).get("text", "")) <= FOOTER_MAX
    assert len(data.get("author", {}).get("name", "")) <= AUTHOR_MAX
    fields = data.get("fields", [])
    assert len(fields) <= FIELDS_MAX
    for field in fields:
        assert 0 < len(field["name"]) <= FIELD_NAME_MAX, field["name"][:40]
        assert 0 < len(field["value"]) <= FIELD_VALUE_MAX, field["name"][:40]
    assert embed_total(data) <= EMBED_TOTAL_MAX


# -- truncate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Hello world", 20, "Hello world"),
        ("Hello world", 11, "Hello world"),
        ("The quick brown fox jumps over the lazy dog", 20, "The quick brown…"),
        ("line one is here\nline two continues on", 25, "line one is here…"),
        ("Alpha beta gamma. Delta epsilon zeta eta", 22, "Alpha beta gamma.…"),
        ("第一句话在这里。第二句话也在这里。第三句。", 10, "第一句话在这里。…"),
        ("模型甲价格便宜，模型乙参数更多，模型丙上下文更长", 11, "模型甲价格便宜，…"),
        ("这是一段没有任何标点符号的很长的中文文本", 8, "这是一段没有任…"),
        ("a " + "x" * 50, 20, "a " + "x" * 17 + ELLIPSIS),
        ("Hello world", 1, ELLIPSIS),
        ("你好世界", 1, ELLIPSIS),
        ("Hello world", 0, ""),
    ],
    ids=[
        "shorter-than-limit",
        "exactly-limit",
        "word-boundary",
        "newline-boundary",
        "sentence-boundary",
        "cjk-full-stop",
        "cjk-comma",
        "cjk-no-boundary-hard-cut",
        "no-boundary-in-last-40pct-hard-cut",
        "limit-1",
        "cjk-limit-1",
        "limit-0",
    ],
)
def test_truncate_cuts_at_natural_boundaries(text: str, limit: int, expected: str) -> None:
    """Text is cut at the latest natural break (line, sentence, clause, word) plus an ellipsis."""
    assert truncate(text, limit) == expected


LONG_TEXTS = {
    "english": "The quick brown fox jumps over the lazy dog. " * 40,
    "chinese": "GPT-4o mini 的价格为每百万输入标记 0.15 美元。文章强调了它的高性价比。" * 40,
    "chinese-no-breaks": "没有标点也没有空格的中文长文本" * 100,
    "no-breaks": "x" * 3000,
    "lines": "word\n" * 500,
    "mixed": "mixed English 和中文, with commas，and 分号；and spaces " * 40,
}


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 10, 37, 100, 256, 1024])
@pytest.mark.parametrize("text", LONG_TEXTS.values(), ids=LONG_TEXTS.keys())
def test_truncate_never_exceeds_limit(text: str, limit: int) -> None:
    """A truncated text is never longer than the limit and is a prefix plus an ellipsis."""
    assert len(text) > limit
    out = truncate(text, limit)
    assert len(out) <= limit
    assert out.endswith(ELLIPSIS)
    assert text.startswith(out[:-1])


# -- fit_embed ------------------------------------------------------------------------------


def oversized_embed() -> dict[str, Any]:
    """An embed that breaks every single Discord limit at once."""
    return {
        "type": "rich",
        "title": "Title words " * 40,
        "description": "A long description sentence. " * 400,
        "color": 0x123456,
        "author": {"name": "Author name " * 40},
        "footer": {"text": "footer text " * 300},
        "fields": [
            {"name": "", "value": "", "inline": False},
            *(
                {"name": f"Field {i} " * 60, "value": "some value text " * 100, "inline": True}
                for i in range(40)
            ),
        ],
    }


def test_fit_embed_enforces_every_discord_limit() -> None:
    """A deliberately oversized embed satisfies every Discord limit after fitting."""
    data = oversized_embed()
    assert embed_total(data) > EMBED_TOTAL_MAX  # the fixture really is oversized
    fitted = fit_embed(data)
    assert_within_discord_limits(fitted)
    assert fitted["title"].endswith(ELLIPSIS)
    assert fitted["footer"]["text"].endswith(ELLIPSIS)
    assert fitted["author"]["name"].endswith(ELLIPSIS)


def test_fit_embed_caps_fields_at_25_keeping_the_first() -> None:
    """More than 25 small fields are cut to the first 25, in order."""
    data = {"title": "t", "fields": [{"name": f"n{i}", "value": f"v{i}"} for i in range(40)]}
    fitted = fit_embed(data)
    assert [f["name"] for f in fitted["fields"]] == [f"n{i}" for i in range(FIELDS_MAX)]


def test_fit_embed_truncates_long_field_name_and_value() -> None:
    """A field's name is cut to 256 and its value to 1024 characters."""
    data = {"fields": [{"name": "name " * 100, "value": "value " * 400, "inline": False}]}
    field = fit_embed(data)["fields"][0]
    assert len(field["name"]) <= FIELD_NAME_MAX
    assert len(field["value"]) <= FIELD_VALUE_MAX
    assert field["name"].endswith(ELLIPSIS)
    assert field["value"].endswith(ELLIPSIS)
    assert field["inline"] is False


@pytest.mark.parametrize(("name", "value"), [("", "v"), ("n", ""), ("", "")])
def test_fit_embed_replaces_empty_field_text_with_zero_width_space(name: str, value: str) -> None:
    """Empty field names and values (which Discord rejects) become a zero-width space."""
    fitted = fit_embed({"title": "t", "fields": [{"name": name, "value": value}]})
    field = fitted["fields"][0]
    assert field["name"] == (name or ZWSP)
    assert field["value"] == (value or ZWSP)


def test_fit_embed_shortens_a_long_description_before_dropping_fields() -> None:
    """Over the 6000 total, a long description is cut (not below 1000) before fields go."""
    description = "d" * 3000
    fields = [{"name": f"field {i}", "value": "v" * 500} for i in range(10)]
    fitted = fit_embed({"title": "t", "description": description, "fields": fields})
    assert 1000 <= len(fitted["description"]) < len(description)
    kept = [f["name"] for f in fitted["fields"]]
    assert kept == [f"field {i}" for i in range(len(kept))]
    assert 0 < len(kept) < len(fields)
    assert embed_total(fitted) <= EMBED_TOTAL_MAX


def test_fit_embed_shortens_description_when_fields_are_not_enough() -> None:
    """With no fields left to drop, the description is shortened to meet the total."""
    data = {"title": "t" * 256, "description": "word " * 1000, "footer": {"text": "f" * 2048}}
    fitted = fit_embed(data)
    assert_within_discord_limits(fitted)
    assert fitted["description"].endswith(ELLIPSIS)
    assert "fields" not in fitted


def test_fit_embed_leaves_a_valid_embed_unchanged() -> None:
    """An embed already within every limit comes back equal."""
    data = {
        "type": "rich",
        "title": "Title",
        "description": "Short description.",
        "fields": [{"name": "a", "value": "b", "inline": True}],
        "footer": {"text": "footer"},
    }
    assert fit_embed(data) == data


def test_fit_embed_does_not_modify_its_input() -> None:
    """Fitting returns a new dict and leaves the caller's embed as it was."""
    data = oversized_embed()
    snapshot = repr(data)
    fit_embed(data)
    assert repr(data) == snapshot


# -- answer_embed_dict ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "language", "sources_label", "confidence_label"),
    [
        ("which model is best for code generation?", "en", "Sources", "Confidence"),
        ("哪个模型最适合代码生成？", "zh", "来源", "置信度"),
    ],
)
def test_answer_embed_for_recommendation(
    engine: Engine,
    kb: KnowledgeBase,
    question: str,
    language: str,
    sources_label: str,
    confidence_label: str,
) -> None:
    """A real recommendation shows ranked fields in order, a sources field and the confidence."""
    ans = engine.answer(question)
    assert ans.answered and ans.language == language
    assert len(ans.recommendations) >= 2  # the order check below needs more than one
    embed = answer_embed_dict(ans, kb.ui)
    assert_within_discord_limits(embed)

    names = [f["name"] for f in embed["fields"]]
    expected = [f"{i}. {kb.models[r.model].name}" for i, r in enumerate(ans.recommendations, 1)]
    assert names[: len(expected)] == expected
    assert [f["value"] for f in embed["fields"][: len(expected)]] == [
        r.reason for r in ans.recommendations
    ]
    assert sources_label in names
    assert names.index(sources_label) == len(expected)  # sources come after the ranking
    footer = embed["footer"]["text"]
    assert f"{confidence_label}: {ans.confidence:.0%}" in footer
    assert kb.version in footer


@pytest.mark.parametrize(
    ("question", "sources_label", "confidence_label"),
    [
        ("how much does gpt-4o mini cost?", "Sources", "Confidence"),
        ("GPT-4o mini 多少钱？", "来源", "置信度"),
    ],
)
def test_answer_embed_for_fact(
    engine: Engine,
    kb: KnowledgeBase,
    question: str,
    sources_label: str,
    confidence_label: str,
) -> None:
    """A real fact answer puts the answer in the description and quotes the source by title."""
    ans = engine.answer(question)
    assert ans.answered and ans.citations
    embed = answer_embed_dict(ans, kb.ui)
    assert_within_discord_limits(embed)
    assert embed["description"] == ans.answer
    sources = [f for f in embed["fields"] if f["name"] == sources_label]
    assert len(sources) == 1
    source = kb.sources[ans.citations[0].source]
    assert source.title in sources[0]["value"]
    assert ans.citations[0].quote in sources[0]["value"]
    assert embed["footer"]["text"].startswith(f"{confidence_label}: {ans.confidence:.0%}")


def test_answer_embed_for_declined_question_has_no_sources(
    engine: Engine, kb: KnowledgeBase
) -> None:
    """A declined question gets a plain embed without a sources field."""
    ans = engine.answer("what is the weather today?")
    assert not ans.answered
    embed = answer_embed_dict(ans, kb.ui)
    assert_within_discord_limits(embed)
    assert "Sources" not in [f["name"] for f in embed.get("fields", [])]
    assert embed["description"] == ans.answer


def long_answer(kb: KnowledgeBase, *, with_recommendations: bool) -> Answer:
    """An answer far beyond every limit: 10,000-character text, 40 citations."""
    source = next(iter(kb.sources))
    models = list(kb.models)
    recommendations = (
        [Recommendation(model=models[i % len(models)], reason="reason " * 300) for i in range(30)]
        if with_recommendations
        else []
    )
    lines = ["Intro line " * 50, *(f"{i}. rec" for i in range(len(recommendations)))]
    body = "\n".join(lines) + "\n"
    return Answer(
        question="q" * 3000,
        answered=True,
        intent="fact",
        confidence=0.87,
        language="en",
        answer=body + "Long answer text. " * ((10_000 - len(body)) // 18 + 1),
        title="T" * 500,
        intro="Intro line " * 50,
        recommendations=recommendations,
        model_names={m.id: m.name for m in kb.models.values()},
        citations=[
            CitationOut(source=source, section=f"Section {i} " * 30, quote="Quoted text " * 80)
            for i in range(40)
        ],
        suggestions=["suggestion " * 20] * 3,
    )


@pytest.mark.parametrize("with_recommendations", [False, True], ids=["plain", "recommendations"])
def test_answer_embed_for_very_long_answer_stays_within_limits(
    kb: KnowledgeBase, with_recommendations: bool
) -> None:
    """A 10,000-character answer with 40 citations still fits every Discord limit."""
    ans = long_answer(kb, with_recommendations=with_recommendations)
    assert len(ans.answer) >= 10_000
    embed = answer_embed_dict(ans, kb.ui)
    assert_within_discord_limits(embed)
    assert embed["footer"]["text"].startswith("Confidence: 87%")


# -- compare_embed_dict ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "compare gpt-4o mini and llama 3.1",
        "compare price of gpt-4o mini and mistral large 2 and deepseek",
        "compare gpt-4o mini and llama on price, parameters, context length, release date",
        "compare all four models on price and size and context window",
        "对比 GPT-4o mini 和 Mistral Large 2",
        "对比 GPT-4o mini、Llama 3.1 405B 和 DeepSeek-V2 的价格",
    ],
)
def test_compare_embed_has_one_inline_field_per_model_per_aspect(
    engine: Engine, kb: KnowledgeBase, question: str
) -> None:
    """Each aspect row has one inline field per model, padded to a multiple of 3 columns."""
    ans = engine.answer(question)
    assert ans.intent == "compare" and ans.table
    models = list(ans.table)
    aspects = list(ans.table[models[0]])
    row = math.ceil(len(models) / 3) * 3
    assert len(aspects) * row <= FIELDS_MAX - 2  # the layout below is not cut short

    embed = compare_embed_dict(ans, kb.ui)
    assert_within_discord_limits(embed)
    fields = embed["fields"]
    for r, aspect in enumerate(aspects):
        cells = fields[r * row : (r + 1) * row]
        name = kb.aspects[aspect].name
        aspect_name = name.zh if ans.language == "zh" else name.en.capitalize()
        for model_id, field in zip(models, cells, strict=False):
            cell = ans.table[model_id][aspect]
            assert field["name"].lower() == f"{kb.models[model_id].name} · {aspect_name}".lower()
            shown = cell.text if cell.stated else f"⚠️ {cell.text}"
            assert field["value"].startswith(shown)
            assert field["value"].endswith("".join(f"[{i}]" for i in cell.sources))
            assert field["inline"] is True
        for pad in cells[len(models) :]:
            assert pad == {"name": ZWSP, "value": ZWSP, "inline": True}
    sources = fields[len(aspects) * row :]
    assert sources, "the citations follow the table"
    assert all(f["inline"] is False for f in sources)
    assert sources[0]["name"] == ("来源" if ans.language == "zh" else "Sources")


def built_comparison(kb: KnowledgeBase, aspects: list[str], cell_text: str) -> Answer:
    """A comparison of every model on ``aspects``, built without the engine."""
    return Answer(
        question="compare",
        answered=True,
        intent="compare",
        confidence=1.0,
        language="en",
        answer="Here is what the article says:",
        title=" vs ".join(m.name for m in kb.models.values()),
        models=list(kb.models),
        model_names={m.id: m.name for m in kb.models.values()},
        aspect_names={a: kb.aspects[a].name.en for a in aspects},
        table={
            model: {aspect: CompareCell(text=cell_text, stated=True) for aspect in aspects}
            for model in kb.models
        },
        citations=[
            CitationOut(source=next(iter(kb.sources)), section="Section", quote="Quote " * 100)
            for _ in range(10)
        ],
    )


def test_compare_embed_of_every_model_and_aspect_stays_within_limits(kb: KnowledgeBase) -> None:
    """Every model on every aspect, with long cells, still fits every Discord limit."""
    embed = compare_embed_dict(built_comparison(kb, list(kb.aspects), "cell text " * 200), kb.ui)
    assert_within_discord_limits(embed)


def test_compare_embed_shows_every_requested_aspect(kb: KnowledgeBase) -> None:
    """Each aspect of a 4-model, 5-aspect comparison is visible somewhere in the embed."""
    aspects = ["pricing", "parameters", "context_window", "release_date", "languages"]
    embed = compare_embed_dict(built_comparison(kb, aspects, "short"), kb.ui)
    shown = embed["description"] + "".join(f["name"] for f in embed["fields"])
    missing = [a for a in aspects if kb.aspects[a].name.en.lower() not in shown.lower()]
    assert missing == []


def test_compare_cells_point_at_their_quotes(kb: KnowledgeBase) -> None:
    """Each stated cell names the numbered quotes behind it, and those quotes are listed."""
    from bot.engine.engine import Engine

    ans = Engine(kb).compare(["gpt-4o-mini", "llama-3.1-405b"], ["pricing"], "en")
    cell = ans.table["gpt-4o-mini"]["pricing"]
    assert cell.sources
    assert all("$0" in ans.citations[i - 1].quote for i in cell.sources[:1])
    embed = compare_embed_dict(ans, kb.ui)
    first = next(f for f in embed["fields"] if f["name"].startswith("GPT-4o mini"))
    assert first["value"].endswith("".join(f"[{i}]" for i in cell.sources))


# -- answers carry what they show -------------------------------------------------------------


def bare_answer(**parts: Any) -> Answer:
    """A minimal English answer, built by hand (no engine, no knowledge base)."""
    fields: dict[str, Any] = {
        "question": "q",
        "answered": True,
        "intent": "fact",
        "confidence": 0.9,
        "language": "en",
        "answer": "Answer text.",
        "kb_version": "v1",
    }
    fields.update(parts)
    return Answer(**fields)


def test_recommendation_embed_shows_intro_and_note_not_reparsed_text(kb: KnowledgeBase) -> None:
    """With recommendations, the description is the intro and the note, never a split of text."""
    ans = bare_answer(
        answer="TEXT THAT IS NOT SHOWN\nline two\nline three",
        intro="The intro.",
        note="The note.",
        recommendations=[Recommendation(model="m1", reason="Because.")],
        model_names={"m1": "Model One"},
    )
    embed = answer_embed_dict(ans, kb.ui)
    assert embed["description"] == "The intro.\n\nThe note."
    assert embed["fields"][0] == {"name": "1. Model One", "value": "Because.", "inline": False}


def test_sources_header_comes_from_the_answer(kb: KnowledgeBase) -> None:
    """The source line is built from Answer.sources, whatever the knowledge base holds."""
    ans = bare_answer(
        citations=[CitationOut(source="s", section="Intro", quote="A quote.")],
        sources={"s": SourceInfo(title="Some Title", publisher="Pub", date="2024-01-02")},
    )
    value = answer_embed_dict(ans, kb.ui)["fields"][0]["value"]
    assert value.startswith("📄 Some Title — Pub, 2024-01-02")


@pytest.mark.parametrize(
    ("language", "quote", "gloss"),
    [("en", "原文引用。", "The gloss."), ("zh", "An English quote.", "中文译文。")],
    ids=["english reader", "chinese reader"],
)
def test_gloss_is_shown_under_the_quote_as_a_translation(
    kb: KnowledgeBase, language: str, quote: str, gloss: str
) -> None:
    """A quote from a source in the other language gets its gloss, in the reader's language,
    marked as a translation, below the verbatim quote."""
    ans = bare_answer(
        language=language,
        citations=[CitationOut(source="s", section="S", quote=quote, gloss=gloss)],
    )
    value = answer_embed_dict(ans, kb.ui)["fields"][0]["value"]
    mark = kb.ui.text("translation_mark", language)
    assert f"“{quote}”\n{mark} {gloss}" in value


def test_a_quote_in_the_readers_language_has_no_translation_line(kb: KnowledgeBase) -> None:
    ans = bare_answer(
        language="zh", citations=[CitationOut(source="s", section="S", quote="原文引用。")]
    )
    value = answer_embed_dict(ans, kb.ui)["fields"][0]["value"]
    assert "“原文引用。”" in value and kb.ui.text("translation_mark", "zh") not in value


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ({"answered": False}, "title_declined"),
        ({"answered": False, "suggestions": ["what is the article about"]}, "title_unsure"),
        ({"answered": True}, "title_default"),
    ],
    ids=["declined", "unsure", "answered-without-title"],
)
def test_title_comes_from_the_catalogue_never_from_the_question(
    kb: KnowledgeBase, parts: dict[str, Any], field: str
) -> None:
    """Without a knowledge-base title, the embed title is the catalogue's, not the question."""
    ans = bare_answer(question="[x](https://evil.example) **b** # h @everyone", **parts)
    assert answer_embed_dict(ans, kb.ui)["title"] == kb.ui.text(field, "en")


def test_suggestions_are_shown_without_markdown_or_mentions(kb: KnowledgeBase) -> None:
    """A suggestion echoing user text shows its markdown and mentions literally."""
    ans = bare_answer(answered=False, suggestions=["**bold** @everyone"])
    field = answer_embed_dict(ans, kb.ui)["fields"][0]
    assert field["value"] == "• \\*\\*bold\\*\\* @\u200beveryone"


def test_why_embed_lists_rule_evidence_and_runner_up(kb: KnowledgeBase) -> None:
    """The explanation names the rule, each piece of evidence and the runner-up."""
    why = Why(rule="recommend", evidence=["use case: debugging", "cue: which"], runner_up="topic")
    embed = why_embed_dict(why, kb.ui, "en")
    values = {f["name"]: f["value"] for f in embed["fields"]}
    assert values == {
        "Rule": "`recommend`",
        "Evidence": "• use case: debugging\n• cue: which",
        "Runner-up": "topic",
    }


def test_why_embed_in_chinese_says_none_for_missing_parts(kb: KnowledgeBase) -> None:
    """Missing evidence and runner-up read as the catalogue's 'none', in the clicker's language."""
    embed = why_embed_dict(Why(rule="fact"), kb.ui, "zh")
    values = {f["name"]: f["value"] for f in embed["fields"]}
    assert values == {"规则": "`fact`", "证据": "无", "次选": "无"}


def test_the_embed_picture_in_the_readme_is_current() -> None:
    """docs/img/answer-embed.svg is the embed the bot sends today (run
    `python scripts/render_embed.py` after changing answers or their layout)."""
    import importlib.util

    from .conftest import ROOT

    spec = importlib.util.spec_from_file_location(
        "render_embed", ROOT / "scripts" / "render_embed.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    picture = module.picture()
    assert "GPT-4o mini" in picture and "$0.15" in picture and "<svg" in picture
    assert module.OUT.read_text(encoding="utf-8") == picture


def test_embed_svg_wraps_latin_at_spaces_and_cjk_anywhere() -> None:
    from bot.embed_svg import wrap

    lines = wrap("alpha beta gamma delta " * 10, 200)
    assert all(len(line) <= 30 for line in lines) and all(not line.endswith(" ") for line in lines)
    zh = wrap("中" * 50, 140)
    assert [len(line) for line in zh] == [10, 10, 10, 10, 10]
