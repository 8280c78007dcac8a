"""/kb export and /kb import end to end: files out byte for byte, back in through a
preview, and uploads that could hurt refused before anything is staged."""

from __future__ import annotations

import io
import zipfile

import pytest

from bot.settings import Settings
from tests import discord_support
from tests.discord_kb_support import Admin
from tests.discord_support import bot_running
from tests.fakediscord import FakeDiscord

fake_discord = discord_support.fake_discord
settings = discord_support.settings

MIB = 1024 * 1024


def knowledge_files(settings: Settings) -> dict[str, bytes]:
    root = settings.knowledge_dir
    paths = [*root.glob("*.yaml"), *root.glob("models/*.yaml")]
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in paths}


async def test_export_then_import_round_trips_byte_identical(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """The export holds every YAML file as on disk (and the schemas); importing it back
    after an edit (replace) restores every file byte for byte."""
    admin = Admin(fake_discord)
    exported_files = knowledge_files(settings)
    async with bot_running(settings):
        sent = admin.reply(await admin.run("kb export"))
        package = fake_discord.attachment_bytes(sent, "knowledge.zip")
        topics = settings.knowledge_dir / "topics.yaml"
        topics.write_text(topics.read_text("utf-8").replace("prediction", "forecast", 1), "utf-8")
        upload = fake_discord.upload("knowledge.zip", package)
        preview = admin.reply(await admin.run("kb import", {"file": upload, "mode": "replace"}))
        saved = admin.reply(await admin.press(preview, "kb:ok:"))
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        inside = {n: zf.read(n) for n in zf.namelist() if n.endswith(".yaml")}
        schemas = [n for n in zf.namelist() if n.startswith("schema/")]
    assert inside == exported_files and schemas
    assert "topics.yaml" in preview["content"] and "Saved" in saved["content"]
    assert knowledge_files(settings) == exported_files


async def test_a_zip_with_a_parent_path_is_refused(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """A member named ../x.yaml refuses the whole upload; nothing is staged or written."""
    before = knowledge_files(settings)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("../topics.yaml", "topics: []\n")
    admin = Admin(fake_discord)
    async with bot_running(settings):
        upload = fake_discord.upload("evil.zip", buffer.getvalue())
        refused = admin.reply(await admin.run("kb import", {"file": upload, "mode": "merge"}))
    assert "'../topics.yaml'" in refused["content"] and "nothing was imported" in refused["content"]
    assert knowledge_files(settings) == before


async def test_an_upload_over_the_cap_is_refused_before_download(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """Over 5 MiB: refused from the size Discord reports; the bot never downloads it."""
    admin = Admin(fake_discord)
    async with bot_running(settings):
        upload = fake_discord.upload("huge.yaml", b"#" * (5 * MIB + 1))
        refused = admin.reply(await admin.run("kb import", {"file": upload, "mode": "merge"}))
    assert "limited to 5 MiB" in refused["content"]
    assert upload["id"] not in fake_discord.downloads


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("big.yaml", b"#" * (5 * MIB), "over the 1 MiB limit per file"),
        ("latin1.yaml", "topics: ['café']\n".encode("latin-1"), "UTF-8"),
        ("alias.yaml", b"a: &x 1\nb: *x\n", "alias"),
    ],
    ids=["5 MiB yaml", "not utf-8", "yaml alias"],
)
async def test_an_unsafe_upload_is_refused_by_the_pipeline(
    fake_discord: FakeDiscord, settings: Settings, name: str, data: bytes, expected: str
) -> None:
    """Within the size cap but unusable: one line saying why, nothing staged."""
    before = knowledge_files(settings)
    admin = Admin(fake_discord)
    async with bot_running(settings):
        upload = fake_discord.upload(name, data)
        refused = admin.reply(await admin.run("kb import", {"file": upload, "mode": "merge"}))
    assert expected in refused["content"] and not refused["components"]
    assert knowledge_files(settings) == before


async def test_an_import_lands_by_content_not_by_name(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """A topics file uploaded as "use_cases.yaml" is previewed against topics.yaml."""
    topics = (settings.knowledge_dir / "topics.yaml").read_text("utf-8")
    admin = Admin(fake_discord)
    async with bot_running(settings):
        upload = fake_discord.upload(
            "use_cases.yaml", topics.replace("prediction", "forecast", 1).encode()
        )
        preview = admin.reply(await admin.run("kb import", {"file": upload, "mode": "replace"}))
    assert "Files: topics.yaml" in preview["content"]


DOC = (
    "# Tiny Model card\n\nTiny Model supports a context length of 32k tokens.\n"
    "It was released on 2024-09-01.\n"
)


async def test_kb_source_add_stores_the_text_verbatim_after_a_preview(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    """/kb source add: preview names the stored file and the registration; Confirm writes
    the text byte for byte, registers it, and `check` still passes."""
    admin = Admin(fake_discord)
    options = {
        "id": "tiny-card",
        "title": "Tiny Model card",
        "publisher": "Tiny Labs",
        "date": "2024-09-01",
        "language": "en",
        "title_gloss": "Tiny 模型卡",
    }
    async with bot_running(settings):
        upload = fake_discord.upload("tiny.md", DOC.encode())
        preview = admin.reply(await admin.run("kb source add", {"file": upload, **options}))
        saved = admin.reply(await admin.press(preview, "kb:ok:"))
    assert "sources/tiny-card.md" in preview["content"] and "Saved" in saved["content"]
    stored = settings.knowledge_dir / "sources" / "tiny-card.md"
    assert stored.read_bytes() == DOC.encode()
    assert "id: tiny-card" in (settings.knowledge_dir / "sources.yaml").read_text("utf-8")
    from bot.kb.loader import check_directory

    assert check_directory(settings.knowledge_dir).ok


async def test_kb_source_add_refuses_bad_details_and_oversized_files(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    admin = Admin(fake_discord)
    base = {"id": "x-card", "title": "X", "publisher": "X", "language": "en"}
    async with bot_running(settings):
        upload = fake_discord.upload("x.md", DOC.encode())
        bad_date = admin.reply(
            await admin.run("kb source add", {"file": upload, **base, "date": "07/23/2024"})
        )
        huge = fake_discord.upload("huge.md", b"#" * (2 * MIB + 1))
        too_big = admin.reply(
            await admin.run("kb source add", {"file": huge, **base, "date": "2024-07-23"})
        )
        taken = fake_discord.upload("y.md", DOC.encode())
        existing = admin.reply(
            await admin.run(
                "kb source add",
                {"file": taken, **base, "id": "aibusinessasia-2024-07-29", "date": "2024-07-23"},
            )
        )
    assert "YYYY-MM-DD" in bad_date["content"] and not bad_date["components"]
    assert "limited to 2 MiB" in too_big["content"] and huge["id"] not in fake_discord.downloads
    assert "already exists" in existing["content"]
    assert not (settings.knowledge_dir / "sources" / "x-card.md").exists()
