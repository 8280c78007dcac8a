"""Per-user cooldown: allow, notify once, stay silent, allow again; driven by a fake clock."""

from __future__ import annotations

import pytest

from bot.ratelimit import Cooldown, Verdict

WINDOW = 30.0


class FakeClock:
    """A monotonic clock that only moves when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    """A fresh fake clock."""
    return FakeClock()


def exhaust(cooldown: Cooldown, key: object) -> None:
    """Use up every allowed question for ``key``."""
    for _ in range(cooldown.limit):
        assert cooldown.check(key) is Verdict.ALLOW


@pytest.mark.parametrize("limit", [1, 2, 5])
def test_allows_limit_then_notifies_once_then_is_silent(clock: FakeClock, limit: int) -> None:
    """The first N questions pass, the next gets exactly one NOTIFY, the rest are SILENT."""
    cooldown = Cooldown(limit, WINDOW, clock=clock)
    verdicts = [cooldown.check("user") for _ in range(limit + 5)]
    assert verdicts == [Verdict.ALLOW] * limit + [Verdict.NOTIFY] + [Verdict.SILENT] * 4


def test_allows_again_after_the_window(clock: FakeClock) -> None:
    """Once the window has passed the user is allowed again."""
    cooldown = Cooldown(3, WINDOW, clock=clock)
    exhaust(cooldown, "user")
    assert cooldown.check("user") is Verdict.NOTIFY
    clock.advance(WINDOW)
    assert cooldown.check("user") is Verdict.ALLOW


def test_still_limited_just_before_the_window_ends(clock: FakeClock) -> None:
    """A moment before the window ends the user is still silenced."""
    cooldown = Cooldown(2, WINDOW, clock=clock)
    exhaust(cooldown, "user")
    assert cooldown.check("user") is Verdict.NOTIFY
    clock.advance(WINDOW - 0.5)
    assert cooldown.check("user") is Verdict.SILENT


def test_notifies_again_after_a_new_window(clock: FakeClock) -> None:
    """After being allowed again, going over the limit notifies once more."""
    cooldown = Cooldown(2, WINDOW, clock=clock)
    exhaust(cooldown, "user")
    assert cooldown.check("user") is Verdict.NOTIFY
    clock.advance(WINDOW)
    exhaust(cooldown, "user")
    assert [cooldown.check("user") for _ in range(3)] == [
        Verdict.NOTIFY,
        Verdict.SILENT,
        Verdict.SILENT,
    ]


def test_window_slides(clock: FakeClock) -> None:
    """Only the oldest question expires, freeing exactly one slot."""
    cooldown = Cooldown(2, WINDOW, clock=clock)
    assert cooldown.check("user") is Verdict.ALLOW  # t = 0
    clock.advance(10)
    assert cooldown.check("user") is Verdict.ALLOW  # t = 10
    clock.advance(20)  # t = 30: the first question has expired, the second has not
    assert cooldown.check("user") is Verdict.ALLOW
    assert cooldown.check("user") is Verdict.NOTIFY


def test_silent_attempts_do_not_extend_the_cooldown(clock: FakeClock) -> None:
    """Messages sent while silenced do not push the end of the cooldown back."""
    cooldown = Cooldown(1, WINDOW, clock=clock)
    assert cooldown.check("user") is Verdict.ALLOW
    for _ in range(5):
        clock.advance(5)
        assert cooldown.check("user") in (Verdict.NOTIFY, Verdict.SILENT)
    clock.advance(WINDOW - 25)
    assert cooldown.check("user") is Verdict.ALLOW


def test_users_are_independent(clock: FakeClock) -> None:
    """One user hitting the limit does not affect another."""
    cooldown = Cooldown(2, WINDOW, clock=clock)
    exhaust(cooldown, "alice")
    assert cooldown.check("alice") is Verdict.NOTIFY
    assert cooldown.check("bob") is Verdict.ALLOW
    assert cooldown.check("bob") is Verdict.ALLOW
    assert cooldown.check("bob") is Verdict.NOTIFY
    assert cooldown.check("alice") is Verdict.SILENT


def test_retry_after_unknown_user_is_zero(clock: FakeClock) -> None:
    """A user who never asked can ask right away."""
    assert Cooldown(2, WINDOW, clock=clock).retry_after("nobody") == 0.0


@pytest.mark.parametrize(("elapsed", "expected"), [(0.0, 30.0), (10.0, 20.0), (29.5, 0.5)])
def test_retry_after_counts_down(clock: FakeClock, elapsed: float, expected: float) -> None:
    """retry_after is the time until the oldest question leaves the window."""
    cooldown = Cooldown(2, WINDOW, clock=clock)
    exhaust(cooldown, "user")
    cooldown.check("user")
    clock.advance(elapsed)
    assert cooldown.retry_after("user") == pytest.approx(expected)


@pytest.mark.parametrize("elapsed", [30.0, 45.0, 1000.0])
def test_retry_after_is_zero_once_the_window_passed(clock: FakeClock, elapsed: float) -> None:
    """After the window, retry_after never goes negative."""
    cooldown = Cooldown(1, WINDOW, clock=clock)
    exhaust(cooldown, "user")
    clock.advance(elapsed)
    assert cooldown.retry_after("user") == 0.0


def test_retry_after_is_per_user(clock: FakeClock) -> None:
    """Each user's wait is measured from their own oldest question."""
    cooldown = Cooldown(1, WINDOW, clock=clock)
    cooldown.check("alice")
    clock.advance(10)
    cooldown.check("bob")
    assert cooldown.retry_after("alice") == pytest.approx(20.0)
    assert cooldown.retry_after("bob") == pytest.approx(30.0)


def test_over_the_key_budget_idle_users_are_forgotten(clock: FakeClock) -> None:
    """With more users than the key budget, a notice sweeps out the users idle a whole window."""
    cooldown = Cooldown(1, WINDOW, clock=clock, max_keys=2)
    for user in ("idle-1", "idle-2", "idle-3"):
        cooldown.check(user)
    clock.advance(WINDOW + 1)
    assert cooldown.check("active") is Verdict.ALLOW
    assert len(cooldown) == 4  # nothing swept yet
    assert cooldown.check("active") is Verdict.NOTIFY  # over the budget: sweep
    assert len(cooldown) == 1


def test_sweeping_keeps_the_limit_of_active_users(clock: FakeClock) -> None:
    """A sweep forgets only idle users: an active user stays limited."""
    cooldown = Cooldown(1, WINDOW, clock=clock, max_keys=2)
    for user in ("idle-1", "idle-2", "idle-3"):
        cooldown.check(user)
    clock.advance(WINDOW + 1)
    cooldown.check("active")
    assert cooldown.check("active") is Verdict.NOTIFY
    assert cooldown.check("active") is Verdict.SILENT


def test_idle_users_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    """Users idle for a whole window are swept, so the table does not grow forever."""
    import bot.ratelimit as ratelimit

    monkeypatch.setattr(ratelimit, "PRUNE_EVERY", 10)
    now = [0.0]
    cooldown = ratelimit.Cooldown(5, 30.0, clock=lambda: now[0])
    for user in range(9):
        cooldown.check(user)
    now[0] = 100.0
    assert len(cooldown) == 9
    cooldown.check("active")  # the tenth check sweeps the nine idle users
    assert len(cooldown) == 1
