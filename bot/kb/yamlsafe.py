"""Bounded, position-aware YAML reading for knowledge files.

Only ``yaml.safe_load`` semantics are used. Anchors and aliases are refused
outright (an alias bomb could otherwise expand to gigabytes), duplicate
mapping keys are refused (PyYAML would silently keep the last one), files
are capped in size and must be UTF-8. The composed node tree is kept so
that any later error can be reported at the line of the offending node.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent
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


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that rejects anchors, aliases and duplicate keys."""

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        line, col = _position(event.start_mark)
        if isinstance(event, AliasEvent):
            raise YamlProblem(
                line,
                col,
                f"YAML alias '*{event.anchor}' is not allowed in knowledge files; "
                "write the value out in full",
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise YamlProblem(
                line,
                col,
                f"YAML anchor '&{anchor}' is not allowed in knowledge files; "
                "remove it and write values out in full",
            )
        return super().compose_node(parent, index)

    def compose_mapping_node(self, anchor: Any) -> MappingNode:
        node: MappingNode = super().compose_mapping_node(anchor)
        seen: dict[str, Node] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode):
                if key_node.value in seen:
                    mark = key_node.start_mark
                    first = seen[key_node.value].start_mark.line + 1
                    raise YamlProblem(
                        mark.line + 1,
                        mark.column + 1,
                        f"duplicate key '{key_node.value}' (first defined on line {first}); "
                        "keep only one",
                    )
                seen[key_node.value] = key_node
        return node


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
    loader = _NoAliasLoader(text)
    try:
        root = loader.get_single_node()
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
