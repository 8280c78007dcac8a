"""The ``fake_discord`` pytest fixture.

Register it from the root ``tests/conftest.py`` with either::

    pytest_plugins = ["tests.fakediscord.fixtures"]

or ``from tests.fakediscord.fixtures import fake_discord  # noqa: F401``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from .harness import patch_discord
from .server import FakeDiscord

__all__ = ["fake_discord"]


@pytest_asyncio.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """A started :class:`FakeDiscord` with discord.py pointed at it.

    Configure it (e.g. ``fake_discord.message_content_intent = False``) before starting
    the bot. At teardown the server stops and the test fails if any request violated
    the spec or documented limits, hit an unknown route, or broke the fake.
    """
    fake = FakeDiscord()
    await fake.start()
    patch_discord(monkeypatch, fake)
    try:
        yield fake
    finally:
        await fake.stop()
    problems = fake.problems()
    if problems:
        lines = "\n".join(f"  - {problem}" for problem in problems)
        pytest.fail(
            f"fake Discord recorded {len(problems)} problem(s) real Discord would reject "
            f"or the fake does not support:\n{lines}",
            pytrace=False,
        )
