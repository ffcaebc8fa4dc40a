"""Helpers shared by the WhatsApp, Discord, Reddit, Mastodon, LinkedIn and generic importer tests:
lay files out as a real zip, as an extracted folder, and run an importer over them."""

from __future__ import annotations

import zipfile
from pathlib import Path

from desktop.core.importers.archive import open_archive
from desktop.core.importers.base import Detection, ImportContext
from desktop.core.importers.records import ItemRecord, ThreadRecord

Files = dict[str, str | bytes]


def _data(content: str | bytes) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def make_zip(path: Path, files: Files) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, _data(content))
    return path


def make_folder(path: Path, files: Files) -> Path:
    for name, content in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_data(content))
    return path


def zip_and_folder(
    tmp_path: Path, files: Files, zip_name: str = "export.zip", folder: str = "extracted"
) -> list[Path]:
    return [make_zip(tmp_path / zip_name, files), make_folder(tmp_path / folder, files)]


def run(
    importer, path: Path, me: str | None = None
) -> tuple[list[ThreadRecord], list[ItemRecord], list[str]]:
    """Detect and read ``path``; return (threads, items, warnings). Asserts threads come first."""
    with open_archive(path) as archive:
        detection = importer.detect(archive) or Detection(importer.platform, "forced", 0.0)
        context = ImportContext(archive, detection, me=me)
        records = list(importer.read(context))
    threads = [r for r in records if isinstance(r, ThreadRecord)]
    items = [r for r in records if isinstance(r, ItemRecord)]
    seen: set[str] = set()
    for record in records:
        if isinstance(record, ThreadRecord):
            seen.add(record.key)
        elif record.thread_key is not None:
            assert record.thread_key in seen, "an item came before its thread"
    return threads, items, context.warnings


def detect(importer, path: Path) -> Detection | None:
    with open_archive(path) as archive:
        return importer.detect(archive)


# Small files laid out like other platforms' exports, which none of our importers may claim.
FOREIGN: dict[str, Files] = {
    "twitter": {"data/tweets.js": 'window.YTD.tweets.part0 = [{"tweet": {"id": "1", "full_text": "hi"}}]'},
    "instagram": {
        "your_instagram_activity/messages/inbox/a_1/message_1.json": '{"participants": [{"name": "a"}], '
        '"messages": [{"sender_name": "a", "timestamp_ms": 1, "content": "x"}]}'
    },
    "random": {"blob.bin": bytes(range(256)) * 8, "notes.txt": "just some notes\nnothing here\n"},
    "telegram": {"result.json": '{"chats": {"list": []}}'},
}
