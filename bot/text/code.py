"""Code pasted into a message: fenced blocks, inline spans and runs of code-looking lines.

A code paste says nothing about which model someone wants ("char *buf" is not a request for
a C model), so the matcher reads only the prose around it.
"""

from __future__ import annotations

import re

_FENCED = re.compile(r"```.*?(?:```|$)|`[^`\n]*`", re.S)
_CODE_LINE = re.compile(
    r"[;{}]\s*$|^\s*[}\])]|^\s*(?:select|from|where|group by|order by|limit|insert|update|"
    r"def|class|import|from \S+ import|return|for|while|if|elif|else|try|except|#include|"
    r"public|private|static|const|let|var|function|fn|func|package|using|print|console\.)\b"
    r"|=>|->|::|==|!=|\+=|^\s*(?:\$|>>>) ",
    re.I,
)
# Code carries punctuation; a line of prose may start "if", "for" or "from" and has none.
# Imports and includes need none.
_CODE_MARK = re.compile(
    r"[()\[\]{}=;$<>*%]|^\s*(?:import|from \S+ import|#include|package|using)\b"
)
# Lines of a log, a stack trace or a shell session: "NameError: …", "npm ERR! …",
# "  File "a.py", line 3", "    at f (app.js:3:9)", "FATAL ERROR: …", "done".
_LOG_LINE = re.compile(
    r"^\s*(?:[A-Z]\w*(?:Error|Exception|Warning)\b|Traceback \(|File \"|at \S+ \(|"
    r"(?:FATAL|ERROR|WARN(?:ING)?|INFO|DEBUG|npm ERR!)[:!\s\[]|(?:error|warning|fatal)[:\[]|"
    r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d|(?:done|fi|esac|end)\s*$|"
    r"(?:mv|cp|rm|cd|ls|cat|echo|grep|sudo|pip|npm|git|docker|kubectl)\s+\S*[-$./*]\S*)"
)


def _code_line(line: str) -> bool:
    return _CODE_LINE.search(line) is not None and _CODE_MARK.search(line) is not None


def _pasted_line(line: str) -> bool:
    return _code_line(line) or _LOG_LINE.search(line) is not None


def without_code(text: str) -> str:
    """``text`` with its code left out: fenced and inline code, and the code-looking lines
    of a message that is mostly such lines (an unfenced paste)."""
    prose = _FENCED.sub(" ", text)
    lines = [line for line in prose.splitlines() if line.strip()]
    if len(lines) >= 2:
        code = [line for line in lines if _pasted_line(line)]
        if len(code) * 2 >= len(lines):
            prose = "\n".join(line for line in lines if not _pasted_line(line))
    return prose.strip()


def has_paste(text: str) -> bool:
    """Whether ``text`` carries pasted code, a log or a stack trace besides its prose: a
    fenced block, or lines after the first that look like a log or like code."""
    if "```" in text:
        return True
    lines = [line for line in text.splitlines() if line.strip()]
    return any(_pasted_line(line) for line in lines[1:])
