"""Load benchmark: the real bot against the fake Discord, many users asking at once.

Run from the repository root (test dependencies installed)::

    python benchmarks/load_bench.py                  # both scenarios, default load
    python benchmarks/load_bench.py --delays 0.02    # only the slow-commit scenario

The bot runs in its own process (``python -m bot run`` with discord.py pointed at the
fake), so its memory is measured alone: "peak RSS" is the bot process's VmHWM. The fake
Discord and the load generator run in this process. A scenario sends MESSAGES messages
from USERS users spread over CHANNELS ask channels at RATE messages per second, and
reports reply latency (the fake dispatching MESSAGE_CREATE -> the fake receiving the
reply's POST), replies lost, and the bot's peak RSS. The slow-commit scenario makes every
analytics commit take 20 ms (the sqlite connection is wrapped so that ``commit()``, a
``with connection:`` block and ``COMMIT`` statements all sleep first), like a busy disk.
Targets: p99 < 50 ms in both scenarios, no lost replies, peak RSS <= 80 MB. A third
scenario runs without analytics (the database cannot be opened, so nothing is recorded)
to show what the rest of the bot costs.

The cooldown is raised for the run (10 questions per user would otherwise trip it) and
the fake does not validate bodies against the OpenAPI spec (the tests do that), so the
numbers measure the bot, not the validator.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from tests.fakediscord import FakeDiscord, FakeUser

QUESTIONS = [
    "which model for code debugging?",
    "GPT-4o mini 多少钱？",
    "compare llama and mistral",
    "how many parameters does mistral large 2 have?",
    "which model is best for customer support chatbots?",
    "哪个模型最适合代码生成？",
    "tell me about deepseek",
    "what is the context window of gpt-4o mini?",
    "what's the weather today?",
    "model stuff?",
]
READY_TIMEOUT = 60.0
DRAIN_TIMEOUT = 120.0
REPLY_PATH = re.compile(r"/channels/\d+/messages")


@dataclass
class Result:
    label: str
    sent: int
    latencies_ms: list[float]
    lost: int
    ready_rss_mb: float
    peak_rss_mb: float
    seconds: float

    def line(self) -> str:
        lat = sorted(self.latencies_ms) or [float("nan")]
        p50 = statistics.median(lat)
        p99 = lat[min(len(lat) - 1, round(0.99 * (len(lat) - 1)))]
        return (
            f"{self.label:<22} sent {self.sent:>5}  replies {len(self.latencies_ms):>5}  "
            f"lost {self.lost:>3}  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
            f"max {lat[-1]:7.1f} ms  bot RSS ready {self.ready_rss_mb:5.1f} MiB, "
            f"peak {self.peak_rss_mb:5.1f} MiB  "
            f"({self.seconds:.1f} s)"
        )


# -- the bot process ---------------------------------------------------------------------


class SlowCommit:
    """A sqlite3 connection whose commits take ``delay`` seconds longer (a slow disk)."""

    def __init__(self, conn: sqlite3.Connection, delay: float) -> None:
        self._conn = conn
        self._delay = delay

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def commit(self) -> None:
        time.sleep(self._delay)
        self._conn.commit()

    def execute(self, sql: str, *args: Any) -> Any:
        if sql.lstrip().upper().startswith(("COMMIT", "END")):
            time.sleep(self._delay)
        return self._conn.execute(sql, *args)

    def __enter__(self) -> SlowCommit:
        self._conn.__enter__()
        return self

    def __exit__(self, *exc: Any) -> Any:
        if exc[0] is None:
            time.sleep(self._delay)
        return self._conn.__exit__(*exc)


def run_bot_child(api_base: str, gateway: str, commit_delay: float) -> int:
    """In the bot process: point discord.py at the fake, slow commits if asked, run."""
    import discord.gateway
    import discord.http
    import yarl

    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    if commit_delay:
        real_connect = sqlite3.connect

        def connect(*args: Any, **kwargs: Any) -> Any:
            return SlowCommit(real_connect(*args, **kwargs), commit_delay)

        sqlite3.connect = connect  # type: ignore[assignment]

    from bot.main import run_async
    from bot.settings import load_settings

    settings = load_settings(require_token=True)
    return asyncio.run(run_async(settings, guild_ready_timeout=0.05))


# -- the load generator ------------------------------------------------------------------


def peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set size) of a live process, in MiB (2**20 bytes)."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found[1]) / 1024 if found else float("nan")


def build_world(fake: FakeDiscord, users: int, channels: int) -> tuple[list[FakeUser], list[str]]:
    from tests.fakediscord import FakeChannel, FakeMember, FakeUser

    guild = fake.guild
    ids = []
    for i in range(channels):
        channel_id = fake.snowflake()
        guild.channels.append(FakeChannel(channel_id, f"ask-{i}", 0, 10 + i))
        ids.append(channel_id)
    people = []
    for i in range(users):
        user = FakeUser(fake.snowflake(), f"user{i}")
        guild.members.append(FakeMember(user))
        people.append(user)
    return people, ids


async def wait_until_ready(fake: FakeDiscord, bot: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if bot.poll() is not None:
            raise RuntimeError(f"the bot exited early ({bot.returncode}); see its log above")
        # Ready once the dev-guild commands are synced (the last step of its setup).
        if fake.connection is not None and fake.guild_commands.get(fake.guild.id):
            return
        await asyncio.sleep(0.1)
    raise RuntimeError("the bot did not become ready")


REACTION_PATH = re.compile(r"/channels/\d+/messages/(\d+)/reactions/.+/@me")


def handled(fake: FakeDiscord, since: int) -> dict[str, float]:
    """Message id -> when the bot answered it: a reply, or the 🤔 reaction an ask channel
    gives chatter it cannot place ("what's the weather today?"), which is by design."""
    out = replies(fake, since)
    for req in fake.requests[since:]:
        found = REACTION_PATH.fullmatch(req.path) if req.method == "PUT" else None
        if found:
            out.setdefault(found[1], req.received_at)
    return out


def replies(fake: FakeDiscord, since: int) -> dict[str, float]:
    """Referenced message id -> when the reply's POST reached the fake."""
    out: dict[str, float] = {}
    for req in fake.requests[since:]:
        if req.method == "POST" and REPLY_PATH.fullmatch(req.path) and isinstance(req.json, dict):
            ref = (req.json.get("message_reference") or {}).get("message_id")
            if ref is not None:
                out.setdefault(str(ref), req.received_at)
    return out


async def scenario(args: argparse.Namespace, commit_delay: float, analytics: bool) -> Result:
    # Imported here, not at the top: the bot process runs this file too, and loading the
    # fake (and its OpenAPI validator) there would inflate the memory being measured.
    from tests.fakediscord import FakeDiscord

    fake = FakeDiscord(validate=False)
    users, channels = build_world(fake, args.users, args.channels)
    await fake.start()
    with TemporaryDirectory() as tmp:
        database = Path(tmp) / "analytics.sqlite3"
        if not analytics:
            # A database path under a regular file cannot be created: the bot logs it once
            # and answers without recording, which shows the cost of everything else.
            (Path(tmp) / "not-a-folder").write_text("")
            database = Path(tmp) / "not-a-folder" / "analytics.sqlite3"
        env = {
            **os.environ,
            "DISCORD_TOKEN": "fake-bot-token",
            "KNOWLEDGE_DIR": str(ROOT / "knowledge"),
            "DATABASE_PATH": str(database),
            "ASK_CHANNEL_IDS": ",".join(channels),
            "DEV_GUILD_ID": fake.guild.id,
            "COOLDOWN_QUESTIONS": "1000",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        child = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            fake.api_base,
            fake.gateway_url,
            str(commit_delay),
        ]
        bot = subprocess.Popen(child, env=env, cwd=tmp)
        try:
            await wait_until_ready(fake, bot)
            ready_rss = peak_rss_mb(bot.pid)
            rng = random.Random(7)
            # Warm up (first answers build caches), then measure from here on.
            for question in QUESTIONS:
                await fake.send_message(question, channel_id=channels[0], author=users[0])
            await asyncio.sleep(2.0)
            since = len(fake.requests)
            sent_at: dict[str, float] = {}
            started = time.perf_counter()
            for i in range(args.messages):
                due = started + i / args.rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                sent_at_now = time.perf_counter()
                message = await fake.send_message(
                    rng.choice(QUESTIONS),
                    channel_id=channels[i % len(channels)],
                    author=users[rng.randrange(len(users))],
                )
                sent_at[message["id"]] = sent_at_now
            deadline = time.perf_counter() + DRAIN_TIMEOUT
            got = handled(fake, since)
            while len(set(got) & set(sent_at)) < len(sent_at) and time.perf_counter() < deadline:
                await asyncio.sleep(0.2)
                got = handled(fake, since)
            elapsed = time.perf_counter() - started
            rss = peak_rss_mb(bot.pid)
        finally:
            bot.terminate()
            bot.wait(timeout=30)
            await fake.stop()
    latencies = [(got[mid] - t) * 1000 for mid, t in sent_at.items() if mid in got]
    if not analytics:
        label = "analytics off"
    else:
        label = f"commit +{commit_delay * 1000:.0f} ms" if commit_delay else "no commit delay"
    lost = len(sent_at) - len(latencies)
    return Result(label, len(sent_at), latencies, lost, ready_rss, rss, elapsed)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        return run_bot_child(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--rate", type=float, default=100.0, help="messages per second")
    parser.add_argument(
        "--delays", type=float, nargs="+", default=[0.0, 0.02], help="commit delays (s)"
    )
    parser.add_argument(
        "--skip-analytics-off",
        action="store_true",
        help="do not run the extra scenario without analytics (the bot's own overhead)",
    )
    args = parser.parse_args()
    print(
        f"{args.messages} messages from {args.users} users in {args.channels} channels "
        f"at {args.rate:g}/s; latency = MESSAGE_CREATE dispatched -> reply POST received"
    )
    for delay in args.delays:
        print(asyncio.run(scenario(args, delay, analytics=True)).line(), flush=True)
    if not args.skip_analytics_off:
        print(asyncio.run(scenario(args, 0.0, analytics=False)).line(), flush=True)
    print(
        "targets: p99 < 50 ms, lost 0, bot peak RSS <= 80 MB "
        "(peak = VmHWM of the bot process, printed in MiB; 80 MB = 76.3 MiB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
