"""X / Twitter archive: ``data/*.js`` files of the form ``window.YTD.<type>.partN = [ ... ]``.

Variants: late-2022+ ``tweets.js`` (``YTD.tweets``) with ``tweets-partN.js`` splits and
``note-tweet.js``; 2019-2022 ``tweet.js`` (``YTD.tweet``); the earliest 2019 files hold bare
tweet objects instead of ``{"tweet": {...}}``. DMs: ``direct-messages.js`` (1:1) and
``direct-messages-group.js``. The owner is ``account.js`` ``accountId`` (or the manifest's
``userInfo``); without either, the one id every 1:1 conversation id shares is the owner.

Decisions: retweets ("RT @") are skipped entirely; a reply to another user's tweet is a
``comment`` (its ``reply_to`` is the external tweet id even when that tweet is not in the
archive), every other tweet is a ``post``; the "@user" mentions Twitter prefixes to a reply
are removed from the text (kept in ``extra["reply_mentions"]``).

Self-reply rule, shared with the Mastodon and Bluesky importers: a reply to the creator's own
tweet (a thread continuation) is a ``post`` that keeps its ``reply_to``; the parent is the
creator's when ``in_reply_to_user_id`` is the owner's id or, with no id known, its screen name
is the owner's. Welcome messages (``welcomeMessageCreate``, sent by a business account to whoever
opens a DM) are the creator's words and are read like any other DM.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any, BinaryIO, ClassVar

import ijson

from desktop.core.importers.archive import Archive
from desktop.core.importers.base import Detection, ImportContext, OwnerUnknownError, Record
from desktop.core.importers.platforms._generic_util import scanned
from desktop.core.importers.records import COMMENT, MESSAGE, POST, ItemRecord, ThreadRecord
from desktop.core.importers.text import normalize

_YTD = re.compile(rb"^\s*window\.YTD\.([A-Za-z0-9_]+)\.part(\d+)\s*=")
_THAR = re.compile(rb"^\s*window\.__THAR_CONFIG\s*=")
_LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")
_URL = re.compile(r"https?://\S+")


class _PrefixSkippingStream:
    """A binary stream of ``window.YTD.x.partN = [...];`` that yields only the JSON array.

    Everything up to the first ``=`` is dropped and a trailing ``;`` (with whitespace) is
    removed, so ijson can stream the array without the whole file being loaded.
    """

    _HOLD = 64

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._started = False
        self._tail = b""  # held back until we know whether it is the end of the file
        self._ready = b""  # safe to hand out
        self._eof = False

    def _fill(self, size: int) -> None:
        while not self._ready and not self._eof:
            chunk = self._raw.read(max(size, 65536))
            if not self._started:
                buffered = self._tail + chunk
                at = buffered.find(b"=")
                if at < 0:
                    if not chunk:
                        raise ValueError("no '=' before the data")
                    self._tail = buffered[-self._HOLD :]
                    continue
                self._started = True
                self._tail = b""
                chunk = buffered[at + 1 :]
                if not chunk:
                    continue
            if not chunk:
                self._eof = True
                self._ready = self._tail.rstrip(b" \t\r\n;")
                self._tail = b""
                return
            data = self._tail + chunk
            self._tail = data[-self._HOLD :]
            self._ready = data[: -self._HOLD]

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = 65536
        self._fill(size)
        out, self._ready = self._ready[:size], self._ready[size:]
        return out


def _basename(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _sniff(archive: Archive, name: str, size: int = 256) -> bytes:
    try:
        with archive.open(name) as stream:
            return stream.read(size).lstrip(b"\xef\xbb\xbf")
    except OSError:
        return b""


def _has_manifest(archive: Archive) -> bool:
    """Whether the archive holds X's manifest.js (by its name and first bytes)."""
    return any(
        _basename(n).lower() == "manifest.js" and _THAR.match(_sniff(archive, n)) for n in archive.names
    )


def _ytd_files(archive: Archive) -> dict[str, list[str]]:
    """Data-type name (``tweets``, ``direct_messages``...) -> its part files, in part order."""
    found: dict[str, list[tuple[int, str]]] = {}
    for name in archive.names:
        if not name.lower().endswith(".js"):
            continue
        match = _YTD.match(_sniff(archive, name))
        if match:
            found.setdefault(match.group(1).decode(), []).append((int(match.group(2)), name))
    return {kind: [name for _, name in sorted(parts)] for kind, parts in found.items()}


def _load_small(archive: Archive, name: str) -> Any:
    text = archive.read_text(name)
    body = text[text.index("=") + 1 :].strip().rstrip(";")
    return json.loads(body)


def _parse_tweet_time(value: str) -> datetime:
    return datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y").astimezone(timezone.utc)


def _parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


def _note_key(text: str) -> str:
    """A tweet's or note's text as compared when matching them: entities decoded, links (t.co in
    the tweet, expanded in the note) and leading "@user" reply mentions removed, spaces collapsed."""
    text = _URL.sub(" ", html.unescape(normalize(text)))
    return " ".join(_LEADING_MENTIONS.sub("", text.strip()).split())


def _stable_id(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


class TwitterImporter:
    platform: ClassVar[str] = "twitter"
    label: ClassVar[str] = "X (Twitter)"

    def detect(self, archive: Archive) -> Detection | None:
        files, manifest = scanned(_ytd_files, archive), scanned(_has_manifest, archive)
        if files is None or manifest is None:
            return None
        if "tweets" in files:
            version = "tweets-2022+"
        elif "tweet" in files:
            version = "tweet-2019-2022"
        elif "direct_messages" in files or "direct_messages_group" in files:
            version = "dms-only"
        elif files or manifest:
            version = "other-data"
        else:
            return None
        wanted = {"tweets", "tweet", "direct_messages", "direct_messages_group", "note_tweet", "account"}
        confidence = 0.95 if (manifest or wanted & set(files)) else 0.6
        return Detection(self.platform, version, confidence)

    # -- reading ---------------------------------------------------------------------------

    def read(self, context: ImportContext) -> Iterator[Record]:
        archive = context.archive
        files = _ytd_files(archive)
        owner_id, owner_name = self._owner(archive, files, context)
        notes = self._note_tweets(archive, files.get("note_tweet", []), context)
        for kind in ("tweets", "tweet"):
            for name in files.get(kind, []):
                yield from context.ticked(self._tweets(archive, name, context, owner_id, owner_name, notes))
        dm_files = files.get("direct_messages", []) + files.get("direct_messages_group", [])
        if dm_files:
            if owner_id is None:
                owner_id = self._infer_dm_owner(archive, files.get("direct_messages", []), context)
            for name in dm_files:
                group = name in files.get("direct_messages_group", [])
                yield from context.ticked(self._dms(archive, name, group, context, owner_id, owner_name))

    def _owner(
        self, archive: Archive, files: dict[str, list[str]], context: ImportContext
    ) -> tuple[str | None, str]:
        for name in files.get("account", []):
            try:
                account = _load_small(archive, name)[0]["account"]
                return str(account["accountId"]), str(account.get("username") or account["accountId"])
            except (ValueError, LookupError, TypeError):
                context.warn(f"Skipped '{name}': it is not a readable account file.")
        for name in archive.names:
            if _basename(name).lower() == "manifest.js":
                try:
                    info = _load_small(archive, name)["userInfo"]
                    return str(info["accountId"]), str(info.get("userName") or info["accountId"])
                except (ValueError, LookupError, TypeError):
                    continue
        me = (context.me or "").lstrip("@")
        if me.isdigit():
            return me, me
        return None, me or "me"

    def _infer_dm_owner(self, archive: Archive, names: list[str], context: ImportContext) -> str:
        """The one id present in every 1:1 conversation id ``<idA>-<idB>``, else ask."""
        common: set[str] | None = None
        seen: set[str] = set()
        for name in names:
            try:
                with archive.open(name) as raw:
                    for conversation_id in ijson.items(
                        _PrefixSkippingStream(raw), "item.dmConversation.conversationId"
                    ):
                        ids = set(str(conversation_id).split("-"))
                        seen |= ids
                        common = ids if common is None else common & ids
            except (ValueError, ijson.JSONError):
                continue
        if common is not None and len(common) == 1 and len(seen) > 2:
            return common.pop()
        raise OwnerUnknownError(self.label, sorted(seen))

    def _note_tweets(
        self, archive: Archive, names: list[str], context: ImportContext
    ) -> dict[datetime, list[str]]:
        """Full texts of long tweets by creation time (the file has no tweet id to match on)."""
        notes: dict[datetime, list[str]] = {}
        for name in names:
            try:
                with archive.open(name) as raw:
                    for entry in ijson.items(_PrefixSkippingStream(raw), "item"):
                        note = entry.get("noteTweet", entry) if isinstance(entry, dict) else {}
                        core = note.get("core") or {}
                        text = core.get("text")
                        if not text or not note.get("createdAt"):
                            continue
                        for url in core.get("urls") or []:
                            if url.get("shortUrl") and url.get("expandedUrl"):
                                text = text.replace(url["shortUrl"], url["expandedUrl"])
                        created = _parse_iso(note["createdAt"]).replace(microsecond=0)
                        notes.setdefault(created, []).append(text)
            except (ValueError, ijson.JSONError) as exc:
                context.warn(f"Skipped '{name}': it is not valid data ({exc}).")
        return notes

    def _tweets(
        self,
        archive: Archive,
        name: str,
        context: ImportContext,
        owner_id: str | None,
        owner_name: str,
        notes: dict[datetime, list[str]],
    ) -> Iterator[Record]:
        try:
            with archive.open(name) as raw:
                for entry in ijson.items(_PrefixSkippingStream(raw), "item"):
                    tweet = entry.get("tweet", entry) if isinstance(entry, dict) else None
                    if not isinstance(tweet, dict):
                        continue
                    record = self._tweet(tweet, owner_id, owner_name, notes)
                    if record is not None:
                        yield record
        except (ValueError, ijson.JSONError) as exc:
            context.warn(f"Skipped the rest of '{name}': it is not valid data ({exc}).")

    def _tweet(
        self, tweet: dict[str, Any], owner_id: str | None, owner_name: str, notes: dict[datetime, list[str]]
    ) -> ItemRecord | None:
        raw = tweet.get("full_text") or tweet.get("text") or ""
        tweet_id = str(tweet.get("id_str") or tweet.get("id") or "")
        if not tweet_id or not tweet.get("created_at") or raw.startswith("RT @"):
            return None
        created = _parse_tweet_time(tweet["created_at"])
        entities = tweet.get("entities") or {}
        text = raw
        for url in entities.get("urls") or []:
            if url.get("url") and url.get("expanded_url"):
                text = text.replace(url["url"], url["expanded_url"])
        extended = (tweet.get("extended_entities") or {}).get("media") or []
        for media in (entities.get("media") or []) + extended:
            if media.get("url"):
                text = text.replace(media["url"], "")
        text = html.unescape(text)
        reply_to = tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id")
        extra: dict[str, object] = {
            "likes": int(tweet.get("favorite_count") or 0),
            "retweets": int(tweet.get("retweet_count") or 0),
        }
        if reply_to:
            mentions = _LEADING_MENTIONS.match(text)
            if mentions:
                extra["reply_mentions"] = mentions.group(0).split()
                text = text[mentions.end() :]
            if tweet.get("in_reply_to_screen_name"):
                extra["in_reply_to_screen_name"] = tweet["in_reply_to_screen_name"]
        note = self._matching_note(raw, created, notes)
        if note is not None:
            text = _LEADING_MENTIONS.sub("", note) if reply_to else note
        text = normalize(text)
        if not text:
            return None
        kind = COMMENT if reply_to and not self._replies_to_owner(tweet, owner_id, owner_name) else POST
        return ItemRecord(
            external_id=tweet_id,
            kind=kind,
            text=text,
            created_at=created,
            author=owner_name,
            is_owner=True,
            reply_to=str(reply_to) if reply_to else None,
            extra=extra,
        )

    @staticmethod
    def _replies_to_owner(tweet: dict[str, Any], owner_id: str | None, owner_name: str) -> bool:
        """Whether the parent tweet is the creator's own (the self-reply rule, module docstring)."""
        reply_user = str(tweet.get("in_reply_to_user_id_str") or tweet.get("in_reply_to_user_id") or "")
        if owner_id is not None and reply_user:
            return reply_user == owner_id
        screen_name = str(tweet.get("in_reply_to_screen_name") or "").lower()
        return bool(screen_name) and screen_name == owner_name.lstrip("@").lower()

    @staticmethod
    def _matching_note(raw: str, created: datetime, notes: dict[datetime, list[str]]) -> str | None:
        """The full text of a truncated long tweet: a note of the same second whose text starts
        like the tweet's. Leading "@user" mentions are left out on both sides: a reply's
        ``full_text`` carries them, its note does not."""
        candidates = notes.get(created.replace(microsecond=0))
        if not candidates:
            return None
        prefix = _note_key(raw).rstrip("…").rstrip()[:40]
        if not prefix and len(candidates) > 1:
            return None  # nothing to tell the notes apart by
        for text in candidates:
            if _note_key(text).startswith(prefix):
                return text
        return None

    def _dms(
        self,
        archive: Archive,
        name: str,
        group: bool,
        context: ImportContext,
        owner_id: str,
        owner_name: str,
    ) -> Iterator[Record]:
        try:
            with archive.open(name) as raw:
                for entry in ijson.items(_PrefixSkippingStream(raw), "item"):
                    conversation = entry.get("dmConversation") if isinstance(entry, dict) else None
                    if isinstance(conversation, dict) and conversation.get("conversationId"):
                        yield from self._conversation(conversation, group, owner_id, owner_name)
        except (ValueError, ijson.JSONError) as exc:
            context.warn(f"Skipped the rest of '{name}': it is not valid data ({exc}).")

    def _conversation(
        self, conversation: dict[str, Any], group: bool, owner_id: str, owner_name: str
    ) -> Iterator[Record]:
        key = str(conversation["conversationId"])
        participants: set[str] = set() if group else set(key.split("-"))
        title = ""
        messages: list[dict[str, Any]] = []
        for event in conversation.get("messages") or []:
            if not isinstance(event, dict):
                continue
            created = event.get("messageCreate") or event.get("welcomeMessageCreate")
            if isinstance(created, dict):
                messages.append(created)
                participants.add(str(created.get("senderId", "")))
            elif "conversationNameUpdate" in event:
                title = str(event["conversationNameUpdate"].get("name") or title)
            for joined in ("participantsJoin", "joinConversation"):
                for user in (event.get(joined) or {}).get("userIds") or []:
                    participants.add(str(user))
        participants.discard("")
        others = sorted(participants - {owner_id})
        thread = ThreadRecord(
            key=key,
            title=title or ", ".join(others) or key,
            kind="group" if group else "dm",
            participants=tuple(sorted(participants)),
        )
        records: list[ItemRecord] = []
        for message in messages:
            record = self._message(message, key, owner_id, owner_name)
            if record is not None:
                records.append(record)
        if not records:
            return
        yield thread
        yield from sorted(records, key=lambda r: (r.created_at, r.external_id))

    @staticmethod
    def _message(message: dict[str, Any], key: str, owner_id: str, owner_name: str) -> ItemRecord | None:
        if not message.get("createdAt"):
            return None
        text = message.get("text") or ""
        for url in message.get("urls") or []:
            short, expanded = url.get("url"), url.get("expanded") or url.get("expanded_url")
            if short and expanded:
                # A media attachment's link points back at the DM itself: it is not text.
                text = text.replace(short, "" if "/messages/media/" in expanded else expanded)
        for media in message.get("mediaUrls") or []:
            text = text.replace(media, "")
        text = normalize(html.unescape(text))
        if not text:
            return None
        sender = str(message.get("senderId", ""))
        created = _parse_iso(message["createdAt"])
        external_id = str(message.get("id") or _stable_id(key, created.isoformat(), sender, text))
        return ItemRecord(
            external_id=external_id,
            kind=MESSAGE,
            text=text,
            created_at=created,
            author=owner_name if sender == owner_id else sender,
            is_owner=sender == owner_id,
            thread_key=key,
        )


IMPORTER = TwitterImporter()
