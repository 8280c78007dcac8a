"""Measure load time, answer latency, CLI startup and memory; print a table.

Run from the repository root: ``python benchmarks/bench.py``. Targets (issue #3):
p99 < 2 ms on the shipped knowledge base, < 10 ms at 20x its size, startup < 0.6 s.
"""

from __future__ import annotations

import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.engine.context import Asker  # noqa: E402
from bot.engine.engine import Engine  # noqa: E402
from bot.kb.loader import check_directory  # noqa: E402

KNOWLEDGE = ROOT / "knowledge"
QUESTION_FILES = [
    ROOT / "tests" / "eval" / f for f in ("questions.jsonl", "paraphrases.jsonl", "heldout.jsonl")
]


def questions() -> list[str]:
    out = []
    for path in QUESTION_FILES:
        if path.is_file():
            out += [json.loads(line)["q"] for line in path.read_text().splitlines() if line]
    return out


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def time_load(directory: Path, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        result = check_directory(directory)
        best = min(best, time.perf_counter() - started)
        assert result.ok, result.problems[:3]
    return best


def latencies(engine: Engine, qs: list[str], rounds: int = 3) -> list[float]:
    for q in qs:  # warm caches once
        engine.answer(q, Asker("bench", "warm"))
    out = []
    for r in range(rounds):
        for i, q in enumerate(qs):
            asker = Asker("bench", f"{r}-{i}")
            started = time.perf_counter()
            engine.answer(q, asker)
            out.append((time.perf_counter() - started) * 1000)
    return out


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True


def _dump(data: object) -> str:
    return yaml.dump(data, Dumper=_NoAliasDumper, allow_unicode=True)


def synthesize(target: Path, factor: int) -> None:
    """A knowledge base ``factor`` times larger: copies of every model, use case and topic."""
    shutil.copytree(KNOWLEDGE, target)
    for path in sorted((target / "models").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for n in range(1, factor):
            clone = dict(data)
            clone["id"] = f"{data['id']}-v{n}"
            clone["name"] = f"{data['name']} Variant{n}"
            clone["aliases"] = [f"{a} variant{n}" for a in data["aliases"]]
            clone["variants"] = [
                {**v, "name": f"{v['name']} v{n}", "aliases": [f"{a} v{n}" for a in v["aliases"]]}
                for v in data.get("variants", [])
            ]
            if not clone["variants"]:
                del clone["variants"]
            (target / "models" / f"{clone['id']}.yaml").write_text(_dump(clone), encoding="utf-8")
    for name, key in (("use_cases.yaml", "use_cases"), ("topics.yaml", "topics")):
        data = yaml.safe_load((target / name).read_text(encoding="utf-8"))
        items = list(data[key])
        for n in range(1, factor):
            for item in data[key]:
                clone = dict(item)
                clone["id"] = f"{item['id']}-v{n}"
                clone["phrasings"] = {
                    lang: [
                        f"{p} topic{n}" if lang == "en" else f"{p}第{n}号"
                        for p in item["phrasings"].get(lang, [])
                    ]
                    for lang in ("en", "zh")
                }
                if "keywords" in clone:
                    clone["keywords"] = {
                        lang: [
                            f"{k} kw{n}" if lang == "en" else f"{k}第{n}类"
                            for k in item["keywords"].get(lang, [])
                        ]
                        for lang in ("en", "zh")
                    }
                items.append(clone)
        (target / name).write_text(_dump({key: items}), encoding="utf-8")


# Discord allows 4,000 characters per message.
DISCORD_MESSAGE_MAX = 4000
_CONTEXT = [
    "We're a small team building a support tool for online shops in Thailand and Brazil.",
    "Our current vendor is slow and the invoices keep growing every month.",
    "我们的客户很多是中小商家，预算有限，但是希望回复速度快一点。",
    "Last quarter we tried three different providers and none of them stuck.",
    "Some of the tickets include screenshots of broken checkout pages, sometimes PDFs.",
]


def long_messages(count: int = 40, distinct: bool = False) -> list[str]:
    """Discord-sized messages: sentences of context, then the question, ~4,000 characters.

    ``distinct`` numbers every sentence ("... ticket 7-12."), so that no sentence repeats
    across messages and no cache can remember one; the first message also numbers its words.
    """
    out = []
    for i in range(count):
        question = ["Which model should we pick?", "哪个模型最合适？", "how much is gpt-4o mini?"][
            i % 3
        ]
        parts: list[str] = []
        k = i
        while sum(len(p) + 1 for p in parts) + len(question) < DISCORD_MESSAGE_MAX - 120:
            sentence = _CONTEXT[k % len(_CONTEXT)]
            if distinct:
                sentence = f"Ticket {i}-{k}: {sentence}"
            parts.append(sentence)
            k += 1
        out.append(" ".join([*parts, question])[:DISCORD_MESSAGE_MAX])
    return out


def once_each(engine: Engine, qs: list[str]) -> list[float]:
    """Latency of answering each question once, nothing warmed for it."""
    out = []
    for i, q in enumerate(qs):
        started = time.perf_counter()
        engine.answer(q, Asker("bench", f"once-{i}"))
        out.append((time.perf_counter() - started) * 1000)
    return out


def one_line_time(engine: Engine, length: int) -> float:
    """Seconds to answer one line of ``length`` characters with no sentence breaks."""
    words = ["mistral", "llama", "price", "cheap", "code", "模型", "gpt-4o", "mini", "the"]
    text = " ".join(words[i % len(words)] for i in range(length // 5))[:length]
    started = time.perf_counter()
    engine.answer(text)
    return time.perf_counter() - started


def startup(repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "ask", "GPT-4o mini 多少钱？"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# Runs one `ask` and reports that process's own high-water mark. RUSAGE_CHILDREN would not
# do: a child forked from this (large) benchmark process counts the parent's pages until exec.
_ASK_PEAK = """
import runpy, sys
sys.argv = ["bot", "ask", "GPT-4o mini 多少钱？"]
try:
    runpy.run_module("bot", run_name="__main__")
except SystemExit:
    pass
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print(line.split()[1], file=sys.stderr)
"""


def current_rss_mib() -> float | None:
    status = Path("/proc/self/status")
    if not status.is_file():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def rss_growth_unique_long(engine: Engine, count: int = 2000) -> tuple[float, float] | None:
    """RSS growth over ``count`` distinct ~4,000-character messages, measured at the middle
    and the end: a plateau means caches are bounded (each message is made unique)."""
    base = long_messages(count=30)
    start = current_rss_mib()
    if start is None:
        return None
    middle = start
    for i in range(count):
        text = f"ticket {i}: " + base[i % len(base)]
        engine.answer(text[:DISCORD_MESSAGE_MAX], Asker("bench", f"long-{i}"))
        if i == count // 2:
            middle = current_rss_mib() or start
    end = current_rss_mib() or start
    return middle - start, end - start


def ask_peak_rss_kib() -> int | None:
    if not Path("/proc/self/status").is_file():
        return None  # VmHWM is Linux-only
    proc = subprocess.run(
        [sys.executable, "-c", _ASK_PEAK], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return int(proc.stderr.strip().splitlines()[-1])


def main() -> None:
    qs = questions()
    rows: list[tuple[str, str]] = []
    load = time_load(KNOWLEDGE)
    rows.append(("load + check shipped KB", f"{load * 1000:.1f} ms"))
    shipped = check_directory(KNOWLEDGE).kb
    assert shipped is not None
    engine = Engine(shipped)
    lat = latencies(engine, qs)
    rows.append(
        (
            f"answer p50 / p99, shipped KB ({len(qs)} questions)",
            f"{percentile(lat, 50):.3f} / {percentile(lat, 99):.3f} ms",
        )
    )
    longs = long_messages()
    lat_long = latencies(engine, longs)
    rows.append(
        (
            f"answer p50 / p99, {DISCORD_MESSAGE_MAX}-character messages ({len(longs)})",
            f"{percentile(lat_long, 50):.3f} / {percentile(lat_long, 99):.3f} ms",
        )
    )
    fresh = long_messages(count=300, distinct=True)
    lat_fresh = once_each(engine, fresh)
    rows.append(
        (
            f"  same, every sentence new ({len(fresh)}, each answered once)",
            f"{percentile(lat_fresh, 50):.3f} / {percentile(lat_fresh, 99):.3f} ms",
        )
    )
    for length in (DISCORD_MESSAGE_MAX, 100_000):
        rows.append(
            (
                f"one {length:,}-character line, no sentence breaks",
                f"{one_line_time(engine, length) * 1000:.1f} ms",
            )
        )

    with tempfile.TemporaryDirectory() as tmp:
        big_dir = Path(tmp) / "knowledge"
        synthesize(big_dir, 20)
        big_load = time_load(big_dir, repeat=1)
        big = check_directory(big_dir).kb
        assert big is not None
        counts = big.counts()
        rows.append(
            (
                "load + check 20x KB",
                f"{big_load * 1000:.0f} ms "
                f"({counts['models']} models, {counts['phrasings']} phrasings)",
            )
        )
        lat_big = latencies(Engine(big), qs, rounds=1)
        rows.append(
            (
                "answer p50 / p99, 20x KB",
                f"{percentile(lat_big, 50):.3f} / {percentile(lat_big, 99):.3f} ms",
            )
        )

    growth = rss_growth_unique_long(engine)
    if growth is not None:
        rows.append(
            (
                "RSS growth, 2,000 distinct 4000-char messages",
                f"+{growth[0]:.1f} MiB after 1,000, +{growth[1]:.1f} MiB after 2,000",
            )
        )
    rows.append(("startup `python -m bot ask` (median of 7)", f"{startup() * 1000:.0f} ms"))
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ask_kib = ask_peak_rss_kib()
    rows.append(("peak RSS, this benchmark process", f"{self_kb / 1024:.0f} MiB"))
    if ask_kib is not None:
        rows.append(("peak RSS, one `ask` process (VmHWM)", f"{ask_kib / 1024:.0f} MiB"))

    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  -----")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
