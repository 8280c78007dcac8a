"""Knowledge files that are not plain files: refused clearly, never hang, crash or overread."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.kb import yamlsafe
from bot.kb.loader import CheckResult, check_directory
from bot.kb.store import KnowledgeStore
from bot.kb.yamlsafe import YamlProblem, read_bytes

SOURCE = "sources/article-2024-07-29-gpt4o-mini-llama-3.1-mistral-large-2.md"
HANG_GUARD = 60.0  # seconds; reached only if reading blocks forever


def check_in_thread(directory: Path) -> CheckResult:
    """Run check_directory, failing (instead of hanging the suite) if it never returns."""
    box: list[CheckResult] = []
    worker = threading.Thread(target=lambda: box.append(check_directory(directory)), daemon=True)
    worker.start()
    worker.join(HANG_GUARD)
    assert box, "check_directory blocked"
    return box[0]


def messages_for(result: CheckResult, name: str) -> list[str]:
    return [f"{p.line}:{p.col}: {p.message}" for p in result.problems if p.path.endswith(name)]


def _fifo(path: Path) -> None:
    path.unlink(missing_ok=True)
    os.mkfifo(path)


def _dev_zero(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.symlink_to("/dev/zero")


def _directory(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.mkdir()


def _socket(path: Path) -> None:
    path.unlink(missing_ok=True)
    sock = socket.socket(socket.AF_UNIX)
    # Bind by a short relative name: AF_UNIX paths are limited to about 100 bytes.
    here = Path.cwd()
    os.chdir(path.parent)
    try:
        sock.bind(path.name)
    finally:
        os.chdir(here)
        sock.close()


def _dangling(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.symlink_to(path.parent / "nowhere.yaml")


def _loop(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.symlink_to(path)


KINDS: dict[str, tuple[Callable[[Path], None], str]] = {
    "fifo": (_fifo, "this is a named pipe (FIFO), not a regular file"),
    "link to /dev/zero": (_dev_zero, "this is a character device, not a regular file"),
    "directory": (_directory, "this is a directory, not a regular file"),
    "socket": (_socket, "this is a socket, not a regular file"),
    "dangling link": (_dangling, "nowhere.yaml', which does not exist"),
    "link loop": (_loop, "points (through others) back at itself"),
}
PLACES = ["models/gpt-4o-mini.yaml", "models/extra.yaml", "topics.yaml"]


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("kind", list(KINDS))
def test_non_regular_file_is_refused_at_line_1(kb_copy: Path, kind: str, place: str) -> None:
    """A FIFO, device, directory, socket or broken link is one clear error, never a hang."""
    make, message = KINDS[kind]
    make(kb_copy / place)
    result = check_in_thread(kb_copy)
    assert not result.ok
    found = messages_for(result, place)
    assert any(m.startswith("1:1: ") and message in m for m in found), found


# A source is resolved first, so links are judged by where they lead (sources.yaml:26).
SOURCE_KINDS = {
    "fifo": (SOURCE, "1:1: this is a named pipe (FIFO), not a regular file"),
    "directory": (SOURCE, "1:1: this is a directory, not a regular file"),
    "socket": (SOURCE, "1:1: this is a socket, not a regular file"),
    "link to /dev/zero": ("sources.yaml", "31:5: source file must be inside the knowledge"),
    "dangling link": ("sources.yaml", "31:5: source file 'sources/article"),
    "link loop": ("sources.yaml", "is a symlink loop; fix it"),
}


@pytest.mark.parametrize("kind", list(SOURCE_KINDS))
def test_non_regular_source_is_one_located_error(kb_copy: Path, kind: str) -> None:
    """A source article that is not a regular file gives one error, not one per citation."""
    KINDS[kind][0](kb_copy / SOURCE)
    result = check_in_thread(kb_copy)
    where, message = SOURCE_KINDS[kind]
    assert any(message in m for m in messages_for(result, where)), [str(p) for p in result.problems]
    assert len(result.problems) == 1, [str(p) for p in result.problems]


def test_symlink_to_a_regular_file_is_read(kb_copy: Path, tmp_path: Path) -> None:
    """A model file may be a symlink to a regular file elsewhere."""
    target = tmp_path / "elsewhere.yaml"
    shutil.move(kb_copy / "models" / "deepseek-v2.yaml", target)
    (kb_copy / "models" / "deepseek-v2.yaml").symlink_to(target)
    result = check_in_thread(kb_copy)
    assert result.ok, [str(p) for p in result.problems]


def test_read_stops_after_the_cap_even_when_stat_says_empty(tmp_path: Path) -> None:
    """A file whose size stat cannot tell (like /proc files) is read only up to the cap."""
    status = Path("/proc/self/status")
    if not status.is_file() or status.stat().st_size != 0:
        pytest.skip("needs a /proc file that reports size 0")
    with pytest.raises(YamlProblem, match="over the 0 KiB limit"):
        read_bytes(status, limit=64)


def test_file_over_the_cap_is_refused_before_reading(tmp_path: Path) -> None:
    """A regular file larger than the cap is refused by its size."""
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 2048)
    with pytest.raises(YamlProblem, match="over the 1 KiB limit"):
        read_bytes(big, limit=1024)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (errno.ENOENT, "file vanished while it was being read"),
        (errno.EACCES, "permission denied"),
        (errno.EIO, "cannot read this file: Input/output error"),
    ],
    ids=["vanished", "permission", "io-error"],
)
def test_source_that_cannot_be_opened_is_a_file_error(
    kb_copy: Path, monkeypatch: pytest.MonkeyPatch, error: int, message: str
) -> None:
    """A source .md that vanishes or cannot be read during load is a located error."""
    real_open = os.open

    def failing_open(path: os.PathLike[str] | str, flags: int, *args: int) -> int:
        if str(path).endswith(".md"):
            raise OSError(error, os.strerror(error), str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(yamlsafe.os, "open", failing_open)
    result = check_in_thread(kb_copy)
    assert not result.ok
    found = messages_for(result, Path(SOURCE).name)
    assert any(m.startswith("1:1: ") and message in m for m in found), found


def test_store_reload_reports_a_fifo_that_appears(kb_copy: Path) -> None:
    """A FIFO dropped into models/ changes the fingerprint and fails the reload cleanly."""
    store = KnowledgeStore(kb_copy)
    before = store.fingerprint()
    os.mkfifo(kb_copy / "models" / "x.yaml")
    assert store.fingerprint() != before
    box: list[object] = []
    worker = threading.Thread(target=lambda: box.append(store.reload()), daemon=True)
    worker.start()
    worker.join(HANG_GUARD)
    assert box, "reload blocked on the FIFO"
    result = box[0]
    assert not result.ok  # type: ignore[attr-defined]
    assert any("named pipe" in p.message for p in store.last_error)
