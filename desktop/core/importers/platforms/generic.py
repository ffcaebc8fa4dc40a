"""Generic CSV / JSONL import, for any platform Understudy has no importer for.

One file (or a zip/folder of such files) in either form:

- CSV: UTF-8 (a BOM is fine), comma-separated, a header row with the column names below.
- JSONL: one JSON object per line with the same keys (``.jsonl`` or ``.ndjson``).

Columns (names are lower case; unknown columns are ignored):

============  ========  ==================================================================
column        required  meaning
============  ========  ==================================================================
text          yes       the message, post or comment text; rows with empty text are skipped
timestamp     yes       ISO 8601 (``2024-05-01T14:22:10+02:00``, ``2024-05-01 14:22:10``,
                        ``…Z``; a time without an offset is UTC) or Unix epoch seconds
                        (a number above 10^11 is read as milliseconds)
author        yes*      who wrote it
is_owner      yes*      whether the creator wrote it: true/false, 1/0, yes/no (any case);
                        blank = decided by ``--me`` (compared with ``author``, any case)
thread        no        conversation id/name; rows with the same value form one thread
                        (``dm`` with up to two authors, else ``group``)
in_reply_to   no        the ``id`` of the message/post this one answers
id            no        a stable id; default: a hash of thread, timestamp, author and text,
                        so re-importing the same rows gives the same ids
kind          no        ``message``, ``post`` or ``comment``; default ``message`` when
                        ``thread`` is set, else ``post``
platform      no        where the row came from (kept in ``extra["platform"]``)
============  ========  ==================================================================

\\* A file needs ``author`` or ``is_owner``; without an ``is_owner`` value the creator must be
named with ``--me`` (else ``OwnerUnknownError`` lists the authors).

A row with a problem (unreadable timestamp, unknown kind, bad ``is_owner``, a broken CSV record or
JSON line) is skipped with a warning naming the file and row or line; the other rows are imported.
Detection is deliberately weak (confidence 0.3) and needs these column names, so a real
platform importer always wins.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from desktop.core.importers.archive import MAX_LINE, Archive
from desktop.core.importers.base import Detection, FileTally, ImportContext, OwnerUnknownError
from desktop.core.importers.platforms._generic_util import (
    iter_csv_rows,
    open_text,
    parse_utc,
    read_head,
    scanned,
    stable_id,
)
from desktop.core.importers.records import KINDS, MESSAGE, POST, ItemRecord, ThreadRecord, utc_from_timestamp
from desktop.core.importers.text import normalize

PLATFORM = "generic"
LABEL = "Generic CSV/JSONL"

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_SUFFIXES = (".csv", ".jsonl", ".ndjson")


def _keys_match(keys: set[str]) -> bool:
    return {"text", "timestamp"} <= keys and bool(keys & {"author", "is_owner"})


def _file_format(archive: Archive, name: str) -> str | None:
    """'csv' or 'jsonl' when the file's header/first object has the generic columns."""
    lower = name.lower()
    if not lower.endswith(_SUFFIXES) or name.count("/") > 1:
        return None
    head = read_head(archive, name, 16384).decode("utf-8-sig", errors="ignore")
    if lower.endswith(".csv"):
        first = head.splitlines()[0] if head.splitlines() else ""
        try:
            header = next(csv.reader([first]))
        except (csv.Error, StopIteration):
            return None
        return "csv" if _keys_match({h.strip().lower() for h in header}) else None
    for line in head.splitlines():
        if line.strip():
            try:
                obj = json.loads(line)
            except ValueError:
                return None
            return "jsonl" if isinstance(obj, dict) and _keys_match({str(k).lower() for k in obj}) else None
    return None


def generic_files(archive: Archive) -> list[tuple[str, str]]:
    return [(name, form) for name in archive.names if (form := _file_format(archive, name))]


def parse_timestamp(value: object) -> datetime | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)) or (
        isinstance(value, str) and re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", value)
    ):
        number = float(value)
        if abs(number) > 1e11:
            number /= 1000.0  # milliseconds
        try:
            return utc_from_timestamp(number)
        except (OverflowError, OSError, ValueError):
            return None
    return parse_utc(str(value))


def _owner_flag(value: object) -> bool | None | str:
    """True/False, None for blank, or the raw text when it is not a yes/no value."""
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return str(value)


def _as_text(value: object) -> str:
    return "" if value is None else str(value)


class GenericImporter:
    platform = PLATFORM
    label = LABEL

    def detect(self, archive: Archive) -> Detection | None:
        files = scanned(generic_files, archive)
        return Detection(PLATFORM, files[0][1], 0.3) if files else None

    def _rows(
        self, archive: Archive, name: str, form: str, context: ImportContext, warn: bool
    ) -> Iterator[tuple[int, dict]]:
        """(row number, row by lower-case column) of every readable row; a broken CSV record or JSON
        line costs that row only, and (``warn``) one warning per file says how many and where."""
        report = context if warn else None
        if form == "csv":
            yield from iter_csv_rows(archive, name, context=report, key=lambda column: column.strip().lower())
            return
        tally = FileTally(name, "rows")
        with archive.open(name, max_line=MAX_LINE) as stream:
            for number, line in enumerate(open_text(stream, "utf-8-sig"), start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except ValueError:
                    obj = None
                if not isinstance(obj, dict):
                    tally.skip(f"line {number}", "not a JSON object")
                    continue
                tally.read += 1
                yield number, {str(k).lower(): v for k, v in obj.items()}
        tally.report(report)

    def read(self, context: ImportContext) -> Iterator[ThreadRecord | ItemRecord]:
        archive = context.archive
        files = generic_files(archive)
        me = context.me.strip().casefold() if context.me else None
        # Pass 1: authors per thread, and whether every row says who wrote it.
        participants: dict[str, dict[str, None]] = defaultdict(dict)
        authors: dict[str, None] = {}
        needs_owner = False
        for name, form in files:
            for _, row in self._rows(archive, name, form, context, warn=False):
                author = normalize(_as_text(row.get("author")))
                thread = normalize(_as_text(row.get("thread")))
                if author:
                    authors[author] = None
                    if thread:
                        participants[thread][author] = None
                if _owner_flag(row.get("is_owner")) is None:
                    needs_owner = True
        if needs_owner and me is None:
            raise OwnerUnknownError(LABEL, list(authors))
        # Pass 2: records.
        yielded: set[str] = set()
        for name, form in files:
            for number, row in self._rows(archive, name, form, context, warn=True):
                parsed = self._item(row, me)
                if isinstance(parsed, str):
                    context.warn(f"Skipped row {number} of '{name}': {parsed}.")
                    continue
                if parsed is None:
                    continue
                if parsed.thread_key and parsed.thread_key not in yielded:
                    yielded.add(parsed.thread_key)
                    people = tuple(participants.get(parsed.thread_key, {}))
                    yield ThreadRecord(
                        parsed.thread_key, parsed.thread_key, "dm" if len(people) <= 2 else "group", people
                    )
                context.tick()
                yield parsed

    @staticmethod
    def _item(row: dict, me: str | None) -> ItemRecord | str | None:
        """The row's item, None for an empty row, or the plain reason it was skipped."""
        text = normalize(_as_text(row.get("text")))
        if not text:
            return None
        created_at = parse_timestamp(row.get("timestamp"))
        if created_at is None:
            return f"timestamp '{row.get('timestamp')}' is neither ISO 8601 nor epoch seconds"
        author = normalize(_as_text(row.get("author")))
        flag = _owner_flag(row.get("is_owner"))
        if isinstance(flag, str):
            return f"is_owner '{flag}' is not true/false, 1/0 or yes/no"
        is_owner = flag if flag is not None else (me is not None and author.casefold() == me)
        thread = normalize(_as_text(row.get("thread"))) or None
        kind = normalize(_as_text(row.get("kind"))).lower() or (MESSAGE if thread else POST)
        if kind not in KINDS:
            return f"kind '{kind}' is not one of {', '.join(KINDS)}"
        external_id = normalize(_as_text(row.get("id"))) or stable_id(
            PLATFORM, thread or "", created_at.isoformat(), author, text
        )
        extra = {"platform": row["platform"]} if row.get("platform") else {}
        return ItemRecord(
            external_id=external_id,
            kind=kind,
            text=text,
            created_at=created_at,
            author=author or ("me" if is_owner else "someone"),
            is_owner=bool(is_owner),
            thread_key=thread,
            reply_to=normalize(_as_text(row.get("in_reply_to"))) or None,
            extra=extra,
        )


IMPORTER = GenericImporter()
