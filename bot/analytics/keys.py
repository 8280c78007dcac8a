"""Identifiers and pseudonyms: the per-install salt, salted user hashes, question ids."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

# Question ids: milliseconds since 2024-01-01 in the high bits, so ids sort by time and
# fit a signed 64-bit SQLite integer (41 bits of milliseconds last until 2093).
ID_EPOCH_MS = 1_704_067_200_000
_SEQUENCE_BITS = 22


def salt_path(database: Path) -> Path:
    """Where the salt for ``database`` lives: a file next to it."""
    return database.with_name(database.name + ".salt")


def load_or_create_salt(path: Path) -> bytes:
    """The salt in ``path``; created (random, mode 0600) on first use.

    Two processes starting at once agree on one salt: the file is written
    completely under a temporary name and then linked into place, which fails
    for the second writer, who reads the winner's file instead.
    """
    try:
        return _read_salt(path)
    except FileNotFoundError:
        pass
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            os.fchmod(out.fileno(), 0o600)  # whatever the umask
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)
            log.info("created a new analytics salt in %s (keep it with the database)", path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    return _read_salt(path)


def _read_salt(path: Path) -> bytes:
    value = path.read_text(encoding="ascii").strip()
    if len(value) < 32:
        raise OSError(f"{path} holds no usable salt; delete it to create a new one")
    return value.encode()


def secret_bytes(salt: object) -> bytes:
    """The bytes of an explicit salt given as str, bytes or a pydantic ``SecretStr``."""
    if hasattr(salt, "get_secret_value"):
        salt = salt.get_secret_value()
    return salt if isinstance(salt, bytes) else str(salt).encode()


def user_hash(salt: bytes, user_id: object) -> str:
    """A stable pseudonym for ``user_id``: keyed SHA-256 (HMAC), 96 bits in hex."""
    return hmac.new(salt, str(user_id).encode(), hashlib.sha256).hexdigest()[:24]


class IdGenerator:
    """63-bit ids that increase within a process and sort by creation time across runs.

    A random offset in the low bits keeps two processes writing in the same
    millisecond apart; the lock is held only for the arithmetic.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = secrets.randbits(_SEQUENCE_BITS - 1)
        self._last = 0

    def __call__(self) -> int:
        now_ms = time.time_ns() // 1_000_000 - ID_EPOCH_MS
        candidate = (max(now_ms, 0) << _SEQUENCE_BITS) | self._offset
        with self._lock:
            self._last = max(candidate, self._last + 1)
            return self._last
