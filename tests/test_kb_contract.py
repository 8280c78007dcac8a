"""The contract between the code and the knowledge files: ids, fields and placeholders it uses."""

from __future__ import annotations

import ast
import re

import pytest

from bot.kb.loader import REQUIRED_TOPICS
from bot.kb.schema import Responses

from .conftest import ROOT

CODE = sorted(
    p for p in (ROOT / "bot").rglob("*.py") if p.relative_to(ROOT).parts[:2] != ("bot", "kb")
)
# Fields nobody uses yet: editing them has no effect (reported; remove once wired).
UNUSED_TODAY: set[str] = set()
# fill() calls that leave a declared placeholder unfilled (reported to the engine's author).
UNFILLED_TODAY: set[str] = set()


def code_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in CODE)


@pytest.mark.parametrize(
    "field",
    [
        pytest.param(
            name,
            marks=pytest.mark.xfail(strict=True, reason="no caller yet")
            if name in UNUSED_TODAY
            else (),
        )
        for name in Responses.model_fields
    ],
)
def test_every_response_is_used_by_the_code(field: str) -> None:
    """Each Responses field is read somewhere in bot/ (else editing it changes nothing)."""
    assert re.search(rf"\bresponses\.{field}\b", code_text()), f"responses.{field} is unused"


def test_every_topic_the_code_names_is_required() -> None:
    """Topic ids looked up by name in the code are checked for by `check`."""
    named = set(re.findall(r"\.topic\(\s*\"(\w+)\"", code_text()))
    small_talk = re.search(r"SMALL_TALK\s*=\s*\(([^)]*)\)", code_text())
    if small_talk:
        named |= set(re.findall(r"\"(\w+)\"", small_talk.group(1)))
    assert named, "found no topic lookups; update this test's patterns"
    assert named <= set(REQUIRED_TOPICS), named - set(REQUIRED_TOPICS)


def _template_field(node: ast.expr) -> str | None:
    """'not_stated' for an expression like ``self.kb.responses.not_stated``."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute | ast.Name):
        parent = node.value.attr if isinstance(node.value, ast.Attribute) else node.value.id
        if parent == "responses":
            return node.attr
    return None


def _dict_keys(function: ast.AST, name: str) -> set[str] | None:
    """Keys of a ``name = {"a": ..., "b": ...}`` assignment inside ``function``."""
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            and isinstance(node.value, ast.Dict)
        ):
            keys = {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
            return {k for k in keys if isinstance(k, str)}
    return None


def fill_calls() -> list[tuple[str, str, set[str] | None]]:
    """(where, field, placeholders passed or None if unknown) for each fill()/decline() call."""
    found: list[tuple[str, str, set[str] | None]] = []
    for path in CODE:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)] + [tree]:
            for function in getattr(cls, "body", []):
                if not isinstance(function, ast.FunctionDef):
                    continue
                for call in [n for n in ast.walk(function) if isinstance(n, ast.Call)]:
                    callee = call.func
                    name = (
                        callee.attr
                        if isinstance(callee, ast.Attribute)
                        else getattr(callee, "id", "")
                    )
                    index = {"fill": 0, "decline": 1}.get(name)
                    if index is None or len(call.args) <= index:
                        continue
                    field = _template_field(call.args[index])
                    if field is None:
                        continue
                    passed: set[str] | None = {k.arg for k in call.keywords if k.arg}
                    for splat in (k for k in call.keywords if k.arg is None):
                        keys = (
                            _dict_keys(function, splat.value.id)
                            if isinstance(splat.value, ast.Name)
                            else None
                        )
                        passed = None if keys is None or passed is None else passed | keys
                    owner = cls.name if isinstance(cls, ast.ClassDef) else path.stem
                    found.append((f"{owner}.{function.name}", field, passed))
    return found


def test_the_fill_audit_finds_the_calls() -> None:
    """The audit below sees the code's fill() calls (guards against a silent pattern change)."""
    fields = {field for _, field, _ in fill_calls()}
    assert {"not_stated", "compare_intro", "rank_position"} <= fields, fields


def test_every_fill_passes_the_declared_placeholders() -> None:
    """A caller fills every placeholder its field declares, and only those.

    A declared placeholder the caller does not fill reaches users as literal text
    whenever an admin uses it; the known cases are listed in UNFILLED_TODAY.
    """
    problems = set()
    for where, field, passed in fill_calls():
        declared = Responses.placeholders_for(field)
        if passed is None:
            continue
        for missing in sorted(declared - passed):
            problems.add(f"{where}: {field} misses {{{missing}}}")
        for extra in sorted(passed - declared):
            problems.add(f"{where}: {field} fills undeclared {{{extra}}}")
    assert problems == UNFILLED_TODAY
