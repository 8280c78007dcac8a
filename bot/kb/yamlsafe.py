"""Bounded, position-aware YAML reading for knowledge files.

Only ``yaml.safe_load`` semantics are used. Only regular files are read, and
never more than the size cap (a FIFO or a link to ``/dev/zero`` must not hang
or exhaust the bot). Aliases are refused before anything is constructed (an
alias bomb could otherwise expand to gigabytes), duplicate mapping keys are
refused (PyYAML would silently keep the last one), and files must be UTF-8.
Syntax errors are explained in plain words on the line that needs the fix,
which is often above the line where the parser gave up. The composed node
tree is kept so that any later error can be reported at the offending line.
"""

from __future__ import annotations

import errno
import os
import re
import stat
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
    # "error" blocks loading; "warning" is legal but probably wrong (``check --strict``).
    severity: str = "error"

    @property
    def is_warning(self) -> bool:
        return self.severity == "warning"

    def __str__(self) -> str:
        label = "warning: " if self.is_warning else ""
        return f"{self.path}:{self.line}:{self.col}: {label}{self.message}"


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

    def problem(self, loc: tuple[int | str, ...], message: str, severity: str = "error") -> Problem:
        line, col = self.position(loc)
        return Problem(self.path, line, col, message, severity)


def _child(node: Node, part: int | str) -> tuple[Node | None, Node] | None:
    """The (key, value) nodes under ``node`` for one location part."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == str(part):
                return key, value
    elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return None, node.value[part]
    return None


_NOT_REGULAR = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _NOT_REGULAR if test(mode)), "not a regular file")


def _refuse_kind(mode: int) -> None:
    kind = _kind(mode)
    if kind is not None:
        raise YamlProblem(
            1,
            1,
            f"this is {kind}, not a regular file; knowledge files must be regular files "
            "(a symlink to one is fine): replace it with a normal file",
        )


def _os_problem(exc: OSError, path: Path) -> YamlProblem:
    """A read failure as a problem a person can act on."""
    if exc.errno == errno.ENOENT:
        if path.is_symlink():
            target = os.readlink(path)
            return YamlProblem(
                1, 1, f"this is a symlink to '{target}', which does not exist; fix or remove it"
            )
        return YamlProblem(
            1,
            1,
            "file vanished while it was being read (deleted or renamed mid-edit); "
            "check again once the edit is saved",
        )
    if exc.errno == errno.ELOOP:
        return YamlProblem(1, 1, "this symlink points (through others) back at itself; fix it")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return YamlProblem(
            1, 1, "cannot read this file: permission denied; let the bot's user read it"
        )
    return YamlProblem(1, 1, f"cannot read this file: {exc.strerror or exc}")


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """Up to ``limit`` bytes of a regular file, or raise :class:`YamlProblem`.

    The type is checked before opening (a FIFO would block ``open``), and again on the
    open descriptor, which is opened non-blocking in case the path was swapped for a
    FIFO in between. At most ``limit + 1`` bytes are read, so a link to an endless
    device cannot exhaust memory.
    """
    try:
        _refuse_kind(os.stat(path).st_mode)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise _os_problem(exc, path) from exc
    try:
        st = os.fstat(fd)
        _refuse_kind(st.st_mode)
        if st.st_size > limit:
            raise _too_big(st.st_size, limit)
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as exc:
        raise _os_problem(exc, path) from exc
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:  # grew while being read
        raise _too_big(len(data), limit)
    return data


def _too_big(size: int, limit: int) -> YamlProblem:
    return YamlProblem(
        1,
        1,
        f"file is {size / 1024 / 1024:.1f} MiB, over the {limit // 1024} KiB limit; "
        "split it into smaller files",
    )


def read_text(path: Path, display: str) -> str:
    """Read a regular file as UTF-8 within the size cap, or raise :class:`YamlProblem`."""
    raw = read_bytes(path)
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
    return parse_yaml(text, display)


def parse_yaml(text: str, display: str) -> YamlDoc:
    """Parse knowledge-file text, or raise :class:`YamlProblem` with its position."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            _check_tree(root)
        data = loader.construct_document(root) if root is not None else None
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        raise YamlProblem(*explain_syntax_error(text, exc)) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(1, 1, f"YAML error: {exc}") from exc
    finally:
        loader.dispose()
    return YamlDoc(display, data, root, text)


# -- syntax errors in plain words ---------------------------------------------------------
# The parser reports where it gave up, which for an unclosed quote or a missing space after
# a colon is a line or more after the mistake. Each finder below looks for one common
# mistake at or above that line and returns (line, column, message) for the line to fix.

Found = tuple[int, int, str]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return end if end >= 0 else len(text)


def _quote_end(text: str, start: int) -> int:
    """Index of the quote closing the scalar opened at ``start``, or -1."""
    quote = text[start]
    j = start + 1
    while j < len(text):
        c = text[j]
        if quote == '"' and c == "\\":
            j += 2
            continue
        if c == quote:
            if quote == "'" and text[j + 1 : j + 2] == "'":
                j += 2
                continue
            return j
        j += 1
    return -1


def _bad_quote(text: str, start: int) -> str | None:
    """Why the quoted scalar opened at ``start`` is broken, or None when it is fine."""
    quote = text[start]
    end = _quote_end(text, start)
    closing = "add the closing " + quote + " at the end of the text"
    if end < 0:
        return f"this text opens a quote ({quote}) that never closes; {closing}"
    rest = text[end + 1 : _line_end(text, end)].strip()
    if not rest or rest[0] in "#,]}:":
        return None
    if "\n" in text[start:end]:
        return f"this text opens a quote ({quote}) that never closes on its line; {closing}"
    after = rest.split()[0][:20]
    inner = (
        'write a " inside the text as \\" (or use “ ”)'
        if quote == '"'
        else ("write an apostrophe inside '...' as '' (or put the text in double quotes)")
    )
    return (
        f"the quotes in this text do not pair up: the {quote} before '{after}' ends it "
        f"early; add the missing closing {quote}, or {inner}"
    )


def _find_unclosed_quote(text: str, upto: int) -> Found | None:
    """The first broken quoted scalar starting on or before line ``upto``.

    A small scanner that knows where a YAML value may start (line start, after ``- ``,
    ``: ``, or ``[ { ,`` in flow context); a quote anywhere else is a literal character
    of plain text. Block scalars (``|``, ``>``) and comments are skipped.
    """
    i, n = 0, len(text)
    flow = 0
    expect = True  # at a position where a value (or key) may start
    line_indent = 0
    line_no, line_start = 1, 0
    while i < n:
        ch = text[i]
        if ch == "\n":
            i += 1
            line_no, line_start = line_no + 1, i
            line_indent = _indent(text[i : _line_end(text, i)])
            expect = True
            continue
        if ch in " \t":
            i += 1
            continue
        if ch == "#" and (i == 0 or text[i - 1] in " \t\n"):
            nl = text.find("\n", i)
            i = nl if nl >= 0 else n
            continue
        if expect and ch in "\"'":
            if line_no > upto:
                return None
            problem = _bad_quote(text, i)
            if problem is not None:
                return line_no, i - line_start + 1, problem
            end = _quote_end(text, i)
            line_no += text.count("\n", i, end)
            if text.rfind("\n", i, end) >= 0:
                line_start = text.rfind("\n", i, end) + 1
            i = end + 1
            expect = False
            continue
        if expect and ch in "|>" and not flow:
            # Skip the block scalar: every following line indented deeper than this one.
            nl = text.find("\n", i)
            while nl >= 0:
                following = text[nl + 1 : _line_end(text, nl + 1)]
                if following.strip() and _indent(following) <= line_indent:
                    break
                line_no, line_start = line_no + 1, nl + 1
                nl = text.find("\n", nl + 1)
            i = nl if nl >= 0 else n
            continue
        nxt = text[i + 1 : i + 2]
        if expect and ch in "[{":
            flow += 1
        elif flow and ch in "]}":
            flow -= 1
            expect = False
        elif flow and ch == ",":
            expect = True
        elif ch in "-?" and expect and nxt in ("", " ", "\n"):
            pass
        elif ch == ":" and (nxt in ("", " ", "\t", "\n") or (flow and nxt in ",]}")):
            expect = True
        else:
            expect = False
        i += 1
    return None


_NO_SPACE = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][\w-]*):(?!//)(\S.*)$")


def _find_missing_space(lines: list[str], candidates: list[int]) -> Found | None:
    for no in candidates:
        if 1 <= no <= len(lines):
            match = _NO_SPACE.match(lines[no - 1])
            if match:
                key, value = match.group(2), match.group(3).strip()
                return (
                    no,
                    len(match.group(1)) + 1,
                    f"'{key}:{value}' needs a space after the colon; write '{key}: {value}' "
                    "(without it YAML reads the whole thing as text)",
                )
    return None


def _find_tab(lines: list[str], upto: int) -> Found | None:
    for no, line in enumerate(lines[:upto], start=1):
        lead = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in lead and _is_content(line):
            return (
                no,
                lead.index("\t") + 1,
                "this line is indented with a tab; YAML indentation must be spaces: "
                "replace the tab with spaces",
            )
    return None


_KEY_THEN_TEXT = re.compile(r"^\s*(?:-\s+)?[\w-]+:\s+([^\s\"'\[{|>&*!].*)$")


def _find_colon_in_text(lines: list[str], no: int) -> Found | None:
    if not 1 <= no <= len(lines):
        return None
    match = _KEY_THEN_TEXT.match(lines[no - 1])
    if match and re.search(r":(\s|$)", match.group(1).split(" #")[0]):
        return (
            no,
            match.start(1) + 1,
            "this text contains ': ', which YAML reads as the start of another key; "
            'put the whole text in double quotes ("...")',
        )
    return None


def _content_indent(line: str) -> int:
    """Where a line's content starts, after any ``- `` list markers."""
    match = re.match(r"^(\s*(?:-\s+)*)", line)
    return len(match.group(1)) if match else 0


def _find_bad_indent(lines: list[str], no: int) -> Found | None:
    if not 1 <= no <= len(lines) or not _is_content(lines[no - 1]):
        return None
    line = lines[no - 1]
    here = _indent(line)
    above = [(k, lines[k - 1]) for k in range(no - 1, 0, -1) if _is_content(lines[k - 1])]
    if not above:
        return None
    prev_no, prev = above[0]
    opens_block = prev.split(" #")[0].rstrip().endswith(":")
    if here > _content_indent(prev) and not opens_block:
        want = _content_indent(prev)
        return (
            no,
            1,
            f"this line is indented {here} spaces, more than line {prev_no} above it "
            f"({want}), which does not open a nested block; indent it {want} spaces",
        )
    if here < _indent(prev) or (here > _indent(prev) and not opens_block):
        levels: list[tuple[int, int]] = []
        for k, text in above:
            for level in (_indent(text), _content_indent(text)):
                if all(level < lv for lv, _ in levels) or not levels:
                    levels.append((level, k))
            if _indent(text) == 0:
                break
        if here not in {lv for lv, _ in levels}:
            near = sorted(levels, key=lambda lv: abs(lv[0] - here))[:2]
            options = " or ".join(f"{lv} (like line {k})" for lv, k in sorted(near))
            return (
                no,
                1,
                f"this line is indented {here} spaces, which lines up with nothing above it; "
                f"indent it {options} spaces",
            )
    return None


_PLAIN_WORDS = (
    (
        "cannot start any token",
        "a value cannot start with {char}; put the text in double quotes",
    ),
    (
        "mapping values are not allowed",
        "': ' starts a key here, where none is allowed; if this is text, put it in double "
        "quotes, otherwise check the indentation",
    ),
    (
        "could not find expected ':'",
        "this line is not a 'key: value' pair; add ': ' after the key or quote the text",
    ),
)


def explain_syntax_error(text: str, exc: yaml.MarkedYAMLError) -> tuple[int, int, str]:
    """(line, column, plain-words message) for a YAML syntax error, on the line to fix."""
    # Only "\n" ends a line here, as in the scanner (str.splitlines also splits on form
    # feeds and other characters YAML keeps inside a line).
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    mark = exc.problem_mark or exc.context_mark
    at = min(mark.line + 1, max(len(lines), 1)) if mark else 1
    ctx = exc.context_mark.line + 1 if exc.context_mark else at
    what = f"{exc.context or ''} {exc.problem or ''}"
    found = (
        _find_tab(lines, at)
        or _find_unclosed_quote(text, at)
        or _find_missing_space(lines, [ctx, at, at - 1])
    )
    if found is None and "flow" in what and ctx < at and exc.context_mark is not None:
        opener = lines[ctx - 1][exc.context_mark.column : exc.context_mark.column + 1]
        closer, kind = ("]", "list") if opener == "[" else ("}", "mapping")
        found = (
            ctx,
            exc.context_mark.column + 1,
            f"this {kind} opened with '{opener}' is never closed; add '{closer}' at its end",
        )
    if found is None and "mapping values" in what:
        found = _find_colon_in_text(lines, at)
    if found is None:
        found = _find_bad_indent(lines, at)
    if found is None:
        problem = exc.problem or "invalid YAML"
        col = mark.column + 1 if mark and mark.line + 1 == at else 1
        char = lines[at - 1][col - 1 : col] if 1 <= at <= len(lines) else ""
        message = next(
            (plain for key, plain in _PLAIN_WORDS if key in problem),
            f"this is not valid YAML ({problem}); check the quotes, colons and "
            "indentation on this line and the one above",
        ).replace("{char}", f"'{char}'" if char.strip() else "this character")
        found = (at, col, message)
    line, col, message = found
    return line, col, f"YAML syntax error: {message}"
