"""Several sources: per-model "not stated", source labels, glosses both ways, variants,
disagreements, aspects added in YAML alone, and the article-only view used by old sets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.engine.engine import Engine
from bot.engine.facts import numbers
from bot.kb.loader import check_directory, load_directory
from bot.kb.schema import KnowledgeBase

from .conftest import ROOT

ARTICLE = "aibusinessasia-2024-07-29"
CARD = "meta-llama-3.1-model-card"


def test_an_aspect_one_source_gives_is_answered_for_that_model_only(engine: Engine) -> None:
    llama = engine.answer("what's the context window of llama 3.1?")
    assert llama.answered and llama.intent == "fact" and llama.aspect == "context_window"
    assert "128k" in llama.answer
    assert {c.source for c in llama.citations} == {CARD}
    assert "Meta's Llama 3.1 model card (2024-07-23)" in llama.answer

    gpt = engine.answer("gpt-4o mini context window?")
    assert not gpt.answered and gpt.intent == "not_stated"
    assert gpt.answer.startswith("My sources do not give GPT-4o mini's context window.")
    assert gpt.citations  # what the sources do say is still quoted


def test_two_sources_on_one_aspect_are_both_shown_newest_first(engine: Engine) -> None:
    ans = engine.answer("when was llama 3.1 released?")
    assert ans.answered
    first = ans.answer.index("AI Business Asia's article (2024-07-29)")
    second = ans.answer.index("Meta's Llama 3.1 model card (2024-07-23)")
    assert first < second
    assert {c.source for c in ans.citations} == {ARTICLE, CARD}


def test_one_source_loaded_gives_no_source_labels(kb: KnowledgeBase) -> None:
    article_only = Engine(kb.restrict({ARTICLE}))
    ans = article_only.answer("how much does gpt-4o mini cost?")
    assert ans.answered and "Per " not in ans.answer and "my sources" not in ans.answer.lower()
    assert not article_only.answer("llama context window?").answered


def test_restricting_to_one_source_drops_the_other_sources_facts(kb: KnowledgeBase) -> None:
    article_only = kb.restrict({ARTICLE})
    assert set(article_only.sources) == {ARTICLE}
    llama = article_only.models["llama-3.1-405b"]
    assert all(c.source == ARTICLE for f in llama.facts for c in f.citations)
    assert [v.id for v in llama.variants] == ["405b"]  # the article knows only the 405B
    assert len(llama.facts) < len(kb.models["llama-3.1-405b"].facts)


def test_glosses_go_both_ways_in_the_readers_language(engine: Engine) -> None:
    zh = engine.answer("llama 3.1 的知识截止日期是什么时候？")
    assert zh.answered and zh.language == "zh"
    cited = zh.citations[0]
    assert cited.source == CARD and cited.gloss and re.search(r"[\u4e00-\u9fff]", cited.gloss)
    assert cited.section_gloss == "训练数据"
    assert zh.sources[CARD].title_gloss == "Llama 3.1 模型卡"

    en = engine.answer("how much does gpt-4o mini cost?")
    cited = en.citations[0]
    assert (
        cited.source == ARTICLE and cited.gloss and not re.search(r"[\u4e00-\u9fff]", cited.gloss)
    )
    assert cited.section_gloss and not re.search(r"[\u4e00-\u9fff]", cited.section_gloss)
    # No gloss where the reader reads the source's own language.
    assert engine.answer("gpt-4o mini 多少钱？").citations[0].gloss is None
    assert engine.answer("llama knowledge cutoff?").citations[0].gloss is None


def test_a_variant_named_gets_its_own_facts(engine: Engine) -> None:
    ans = engine.answer("how many GPU hours did llama 3.1 70b take to train?")
    assert ans.answered and ans.models == ["llama-3.1-405b"]
    assert "7.0M" in ans.answer and "30.84M" not in ans.answer
    assert "16,000" not in ans.answer  # the article's figure is about the 405B
    eight = engine.answer("tell me about llama 3.1 8b")
    assert eight.answered and eight.title == "Llama 3.1 8B"
    assert "largest AI model" not in eight.answer  # the article's summary is of the 405B


def test_an_unknown_size_of_a_known_family_is_declined(engine: Engine) -> None:
    for question in ("llama 3.1 13b context length?", "how good is Llama 3.1 13 B at coding"):
        ans = engine.answer(question)
        assert not ans.answered and ans.intent == "unknown_model", question
        assert "Llama 3.1 13B" in ans.answer and "Llama 3.1 70B" in ans.answer, question


def test_a_size_after_another_family_is_that_familys(engine: Engine) -> None:
    ans = engine.answer("what's the context length of llama 2 70b")
    assert not ans.answered and ans.intent == "unknown_model"
    assert "Llama 2" in ans.answer


def test_a_size_that_describes_the_models_wanted_names_no_family(engine: Engine) -> None:
    """ "a good 8b model": a size as an adjective (even one listed as Llama's alias) is a
    job for models of that size, which no source ranks; "the 8b one" is still a name."""
    for question in (
        "what's a good 8b model for chat?",
        "which 70b model is best for coding",
        "any 7B LLM for customer support?",
        "推荐一个 7b 模型做客服",
    ):
        ans = engine.answer(question)
        assert not ans.answered and ans.intent == "not_stated", question
        assert ans.why.rule == "job_by_size" and not ans.recommendations, question
    named = engine.answer("is the 8b one good for coding?")
    assert named.models == ["llama-3.1-405b"] and named.why.rule == "job_named"
    assert "Llama 3.1 8B" in named.answer
    assert engine.answer("which model for chat?").recommendations  # no size: ranked as before


def test_a_ranking_about_one_variant_is_not_given_for_another(engine: Engine) -> None:
    """The article ranks Llama 3.1 405B for jobs; asked about the 8B or 70B, the answer says
    so and declines, with the ranking's quotes, instead of lending the 405B's place."""
    for question, variant in (
        ("llama 3.1 8b for coding?", "Llama 3.1 8B"),
        ("is llama 3.1 70b good for synthetic data?", "Llama 3.1 70B"),
        ("llama 3.1 8b 适合写代码吗", "Llama 3.1 8B"),
    ):
        ans = engine.answer(question)
        assert not ans.answered and ans.intent == "not_stated", question
        assert variant in ans.answer and "Llama 3.1 405B" in ans.answer, question
        assert ans.citations and ans.models == ["llama-3.1-405b"], question
    for question in ("is llama 3.1 405b good for synthetic data?", "is llama good for coding?"):
        ans = engine.answer(question)
        assert ans.answered and ans.intent == "fact", question


def test_a_plain_comparison_across_sources_adds_common_rows(engine: Engine) -> None:
    """Two models whose main use cases come from different sources (Qwen2.5 from its
    README, Llama from the article) also get rows both sides state; two models of one
    source keep the single row."""
    grown = Engine(load_directory(ROOT / "tests" / "eval" / "growth" / "knowledge"))
    uc = grown.kb.role("use_case")[0]
    ans = grown.answer("compare qwen2.5 and llama 3.1 405b")
    rows = list(ans.table["qwen2.5"])
    assert rows[0] == uc and 2 <= len(rows) <= 3
    assert all(a in grown.kb.role("compare") for a in rows[1:])
    assert all(ans.table[m][a].stated for m in ans.table for a in rows[1:])
    same = engine.answer("compare llama and mistral")
    assert list(same.table["llama-3.1-405b"]) == [uc]


def test_a_typo_of_the_family_then_a_known_size_is_that_variant(engine: Engine) -> None:
    ans = engine.answer("lama 3.1 70b gpu hours for training?")
    assert ans.answered and "7.0M" in ans.answer


def test_product_codes_give_no_figures() -> None:
    assert "80" not in numbers("39.3M GPU hours on H100-80GB hardware")
    assert {"0.15", "0.6"} <= numbers("$0.15-0.60 per million")


def _add_fact(kb_dir: Path, text_en: str, compared: bool = False) -> None:
    """A second statement of Llama's context window, from the article source."""
    path = kb_dir / "models" / "llama-3.1-405b.yaml"
    extra = (
        "  - aspect: context_window\n"
        + ("    compared_with: [meta-llama-3.1-model-card]\n" if compared else "")
        + "    text:\n"
        + f'      en: "{text_en}"\n'
        + '      zh: "文章称其上下文窗口为 64k。"\n'
        + "    citations:\n"
        + "      - source: aibusinessasia-2024-07-29\n"
        + '        quote: "其大量的参数和上下文窗口使其功能强大但资源密集。"\n'
    )
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")


def test_sources_that_disagree_are_shown_and_warned_about(kb_copy: Path) -> None:
    _add_fact(kb_copy, "The article gives a 64k context window.")
    result = check_directory(kb_copy)
    assert result.ok
    warnings = [str(w) for w in result.warnings if "stated differently" in w.message]
    assert len(warnings) == 1 and "llama-3.1-405b.yaml:" in warnings[0]
    # The fix names the line of the fact to edit (the later one, the one just added),
    # not "the newer fact", which need not be the admin's.
    lines = (kb_copy / "models" / "llama-3.1-405b.yaml").read_text().splitlines()
    added_line = max(n for n, line in enumerate(lines, 1) if "- aspect: context_window" in line)
    assert (
        f"compared_with: [meta-llama-3.1-model-card] to the fact at line {added_line}"
        in warnings[0]
    )
    ans = Engine(load_directory(kb_copy)).answer("llama 3.1 context window?")
    assert ans.answer.index("2024-07-29") < ans.answer.index("2024-07-23")  # newest first
    assert "My sources differ here" in ans.answer


def test_a_pair_an_admin_has_compared_is_not_warned_about(kb_copy: Path) -> None:
    _add_fact(kb_copy, "The article gives a 64k context window.", compared=True)
    result = check_directory(kb_copy)
    assert result.ok and not [w for w in result.warnings if "stated differently" in w.message]


ARCH = (
    "Llama 3.1 is an auto-regressive language model that uses an optimized transformer "
    "architecture."
)


def test_an_aspect_added_in_yaml_alone_is_answered(kb_copy: Path) -> None:
    aspects = kb_copy / "aspects.yaml"
    aspects.write_text(
        aspects.read_text(encoding="utf-8")
        + "  - id: architecture\n"
        + '    name: {en: "architecture", zh: "架构"}\n'
        + '    keywords: {en: ["architecture"], zh: ["架构"]}\n',
        encoding="utf-8",
    )
    model = kb_copy / "models" / "llama-3.1-405b.yaml"
    model.write_text(
        model.read_text(encoding="utf-8")
        + "  - aspect: architecture\n"
        + "    text:\n"
        + '      en: "Llama 3.1 is an auto-regressive model with a transformer architecture."\n'
        + '      zh: "Llama 3.1 是采用优化 Transformer 架构的自回归语言模型。"\n'
        + "    citations:\n"
        + "      - source: meta-llama-3.1-model-card\n"
        + f'        quote: "{ARCH}"\n',
        encoding="utf-8",
    )
    glosses = kb_copy / "glosses.yaml"
    glosses.write_text(
        glosses.read_text(encoding="utf-8")
        + f'  - quote: "{ARCH}"\n'
        + '    zh: "Llama 3.1 是一个使用优化 Transformer 架构的自回归语言模型。"\n',
        encoding="utf-8",
    )
    engine = Engine(load_directory(kb_copy))
    ans = engine.answer("what architecture does llama 3.1 use?")
    assert ans.answered and ans.aspect == "architecture" and "transformer" in ans.answer
    other = engine.answer("what architecture does mistral large 2 use?")
    assert not other.answered and other.intent == "not_stated" and other.aspect == "architecture"


def test_the_code_names_no_aspect_id(kb: KnowledgeBase) -> None:
    """Aspects live in aspects.yaml alone: the code that loads knowledge and answers spells
    no aspect id as a string."""
    ids = set(kb.aspects)
    found = []
    code = [ROOT / "bot" / "kb" / "loader.py", ROOT / "bot" / "render.py", ROOT / "bot" / "cli.py"]
    for folder in ("engine", "cogs", "discord_glue"):
        code += sorted((ROOT / "bot" / folder).rglob("*.py"))
    for path in code:
        for literal in re.findall(r"[\"']([a-z_]+)[\"']", path.read_text(encoding="utf-8")):
            if literal in ids:
                found.append(f"{path.relative_to(ROOT)}: {literal}")
    assert found == []


def test_a_quote_without_the_other_languages_gloss_is_an_error(kb_copy: Path) -> None:
    glosses = kb_copy / "glosses.yaml"
    text = glosses.read_text(encoding="utf-8")
    line = '    zh: "数据新鲜度：预训练数据的截止时间是 2023 年 12 月。"\n'
    assert line in text
    glosses.write_text(text.replace(line, ""), encoding="utf-8")
    result = check_directory(kb_copy)
    problems = [str(p) for p in result.problems]
    assert any(
        "llama-3.1-405b.yaml:" in p and "no Chinese gloss" in p and "Data Freshness" in p
        for p in problems
    ), problems


def test_the_source_list_is_in_the_readers_language(engine: Engine) -> None:
    from bot.evaluate import script_matches

    for question in ("what are your sources?", "你的资料来源是什么？"):
        ans = engine.answer(question)
        assert ans.answered and ans.topic == "source", question
        assert "2024-07-23" in ans.answer and "2024-07-29" in ans.answer, question
        assert script_matches(question, ans.answer), ans.answer  # titles quoted, names translated


def test_a_set_with_its_own_knowledge_is_scored_on_that_copy(
    kb: KnowledgeBase, kb_copy: Path, tmp_path: Path
) -> None:
    """sets.yaml ``knowledge:`` points a set at a frozen knowledge directory (the growth
    set is scored on the knowledge an admin grew, not on whatever ships today)."""
    from bot.evaluate import knowledge_for_set

    model = kb_copy / "models" / "mistral-large-2.yaml"
    model.write_text(
        model.read_text(encoding="utf-8").replace('name: "Mistral Large 2"', 'name: "Grown"'),
        encoding="utf-8",
    )
    folder = tmp_path / "sets"
    folder.mkdir()
    (folder / "sets.yaml").write_text(
        f"sets:\n  grown.jsonl: {{knowledge: {kb_copy.as_posix()}}}\n", encoding="utf-8"
    )
    grown = knowledge_for_set(kb, folder / "grown.jsonl")
    assert kb.models["mistral-large-2"].name == "Mistral Large 2"
    assert grown.models["mistral-large-2"].name == "Grown"
    assert knowledge_for_set(kb, folder / "other.jsonl") is kb


def test_a_variant_declined_is_told_only_what_is_said_of_it(engine: Engine) -> None:
    """ "What they do say" for the 8B holds family facts, never the 405B's own."""
    ans = engine.answer("llama 3.1 8b price?")
    assert not ans.answered and ans.intent == "not_stated"
    assert "8B" in ans.answer and "405B on" not in ans.answer
    llama = engine.kb.models["llama-3.1-405b"]
    only_405b = {c.quote for f in llama.facts if f.variants == ["405b"] for c in f.citations}
    assert ans.citations and not {c.quote for c in ans.citations} & only_405b


def test_help_and_greeting_name_every_model_the_knowledge_holds(kb: KnowledgeBase) -> None:
    """A model an admin adds appears in /help and hello without editing their texts."""
    one_fewer = kb.model_copy(
        update={"models": {k: v for k, v in kb.models.items() if k != "mistral-large-2"}}
    )
    for question in ("help", "hi", "你好"):
        full = Engine(kb).answer(question).answer
        fewer = Engine(one_fewer).answer(question).answer
        assert "{models}" not in full
        assert all(m.name in full for m in kb.models.values()), full
        first = re.split(r"\. |。", fewer)[0]  # the sentence naming the models
        assert "Mistral Large 2" not in first and "GPT-4o mini" in first, first


def test_a_named_models_fact_is_found_by_its_own_words() -> None:
    """No aspect keyword, but the question repeats distinctive words of one of the named
    model's facts (words an admin's new source brought, never listed as keywords): that
    fact answers. One shared word, or words of no fact, stay unclear."""
    grown = Engine(load_directory(ROOT / "tests" / "eval" / "growth" / "knowledge"))
    for question, model in (
        ("how does deepseek v2 save kv cache", "deepseek-v2"),
        ("what does qwen2.5 do with structured data like tables", "qwen2.5"),
    ):
        ans = grown.answer(question)
        assert ans.answered and ans.why.rule == "fact_by_words", question
        assert ans.models == [model] and ans.citations, question
    # "system prompts" is a word of an aspect no source gives for Qwen2.5, and "chatbots"
    # a job no source ranks it for; its stated fact repeats far more of the question.
    ans = grown.answer("is qwen2.5 good for chatbots with system prompts and role play?")
    assert ans.answered and ans.why.rule == "fact_by_words" and "role-play" in ans.answer
    assert not grown.answer("qwen2.5 knowledge cutoff?").answered  # one keyword: not stated
    for question in ("qwen2.5 and my cat", "what's qwen2.5's favourite food"):
        ans = grown.answer(question)
        assert not ans.answered and ans.why.rule != "fact_by_words", question


def test_a_fact_repeating_the_question_outranks_a_keywords_aspect() -> None:
    """ "gpus" is a training keyword, "how much" a price one; when the named model's fact
    of another aspect repeats much more of the question, that aspect answers. One keyword
    and little else keeps the keyword's aspect."""
    grown = Engine(load_directory(ROOT / "tests" / "eval" / "growth" / "knowledge"))
    for question, aspect in (
        ("which gpus does deepseek v2 need in bf16 for inference", "hardware"),
        ("deepseek v2 gpus for bf16 inference, how many", "hardware"),
        ("how much did it cost to train deepseek v2 compared to 67b", "training"),
        ("deepseek v2 training gpus", "training"),
        ("how many gpus do i need for deepseek-v2", "training"),
    ):
        ans = grown.answer(question)
        assert ans.answered and ans.aspect == aspect, (question, ans.aspect)
        assert ans.models == ["deepseek-v2"] and ans.citations, question


def test_a_figure_and_a_word_of_a_fact_find_it(engine: Engine) -> None:
    ans = engine.answer("llama 3.1 405b 15 trillion?")
    assert ans.answered and ans.why.rule == "fact_by_words" and "15 trillion" in ans.answer


def test_a_size_the_sources_compare_with_is_not_an_unknown_variant() -> None:
    """DeepSeek-V2's facts compare it with DeepSeek 67B: "67b" after its name is that
    model, not a size of the family no source describes. A size no fact mentions still
    is, and a name with another version number is not a typo of a variant ("qwen3")."""
    grown = Engine(load_directory(ROOT / "tests" / "eval" / "growth" / "knowledge"))
    for question in (
        "is deepseek v2 cheaper to train than deepseek 67b",
        "deepseek v2 比 67b 有什么优势",
    ):
        ans = grown.answer(question)
        assert ans.answered and ans.why.rule != "unknown_variant", (question, ans.why)
        assert ans.models == ["deepseek-v2"], question
    assert grown.answer("deepseek v2 13b context length").why.rule == "unknown_variant"
    ans = grown.answer("what about qwen3?")
    assert not ans.answered and ans.models == [], ans.why


@pytest.mark.parametrize(
    ("question", "aspect"),
    [("is llama opensource", "license"), ("mistral usecase?", "main_use_case")],
)
def test_a_two_word_term_written_as_one_word_matches(question: str, aspect: str) -> None:
    """ "open source" is also written "opensource": a two-word term matches joined up."""
    ans = Engine(load_directory(ROOT / "knowledge")).answer(question)
    assert ans.answered and ans.intent == "fact" and ans.aspect == aspect, ans.why


@pytest.mark.parametrize(
    "question", ["what about llama4?", "is deepseekv3 out yet?", "mistral7 any good?"]
)
def test_another_version_glued_to_a_family_name_is_an_uncovered_model(
    engine: Engine, question: str
) -> None:
    """ "llama4" is the known family word with another version number: a model no source
    covers, not Llama 3.1 with a typo."""
    ans = engine.answer(question)
    assert not ans.answered and ans.intent == "unknown_model", ans.why


@pytest.mark.parametrize(
    ("question", "model"),
    [
        ("deepseekv2 parameters", "deepseek-v2"),
        ("llama405b licence?", "llama-3.1-405b"),
        # the family word with the model's own version number glued on, as "llama 3" is
        ("llama3 price", "llama-3.1-405b"),
        ("llama31 license?", "llama-3.1-405b"),
        ("mistral2 params", "mistral-large-2"),
    ],
)
def test_a_known_name_written_as_one_word_is_still_known(
    engine: Engine, question: str, model: str
) -> None:
    ans = engine.answer(question)
    assert ans.answered and ans.models == [model], ans.why


@pytest.mark.parametrize(
    "question",
    ["is llama 4 open source?", "mistral large 3 price?", "llama 4 price", "deepseek 3 参数"],
)
def test_another_version_after_a_family_name_is_an_uncovered_model(
    engine: Engine, question: str
) -> None:
    """A version number after a name that has none of its own ("llama", "mistral large")
    and that none of the model's names carry is another generation."""
    ans = engine.answer(question)
    assert not ans.answered and ans.intent == "unknown_model", ans.why


@pytest.mark.parametrize(
    ("question", "model"),
    [
        ("llama 3 price", "llama-3.1-405b"),
        ("deepseek 2 params", "deepseek-v2"),
        ("llama 405 params", "llama-3.1-405b"),
    ],
)
def test_the_models_own_number_after_its_name_is_that_model(
    engine: Engine, question: str, model: str
) -> None:
    ans = engine.answer(question)
    assert ans.answered and ans.models == [model], ans.why
