"""Load on two bot processes sharing one PostgreSQL, and the edit-propagation time.

Run from the repository root (test dependencies and the PostgreSQL server binaries
installed)::

    python benchmarks/pg_load_bench.py

A throwaway PostgreSQL (bot/db/testserver.py) and the fake Discord run here; two bot
processes run ``python -m bot run`` with SHARD_COUNT=2 and SHARD_IDS 0 and 1, each with
its own copy of the knowledge directory and DATABASE_URL pointing at the one server.
MESSAGES messages from USERS users at RATE per second alternate between the guild's ask
channels (served by shard 1) and DMs (shard 0). Printed: reply p50/p99 (a reply, or the
🤔 reaction an ask channel gives chatter), lost replies, each process's peak RSS, the
rows in the shared analytics; then the time from an edit recorded in the database (as
`/kb` or `python -m bot kb` does) until each process has written it to its own files and
reloaded (median of several edits). Targets: lost 0, propagation <= 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from load_bench import QUESTIONS, build_world, handled, peak_rss_mb  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values) or [float("nan")]
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(args: argparse.Namespace) -> int:
    from bot.db import parse_database_url
    from bot.db.testserver import TempPostgres
    from bot.kbedit import AddPhrasing, KbEditor, Ref
    from tests.fakediscord import FakeDiscord

    fake = FakeDiscord(validate=False)
    users, channels = build_world(fake, args.users, args.channels)
    await fake.start()
    with TempPostgres() as pg, TemporaryDirectory() as tmp:
        children = []
        dirs = []
        for shard in (0, 1):
            home = Path(tmp) / f"p{shard}"
            shutil.copytree(ROOT / "knowledge", home / "knowledge")
            dirs.append(home / "knowledge")
            env = {
                **os.environ,
                "DISCORD_TOKEN": "fake-bot-token",
                "KNOWLEDGE_DIR": str(home / "knowledge"),
                "DATA_DIR": str(home / "data"),
                "DATABASE_URL": pg.url,
                "ANALYTICS_SALT": "a-shared-benchmark-salt",
                "SHARD_COUNT": "2",
                "SHARD_IDS": str(shard),
                "ASK_CHANNEL_IDS": ",".join(channels),
                "DEV_GUILD_ID": fake.guild.id,
                "COOLDOWN_QUESTIONS": "1000",
                "LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(ROOT),
            }
            cmd = [sys.executable, str(ROOT / "benchmarks" / "load_bench.py"), "--child",
                   fake.api_base, fake.gateway_url, "0"]  # fmt: skip
            children.append(subprocess.Popen(cmd, env=env, cwd=home.parent))
        try:
            deadline = time.monotonic() + 60
            while sorted(fake.shards) != [(0, 2), (1, 2)] or not fake.guild_commands:
                if time.monotonic() > deadline or any(c.poll() is not None for c in children):
                    raise RuntimeError("the bot processes did not become ready")
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)
            rng = random.Random(7)
            for q in QUESTIONS:  # warm up both
                await fake.send_message(q, channel_id=channels[0], author=users[0])
                await fake.send_message(q, guild=False, author=users[1])
            await asyncio.sleep(2.0)
            since = len(fake.requests)
            sent_at: dict[str, float] = {}
            started = time.perf_counter()
            for i in range(args.messages):
                delay = started + i / args.rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                now = time.perf_counter()
                user = users[rng.randrange(len(users))]
                if i % 2:
                    msg = await fake.send_message(rng.choice(QUESTIONS), guild=False, author=user)
                else:
                    msg = await fake.send_message(
                        rng.choice(QUESTIONS), channel_id=channels[i % len(channels)], author=user
                    )
                sent_at[msg["id"]] = now
            deadline_s = time.perf_counter() + 120
            got = handled(fake, since)
            while len(set(got) & set(sent_at)) < len(sent_at) and time.perf_counter() < deadline_s:
                await asyncio.sleep(0.2)
                got = handled(fake, since)
            latencies = [(got[m] - t) * 1000 for m, t in sent_at.items() if m in got]
            rss = [peak_rss_mb(c.pid) for c in children]
            await asyncio.sleep(2.0)  # let the writers commit
            db = parse_database_url(pg.url, Path(tmp) / "unused")
            import psycopg

            with psycopg.connect(pg.url) as conn:
                row = conn.execute("SELECT COUNT(*) FROM questions").fetchone()
            rows = int(row[0]) if row else 0
            print(
                f"two processes on PostgreSQL: sent {len(sent_at)}  replies {len(latencies)}  "
                f"lost {len(sent_at) - len(latencies)}  p50 {statistics.median(latencies):.1f} ms"
                f"  p99 {pct(latencies, 0.99):.1f} ms  max {max(latencies):.1f} ms  "
                f"peak RSS {rss[0]:.1f} / {rss[1]:.1f} MiB  analytics rows {rows}"
            )
            # Edit propagation: record an edit as the console does, watch both copies.
            editor_dir = Path(tmp) / "admin" / "knowledge"
            shutil.copytree(dirs[0], editor_dir)
            editor = KbEditor(editor_dir, Path(tmp) / "admin" / "kb_revisions.sqlite3",
                              database=db)  # fmt: skip
            times: list[float] = []
            for n in range(args.edits):
                phrase = f"benchmark phrase number {n} for propagation"
                preview = editor.preview(
                    [AddPhrasing(Ref.parse("use_case:code-generation"), "en", phrase)],
                    actor="bench", reason="propagation",
                )  # fmt: skip
                t0 = time.perf_counter()
                result = editor.confirm(preview)
                if result.status != "applied":
                    raise RuntimeError(result.message)
                pending = set(range(len(dirs)))
                while pending and time.perf_counter() - t0 < 10:
                    for i in list(pending):
                        if phrase.encode() in (dirs[i] / "use_cases.yaml").read_bytes():
                            pending.discard(i)
                    await asyncio.sleep(0.005)
                times.append((time.perf_counter() - t0) * 1000)
                await asyncio.sleep(0.3)
            print(
                f"edit propagation to both processes' files: median {statistics.median(times):.0f}"
                f" ms, max {max(times):.0f} ms over {len(times)} edits (target <= 2000 ms)"
            )
        finally:
            for c in children:
                c.terminate()
            for c in children:
                c.wait(timeout=30)
            await fake.stop()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--edits", type=int, default=5)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
