"""Small helpers shared by the importers (WhatsApp, Discord, Reddit, Mastodon, LinkedIn, generic,
TikTok, Meta): file lookup by base name, forgiving CSV and JSON streaming, stable ids, timestamps.

Reading is forgiving by design: a malformed row costs that row, not the file, and the rows read
before (and, for CSV, after) it are kept; a ``FileTally`` says in one warning what was read, what
was lost and where. Not an importer itself (no ``IMPORTER``), so the registry ignores it.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, BinaryIO, TypeVar

import ijson

from desktop.core.importers.archive import MAX_LINE, ZIP_READ_ERRORS, Archive
from desktop.core.importers.base import FileTally, ImportContext

# Reddit and LinkedIn bodies can be long (multi-page posts); the csv module's default field
# limit (128 KiB) would make one long post fail the whole file.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def base_name(name: str) -> str:
    """The file name without its folders."""
    return name.rsplit("/", 1)[-1]


def parent_name(name: str) -> str:
    """The folder that holds ``name`` (its last part), or '' for a top-level file."""
    parts = name.split("/")
    return parts[-2] if len(parts) > 1 else ""


def stable_id(*parts: object) -> str:
    """A deterministic id from the given parts (same parts, same id, on every machine)."""
    digest = hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return digest[:24]


def read_head(archive: Archive, name: str, size: int = 4096) -> bytes:
    """The first ``size`` bytes of one file, or b'' if it cannot be read."""
    try:
        with archive.open(name) as stream:
            return stream.read(size)
    except (OSError, KeyError, ValueError, EOFError, RuntimeError):
        return b""


def decode_head(raw: bytes) -> str:
    """Decode the first bytes of a text file (UTF-8 with or without BOM, or UTF-16 with BOM)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="ignore")
    return raw.decode("utf-8-sig", errors="ignore")


def sniff_encoding(raw: bytes) -> str:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


def csv_header(archive: Archive, name: str) -> list[str] | None:
    """The first row of a CSV file (BOM removed, comma or tab separated), or None."""
    head = decode_head(read_head(archive, name, 8192))
    if not head:
        return None
    first_line = head.splitlines()[0] if head.splitlines() else ""
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        return next(csv.reader([first_line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return None


def header_key(column: str) -> str:
    """A column name compared loosely: lower case, no spaces, dashes or underscores."""
    return re.sub(r"[\s_\-]+", "", column.strip().lower())


def open_text(stream: BinaryIO, encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")


# A read that fails part-way in the stream itself (an I/O error, a file that ends early). A damaged
# zip (bad CRC or deflate data) is left to the pipeline, which refuses the archive whole.
STREAM_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError)
NOT_VALID_CSV = "not valid CSV"
UNREADABLE = "it could not be read from the archive (it may be damaged)"
NOT_VALID_JSON = "it is not valid JSON (it may be damaged or cut short)"


def _csv_text(archive: Archive, name: str) -> tuple[str, str]:
    """The encoding and delimiter of a CSV file, sniffed from its first bytes."""
    raw = read_head(archive, name, 8192)
    lines = decode_head(raw).splitlines()
    first_line = lines[0] if lines else ""
    return sniff_encoding(raw), "\t" if "\t" in first_line and "," not in first_line else ","


def _csv_reader(lines: Iterator[str], delimiter: str, backslash: bool) -> Any:
    """Strict CSV (quotes doubled), or with ``backslash`` also ``\\"`` for a quote (LinkedIn 2025)."""
    return csv.reader(lines, delimiter=delimiter, strict=True, escapechar="\\" if backslash else None)


def _has_backslash_quote(archive: Archive, name: str, encoding: str) -> bool:
    """Whether the file holds a backslash before a quote anywhere (a plain byte scan, early exit)."""
    needle = '\\"'.encode("utf-16-le") if encoding == "utf-16" else b'\\"'
    tail = b""
    try:
        with archive.open(name, max_line=MAX_LINE) as stream:
            while chunk := stream.read(1024 * 1024):
                if needle in tail + chunk:
                    return True
                tail = chunk[-(len(needle) - 1) :]
    except ZIP_READ_ERRORS:
        pass
    return False


def _csv_errors(archive: Archive, name: str, encoding: str, delimiter: str, backslash: bool) -> int:
    """How many records of the file fail to parse in one quoting style."""
    errors = 0
    try:
        with archive.open(name, max_line=MAX_LINE) as stream:
            reader = _csv_reader(open_text(stream, encoding), delimiter, backslash)
            while True:
                try:
                    next(reader)
                except StopIteration:
                    break
                except csv.Error:
                    errors += 1
    except ZIP_READ_ERRORS:
        pass  # the real pass says where the file became unreadable
    return errors


def uses_backslash_escapes(archive: Archive, name: str) -> bool:
    """Whether a CSV file escapes quotes as ``\\"`` instead of doubling them.

    LinkedIn's 2025 ``Comments.csv`` does, so a strict reader fails at the first such row. Only a
    file that holds ``\\"`` and fails strictly is parsed again with the backslash escape, and that
    style wins only when it fails on fewer records (a Windows path ending in a backslash reads
    better strictly). Clean files cost one byte scan.
    """
    encoding, delimiter = _csv_text(archive, name)
    if not _has_backslash_quote(archive, name, encoding):
        return False
    strict_errors = _csv_errors(archive, name, encoding, delimiter, backslash=False)
    if not strict_errors:
        return False
    return _csv_errors(archive, name, encoding, delimiter, backslash=True) < strict_errors


def iter_csv_rows(
    archive: Archive,
    name: str,
    *,
    skip_preamble_until: str | None = None,
    context: ImportContext | None = None,
    tally: FileTally | None = None,
    key: Callable[[str], str] = header_key,
) -> Iterator[tuple[int, dict[str, str]]]:
    """Stream the rows of a CSV file as (row number, {column key: value}); ``key`` turns a column
    name into its key (by default loosely: lower case, no spaces).

    The encoding (UTF-8 with or without BOM, UTF-16 with BOM), delimiter (comma or tab) and
    quote escape (doubled, or backslash) are sniffed. Row numbers count data rows from 1. A record
    that is not valid CSV is skipped and reading goes on at the next whole row; when the file ends,
    one warning (through ``context``) says how many rows were read and which lines were lost.
    """
    tally = tally or FileTally(name, "rows")
    encoding, delimiter = _csv_text(archive, name)
    backslash = uses_backslash_escapes(archive, name)
    with archive.open(name, max_line=MAX_LINE) as stream:
        reader = _csv_reader(open_text(stream, encoding), delimiter, backslash)
        header: list[str] | None = None
        number = 0
        resync = False  # after a broken record: drop fragments until a row has the header's width
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error:
                tally.skip(f"line {start}", NOT_VALID_CSV)
                resync = True
                continue
            except STREAM_ERRORS:
                tally.stop(f"line {start}", UNREADABLE)
                break
            if header is None:
                if not row or not any(cell.strip() for cell in row):
                    continue
                if skip_preamble_until and header_key(row[0]) != header_key(skip_preamble_until):
                    continue
                header = [key(cell) for cell in row]
                resync = False
                continue
            if not any(cell.strip() for cell in row):
                continue
            if resync:
                if len(row) != len(header):
                    continue
                resync = False
            number += 1
            tally.read += 1
            yield number, {key: (row[i] if i < len(row) else "") for i, key in enumerate(header)}
    tally.report(context)


# ---------------------------------------------------------------------------------------------
# JSON


JSON_BUFFER = 16 * 1024  # parser reads: small enough that "about byte N" is close to where a file breaks


class TrackedStream:
    """A binary stream that counts the bytes handed to the JSON parser, so a file that breaks
    part-way can be named with the offset where it stopped being readable."""

    def __init__(self, stream: BinaryIO, size: int, budget: int | None = None) -> None:
        self._stream = stream
        self.size = size
        self.offset = 0
        self._budget = budget

    def read(self, size: int = -1) -> bytes:
        if self._budget is not None:
            left = self._budget - self.offset
            if left <= 0:
                return b""
            size = left if size is None or size < 0 else min(size, left)
        data = self._stream.read(size)
        self.offset += len(data)
        return data

    @property
    def where(self) -> str:
        return f"about byte {self.offset:,} of {self.size:,}"


JSON_ERRORS: tuple[type[BaseException], ...] = (ijson.JSONError, ValueError, *STREAM_ERRORS)
_OUTLINE_ERRORS: tuple[type[BaseException], ...] = (*JSON_ERRORS, *ZIP_READ_ERRORS, KeyError, RuntimeError)


def csv_rows(archive: Archive, names: list[str], context: ImportContext) -> list[tuple[str, dict[str, str]]]:
    """Every readable row of the files, with its file's name; a broken row costs that row, with a
    warning naming its line."""
    return [(name, row) for name in names for _, row in iter_csv_rows(archive, name, context=context)]


def json_stop_reason(exc: BaseException) -> str:
    """Why the rest of a JSON file could not be read, in plain words."""
    return UNREADABLE if isinstance(exc, STREAM_ERRORS) else NOT_VALID_JSON


def stop_json(tally: FileTally, tracked: TrackedStream, exc: BaseException) -> None:
    """Record on ``tally`` that ``tracked`` broke off with ``exc``."""
    tally.stop(tracked.where, json_stop_reason(exc))


@contextmanager
def reading_json(archive: Archive, name: str, tally: FileTally | None) -> Iterator[TrackedStream]:
    """The file ``name`` opened for the JSON parser, counting the bytes it reads. With a ``tally``, a
    file that breaks inside the block ends the block there (what it yielded stays yielded) and the
    tally says where and why; without one, the error propagates."""
    size = archive.sizes.get(name, 0)
    tracked = TrackedStream(io.BytesIO(), size)
    try:
        with archive.open(name) as stream:
            tracked = TrackedStream(stream, size)
            yield tracked
    except JSON_ERRORS as exc:
        if tally is None:
            raise
        stop_json(tally, tracked, exc)


def build_value(event: str, value: Any, events: Iterator[tuple[str, str, Any]]) -> Any:
    """One whole JSON value from an ``ijson.parse`` event stream, starting at its first event."""
    builder = ijson.ObjectBuilder()
    builder.event(event, value)
    if event not in ("start_map", "start_array"):
        return builder.value
    depth = 1
    for _, ev, val in events:
        builder.event(ev, val)
        if ev in ("start_map", "start_array"):
            depth += 1
        elif ev in ("end_map", "end_array"):
            depth -= 1
            if depth == 0:
                break
    return builder.value


@dataclass
class JsonOutline:
    """The top of a JSON file: an object's keys in file order, or the keys of a list's first object."""

    kind: str = ""  # "object" | "array" | "" (not JSON, or something else)
    keys: list[str] = field(default_factory=list)
    complete: bool = False  # the whole top level was seen (not stopped by the budget or a decision)


def json_outline(
    archive: Archive,
    name: str,
    *,
    budget: int,
    enough: Callable[[list[str]], bool] = lambda keys: False,
) -> JsonOutline:
    """Stream a JSON file's top-level keys, however far into the file they sit, up to ``budget`` bytes.

    Exports put their telling keys anywhere: TikTok's ``user_data_tiktok.json`` opens with half a
    megabyte of ad data before "Direct Message". Values are parsed but never built, so memory stays
    flat; ``enough(keys)`` stops as soon as the keys seen so far decide.
    """
    outline = JsonOutline()
    try:
        with archive.open(name) as stream:
            events = ijson.parse(
                TrackedStream(stream, archive.sizes.get(name, 0), budget), buf_size=64 * 1024
            )
            first = next(events, None)
            if first is None or first[1] not in ("start_map", "start_array"):
                return outline
            outline.kind = "object" if first[1] == "start_map" else "array"
            key_prefix = "" if outline.kind == "object" else "item"
            for prefix, event, value in events:
                if prefix == key_prefix and event == "map_key":
                    outline.keys.append(value)
                    if enough(outline.keys):
                        return outline
                elif (
                    prefix == key_prefix
                    and event in ("end_map", "end_array")
                    or prefix == ""
                    and event == "end_array"
                ):
                    outline.complete = True
                    return outline
    except _OUTLINE_ERRORS:
        pass  # detection never fails on a file it cannot read: it just learns less
    return outline


def parse_utc(value: str) -> datetime | None:
    """Parse '2024-01-12 17:29:56 UTC', ISO 8601 with or without offset ('Z' too); zone-less
    values are taken as UTC. Returns an aware UTC datetime, or None."""
    text = (value or "").strip()
    if not text:
        return None
    if text.upper().endswith(" UTC"):
        text = text[:-4].strip()
    elif text.endswith("Z"):
        text = text[:-1] + "+00:00"
    text = text.replace("/", "-", 2) if re.match(r"^\d{4}/\d{1,2}/\d{1,2}", text) else text
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


_Found = TypeVar("_Found")


def scanned(scan: Callable[[Archive], _Found], archive: Archive) -> _Found | None:
    """What ``scan`` finds in ``archive``, or None where it fails: detection must never crash on
    foreign files."""
    try:
        return scan(archive)
    except Exception:  # noqa: BLE001 - detection must never crash on foreign files
        return None
