"""The knowledge files on disk: listing, safe paths, atomic writes and the writer lock."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import logging
import os
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from bot.kbedit.records import KbEditError

log = logging.getLogger(__name__)

YAML_SUFFIXES = (".yaml", ".yml")


def knowledge_files(directory: Path) -> list[str]:
    """The YAML files the loader reads, relative to ``directory`` (posix, sorted)."""
    names = [p.name for p in directory.glob("*") if p.suffix in YAML_SUFFIXES and p.is_file()]
    models = directory / "models"
    if models.is_dir():
        names += [f"models/{p.name}" for p in models.glob("*.yaml") if p.is_file()]
    return sorted(names)


def resolve(directory: Path, name: str) -> Path:
    """``directory/name`` for a knowledge file name; refuses anything that escapes it."""
    parts = Path(name).parts
    # A stored source document (sources/<id>.md) is written only when a source is added.
    source_doc = len(parts) == 2 and parts[0] == "sources" and name.endswith(".md")
    if (
        not name
        or Path(name).is_absolute()
        or ".." in parts
        or "\\" in name
        or not (name.endswith(YAML_SUFFIXES) or source_doc)
        or len(parts) > 2
        or (len(parts) == 2 and parts[0] != "models" and not source_doc)
    ):
        raise KbEditError(f"'{name}' is not a knowledge file name")
    return directory / name


def read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def fingerprint(directory: Path) -> str:
    """A hash over every file the loader reads (YAML and source articles)."""
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        if path.suffix in (*YAML_SUFFIXES, ".md") and path.is_file():
            with contextlib.suppress(OSError):
                digest.update(str(path.relative_to(directory)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sibling_mode(path: Path) -> int:
    """A new file gets the mode of the knowledge files beside it (0644 when alone)."""
    for sibling in sorted(path.parent.glob("*.yaml")):
        with contextlib.suppress(OSError):
            return stat.S_IMODE(sibling.stat().st_mode)
    return 0o644


def atomic_write(path: Path, data: bytes) -> list[str]:
    """Replace ``path`` by ``data`` so that a reader sees the old or the new file, never half.

    Temp file in the same directory, fsync, the original file's mode, rename, fsync of the
    directory. Returns warnings: a single bind-mounted file cannot be renamed over (EBUSY),
    so then the bytes are written in place.
    """
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = _sibling_mode(path)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        try:
            os.replace(tmp, path)
        except OSError as exc:
            if exc.errno != errno.EBUSY:
                raise
            with path.open("r+b") as fh:
                fh.write(data)
                fh.truncate()
                fh.flush()
                os.fsync(fh.fileno())
            tmp.unlink(missing_ok=True)
            return [
                f"{path.name} is a mount point and cannot be replaced atomically; it was "
                "written in place (mount the knowledge directory, not single files)"
            ]
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return []


def remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    _fsync_dir(path.parent)


_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


class WriterLock:
    """One writer at a time: a thread lock within the process and ``flock`` across processes.

    Held only while files are checked and written, never while a person decides.
    """

    def __init__(self, path: Path, timeout: float = 10.0) -> None:
        self.path = path
        self.timeout = timeout
        with _THREAD_LOCKS_GUARD:
            self._thread_lock = _THREAD_LOCKS.setdefault(str(path.resolve()), threading.Lock())

    @contextlib.contextmanager
    def hold(self) -> Iterator[bool]:
        """Yields ``True`` with the lock held, ``False`` when it stayed busy past the timeout."""
        deadline = time.monotonic() + self.timeout
        if not self._thread_lock.acquire(timeout=self.timeout):
            yield False
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a+b") as fh:
                while True:
                    try:
                        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() >= deadline:
                            yield False
                            return
                        time.sleep(0.05)
                try:
                    yield True
                finally:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()
