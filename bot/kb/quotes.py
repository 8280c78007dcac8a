"""Verbatim quote lookup in a source article.

A quote matches when it is a substring of the source after both are
whitespace-collapsed; nothing else is forgiven. The section of a quote is
the nearest Markdown heading above it in the source.

For a misquote, :meth:`SourceText.closest` suggests a replacement made of
whole clauses of the source (split at sentence and clause punctuation, line
breaks and list markers), so that pasting the suggestion gives a sensible,
verbatim quote. Everything here is linear in the source's size or capped.
"""

from __future__ import annotations

import bisect
import itertools
import re

from rapidfuzz import fuzz, process

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
_LIST_MARKER = re.compile(r"^(?:[-*+>]|#{1,6}|\d{1,3}[.)])$")
_TRIM = "，,；;：: "


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


class SourceText:
    """A source article prepared for quote checks and section lookup."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.flat = collapse_whitespace(raw)
        self._heading_offsets: list[int] = []
        self._headings: list[str] = []
        self._index_headings()
        self._clauses: list[tuple[int, int]] | None = None

    def _index_headings(self) -> None:
        # Offsets are positions in ``flat``; headings inside code fences are ignored.
        in_fence = False
        length = 0  # length of ``flat`` built from the lines seen so far
        for line in self.raw.splitlines():
            if _FENCE.match(line):
                in_fence = not in_fence
            heading = None if in_fence else parse_heading(line)
            if heading is not None:
                self._heading_offsets.append(length + (1 if length else 0))
                self._headings.append(heading)
            piece = collapse_whitespace(line)
            if piece:
                length += len(piece) + (1 if length else 0)

    def section_of(self, quote: str) -> str | None:
        """The heading above ``quote``, '' before any heading, or None when not verbatim."""
        needle = collapse_whitespace(quote)
        pos = self.flat.find(needle) if needle else -1
        if pos < 0:
            return None
        i = bisect.bisect_right(self._heading_offsets, pos) - 1
        return self._headings[i] if i >= 0 else ""

    # -- suggestions for misquotes ------------------------------------------------
    def clauses(self) -> list[tuple[int, int]]:
        """(start, end) offsets in ``flat`` of the source's clauses, in order."""
        if self._clauses is None:
            self._clauses = self._split_clauses()
        return self._clauses

    def _split_clauses(self) -> list[tuple[int, int]]:
        # ``flat`` is the source's words joined by single spaces, so word k starts where
        # the lengths of the words before it (plus separators) say.
        bounds: list[int] = [0]
        pos = 0
        previous_end = 0
        for match in _WORD.finditer(self.raw):
            word = match.group()
            if pos:
                pos += 1  # the single space standing for the whitespace before this word
            starts_line = "\n" in self.raw[previous_end : match.start()] or not previous_end
            previous_end = match.end()
            if starts_line:
                bounds.append(pos)
                if _LIST_MARKER.match(word):
                    bounds.append(pos + len(word))
            core = len(word.rstrip(_CLOSER_CHARS))  # the word without trailing closers
            for k, ch in enumerate(word):
                if ch in _CJK_STOPS or (ch in _LATIN_STOPS and k >= core - 1):
                    j = k + 1
                    while j < min(len(word), k + 4) and word[j] in _CLOSERS:
                        j += 1
                    bounds.append(pos + j)
            pos += len(word)
        bounds.append(len(self.flat))
        clauses: list[tuple[int, int]] = []
        for start, end in itertools.pairwise(bounds):
            while start < end and self.flat[start] == " ":
                start += 1
            while end > start and self.flat[end - 1] == " ":
                end -= 1
            if end > start and not (clauses and clauses[-1][1] > start):
                clauses.append((start, end))
        return [c for c in clauses if not _LIST_MARKER.match(self.flat[c[0] : c[1]])]

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

    @property
    def headings(self) -> list[str]:
        return list(self._headings)
