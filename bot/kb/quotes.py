"""Verbatim quote lookup in a source document.

A source is read two ways: as its Markdown text, and *as rendered*, the way a
reader sees it (link and emphasis syntax gone, images dropped, HTML tags
removed, each row of an HTML table on its own line with its cells separated by
" | "). A quote matches when it is a substring of either view after both are
whitespace-collapsed; nothing else is forgiven. So a sentence with a link in
the middle can be quoted whole, as it reads. The section of a quote is the
nearest heading above it.

For a misquote, :meth:`SourceText.closest` suggests a replacement made of
whole clauses of the rendered text (split at sentence and clause punctuation,
line breaks and list markers), so that pasting the suggestion gives a
sensible, verbatim quote; :meth:`SourceText.find` lists the passages that
hold some words, for an admin looking for a quote. Everything here is linear
in the source's size or capped.
"""

from __future__ import annotations

import bisect
import html
import itertools
import re
from html.parser import HTMLParser

from rapidfuzz import fuzz, process

from bot.text.normalize import STOPWORDS

_WS = re.compile(r"\s+")
_FENCE = re.compile(r"^\s*(```|~~~)")
_WORD = re.compile(r"\S+")

# Longer quotes are refused: nobody cites a page, and fuzzy matching grows with the length.
MAX_QUOTE_CHARS = 500
# Clauses one suggestion may join, and candidate spans scored per misquote (for huge sources).
_MAX_CLAUSES = 6
_MAX_CANDIDATES = 200_000

# A clause ends after these anywhere ...
_CJK_STOPS = frozenset("。！？；，：")
# ... and after these only at the end of a word ("3.1" and "$0.15" stay whole).
_LATIN_STOPS = frozenset(".!?;,:")
# Closing brackets and quotes that belong to the clause before a stop.
_CLOSER_CHARS = "”’」』）)]*_\"'"
_CLOSERS = frozenset(_CLOSER_CHARS)
_LIST_MARKER = re.compile(r"^(?:[-*+>•|]|#{1,6}|\d{1,3}[.)])$")
_TRIM = "，,；;：: |"
CELL_SEPARATOR = " | "

# Inline Markdown, as a reader sees it.
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![\w*])([*_])(?=[^\s*_])(.+?)(?<=[^\s*_])\1(?![\w*])")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_BLOCK_PREFIX = re.compile(r"^\s{0,3}(?:>\s?)+|^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+")
_CODE_SPAN = re.compile(r"`+([^`]*)`+")


def collapse_whitespace(text: str) -> str:
    return _WS.sub(" ", text).strip()


def parse_heading(line: str) -> str | None:
    """The text of a Markdown ATX heading line (``# Title #``), or None.

    Written by hand instead of as a regex: the natural pattern backtracks cubically on a
    heading with a long run of spaces.
    """
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3 or not stripped.startswith("#"):
        return None
    level = len(stripped) - len(stripped.lstrip("#"))
    rest = stripped[level:]
    if level > 6 or not rest or not rest[0].isspace():
        return None
    text = rest.strip()
    # A closing run of '#' counts only when a space separates it from the text.
    without = text.rstrip("#")
    if without != text and (not without or without[-1].isspace()):
        text = without.rstrip()
    return collapse_whitespace(text) or None


class _TableCells(HTMLParser):
    """The text of each cell of an HTML table, row by row."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            if not self.rows:
                self.rows.append([])
            self._close_cell()
            self._cell = []
        elif tag in ("br", "p", "li") and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "tr"):
            self._close_cell()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def _close_cell(self) -> None:
        if self._cell is not None and self.rows:
            self.rows[-1].append(collapse_whitespace(render_inline("".join(self._cell))))
        self._cell = None


def render_inline(text: str) -> str:
    """One line of Markdown as a reader sees it: links as their text, no emphasis marks,
    no images or HTML tags, entities decoded."""
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _CODE_SPAN.sub(r"\1", text)
    text = _STRONG.sub(r"\2", text)
    text = _STRONG.sub(r"\2", text)  # "**[**x**](u)**" nests once
    text = _EMPHASIS.sub(r"\2", text)
    text = _TAG.sub(" ", text)
    return html.unescape(text)


def rendered_lines(raw: str) -> list[tuple[str, bool]]:
    """(text, is a heading) for each line of ``raw`` as rendered; tables give a line a row."""
    out: list[tuple[str, bool]] = []
    in_fence = False
    table: list[str] | None = None
    for line in raw.splitlines():
        if table is not None:
            table.append(line)
            if "</table>" in line.lower():
                out += [(row, False) for row in _table_rows("\n".join(table))]
                table = None
            continue
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            out.append((line, False))
            continue
        if "<table" in line.lower():
            table = [line]
            if "</table>" in line.lower():
                out += [(row, False) for row in _table_rows(line)]
                table = None
            continue
        heading = parse_heading(line)
        if heading is not None:
            out.append((collapse_whitespace(render_inline(heading)), True))
            continue
        out.append((render_inline(_BLOCK_PREFIX.sub("", line)), False))
    if table is not None:  # an unclosed table: keep what it holds
        out += [(row, False) for row in _table_rows("\n".join(table))]
    return out


def _table_rows(markup: str) -> list[str]:
    parser = _TableCells()
    parser.feed(markup)
    parser.close()
    rows = [CELL_SEPARATOR.join(c for c in row if c) for row in parser.rows]
    return [r for r in rows if r]


class _View:
    """One reading of a source: its lines whitespace-collapsed into ``flat``, with the
    position of each heading and, on demand, its clauses."""

    def __init__(self, lines: list[tuple[str, bool]]) -> None:
        self.lines = lines
        pieces: list[str] = []
        self.heading_offsets: list[int] = []
        self.headings: list[str] = []
        length = 0
        for text, is_heading in lines:
            piece = collapse_whitespace(text)
            if is_heading and piece:
                self.heading_offsets.append(length + (1 if length else 0))
                self.headings.append(piece)
            if piece:
                pieces.append(piece)
                length += len(piece) + (1 if length else 0)
        self.flat = " ".join(pieces)
        self._clauses: list[tuple[int, int]] | None = None

    def section_of(self, needle: str) -> str | None:
        pos = self.flat.find(needle) if needle else -1
        if pos < 0:
            return None
        i = bisect.bisect_right(self.heading_offsets, pos) - 1
        return self.headings[i] if i >= 0 else ""

    def clauses(self) -> list[tuple[int, int]]:
        if self._clauses is None:
            self._clauses = self._split_clauses()
        return self._clauses

    def _split_clauses(self) -> list[tuple[int, int]]:
        # ``flat`` is the lines' words joined by single spaces, so word k starts where the
        # lengths of the words before it (plus separators) say.
        bounds: list[int] = [0]
        pos = 0
        for text, _ in self.lines:
            for k, match in enumerate(_WORD.finditer(text)):
                word = match.group()
                if pos:
                    pos += 1  # the single space standing for the whitespace before this word
                if k == 0:
                    bounds.append(pos)
                    if _LIST_MARKER.match(word):
                        bounds.append(pos + len(word))
                if word == "|":
                    bounds += [pos, pos + 1]
                core = len(word.rstrip(_CLOSER_CHARS))  # the word without trailing closers
                for i, ch in enumerate(word):
                    if ch in _CJK_STOPS or (ch in _LATIN_STOPS and i >= core - 1):
                        j = i + 1
                        while j < min(len(word), i + 4) and word[j] in _CLOSERS:
                            j += 1
                        bounds.append(pos + j)
                pos += len(word)
        bounds.append(len(self.flat))
        clauses: list[tuple[int, int]] = []
        for start, end in itertools.pairwise(sorted(set(bounds))):
            while start < end and self.flat[start] == " ":
                start += 1
            while end > start and self.flat[end - 1] == " ":
                end -= 1
            if end > start and not (clauses and clauses[-1][1] > start):
                clauses.append((start, end))
        return [c for c in clauses if not _LIST_MARKER.match(self.flat[c[0] : c[1]])]


class SourceText:
    """A source document prepared for quote checks, section lookup and quote search."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self._rendered = _View(rendered_lines(raw))
        raw_lines: list[tuple[str, bool]] = []
        in_fence = False
        for line in raw.splitlines():
            if _FENCE.match(line):
                in_fence = not in_fence
            raw_lines.append((line, not in_fence and parse_heading(line) is not None))
        self._markdown = _View(raw_lines)
        # Heading lines of the Markdown view read as the heading's text.
        self._markdown.headings = [
            collapse_whitespace(render_inline(parse_heading(text) or text))
            for text, is_heading in raw_lines
            if is_heading and collapse_whitespace(text)
        ]

    @property
    def flat(self) -> str:
        """The rendered text, whitespace-collapsed: what suggestions are cut from."""
        return self._rendered.flat

    def section_of(self, quote: str) -> str | None:
        """The heading above ``quote``, '' before any heading, or None when not verbatim."""
        needle = collapse_whitespace(quote)
        found = self._rendered.section_of(needle)
        return found if found is not None else self._markdown.section_of(needle)

    def clauses(self) -> list[tuple[int, int]]:
        """(start, end) offsets in :attr:`flat` of the rendered text's clauses, in order."""
        return self._rendered.clauses()

    # -- suggestions for misquotes ------------------------------------------------
    def closest(self, quote: str) -> str:
        """A whole-clause passage of the source that best matches a misquoted ``quote``.

        The result is verbatim in the source (so it passes as a quote itself): one clause
        or a run of neighbouring clauses, scored by similarity to the quote, or, for a
        quote that is a small part of one long clause, that clause.
        """
        needle = collapse_whitespace(quote)[:MAX_QUOTE_CHARS]
        clauses = self.clauses()
        if not needle or not clauses:
            return ""
        longest = 2 * len(needle) + 20
        spans: list[tuple[int, int]] = []
        for i, (start, end) in enumerate(clauses):
            spans.append((start, end))
            for k in range(i + 1, min(i + _MAX_CLAUSES, len(clauses))):
                if clauses[k][1] - start > longest:
                    break
                spans.append((start, clauses[k][1]))
            if len(spans) >= _MAX_CANDIDATES:
                break
        texts = [self.flat[a:b] for a, b in spans]
        lone = set(clauses)
        whole = process.extractOne(needle, texts, scorer=fuzz.ratio, processor=None)
        best_score, best = (whole[1], whole[2]) if whole else (0.0, 0)
        # A short quote from a long clause scores low on the whole clause; judge how well
        # it fits inside instead, slightly discounted so a close whole span still wins.
        inside = [i for i, (a, b) in enumerate(spans) if b - a > len(needle) and (a, b) in lone]
        part = process.extractOne(
            needle, [texts[i] for i in inside], scorer=fuzz.partial_ratio, processor=None
        )
        if part is not None and part[1] * 0.9 > best_score:
            best = inside[part[2]]
        return self.flat[spans[best][0] : spans[best][1]].strip(_TRIM)

    def find(self, words: str, limit: int = 5) -> list[tuple[float, str, str]]:
        """Up to ``limit`` passages holding ``words``, best first: (score, passage, section).

        A passage is one sentence of the rendered text, or one row of a table, so it
        passes as a quote exactly as printed. The score is the share of the words (of
        the Chinese character pairs, for Chinese) that the passage holds, times 100.
        """
        wanted = _search_units(words)
        if not wanted:
            return []
        scored: list[tuple[float, int, int, str]] = []
        for order, passage in enumerate(self.sentences()):
            have = _search_units(passage)
            share = len(wanted & have) / len(wanted)
            if share > 0:
                scored.append((-share, len(passage), order, passage))
        scored.sort()
        return [
            (round(-share * 100, 1), passage, self.section_of(passage) or "")
            for share, _, _, passage in scored[:limit]
        ]

    def sentences(self) -> list[str]:
        """The rendered text's sentences and table rows, in order (each verbatim)."""
        out: list[str] = []
        for text, _ in self._rendered.lines:
            line = collapse_whitespace(text)
            if not line:
                continue
            if CELL_SEPARATOR in line:
                out.append(line)
                continue
            out += [s for s in (m.strip() for m in _SENTENCE.findall(line)) if s]
        return out

    @property
    def headings(self) -> list[str]:
        return list(self._rendered.headings)


_SENTENCE = re.compile(r".+?(?:[。！？]+[”’」』）)]*|[.!?]+[”’\"')\]]*(?=\s|$)|$)")
_LATIN_UNIT = re.compile(r"[a-z0-9][a-z0-9.+%$-]*")


def _search_units(text: str) -> set[str]:
    """Latin words (case-folded, no stop words, a plural s dropped) and Chinese character pairs."""
    folded = text.casefold()
    words = (w.rstrip(".") for w in _LATIN_UNIT.findall(folded))
    units = {w.removesuffix("s") or w for w in words if w and w not in STOPWORDS}
    for run in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+", folded):
        units.update(run[i : i + 2] for i in range(max(1, len(run) - 1)))
    return units
