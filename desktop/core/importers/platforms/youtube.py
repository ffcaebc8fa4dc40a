"""YouTube (Google Takeout): comments, live chats and own uploads, found by CSV header.

Folder and file names are localized (``Kommentare/Kommentare.csv``), so every ``.csv`` is
classified by its header row, read by column name, case-insensitively:

- comments: ``Comment Create Timestamp`` (three eras: pre-2024 ``takeoutSegments`` JSON text,
  2024+ comma-joined JSON objects that are not valid JSON, and the newest 9 columns with
  ``Post ID`` / ``Top-Level Comment ID``);
- live chats: ``Live Chat Create Timestamp``;
- own uploads: ``Video Title (Original)`` (title and description become one post).

Everything in Takeout is the owner's own writing (``is_owner`` True). Comments are grouped in
``comments`` threads per video (``video:<id>``) or community post (``post:<id>``), and a reply
links to its parent with ``reply_to``. The pre-2020 ``my-comments.html`` is refused with a
plain explanation.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any, ClassVar

from desktop.core.errors import KnownError
from desktop.core.importers.archive import Archive
from desktop.core.importers.base import Detection, ImportContext, Record
from desktop.core.importers.platforms._generic_util import iter_csv_rows, scanned
from desktop.core.importers.records import COMMENT, POST, ItemRecord, ThreadRecord
from desktop.core.importers.text import normalize

_COMMENTS = "comment create timestamp"
_LIVE = "live chat create timestamp"
_VIDEOS = "video title (original)"
_CHANNEL_TITLE = "channel title (original)"
_DECODER = json.JSONDecoder()


class OldYouTubeFormatError(KnownError):
    """Takeouts from before 2020 list comments as HTML pages that Understudy does not read."""


def _header(archive: Archive, name: str) -> list[str]:
    try:
        with archive.open(name) as stream:
            first = stream.read(4096).decode("utf-8-sig", errors="replace").splitlines()
    except OSError:
        return []
    if not first:
        return []
    return [c.strip().lower() for c in next(csv.reader([first[0]]), [])]


def _classify(archive: Archive) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name in archive.names:
        if not name.lower().endswith(".csv"):
            continue
        header = _header(archive, name)
        kinds = (("comments", _COMMENTS), ("live", _LIVE), ("videos", _VIDEOS), ("channel", _CHANNEL_TITLE))
        for kind, column in kinds:
            if column in header:
                found.setdefault(kind, []).append(name)
                break
    return found


def _legacy_html(archive: Archive) -> list[str]:
    return [
        n
        for n in archive.names
        if n.rsplit("/", 1)[-1].lower() in ("my-comments.html", "my-live-chat-messages.html")
        or "/my-live-chat-messages/" in n.lower()
    ]


def parse_time(value: str) -> datetime:
    text = value.strip()
    if text.endswith(" UTC"):
        text = text[:-4] + "+00:00"
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _row_time(value: str) -> datetime:
    """``parse_time``, failing with words that can go into a warning."""
    try:
        return parse_time(value)
    except ValueError:
        raise ValueError(f"its time '{value}' is not readable") from None


def _segment_text(segment: Any) -> str:
    if isinstance(segment, dict):
        return str(segment.get("text") or "")
    return str(segment) if isinstance(segment, str) else ""


def parse_comment_text(raw: str) -> str:
    """The plain text of a ``Comment Text`` cell in any era.

    Pre-2024: ``{"takeoutSegments":[{"text":...}]}``. 2024+: ``{"text":"a"},{"text":"b"}``,
    objects joined by commas (not valid JSON). Anything that does not parse is plain text.
    """
    text = raw.strip()
    if not text.startswith("{"):
        return raw
    segments: list[Any] = []
    at = 0
    try:
        while at < len(text):
            value, at = _DECODER.raw_decode(text, at)
            segments.append(value)
            while at < len(text) and text[at] in ", \t\r\n":
                at += 1
    except ValueError:
        return raw
    parts: list[str] = []
    for value in segments:
        if isinstance(value, dict) and isinstance(value.get("takeoutSegments"), list):
            parts.extend(_segment_text(s) for s in value["takeoutSegments"])
        else:
            parts.append(_segment_text(value))
    return "".join(parts)


def _column(name: str) -> str:
    return name.strip().lower()


def _rows(archive: Archive, name: str, context: ImportContext) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, row by lower-case column name); a broken row costs that row, with a warning."""
    yield from iter_csv_rows(archive, name, context=context, key=_column)


class YouTubeImporter:
    platform: ClassVar[str] = "youtube"
    label: ClassVar[str] = "YouTube"

    def detect(self, archive: Archive) -> Detection | None:
        found, legacy = scanned(_classify, archive), scanned(_legacy_html, archive)
        if found is None or legacy is None:
            return None
        kinds = set(found) - {"channel"}
        if kinds:
            if "comments" in found:
                header = _header(archive, found["comments"][0])
                if "post id" in header or "top-level comment id" in header:
                    version = "takeout-2025"
                elif header and header[0] == "comment id":
                    version = "takeout-pre-2024"
                else:
                    version = "takeout-2024"
            else:
                version = "takeout-" + "-".join(sorted(kinds))
            return Detection(self.platform, version, 0.95)
        if legacy:
            return Detection(self.platform, "takeout-html-legacy", 0.9)
        return None

    def read(self, context: ImportContext) -> Iterator[Record]:
        archive = context.archive
        found = _classify(archive)
        if not (set(found) - {"channel"}) and _legacy_html(archive):
            raise OldYouTubeFormatError(
                "This YouTube Takeout lists your comments as old-style HTML pages (my-comments.html), "
                "which Understudy cannot read.",
                hint="Request a new Google Takeout of 'YouTube and YouTube Music'; "
                "it exports comments as CSV.",
            )
        channel_titles = self._channel_titles(archive, found.get("channel", []), context)
        seen_threads: set[str] = set()
        for kind in ("videos", "comments", "live"):
            for name in found.get(kind, []):
                yield from context.ticked(self._read_file(kind, name, context, channel_titles, seen_threads))

    @staticmethod
    def _channel_titles(archive: Archive, names: list[str], context: ImportContext) -> dict[str, str]:
        titles: dict[str, str] = {}
        for name in names:
            for _, row in _rows(archive, name, context):
                if row.get("channel id") and row.get(_CHANNEL_TITLE):
                    titles[row["channel id"]] = row[_CHANNEL_TITLE]
        return titles

    def _read_file(
        self, kind: str, name: str, context: ImportContext, titles: dict[str, str], seen_threads: set[str]
    ) -> Iterator[Record]:
        for number, row in _rows(context.archive, name, context):
            try:
                yield from self._row_records(kind, row, titles, seen_threads)
            except ValueError as exc:
                context.warn(f"Skipped row {number} of '{name}': {exc}.")

    def _row_records(
        self, kind: str, row: dict[str, str], titles: dict[str, str], seen_threads: set[str]
    ) -> Iterator[Record]:
        """The thread (when new) and item of one row; ValueError names what is wrong with it."""
        channel = row.get("channel id", "")
        author = titles.get(channel) or channel or "me"
        if kind == "videos":
            record = self._video(row, author)
            if record:
                yield record
            return
        if kind == "comments":
            external_id = row.get("comment id", "")
            created = row.get(_COMMENTS, "")
            text = normalize(parse_comment_text(row.get("comment text", "")))
            reply_to = row.get("parent comment id") or None
            post_id = row.get("post id", "")
        else:
            external_id = row.get("live chat id", "")
            created = row.get(_LIVE, "")
            text = normalize(parse_comment_text(row.get("live chat text", "")))
            reply_to, post_id = None, ""
        if not text or not external_id or not created:
            return
        created_at = _row_time(created)
        video_id = row.get("video id", "")
        thread_key = f"video:{video_id}" if video_id else (f"post:{post_id}" if post_id else None)
        if thread_key and thread_key not in seen_threads:
            seen_threads.add(thread_key)
            yield ThreadRecord(key=thread_key, title=thread_key, kind="comments")
        extra: dict[str, object] = {"video_id": video_id} if video_id else {}
        if kind == "live":
            extra["live_chat"] = True
        if row.get("price"):
            extra["price"] = row["price"]
        if row.get("top-level comment id"):
            extra["top_level_comment_id"] = row["top-level comment id"]
        yield ItemRecord(
            external_id=external_id,
            kind=COMMENT,
            text=text,
            created_at=created_at,
            author=author,
            is_owner=True,
            thread_key=thread_key,
            reply_to=reply_to,
            extra=extra,
        )

    @staticmethod
    def _video(row: dict[str, str], author: str) -> ItemRecord | None:
        video_id = row.get("video id", "")
        title = normalize(row.get(_VIDEOS, ""))
        description = normalize(row.get("video description (original)", ""))
        created = row.get("video publish timestamp") or row.get("video create timestamp") or ""
        text = "\n\n".join(part for part in (title, description) if part)
        if not video_id or not text or not created:
            return None
        return ItemRecord(
            external_id=video_id,
            kind=POST,
            text=text,
            created_at=_row_time(created),
            author=author,
            is_owner=True,
            extra={"title": title, "privacy": row.get("privacy", "")},
        )


IMPORTER = YouTubeImporter()
