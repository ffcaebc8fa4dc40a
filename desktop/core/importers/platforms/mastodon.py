"""Mastodon account archive (Preferences → Import and export → Request your archive).

Layout: ``outbox.json`` (an ActivityPub ``OrderedCollection``), ``actor.json``, ``likes.json``,
``bookmarks.json``, media; as the zip, the extracted folder (also under one top folder), or
``outbox.json`` alone. ``outbox.json`` is streamed; its ``totalItems`` is not trusted (real
files disagree with ``len(orderedItems)``).

- ``Create`` of a ``Note`` (or ``Question``/``Article``): public, unlisted and followers-only
  notes are posts, or comments with ``reply_to`` = ``inReplyTo`` when they answer someone else.
  Direct-visibility notes (``as:Public`` in neither ``to`` nor ``cc``, no followers collection)
  are outbound messages, one thread per ``conversation`` (else per set of recipients).
- Self-reply rule, shared with the X and Bluesky importers: a reply to the creator's own status
  (a thread continuation) is a ``post`` that keeps its ``reply_to``. A status is the creator's
  when its id is under the actor's id, or when the outbox (oldest first) already held it.
- A poll (``Question``) keeps its options, the creator's words too: one "- option" line each
  after the question, and in ``extra`` (``poll_options``, ``poll_votes``, ``poll_multiple``).
- ``Announce`` (boosts) and anything else are skipped.
- ``content`` is HTML, turned into plain text with the standard library's ``html.parser``:
  ``<br>`` is a line break, paragraphs are separated by a blank line, entities are decoded, and
  link text is kept in full (Mastodon hides parts of long URLs in invisible spans). The content
  warning (``summary``) goes to ``extra["content_warning"]``, not into the text.
- Owner: ``actor.json`` (``preferredUsername``); every item is the owner's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlparse

import ijson

from desktop.core.importers.archive import Archive
from desktop.core.importers.base import Detection, ImportContext
from desktop.core.importers.platforms._generic_util import (
    base_name,
    parse_utc,
    read_head,
    stable_id,
)
from desktop.core.importers.records import COMMENT, MESSAGE, POST, ItemRecord, ThreadRecord
from desktop.core.importers.text import normalize

PLATFORM = "mastodon"
LABEL = "Mastodon"

PUBLIC = {"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"}
_NOTE_TYPES = {"Note", "Question", "Article"}
_COLLECTION = re.compile(r'"type"\s*:\s*"OrderedCollection"')


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in ("p", "blockquote", "li", "pre") and "".join(self.parts).strip():
            self.parts.append("\n\n" if tag != "li" else "\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Mastodon's status HTML as plain text, keeping the line breaks of <br> and <p>."""
    parser = _TextExtractor()
    parser.feed(html or "")
    parser.close()
    text = "".join(parser.parts).replace("\r\n", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return normalize(re.sub(r"\n{3,}", "\n\n", text))


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [
            v if isinstance(v, str) else str(v.get("id", "")) for v in value if isinstance(v, (str, dict))
        ]
    return []


def _handle(actor_url: str) -> str:
    """'https://host/users/name' → '@name@host' (anything else unchanged)."""
    parsed = urlparse(actor_url)
    match = re.match(r"^/(?:users/|@)([^/]+)$", parsed.path or "")
    return f"@{match.group(1)}@{parsed.netloc}" if match and parsed.netloc else actor_url


def _poll_options(note: dict, extra: dict[str, object]) -> str:
    """A poll's options (``oneOf``, or ``anyOf`` for multiple choice) as "- option" lines."""
    multiple = isinstance(note.get("anyOf"), list) and bool(note["anyOf"])
    choices = note.get("anyOf") if multiple else note.get("oneOf")
    if not isinstance(choices, list):
        return ""
    names: list[str] = []
    votes: list[int] = []
    for choice in choices:
        name = normalize(str(choice.get("name") or "")) if isinstance(choice, dict) else ""
        if name:
            names.append(name)
            replies = choice.get("replies")
            count = replies.get("totalItems") if isinstance(replies, dict) else None
            votes.append(count if isinstance(count, int) else 0)
    if not names:
        return ""
    extra["poll_options"] = names
    extra["poll_votes"] = votes
    if multiple:
        extra["poll_multiple"] = True
    return "\n".join(f"- {name}" for name in names)


def _outbox_names(archive: Archive) -> list[str]:
    return [n for n in archive.names if base_name(n) == "outbox.json" and n.count("/") <= 1]


class MastodonImporter:
    platform = PLATFORM
    label = LABEL

    def detect(self, archive: Archive) -> Detection | None:
        try:
            for name in _outbox_names(archive):
                head = read_head(archive, name, 4096).decode("utf-8-sig", errors="ignore")
                if _COLLECTION.search(head) and ("orderedItems" in head or "outbox" in head):
                    actor = name.rpartition("/")[0] + "/actor.json" if "/" in name else "actor.json"
                    return Detection(PLATFORM, "activitypub-archive", 0.95 if actor in archive.sizes else 0.8)
        except Exception:  # noqa: BLE001 - detection must never crash on foreign files
            return None
        return None

    def read(self, context: ImportContext) -> Iterator[ThreadRecord | ItemRecord]:
        archive = context.archive
        for name in _outbox_names(archive):
            actor = self._actor(archive, name, context)
            owner_id = str(actor.get("id") or "")
            author = str(actor.get("preferredUsername") or context.me or "me")
            followers = str(actor.get("followers") or (owner_id + "/followers" if owner_id else ""))
            threads: set[str] = set()
            own: set[str] = set()
            try:
                with archive.open(name) as stream:
                    for activity in ijson.items(stream, "orderedItems.item"):
                        for record in self._records(activity, owner_id, followers, author, threads, own):
                            if isinstance(record, ItemRecord):
                                context.tick()
                            yield record
            except (ijson.JSONError, ValueError, OSError) as exc:
                context.warn(
                    f"Skipped the rest of '{name}': it is not valid JSON ({exc.__class__.__name__})."
                )

    @staticmethod
    def _actor(archive: Archive, outbox: str, context: ImportContext) -> dict:
        name = outbox.rpartition("/")[0] + "/actor.json" if "/" in outbox else "actor.json"
        if name not in archive.sizes:
            return {}
        try:
            data = json.loads(archive.read_text(name))
        except ValueError:
            context.warn(f"Skipped '{name}': it is not valid JSON.")
            return {}
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _records(
        activity: object, owner_id: str, followers: str, author: str, threads: set[str], own: set[str]
    ) -> Iterator[ThreadRecord | ItemRecord]:
        """Records of one outbox activity; ``own`` collects the creator's status ids as they pass."""
        if not isinstance(activity, dict) or activity.get("type") != "Create":
            return  # Announce (boost) objects are URL strings; Like/Follow are not content
        note = activity.get("object")
        if not isinstance(note, dict) or note.get("type") not in _NOTE_TYPES:
            return
        content = note.get("content")
        if not content and isinstance(note.get("contentMap"), dict) and note["contentMap"]:
            content = next(iter(note["contentMap"].values()))
        text = html_to_text(str(content or ""))
        extra: dict[str, object] = {}
        options = _poll_options(note, extra)
        if options:
            text = "\n\n".join(part for part in (text, options) if part)
        created_at = parse_utc(str(note.get("published") or activity.get("published") or ""))
        note_id = str(note.get("id") or "")
        if note_id:
            own.add(note_id)
        if not text or created_at is None or not note_id:
            return
        to, cc = _as_list(note.get("to")), _as_list(note.get("cc"))
        if note.get("summary"):
            extra["content_warning"] = html_to_text(str(note["summary"]))
        if note.get("url"):
            extra["url"] = note["url"]
        reply_to = str(note["inReplyTo"]) if note.get("inReplyTo") else None
        audience = set(to) | set(cc)
        is_direct = not (audience & PUBLIC) and not any(
            a == followers or a.endswith("/followers") for a in audience
        )
        if not is_direct:
            extra["visibility"] = (
                "public" if set(to) & PUBLIC else "unlisted" if set(cc) & PUBLIC else "private"
            )
            self_reply = reply_to is not None and (
                reply_to in own or bool(owner_id) and reply_to.startswith(owner_id.rstrip("/") + "/")
            )
            kind = COMMENT if reply_to and not self_reply else POST
            yield ItemRecord(note_id, kind, text, created_at, author, True, None, reply_to, extra)
            return
        recipients = sorted(a for a in audience if a != owner_id)
        key = str(note.get("conversation") or "") or "direct:" + stable_id(*recipients)
        if key not in threads:
            threads.add(key)
            handles = tuple(_handle(r) for r in recipients)
            yield ThreadRecord(
                key, ", ".join(handles) or "Direct message", "dm" if len(handles) <= 1 else "group", handles
            )
        yield ItemRecord(note_id, MESSAGE, text, created_at, author, True, key, reply_to, extra)


IMPORTER = MastodonImporter()
