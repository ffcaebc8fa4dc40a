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
from dataclasses import dataclass, replace
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
        yield from _own_items(context, files.get("posts", []), POST, author)
        yield from _own_items(context, files.get("comments", []), COMMENT, author)
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
        yield from _conversations(messages, me, context, _MESSAGES)
        yield from _conversations(chats, me, context, _CHATS)

    # -- helpers ---------------------------------------------------------------------------

    def _account_name(
        self, archive: Archive, files: dict[str, list[str]], context: ImportContext
    ) -> str | None:
        for _, row in csv_rows(archive, files.get("statistics", []), context):
            if header_key(row.get("statistic", "")) == "accountname" and row.get("value", "").strip():
                return row["value"].strip()
        return None


def _post(row: dict[str, str]) -> tuple[str, str | None]:
    """A post's text (title, blank line, body), and what it replies to: nothing."""
    title = normalize(row.get("title", ""))
    body = normalize(row.get("body", ""))
    return "\n\n".join(part for part in (title, "" if body in _GONE else body) if part), None


def _comment(row: dict[str, str]) -> tuple[str, str | None]:
    """A comment's text, and what it replies to: its parent comment, else the post in its link."""
    text = normalize(row.get("body", ""))
    text = "" if text in _GONE else text
    parent = row.get("parent", "").strip()
    if parent:
        return text, _full_id("t1_", parent)
    post = _POST_ID.search(row.get("link", "") or row.get("permalink", ""))
    return text, f"t3_{post.group(1)}" if post else None


_OWN = {
    POST: ("t3_", _post, ("subreddit", "permalink", "url")),
    COMMENT: ("t1_", _comment, ("subreddit", "permalink", "link")),
}
"""Kind → its id prefix, how a row reads, and the row's columns the item keeps (those that are set)."""


def _own_items(context: ImportContext, names: list[str], kind: str, author: str) -> Iterator[ItemRecord]:
    """The owner's posts or comments; a row without text or id is passed over, one whose date is not
    readable skipped with a warning."""
    prefix, read, columns = _OWN[kind]
    for name, row in csv_rows(context.archive, names, context):
        text, reply_to = read(row)
        if not text or not row.get("id"):
            continue
        created_at = parse_utc(row.get("date", ""))
        if created_at is None:
            context.warn(
                f"Skipped {kind} {row.get('id')} in '{name}': its date '{row.get('date')}' is not readable."
            )
            continue
        yield ItemRecord(
            external_id=_full_id(prefix, row["id"]),
            kind=kind,
            text=text,
            created_at=created_at,
            author=author,
            is_owner=True,
            reply_to=reply_to,
            extra={k: row[k] for k in columns if row.get(k)},
        )


@dataclass(frozen=True)
class _MessageFile:
    """How one kind of Reddit message file reads: private messages, or the chat history."""

    id_column: str
    time_column: str
    what: str
    time_word: str
    """``what`` and ``time_word``: what a warning calls one message, and its time."""
    thread_of: Callable[[dict[str, str], str], str]
    """A row's thread key (given its message id)."""
    thread: Callable[[str, list[dict[str, str]]], ThreadRecord]
    """The thread from its key and rows; one without a title is named after the others in it."""
    message: Callable[[dict[str, str]], tuple[str, str, str, str | None]]
    """A row's message id, body, sender, and the message it replies to."""


def _conversations(
    rows: list[tuple[str, dict[str, str]]], me: str, context: ImportContext, file: _MessageFile
) -> Iterator[ThreadRecord | ItemRecord]:
    """Each thread, then its messages oldest first. A message in two files is read once; one whose
    time is not readable is skipped with a warning, one whose body is empty or deleted silently."""
    threads: dict[str, list[tuple[datetime, dict[str, str]]]] = defaultdict(list)
    seen: set[str] = set()
    for name, row in rows:
        message_id = row.get(file.id_column, "").strip()
        if not message_id or message_id in seen:
            continue
        seen.add(message_id)
        created_at = parse_utc(row.get(file.time_column, ""))
        if created_at is None:
            context.warn(
                f"Skipped {file.what} {message_id} in '{name}': its {file.time_word} "
                f"'{row.get(file.time_column)}' is not readable."
            )
            continue
        threads[file.thread_of(row, message_id)].append((created_at, row))
    for key, entries in threads.items():
        entries.sort(key=lambda e: e[0])
        thread = file.thread(key, [row for _, row in entries])
        others = ", ".join(p for p in thread.participants if p.casefold() != me)
        yield replace(thread, title=thread.title or others)
        for created_at, row in entries:
            message_id, body, sender, reply_to = file.message(row)
            text = normalize(body)
            if text and text not in _GONE:
                yield ItemRecord(
                    external_id=message_id,
                    kind=MESSAGE,
                    text=text,
                    created_at=created_at,
                    author=sender,
                    is_owner=sender.casefold() == me,
                    thread_key=key,
                    reply_to=reply_to,
                )


def _message_thread(key: str, rows: list[dict[str, str]]) -> ThreadRecord:
    people = tuple(
        dict.fromkeys(n for r in rows for n in (r.get("from", "").strip(), r.get("to", "").strip()) if n)
    )
    return ThreadRecord(
        key, normalize(rows[0].get("subject", "")), "dm" if len(people) <= 2 else "group", people
    )


def _chat_thread(key: str, rows: list[dict[str, str]]) -> ThreadRecord:
    people = tuple(dict.fromkeys(r.get("username", "").strip() for r in rows if r.get("username")))
    conversation = rows[0].get("conversationtype", "").lower()
    direct = ("direct" in conversation or not conversation) and len(people) <= 2
    return ThreadRecord(key, normalize(rows[0].get("channelname", "")), "dm" if direct else "group", people)


_MESSAGES = _MessageFile(
    "id",
    "date",
    "message",
    "date",
    thread_of=lambda row, message_id: (
        "t4_" + (row.get("threadid", "").strip().removeprefix("t4_") or message_id)
    ),
    thread=_message_thread,
    message=lambda row: (_full_id("t4_", row["id"]), row.get("body", ""), row.get("from", "").strip(), None),
)
_CHATS = _MessageFile(
    "messageid",
    "createdat",
    "chat message",
    "time",
    thread_of=lambda row, _id: "chat:" + (row.get("channelurl", "").strip() or "unknown"),
    thread=_chat_thread,
    message=lambda row: (
        row["messageid"].strip(),
        row.get("message", ""),
        row.get("username", "").strip(),
        row.get("threadparentmessageid", "").strip() or None,
    ),
)


def _full_id(prefix: str, value: str) -> str:
    value = value.strip()
    return value if re.match(r"^t\d_", value) else prefix + value


IMPORTER = RedditImporter()
