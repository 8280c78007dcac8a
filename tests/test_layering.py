"""Layering: which bot modules may import which, read from the source with ``ast``.

Every import counts, at module level and inside functions; imports under
``if TYPE_CHECKING:`` count for the layer rules but not for what loads at run
time (discord on the console path, import cycles). Each rule reports the
offending edge as ``importer -> imported (file:line)``, and each is shown to
fail on a small synthetic package with that bad edge.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = "bot"
# The console commands that reach Discord on purpose; everything else in bot.cli must not.
DISCORD_COMMANDS = frozenset({"cmd_run", "cmd_sync"})


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    where: str  # path:line
    function: str | None  # enclosing top-level function; None at module level
    type_only: bool  # under `if TYPE_CHECKING:`

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} ({self.where})"


@dataclass
class Graph:
    modules: set[str] = field(default_factory=set)
    edges: list[Edge] = field(default_factory=list)

    def out(self, module: str, runtime_only: bool = False) -> Iterator[Edge]:
        for edge in self.edges:
            if edge.source == module and not (runtime_only and edge.type_only):
                yield edge


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, where: str, known: set[str]) -> None:
        self.module, self.is_package, self.where, self.known = module, is_package, where, known
        self.function: str | None = None
        self.type_only = False
        self.found: list[Edge] = []

    def _add(self, target: str, node: ast.stmt) -> None:
        self.found.append(
            Edge(self.module, target, f"{self.where}:{node.lineno}", self.function, self.type_only)
        )

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer = self.function
        self.function = outer or node.name
        self.generic_visit(node)
        self.function = outer

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        outer, self.type_only = self.type_only, True
        for child in node.body:
            self.visit(child)
        self.type_only = outer
        for child in node.orelse:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            anchor = self.module.split(".")
            anchor = anchor[: len(anchor) - node.level + (1 if self.is_package else 0)]
            base = ".".join([*anchor, base] if base else anchor)
        # `from bot.cogs import views` imports the module bot.cogs.views; names from one
        # module make one edge.
        targets = (f"{base}.{a.name}" for a in node.names)
        for target in dict.fromkeys(t if t in self.known else base for t in targets):
            self._add(target, node)


def build_graph(root: Path, package: str = PACKAGE) -> Graph:
    """Every import edge of every module under ``root/package``."""
    files = sorted((root / package).rglob("*.py"))
    graph = Graph(modules={module_name(f, root) for f in files})
    for file in files:
        name = module_name(file, root)
        visitor = _Imports(
            name, file.name == "__init__.py", str(file.relative_to(root)), graph.modules
        )
        visitor.visit(ast.parse(file.read_text(encoding="utf-8"), filename=str(file)))
        graph.edges.extend(visitor.found)
    return graph


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


# -- rules: each returns the offending edges as text; [] means the rule holds ----------
Rule = Callable[[Graph], list[str]]


def direct_edges(layer: str, bad: Callable[[str], bool]) -> Rule:
    """Flag each import from a module under ``layer`` whose target is ``bad``."""
    return lambda graph: [
        str(edge) for edge in graph.edges if _under(edge.source, layer) and bad(edge.target)
    ]


def only_imports(layer: str, allowed: tuple[str, ...]) -> Rule:
    """Modules under ``layer`` import from the package only what is under ``allowed``."""
    return direct_edges(
        layer,
        lambda target: (
            _under(target, PACKAGE) and not any(_under(target, ok) for ok in (layer, *allowed))
        ),
    )


def never_imports(layer: str, forbidden: str, exempt: tuple[str, ...] = ()) -> Rule:
    """Modules under ``layer`` import nothing under ``forbidden`` (but ``exempt``) directly."""
    return direct_edges(layer, lambda target: _under(target, forbidden) and target not in exempt)


def never_reaches(
    roots: tuple[str, ...],
    forbidden: str,
    skip: Callable[[Edge], bool] = lambda edge: False,
    runtime_only: bool = True,
) -> Rule:
    """No import chain from a module under ``roots`` reaches ``forbidden``."""

    def rule(graph: Graph) -> list[str]:
        found = []
        for root in sorted(m for m in graph.modules if any(_under(m, r) for r in roots)):
            seen = {root}
            queue: list[tuple[str, list[Edge]]] = [(root, [])]
            while queue:
                module, chain = queue.pop(0)
                for edge in graph.out(module, runtime_only):
                    if skip(edge) or edge.target in seen:
                        continue
                    if _under(edge.target, forbidden):
                        path = " -> ".join([root, *(e.target for e in [*chain, edge])])
                        found.append(f"{path} ({edge.where})")
                        continue
                    seen.add(edge.target)
                    if edge.target in graph.modules:
                        queue.append((edge.target, [*chain, edge]))
        return found

    return rule


def no_cycles(within: str) -> Rule:
    """No import cycle (at run time, any nesting level) among modules under ``within``."""

    def rule(graph: Graph) -> list[str]:
        inside = sorted(m for m in graph.modules if _under(m, within))
        found: list[str] = []
        for start in inside:
            # Depth-first search for a path back to `start` through modules after it in
            # sort order, so each cycle is reported once, from its smallest module.
            stack: list[tuple[str, list[Edge]]] = [(start, [])]
            visited: set[str] = set()
            while stack:
                module, chain = stack.pop()
                for edge in graph.out(module, runtime_only=True):
                    target = edge.target
                    if target == start:
                        cycle = [*chain, edge]
                        found.append(" -> ".join([start, *(e.target for e in cycle)]))
                        found[-1] += " (" + ", ".join(e.where for e in cycle) + ")"
                    elif target in inside and target > start and target not in visited:
                        visited.add(target)
                        stack.append((target, [*chain, edge]))
        return found

    return rule


RULES: dict[str, Rule] = {
    "text-imports-nothing-from-bot": only_imports("bot.text", ()),
    "kb-imports-only-text": only_imports("bot.kb", ("bot.text",)),
    "engine-imports-only-text-and-kb": only_imports("bot.engine", ("bot.text", "bot.kb")),
    "analytics-imports-only-text-paths-and-db": only_imports(
        "bot.analytics", ("bot.text", "bot.paths", "bot.db")
    ),
    # The database layer is below the stores: it imports nothing of the bot's.
    "db-imports-nothing-from-bot": only_imports("bot.db", ()),
    "core-never-loads-discord": never_reaches(
        ("bot.text", "bot.kb", "bot.engine", "bot.settings", "bot.evaluate", "bot.paths", "bot.db"),
        "discord",
        runtime_only=False,
    ),
    "console-never-loads-discord": never_reaches(
        ("bot.cli",),
        "discord",
        skip=lambda edge: edge.source == "bot.cli" and edge.function in DISCORD_COMMANDS,
    ),
    "settings-never-imports-kb-store": never_reaches(
        ("bot.settings",), "bot.kb.store", runtime_only=False
    ),
    # Cogs import bot.main (for the bot's type); main loads them by extension name only.
    # The package itself may be imported, to list the extensions.
    "main-imports-no-cog-module": never_imports("bot.main", "bot.cogs", exempt=("bot.cogs",)),
    "no-cycles-among-cogs": no_cycles("bot.cogs"),
    "no-cycles-in-discord-glue": no_cycles("bot.discord_glue"),
    # The knowledge editor is shared by the console and Discord: it never loads discord.
    "kbedit-never-loads-discord": never_reaches(("bot.kbedit",), "discord", runtime_only=False),
}

# Known violations in today's code, being fixed by other work; strict, so a fix shows up.
KNOWN: dict[str, str] = {}


@pytest.fixture(scope="module")
def graph() -> Graph:
    return build_graph(ROOT)


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN[name]))
        if name in KNOWN
        else name
        for name in RULES
    ],
)
def test_layering_rule_holds(graph: Graph, rule: str) -> None:
    """The bot's own modules keep each layering rule."""
    assert RULES[rule](graph) == []


def test_graph_sees_function_level_and_package_imports(graph: Graph) -> None:
    """The parser finds imports inside functions and `from package import module` forms."""
    lazy = [e for e in graph.edges if e.source == "bot.cli" and e.function == "cmd_run"]
    assert [e.target for e in lazy] == ["bot.main"]
    assert any(e.target == "bot.engine.engine" for e in graph.out("bot.cli"))


def _package(tmp_path: Path, files: dict[str, str]) -> Graph:
    for name, text in {"__init__.py": "", **files}.items():
        path = tmp_path / PACKAGE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for folder in {p.parent for p in (tmp_path / PACKAGE).rglob("*.py")}:
        (folder / "__init__.py").touch()
    return build_graph(tmp_path)


# One synthetic package per rule, each with exactly the bad edge the rule must name.
BROKEN = {
    "text-imports-nothing-from-bot": (
        {"text/normalize.py": "from bot.kb.schema import X\n", "kb/schema.py": ""},
        "bot.text.normalize -> bot.kb.schema",
    ),
    "db-imports-nothing-from-bot": (
        {"db/pg.py": "from bot.settings import Settings\n", "settings.py": ""},
        "bot.db.pg -> bot.settings",
    ),
    "kb-imports-only-text": (
        {
            "kb/loader.py": "def load():\n    from bot.engine import answer\n",
            "engine/answer.py": "",
        },
        "bot.kb.loader -> bot.engine.answer",
    ),
    "engine-imports-only-text-and-kb": (
        {"engine/engine.py": "import bot.render\n", "render.py": ""},
        "bot.engine.engine -> bot.render",
    ),
    "analytics-imports-only-text-paths-and-db": (
        {"analytics.py": "from bot.engine.engine import Engine\n", "engine/engine.py": ""},
        "bot.analytics -> bot.engine.engine",
    ),
    "core-never-loads-discord": (
        {"engine/compose.py": "from .. import render\n", "render.py": "import discord\n"},
        "bot.engine.compose -> bot.render -> discord",
    ),
    "console-never-loads-discord": (
        {
            "cli.py": "def cmd_run():\n    import discord\n\n"
            "def cmd_ask():\n    import bot.render\n",
            "render.py": "from discord import Embed\n",
        },
        "bot.cli -> bot.render -> discord",
    ),
    "settings-never-imports-kb-store": (
        {
            "settings.py": "from bot.paths import x\n",
            "paths.py": "from bot.kb.store import default_knowledge_dir\n",
            "kb/store.py": "",
        },
        "bot.settings -> bot.paths -> bot.kb.store",
    ),
    "no-cycles-in-discord-glue": (
        {
            "discord_glue/a.py": "from bot.discord_glue.b import x\n",
            "discord_glue/b.py": "def f():\n    from bot.discord_glue import a\n",
        },
        "bot.discord_glue.a -> bot.discord_glue.b -> bot.discord_glue.a",
    ),
    "kbedit-never-loads-discord": (
        {"kbedit/pipeline.py": "from bot import render\n", "render.py": "import discord\n"},
        "bot.kbedit.pipeline -> bot.render -> discord",
    ),
    "main-imports-no-cog-module": (
        {"main.py": "async def f():\n    from bot.cogs._common import a\n", "cogs/_common.py": ""},
        "bot.main -> bot.cogs._common",
    ),
    "no-cycles-among-cogs": (
        {
            "cogs/a.py": "from bot.cogs import b\n",
            "cogs/b.py": "def f():\n    from bot.cogs.a import x\n",
        },
        "bot.cogs.a -> bot.cogs.b -> bot.cogs.a",
    ),
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_names_the_bad_edge(tmp_path: Path, rule: str) -> None:
    """Each rule fails on a package with a bad edge, and names that edge."""
    files, edge = BROKEN[rule]
    found = RULES[rule](_package(tmp_path, files))
    assert len(found) == 1 and found[0].startswith(edge), found


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_passes_a_clean_package(tmp_path: Path, rule: str) -> None:
    """Allowed edges (own layer, lower layers, Discord commands, type-only) are not flagged."""
    clean = {
        "text/normalize.py": "import re\nfrom bot.text import other\n",
        "text/other.py": "",
        "kb/loader.py": "from bot.text.normalize import n\nfrom . import schema\n",
        "kb/schema.py": "",
        "engine/engine.py": "from bot.kb.schema import K\nfrom bot.text.normalize import n\n",
        "cli.py": "import bot.engine.engine\n\ndef cmd_sync():\n    import bot.main\n",
        "main.py": "import discord\nimport bot.cogs\nfrom bot.engine.engine import E\n",
        "cogs/__init__.py": "",
        "settings.py": "import pydantic\nfrom bot.paths import p\n",
        "paths.py": "",
        "cogs/a.py": "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from bot.cogs import b\n",
        "cogs/b.py": "import discord\nfrom bot.cogs.a import x\n",
    }
    assert RULES[rule](_package(tmp_path, clean)) == []
