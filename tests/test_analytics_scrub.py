"""Privacy scrubbing of stored question text (bot.text.scrub)."""

from __future__ import annotations

import pytest

from bot.text.scrub import MAX_CHARS, scrub


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        # mentions of users, nicknames, roles and channels, and mass pings
        ("<@123456789012345678> which model?", "which model?"),
        ("hey <@!123456789012345678>, which model?", "hey , which model?"),
        ("ask <@&2000000000000000101> about it", "ask about it"),
        ("see <#3000000000000000002> for more", "see for more"),
        ("@everyone which model is cheapest", "which model is cheapest"),
        ("@here help", "help"),
        ("my @heresy is fine", "my @heresy is fine"),  # not a mass ping
        # links, e-mail addresses and invites
        ("read https://example.com/a?b=c first", "read first"),
        ("read <https://example.com/a> first", "read first"),
        ("http://x.y and ftp://files.example/z", "and"),
        ("visit www.example.com today", "visit today"),
        ("join discord.gg/abc123 now", "join now"),
        ("mail me at someone.name+tag@example.co.uk", "mail me at"),
        ("mailto:me@example.com", ""),
        # invisible characters, also when they try to hide a mention or a link
        ("which\u200b model\u200d?", "which model?"),
        ("\u202eledom hcihw\u202c", "ledom hcihw"),  # bidi override
        ("\u2066isolated\u2069 text\ufeff", "isolated text"),
        ("@\u200beveryone ping", "ping"),
        ("ht\u200btps://evil.example/x ok", "ok"),
        ("tag\U000e0041\U000e0042 chars", "tag chars"),
        ("bell\x07 and nul\x00", "bell and nul"),
        ("tab\tseparated", "tab separated"),
        # kept as written: case, punctuation, emoji, Chinese, line breaks
        ("Which MODEL? 🤔", "Which MODEL? 🤔"),
        ("GPT-4o mini 多少钱？", "GPT-4o mini 多少钱？"),
        ("line one\r\nline two\n\n\nline three", "line one\nline two\nline three"),
        ("custom <:blobcat:123456789012345678> emoji", "custom :blobcat: emoji"),
        ("run </ask:123456789012345678> please", "run /ask please"),
        ("  lots   of   space  ", "lots of space"),
    ],
)
def test_scrub(raw: str, stored: str) -> None:
    """What is stored for a raw question."""
    assert scrub(raw) == stored


def test_scrub_caps_length() -> None:
    """Stored text is at most MAX_CHARS characters."""
    assert len(scrub("y" * (MAX_CHARS + 500))) == MAX_CHARS


def test_scrub_removes_lone_surrogates() -> None:
    """A lone surrogate (which SQLite cannot store) is dropped instead of failing the write."""
    assert scrub("bad \ud800 text") == "bad text"
