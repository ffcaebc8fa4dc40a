"""Telegram Desktop export (machine-readable JSON, ``result.json``).

Two shapes: the full export (``personal_information`` + ``chats.list`` + ``left_chats.list``)
and a single-chat export (``result.json`` is one chat ``{name, type, id, messages}``, with no
owner information: the owner comes from ``context.me`` matched against ``from`` / ``from_id``).

Decisions on chat types: ``personal_chat`` -> thread kind ``dm``; every group and
supergroup -> ``group``; channels -> ``group`` threads whose messages are ``post`` items
(owner's only when the creator names the channel with ``--me`` or a message carries the
owner's id); ``saved_messages`` (notes to self, mostly forwards) and ``bot_chat`` are skipped.
Service messages and messages without text are skipped. External ids are chat-scoped:
``"<chat id>:<message id>"``, and so are ``reply_to`` links.

Text: zero-width spaces (U+200B) at either end are dropped; bots and channels start a post
with one as the invisible text of a link that only carries the preview image. Inside a text
they are kept. A sender whose ``from`` is null (a deleted account) is named by its id in the
current form, ``user<id>``, whether the export wrote ``from_id`` as "user123" or (2020) 123.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, BinaryIO, ClassVar

import ijson

from desktop.core.importers.archive import Archive
from desktop.core.importers.base import Detection, ImportContext, OwnerUnknownError, Record
from desktop.core.importers.platforms._generic_util import build_value
from desktop.core.importers.records import MESSAGE, POST, ItemRecord, ThreadRecord, utc_from_timestamp
from desktop.core.importers.text import normalize, strip_invisible_marks

_GROUP_TYPES = {"private_group", "private_supergroup", "public_supergroup", "group", "supergroup"}
_CHANNEL_TYPES = {"private_channel", "public_channel", "channel"}
_SKIPPED_TYPES = {"saved_messages", "bot_chat"}
_MISSING_MEDIA = re.compile(r"^\(File not included\..*\)$")
_EDGE_ZERO_WIDTH = re.compile(r"^[\s\u200b]+|[\s\u200b]+$")


def _user_id(value: object) -> str:
    """``"user123"`` / ``123`` / ``"channel5"`` -> ``"123"`` / ``"123"`` / ``"channel5"``."""
    text = str(value) if value is not None else ""
    return text[4:] if text.startswith("user") and text[4:].isdigit() else text


def _sender_label(from_id: object) -> str:
    """A nameless sender's id as newer exports write it: 123 and "user123" both give "user123"."""
    sender = _user_id(from_id)
    return f"user{sender}" if sender.isdigit() else sender


def _text(message: dict[str, Any]) -> str:
    entities = message.get("text_entities")
    if isinstance(entities, list) and entities:
        parts = [e.get("text", "") if isinstance(e, dict) else str(e) for e in entities]
    else:
        raw = message.get("text", "")
        if isinstance(raw, list):
            parts = [e if isinstance(e, str) else str((e or {}).get("text", "")) for e in raw]
        else:
            parts = [str(raw or "")]
    text = normalize(_EDGE_ZERO_WIDTH.sub("", strip_invisible_marks("".join(parts))))
    return "" if _MISSING_MEDIA.match(text) else text


def _top_keys(stream: BinaryIO, limit: int = 4000) -> set[str]:
    """Top-level keys seen before the first big array (cheap: stops at ``messages``/``chats``)."""
    keys: set[str] = set()
    for count, (prefix, event, value) in enumerate(ijson.parse(stream)):
        if count == 0 and event != "start_map":
            return keys
        if prefix == "" and event == "map_key":
            keys.add(value)
            if value in ("messages", "chats"):
                return keys
        if count > limit:
            break
    return keys


class _LocalClock:
    """Turns zone-less ``date`` strings (exporting machine's local time) into UTC.

    Old exports have no ``date_unixtime``; their "not edited" sentinel
    ``"edited": "1970-01-01T05:00:00"`` reveals the machine's offset, which is used once seen.
    """

    def __init__(self) -> None:
        self.offset: timedelta | None = None
        self.guessed = False

    def created_at(self, message: dict[str, Any]) -> datetime | None:
        unix = message.get("date_unixtime")
        if unix not in (None, ""):
            return utc_from_timestamp(int(unix))
        edited = str(message.get("edited") or "")
        if self.offset is None and edited.startswith("1970-01-01T"):
            self.offset = datetime.fromisoformat(edited) - datetime(1970, 1, 1)
        date = message.get("date")
        if not date:
            return None
        local = datetime.fromisoformat(str(date))
        if local.tzinfo is not None:
            return local.astimezone(timezone.utc)
        if self.offset is None:
            self.guessed = True
        return (local - (self.offset or timedelta())).replace(tzinfo=timezone.utc)


class TelegramImporter:
    platform: ClassVar[str] = "telegram"
    label: ClassVar[str] = "Telegram"

    def _candidates(self, archive: Archive) -> list[str]:
        names = [n for n in archive.names if n.rsplit("/", 1)[-1].lower() == "result.json"]
        if not names and archive.kind == "file" and archive.names[0].lower().endswith(".json"):
            names = list(archive.names)
        return names

    def _shape(self, archive: Archive, name: str) -> str | None:
        try:
            with archive.open(name) as stream:
                keys = _top_keys(stream)
        except Exception:  # noqa: BLE001 - foreign or broken files are simply not ours
            return None
        if "chats" in keys or ("personal_information" in keys and "about" in keys):
            return "full"
        if {"name", "type", "id", "messages"} <= keys or ({"type", "id", "messages"} <= keys):
            return "single-chat"
        return None

    def detect(self, archive: Archive) -> Detection | None:
        for name in self._candidates(archive):
            shape = self._shape(archive, name)
            if shape:
                return Detection(self.platform, shape, 0.95)
        return None

    # -- reading ---------------------------------------------------------------------------

    def read(self, context: ImportContext) -> Iterator[Record]:
        for name in self._candidates(context.archive):
            shape = self._shape(context.archive, name)
            if shape is None:
                continue
            try:
                yield from self._read_file(context, name, shape)
            except (ValueError, ijson.JSONError) as exc:
                context.warn(f"Skipped the rest of '{name}': it is not valid JSON ({exc}).")

    def _read_file(self, context: ImportContext, name: str, shape: str) -> Iterator[Record]:
        owner_ids, owner_names = self._owner(context, name, shape)
        clock = _LocalClock()
        count = 0
        for chat, messages in self._chats(context.archive, name, shape):
            yield from self._chat(context, chat, messages, owner_ids, owner_names, clock)
            count += 1
            if count % 50 == 0:
                context.cancel.raise_if_cancelled()
        if clock.guessed:
            context.warn(
                f"'{name}' is an old export without exact times; they were read as UTC and may be off "
                "by your time zone."
            )

    def _owner(self, context: ImportContext, name: str, shape: str) -> tuple[set[str], set[str]]:
        """Owner ids and (lower-cased) names; raise OwnerUnknownError when nothing says who."""
        me = (context.me or "").strip()
        ids: set[str] = set()
        names: set[str] = set()
        if me:
            ids.add(_user_id(me))
            names.add(me.lower())
        if shape == "full":
            with context.archive.open(name) as stream:
                for info in ijson.items(stream, "personal_information"):
                    if isinstance(info, dict) and info.get("user_id") is not None:
                        ids.add(str(info["user_id"]))
                    break
        if ids or names:
            return ids, names
        senders: dict[str, str] = {}
        for _chat, messages in self._chats(context.archive, name, shape):
            for message in messages:
                if message.get("type") == "message" and message.get("from_id") is not None:
                    sender = str(message.get("from") or _sender_label(message["from_id"]))
                    senders.setdefault(_user_id(message["from_id"]), sender)
        raise OwnerUnknownError(self.label, sorted(set(senders.values())))

    def _chats(
        self, archive: Archive, name: str, shape: str
    ) -> Iterator[tuple[dict[str, Any], Iterator[dict]]]:
        """Each chat's header (name/type/id) and a lazy stream of its messages.

        Telegram writes ``name``, ``type`` and ``id`` before ``messages``, so one streaming pass
        over the events is enough; a chat's messages are built one at a time.
        """
        single = shape == "single-chat"
        roots = ("chats.list.item", "left_chats.list.item")
        with archive.open(name) as stream:
            events = ijson.parse(stream)
            chat: dict[str, Any] = {}
            for prefix, event, value in events:
                if single:
                    root, key = "", prefix
                else:
                    root = next((r for r in roots if prefix == r or prefix.startswith(r + ".")), "")
                    if not root:
                        continue
                    if prefix == root and event == "start_map":
                        chat = {}
                        continue
                    key = prefix[len(root) + 1 :]
                if key in ("name", "type", "id") and event in ("string", "number", "null"):
                    chat[key] = value
                elif key == "messages" and event == "start_array":
                    yield chat, self._messages(events, f"{root}.messages.item" if root else "messages.item")
                    chat = {}

    @staticmethod
    def _messages(events: Iterator[tuple[str, str, Any]], item_prefix: str) -> Iterator[dict]:
        """Build message objects from the event stream until the messages array ends."""
        array_prefix = item_prefix[: -len(".item")]
        for prefix, event, value in events:
            if prefix == array_prefix and event == "end_array":
                return
            if prefix == item_prefix and event == "start_map":
                yield build_value(event, value, events)

    def _chat(
        self,
        context: ImportContext,
        chat: dict[str, Any],
        messages: Iterator[dict],
        owner_ids: set[str],
        owner_names: set[str],
        clock: _LocalClock,
    ) -> Iterator[Record]:
        chat_type = str(chat.get("type") or "")
        if chat_type in _SKIPPED_TYPES:
            for _ in messages:  # drain: the event stream must move past this chat
                pass
            return
        chat_id = str(chat.get("id"))
        is_channel = chat_type in _CHANNEL_TYPES
        thread_kind = "dm" if chat_type == "personal_chat" else "group"
        title = str(chat.get("name") or chat_id)
        owner_channel = is_channel and title.lower() in owner_names
        thread_yielded = False
        for message in messages:
            context.tick()
            if message.get("type") != "message":
                continue
            text = _text(message)
            created = clock.created_at(message)
            if not text or created is None:
                continue
            sender_id = _user_id(message.get("from_id"))
            sender = message.get("from")
            author = str(sender) if sender else (_sender_label(message.get("from_id")) or "Deleted Account")
            is_owner = (
                sender_id in owner_ids or (bool(sender) and author.lower() in owner_names) or owner_channel
            )
            if not thread_yielded:
                yield ThreadRecord(key=chat_id, title=title, kind=thread_kind)
                thread_yielded = True
            extra: dict[str, object] = {}
            if message.get("forwarded_from"):
                extra["forwarded_from"] = message["forwarded_from"]
            reply = message.get("reply_to_message_id")
            yield ItemRecord(
                external_id=f"{chat_id}:{message.get('id')}",
                kind=POST if is_channel else MESSAGE,
                text=text,
                created_at=created,
                author=author,
                is_owner=is_owner,
                thread_key=chat_id,
                reply_to=f"{chat_id}:{reply}" if reply is not None else None,
                extra=extra,
            )


IMPORTER = TelegramImporter()
