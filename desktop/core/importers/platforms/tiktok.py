"""TikTok "Download your data": the JSON file (``user_data_tiktok.json`` / ``user_data.json``)
and the TXT variant (a folder of ``.txt`` files).

JSON, both schemas: the 2024+ one (``Your Activity``, ``Post.Posts.VideoList``,
``Direct Message."Direct Messages".ChatHistory``, comments with lowercase ``date``/``comment``)
and the older one (``Activity``, ``Video.Videos.VideoList``,
``"Direct Messages"."Chat History".ChatHistory``, ``Date``/``Comment``). Lists may be null.
Times are ``"YYYY-MM-DD HH:MM:SS"`` in UTC. The owner is ``ProfileMap.userName`` (matched
against a message's ``From``).

TXT: ``Comments.txt`` / ``Videos.txt`` / ``Post.txt`` are blocks of ``Key: value`` lines
separated by blank lines (``Date: 2021-08-13 01:23:45[ UTC]`` then ``Comment: ...``);
``Direct Messages.txt`` holds ``>>> Chat History with <name>::`` headers followed by lines
``YYYY-MM-DD HH:MM:SS <sender>: <text>``; the owner is ``Username:`` in the profile file.
TXT keys are localized; English keys are read and, failing them, the first date-valued key
and the key after it.

Detection streams the file's top-level keys (``DETECT_BUDGET`` bytes at most), because a 2025 export
may open with half a megabyte or more of "Ads and data" before any key that tells the schema.
Reading is one streamed pass; a file cut short keeps every entry read before the cut, and a
warning says how many and from which byte on the rest was lost.

Decisions: videos are posts (their caption; "N/A" or empty captions are skipped), own
comments are comments (the export has no link to the video, so no thread), DM messages that
are only a link (shared videos) are skipped. Items have no platform id, so external ids are
hashes of thread + time + author + text (+ an occurrence number for exact repeats).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any, ClassVar

import ijson

from desktop.core.importers.archive import Archive
from desktop.core.importers.base import Detection, FileTally, ImportContext, OwnerUnknownError, Record
from desktop.core.importers.platforms._generic_util import (
    JSON_BUFFER,
    build_value,
    json_outline,
    reading_json,
)
from desktop.core.importers.records import COMMENT, MESSAGE, POST, ItemRecord, ThreadRecord
from desktop.core.importers.text import normalize

_JSON_NAME = re.compile(r"(^|/)user_data(_tiktok)?\.json$", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})(?:\s*UTC)?$")
_CHAT_HEADER = re.compile(r"^>>>\s*Chat History with (.+?):*\s*$")
_TXT_MESSAGE = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?: UTC)? (.+?): (.*)$")
_ONLY_LINK = re.compile(r"^\[?https?://\S+\]?$")
_PLACEHOLDERS = {"", "n/a", "none", "null"}

# Top-level keys: those only the 2024+ schema has, those only the old one has, and the rest seen in
# real files. Detection streams the keys (they may sit megabytes in) until one of the first two decides.
_NEW_KEYS = frozenset({"Your Activity", "Direct Message", "Post", "Likes and Favorites", "TikTok Shop"})
_OLD_KEYS = frozenset({"Activity", "Video", "Direct Messages", "Tiktok Shopping"})
_OTHER_KEYS = frozenset({
    "Profile", "Comment", "App Settings", "Ads and data", "Tiktok Live", "TikTok Live", "Income Plus Wallet "
                                                                                        "Transactions",
    "Location Review", "Profile And Settings", "Ads and Data",
})  # fmt: skip
_KNOWN_KEYS = _NEW_KEYS | _OLD_KEYS | _OTHER_KEYS
# How far detection reads for the deciding key. Real exports put half a megabyte or more of ad data
# first ("Off TikTok Activity"); heavy accounts have many times that. Parsing runs at about 50 MB/s.
DETECT_BUDGET = 64 * 1024 * 1024

_PROFILE_PREFIXES = (
    "Profile.Profile Info.ProfileMap",
    "Profile.Profile Information.ProfileMap",
    "Profile And Settings.Profile Info.ProfileMap",
)
_COMMENT_PREFIXES = ("Comment.Comments.CommentsList.item",)
_VIDEO_PREFIXES = ("Post.Posts.VideoList.item", "Video.Videos.VideoList.item")
_CHAT_PREFIXES = (
    "Direct Message.Direct Messages.ChatHistory",
    "Direct Messages.Chat History.ChatHistory",
    "Direct Messages.Direct Messages.ChatHistory",
)


def _time(value: object) -> datetime | None:
    match = _DATE.match(str(value or "").strip())
    if not match:
        return None
    return datetime.fromisoformat(match.group(1).replace("T", " ")).replace(tzinfo=timezone.utc)


def _hash(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


def _field(entry: dict[str, Any], *names: str) -> str:
    lowered = {str(k).lower(): v for k, v in entry.items()}
    for name in names:
        value = lowered.get(name.lower())
        if value is not None:
            return str(value)
    return ""


def _chat_name(key: str) -> str:
    name = re.sub(r"^Chat History with\s*", "", key.strip())
    return name.rstrip(":").strip() or key


def _sniff(archive: Archive, name: str, size: int = 65536) -> bytes:
    try:
        with archive.open(name) as stream:
            return stream.read(size)
    except OSError:
        return b""


class _Ids:
    """Hash ids with an occurrence number, so two identical messages stay two items."""

    def __init__(self) -> None:
        self._seen: Counter[str] = Counter()

    def __call__(self, *parts: str) -> str:
        base = _hash(*parts)
        self._seen[base] += 1
        n = self._seen[base]
        return base if n == 1 else f"{base}-{n}"


class TikTokImporter:
    platform: ClassVar[str] = "tiktok"
    label: ClassVar[str] = "TikTok"

    # -- detection -------------------------------------------------------------------------

    def _json_files(self, archive: Archive) -> list[str]:
        named = [n for n in archive.names if _JSON_NAME.search(n)]
        if named:
            return named
        if archive.kind == "file" and archive.names[0].lower().endswith(".json"):
            if _json_schema(archive, archive.names[0], named=False) is not None:
                return list(archive.names)
        return []

    def _txt_files(self, archive: Archive) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for name in archive.names:
            if not name.lower().endswith(".txt"):
                continue
            base = name.rsplit("/", 1)[-1].lower()
            head = _sniff(archive, name, 4096).decode("utf-8-sig", errors="replace")
            lines = [line.strip() for line in head.splitlines() if line.strip()]
            if not lines:
                continue
            if _CHAT_HEADER.match(lines[0]):
                found.setdefault("dms", []).append(name)
                continue
            first = lines[0].split(":", 1)
            if len(first) == 2 and _time(first[1]):
                if "comment" in base or "reactie" in base or "comentario" in base or "kommentar" in base:
                    found.setdefault("comments", []).append(name)
                elif base in ("videos.txt", "video.txt", "post.txt", "posts.txt"):
                    found.setdefault("videos", []).append(name)
                else:
                    found.setdefault("other", []).append(name)
            elif "profile" in base and len(first) == 2:
                found.setdefault("profile", []).append(name)
        return found

    def detect(self, archive: Archive) -> Detection | None:
        try:
            for name in self._json_files(archive):
                schema = _json_schema(archive, name, named=True)
                if schema == "new":
                    return Detection(self.platform, "json-2024", 0.95)
                if schema == "old":
                    return Detection(self.platform, "json-legacy", 0.9)
            txt = self._txt_files(archive)
        except Exception:  # noqa: BLE001 - never crash on another platform's files
            return None
        if "dms" in txt:
            return Detection(self.platform, "txt", 0.9)
        if "comments" in txt or "videos" in txt:
            return Detection(self.platform, "txt", 0.8 if len(txt) > 1 else 0.6)
        return None

    # -- reading ---------------------------------------------------------------------------

    def read(self, context: ImportContext) -> Iterator[Record]:
        json_files = self._json_files(context.archive)
        source = self._read_json(context, json_files) if json_files else self._read_txt(context)
        yield from context.ticked(source)

    def _read_json(self, context: ImportContext, names: list[str]) -> Iterator[Record]:
        archive = context.archive
        for name in names:
            found = _scan_json(archive, name, context)
            if found is None:
                continue
            owner = found.owner or (context.me or "")
            if found.chats and not owner:
                senders = {str(m.get("From")) for ms in found.chats.values() for m in ms if m.get("From")}
                raise OwnerUnknownError(self.label, sorted(senders))
            for video in found.videos:
                record = self._video(video, owner)
                if record:
                    yield record
            ids = _Ids()
            for comment in found.comments:
                record = self._comment(ids, _field(comment, "Date"), _field(comment, "Comment"), owner)
                if record:
                    yield record
            for key, messages in found.chats.items():
                entries = [(_field(m, "Date"), _field(m, "From"), _field(m, "Content")) for m in messages]
                yield from self._chat(_chat_name(key), entries, owner)

    def _video(self, video: dict[str, Any], owner: str) -> ItemRecord | None:
        link = _field(video, "Link", "VideoLink", "Video Link")
        extra: dict[str, object] = {"likes": _field(video, "Likes"), "link": link}
        return _own_record(
            _hash,
            "video",
            POST,
            _field(video, "Date"),
            _field(video, "Title", "Desc", "Description"),
            owner,
            extra,
        )

    def _comment(self, ids: _Ids, date: str, text: str, owner: str) -> ItemRecord | None:
        return _own_record(ids, "comment", COMMENT, date, text, owner)

    def _chat(self, name: str, entries: list[tuple[str, str, str]], owner: str) -> Iterator[Record]:
        """One chat, sorted by time (TikTok's order differs per chat)."""
        key = f"chat:{name}"
        ids = _Ids()
        records: list[ItemRecord] = []
        senders: set[str] = set()
        for date, sender, content in entries:
            created = _time(date)
            text = normalize(content)
            if sender:
                senders.add(sender)
            if created is None or not text or _ONLY_LINK.match(text):
                continue
            records.append(
                ItemRecord(
                    external_id=ids(key, created.isoformat(), sender, text),
                    kind=MESSAGE,
                    text=text,
                    created_at=created,
                    author=sender,
                    is_owner=sender.lower() == owner.lower(),
                    thread_key=key,
                )
            )
        if not records:
            return
        group = name.lower().startswith("group_chat") or len(senders - {owner}) > 1
        kind = "group" if group else "dm"
        yield ThreadRecord(key=key, title=name, kind=kind, participants=tuple(sorted(senders)))
        yield from sorted(records, key=lambda r: r.created_at)

    # -- TXT -------------------------------------------------------------------------------

    @staticmethod
    def _blocks(text: str) -> Iterator[list[tuple[str, str]]]:
        block: list[tuple[str, str]] = []
        for line in text.splitlines():
            if not line.strip():
                if block:
                    yield block
                block = []
                continue
            key, sep, value = line.partition(":")
            if sep and _looks_like_key(key):
                block.append((key.strip(), value.strip()))
            elif block:  # a continuation line of a multi-line value
                block[-1] = (block[-1][0], block[-1][1] + "\n" + line)
        if block:
            yield block

    @staticmethod
    def _date_and_text(
        block: list[tuple[str, str]], text_keys: tuple[str, ...], positional: bool
    ) -> tuple[str, str]:
        fields = {k.lower(): v for k, v in block}
        date = fields.get("date", "")
        text = next((fields[k] for k in text_keys if k in fields), "")
        if not date:  # localized keys: the first date-valued field (and, for comments, the next one)
            for i, (_, value) in enumerate(block):
                if _time(value):
                    date = value
                    if positional and not text and i + 1 < len(block):
                        text = block[i + 1][1]
                    break
        return date, text

    def _read_txt(self, context: ImportContext) -> Iterator[Record]:
        archive = context.archive
        files = self._txt_files(archive)
        owner = _txt_owner(archive, files.get("profile", [])) or (context.me or "")
        chats = _txt_chats(archive, files.get("dms", []))
        if chats and not owner:
            senders = {sender for entries in chats.values() for _, sender, _ in entries}
            raise OwnerUnknownError(self.label, sorted(senders))
        for name in files.get("videos", []):
            for block in self._blocks(archive.read_text(name)):
                keys = ("title", "desc", "description", "caption")
                date, text = self._date_and_text(block, keys, positional=False)
                record = self._video({"Date": date, "Title": text, **dict(block)}, owner)
                if record:
                    yield record
        ids = _Ids()
        for name in files.get("comments", []):
            for block in self._blocks(archive.read_text(name)):
                date, text = self._date_and_text(block, ("comment",), positional=True)
                record = self._comment(ids, date, text, owner)
                if record:
                    yield record
        for chat, entries in chats.items():
            yield from self._chat(chat, entries, owner)


def _txt_owner(archive: Archive, names: list[str]) -> str:
    """The user name on the text export's profile page ("" when it has none)."""
    owner = ""
    for name in names:
        for line in archive.read_text(name).splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() in ("username", "user name", "gebruikersnaam", "benutzername"):
                owner = value.strip()
    return owner


def _txt_chats(archive: Archive, names: list[str]) -> dict[str, list[tuple[str, str, str]]]:
    """The text export's chats: chat name -> (date, sender, text) in file order; a line that starts
    no message continues the one before it."""
    chats: dict[str, list[tuple[str, str, str]]] = {}
    for name in names:
        current: list[tuple[str, str, str]] | None = None
        for line in archive.read_text(name).splitlines():
            header = _CHAT_HEADER.match(line.strip())
            if header:
                current = chats.setdefault(header.group(1).strip(), [])
                continue
            message = _TXT_MESSAGE.match(line)
            if message and current is not None:
                date, sender, text = message.groups()
                current.append((date, sender, text))
            elif line.strip() and current:
                date, sender, text = current[-1]
                current[-1] = (date, sender, text + "\n" + line)
    return chats


def _json_schema(archive: Archive, name: str, named: bool) -> str | None:
    """'new' (2024+), 'old', or None, from the file's top-level keys streamed as far as they decide.

    A file named ``user_data*.json`` may start with any keys (TikTok adds sections); another lone
    JSON file must start with a key TikTok writes, so a big foreign file is not read for nothing.
    """
    decided: list[str] = []

    def enough(keys: list[str]) -> bool:
        key = keys[-1]
        if not named and len(keys) == 1 and key not in _KNOWN_KEYS:
            return True
        if key in _NEW_KEYS or key in _OLD_KEYS:
            decided.append(key)
            return True
        return False

    outline = json_outline(archive, name, budget=DETECT_BUDGET, enough=enough)
    if outline.kind != "object" or not any(key in _KNOWN_KEYS for key in outline.keys):
        return None
    if decided:
        return "new" if decided[0] in _NEW_KEYS else "old"
    if not named and not (outline.keys[0] in _KNOWN_KEYS and {"Profile", "Comment"} & set(outline.keys)):
        return None
    # Only keys both schemas share, or the budget ran out first: the 2024+ file name says which.
    return "new" if name.lower().endswith("user_data_tiktok.json") else "old"


def _own_record(
    ids: Callable[..., str],
    label: str,
    kind: str,
    date: str,
    text: str,
    owner: str,
    extra: dict[str, object] | None = None,
) -> ItemRecord | None:
    """One of the creator's own videos or comments; None when undated or a placeholder ("deleted")."""
    created = _time(date)
    text = normalize(text)
    if created is None or text.lower() in _PLACEHOLDERS:
        return None
    return ItemRecord(
        external_id=ids(label, created.isoformat(), text),
        kind=kind,
        text=text,
        created_at=created,
        author=owner or "me",
        is_owner=True,
        extra=extra or {},
    )


class _Found:
    """What one pass over a JSON export collected: the owner, videos, comments and chats."""

    def __init__(self) -> None:
        self.owner = ""
        self.videos: list[dict[str, Any]] = []
        self.comments: list[dict[str, Any]] = []
        self.chats: dict[str, list[dict[str, Any]]] = {}


def _scan_json(archive: Archive, name: str, context: ImportContext) -> _Found | None:
    """One streamed pass over the export, one entry at a time, keeping what it needs.

    A file that breaks part-way keeps every entry read before the break, and one warning says
    how many and from which byte on the rest was lost; None when nothing at all could be read.
    """
    found = _Found()
    tally = FileTally(name, "entries")
    chat, chat_items = "", None  # the current chat, and the ijson prefix of its messages
    with reading_json(archive, name, tally) as tracked:
        events = ijson.parse(tracked, buf_size=JSON_BUFFER)
        for prefix, event, value in events:
            if event == "map_key" and prefix in _CHAT_PREFIXES:
                chat, chat_items = value, f"{prefix}.{value}.item"
                continue
            if event != "start_map":
                continue
            if prefix in _PROFILE_PREFIXES:
                profile = build_value(event, value, events)
                if profile.get("userName"):
                    found.owner = str(profile["userName"])
                continue
            if prefix in _VIDEO_PREFIXES:
                found.videos.append(build_value(event, value, events))
            elif prefix in _COMMENT_PREFIXES:
                found.comments.append(build_value(event, value, events))
            elif prefix == chat_items:
                found.chats.setdefault(chat, []).append(build_value(event, value, events))
            else:
                continue
            tally.read += 1
            context.tick()
    tally.report(context)
    if tally.stopped_at is not None and not tally.read:
        return None
    return found


def _looks_like_key(key: str) -> bool:
    return bool(key) and len(key) <= 40 and not key.startswith((" ", "\t")) and "http" not in key


IMPORTER = TikTokImporter()
