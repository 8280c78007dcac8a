"""The question-answering engine: entities, intents, answers, citations, follow-ups."""

from __future__ import annotations

import pytest

from bot.engine.context import Asker, ContextStore
from bot.engine.engine import Engine
from bot.kb.quotes import SourceText
from bot.kb.schema import KnowledgeBase
from bot.text.normalize import compact, has_cjk, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＧＰＴ－４ｏ　ｍｉｎｉ？", "gpt-4o mini?"),
        ("<@123456> which model???", "which model?"),
        ("**Mistral** _large_ 2 `now`", "mistral large 2 now"),
        ("llama 🦙🦙 price!!!", "llama price!"),
        ("多少钱？？？", "多少钱?"),
        ("see https://example.com please", "see please"),
        ("@everyone hi", "hi"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    """Normalisation folds width and case and strips mentions, markdown, emoji and links."""
    assert normalize(raw) == expected


def test_compact_joins_name_variants() -> None:
    """Spacing and punctuation variants of a name compact to the same key."""
    assert compact("GPT-4o mini") == compact("gpt4o-mini") == "gpt4omini"


def test_has_cjk() -> None:
    """Any Chinese character marks the question as Chinese."""
    assert has_cjk("GPT-4o mini 多少钱")
    assert not has_cjk("how much is GPT-4o mini?")
    assert not has_cjk("안녕하세요")  # Korean is not Chinese: the answer is in English


@pytest.mark.parametrize(
    ("question", "model"),
    [
        ("tell me about mistrall", "mistral-large-2"),
        ("what is lama 3.1", "llama-3.1-405b"),
        ("gpt4omini overview", "gpt-4o-mini"),
        ("4o-mini info", "gpt-4o-mini"),
        ("介绍一下羊驼", "llama-3.1-405b"),
        ("deepsek v2?", "deepseek-v2"),
        ("Mistral Large2 是什么", "mistral-large-2"),
        ("深度求索的模型", "deepseek-v2"),
    ],
)
def test_model_aliases_with_typos(engine: Engine, question: str, model: str) -> None:
    """Model names are recognised through aliases, spacing variants and typos."""
    ans = engine.answer(question)
    assert ans.answered, ans.answer
    assert ans.models == [model]


@pytest.mark.parametrize(
    "question",
    [
        "what do you think of claude 3.5?",
        "gemini pro price",
        "how much is gpt-4o?",
        "llama 2 parameters",
        "通义千问怎么样",
        "is mixtral good for code",
    ],
)
def test_models_outside_the_article_are_declined(engine: Engine, question: str) -> None:
    """Models the article does not cover are named as not covered, not answered about."""
    ans = engine.answer(question)
    assert not ans.answered
    assert ans.intent == "unknown_model"
    assert ans.models == []
    assert ans.citations == []


def test_gpt4o_mini_is_not_mistaken_for_gpt4o(engine: Engine) -> None:
    """The longer alias wins: 'gpt-4o mini' is the covered model, not GPT-4o."""
    ans = engine.answer("how much is gpt-4o mini?")
    assert ans.answered
    assert ans.models == ["gpt-4o-mini"]


@pytest.mark.parametrize(
    "question",
    [
        "what's the weather like today?",
        "tell me a joke",
        "帮我写一首诗",
        "what is 17×23",
        "hey, what's the weather?",
        "字节跳动的抖音怎么开直播",
        "how do I reverse a list in python",
        "今天股市怎么样",
        "recommend a good movie",
    ],
)
def test_off_topic_is_declined_without_model_facts(engine: Engine, question: str) -> None:
    """Off-topic questions are declined and never answered with a model fact."""
    ans = engine.answer(question)
    assert not ans.answered
    assert ans.citations == []
    assert ans.recommendations == []


@pytest.mark.parametrize(
    ("question", "best", "runner_up"),
    [
        ("which model for code debugging?", "mistral-large-2", None),
        ("best model for a customer support chatbot", "gpt-4o-mini", None),
        ("I need to generate synthetic training data", "llama-3.1-405b", None),
        ("which model is best at math?", "mistral-large-2", "deepseek-v2"),
        ("哪个模型适合写代码？", "mistral-large-2", "deepseek-v2"),
        ("手机上跑哪个模型好", "gpt-4o-mini", None),
    ],
)
def test_recommendations_follow_the_article(
    engine: Engine, question: str, best: str, runner_up: str | None
) -> None:
    """A recommendation names the article's best model first, then the runner-up."""
    ans = engine.answer(question)
    assert ans.intent == "recommend"
    assert ans.recommendations[0].model == best
    if runner_up:
        assert ans.recommendations[1].model == runner_up
    assert all(r.reason for r in ans.recommendations)
    assert ans.citations


def test_price_fact_in_chinese(engine: Engine) -> None:
    """'GPT-4o mini 多少钱？' gives the price in Chinese with the verbatim quote."""
    ans = engine.answer("GPT-4o mini 多少钱？")
    assert ans.intent == "fact" and ans.language == "zh"
    assert "0.15" in ans.answer and "0.60" in ans.answer
    assert any("$0.15" in c.quote for c in ans.citations)


def fact_text(kb: KnowledgeBase, model_id: str, aspect: str) -> str:
    """The English text of a model's fact about ``aspect``."""
    [fact] = [f for f in kb.models[model_id].facts if f.aspect == aspect]
    return fact.text.en


def test_price_without_a_per_token_figure_gives_the_cost_claim(
    engine: Engine, kb: KnowledgeBase
) -> None:
    """Llama has no per-token price in the article, but a cost claim: that is answered."""
    ans = engine.answer("how much does llama 3.1 405b cost?")
    assert ans.answered and ans.intent == "fact"
    # Several sources are loaded: the statement comes after the one source that makes it.
    assert ans.answer.endswith(fact_text(kb, "llama-3.1-405b", "pricing"))
    assert "AI Business Asia" in ans.answer
    assert "50%" in ans.answer and "no per-token price" in ans.answer
    assert any("50%" in c.quote for c in ans.citations)


@pytest.mark.parametrize(
    "question",
    [
        "what is the price per token of llama 3.1 405b?",
        "llama 3.1 405b api pricing per million tokens",
        "羊驼405b每百万token多少钱",
        "how much is mistral large 2's commercial license fee?",
        "how many GPUs was mistral large 2 trained on?",
    ],
)
def test_a_detail_the_fact_lacks_is_declined_with_what_it_gives(
    engine: Engine, question: str
) -> None:
    """Asking for the one detail a fact does not give ('lacks') is 'not stated', with the fact."""
    ans = engine.answer(question)
    assert not ans.answered and ans.intent == "not_stated"
    assert len(ans.models) == 1 and ans.citations


def test_an_undisclosed_figure_the_article_mentions_is_a_fact(
    engine: Engine, kb: KnowledgeBase
) -> None:
    """The article says GPT-4o mini's parameter count is not disclosed: answered, quoted."""
    ans = engine.answer("how many parameters does gpt-4o mini have")
    assert ans.answered and ans.intent == "fact"
    # Several sources are loaded: the statement comes after the one source that makes it.
    assert ans.answer.endswith(fact_text(kb, "gpt-4o-mini", "parameters"))
    assert "AI Business Asia" in ans.answer
    assert any("参数数量未指定" in c.quote for c in ans.citations)


def test_an_aspect_the_article_leaves_out_is_declined_with_what_it_does_say(
    engine: Engine, kb: KnowledgeBase
) -> None:
    """DeepSeek-V2's price is not in the article: declined (not_stated), saying what is."""
    ans = engine.answer("how much does deepseek v2 cost?")
    assert not ans.answered and ans.intent == "not_stated"
    assert ans.models == ["deepseek-v2"] and ans.aspect == "pricing"
    # Several sources are loaded: the statement comes after the one source that makes it.
    assert ans.answer.endswith(fact_text(kb, "deepseek-v2", "pricing"))
    assert "AI Business Asia" in ans.answer
    assert ans.citations  # what it does say is still quoted


def test_compare_two_models(engine: Engine) -> None:
    """'compare llama and mistral' is a comparison about both models."""
    ans = engine.answer("compare llama and mistral")
    assert ans.intent == "compare"
    assert ans.models == ["llama-3.1-405b", "mistral-large-2"]
    assert ans.citations


def test_compare_on_an_aspect_marks_unstated_cells(engine: Engine) -> None:
    """A price comparison says where the article gives no price."""
    ans = engine.answer("gpt-4o mini vs mistral large 2 price")
    assert ans.intent == "compare"
    assert ans.table["gpt-4o-mini"]["pricing"].stated
    assert all(c.quote not in ans.answer for c in ans.citations)  # quotes stay in citations
    assert "0.15" in ans.table["gpt-4o-mini"]["pricing"].text


def test_compare_for_a_use_case_ranks_the_named_models(engine: Engine) -> None:
    """'llama or mistral for coding?' ranks just those two for the job; 'llama vs mistral
    for coding' ranks them too, beside their strengths."""
    ans = engine.answer("llama or mistral for coding?")
    assert ans.intent == "recommend"
    assert [r.model for r in ans.recommendations] == ["mistral-large-2", "llama-3.1-405b"]
    ans = engine.answer("llama vs mistral for coding")
    assert ans.intent == "compare"
    assert [r.model for r in ans.recommendations] == ["mistral-large-2", "llama-3.1-405b"]


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("what is the article about?", "overview"),
        ("when were the three models released?", "timeline"),
        ("what did the author predict?", "prediction"),
        ("how much did baichuan raise?", "china_landscape"),
        ("百川A轮融了多少钱", "china_landscape"),
        ("开源和闭源之争", "open_vs_closed"),
        ("文章没有提到什么？", "not_covered"),
    ],
)
def test_topics(engine: Engine, question: str, topic: str) -> None:
    """General questions about the article get the matching topic answer."""
    ans = engine.answer(question)
    assert ans.intent == "topic"
    assert ans.topic == topic


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("hi", "greeting"),
        ("你好", "greeting"),
        ("hello there bot 👋", "greeting"),
        ("what can you do?", "help"),
        ("帮助", "help"),
        ("yo bot how do i use u", "help"),
        ("这个机器人能干嘛", "help"),
    ],
)
def test_small_talk(engine: Engine, question: str, intent: str) -> None:
    """Greetings and help requests get their own answers."""
    assert engine.answer(question).intent == intent


def test_follow_up_uses_the_previous_model(engine: Engine) -> None:
    """'how many parameters does it have?' after Mistral answers about Mistral."""
    asker = Asker("c1", "u1")
    engine.answer("tell me about mistral large 2", asker)
    ans = engine.answer("how many parameters does it have?", asker)
    assert ans.models == ["mistral-large-2"]
    assert ans.aspect == "parameters"
    assert "123" in ans.answer


def test_chinese_follow_up_price(engine: Engine) -> None:
    """'它的价格呢？' after GPT-4o mini gives its price, in Chinese."""
    asker = Asker("c1", "u2")
    engine.answer("GPT-4o mini 是什么", asker)
    ans = engine.answer("它的价格呢？", asker)
    assert ans.models == ["gpt-4o-mini"] and ans.aspect == "pricing"
    assert ans.language == "zh"


def test_and_llama_keeps_the_aspect(engine: Engine) -> None:
    """'and llama?' after a fact keeps the aspect and switches the model."""
    asker = Asker("c1", "u3")
    engine.answer("when was mistral large 2 released?", asker)
    ans = engine.answer("and llama?", asker)
    assert ans.models == ["llama-3.1-405b"]
    assert ans.aspect == "release_date"


def test_context_is_per_channel_and_user(engine: Engine) -> None:
    """Another user, or the same user elsewhere, does not inherit the context."""
    engine.answer("tell me about mistral large 2", Asker("c1", "alice"))
    assert not engine.answer("how many parameters does it have?", Asker("c1", "bob")).answered
    assert not engine.answer("how many parameters does it have?", Asker("c2", "alice")).answered
    assert engine.answer("how many parameters does it have?", Asker("c1", "alice")).answered


def test_context_expires(kb: KnowledgeBase) -> None:
    """Context older than the TTL is forgotten."""
    now = [0.0]
    engine = Engine(kb, ContextStore(ttl_seconds=600, clock=lambda: now[0]))
    asker = Asker("c", "u")
    engine.answer("tell me about mistral large 2", asker)
    now[0] = 601.0
    assert not engine.answer("how many parameters does it have?", asker).answered


def test_context_store_is_bounded() -> None:
    """The context map never holds more than its maximum number of askers."""
    from bot.engine.context import Context

    store = ContextStore(max_entries=3)
    for i in range(10):
        store.put(Asker("c", str(i)), Context(models=["x"]))
    assert len(store) == 3
    assert store.get(Asker("c", "0")) is None
    assert store.get(Asker("c", "9")) is not None


def test_unsure_question_offers_suggestions(engine: Engine) -> None:
    """A vague in-domain question is not answered but gets 'did you mean' suggestions."""
    ans = engine.answer("hallucination stuff?")
    assert not ans.answered
    assert 1 <= len(ans.suggestions) <= 3
    assert ans.citations == [] and ans.recommendations == []


def test_suggestions_are_answerable(engine: Engine) -> None:
    """Each suggestion, asked as a question, is answered."""
    ans = engine.answer("model stuff?")
    assert ans.suggestions
    for suggestion in ans.suggestions:
        assert Engine(engine.kb).answer(suggestion).answered, suggestion


QUESTIONS = [
    "which model for code debugging?",
    "GPT-4o mini 多少钱？",
    "compare llama and mistral",
    "what languages does llama support",
    "mistral large 2 参数量",
    "is mistral large 2 open source?",
    "deepseek v2 是谁做的",
    "what is the conclusion of the article",
    "哪个模型适合做客服",
    "gpt-4o mini safety features",
    "mistral large 2 license",
    "llama 3.1 训练用了多少 GPU",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_citations_are_verbatim_and_answers_are_in_the_askers_language(
    engine: Engine, question: str
) -> None:
    """Every cited quote is verbatim in its source; the summary holds no quotes."""
    ans = engine.answer(question)
    assert ans.answered, question
    assert ans.language == ("zh" if has_cjk(question) else "en")
    assert 0.0 <= ans.confidence <= 1.0
    assert ans.citations
    for citation in ans.citations:
        source = SourceText(engine.kb.source_texts[citation.source])
        assert source.section_of(citation.quote) is not None  # verbatim, as written or rendered
        assert citation.section
        assert citation.quote not in ans.answer
    if ans.language == "en":
        assert not has_cjk(ans.answer)


def test_answers_are_short(engine: Engine) -> None:
    """Answers stay a few sentences long."""
    for question in QUESTIONS:
        assert len(engine.answer(question).answer) < 1200, question


def test_answer_is_deterministic(kb: KnowledgeBase) -> None:
    """The same question gives the same answer."""
    first = Engine(kb).answer("which model for code debugging?").to_contract()
    second = Engine(kb).answer("which model for code debugging?").to_contract()
    assert first == second


def test_answer_threshold_turns_weak_answers_into_suggestions(kb: KnowledgeBase) -> None:
    """Below the answer threshold the would-be answer is offered as 'did you mean', not given."""
    from bot.engine.engine import Thresholds

    strict = Engine(kb, thresholds=Thresholds(answer=0.99, suggest=0.3))
    ans = strict.answer("tell me about mistrall")  # a typo: the match is fuzzy
    assert not ans.answered and ans.intent is None
    assert ans.suggestions[0] == "Mistral Large 2"
    assert Engine(kb).answer(ans.suggestions[0]).answered


def test_concurrent_askers_do_not_corrupt_context(kb: KnowledgeBase) -> None:
    """Answers from many threads (as on Discord) keep each asker's context intact."""
    from concurrent.futures import ThreadPoolExecutor

    engine = Engine(kb, ContextStore(max_entries=50))

    def dialogue(i: int) -> list[str]:
        asker = Asker("c", f"user{i}")
        engine.answer("tell me about mistral large 2", asker)
        return engine.answer("how many parameters does it have?", asker).models

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(dialogue, range(40)))
    assert all(models == ["mistral-large-2"] for models in results)


def test_compare_all_on_an_aspect_ignores_single_model_context(engine: Engine) -> None:
    """'compare all three on languages' compares every model even after a one-model answer."""
    asker = Asker("c", "cmp")
    engine.answer("哪个模型最适合做客服？", asker)
    ans = engine.answer("compare all three on languages", asker)
    assert ans.intent == "compare" and ans.aspect == "languages"
    assert len(ans.models) >= 3


@pytest.mark.parametrize(
    "question", ["what is a llama's natural habitat?", "how long do llamas live?", "羊驼一般吃什么"]
)
def test_model_names_in_unrelated_questions_are_not_answered(engine: Engine, question: str) -> None:
    """A model's name inside a question about something else is not an overview request."""
    ans = engine.answer(question)
    assert not ans.answered
    assert ans.citations == []


def test_follow_up_keeps_the_job_of_a_recommendation(engine: Engine) -> None:
    """'and llama?' after a recommendation says where the article puts Llama for that job."""
    asker = Asker("c", "job")
    engine.answer("which model for debugging?", asker)
    ans = engine.answer("and llama?", asker)
    assert ans.answered and ans.models == ["llama-3.1-405b"]
    assert "For debugging" in ans.answer and "Mistral Large 2" in ans.answer
    assert engine.answer("what about gpt-4o mini?", asker).models == ["gpt-4o-mini"]
