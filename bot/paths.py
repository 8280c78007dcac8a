"""Default locations on disk, shared by the settings and the console.

Kept apart from ``bot.kb`` so that ``bot.settings`` needs nothing from the
knowledge store (the layering test checks this).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DATA_DIR = Path("data")
DATABASE_FILE = "analytics.sqlite3"


def default_knowledge_dir() -> Path:
    """``$KNOWLEDGE_DIR``, else ./knowledge, else the one beside the package."""
    env = os.environ.get("KNOWLEDGE_DIR", "").strip()
    if env:
        return Path(env)
    here = Path("knowledge")
    if (here / "sources.yaml").is_file():
        return here
    return Path(__file__).resolve().parents[1] / "knowledge"
