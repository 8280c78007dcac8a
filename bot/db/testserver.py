"""A throwaway PostgreSQL server for tests, CI and benchmarks.

``TempPostgres`` runs the distribution's ``initdb``/``pg_ctl`` in a temporary data
directory, listening on 127.0.0.1 only, with a random free port and no password
(trust on localhost). PostgreSQL refuses to run as root, so when this process is
root the server runs as an unprivileged user (``postgres``, else ``nobody``).

    with TempPostgres() as pg:
        os.environ["DATABASE_URL"] = pg.url

Nothing here is used by the bot itself.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SEARCH = ("/usr/lib/postgresql/*/bin",)


class ServerUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine, or the server would not start."""


def find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for pattern in SEARCH:
        for folder in sorted(glob.glob(pattern), reverse=True):
            candidate = Path(folder) / name
            if candidate.exists():
                return str(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ServerUnavailable("running as root and no unprivileged user (postgres, nobody) exists")


class TempPostgres:
    """Start on ``__enter__`` (or ``start()``), stop and delete on ``__exit__``."""

    def __init__(self, database: str = "llmbot") -> None:
        self.database = database
        self.port = 0
        self.root: Path | None = None
        self._user = _run_as()

    @property
    def url(self) -> str:
        user = self._user.pw_name if self._user else pwd.getpwuid(os.geteuid()).pw_name
        return f"postgresql://{user}@127.0.0.1:{self.port}/{self.database}"

    def _cmd(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args),
            check=check,
            capture_output=True,
            text=True,
            user=self._user.pw_uid if self._user else None,
            group=self._user.pw_gid if self._user else None,
            extra_groups=[] if self._user else None,
            cwd="/",
            timeout=60,
        )

    def start(self) -> TempPostgres:
        initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
        if not initdb or not pg_ctl:
            raise ServerUnavailable(
                "PostgreSQL server binaries (initdb, pg_ctl) not found; install the "
                "distribution's postgresql package"
            )
        self.root = Path(tempfile.mkdtemp(prefix="llmbot-pg-"))
        data, sockets = self.root / "data", self.root / "run"
        sockets.mkdir()
        if self._user is not None:
            for path in (self.root, sockets):
                os.chown(path, self._user.pw_uid, self._user.pw_gid)
        try:
            self._cmd(initdb, "-D", str(data), "-A", "trust", "-E", "UTF8", "--no-sync")
            self.port = _free_port()
            self._ctl("start")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            detail = getattr(exc, "stderr", "") or ""
            self.stop()
            raise ServerUnavailable(f"PostgreSQL did not start: {detail.strip()}") from exc
        self._create_database()
        return self

    def _create_database(self) -> None:
        import psycopg

        base = self.url.rsplit("/", 1)[0] + "/postgres"
        deadline = time.monotonic() + 20
        while True:
            try:
                with psycopg.connect(base, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{self.database}"')
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def pause(self) -> None:
        """Stop the server (keeping its data) to simulate an outage."""
        self._ctl("stop", "-m", "fast")

    def resume(self) -> None:
        self._ctl("start")

    def _ctl(self, action: str, *extra: str) -> None:
        assert self.root is not None
        data, sockets = self.root / "data", self.root / "run"
        args = [find_binary("pg_ctl") or "pg_ctl", "-D", str(data), "-w", "-t", "30", *extra]
        if action == "start":
            options = (
                f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                f"-c unix_socket_directories={sockets} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            args += ["-o", options, "-l", str(self.root / "server.log")]
        self._cmd(*args, action)

    def stop(self) -> None:
        if self.root is None:
            return
        if (self.root / "data" / "postmaster.pid").exists():
            self._cmd(find_binary("pg_ctl") or "pg_ctl", "-D", str(self.root / "data"),
                      "-m", "immediate", "stop", check=False)  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
