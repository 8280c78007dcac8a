"""Telling pasted code and logs from the prose around them (bot/text/code.py)."""

from __future__ import annotations

import pytest

from bot.text.code import has_paste, without_code


@pytest.mark.parametrize(
    ("message", "prose"),
    [
        ("here it is ```def f(x): return x```, thoughts?", "here it is  , thoughts?"),
        ("SELECT * FROM users\nWHERE id = 1;", ""),
        # a shell session and a build log are pastes too
        ("for f in *.jpg; do\n  mv $f x.png\ndone", ""),
        ("build dies:\nnpm ERR! code ELIFECYCLE\nnpm ERR! errno 1", "build dies:"),
        ('Traceback (most recent call last):\n  File "a.py", line 3\nNameError: x', ""),
    ],
)
def test_code_and_log_lines_are_left_out(message: str, prose: str) -> None:
    assert without_code(message) == prose


@pytest.mark.parametrize(
    "message",
    [
        # prose lines that start like code keywords, without code's punctuation
        "we run a bank.\nif data must stay on-prem, which option is best for support?",
        "hello\nfrom tokyo, which model is cheapest?",
        "which model?\nerror messages confuse my users",
    ],
)
def test_prose_that_starts_like_code_is_kept(message: str) -> None:
    assert without_code(message) == message
    assert not has_paste(message)


@pytest.mark.parametrize(
    "message",
    [
        "where is the bug\nfor f in *.jpg do\n  mv $f ${f%.jpg}.png\ndone",
        "要调哪个参数\nFATAL ERROR: Reached heap limit Allocation failed",
        "why? ```x = 1```",
    ],
)
def test_a_question_over_a_paste_has_a_paste(message: str) -> None:
    assert has_paste(message)
