"""Knowledge store (atomic swap, keep last good, hold big removals) and the hot-reload watcher."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.kb.loader import KnowledgeError
from bot.kb.schema import KnowledgeBase
from bot.kb.store import KnowledgeStore, ReloadResult
from bot.kb.watch import KnowledgeWatcher

from .test_kb_lint import drop_topic

Fingerprint = tuple[tuple[str, int, int], ...]

ORIGINAL = 'en: "Based on my sources:"'
POLL = 0.02
DEBOUNCE = 0.05
TIMEOUT = 10.0  # generous: only reached when something is broken
SETTLE = 0.5  # many poll + debounce cycles, to see any extra reloads

BROKEN_EDITS = {
    "yaml-syntax": 'en: "Based on my sources:',
    "unknown-key": 'enx: "Based on my sources:"',
    "wrong-type": "en: 42",
    "bad-placeholder": 'en: "Based on {nonsense}:"',
}


def set_intro(directory: Path, replacement: str) -> None:
    """Replace the English line under ``recommend_intro:`` in responses.yaml."""
    path = directory / "responses.yaml"
    text, count = re.subn(
        r"^(  recommend_intro:\n    )[^\n]*$",
        lambda m: m.group(1) + replacement,
        path.read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    assert count == 1, "recommend_intro not found in responses.yaml"
    path.write_text(text, encoding="utf-8")


def intro(kb: KnowledgeBase) -> str:
    """The English recommend_intro text of a knowledge base."""
    return kb.responses.recommend_intro.en


@pytest.fixture
def store(kb_copy: Path) -> KnowledgeStore:
    """A store over a writable copy of the shipped knowledge."""
    return KnowledgeStore(kb_copy)


@pytest.fixture
def swaps(store: KnowledgeStore) -> list[KnowledgeBase]:
    """Every knowledge base passed to on_swap listeners."""
    seen: list[KnowledgeBase] = []
    store.on_swap(seen.append)
    return seen


# -- KnowledgeStore -------------------------------------------------------------------------


def test_store_loads_the_directory(store: KnowledgeStore) -> None:
    """A fresh store serves the knowledge base with no error recorded."""
    assert intro(store.current) == "Based on my sources:"
    assert store.last_error == ()
    assert store.loaded_at > 0


def test_reload_after_valid_edit_swaps(
    store: KnowledgeStore, swaps: list[KnowledgeBase], kb_copy: Path
) -> None:
    """A valid edit swaps in a new version and calls the listeners once with it."""
    old = store.current
    set_intro(kb_copy, 'en: "According to the article:"')
    result = store.reload()
    assert result.ok
    assert result.problems == ()
    assert result.version != old.version
    assert store.current.version == result.version
    assert intro(store.current) == "According to the article:"
    assert swaps == [store.current]
    assert intro(old) == "Based on my sources:"  # readers holding the old one are unaffected


@pytest.mark.parametrize("edit", BROKEN_EDITS.values(), ids=BROKEN_EDITS.keys())
def test_reload_after_broken_edit_keeps_old_knowledge(
    store: KnowledgeStore, swaps: list[KnowledgeBase], kb_copy: Path, edit: str
) -> None:
    """A broken edit keeps the old knowledge base and reports file:line problems."""
    old = store.current
    set_intro(kb_copy, edit)
    result = store.reload()
    assert not result.ok
    assert result.version == old.version
    assert store.current is old
    assert intro(store.current) == "Based on my sources:"
    assert swaps == []
    assert result.problems
    assert store.last_error == result.problems
    located = [p for p in result.problems if Path(p.path).name == "responses.yaml"]
    assert located, [str(p) for p in result.problems]
    assert all(p.line >= 1 for p in located)
    assert re.search(r"responses\.yaml:\d+:\d+: ", str(located[0]))


def test_fixing_the_file_clears_last_error(
    store: KnowledgeStore, swaps: list[KnowledgeBase], kb_copy: Path
) -> None:
    """After a rejected reload, a fixed file reloads and clears last_error."""
    set_intro(kb_copy, BROKEN_EDITS["yaml-syntax"])
    assert not store.reload().ok
    assert store.last_error
    set_intro(kb_copy, 'en: "Fixed intro:"')
    result = store.reload()
    assert result.ok
    assert store.last_error == ()
    assert intro(store.current) == "Fixed intro:"
    assert len(swaps) == 1


def test_restoring_the_original_after_an_error_does_not_swap(
    store: KnowledgeStore, swaps: list[KnowledgeBase], kb_copy: Path
) -> None:
    """Breaking and then restoring the file clears the error without calling listeners."""
    set_intro(kb_copy, BROKEN_EDITS["unknown-key"])
    store.reload()
    set_intro(kb_copy, ORIGINAL)
    result = store.reload()
    assert result.ok
    assert store.last_error == ()
    assert swaps == []


def test_reload_without_change_does_not_call_listeners(
    store: KnowledgeStore, swaps: list[KnowledgeBase]
) -> None:
    """Reloading an unchanged directory succeeds with the same version and no swap event."""
    version = store.current.version
    result = store.reload()
    assert result == ReloadResult(True, version)
    assert swaps == []


def test_every_listener_is_called(store: KnowledgeStore, kb_copy: Path) -> None:
    """All registered listeners are told about a swap, in registration order."""
    calls: list[str] = []
    store.on_swap(lambda kb: calls.append("first"))
    store.on_swap(lambda kb: calls.append("second"))
    set_intro(kb_copy, 'en: "New intro:"')
    store.reload()
    assert calls == ["first", "second"]


def test_fingerprint_changes_when_a_file_is_edited(store: KnowledgeStore, kb_copy: Path) -> None:
    """Editing a watched file changes the fingerprint; an unwatched file does not."""
    before = store.fingerprint()
    (kb_copy / "notes.txt").write_text("not watched", encoding="utf-8")
    assert store.fingerprint() == before
    set_intro(kb_copy, 'en: "A longer replacement intro:"')
    assert store.fingerprint() != before


def _break_responses(directory: Path) -> None:
    set_intro(directory, BROKEN_EDITS["yaml-syntax"])


def _delete_sources(directory: Path) -> None:
    (directory / "sources.yaml").unlink()


def _delete_models(directory: Path) -> None:
    shutil.rmtree(directory / "models")


def _missing_directory(directory: Path) -> None:
    shutil.rmtree(directory)


@pytest.mark.parametrize(
    "breakage",
    [_break_responses, _delete_sources, _delete_models, _missing_directory],
    ids=["broken-yaml", "missing-sources", "no-models", "missing-directory"],
)
def test_constructor_raises_for_broken_directory(
    kb_copy: Path, breakage: Callable[[Path], None]
) -> None:
    """A store cannot start from a broken directory; the error lists the problems."""
    breakage(kb_copy)
    with pytest.raises(KnowledgeError) as info:
        KnowledgeStore(kb_copy)
    assert info.value.problems


# -- KnowledgeWatcher -----------------------------------------------------------------------


class Recorder:
    """Collects on_result calls and lets a test wait for the next one."""

    def __init__(self) -> None:
        self.results: list[ReloadResult] = []
        self.event = asyncio.Event()

    async def __call__(self, result: ReloadResult) -> None:
        self.results.append(result)
        self.event.set()

    async def next(self) -> ReloadResult:
        await asyncio.wait_for(self.event.wait(), TIMEOUT)
        self.event.clear()
        return self.results[-1]


class ObservedStore:
    """Wraps ``store.fingerprint`` so a test knows when the watcher took its baseline."""

    def __init__(
        self, store: KnowledgeStore, after: Callable[[int, Fingerprint], None] | None = None
    ) -> None:
        self.calls = 0
        self.first = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._original = store.fingerprint
        self._after = after
        store.fingerprint = self  # type: ignore[method-assign]

    def __call__(self) -> Fingerprint:
        fingerprint = self._original()
        self.calls += 1
        if self._after is not None:
            self._after(self.calls, fingerprint)
        self._loop.call_soon_threadsafe(self.first.set)
        return fingerprint

    async def baseline_taken(self) -> None:
        await asyncio.wait_for(self.first.wait(), TIMEOUT)


@pytest.fixture
async def recorder() -> Recorder:
    """An on_result callback that records every reload result."""
    return Recorder()


@pytest.fixture
async def watcher(store: KnowledgeStore, recorder: Recorder) -> AsyncIterator[KnowledgeWatcher]:
    """A fast-polling watcher (not yet started), always stopped at the end."""
    w = KnowledgeWatcher(store, on_result=recorder, poll=POLL, debounce=DEBOUNCE)
    yield w
    await w.stop()


async def test_watcher_picks_up_an_edit(
    watcher: KnowledgeWatcher, recorder: Recorder, store: KnowledgeStore, kb_copy: Path
) -> None:
    """An edited file is reloaded and on_result is called with ok=True."""
    observed = ObservedStore(store)
    watcher.start()
    await observed.baseline_taken()
    set_intro(kb_copy, 'en: "Watched intro text:"')
    result = await recorder.next()
    assert result.ok
    assert result.version == store.current.version
    assert intro(store.current) == "Watched intro text:"


async def test_watcher_reports_a_broken_edit_and_keeps_serving(
    watcher: KnowledgeWatcher, recorder: Recorder, store: KnowledgeStore, kb_copy: Path
) -> None:
    """A broken edit is reported with ok=False while the old knowledge keeps serving."""
    old = store.current
    observed = ObservedStore(store)
    watcher.start()
    await observed.baseline_taken()
    set_intro(kb_copy, BROKEN_EDITS["yaml-syntax"])
    result = await recorder.next()
    assert not result.ok
    assert result.problems
    assert store.current is old


async def test_watcher_treats_a_burst_of_writes_as_one_edit(
    watcher: KnowledgeWatcher, recorder: Recorder, store: KnowledgeStore, kb_copy: Path
) -> None:
    """Temp file, rename over, write again during the debounce: exactly one reload."""
    responses = kb_copy / "responses.yaml"
    temp = kb_copy / ".responses.yaml.tmp"
    original = responses.read_text(encoding="utf-8")
    first_version = original.replace(ORIGINAL, 'en: "Intro from the rename:"')
    final_version = original.replace(ORIGINAL, 'en: "Intro after the final write!"')
    assert first_version != original and len(final_version) != len(first_version)
    renamed_size = len(first_version.encode())
    assert renamed_size != len(original.encode())
    mid_burst: list[int] = []

    def write_again_once_change_seen(call: int, fingerprint: Fingerprint) -> None:
        # Runs in the watcher's thread right after it fingerprinted the directory. The first
        # fingerprint that shows the renamed file is the watcher noticing the change; writing
        # again now lands inside its debounce period, before it checks the files hold still.
        sizes = {Path(name).name: size for name, size, _ in fingerprint}
        if not mid_burst and sizes.get("responses.yaml") == renamed_size:
            mid_burst.append(call)
            responses.write_text(final_version, encoding="utf-8")

    observed = ObservedStore(store, after=write_again_once_change_seen)
    watcher.start()
    await observed.baseline_taken()
    temp.write_text(first_version, encoding="utf-8")
    os.replace(temp, responses)

    result = await recorder.next()
    await asyncio.sleep(SETTLE)
    assert mid_burst, "the second write did not happen during the debounce"
    assert len(recorder.results) == 1
    assert result.ok
    assert intro(store.current) == "Intro after the final write!"


async def test_watcher_keeps_watching_after_a_failing_callback(
    store: KnowledgeStore, kb_copy: Path
) -> None:
    """An exception in on_result is logged and the next edit is still picked up."""
    recorder = Recorder()
    calls = 0

    async def flaky(result: ReloadResult) -> None:
        nonlocal calls
        calls += 1
        await recorder(result)
        if calls == 1:
            raise RuntimeError("callback failed")

    watcher = KnowledgeWatcher(store, on_result=flaky, poll=POLL, debounce=DEBOUNCE)
    observed = ObservedStore(store)
    watcher.start()
    try:
        await observed.baseline_taken()
        set_intro(kb_copy, 'en: "First edit:"')
        assert (await recorder.next()).ok
        set_intro(kb_copy, 'en: "Second, longer edit:"')
        assert (await recorder.next()).ok
        assert intro(store.current) == "Second, longer edit:"
    finally:
        await watcher.stop()


async def test_watcher_stop_cancels_cleanly(
    watcher: KnowledgeWatcher, recorder: Recorder, store: KnowledgeStore, kb_copy: Path
) -> None:
    """stop() cancels the task without raising, can be repeated, and no reload follows."""
    observed = ObservedStore(store)
    watcher.start()
    await observed.baseline_taken()
    task = watcher._task
    assert task is not None
    await watcher.stop()
    assert task.cancelled()
    await watcher.stop()  # a second stop is a no-op
    set_intro(kb_copy, 'en: "Edited after stop:"')
    await asyncio.sleep(SETTLE)
    assert recorder.results == []
    assert intro(store.current) == "Based on my sources:"


async def test_watcher_stop_before_start_is_a_no_op(watcher: KnowledgeWatcher) -> None:
    """Stopping a watcher that never started does nothing."""
    await watcher.stop()


# -- removed entries and held reloads -------------------------------------------------------


def truncate_entries(path: Path, marker: str, keep: int) -> list[str]:
    """Cut ``path`` just before its (keep+1)-th line starting with ``marker``, as a write cut
    short would; return the cut-off lines that start with ``marker``."""
    lines = path.read_text(encoding="utf-8").split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith(marker)]
    path.write_text("\n".join(lines[: starts[keep]]) + "\n", encoding="utf-8")
    return [lines[i] for i in starts[keep:]]


def ids_of(lines: list[str], marker: str) -> list[str]:
    return [line.removeprefix(marker).strip() for line in lines]


def test_reload_lists_a_removed_entry(
    store: KnowledgeStore, swaps: list[KnowledgeBase], kb_copy: Path
) -> None:
    """Deleting one topic swaps and reports it in ``removed``."""
    drop_topic("conclusion")(kb_copy)
    result = store.reload()
    assert result.ok and not result.held
    assert result.removed == {"topics.yaml": ["conclusion"]}
    assert "conclusion" not in store.current.topics
    assert len(swaps) == 1


def test_truncated_file_is_held(
    store: KnowledgeStore, swaps: list[KnowledgeBase], kb_copy: Path
) -> None:
    """A file cut to fewer than half its entries is held: the old knowledge keeps serving."""
    old = store.current
    cut = ids_of(truncate_entries(kb_copy / "use_cases.yaml", "  - id: ", 5), "  - id: ")
    result = store.reload()
    assert (result.ok, result.held) == (False, True)
    assert result.removed == {"use_cases.yaml": cut}
    assert f"use_cases.yaml would lose {len(cut)} of its {len(cut) + 5} entries" in result.reason
    assert "reload(force=True)" in result.reason
    assert result.version == old.version and result.candidate != old.version
    assert store.current is old and swaps == []
    assert [Path(p.path).name for p in result.problems] == ["use_cases.yaml"]
    assert store.last_error == result.problems


def test_force_applies_a_held_reload(
    store: KnowledgeStore, swaps: list[KnowledgeBase], kb_copy: Path
) -> None:
    """reload(force=True) confirms the removal: the new knowledge serves, removals listed."""
    cut = ids_of(truncate_entries(kb_copy / "use_cases.yaml", "  - id: ", 5), "  - id: ")
    held = store.reload()
    result = store.reload(force=True)
    assert result.ok and not result.held
    assert result.version == held.candidate
    assert result.removed == {"use_cases.yaml": cut}
    assert len(store.current.use_cases) == 5
    assert store.last_error == ()
    assert swaps == [store.current]


@pytest.mark.parametrize(("keep", "held"), [(12, False), (11, True)], ids=["half", "over-half"])
def test_hold_starts_above_half(
    store: KnowledgeStore, kb_copy: Path, keep: int, held: bool
) -> None:
    """Removing exactly half of a file's entries swaps; removing more holds."""
    truncate_entries(kb_copy / "use_cases.yaml", "  - id: ", keep)
    result = store.reload()
    assert (result.ok, result.held) == (not held, held)


def test_truncated_model_file_is_held_by_its_facts(store: KnowledgeStore, kb_copy: Path) -> None:
    """A model file that lost most of its facts is held, naming the lost aspects."""
    path = kb_copy / "models" / "gpt-4o-mini.yaml"
    # Without summary_aspects the cut file still validates (with them, it is rejected).
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(x for x in lines if not x.startswith("summary_aspects:")), "utf-8")
    assert store.reload().ok
    aspects = [f.aspect for f in store.current.models["gpt-4o-mini"].facts]
    truncate_entries(path, "  - aspect: ", 3)
    result = store.reload()
    assert result.held
    assert result.removed == {"models/gpt-4o-mini.yaml": aspects[3:]}


async def test_watcher_reports_a_hold_once(
    watcher: KnowledgeWatcher, recorder: Recorder, store: KnowledgeStore, kb_copy: Path
) -> None:
    """Saving the same held files again reloads but does not report the hold again."""
    reloads: list[ReloadResult] = []
    original = store.reload

    def counting_reload(force: bool = False) -> ReloadResult:
        reloads.append(original(force))
        return reloads[-1]

    store.reload = counting_reload  # type: ignore[method-assign]
    observed = ObservedStore(store)
    watcher.start()
    await observed.baseline_taken()
    path = kb_copy / "use_cases.yaml"
    truncate_entries(path, "  - id: ", 5)
    first = await recorder.next()
    assert first.held
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    for _ in range(int(TIMEOUT / POLL)):
        if len(reloads) >= 2:
            break
        await asyncio.sleep(POLL)
    await asyncio.sleep(SETTLE)
    assert len(reloads) >= 2 and reloads[-1].held
    assert recorder.results == [first]


async def test_watcher_reports_a_different_hold(
    watcher: KnowledgeWatcher, recorder: Recorder, store: KnowledgeStore, kb_copy: Path
) -> None:
    """A hold with other content is news and is reported."""
    observed = ObservedStore(store)
    watcher.start()
    await observed.baseline_taken()
    path = kb_copy / "use_cases.yaml"
    original = path.read_text(encoding="utf-8")
    truncate_entries(path, "  - id: ", 5)
    first = await recorder.next()
    path.write_text(original, encoding="utf-8")
    truncate_entries(path, "  - id: ", 4)
    second = await recorder.next()
    assert first.held and second.held
    assert first.candidate != second.candidate
