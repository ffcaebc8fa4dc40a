"""Discord data package ("Request all of my data").

Layouts accepted (detected by shape, never by the localized top folder name):

- ≤ mid-2021: ``messages/<channel id>/{channel.json, messages.csv}`` + ``messages/index.json``.
- mid-2021 on: the channel folders are ``c<channel id>``.
- 2023/24: ``messages.json`` (a list of ``{ID, Timestamp, Contents, Attachments}``, times with no
  zone: read as UTC, which is what Discord stores) replaces ``messages.csv``.
- 2025: capitalized and translated top folders (``Messages/``, ``Account/``, ``Compte/``, …).
- One channel folder, or a lone ``messages.csv``/``messages.json``.

The package holds only messages the account itself sent, so every item is the owner's
(``is_owner`` True). The owner's name comes from ``<account folder>/user.json`` (``username``),
else ``context.me``, else "me". DMs (channel type 1) are ``dm`` threads; group DMs and server
channels are ``group`` threads titled from ``index.json`` or ``channel.json``.
Messages with no text (attachments only) are skipped. ``external_id`` is Discord's message id.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

import ijson

from desktop.core.importers.archive import Archive
from desktop.core.importers.base import Detection, FileTally, ImportContext
from desktop.core.importers.platforms._generic_util import (
    JSON_BUFFER,
    base_name,
    csv_header,
    header_key,
    iter_csv_rows,
    json_outline,
    parse_utc,
    read_head,
    reading_json,
    scanned,
)
from desktop.core.importers.records import MESSAGE, ItemRecord, ThreadRecord
from desktop.core.importers.text import normalize

PLATFORM = "discord"
LABEL = "Discord"

_CHANNEL_DIR = re.compile(r"^c?\d{15,21}$")
_MESSAGE_FILES = ("messages.csv", "messages.json")
_CSV_HEADER = ["id", "timestamp", "contents", "attachments"]
_DM = 1


def _split(name: str) -> tuple[str, str]:
    folder, _, base = name.rpartition("/")
    return folder, base


def _channel_folders(archive: Archive) -> dict[str, dict[str, str]]:
    """Folder path → {file base name: archive name} for every folder that looks like a channel."""
    folders: dict[str, dict[str, str]] = defaultdict(dict)
    for name in archive.names:
        folder, base = _split(name)
        if base in ("channel.json", *_MESSAGE_FILES):
            folders[folder][base] = name
    channels = {}
    for folder, files in folders.items():
        if not any(f in files for f in _MESSAGE_FILES):
            continue
        leaf = folder.rsplit("/", 1)[-1]
        if "channel.json" in files and (_CHANNEL_DIR.match(leaf) or _looks_like_channel(archive, files)):
            channels[folder] = files
        elif not folder or not _CHANNEL_DIR.match(leaf):
            # A lone messages file (or a folder without channel.json): only with Discord's columns.
            if _looks_like_messages(archive, files):
                channels[folder] = files
        elif _looks_like_messages(archive, files):
            channels[folder] = files
    return channels


def _looks_like_channel(archive: Archive, files: dict[str, str]) -> bool:
    head = read_head(archive, files["channel.json"], 2048).decode("utf-8", errors="ignore")
    return '"type"' in head and '"id"' in head


def _looks_like_messages(archive: Archive, files: dict[str, str]) -> bool:
    if "messages.csv" in files:
        header = csv_header(archive, files["messages.csv"])
        return header is not None and [header_key(h) for h in header][:3] == _CSV_HEADER[:3]
    head = read_head(archive, files["messages.json"], 1024).decode("utf-8-sig", errors="ignore")
    if re.match(r'^\s*\[\s*(\]|\{\s*"ID"\s*:)', head):
        return True
    # Key order is not promised: look at the first message's keys wherever "ID" sits among them.
    outline = json_outline(archive, files["messages.json"], budget=1024 * 1024)
    return outline.kind == "array" and {"ID", "Timestamp"} <= set(outline.keys)


def _load_json(archive: Archive, name: str, context: ImportContext | None = None) -> object:
    try:
        return json.loads(archive.read_text(name))
    except (ValueError, OSError) as exc:
        if context is not None:
            context.warn(f"Skipped '{name}': it is not valid JSON ({exc.__class__.__name__}).")
        return None


class DiscordImporter:
    platform = PLATFORM
    label = LABEL

    def detect(self, archive: Archive) -> Detection | None:
        channels = scanned(_channel_folders, archive)
        if not channels:
            return None
        files = [name for entry in channels.values() for name in entry.values()]
        with_channel = any("channel.json" in entry for entry in channels.values())
        json_era = any(base_name(n) == "messages.json" for n in files)
        prefixed = any(
            _CHANNEL_DIR.match(f.rsplit("/", 1)[-1]) and f.rsplit("/", 1)[-1].startswith("c")
            for f in channels
        )
        tops = {folder.split("/")[-2] if folder.count("/") >= 1 else "" for folder in channels}
        localized = any(top and top != "messages" for top in tops)
        if json_era:
            version = "2025-json-localized" if localized else "2023-json"
        else:
            version = "2021-csv" if prefixed else "2020-csv"
        return Detection(PLATFORM, version, 0.95 if with_channel else 0.7)

    def read(self, context: ImportContext) -> Iterator[ThreadRecord | ItemRecord]:
        archive = context.archive
        channels = _channel_folders(archive)
        owner_name, owner_id = self._owner(archive, context)
        index = self._index(archive, channels, context)
        for folder in sorted(channels):
            files = channels[folder]
            channel = _load_json(archive, files["channel.json"], context) if "channel.json" in files else None
            if not isinstance(channel, dict):
                channel = {}
            leaf = folder.rsplit("/", 1)[-1] if folder else ""
            channel_id = str(channel.get("id") or leaf.lstrip("c") or "unknown")
            thread = self._thread(channel_id, channel, index, owner_id)
            messages = self._messages(archive, files, context)
            if not messages:
                continue  # unreadable, or no message with text
            yield thread
            for message_id, created_at, text, attachments in sorted(messages, key=lambda m: m[1]):
                context.tick()
                yield ItemRecord(
                    external_id=message_id,
                    kind=MESSAGE,
                    text=text,
                    created_at=created_at,
                    author=owner_name or context.me or "me",
                    is_owner=True,
                    thread_key=thread.key,
                    extra={"attachments": attachments} if attachments else {},
                )

    @staticmethod
    def _owner(archive: Archive, context: ImportContext) -> tuple[str | None, str | None]:
        for name in archive.names:
            if base_name(name) != "user.json" or name.count("/") > 2:
                continue
            user = _load_json(archive, name)
            if isinstance(user, dict) and "username" in user and "id" in user:
                return normalize(str(user.get("username") or "")) or None, str(user["id"])
        return None, None

    @staticmethod
    def _index(
        archive: Archive, channels: dict[str, dict[str, str]], context: ImportContext
    ) -> dict[str, str]:
        parents = {folder.rpartition("/")[0] for folder in channels}
        titles: dict[str, str] = {}
        for parent in parents:
            name = f"{parent}/index.json" if parent else "index.json"
            if name in archive.sizes:
                data = _load_json(archive, name, context)
                if isinstance(data, dict):
                    titles.update({str(k): str(v) for k, v in data.items() if v})
        return titles

    @staticmethod
    def _thread(channel_id: str, channel: dict, index: dict[str, str], owner_id: str | None) -> ThreadRecord:
        kind = "dm" if channel.get("type") == _DM else "group"
        guild = channel.get("guild") if isinstance(channel.get("guild"), dict) else None
        title = index.get(channel_id)
        if not title:
            name = channel.get("name")
            if guild and name:
                title = f"{guild.get('name', '')} #{name}".strip()
            else:
                title = str(name or f"Channel {channel_id}")
        recipients = channel.get("recipients")
        if not isinstance(recipients, list):
            recipients = []
        participants = tuple(str(r) for r in recipients if str(r) != owner_id)
        return ThreadRecord(channel_id, normalize(title), kind, participants)

    @staticmethod
    def _messages(
        archive: Archive, files: dict[str, str], context: ImportContext
    ) -> list[tuple[str, datetime, str, str]]:
        """(id, created_at, text, attachments) for every readable message with text; a file that breaks
        part-way keeps the messages before the break, and a warning says where it broke."""
        name = files.get("messages.json") or files["messages.csv"]
        if name.endswith(".json"):
            return _collect(_json_rows(archive, name, context), name, context)
        return _collect((row for _, row in iter_csv_rows(archive, name, context=context)), name, context)


def _json_rows(archive: Archive, name: str, context: ImportContext) -> Iterator[dict]:
    """The message objects of a ``messages.json`` list, streamed; entries that are not objects are
    skipped, and a break in the file ends the list where it happens."""
    tally = FileTally(name, "messages")
    with reading_json(archive, name, tally) as tracked:
        for number, item in enumerate(ijson.items(tracked, "item", buf_size=JSON_BUFFER), start=1):
            if not isinstance(item, dict):
                tally.skip(f"entry {number}", "not a message")
                continue
            tally.read += 1
            yield {header_key(k): v for k, v in item.items()}
    tally.report(context)


def _collect(rows: Iterator[dict], name: str, context: ImportContext) -> list[tuple[str, datetime, str, str]]:
    out = []
    for row in rows:
        text = normalize(str(row.get("contents") or ""))
        if not text:
            continue
        created_at = parse_utc(str(row.get("timestamp") or ""))
        if created_at is None:
            context.warn(f"Skipped a message in '{name}': its time '{row.get('timestamp')}' is not readable.")
            continue
        out.append((str(row.get("id")), created_at, text, str(row.get("attachments") or "")))
    return out


IMPORTER = DiscordImporter()
