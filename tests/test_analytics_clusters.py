"""Missed questions for the teach loop: what counts as a miss, clustering, ignore, determinism."""

from __future__ import annotations

import json
import logging
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.analytics import Analytics, format_clusters
from bot.analytics import clusters as clusters_module
from bot.analytics.clusters import MAX_CANDIDATES, MAX_EXEMPLARS, Miss, MissCluster, group_misses
from tests.test_analytics import Clock, rows
from tests.test_analytics import ask as record

ROOT = Path(__file__).resolve().parents[1]
DAY = 86_400.0
T0 = Clock().now

EN_GROUPS = [
    [
        "what's the weather",
        "whats the weather?",
        "What is the weather like",
        "how is the wether today",
    ],
    ["tell me a joke", "tell me a joke!", "tel me a joke pls", "can you tell me a funny joke"],
    [
        "which model is best for writing poems",
        "best model for poetry writing",
        "which llm writes the best poems",
    ],
    ["best model for legal documents", "which model for legal document review"],
    ["who is the president", "who is the US president?"],
]
EN_SINGLES = ["stock tips", "what is the meaning of life", "how do I fine tune llama"]
ZH_GROUPS = [
    ["今天天气怎么样", "今天的天气如何"],
    ["讲个笑话", "给我讲一个笑话吧", "说个笑话"],
    ["推荐一只股票", "股票推荐"],
    ["哪个模型写诗最好", "写诗用什么模型好"],
]
ZH_SINGLES = ["法律文件用哪个模型", "模型价格", "明天会下雨吗"]


def misses_of(texts: list[str]) -> list[Miss]:
    """Declined misses, one per text, in the given order, from three users."""
    return [
        Miss(i, T0 + i, text, "zh" if any("\u4e00" <= c <= "\u9fff" for c in text) else "en",
             f"user{i % 3}", ("declined",))
        for i, text in enumerate(texts)
    ]  # fmt: skip


def partition(groups: list[list[Miss]]) -> set[frozenset[str]]:
    """The clustering as a set of sets of texts (order-free)."""
    return {frozenset(m.text for m in group) for group in groups}


@pytest.fixture
def clock() -> Clock:
    """A hand-moved clock starting at T0."""
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[Analytics]:
    """An analytics store on a fresh file with a hand-moved clock."""
    analytics = Analytics(tmp_path / "a.sqlite3", salt="s", clock=clock)
    yield analytics
    analytics.close()


def ask(store: Analytics, question: str, **extra: Any) -> int:
    """Record a question (see tests.test_analytics.ask); its id."""
    qid = record(store, question, **extra)
    assert qid is not None
    return qid


# -- clustering (pure) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("groups", "singles"),
    [
        (EN_GROUPS, EN_SINGLES),
        (ZH_GROUPS, ZH_SINGLES),
        (EN_GROUPS + ZH_GROUPS, EN_SINGLES + ZH_SINGLES),
    ],
    ids=["english", "chinese", "mixed"],
)
def test_paraphrases_and_typos_group_and_unrelated_stay_apart(
    groups: list[list[str]], singles: list[str]
) -> None:
    """Each set of paraphrases (with typos) is one cluster; unrelated questions are alone."""
    texts = [t for g in groups for t in g] + singles
    random.Random(3).shuffle(texts)
    expected = {frozenset(g) for g in groups} | {frozenset([s]) for s in singles}
    assert partition(group_misses(misses_of(texts))) == expected


def test_comparisons_are_bounded_by_blocking(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each question is scored against a bounded number of candidates, never all others."""
    calls = 0
    real = clusters_module._Scorer.similarity

    def counting(self: Any, a: Any, b: Any) -> float:
        nonlocal calls
        calls += 1
        return real(self, a, b)

    monkeypatch.setattr(clusters_module._Scorer, "similarity", counting)
    # 1,000 different questions that all share the word "model".
    texts = [f"model for task{i} with option{i * 7919 % 1000}" for i in range(1000)]
    group_misses(misses_of(texts))
    assert calls <= len(texts) * MAX_CANDIDATES * MAX_EXEMPLARS
    assert calls < len(texts) * (len(texts) - 1) // 2 // 5


def test_cluster_summary_fields() -> None:
    """A cluster reports its count, distinct users, languages, last time and examples."""
    texts = ["tell me a joke", "tell me a joke", "tell me a joke!", "tel me a joke pls",
             "can you tell me a funny joke", "tell me a joke please", "any joke?"]  # fmt: skip
    misses = misses_of(texts)
    [cluster] = clusters_module.miss_clusters(misses)
    assert cluster.count == 7
    assert cluster.users == 3
    assert cluster.languages == ("en",)
    assert cluster.last_seen == max(m.at for m in misses)
    assert cluster.representative == "tell me a joke"  # the most frequent phrasing
    assert cluster.examples[0] == cluster.representative
    assert len(cluster.examples) == 5 == len(set(cluster.examples))
    assert cluster.reasons == (("declined", 7),)


def test_clusters_are_ordered_by_size_then_recency() -> None:
    """Bigger clusters first; equal sizes put the most recently seen first."""
    texts = ["stock tips", "tell me a joke", "tell me a joke!", "who is the president"]
    found = clusters_module.miss_clusters(misses_of(texts))
    assert [c.representative for c in found] == [
        "tell me a joke!",
        "who is the president",
        "stock tips",
    ]


def test_limit_keeps_the_biggest_clusters() -> None:
    """``limit`` keeps only the largest clusters."""
    texts = ["stock tips", "tell me a joke", "tell me a joke!", "who is the president"]
    assert [c.count for c in clusters_module.miss_clusters(misses_of(texts), limit=1)] == [2]


def test_same_input_gives_the_same_output_in_any_order() -> None:
    """Clusters, keys and their order depend only on the misses, not on the order given."""
    texts = [t for g in EN_GROUPS + ZH_GROUPS for t in g] + EN_SINGLES + ZH_SINGLES
    misses = misses_of(texts)
    first = clusters_module.miss_clusters(misses)
    shuffled = misses[:]
    random.Random(11).shuffle(shuffled)
    assert clusters_module.miss_clusters(shuffled) == first
    assert clusters_module.miss_clusters(misses) == first


CLUSTER_SCRIPT = """
import json, sys
from tests.test_analytics_clusters import EN_GROUPS, ZH_GROUPS, EN_SINGLES, ZH_SINGLES, misses_of
from bot.analytics.clusters import miss_clusters
texts = [t for g in EN_GROUPS + ZH_GROUPS for t in g] + EN_SINGLES + ZH_SINGLES
print(json.dumps([[c.key, list(c.examples), c.count] for c in miss_clusters(misses_of(texts))]))
"""


def test_output_does_not_depend_on_the_hash_seed() -> None:
    """Two processes with different string-hash seeds produce identical clusters."""
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(
            [sys.executable, "-c", CLUSTER_SCRIPT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.append(json.loads(proc.stdout))
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == len(EN_GROUPS + ZH_GROUPS) + len(EN_SINGLES + ZH_SINGLES)


def test_format_clusters() -> None:
    """The text report shows count, representative, users, two more phrasings, pick and target."""
    cluster = MissCluster(
        key="k",
        representative="what's the weather",
        examples=("what's the weather", "whats the weather?", "weather?", "wether"),
        count=3,
        users=2,
        languages=("en",),
        last_seen=T0,
        picked="code debugging",
        target=("use_case:debugging", "Code debugging"),
    )
    assert format_clusters([cluster]) == "\n".join(
        [
            "Most frequent missed questions (declined, unsure, 👎 or a suggestion picked):",
            " 1. ×3  what's the weather  (2 users)",
            "       ~ whats the weather?",
            "       ~ weather?",
            "       picked: code debugging",
            "       teach: Code debugging (use_case:debugging)",
        ]
    )


def test_format_no_clusters() -> None:
    """No clusters gives a friendly one-liner."""
    assert format_clusters([]) == "No missed questions recorded yet."


# -- what counts as a miss (store) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("answered", "confidence", "suggestions", "included"),
    [
        (False, 0.95, (), True),  # declined, whatever the confidence
        (False, 0.1, (), True),
        (False, 0.4, ("code debugging",), True),  # "did you mean" shown
        (True, 0.30, (), True),  # answered, but with low confidence
        (True, 0.55, (), False),  # at the threshold counts as confident
        (True, 0.95, (), False),
    ],
)
def test_which_answers_are_misses(
    store: Analytics,
    answered: bool,
    confidence: float,
    suggestions: tuple[str, ...],
    included: bool,
) -> None:
    """Declined, unsure and low-confidence answers are misses; confident answers are not."""
    ask(store, "what is the weather", answered=answered, confidence=confidence,
        suggestions=suggestions)  # fmt: skip
    assert bool(store.miss_clusters()) is included


def test_thumbs_down_makes_a_miss_and_a_later_thumbs_up_undoes_it(store: Analytics) -> None:
    """👎 on a confident answer makes it a miss; the same user's later 👍 replaces the vote."""
    qid = ask(store, "which model for chatbots?", answered=True, confidence=0.9)
    assert store.miss_clusters() == []
    store.record_feedback(question_id=qid, user_id=7, helpful=False)
    [cluster] = store.miss_clusters()
    assert cluster.reasons == (("down", 1),)
    store.record_feedback(question_id=qid, user_id=7, helpful=True)
    assert store.miss_clusters() == []


def test_picked_suggestion_is_reported(store: Analytics) -> None:
    """A clicked suggestion makes a miss, and the cluster names the most picked one."""
    for user, pick in ((1, "code debugging"), (2, "code debugging"), (3, "chatbots")):
        qid = ask(store, "model for my code?", user_id=user, answered=True, confidence=0.9)
        store.record_pick(question_id=qid, user_id=user, suggestion=pick)
    [cluster] = store.miss_clusters()
    assert cluster.picked == "code debugging"
    assert cluster.count == 3 and cluster.users == 3
    assert dict(cluster.reasons)["picked"] == 3


def test_misses_are_listed_per_server(store: Analytics) -> None:
    """With a guild id, only that server's misses are clustered; without, every server's."""
    for guild, question in ((1, "weather in paris"), (2, "stock tips"), (None, "dm question")):
        ask(store, question, guild_id=guild)
    assert [c.representative for c in store.miss_clusters(guild_id=1)] == ["weather in paris"]
    assert len(store.miss_clusters()) == 3


def test_since_limits_the_window(store: Analytics, clock: Clock) -> None:
    """Only misses since ``since`` are clustered."""
    ask(store, "old question about stocks")
    clock.now += 2 * DAY
    ask(store, "new question about weather")
    assert [c.representative for c in store.miss_clusters(since=T0 + DAY)] == [
        "new question about weather"
    ]


def test_target_comes_from_the_injected_suggest(tmp_path: Path) -> None:
    """``suggest`` maps each cluster's representative to a knowledge entry."""
    seen = []

    def suggest(text: str) -> tuple[str, str] | None:
        seen.append(text)
        return ("use_case:debugging", "Code debugging") if "code" in text else None

    store = Analytics(tmp_path / "a.sqlite3", salt="s", suggest=suggest)
    ask(store, "model for fixing my code")
    ask(store, "tell me a joke")
    targets = {c.representative: c.target for c in store.miss_clusters()}
    store.close()
    assert targets == {
        "model for fixing my code": ("use_case:debugging", "Code debugging"),
        "tell me a joke": None,
    }
    assert sorted(seen) == sorted(targets)


def test_a_failing_suggest_leaves_the_target_empty(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An exception in ``suggest`` is logged and the cluster is still listed."""

    def broken(text: str) -> tuple[str, str] | None:
        raise RuntimeError("engine exploded")

    store = Analytics(tmp_path / "a.sqlite3", salt="s", suggest=broken)
    ask(store, "tell me a joke")
    with caplog.at_level(logging.ERROR):
        [cluster] = store.miss_clusters()
    store.close()
    assert cluster.target is None
    assert "suggest" in caplog.text


# -- ignore ---------------------------------------------------------------------------------


def test_ignored_cluster_stays_hidden_across_reopen_and_new_paraphrases(
    tmp_path: Path, clock: Clock
) -> None:
    """An ignored cluster never comes back: not after a restart, not when new misses join it
    long after the ones it was ignored for are gone."""
    path = tmp_path / "a.sqlite3"
    store = Analytics(path, salt="s", clock=clock)
    for question in ("tell me a joke", "tell me a joke!", "what's the weather"):
        ask(store, question)
    joke = next(c for c in store.miss_clusters() if "joke" in c.representative)
    assert store.ignore_cluster(joke.key, actor=42, guild_id=111)
    assert [c.representative for c in store.miss_clusters(guild_id=111)] == ["what's the weather"]
    store.close()

    clock.now += 40 * DAY  # past retention: the original questions' text is pruned
    reopened = Analytics(path, salt="s", clock=clock)
    ask(reopened, "tel me a joke pls")  # new paraphrases join the ignored cluster
    ask(reopened, "can you tell me a funny joke")
    ask(reopened, "how is the weather")
    remaining = [c.representative for c in reopened.miss_clusters(guild_id=111)]
    reopened.close()
    assert remaining == ["how is the weather"]


def test_ignore_is_per_server(store: Analytics) -> None:
    """Ignoring a cluster in one server leaves the same questions visible in another."""
    ask(store, "tell me a joke", guild_id=1)
    ask(store, "tell me a joke", guild_id=2)
    [cluster] = store.miss_clusters(guild_id=1)
    assert store.ignore_cluster(cluster.key, actor=42, guild_id=1)
    assert store.miss_clusters(guild_id=1) == []
    assert [c.count for c in store.miss_clusters(guild_id=2)] == [1]


def test_ignore_stores_the_admin_hashed(store: Analytics, tmp_path: Path) -> None:
    """Who ignored a cluster is kept as a salted hash, like every user id."""
    ask(store, "tell me a joke")
    [cluster] = store.miss_clusters()
    assert store.ignore_cluster(cluster.key, actor=987654321012345678)
    assert rows(tmp_path / "a.sqlite3", "SELECT ignored_by FROM ignored_clusters") == [
        (store.hash_user(987654321012345678),)
    ]


def test_ignoring_an_unknown_key_returns_false(store: Analytics) -> None:
    """A key that matches no cluster is refused."""
    ask(store, "tell me a joke")
    assert store.ignore_cluster("no-such-key", actor=42) is False
    assert len(store.miss_clusters()) == 1


def test_a_key_found_without_listing_first_can_be_ignored(tmp_path: Path) -> None:
    """A key from an earlier process (not listed here yet) is still found and ignored."""
    path = tmp_path / "a.sqlite3"
    first = Analytics(path, salt="s")
    ask(first, "tell me a joke")
    [cluster] = first.miss_clusters()
    first.close()
    second = Analytics(path, salt="s")
    assert second.ignore_cluster(cluster.key, actor=42)
    assert second.miss_clusters() == []
    second.close()
