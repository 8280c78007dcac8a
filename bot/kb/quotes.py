"""Verbatim quote lookup in a source article.

A quote matches when it is a substring of the source after both are
whitespace-collapsed; nothing else is forgiven. The section of a quote is
the nearest Markdown heading above it in the source.
"""

from __future__ import annotations

import bisect
import re

from rapidfuzz import fuzz

_WS = re.compile(r"\s+")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def collapse_whitespace(text: str) -> str:
    return _WS.sub(" ", text).strip()


class SourceText:
    """A source article prepared for quote checks and section lookup."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.flat = collapse_whitespace(raw)
        self._heading_offsets: list[int] = []
        self._headings: list[str] = []
        self._index_headings()

    def _index_headings(self) -> None:
        # Offsets are positions in ``flat``; headings inside code fences are ignored.
        in_fence = False
        length = 0  # length of ``flat`` built from the lines seen so far
        for line in self.raw.splitlines():
            if _FENCE.match(line):
                in_fence = not in_fence
            match = None if in_fence else _HEADING.match(line)
            if match:
                self._heading_offsets.append(length + (1 if length else 0))
                self._headings.append(collapse_whitespace(match.group(1)))
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

    def closest(self, quote: str) -> str:
        """The passage of the source that best matches a misquoted ``quote``."""
        needle = collapse_whitespace(quote)
        alignment = fuzz.partial_ratio_alignment(needle, self.flat)
        if alignment is None:
            return ""
        return self.flat[alignment.dest_start : alignment.dest_end]

    @property
    def headings(self) -> list[str]:
        return list(self._headings)
