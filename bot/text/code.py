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


def without_code(text: str) -> str:
    """``text`` with its code left out: fenced and inline code, and the code-looking lines
    of a message that is mostly such lines (an unfenced paste)."""
    prose = _FENCED.sub(" ", text)
    lines = [line for line in prose.splitlines() if line.strip()]
    if len(lines) >= 2:
        code = [line for line in lines if _CODE_LINE.search(line)]
        if len(code) * 2 >= len(lines):
            prose = "\n".join(line for line in lines if not _CODE_LINE.search(line))
    return prose.strip()
