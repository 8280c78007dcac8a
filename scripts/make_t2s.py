"""Regenerate bot/text/data/t2s.txt: traditional -> simplified Chinese, one character each.

The pairs are the single-character entries of the zh-Hans conversion table that the
zhconv package ships (MediaWiki's conversion data), concatenated: "們们個个…". The bot
maps traditional characters with it before matching, so 這個模型多少錢 reads like
这个模型多少钱. zhconv is needed only to regenerate the file: pip install zhconv.
"""

from __future__ import annotations

from pathlib import Path

import zhconv.zhconv as z

OUT = Path(__file__).resolve().parents[1] / "bot" / "text" / "data" / "t2s.txt"


def main() -> None:
    z.loaddict()
    table = z.zhcdicts["zh2Hans"]
    pairs = sorted((k, v) for k, v in table.items() if len(k) == 1 and len(v) == 1 and k != v)
    OUT.write_text("".join(k + v for k, v in pairs), encoding="utf-8")
    print(f"wrote {OUT} ({len(pairs)} pairs)")


if __name__ == "__main__":
    main()
