"""Write docs/img/answer-embed.svg: the embed the bot sends for one question, drawn.

Run after changing answers or their layout: ``python scripts/render_embed.py``.
tests/test_render.py fails when the picture in the docs is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.embed_svg import embed_svg  # noqa: E402
from bot.engine.engine import Engine  # noqa: E402
from bot.kb.loader import load_directory  # noqa: E402
from bot.render import answer_embed_dict  # noqa: E402

QUESTION = "how much does gpt-4o mini cost?"
OUT = ROOT / "docs" / "img" / "answer-embed.svg"


def picture() -> str:
    engine = Engine(load_directory(ROOT / "knowledge"))
    ans = engine.answer(QUESTION)
    return embed_svg(answer_embed_dict(ans, engine.kb.ui))


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(picture(), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
