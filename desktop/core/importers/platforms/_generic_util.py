"""Small helpers shared by the CSV/text-based importers (WhatsApp, Discord, Reddit, Mastodon,
LinkedIn, generic): file lookup by base name, CSV streaming, stable ids, timestamps.

Not an importer itself (no ``IMPORTER``), so the registry ignores it.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import BinaryIO

from desktop.core.importers.archive import MAX_LINE, Archive
from desktop.core.importers.base import ImportContext

# Reddit and LinkedIn bodies can be long (multi-page posts); the csv module's default field
# limit (128 KiB) would make one long post fail the whole file.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

CANCEL_EVERY = 1000


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


def iter_csv_rows(
    archive: Archive, name: str, *, skip_preamble_until: str | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """Stream the rows of a CSV file as (row number, {loose column key: value}).

    The encoding (UTF-8 with or without BOM, UTF-16 with BOM) and delimiter (comma or tab)
    are sniffed. Row numbers count data rows from 1. ``csv.Error`` propagates to the caller,
    which decides whether to warn and skip the file.
    """
    raw = read_head(archive, name, 8192)
    encoding = sniff_encoding(raw)
    first_line = decode_head(raw).splitlines()[0] if decode_head(raw).splitlines() else ""
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    with archive.open(name, max_line=MAX_LINE) as stream:
        text = open_text(stream, encoding)
        reader = csv.reader(text, delimiter=delimiter, strict=True)
        header: list[str] | None = None
        number = 0
        for row in reader:
            if header is None:
                if not row or not any(cell.strip() for cell in row):
                    continue
                if skip_preamble_until and header_key(row[0]) != header_key(skip_preamble_until):
                    continue
                header = [header_key(cell) for cell in row]
                continue
            if not any(cell.strip() for cell in row):
                continue
            number += 1
            yield number, {key: (row[i] if i < len(row) else "") for i, key in enumerate(header)}


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


def check_cancel(context: ImportContext, count: int) -> None:
    if count % CANCEL_EVERY == 0:
        context.cancel.raise_if_cancelled()
