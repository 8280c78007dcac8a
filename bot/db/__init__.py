"""Where the bot keeps analytics and knowledge revisions: ``DATABASE_URL``.

Unset (or ``sqlite:///path``) is the embedded default: SQLite files in the data
directory, nothing to install, one process. ``postgresql://user@host/db`` is one
database several bot processes share (``bot/db/pg.py``): analytics, revision
history, undo, digest claims and the feed that carries each accepted knowledge
revision to every process (``bot/db/feed.py``).

Nothing here imports discord; psycopg is imported only when PostgreSQL is used.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

SCHEMES = ("sqlite", "postgresql", "postgres")


class DatabaseUrlError(ValueError):
    """``DATABASE_URL`` cannot be used; the message says why and how to fix it."""


@dataclass(frozen=True)
class Database:
    """A parsed ``DATABASE_URL``: ``kind`` is "sqlite" (``path`` set) or "postgresql"."""

    kind: str
    url: str = ""
    path: Path | None = None

    @property
    def shared(self) -> bool:
        return self.kind == "postgresql"

    def describe(self) -> str:
        """The URL without its password, for logs and error messages."""
        if not self.shared:
            return f"sqlite:///{self.path}"
        parts = urlsplit(self.url)
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port else ""
        user = f"{parts.username}@" if parts.username else ""
        return f"postgresql://{user}{host}{port}{parts.path}"


def parse_database_url(url: str | None, default_path: Path) -> Database:
    """``DATABASE_URL`` as a :class:`Database`; empty means SQLite at ``default_path``."""
    text = (url or "").strip()
    if not text:
        return Database("sqlite", path=default_path)
    scheme = text.split(":", 1)[0].lower()
    if scheme not in SCHEMES or "://" not in text:
        raise DatabaseUrlError(
            f"DATABASE_URL '{Database('postgresql', text).describe() if '://' in text else text}'"
            " is not a database URL: use sqlite:///path/to/analytics.sqlite3 (the default, "
            "one process) or postgresql://user:password@host:5432/dbname (several processes)"
        )
    if scheme == "sqlite":
        path = text.split("://", 1)[1]
        if path.startswith("/") and not path.startswith("//"):
            path = path[1:]  # sqlite:///relative/path, sqlite:////absolute/path
        if not path:
            raise DatabaseUrlError(
                "DATABASE_URL 'sqlite://' names no file: write sqlite:///data/analytics.sqlite3"
            )
        return Database("sqlite", path=Path(path))
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:  # pragma: no cover - psycopg is a declared dependency
        raise DatabaseUrlError(
            "DATABASE_URL is a PostgreSQL URL but psycopg is not installed: "
            "pip install 'psycopg[binary]' psycopg-pool"
        ) from exc
    return Database("postgresql", url="postgresql://" + text.split("://", 1)[1])


def database_errors(*more: type[Exception]) -> tuple[type[Exception], ...]:
    """Every error a database call can raise, plus ``more``: SQLite's, and psycopg's once
    something has imported it. Call it in the ``except`` clause itself: a process on
    SQLite never loads psycopg (about 9 MiB), and nothing raises its errors there."""
    psycopg = sys.modules.get("psycopg")
    errors: tuple[type[Exception], ...] = (sqlite3.Error, *more)
    return errors if psycopg is None else (*errors, psycopg.Error)


def is_transient(exc: BaseException) -> bool:
    """A failure worth retrying: SQLite locked by another program, or PostgreSQL
    unreachable, restarting or too slow. Anything else is a real error."""
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
        return "locked" in str(exc) or "busy" in str(exc)
    psycopg = sys.modules.get("psycopg")
    if psycopg is None:
        return False
    return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)
