"""Score the engine on a labelled JSONL question set (like ``rasa test nlu``).

Each line: ``{"id", "q", "user"?, "channel"?, "expect": {"answered", "intent"?,
"top"?, "models"?, "aspect"?, "topic"?}}``. Lines sharing ``user``/``channel``
form a dialogue and share context; others each get a fresh asker.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.engine.answer import Answer
from bot.engine.context import Asker
from bot.engine.engine import Engine
from bot.kb.schema import KnowledgeBase
from bot.text.normalize import has_cjk


@dataclass(frozen=True)
class Case:
    id: str
    q: str
    expect: dict[str, Any]
    user: str | None = None
    channel: str | None = None


@dataclass
class Miss:
    case: Case
    got: Answer
    reasons: list[str]


@dataclass
class Report:
    total: int = 0
    correct: int = 0
    language_ok: int = 0
    declines_expected: int = 0  # questions that must be declined (answered: false)
    declines_made: int = 0  # ... and were
    false_declines: int = 0
    answerable: int = 0  # questions that must be answered
    answerable_correct: int = 0  # ... and were, correctly
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    # confidence band -> [answered and correct, answered]
    bands: dict[str, list[int]] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def rejection(self) -> float:
        """Share of the must-decline questions that were declined."""
        return self.declines_made / self.declines_expected if self.declines_expected else 1.0

    @property
    def in_scope_accuracy(self) -> float:
        """Share of the must-answer questions answered correctly."""
        return self.answerable_correct / self.answerable if self.answerable else 0.0


@dataclass(frozen=True)
class Gate:
    """The bar a question set must clear. An engine that declines everything fails it."""

    accuracy: float
    rejection: float
    in_scope: float

    def failures(self, report: Report) -> list[str]:
        out = []
        if report.total == 0:
            return ["no questions"]
        if report.accuracy < self.accuracy:
            out.append(f"accuracy {report.accuracy:.1%} < {self.accuracy:.0%}")
        if report.in_scope_accuracy < self.in_scope:
            out.append(f"in-scope accuracy {report.in_scope_accuracy:.1%} < {self.in_scope:.0%}")
        if report.rejection < self.rejection:
            out.append(f"out-of-scope rejection {report.rejection:.1%} < {self.rejection:.0%}")
        if report.language_ok < report.total:
            out.append(f"language wrong on {report.total - report.language_ok} answers")
        return out


# Tuning sets were looked at while building the matcher; held-out sets never were.
TUNING_GATE = Gate(accuracy=0.95, rejection=0.95, in_scope=0.95)
HELD_OUT_GATE = Gate(accuracy=0.90, rejection=0.90, in_scope=0.90)

_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|'[^']*'|《[^》]*》|「[^」]*」|‘[^’]*’")


def script_matches(question: str, answer: str) -> bool:
    """Whether the answer is written in the question's script: Chinese text for a
    Chinese question, no Chinese (outside quoted names and titles) for any other."""
    if has_cjk(question):
        return has_cjk(answer)
    return not has_cjk(_QUOTED.sub("", answer))


SETS_FILE = "sets.yaml"


def set_sources(path: Path) -> list[str] | None:
    """The sources a question set was written from, per ``sets.yaml`` beside it (None: the
    set is about everything loaded)."""
    import yaml

    meta = path.parent / SETS_FILE
    if not meta.is_file():
        return None
    data = yaml.safe_load(meta.read_text(encoding="utf-8")) or {}
    entry = (data.get("sets") or {}).get(path.name) or {}
    sources = entry.get("sources")
    return list(sources) if sources else None


def set_knowledge(path: Path) -> Path | None:
    """The frozen knowledge directory a set is scored on (``knowledge:`` in sets.yaml,
    relative to the set's folder), or None for the knowledge given."""
    import yaml

    meta = path.parent / SETS_FILE
    if not meta.is_file():
        return None
    data = yaml.safe_load(meta.read_text(encoding="utf-8")) or {}
    entry = (data.get("sets") or {}).get(path.name) or {}
    folder = entry.get("knowledge")
    return path.parent / folder if folder else None


def describe_set_knowledge(path: Path) -> str:
    """One line saying what knowledge ``path`` is scored on, so that a set scored before it
    is registered in sets.yaml is noticed (it is scored on everything loaded)."""
    frozen = set_knowledge(path)
    if frozen is not None:
        return f"knowledge: {frozen} (frozen for this set in {path.parent / SETS_FILE})"
    sources = set_sources(path)
    if sources is not None:
        return f"knowledge: only sources {', '.join(sources)} (per {path.parent / SETS_FILE})"
    return (
        f"knowledge: everything loaded ({path.name} is not listed in {path.parent / SETS_FILE}; "
        "list it there if it was written from some sources only)"
    )


def knowledge_for_set(kb: KnowledgeBase, path: Path) -> KnowledgeBase:
    """``kb`` as the set's writers knew it: restricted to the set's sources when it names
    any, or the set's own frozen knowledge (the growth set: knowledge an admin grew)."""
    frozen = set_knowledge(path)
    if frozen is not None:
        from bot.kb.loader import load_directory

        return load_directory(frozen)
    sources = set_sources(path)
    if sources is None:
        return kb
    unknown = sorted(set(sources) - set(kb.sources))
    if unknown:
        raise ValueError(f"{path.parent / SETS_FILE}: {path.name} names unknown sources {unknown}")
    return kb.restrict(set(sources))


def load_cases(path: Path) -> list[Case]:
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            cases.append(
                Case(obj["id"], obj["q"], obj["expect"], obj.get("user"), obj.get("channel"))
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(
                f'{path}:{n}: bad eval line ({exc}); expected {{"id", "q", "expect": {{...}}}}'
            ) from exc
    return cases


def judge(case: Case, got: Answer) -> list[str]:
    """Why ``got`` does not meet ``case.expect``; empty when it does."""
    exp = case.expect
    reasons: list[str] = []
    if exp.get("small_talk_ok") and got.intent in ("greeting", "help"):
        return reasons  # thanks, hello, help: a small-talk reply is fine for off-topic lines
    if got.answered != exp["answered"]:
        reasons.append(f"answered={got.answered}, expected {exp['answered']}")
    if "intent" in exp and got.intent != exp["intent"]:
        reasons.append(f"intent={got.intent}, expected {exp['intent']}")
    if "top" in exp:
        top = got.recommendations[0].model if got.recommendations else None
        if top != exp["top"]:
            reasons.append(f"top={top}, expected {exp['top']}")
    if "models" in exp:
        want, have = set(exp["models"]), set(got.models)
        ok = want <= have if exp.get("intent") == "compare" else want == have
        if not ok:
            reasons.append(f"models={sorted(have)}, expected {sorted(want)}")
    if "aspect" in exp and got.aspect != exp["aspect"]:
        reasons.append(f"aspect={got.aspect}, expected {exp['aspect']}")
    if "topic" in exp and got.topic != exp["topic"]:
        reasons.append(f"topic={got.topic}, expected {exp['topic']}")
    want_lang = "zh" if has_cjk(case.q) else "en"
    if got.language != want_lang:
        reasons.append(f"language={got.language}, expected {want_lang}")
    if not script_matches(case.q, got.answer):
        reasons.append(f"answer text is not in {want_lang}")
    return reasons


def evaluate(engine: Engine, cases: list[Case]) -> Report:
    report = Report()
    for case in cases:
        if case.user is not None or case.channel is not None:
            asker = Asker(channel=case.channel or "eval", user=case.user or "eval")
        else:
            asker = Asker(channel="eval", user=f"case:{case.id}")
        got = engine.answer(case.q, asker)
        reasons = judge(case, got)
        report.total += 1
        report.correct += not reasons
        report.language_ok += script_matches(case.q, got.answer) and got.language == (
            "zh" if has_cjk(case.q) else "en"
        )
        expected_intent = case.expect.get("intent")
        if not case.expect["answered"]:
            report.declines_expected += 1
            report.declines_made += not got.answered
        else:
            report.answerable += 1
            report.answerable_correct += not reasons
            report.false_declines += not got.answered
        if expected_intent:
            report.confusion[(expected_intent, got.intent or "none")] += 1
        if reasons:
            report.misses.append(Miss(case, got, reasons))
        if got.answered:
            band = report.bands.setdefault(_band(got.confidence), [0, 0])
            band[0] += not reasons
            band[1] += 1
    return report


BANDS = ((0.85, "0.85-1.00"), (0.7, "0.70-0.85"), (0.0, "below 0.70"))


def _band(confidence: float) -> str:
    return next(name for floor, name in BANDS if confidence >= floor)


def format_report(report: Report, show_misses: bool = True) -> str:
    lines = [
        f"questions: {report.total}",
        f"accuracy: {report.accuracy:.1%} ({report.correct}/{report.total})",
        f"in-scope accuracy: {report.in_scope_accuracy:.1%} "
        f"({report.answerable_correct}/{report.answerable})",
        f"out-of-scope rejection: {report.rejection:.1%} "
        f"({report.declines_made}/{report.declines_expected})",
        f"false declines of answerable questions: {report.false_declines}/{report.answerable}",
        f"language correct: {report.language_ok}/{report.total}",
        "",
        f"{'intent':<14} {'precision':>9} {'recall':>7} {'support':>8}",
    ]
    intents = sorted({e for e, _ in report.confusion} | {g for _, g in report.confusion})
    for intent in intents:
        tp = report.confusion[(intent, intent)]
        predicted = sum(n for (_, g), n in report.confusion.items() if g == intent)
        support = sum(n for (e, _), n in report.confusion.items() if e == intent)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        lines.append(f"{intent:<14} {precision:>9.2f} {recall:>7.2f} {support:>8}")
    if report.bands:
        lines.append("")
        lines.append("answered, by confidence: correct / answered")
        for _, name in BANDS:
            correct, answered = report.bands.get(name, [0, 0])
            if answered:
                lines.append(f"  {name}: {correct}/{answered} ({correct / answered:.0%})")
    confused = [(k, n) for k, n in report.confusion.most_common() if k[0] != k[1]]
    if confused:
        lines.append("")
        lines.append("most confused (expected -> got):")
        lines.extend(f"  {e} -> {g}: {n}" for (e, g), n in confused[:10])
    if show_misses and report.misses:
        lines.append("")
        lines.append(f"misses ({len(report.misses)}):")
        for miss in report.misses:
            lines.append(f"  [{miss.case.id}] {miss.case.q!r}: {'; '.join(miss.reasons)}")
    return "\n".join(lines)
