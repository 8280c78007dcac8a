"""Round-trip YAML editing that leaves every untouched line byte-identical.

ruamel.yaml's round-trip mode keeps comments, key order and quoting, but it can still
re-render a line the edit never touched (``null`` written as an empty value, another
indentation, CRLF). So an edit is rendered twice, before and after the change, and only
the lines that differ between those two renderings are spliced into the original text
(a line-level three-way merge). Whole entries (add, delete, replace) are edited as
line ranges, so that the comments and blank lines between entries stay where they are:
ruamel attaches the comment above an entry to the entry before it.

This module is only used for writes; the hot reload path keeps using the LibYAML loader.
"""

from __future__ import annotations

import io
import itertools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from typing import TYPE_CHECKING, Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.kbedit import ruamel_lazy as rt

if TYPE_CHECKING:
    from ruamel.yaml import YAML

log = logging.getLogger(__name__)

# (mapping, sequence, offset) layouts tried in order; the first is the shipped files' layout.
_LAYOUTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (2, 4, 0), (4, 4, 0))


def _represent_none(representer: Any, _data: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


@cache
def _representer() -> Any:
    """ruamel's round-trip representer, writing ``null`` as ``null`` (its default is an
    empty value). Built on first use, so that ruamel.yaml is imported only for edits."""
    cls: Any = type("_Representer", (rt.RoundTripRepresenter,), {})
    cls.add_representer(type(None), _represent_none)
    return cls


def make_yaml(layout: tuple[int, int, int] = _LAYOUTS[0]) -> YAML:
    """A round-trip YAML instance: no folding, quotes kept, the given indentation."""
    y = rt.YAML(typ="rt", pure=True)
    y.Representer = _representer()
    y.width = 4096
    y.preserve_quotes = True
    mapping, sequence, offset = layout
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    return y


def dump(y: YAML, data: Any) -> str:
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


def plain(data: Any) -> Any:
    """The same value as plain dicts, lists and builtin scalars (for comparisons)."""
    if isinstance(data, dict):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    if isinstance(data, rt.ScalarString):
        return str(data)
    if isinstance(data, bool) or data is None:
        return data
    if isinstance(data, int):  # ruamel's ScalarInt and friends
        return int(data)
    if isinstance(data, float):
        return float(data)
    return data


def safe_data(text: str) -> Any:
    """What the bot's own (PyYAML safe) loader reads from ``text``."""
    return plain(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _equal_map(a: Sequence[str], b: Sequence[str]) -> dict[int, int]:
    """Index in ``b`` of each line of ``a`` that a line diff keeps unchanged."""
    found: dict[int, int] = {}
    for tag, i1, i2, j1, _j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            found.update({i1 + k: j1 + k for k in range(i2 - i1)})
    return found


def splice(original: str, base: str, new: str) -> str:
    """Apply the change ``base -> new`` to ``original``, where ``base`` renders ``original``.

    Regions the change leaves alone come from ``original`` byte for byte; changed regions
    come from ``new`` (ruamel's rendering).
    """
    if new == base:
        return original
    if "\r\n" in original and "\r\n" not in base:
        base, new = base.replace("\n", "\r\n"), new.replace("\n", "\r\n")
    if original == base:
        return new
    o, b, n = _lines(original), _lines(base), _lines(new)
    bo, bn = _equal_map(b, o), _equal_map(b, n)
    anchors = [(-1, -1, -1)]
    anchors += [(i, bo[i], bn[i]) for i in range(len(b)) if i in bo and i in bn]
    anchors.append((len(b), len(o), len(n)))
    out: list[str] = []
    for (b0, o0, n0), (b1, o1, n1) in itertools.pairwise(anchors):
        if b[b0 + 1 : b1] == n[n0 + 1 : n1]:
            out += o[o0 + 1 : o1]
        else:
            out += n[n0 + 1 : n1]
        if b1 < len(b):
            out.append(o[o1])
    return "".join(out)


class Doc:
    """One file's text with its round-trip tree; ``render`` gives the edited text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.yaml, self.data, self.base = _best_layout(text)

    def render(self) -> str:
        new = dump(self.yaml, self.data)
        result = splice(self.text, self.base, new)
        if result is not self.text and safe_data(result) != plain(self.data):
            # The splice could not reproduce the tree (never seen); fall back to ruamel's
            # full rendering, which is correct but may reformat lines outside the edit.
            log.warning("line splice did not reproduce the edit; writing ruamel's rendering")
            return new
        return result

    def lines(self) -> list[str]:
        return _lines(self.text)


def _best_layout(text: str) -> tuple[YAML, Any, str]:
    """The layout whose no-op rendering differs from ``text`` in the fewest lines."""
    best: tuple[int, YAML, Any, str] | None = None
    for layout in _LAYOUTS:
        y = make_yaml(layout)
        data = y.load(text)
        rendered = dump(y, data)
        if rendered == text:
            return y, data, rendered
        differing = len(text.splitlines()) - len(_equal_map(_lines(rendered), _lines(text)))
        if best is None or differing < best[0]:
            best = (differing, y, data, rendered)
    assert best is not None
    return best[1], best[2], best[3]


# -- styling new values like their neighbours ----------------------------------------
def like(template: Any, text: str) -> str:
    """``text`` as a scalar in the same quoting style as ``template``."""
    if isinstance(template, rt.ScalarString):
        return type(template)(text)
    return str(text)


def styled(value: Any, templates: Iterable[Any]) -> Any:
    """``value`` as round-trip nodes styled like ``templates`` (existing sibling values).

    Flow or block style and quoting are copied per key from the first sibling that has
    that key, so a new entry reads like the entries around it.
    """
    temps = list(templates)
    if isinstance(value, dict):
        node = rt.CommentedMap()
        maps = [t for t in temps if isinstance(t, rt.CommentedMap)]
        if maps and maps[0].fa.flow_style():
            node.fa.set_flow_style()
        for key, child in value.items():
            node[key] = styled(child, [m[key] for m in maps if key in m])
        return node
    if isinstance(value, list | tuple):
        seq = rt.CommentedSeq()
        seqs = [t for t in temps if isinstance(t, rt.CommentedSeq)]
        if seqs and seqs[0].fa.flow_style():
            seq.fa.set_flow_style()
        items = [item for s in seqs for item in s]
        for child in value:
            seq.append(styled(child, items))
        return seq
    if isinstance(value, str):
        strings = [t for t in temps if isinstance(t, str)]
        return like(strings[0], value) if strings else rt.DoubleQuotedScalarString(value)
    return value


# -- blocks: entries as line ranges ----------------------------------------------------
# ruamel's pure-Python round trip costs about a second on the larger files, so only the
# block an edit touches (one top-level key, or one item of a block list) goes through it;
# LibYAML's composer locates the blocks by their node positions.
_Composer: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Block:
    """Lines ``[start, end)`` of one mapping entry (``key`` set) or one list item.

    The blank and comment lines between two blocks belong to neither, so deleting or
    replacing a block never takes a neighbour's heading comment with it.
    """

    start: int
    end: int
    col: int
    key: str | None
    node: Node


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_gap(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _last_line(node: Node) -> int:
    """The last line holding content of ``node`` (0-based)."""
    if isinstance(node, MappingNode) and not node.flow_style:
        return max(_last_line(n) for pair in node.value for n in pair)
    if isinstance(node, SequenceNode) and not node.flow_style and node.value:
        return max(_last_line(n) for n in node.value)
    end = node.end_mark
    return max(node.start_mark.line, end.line if end.column > 0 else end.line - 1)


class Source:
    """A file's text with LibYAML's node tree, to find and replace blocks of lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = _lines(text)
        self.root: Node | None = yaml.compose(text, Loader=_Composer)

    def _block(self, start: int, node: Node, key: str | None) -> Block:
        end = _last_line(node) + 1
        while end > start + 1 and _is_gap(self.lines[end - 1]):
            end -= 1
        return Block(start, end, _indent(self.lines[start]), key, node)

    def children(self, node: Node | None) -> list[Block]:
        """The entries of a block mapping or the items of a block list (else none)."""
        if isinstance(node, MappingNode) and not node.flow_style:
            return [
                self._block(k.start_mark.line, v, str(k.value))
                for k, v in node.value
                if isinstance(k, ScalarNode)
            ]
        if isinstance(node, SequenceNode) and not node.flow_style:
            return [self._block(item.start_mark.line, item, None) for item in node.value]
        return []

    def top(self, key: str) -> Block | None:
        return next((b for b in self.children(self.root) if b.key == key), None)

    def items(self, key: str, field: str, value: str) -> tuple[Block | None, list[Block]]:
        """The top-level ``key`` block and its list items whose ``field`` equals ``value``."""
        block = self.top(key)
        if block is None:
            return None, []
        return block, [b for b in self.children(block.node) if scalar(b.node, field) == value]

    def fragment(self, block: Block) -> str:
        return "".join(self.lines[block.start : block.end])

    def replaced(self, edits: Iterable[tuple[int, int, list[str]]]) -> str:
        """The text with line ranges replaced (ranges must not overlap)."""
        lines = list(self.lines)
        for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
            if new and start == len(lines) and lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            lines[start:end] = new
        return "".join(lines)


def scalar(node: Node, key: str) -> str | None:
    """The scalar value of ``key`` in a mapping node."""
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == key and isinstance(v, ScalarNode):
                return str(v.value)
    return None


def is_block_list(node: Node | None) -> bool:
    return isinstance(node, SequenceNode) and not node.flow_style and bool(node.value)


def reindent(lines: Sequence[str], shift: int) -> list[str]:
    """Lines moved right (or left) by ``shift`` columns; blank lines stay empty."""
    if shift > 0:
        return [" " * shift + line if line.strip() else line for line in lines]
    if shift < 0:
        return [line[min(-shift, _indent(line)) :] for line in lines]
    return list(lines)


def render_item(y: YAML, node: Any, dash_col: int) -> list[str]:
    """The lines of ``node`` as one item of a block list whose dashes are at ``dash_col``."""
    out = _lines(dump(y, rt.CommentedSeq([node])))
    while out and _is_gap(out[-1]):
        out.pop()
    return reindent(out, dash_col - _indent(out[0]))


def separated(src: Source, blocks: Sequence[Block]) -> bool:
    """Whether these sibling blocks are separated by blank lines (judged by the first pair)."""
    if len(blocks) < 2:
        return False
    end, nxt = blocks[0].end, blocks[1].start
    return end < nxt and not src.lines[end].strip()


def insert_after(
    src: Source, blocks: Sequence[Block], at: int, new: Sequence[list[str]]
) -> tuple[int, int, list[str]]:
    """An edit inserting the line groups ``new`` after ``blocks[at]``, spaced like siblings."""
    gap = ["\n"] if separated(src, blocks) else []
    out: list[str] = []
    for lines in new:
        out += gap + lines
    end = blocks[at].end
    return end, end, out


def delete_block(src: Source, block: Block) -> tuple[tuple[int, int, list[str]], list[str]]:
    """An edit removing ``block``, and the comment lines kept just above it."""
    lines = src.lines
    start, end = block.start, block.end
    kept: list[str] = []
    above = start - 1
    while above >= 0 and lines[above].strip().startswith("#"):
        kept.insert(0, lines[above].rstrip("\r\n"))
        above -= 1
    # Collapse the blank lines on both sides of the hole into the ones before it.
    prev = lines[start - 1] if start > 0 else ""
    before_blank = start == 0 or not prev.strip() or prev.rstrip().endswith(":")
    if before_blank or all(not ln.strip() for ln in lines[end:]):
        while end < len(lines) and not lines[end].strip():
            end += 1
    if end >= len(lines):
        while start > 0 and not lines[start - 1].strip():
            start -= 1
    return (start, end, []), kept


def find_item(seq: Any, key: str, value: str) -> list[int]:
    """Indexes of the mapping items of ``seq`` whose ``key`` equals ``value``."""
    if not isinstance(seq, list):
        return []
    return [
        i for i, item in enumerate(seq) if isinstance(item, dict) and str(item.get(key)) == value
    ]
