"""LinkedIn "Get a copy of your data" export (CSV files).

Files read (at the top or under one folder such as ``Basic_LinkedInDataExport/``; a member-id
suffix like ``Shares_17529409.csv`` is accepted; each file is recognised by its header):

- ``messages.csv`` 2024+: ``CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,
  RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER[,ATTACHMENTS,IS MESSAGE DRAFT,…]``, dates
  ``2023-05-01 14:22:10 UTC``; drafts are skipped. ``guide_messages.csv`` and
  ``learning_role_play_messages.csv`` (LinkedIn's AI coach) share the schema and are ignored.
- ``messages.csv`` 2018: ``From,To,Date,Subject,Content,Direction,Folder``, dates
  ``10/16/18, 8:36 AM`` (US order, read as UTC), HTML entities in ``Content`` decoded; one thread
  per correspondent.
- ``Shares.csv`` → posts (``ShareCommentary``; the 2025 doubled-quote bug, where every line of a
  multi-line post comes back wrapped in ``"``, is repaired). The 2018 file is UTF-16 with BOM
  and tab-separated, with ``Share Commentary``; both read the same. Zone-less dates are UTC.
- ``Comments.csv`` (``Date,Link,Message``) → comments, ``reply_to`` = the post ``Link``. The 2025
  file escapes quotes inside ``Message`` with a backslash (``…to \\"…\\""``), which a strict reader
  fails on; the shared CSV reader sniffs that and reads it with the backslash escape.
- Every file is read row by row: a row that is not valid CSV costs that row only, with a warning
  naming the file, the line, and how many rows were read.
- Everything else (``Connections.csv`` with its "Notes:" preamble, ``Invitations.csv``, …) is
  ignored.

Owner: 2018 has ``Direction``. 2024+: ``context.me`` (a name or profile URL), else the profile
URL present in every conversation, else the ``Profile.csv`` name among the senders, else
``OwnerUnknownError`` with the senders.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime, timezone

from desktop.core.importers.archive import Archive
from desktop.core.importers.base import Detection, ImportContext, OwnerUnknownError
from desktop.core.importers.platforms._generic_util import (
    base_name,
    csv_header,
    csv_rows,
    header_key,
    parse_utc,
    read_head,
    scanned,
    stable_id,
)
from desktop.core.importers.records import COMMENT, MESSAGE, POST, ItemRecord, ThreadRecord
from desktop.core.importers.text import normalize

PLATFORM = "linkedin"
LABEL = "LinkedIn"

_NAME = re.compile(r"^(?P<base>[A-Za-z_]+?)(?:_\d+)?\.csv$")
_NEW_MESSAGES = ("conversationid", "conversationtitle", "from")
_OLD_MESSAGES = ("from", "to", "date", "subject", "content", "direction")


def linkedin_files(archive: Archive) -> dict[str, list[str]]:
    """'messages' | 'messages2018' | 'shares' | 'comments' | 'profile' → archive names."""
    found: dict[str, list[str]] = defaultdict(list)
    for name in archive.names:
        if name.count("/") > 1:
            continue
        match = _NAME.match(base_name(name))
        if not match:
            continue
        base = match.group("base").lower()
        if base not in ("messages", "shares", "comments", "profile"):
            continue
        header = csv_header(archive, name)
        if not header:
            continue
        keys = [header_key(h) for h in header]
        if base == "messages":
            if tuple(keys[:3]) == _NEW_MESSAGES and "content" in keys:
                found["messages"].append(name)
            elif tuple(keys[:6]) == _OLD_MESSAGES:
                found["messages2018"].append(name)
        elif base == "shares" and "date" in keys and "sharecommentary" in keys:
            found["shares"].append(name)
        elif base == "comments" and keys[:3] == ["date", "link", "message"]:
            found["comments"].append(name)
        elif base == "profile" and "firstname" in keys and "lastname" in keys:
            found["profile"].append(name)
    return dict(found)


def repair_share_commentary(text: str) -> str:
    """Undo LinkedIn's 2025 quoting bug: each line of a multi-line post wrapped in '"'."""
    lines = text.split("\n")
    if len(lines) < 2:
        return text
    middle_ok = all(len(line) >= 2 and line.startswith('"') and line.endswith('"') for line in lines[1:-1])
    if not (middle_ok and lines[0].endswith('"') and lines[-1].startswith('"')):
        return text
    repaired = [lines[0][:-1]] + [line[1:-1] for line in lines[1:-1]] + [lines[-1][1:]]
    return "\n".join(repaired)


def parse_date(value: str) -> datetime | None:
    parsed = parse_utc(value)
    if parsed is not None:
        return parsed
    for form in ("%m/%d/%y, %I:%M %p", "%m/%d/%Y, %I:%M %p", "%m/%d/%y, %H:%M"):
        try:
            return datetime.strptime(value.strip().replace("\u202f", " "), form).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return None


def _urls(value: str) -> list[str]:
    return [u.strip().rstrip("/") for u in (value or "").split(",") if u.strip()]


class LinkedInImporter:
    platform = PLATFORM
    label = LABEL

    def detect(self, archive: Archive) -> Detection | None:
        files = scanned(linkedin_files, archive) or {}
        if "messages" in files:
            return Detection(PLATFORM, "2024", 0.95)
        if "messages2018" in files:
            return Detection(PLATFORM, "2018", 0.95)
        if "shares" in files:
            version = "2018" if any(_is_utf16(archive, n) for n in files["shares"]) else "2024"
            return Detection(PLATFORM, version, 0.85)
        if "comments" in files:
            return Detection(PLATFORM, "2024", 0.7)
        return None

    def read(self, context: ImportContext) -> Iterator[ThreadRecord | ItemRecord]:
        archive = context.archive
        files = linkedin_files(archive)
        profile_name = self._profile_name(archive, files.get("profile", []), context)
        owner_name = profile_name
        records: list[Iterator[ThreadRecord | ItemRecord]] = []
        if files.get("messages"):
            rows = csv_rows(archive, files["messages"], context)
            records.append(self._messages(rows, context, profile_name))
        if files.get("messages2018"):
            rows = csv_rows(archive, files["messages2018"], context)
            outgoing = [r.get("from", "") for _, r in rows if r.get("direction", "").upper() == "OUTGOING"]
            owner_name = owner_name or (normalize(outgoing[0]) if outgoing else None)
            records.append(self._messages_2018(rows, context))
        author = owner_name or context.me or "me"
        records.append(self._shares(archive, files.get("shares", []), author, context))
        records.append(self._comments(archive, files.get("comments", []), author, context))
        for source in records:
            for record in source:
                if isinstance(record, ItemRecord):
                    context.tick()
                yield record

    # -- helpers ---------------------------------------------------------------------------

    def _profile_name(self, archive: Archive, names: list[str], context: ImportContext) -> str | None:
        for _, row in csv_rows(archive, names, context):
            full = normalize(f"{row.get('firstname', '')} {row.get('lastname', '')}")
            if full:
                return full
        return None

    def _messages(
        self, rows: list[tuple[str, dict[str, str]]], context: ImportContext, profile_name: str | None
    ) -> Iterator[ThreadRecord | ItemRecord]:
        conversations: dict[str, list[tuple[datetime, dict[str, str]]]] = defaultdict(list)
        for name, row in rows:
            if row.get("ismessagedraft", "").strip().lower() in ("yes", "true"):
                continue
            created_at = parse_date(row.get("date", ""))
            if created_at is None:
                context.warn(f"Skipped a message in '{name}': its date '{row.get('date')}' is not readable.")
                continue
            conversations[row.get("conversationid", "").strip() or "unknown"].append((created_at, row))
        is_owner = self._owner_test(conversations, context, profile_name)
        for key, entries in conversations.items():
            entries.sort(key=lambda e: e[0])
            people: dict[str, str] = {}
            for _, row in entries:
                people.setdefault(
                    row.get("senderprofileurl", "").rstrip("/") or row.get("from", ""),
                    normalize(row.get("from", "")),
                )
                for url in _urls(row.get("recipientprofileurls", "")):
                    people.setdefault(url, "")
            names = tuple(
                dict.fromkeys(
                    n
                    for _, row in entries
                    for n in [
                        normalize(row.get("from", "")),
                        *(normalize(t) for t in row.get("to", "").split(",")),
                    ]
                    if n
                )
            )
            others = dict.fromkeys(normalize(r.get("from", "")) for _, r in entries if not is_owner(r))
            title = normalize(entries[0][1].get("conversationtitle", "")) or ", ".join(o for o in others if o)
            yield ThreadRecord(key, title or key, "dm" if len(people) <= 2 else "group", names)
            for created_at, row in entries:
                text = normalize(row.get("content", ""))
                if not text:
                    continue
                sender = normalize(row.get("from", ""))
                yield ItemRecord(
                    external_id=stable_id(
                        PLATFORM, key, created_at.isoformat(), row.get("senderprofileurl", "") or sender, text
                    ),
                    kind=MESSAGE,
                    text=text,
                    created_at=created_at,
                    author=sender,
                    is_owner=is_owner(row),
                    thread_key=key,
                    extra={"subject": row["subject"]} if row.get("subject") else {},
                )

    @staticmethod
    def _owner_test(
        conversations: dict[str, list[tuple[datetime, dict[str, str]]]],
        context: ImportContext,
        profile_name: str | None,
    ):
        senders = sorted({normalize(r.get("from", "")) for e in conversations.values() for _, r in e} - {""})
        if context.me is not None:
            me = context.me.strip().rstrip("/").casefold()
            return lambda row: (
                me
                in (
                    normalize(row.get("from", "")).casefold(),
                    row.get("senderprofileurl", "").rstrip("/").casefold(),
                )
            )
        url_sets = []
        for entries in conversations.values():
            urls: set[str] = set()
            for _, row in entries:
                urls.update(_urls(row.get("senderprofileurl", "")))
                urls.update(_urls(row.get("recipientprofileurls", "")))
            url_sets.append(urls)
        common = set.intersection(*url_sets) if url_sets else set()
        if len(common) == 1:
            owner_url = common.pop()
            return lambda row: row.get("senderprofileurl", "").rstrip("/") == owner_url
        if profile_name and profile_name.casefold() in {s.casefold() for s in senders}:
            name = profile_name.casefold()
            return lambda row: normalize(row.get("from", "")).casefold() == name
        if not conversations:
            return lambda row: False
        raise OwnerUnknownError(LABEL, senders)

    @staticmethod
    def _messages_2018(
        rows: list[tuple[str, dict[str, str]]], context: ImportContext
    ) -> Iterator[ThreadRecord | ItemRecord]:
        threads: dict[str, list[tuple[datetime, dict[str, str]]]] = defaultdict(list)
        titles: dict[str, str] = {}
        for name, row in rows:
            created_at = parse_date(row.get("date", ""))
            if created_at is None:
                context.warn(f"Skipped a message in '{name}': its date '{row.get('date')}' is not readable.")
                continue
            outgoing = row.get("direction", "").strip().upper() == "OUTGOING"
            other = normalize(row.get("to" if outgoing else "from", "")) or "unknown"
            key = "2018:" + stable_id(PLATFORM, other.casefold())
            titles[key] = other
            threads[key].append((created_at, row))
        for key, entries in threads.items():
            entries.sort(key=lambda e: e[0])
            names = tuple(dict.fromkeys(normalize(r.get("from", "")) for _, r in entries if r.get("from")))
            yield ThreadRecord(key, titles[key], "dm", names)
            for created_at, row in entries:
                text = normalize(html.unescape(row.get("content", "")))
                if not text:
                    continue
                sender = normalize(row.get("from", ""))
                yield ItemRecord(
                    external_id=stable_id(PLATFORM, key, created_at.isoformat(), sender, text),
                    kind=MESSAGE,
                    text=text,
                    created_at=created_at,
                    author=sender,
                    is_owner=row.get("direction", "").strip().upper() == "OUTGOING",
                    thread_key=key,
                )

    def _shares(
        self, archive: Archive, names: list[str], author: str, context: ImportContext
    ) -> Iterator[ItemRecord]:
        for row, text, created_at in _dated_rows(archive, names, context, "post", _share_text):
            link = row.get("sharelink", "").strip()
            extra: dict[str, object] = {
                k: row[k] for k in ("sharedurl", "mediaurl", "visibility") if row.get(k)
            }
            yield ItemRecord(
                external_id=link or stable_id(PLATFORM, "share", created_at.isoformat(), text),
                kind=POST,
                text=text,
                created_at=created_at,
                author=author,
                is_owner=True,
                extra=extra,
            )

    def _comments(
        self, archive: Archive, names: list[str], author: str, context: ImportContext
    ) -> Iterator[ItemRecord]:
        for row, text, created_at in _dated_rows(
            archive, names, context, "comment", lambda row: normalize(row.get("message", ""))
        ):
            link = row.get("link", "").strip()
            yield ItemRecord(
                external_id=stable_id(PLATFORM, "comment", created_at.isoformat(), link, text),
                kind=COMMENT,
                text=text,
                created_at=created_at,
                author=author,
                is_owner=True,
                reply_to=link or None,
            )


def _share_text(row: dict[str, str]) -> str:
    return normalize(repair_share_commentary(row.get("sharecommentary", "").replace("\r\n", "\n")))


def _dated_rows(
    archive: Archive,
    names: list[str],
    context: ImportContext,
    what: str,
    text_of: Callable[[dict[str, str]], str],
) -> Iterator[tuple[dict[str, str], str, datetime]]:
    """(row, text, time) of the rows with text; one whose date is not readable is skipped with a warning."""
    for name, row in csv_rows(archive, names, context):
        text = text_of(row)
        if not text:
            continue
        created_at = parse_date(row.get("date", ""))
        if created_at is None:
            context.warn(f"Skipped a {what} in '{name}': its date '{row.get('date')}' is not readable.")
            continue
        yield row, text, created_at


def _is_utf16(archive: Archive, name: str) -> bool:
    return read_head(archive, name, 2)[:2] in (b"\xff\xfe", b"\xfe\xff")


IMPORTER = LinkedInImporter()
