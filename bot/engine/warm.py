"""A warm start for one-shot console commands: the checked knowledge base and its indexes,
kept as a pickle keyed by the content of every knowledge file and of the code that reads
them, so ``python -m bot ask`` skips parsing, checking and indexing when nothing changed.

The pickle is written only from a knowledge base that passed every check, and is read
only when the key matches; anything unreadable is ignored and rebuilt. It is a cache the
bot writes for itself in its own data directory: it is never loaded from anywhere else.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path

from bot.engine.analysis import Matchers
from bot.kb.loader import load_directory
from bot.kb.schema import KnowledgeBase

log = logging.getLogger(__name__)

CACHE_NAME = "kb-warm-{key}.pickle"
_CODE = Path(__file__).resolve().parents[1]  # the bot package


def _key(directory: Path) -> str:
    digest = hashlib.sha256()
    roots = [(directory, ("*.yaml", "models/*.yaml", "sources/*")), (_CODE, ("**/*.py",))]
    for root, patterns in roots:
        for pattern in patterns:
            for path in sorted(root.glob(pattern)):
                if path.is_file() and "__pycache__" not in path.parts:
                    digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                    digest.update(path.read_bytes() + b"\0")
    digest.update(str(directory.resolve()).encode())
    return digest.hexdigest()[:24]


def load_warm(directory: Path, cache_dir: Path | None) -> tuple[KnowledgeBase, Matchers | None]:
    """The knowledge base in ``directory`` (and its matchers when cached)."""
    if cache_dir is None:
        return load_directory(directory), None
    try:
        path = cache_dir / CACHE_NAME.format(key=_key(directory))
        if path.is_file():
            with path.open("rb") as fh:
                kb, matchers = pickle.load(fh)
            if isinstance(kb, KnowledgeBase) and isinstance(matchers, Matchers):
                return kb, matchers
    except Exception:  # a stale or broken cache only costs a rebuild
        log.debug("warm cache unreadable; rebuilding", exc_info=True)
    kb = load_directory(directory)  # raises KnowledgeError when the files are broken
    matchers = Matchers(kb)
    _store(cache_dir, path, kb, matchers)
    return kb, matchers


def _store(cache_dir: Path, path: Path, kb: KnowledgeBase, matchers: Matchers) -> None:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in cache_dir.glob(CACHE_NAME.format(key="*")):
            old.unlink(missing_ok=True)  # one warm copy is enough
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".kb-warm-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((kb, matchers), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        log.debug("warm cache not written", exc_info=True)
