"""Check a staged knowledge base with the very loader ``python -m bot check`` uses.

The staged files are written over a temporary copy of the knowledge directory (same
file names), so every cross-file rule applies exactly as it will after the write.
Problem positions are reported against the real files.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from bot.kb.loader import check_directory
from bot.kb.schema import KnowledgeBase
from bot.kb.yamlsafe import Problem


def display_path(path: Path) -> str:
    """How the loader names a path: relative to the working directory when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def check_staged(
    directory: Path, staged: Mapping[str, bytes | None]
) -> tuple[list[Problem], KnowledgeBase | None]:
    """Problems of ``directory`` with ``staged`` files replaced (``None``: deleted)."""
    with tempfile.TemporaryDirectory(prefix="kbedit-") as tmp:
        root = Path(tmp).resolve() / directory.name
        shutil.copytree(
            directory, root, ignore=shutil.ignore_patterns(".*", "schema", "__pycache__")
        )
        for name, content in staged.items():
            path = root / name
            if content is None:
                path.unlink(missing_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
        result = check_directory(root)
        real = directory.resolve()
        prefixes = sorted({str(root), display_path(root)}, key=len, reverse=True)
        problems = []
        for problem in result.problems:
            where, message = problem.path, problem.message
            for prefix in prefixes:
                if where == prefix or where.startswith(prefix + "/"):
                    where = display_path(real / where[len(prefix) :].lstrip("/"))
                    break
            for prefix in prefixes:
                message = message.replace(prefix, display_path(real))
            problems.append(replace(problem, path=where, message=message))
    return problems, result.kb if result.ok else None
