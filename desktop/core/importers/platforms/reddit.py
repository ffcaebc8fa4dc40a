"""Reddit's GDPR data export: a flat zip of CSV files.

Files read (by base name, also split as ``name_1.csv``, ``name_2.csv``, and under one extra top
folder; each one only if its header has Reddit's columns, since LinkedIn also has a
``messages.csv``):

- ``posts.csv`` (``id,permalink,date,ip,subreddit,gildings,title,url,body``) → posts, id ``t3_<id>``,
  text = title, blank line, body.
- ``comments.csv`` (``…,link,parent,body,media``) → comments, id ``t1_<id>``; ``reply_to`` is
  ``t1_<parent>`` when ``parent`` is set, else ``t3_<post id>`` taken from ``link``.
- ``messages.csv`` / ``messages_archive.csv`` (``id,permalink,thread_id,date,ip,from,to,subject,body``),
  both directions, one ``dm`` thread per ``thread_id`` (or the message id when empty); a message in
  both files is read once. ``*_headers.csv`` (no bodies) are ignored.
- ``chat_history.csv`` (``message_id,created_at,…,username,message,thread_parent_message_id,
  channel_url,…``) → one thread per ``channel_url``; ``reply_to`` from ``thread_parent_message_id``.

Owner: the ``account name`` row of ``statistics.csv``, else ``context.me``; posts and comments are
always the owner's, so only messages need it (``OwnerUnknownError`` with the correspondents
otherwise). ``[deleted]``/``[removed]`` bodies are skipped. Dates like
``2024-01-12 17:29:56 UTC`` are UTC.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime

from desktop.core.importers.archive import Archive
from desktop.core.importers.base import Detection, ImportContext, OwnerUnknownError
from desktop.core.importers.platforms._generic_util import (
    base_name,
    csv_header,
    csv_rows,
    header_key,
    parse_utc,
    scanned,
)
from desktop.core.importers.records import COMMENT, MESSAGE, POST, ItemRecord, ThreadRecord
from desktop.core.importers.text import normalize

PLATFORM = "reddit"
LABEL = "Reddit"

_FILE = re.compile(
    r"^(posts|comments|messages_archive|messages|chat_history|statistics)(?:_\d+)?\.csv$", re.I
)
_HEADERS = {
    "posts": ("id", "permalink", "date"),
    "comments": ("id", "permalink", "date"),
    "messages": ("id", "permalink", "threadid", "date"),
    "messages_archive": ("id", "permalink", "threadid", "date"),
    "chat_history": ("messageid", "createdat"),
    "statistics": ("statistic", "value"),
}
_REQUIRED = {
    "posts": {"title", "body"},
    "comments": {"parent", "body"},
    "messages": {"from", "to", "body"},
    "messages_archive": {"from", "to", "body"},
    "chat_history": {"username", "message", "channelurl"},
    "statistics": set(),
}
_GONE = {"[deleted]", "[removed]"}
_POST_ID = re.compile(r"/comments/([a-z0-9]+)", re.I)


def reddit_files(archive: Archive) -> dict[str, list[str]]:
    """Kind ('posts', 'comments', …) → archive names whose header is Reddit's, in name order."""
    found: dict[str, list[str]] = defaultdict(list)
    for name in archive.names:
        match = _FILE.match(base_name(name))
        if not match or name.count("/") > 1:
            continue
        kind = match.group(1).lower()
        header = csv_header(archive, name)
        if header is None:
            continue
        keys = [header_key(h) for h in header]
        expected = _HEADERS[kind]
        if tuple(keys[: len(expected)]) == expected and _REQUIRED[kind] <= set(keys):
            found[kind].append(name)
    for names in found.values():
        names.sort(key=lambda n: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", n)])
    return dict(found)


class RedditImporter:
    platform = PLATFORM
    label = LABEL

    def detect(self, archive: Archive) -> Detection | None:
        files = scanned(reddit_files, archive) or {}
        content = {k for k in files if k != "statistics"}
        if not content:
            return None
        if "statistics" in files:
            confidence = 0.95
        elif content & {"posts", "comments"} or len(content) > 1:
            confidence = 0.9
        else:
            confidence = 0.85
        return Detection(PLATFORM, "gdpr-csv", confidence)

    def read(self, context: ImportContext) -> Iterator[ThreadRecord | ItemRecord]:
        yield from context.ticked(self._records(context))

    def _records(self, context: ImportContext) -> Iterator[ThreadRecord | ItemRecord]:
        archive = context.archive
        files = reddit_files(archive)
        owner = self._account_name(archive, files, context)
        author = owner or context.me or "me"
        yield from self._posts(archive, files.get("posts", []), author, context)
        yield from self._comments(archive, files.get("comments", []), author, context)
        message_files = files.get("messages", []) + files.get("messages_archive", [])
        chat_files = files.get("chat_history", [])
        if not (message_files or chat_files):
            return
        messages = csv_rows(archive, message_files, context)
        chats = csv_rows(archive, chat_files, context)
        me = (owner or context.me or "").strip().casefold()
        if not me:
            names = {r.get("from", "") for _, r in messages} | {r.get("to", "") for _, r in messages}
            names |= {r.get("username", "") for _, r in chats}
            raise OwnerUnknownError(LABEL, sorted(n for n in names if n))
        yield from self._messages(messages, me, context)
        yield from self._chats(chats, me, context)

    # -- helpers ---------------------------------------------------------------------------

    def _account_name(
        self, archive: Archive, files: dict[str, list[str]], context: ImportContext
    ) -> str | None:
        for _, row in csv_rows(archive, files.get("statistics", []), context):
            if header_key(row.get("statistic", "")) == "accountname" and row.get("value", "").strip():
                return row["value"].strip()
        return None

    def _posts(
        self, archive: Archive, names: list[str], author: str, context: ImportContext
    ) -> Iterator[ItemRecord]:
        for name, row in csv_rows(archive, names, context):
            title = normalize(row.get("title", ""))
            body = normalize(row.get("body", ""))
            body = "" if body in _GONE else body
            text = "\n\n".join(part for part in (title, body) if part)
            if not text or not row.get("id"):
                continue
            record = _own_item(context, name, row, POST, text, author, ("subreddit", "permalink", "url"))
            if record is not None:
                yield record

    def _comments(
        self, archive: Archive, names: list[str], author: str, context: ImportContext
    ) -> Iterator[ItemRecord]:
        for name, row in csv_rows(archive, names, context):
            text = normalize(row.get("body", ""))
            if not text or text in _GONE or not row.get("id"):
                continue
            parent = row.get("parent", "").strip()
            if parent:
                reply_to: str | None = _full_id("t1_", parent)
            else:
                post = _POST_ID.search(row.get("link", "") or row.get("permalink", ""))
                reply_to = f"t3_{post.group(1)}" if post else None
            columns = ("subreddit", "permalink", "link")
            record = _own_item(context, name, row, COMMENT, text, author, columns, reply_to)
            if record is not None:
                yield record

    @staticmethod
    def _messages(
        rows: list[tuple[str, dict[str, str]]], me: str, context: ImportContext
    ) -> Iterator[ThreadRecord | ItemRecord]:
        threads = _threads(
            rows,
            context,
            ("id", "date", "message", "date"),
            lambda row, message_id: (
                "t4_" + (row.get("threadid", "").strip().removeprefix("t4_") or message_id)
            ),
        )
        for key, entries in threads.items():
            participants = tuple(
                dict.fromkeys(
                    n for _, r in entries for n in (r.get("from", "").strip(), r.get("to", "").strip()) if n
                )
            )
            subject = normalize(entries[0][1].get("subject", "")) or ", ".join(
                p for p in participants if p.casefold() != me
            )
            yield ThreadRecord(key, subject, "dm" if len(participants) <= 2 else "group", participants)
            for created_at, row in entries:
                sender = row.get("from", "").strip()
                message = _message(
                    key, _full_id("t4_", row["id"]), row.get("body", ""), created_at, sender, me
                )
                if message is not None:
                    yield message

    @staticmethod
    def _chats(
        rows: list[tuple[str, dict[str, str]]], me: str, context: ImportContext
    ) -> Iterator[ThreadRecord | ItemRecord]:
        threads = _threads(
            rows,
            context,
            ("messageid", "createdat", "chat message", "time"),
            lambda row, _id: "chat:" + (row.get("channelurl", "").strip() or "unknown"),
        )
        for key, entries in threads.items():
            participants = tuple(
                dict.fromkeys(r.get("username", "").strip() for _, r in entries if r.get("username"))
            )
            first = entries[0][1]
            title = normalize(first.get("channelname", "")) or ", ".join(
                p for p in participants if p.casefold() != me
            )
            conversation = first.get("conversationtype", "").lower()
            kind = (
                "dm" if ("direct" in conversation or not conversation) and len(participants) <= 2 else "group"
            )
            yield ThreadRecord(key, title, kind, participants)
            for created_at, row in entries:
                sender = row.get("username", "").strip()
                parent = row.get("threadparentmessageid", "").strip() or None
                message = _message(
                    key, row["messageid"].strip(), row.get("message", ""), created_at, sender, me, parent
                )
                if message is not None:
                    yield message


def _message(
    key: str,
    message_id: str,
    body: str,
    created_at: datetime,
    sender: str,
    me: str,
    reply_to: str | None = None,
) -> ItemRecord | None:
    """One message of thread ``key``; None when its body is empty or deleted."""
    text = normalize(body)
    if not text or text in _GONE:
        return None
    return ItemRecord(
        external_id=message_id,
        kind=MESSAGE,
        text=text,
        created_at=created_at,
        author=sender,
        is_owner=sender.casefold() == me,
        thread_key=key,
        reply_to=reply_to,
    )


_ID_PREFIX = {POST: "t3_", COMMENT: "t1_"}


def _own_item(
    context: ImportContext,
    name: str,
    row: dict[str, str],
    kind: str,
    text: str,
    author: str,
    columns: tuple[str, ...],
    reply_to: str | None = None,
) -> ItemRecord | None:
    """One of the owner's posts or comments, keeping the row's ``columns`` that are set; ``None``
    (with a warning) when its date is not readable."""
    created_at = parse_utc(row.get("date", ""))
    if created_at is None:
        context.warn(
            f"Skipped {kind} {row.get('id')} in '{name}': its date '{row.get('date')}' is not readable."
        )
        return None
    return ItemRecord(
        external_id=_full_id(_ID_PREFIX[kind], row["id"]),
        kind=kind,
        text=text,
        created_at=created_at,
        author=author,
        is_owner=True,
        reply_to=reply_to,
        extra={k: row[k] for k in columns if row.get(k)},
    )


def _threads(
    rows: list[tuple[str, dict[str, str]]],
    context: ImportContext,
    columns: tuple[str, str, str, str],
    thread_of: Callable[[dict[str, str], str], str],
) -> dict[str, list[tuple[datetime, dict[str, str]]]]:
    """The rows by thread, oldest first; a message in two files is read once, and one whose time is
    not readable is skipped with a warning. ``columns``: the id and time columns, then what the
    warning calls the message and its time."""
    id_column, time_column, what, time_word = columns
    threads: dict[str, list[tuple[datetime, dict[str, str]]]] = defaultdict(list)
    seen: set[str] = set()
    for name, row in rows:
        message_id = row.get(id_column, "").strip()
        if not message_id or message_id in seen:
            continue
        seen.add(message_id)
        created_at = parse_utc(row.get(time_column, ""))
        if created_at is None:
            context.warn(
                f"Skipped {what} {message_id} in '{name}': its {time_word} '{row.get(time_column)}' "
                "is not readable."
            )
            continue
        threads[thread_of(row, message_id)].append((created_at, row))
    for entries in threads.values():
        entries.sort(key=lambda e: e[0])
    return threads


def _full_id(prefix: str, value: str) -> str:
    value = value.strip()
    return value if re.match(r"^t\d_", value) else prefix + value


IMPORTER = RedditImporter()
