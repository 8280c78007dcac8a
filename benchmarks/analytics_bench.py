"""Measure what analytics costs an answer, and how long grouping misses takes; print tables.

Run from the repository root: ``python benchmarks/analytics_bench.py``.

1. Caller-side latency of ``record_question`` (p50/p99/max) for a burst of 2,000 records
   from 8 threads, and the time until all rows are committed, with each commit made slow
   (0, 20 ms, and 50 ms as a stand-in for a slow fsync). For contrast, the old design
   (insert + commit on the caller's thread under one lock) on a shorter burst.
2. ``miss_clusters`` over 1,500 stored misses, mixed English and Chinese.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.analytics import Analytics  # noqa: E402

BURST = 2000
THREADS = 8
OLD_DESIGN_BURST = 200


def slow_commits(delay: float) -> type[sqlite3.Connection]:
    """A connection class whose every commit takes ``delay`` seconds longer."""

    class SlowCommit(sqlite3.Connection):
        def commit(self) -> None:
            time.sleep(delay)
            super().commit()

    return SlowCommit


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def fields(i: int) -> dict[str, Any]:
    return {
        "question": f"which model is best for task number {i}?",
        "user_id": 100000000000000000 + i % 50,
        "language": "en",
        "intent": None,
        "confidence": 0.2,
        "answered": False,
        "latency_ms": 1.0,
        "guild_id": 1,
        "channel_id": 2,
        "suggestions": ("code debugging",),
    }


def burst(record: Any, total: int) -> tuple[list[float], float]:
    """Call ``record(i)`` ``total`` times from THREADS threads; per-call seconds and wall time."""
    latencies: list[float] = []
    lock = threading.Lock()
    per_thread = total // THREADS

    def work(n: int) -> None:
        mine = []
        for i in range(n * per_thread, (n + 1) * per_thread):
            started = time.perf_counter()
            record(i)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - started


def bench_writer(directory: Path, delay: float) -> dict[str, float]:
    store = Analytics(
        directory / f"writer-{delay}.sqlite3",
        salt="bench",
        connection_factory=slow_commits(delay),
    )
    started = time.perf_counter()
    latencies, _ = burst(lambda i: store.record_question(**fields(i)), BURST)
    assert store.flush(timeout=600)
    durable = time.perf_counter() - started
    dropped = store.dropped
    store.close()
    return {
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "max": max(latencies),
        "durable": durable,
        "dropped": dropped,
        "calls": len(latencies),
    }


def bench_old_design(directory: Path, delay: float) -> dict[str, float]:
    """What every answer paid before: insert + commit under a global lock, on its own thread."""
    path = directory / f"old-{delay}.sqlite3"
    Analytics(path, salt="bench").close()  # same schema
    conn = sqlite3.connect(path, check_same_thread=False, factory=slow_commits(delay))
    lock = threading.Lock()

    def record(i: int) -> None:
        f = fields(i)
        with lock:
            conn.execute(
                "INSERT INTO questions (id, asked_at, user_hash, question, language, confidence,"
                " answered, latency_ms) VALUES (?, ?, 'h', ?, 'en', 0.2, 0, 1.0)",
                (i + 1, time.time(), f["question"]),
            )
            conn.commit()

    latencies, wall = burst(record, OLD_DESIGN_BURST)
    conn.close()
    return {
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "max": max(latencies),
        "durable": wall,
        "dropped": 0,
        "calls": len(latencies),
    }


# -- realistic misses ---------------------------------------------------------------------

EN_TOPICS = [
    ["what's the weather today", "how is the weather", "weather forecast for tomorrow"],
    ["tell me a joke", "say something funny", "do you know any jokes"],
    ["which stock should i buy", "best stocks right now", "stock tips please"],
    ["which model writes the best poems", "best llm for poetry", "model for writing poems"],
    ["best model for legal documents", "which llm for contract review", "legal document model"],
    ["how do i run llama locally", "can i run llama 3.1 on my laptop", "llama local setup"],
    ["when is gpt-5 coming out", "gpt 5 release date", "is gpt-5 out yet"],
    ["which model is best at image generation", "can these models make pictures", "image model"],
    ["how much vram do i need for llama 405b", "gpu requirements for llama 405b", "vram for 405b"],
    ["is claude better than gpt-4o mini", "claude vs gpt-4o mini", "compare claude and gpt"],
    ["what is the capital of france", "capital city of france", "france capital"],
    ["help me with my math homework", "solve this equation for me", "can you do my homework"],
    ["how do i fine tune mistral large 2", "fine tuning mistral", "mistral fine-tune guide"],
    ["which model supports function calling", "tool use support", "function calling models"],
    ["recommend a good pizza recipe", "how to make pizza dough", "pizza recipe please"],
    ["who won the football game", "latest football scores", "football results today"],
    ["is deepseek safe to use", "deepseek privacy concerns", "can i trust deepseek"],
    ["what is the context window of gemini", "gemini context length", "gemini 1.5 context"],
]
ZH_TOPICS = [
    ["今天天气怎么样", "今天的天气如何", "明天天气预报"],
    ["讲个笑话", "给我讲一个笑话吧", "说个笑话听听"],
    ["推荐一只股票", "股票推荐", "现在买什么股票好"],
    ["哪个模型写诗最好", "写诗用什么模型好", "适合写诗的模型"],
    ["法律文件用哪个模型", "哪个模型适合处理法律文书", "合同审查用什么模型"],
    ["怎么在本地运行羊驼", "本地部署 llama 需要什么配置", "llama 本地运行教程"],
    ["GPT-5 什么时候发布", "GPT-5 发布时间", "GPT5 出了吗"],
    ["哪个模型能画图", "能生成图片的模型", "图像生成用哪个模型"],
    ["文心一言和 DeepSeek 哪个好", "文心一言怎么样", "对比文心一言和通义千问"],
    ["帮我写作业", "这道数学题怎么做", "帮我解这个方程"],
    ["怎么微调 Mistral", "Mistral 微调教程", "如何微调大模型"],
    ["DeepSeek 安全吗", "DeepSeek 会不会泄露数据", "用 DeepSeek 隐私有保障吗"],
]
ONE_OFFS = ["what about the {a} {b} and {c}?", "is a {a} faster than a {b}", "{a} {b} {c}"]
FILLERS = ["", "", "", "hey bot ", "pls ", "quick question: ", "um ", "@everyone "]
# One-off questions draw from a wide vocabulary, so they rarely share more than a word.
WORDS = (
    "banana quantum river violin tractor galaxy pencil marathon volcano sandwich helmet "
    "lantern compass orchid saxophone glacier tornado pyramid kettle meteor walrus cactus "
    "origami submarine trombone avalanche blueprint cathedral dolphin eclipse falcon "
    "geyser hammock iceberg jigsaw kayak labyrinth mosaic nebula oasis parachute quiver "
    "raccoon scaffold tapestry umbrella vineyard waffle xylophone yacht zeppelin anchor "
    "biscuit canyon dandelion emerald fjord gondola harbor igloo jasmine koala lagoon "
    "mandolin nutmeg octopus pelican quartz rhubarb sphinx tundra unicorn velvet wombat"
).split()


def typo(rng: random.Random, text: str) -> str:
    if len(text) < 6 or rng.random() < 0.6:
        return text
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1 :] if rng.random() < 0.5 else text[:i] + text[i] + text[i:]


def realistic_misses(n: int, seed: int = 7) -> list[tuple[str, str]]:
    """(question, language) pairs: paraphrases with typos and filler, plus one-offs."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.55:
            text = FILLERS[rng.randrange(len(FILLERS))] + rng.choice(rng.choice(EN_TOPICS))
            out.append((typo(rng, text), "en"))
        elif roll < 0.85:
            out.append((rng.choice(rng.choice(ZH_TOPICS)), "zh"))
        else:
            a, b, c = rng.sample(WORDS, 3)
            out.append((rng.choice(ONE_OFFS).format(a=a, b=b, c=c), "en"))
    return out


def bench_clusters(directory: Path, n: int = 1500) -> dict[str, float]:
    store = Analytics(directory / "misses.sqlite3", salt="bench")
    for i, (text, language) in enumerate(realistic_misses(n)):
        store.record_question(
            question=text,
            user_id=i % 97,
            language=language,
            intent=None,
            confidence=0.1,
            answered=False,
            latency_ms=1.0,
            guild_id=1,
            channel_id=2,
        )
    assert store.flush(timeout=60)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        clusters = store.miss_clusters(limit=10_000)
        timings.append(time.perf_counter() - started)
    covered = sum(c.count for c in clusters)
    biggest = clusters[0]
    store.close()
    return {
        "best": min(timings),
        "median": statistics.median(timings),
        "clusters": len(clusters),
        "misses": covered,
        "biggest": biggest.count,
        "biggest_text": biggest.representative,  # type: ignore[dict-item]
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        print(f"record_question: burst of {BURST} from {THREADS} threads (background writer)")
        print(f"{'commit delay':>12}  {'p50 µs':>8}  {'p99 µs':>8}  {'max µs':>8}  "
              f"{'all durable':>11}  {'dropped':>7}")  # fmt: skip
        for delay in (0.0, 0.020, 0.050):
            r = bench_writer(directory, delay)
            print(
                f"{delay * 1000:>9.0f} ms  {r['p50'] * 1e6:>8.1f}  {r['p99'] * 1e6:>8.1f}  "
                f"{r['max'] * 1e6:>8.1f}  {r['durable']:>9.2f} s  {r['dropped']:>7.0f}"
            )
        print(
            f"\nold design (insert + commit on the caller's thread under one lock), "
            f"burst of {OLD_DESIGN_BURST} from {THREADS} threads"
        )
        header = ("commit delay", "p50 ms", "p99 ms", "max ms", "all durable")
        print("  ".join(f"{h:>{w}}" for h, w in zip(header, (12, 8, 8, 8, 11), strict=True)))
        for delay in (0.0, 0.020):
            r = bench_old_design(directory, delay)
            print(
                f"{delay * 1000:>9.0f} ms  {r['p50'] * 1e3:>8.2f}  {r['p99'] * 1e3:>8.2f}  "
                f"{r['max'] * 1e3:>8.2f}  {r['durable']:>9.2f} s"
            )
        c = bench_clusters(directory)
        print(
            f"\nmiss_clusters over {c['misses']:.0f} stored misses (English/Chinese): "
            f"best {c['best'] * 1000:.0f} ms, median {c['median'] * 1000:.0f} ms; "
            f"{c['clusters']:.0f} clusters, the biggest ×{c['biggest']:.0f} "
            f"({c['biggest_text']!r})"
        )


if __name__ == "__main__":
    main()
