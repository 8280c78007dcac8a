"""The knowledge base covers every claim the article makes, in both languages, with quotes."""

from __future__ import annotations

import pytest

from bot.kb.quotes import SourceText
from bot.kb.schema import KnowledgeBase

# (model, aspect, text that must appear in the English fact, text in a cited quote)
ARTICLE_FACTS = [
    ("gpt-4o-mini", "pricing", "$0.15", "$0.15"),
    ("gpt-4o-mini", "pricing", "$0.60", "$0.60"),
    ("gpt-4o-mini", "release_date", "July 18", "7月18日"),
    ("gpt-4o-mini", "parameters", "not", "参数数量未指定"),
    ("gpt-4o-mini", "modalities", "vision", "视觉输入"),
    ("gpt-4o-mini", "modalities", "audio", "音频和视频"),
    ("gpt-4o-mini", "safety", "jailbreak", "越狱"),
    ("gpt-4o-mini", "safety", "prompt injection", "提示注入"),
    ("gpt-4o-mini", "main_use_case", "customer support", "客户支持"),
    ("llama-3.1-405b", "release_date", "July 23", "7月23日"),
    ("llama-3.1-405b", "training", "15 trillion", "15万亿"),
    ("llama-3.1-405b", "training", "16,000", "16,000个Nvidia H100"),
    ("llama-3.1-405b", "languages", "eight", "八种语言"),
    ("llama-3.1-405b", "languages", "Thai", "泰语"),
    ("llama-3.1-405b", "pricing", "50%", "50%成本"),
    ("llama-3.1-405b", "main_use_case", "synthetic data", "合成数据生成"),
    ("llama-3.1-405b", "origin", "Meta", "Meta"),
    ("mistral-large-2", "release_date", "July 24", "7月24日"),
    ("mistral-large-2", "parameters", "123B", "123B"),
    ("mistral-large-2", "languages", "80", "80多种编程语言"),
    ("mistral-large-2", "license", "non-commercial", "研究和非商业用途免费"),
    ("mistral-large-2", "origin", "French", "法国初创公司"),
    ("mistral-large-2", "strengths", "hallucination", "减少幻觉"),
    ("mistral-large-2", "main_use_case", "debugging", "调试"),
    ("deepseek-v2", "parameters", "236B", "236B MoE"),
    ("deepseek-v2", "license", "open", "开源模型"),
    ("deepseek-v2", "release_date", "May", "5月"),
]


@pytest.mark.parametrize(("model", "aspect", "text", "quote"), ARTICLE_FACTS)
def test_article_fact_is_present_and_cited(
    kb: KnowledgeBase, model: str, aspect: str, text: str, quote: str
) -> None:
    """Each fact the article states is in the model's file, with a supporting quote."""
    facts = [f for f in kb.models[model].facts if f.aspect == aspect]
    assert facts, f"{model} has no {aspect} fact"
    assert any(text.lower() in f.text.en.lower() for f in facts), [f.text.en for f in facts]
    quotes = [c.quote for f in facts for c in f.citations]
    assert any(quote in q for q in quotes), quotes


@pytest.mark.parametrize(
    ("topic", "text", "quote"),
    [
        ("timeline", "July 18", "7月18日"),
        ("china_landscape", "$700", "7亿美元"),
        ("china_landscape", "Moonshot", "昼夜不停"),
        ("prediction", "three months", "三个月"),
        ("prediction", "7 million", "700万"),
        ("not_covered", "context", ""),
    ],
)
def test_article_topics_are_present(kb: KnowledgeBase, topic: str, text: str, quote: str) -> None:
    """General claims (timeline, China, prediction, what is not said) are covered."""
    answer = kb.topics[topic].answer
    assert text.lower() in answer.en.lower()
    if quote:
        assert any(quote in c.quote for c in kb.topics[topic].citations)


def test_every_quote_is_verbatim(kb: KnowledgeBase) -> None:
    """Every citation anywhere is a verbatim (whitespace-normalised) passage of its source."""
    texts = {sid: SourceText(text) for sid, text in kb.source_texts.items()}
    citations = [c for m in kb.models.values() for f in m.facts for c in f.citations]
    citations += [c for u in kb.use_cases.values() for r in u.ranking for c in r.citations]
    citations += [c for t in kb.topics.values() for c in t.citations]
    assert len(citations) > 100
    for c in citations:
        # Verbatim in the text as written or as rendered (links, emphasis, table cells).
        assert texts[c.source].section_of(c.quote) is not None, c.quote


def test_typos_are_kept_in_quotes_and_fixed_in_summaries(kb: KnowledgeBase) -> None:
    """'Mistrial' and 'GTP-4o turbo' stay in quotes; summaries name things correctly."""
    quotes = [c.quote for m in kb.models.values() for f in m.facts for c in f.citations]
    assert any("Mistrial" in q for q in quotes)
    assert any("GTP-4o turbo" in q for q in quotes)
    for model in kb.models.values():
        for fact in model.facts:
            assert "Mistrial" not in fact.text.en.replace("'Mistrial'", "")


def test_summaries_do_not_paste_their_quotes(kb: KnowledgeBase) -> None:
    """Answer texts paraphrase; the verbatim quotes live only in citations."""
    for model in kb.models.values():
        for fact in model.facts:
            for c in fact.citations:
                assert c.quote not in fact.text.zh and c.quote not in fact.text.en, c.quote
    for uc in kb.use_cases.values():
        for ranked in uc.ranking:
            for c in ranked.citations:
                assert c.quote not in ranked.reason.zh, c.quote


def test_use_case_rankings_follow_the_article(kb: KnowledgeBase) -> None:
    """Each model's headline use case ranks it first."""
    expected = {
        "customer-support": "gpt-4o-mini",
        "edge-mobile": "gpt-4o-mini",
        "synthetic-data": "llama-3.1-405b",
        "privacy-industries": "llama-3.1-405b",
        "code-generation": "mistral-large-2",
        "debugging": "mistral-large-2",
        "math-reasoning": "mistral-large-2",
        "safety": "gpt-4o-mini",
    }
    for use_case, model in expected.items():
        assert kb.use_cases[use_case].ranking[0].model == model, use_case


def test_summaries_state_only_figures_their_facts_give(kb: KnowledgeBase) -> None:
    """Every figure in a model's summary (the overview answer) is in the facts it cites."""
    import re

    for model in kb.models.values():
        used = [f for f in model.facts if f.aspect in model.summary_aspects and f.stated]
        assert used, f"{model.id} names no summary_aspects"
        for lang in ("en", "zh"):
            summary = getattr(model.summary, lang)
            backing = " ".join(getattr(f.text, lang) for f in used)
            for figure in re.findall(r"\d[\d,.]*", summary):
                assert figure.rstrip(".,") in backing, (model.id, lang, figure)
