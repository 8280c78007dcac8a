"""Console `kb` commands: export, import, history, undo, unanswered, and their errors."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pytest

from bot.analytics import Analytics
from bot.kbedit.files import knowledge_files
from tests.test_cli import run_cli


def kb(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_cli("kb", *args, stdin=stdin, env=env, cwd=Path(env["KNOWLEDGE_DIR"]).parent)


def snapshot(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in knowledge_files(directory)}


def edited_topics_zip(kb_copy: Path) -> Path:
    """A one-file zip whose topics.yaml renames one phrasing."""
    text = (kb_copy / "topics.yaml").read_bytes()
    out = kb_copy.parent / "upload.zip"
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("topics.yaml", text.replace(b'"article overview"', b'"article summary"'))
    return out


def test_export_writes_the_files_as_they_are(env: dict[str, str], kb_copy: Path) -> None:
    """`kb export OUT.zip` writes every knowledge file byte-identical."""
    out = kb_copy.parent / "out.zip"
    result = kb(env, "export", str(out))
    assert result.returncode == 0, result.stderr
    archive = zipfile.ZipFile(io.BytesIO(out.read_bytes()))
    assert {n: archive.read(n) for n in knowledge_files(kb_copy)} == snapshot(kb_copy)


def test_import_with_yes_applies_and_is_in_history(env: dict[str, str], kb_copy: Path) -> None:
    """`kb import --yes` prints the diff, writes the file and records an import revision."""
    result = kb(env, "import", str(edited_topics_zip(kb_copy)), "--mode", "merge", "--yes")
    assert result.returncode == 0, result.stderr
    assert '+      en: ["what is the article about"' in result.stdout
    assert b'"article summary"' in (kb_copy / "topics.yaml").read_bytes()
    history = kb(env, "history", "overview")
    assert history.returncode == 0 and " import " in history.stdout
    assert "topic:overview" in history.stdout


def test_import_without_a_terminal_or_yes_writes_nothing(
    env: dict[str, str], kb_copy: Path
) -> None:
    """Without --yes and with no terminal to ask on, nothing is applied and exit is 1."""
    before = snapshot(kb_copy)
    result = kb(env, "import", str(edited_topics_zip(kb_copy)), "--mode", "replace")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: not applied: no terminal to ask on; pass --yes to apply"
    ]
    assert snapshot(kb_copy) == before


def test_undo_restores_the_bytes_before_the_last_revision(
    env: dict[str, str], kb_copy: Path
) -> None:
    """`kb undo --yes` puts back exactly what the last revision replaced."""
    before = snapshot(kb_copy)
    assert (
        kb(env, "import", str(edited_topics_zip(kb_copy)), "--mode", "replace", "--yes").returncode
        == 0
    )
    result = kb(env, "undo", "--yes")
    assert result.returncode == 0, result.stderr
    assert snapshot(kb_copy) == before
    assert kb(env, "history").stdout.splitlines()[0].split()[3] == "undo"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("import", "missing.yaml", "--mode", "merge"), "missing.yaml: No such file"),
        (("undo", "--yes"), "there is no revision to undo yet"),
        (("undo", "--revision", "42"), "revision #42 not found"),
    ],
    ids=["missing file", "nothing to undo", "unknown revision"],
)
def test_expected_errors_are_one_line_and_exit_1(
    env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    """Expected failures print one clear line (no traceback) and exit 1."""
    result = kb(env, *args)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_refused_upload_is_one_line(env: dict[str, str], kb_copy: Path) -> None:
    """An unsafe zip is refused with one line naming the bad entry."""
    upload = kb_copy.parent / "evil.zip"
    with zipfile.ZipFile(upload, "w") as zf:
        zf.writestr("../topics.yaml", b"topics: []\n")
    result = kb(env, "import", str(upload), "--mode", "replace", "--yes")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: evil.zip: entry '../topics.yaml' has an absolute path or '..'; nothing was imported"
    ]


@pytest.mark.skipif(hasattr(Analytics, "miss_clusters"), reason="analytics groups misses here")
def test_unanswered_says_it_is_not_available_yet(env: dict[str, str]) -> None:
    """Without the analytics clustering API, `kb unanswered` says so in one line."""
    result = kb(env, "unanswered")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: kb unanswered is not available yet: this build cannot group missed questions"
    ]


def test_a_host_edit_shows_in_kb_history(env: dict[str, str], kb_copy: Path) -> None:
    """After a recorded edit, a file edited on the host shows in `kb history` as a host
    revision, without the bot running."""
    assert (
        kb(env, "import", str(edited_topics_zip(kb_copy)), "--mode", "merge", "--yes").returncode
        == 0
    )
    topics = kb_copy / "topics.yaml"
    topics.write_text(topics.read_text("utf-8").replace("prediction", "forecast", 1), "utf-8")
    listed = kb(env, "history")
    assert listed.returncode == 0, listed.stderr
    assert "host" in listed.stdout and "topics.yaml" in listed.stdout
