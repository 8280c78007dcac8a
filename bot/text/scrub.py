"""Privacy scrubbing of question text before it is stored.

``scrub`` removes what identifies people or places in Discord (user, role and
channel mentions, @everyone/@here), links and e-mail addresses, and characters
nobody can see (zero-width and bidi controls, other format and control
characters except the newline) that could hide either. Unlike ``normalize`` it
keeps the text readable: case, punctuation and line breaks stay as written.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 2000

# Whitespace controls become spaces so words either side stay apart; the rest vanish.
_CONTROL_SPACES = frozenset("\t\x0b\x0c\x1c\x1d\x1e\x1f\x85")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029]")
_ASCII_SPACES = re.compile(r"[\t\x0b\x0c\x1c-\x1f]")
_ASCII_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
_MENTION = re.compile(r"<@[!&]?\d+>|<#\d+>|@(?:everyone|here)\b")
_CUSTOM_EMOJI = re.compile(r"<a?(:\w+:)\d+>")
_COMMAND_MENTION = re.compile(r"</([\w -]+):\d+>")
_LINK = re.compile(
    r"<?\b[a-z][a-z0-9+.-]*://[^\s>]*>?"  # any scheme: https://, ftp://, steam://
    r"|\bwww\.[^\s>]+"
    r"|\bdiscord(?:app)?\.(?:gg|com/invite)/\S+",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"(?:mailto:)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{2,}")


def _visible(ch: str) -> str:
    if ch in _CONTROL_SPACES:
        return " "
    if ch == "\n":
        return ch
    # Cf: zero-width, bidi and tag characters; Cc: controls; Cs: lone surrogates,
    # which SQLite could not even encode.
    return "" if unicodedata.category(ch) in ("Cf", "Cc", "Cs") else ch


def strip_invisible(text: str) -> str:
    """``text`` without format/control characters (tabs become spaces, newlines stay)."""
    text = _NEWLINES.sub("\n", text)
    if text.isascii():
        return _ASCII_CONTROLS.sub("", _ASCII_SPACES.sub(" ", text))
    return "".join(_visible(ch) for ch in text)


def scrub(text: str, max_chars: int = MAX_CHARS) -> str:
    """``text`` fit to store: no mentions, links, e-mails or invisible characters."""
    text = strip_invisible(text)
    text = _MENTION.sub(" ", text)
    text = _COMMAND_MENTION.sub(r"/\1", text)
    text = _CUSTOM_EMOJI.sub(r"\1", text)
    text = _LINK.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n", "\n".join(lines)).strip("\n")
    return text[:max_chars]
