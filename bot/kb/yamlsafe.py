"""Bounded, position-aware YAML reading for knowledge files.

Only ``yaml.safe_load`` semantics are used. Aliases are refused before
anything is constructed (an alias bomb could otherwise expand to
gigabytes), duplicate mapping keys are refused (PyYAML would silently keep
the last one), files are capped in size and must be UTF-8. The composed node
tree is kept so that any later error can be reported at the offending line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in the knowledge base, pointing at a file position."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class YamlProblem(Exception):
    """Raised while reading one file; carries the position of the fault."""

    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.col = col
        self.message = message


def _position(mark: Any) -> tuple[int, int]:
    """1-based (line, column) of a YAML mark; (1, 1) when the parser gives none."""
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


# LibYAML's parser is about 14x faster than PyYAML's pure-Python one; both are safe loaders.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _check_tree(root: Node) -> None:
    """Refuse aliases and duplicate keys before anything is constructed.

    A composed alias is the very same node object reached twice, so one walk over the
    node graph finds it; this stays cheap even for an alias bomb, because the bomb is
    only expanded by construction, which never happens.
    """
    seen: set[int] = set()
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            line, col = _position(node.start_mark)
            raise YamlProblem(
                line,
                col,
                "YAML anchors and aliases (&name / *name) are not allowed in knowledge "
                "files; the value anchored here is reused elsewhere, write it out in full",
            )
        seen.add(id(node))
        if isinstance(node, MappingNode):
            keys: dict[str, Node] = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    if key.value in keys:
                        line, col = _position(key.start_mark)
                        first = _position(keys[key.value].start_mark)[0]
                        raise YamlProblem(
                            line,
                            col,
                            f"duplicate key '{key.value}' (first defined on line {first}); "
                            "keep only one",
                        )
                    keys[key.value] = key
                stack += [key, value]
        elif isinstance(node, SequenceNode):
            stack += node.value


@dataclass
class YamlDoc:
    """A parsed YAML file: its data and the node tree for locating errors."""

    path: str
    data: Any
    root: Node | None
    text: str = ""

    def position(self, loc: tuple[int | str, ...]) -> tuple[int, int]:
        """Line and column (1-based) of the deepest node that ``loc`` reaches.

        For a mapping entry this is the key's position, which is where people look.
        """
        node = self.root
        if node is None:
            return 1, 1
        mark = node.start_mark
        for part in loc:
            found = _child(node, part)
            if found is None:
                break
            key, node = found
            mark = (key or node).start_mark
        return mark.line + 1, mark.column + 1

    def problem(self, loc: tuple[int | str, ...], message: str) -> Problem:
        line, col = self.position(loc)
        return Problem(self.path, line, col, message)


def _child(node: Node, part: int | str) -> tuple[Node | None, Node] | None:
    """The (key, value) nodes under ``node`` for one location part."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == str(part):
                return key, value
    elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return None, node.value[part]
    return None


def read_text(path: Path, display: str) -> str:
    """Read a file as UTF-8 within the size cap, or raise :class:`YamlProblem`."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise YamlProblem(
            1,
            1,
            f"file is {size / 1024 / 1024:.1f} MiB, over the {MAX_FILE_BYTES // 1024} KiB limit; "
            "split it into smaller files",
        )
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise YamlProblem(
            line,
            col,
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; save {display} as UTF-8",
        ) from exc


def load_yaml(path: Path, display: str) -> YamlDoc:
    """Parse one knowledge file, or raise :class:`YamlProblem` with its position."""
    text = read_text(path, display)
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            _check_tree(root)
        data = loader.construct_document(root) if root is not None else None
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "invalid YAML"
        raise YamlProblem(line, col, f"YAML syntax error: {what}") from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(1, 1, f"YAML error: {exc}") from exc
    finally:
        loader.dispose()
    return YamlDoc(display, data, root, text)
