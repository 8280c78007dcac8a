"""Export the knowledge files, and turn an uploaded file or zip into import operations.

Uploads are untrusted: sizes are capped before anything is parsed, text must be UTF-8,
YAML is read with the bot's safe loader (no aliases, no duplicate keys), zip entries
with absolute paths or ``..`` refuse the whole upload, and the file an upload lands in
is decided by what it contains (a model's ``id``, or the top-level keys), never by its name.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from yaml.nodes import MappingNode, Node, SequenceNode

from bot.kb.loader import SINGLE_FILES
from bot.kb.schema import Model
from bot.kb.yamlsafe import MAX_FILE_BYTES, YamlProblem, load_yaml
from bot.kbedit.files import YAML_SUFFIXES, knowledge_files, read_bytes, resolve
from bot.kbedit.ops import ID_PATTERN, Notes, id_key, load_source
from bot.kbedit.records import KbEditError
from bot.kbedit.yamlrt import Block, Source, insert_after, reindent, safe_data

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
SCHEMA_DIR = "schema"
Mode = Literal["merge", "replace"]
MODES: tuple[str, ...] = ("merge", "replace")
_ZIP_MAGIC = b"PK\x03\x04"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries carry no wall-clock time: same files, same zip


@dataclass(frozen=True)
class Export:
    """A download: a zip of the knowledge files, or one YAML file as it is on disk."""

    filename: str
    data: bytes
    media_type: str


def export_files(directory: Path, names: Sequence[str] | None = None) -> Export:
    """The YAML files byte-identical to disk (+ the JSON Schemas), or one file alone."""
    if names is not None and len(names) == 1:
        path = resolve(directory, names[0])
        content = read_bytes(path)
        if content is None:
            raise KbEditError(f"{names[0]} does not exist in {directory}")
        return Export(PurePosixPath(names[0]).name, content, "application/yaml")
    wanted = list(names) if names else knowledge_files(directory)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in wanted:
            content = read_bytes(resolve(directory, name))
            if content is None:
                raise KbEditError(f"{name} does not exist in {directory}")
            zf.writestr(zipfile.ZipInfo(name, _FIXED_TIME), content, zipfile.ZIP_DEFLATED)
        schema_dir = directory / SCHEMA_DIR
        if names is None and schema_dir.is_dir():
            for path in sorted(schema_dir.glob("*.json")):
                info = zipfile.ZipInfo(f"{SCHEMA_DIR}/{path.name}", _FIXED_TIME)
                zf.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return Export("knowledge.zip", out.getvalue(), "application/zip")


# -- reading an upload ---------------------------------------------------------------
@dataclass(frozen=True)
class Upload:
    """One uploaded YAML file: its name in the upload, its text and where it belongs."""

    name: str
    text: str
    target: str


def _unsafe_member(name: str) -> bool:
    posix = name.replace("\\", "/")
    return (
        posix.startswith("/")
        or bool(re.match(r"^[A-Za-z]:", posix))
        or ".." in PurePosixPath(posix).parts
    )


def _zip_members(data: bytes, declared: str, skipped: list[str]) -> list[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise KbEditError(f"{declared} is not a readable zip file") from exc
    with archive:
        infos = archive.infolist()
        for info in infos:
            if _unsafe_member(info.filename):
                raise KbEditError(
                    f"{declared}: entry '{info.filename}' has an absolute path or '..'; "
                    "nothing was imported"
                )
        members: list[tuple[str, bytes]] = []
        total = 0
        for info in infos:
            name = info.filename
            base = PurePosixPath(name).name
            if info.is_dir() or (name.startswith(f"{SCHEMA_DIR}/") and name.endswith(".json")):
                continue  # the JSON Schemas that `export` adds are generated, never imported
            if (
                name.startswith("__MACOSX/")
                or base.startswith("._")
                or not name.endswith(YAML_SUFFIXES)
            ):
                skipped.append(name)
                continue
            if info.file_size > MAX_FILE_BYTES:
                raise KbEditError(_too_big(f"{declared}: {name}", info.file_size, MAX_FILE_BYTES))
            total += info.file_size
            if total > MAX_UPLOAD_BYTES:
                raise KbEditError(
                    _too_big(f"{declared}: the unpacked files", total, MAX_UPLOAD_BYTES)
                )
            try:
                with archive.open(info) as fh:
                    content = fh.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError) as exc:
                raise KbEditError(f"{declared}: cannot read entry '{name}' ({exc})") from exc
            if len(content) > MAX_FILE_BYTES:
                raise KbEditError(_too_big(f"{declared}: {name}", len(content), MAX_FILE_BYTES))
            members.append((name, content))
    if not members:
        raise KbEditError(f"{declared} holds no .yaml files; nothing to import")
    return members


def _too_big(what: str, size: int, limit: int) -> str:
    per_file = " per file" if limit == MAX_FILE_BYTES else ""
    return (
        f"{what} is {size / 1024 / 1024:.1f} MiB, over the {limit // 1024 // 1024} MiB "
        f"limit{per_file}; nothing was imported"
    )


def _safe_load(name: str, content: bytes) -> tuple[str, Any]:
    """Text and data of one uploaded file through the bot's own safe loader."""
    with tempfile.TemporaryDirectory(prefix="kbimport-") as tmp:
        path = Path(tmp) / "upload.yaml"
        path.write_bytes(content)
        try:
            doc = load_yaml(path, name)
        except YamlProblem as exc:
            raise KbEditError(f"{name}:{exc.line}:{exc.col}: {exc.message}") from exc
    return doc.text, doc.data


def _key_owners(directory: Path) -> dict[str, str]:
    """Top-level key -> the knowledge file that holds it (from the schema and the files)."""
    owners: dict[str, str] = {}
    for name, schema in SINGLE_FILES.items():
        for key in schema.model_fields:
            owners.setdefault(key, name)
    for name in knowledge_files(directory):
        if "/" in name:
            continue
        content = read_bytes(directory / name)
        try:
            data = safe_data(content.decode("utf-8")) if content is not None else None
        except Exception:  # a broken file on disk still owns its name, just not its keys
            continue
        if isinstance(data, dict):
            for key in data:
                owners.setdefault(str(key), name)
    return owners


def _target(name: str, data: Any, owners: dict[str, str]) -> str:
    if not isinstance(data, dict) or not data:
        raise KbEditError(f"{name}: the top level must be a mapping (like the exported files)")
    keys = [str(k) for k in data]
    if "id" in data and set(keys) <= set(Model.model_fields):
        model_id = str(data["id"])
        if not ID_PATTERN.match(model_id) or len(model_id) > 64:
            raise KbEditError(f"{name}: model id '{model_id}' is not a valid id")
        return f"models/{model_id}.yaml"
    unknown = [k for k in keys if k not in owners]
    if unknown:
        raise KbEditError(
            f"{name}: top-level key(s) {', '.join(unknown)} belong to no knowledge file; "
            f"expected a model (with id) or one of: {', '.join(sorted(owners))}"
        )
    files = sorted({owners[k] for k in keys})
    if len(files) > 1:
        raise KbEditError(f"{name} mixes keys of {' and '.join(files)}; upload one file per file")
    return files[0]


def read_upload(directory: Path, data: bytes, declared: str) -> tuple[list[Upload], list[str]]:
    """The YAML files of an upload and where each belongs; also the names skipped.

    Raises :class:`KbEditError` (nothing is imported) for anything unsafe or unreadable.
    """
    if not data:
        raise KbEditError(f"{declared} is empty")
    skipped: list[str] = []
    if data.startswith(_ZIP_MAGIC) or declared.lower().endswith(".zip"):
        if len(data) > MAX_UPLOAD_BYTES:
            raise KbEditError(_too_big(declared, len(data), MAX_UPLOAD_BYTES))
        members = _zip_members(data, declared, skipped)
    else:
        if len(data) > MAX_FILE_BYTES:
            raise KbEditError(_too_big(declared, len(data), MAX_FILE_BYTES))
        members = [(declared, data)]
    owners = _key_owners(directory)
    uploads: list[Upload] = []
    seen: dict[str, str] = {}
    for name, content in members:
        text, parsed = _safe_load(name, content)
        target = _target(name, parsed, owners)
        if target in seen:
            raise KbEditError(f"{seen[target]} and {name} both hold {target}; upload it once")
        seen[target] = name
        uploads.append(Upload(name, text, target))
    return uploads, skipped


# -- applying an upload ----------------------------------------------------------------
Edit = tuple[int, int, list[str]]


def _raw(up: Source, block: Block, col: int) -> list[str]:
    """The upload's own lines for ``block``, moved to column ``col``."""
    return reindent(up.lines[block.start : block.end], col - block.col)


def _merge(
    cur: Source, cur_node: Node, old: Any, up: Source, up_node: Node, new: Any, edits: list[Edit]
) -> Any:
    """Merge ``new`` into ``old`` (two block mappings, or two lists keyed by the same field).

    Line edits go to ``edits``; the merged value is returned so that the written text can
    be checked against it. Changed entries take the upload's lines verbatim.
    """
    cur_blocks, up_blocks = cur.children(cur_node), up.children(up_node)
    field = id_key(new) if isinstance(new, list) else None
    if field is None:
        names_old = [b.key for b in cur_blocks]
        pairs = [(b.key, new[b.key]) for b in up_blocks]
        index = {name: i for i, name in enumerate(names_old)}
        merged: Any = dict(old)
    else:
        names_old = [str(item[field]) for item in old]
        pairs = [(str(item[field]), item) for item in new]
        index = {name: i for i, name in enumerate(names_old)}
        merged = list(old)
    added: list[list[str]] = []
    for (name, value), up_block in zip(pairs, up_blocks, strict=True):
        i = index.get(name)
        if i is None:
            added.append(_raw(up, up_block, cur_blocks[0].col))
            if isinstance(merged, dict):
                merged[name] = value
            else:
                merged.append(value)
            continue
        cur_block, before = cur_blocks[i], (old[name] if isinstance(old, dict) else old[i])
        if before == value:
            continue
        result = value
        both_maps = isinstance(before, dict) and isinstance(value, dict)
        both_lists = id_key(value) is not None and id_key(value) == id_key(before)
        if (both_maps or both_lists) and _nestable(cur_block.node, up_block.node):
            result = _merge(cur, cur_block.node, before, up, up_block.node, value, edits)
        else:
            edits.append((cur_block.start, cur_block.end, _raw(up, up_block, cur_block.col)))
        if isinstance(merged, dict):
            merged[name] = result
        else:
            merged[i] = result
    if added:
        edits.append(insert_after(cur, cur_blocks, len(cur_blocks) - 1, added))
    return merged


def _nestable(a: Node, b: Node) -> bool:
    """Both nodes are non-empty block collections of one kind: mergeable entry by entry."""
    return (
        type(a) is type(b)
        and isinstance(a, MappingNode | SequenceNode)
        and isinstance(b, MappingNode | SequenceNode)
        and not a.flow_style
        and not b.flow_style
        and bool(a.value)
        and bool(b.value)
    )


def merge_text(current: str, upload: str) -> str:
    """``current`` with the upload merged in: entries by id, keys by name, the rest kept."""
    cur, up = Source(current), Source(upload)
    old, new = safe_data(current), safe_data(upload)
    if (
        cur.root is None
        or up.root is None
        or not _nestable(cur.root, up.root)
        or not isinstance(old, dict)
        or not isinstance(new, dict)
    ):
        raise KbEditError(
            "both files need a block mapping at the top level to be merged; use replace"
        )
    edits: list[Edit] = []
    expected = _merge(cur, cur.root, old, up, up.root, new, edits)
    text = cur.replaced(edits)
    if safe_data(text) != expected:
        raise KbEditError("internal error: the merged file does not read back as the merge")
    return text


@dataclass(frozen=True)
class ImportFile:
    """Import one uploaded file into ``file``: ``replace`` its content, or ``merge`` by id."""

    file: str
    text: str
    mode: Mode
    origin: str = ""

    def describe(self) -> str:
        came = f" (from {self.origin})" if self.origin and self.origin != self.file else ""
        return f"{self.mode} {self.file}{came}"

    def apply(self, current: bytes | None, notes: Notes) -> bytes | None:
        if self.mode not in MODES:
            raise KbEditError(f"unknown import mode '{self.mode}'; use merge or replace")
        if self.origin and PurePosixPath(self.origin).name != PurePosixPath(self.file).name:
            notes.warn(f"{self.origin} holds {self.file} (decided by its content, not its name)")
        new = self.text.encode("utf-8")
        if current is None or self.mode == "replace":
            return current if current == new else new
        load_source(current, self.file)  # a clear error when the file on disk is unreadable
        merged = merge_text(current.decode("utf-8"), self.text)
        return merged.encode("utf-8")
