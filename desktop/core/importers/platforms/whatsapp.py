"""WhatsApp chat exports ("Export chat" on a phone): one plain-text chat per file.

Layouts accepted:

- Android: ``WhatsApp Chat with <Name>.txt`` (alone, or in a zip with the media), lines like
  ``dd/mm/yy, HH:MM - Name: text``, ``m/d/yy, h:mm PM - …``, ``dd.mm.yy, HH:MM - …``,
  ``yyyy/mm/dd, HH:MM - …``, ``30/08/25 18.00 - …`` (no comma, dot in time), with ``-`` or an
  en dash as separator.
- iOS: ``_chat.txt`` inside ``WhatsApp Chat - <Name>.zip``, lines like
  ``[dd/mm/yy, HH:MM:SS] Name: text`` or ``[3/6/18 1:55:00 p. m.] …``.
- Several chats in one folder or zip: each chat file is its own thread.

How lines are read:

- The header style (bracketed iOS or dashed Android) is fixed per file by its first header, so a
  continuation line that merely looks like a date (``2/11/19, 14:48 …`` inside an iOS chat, or
  ``2/11/19: Arrival``) stays part of the message above it.
- Within that style, a header's date shape (separator, digits of year, clock) is the first
  header's, or another shape the file has switched to: an export that spans a phone or locale
  change goes from ``6/30/23, 16:14 - `` to ``30/6/2023, 16:15 - `` part-way. A shape counts as a
  switch when at least two of its lines carry a ``Name:`` (or the file's last such line has it);
  a lone quoted header from another chat (Chatistics' ``[1.2.2019, 00:00:00] John Doe: …``) and
  any date-like line without a name stay text of the message above.
- Day/month order is inferred per date shape over the whole file: any first field > 12 means
  day-first, any second field > 12 month-first. When nothing decides it, the default is month-first
  for a 12-hour clock with ``/`` dates (the US format), day-first otherwise, and a warning says so.
- Invisible marks (U+200E/U+200F) are removed, U+202F/NBSP/U+2009 count as spaces, AM/PM may
  be written ``AM``, ``a. m.``, ``p.m.`` or Arabic ``ص``/``م``; Arabic-Indic digits are read.
- System lines (no ``Name:`` part, or an iOS line whose text starts with U+200E and is not an
  attachment) are skipped. Media placeholders (``<Media omitted>``, ``image omitted``,
  ``<attached: …>``, ``… (file attached)``, deleted messages, ``null``) are dropped; a message
  with nothing else is skipped. A trailing ``<This message was edited>`` is removed.
- The author is everything before the first ``": "`` after the header (names may hold ``:``,
  emoji or be phone numbers).

Time zone: the export writes the phone's local wall-clock time with no zone. The importer
interprets it in ``WhatsAppImporter(zone=...)``; the registered importer uses ``zone=None``,
meaning the local zone of the machine running the import (usually the creator's own phone
zone). ``external_id`` is computed from the wall-clock time, not the UTC instant, so ids stay
the same whatever zone an import used.

Owner: the export does not record it. In order: ``context.me`` (case-insensitive; a name that
matches no sender is an error listing the senders); for a ``WhatsApp Chat with X`` file whose
two senders are X and one other, that other; the one sender whose own deletions read
"You deleted this message"; the one sender common to all chats of a multi-chat import.
Otherwise ``OwnerUnknownError`` with the senders.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from pathlib import PurePosixPath

from desktop.core.errors import KnownError
from desktop.core.importers.archive import MAX_LINE, Archive
from desktop.core.importers.base import Detection, ImportContext, OwnerUnknownError
from desktop.core.importers.platforms._generic_util import (
    base_name,
    open_text,
    parent_name,
    read_head,
    scanned,
    stable_id,
)
from desktop.core.importers.records import MESSAGE, ItemRecord, ThreadRecord
from desktop.core.importers.text import normalize, strip_invisible_marks

PLATFORM = "whatsapp"
LABEL = "WhatsApp"

_DATE = r"(?P<date>\d{1,4}[./-] ?\d{1,2}[./-] ?\d{1,4})\.?"
_TIME = r"(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)"
_AMPM = r"(?: ?(?P<ampm>[AaPp]\.? ?[Mm]\.?|م|ص))?"
IOS_HEADER = re.compile(rf"^\[{_DATE},? {_TIME}{_AMPM}\] (?P<rest>.*)$")
ANDROID_HEADER = re.compile(rf"^{_DATE},? {_TIME}{_AMPM} [-–] (?P<rest>.*)$")

# Characters rewritten one for one before a line is matched.
_LINE_MAP = str.maketrans(
    {
        "\u202f": " ",
        "\u00a0": " ",
        "\u2009": " ",
        "\u060c": ",",  # Arabic comma
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Extended (Persian) digits
    }
)

_CHAT_NAME = re.compile(
    r"^WhatsApp[^-–]*?(?: (?:with|mit|con|avec|met|com|med|z|ze|с|ile) | [-–] )(?P<name>.+?)(?: \(\d+\))?$",
    re.IGNORECASE,
)

_PLACEHOLDER_LINE = re.compile(
    r"""^(?:
        <[^<>]{2,120}>
      | (?:.*\s)?(?:image|video|audio|sticker|GIF|document|Contact\ card|photo)\s+omitted
      | .{1,240}\ \((?:file\ attached|Datei\ angehängt|archivo\ adjunto|fichier\ joint
                    |arquivo\ anexado|file\ allegato|bestand\ bijgevoegd)\)
      | null
      | This\ message\ was\ deleted\.?
      | You\ deleted\ this\ message\.?
      | This\ message\ was\ deleted\ by\ admin.*
      | Waiting\ for\ this\ message.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_EDITED_SUFFIX = re.compile(r"\s*<This message was edited>\s*$", re.IGNORECASE)
_OWN_DELETION = re.compile(r"^You deleted this message\.?$", re.IGNORECASE)

HEAD_LINES = 40


def _clean_line(raw: str) -> str:
    return strip_invisible_marks(raw).translate(_LINE_MAP)


Shape = tuple[str, bool, bool, int, bool]
MIN_SWITCH_LINES = 2  # named headers of a new date shape that make it a switch, not a quote


def _shape(match: re.Match[str]) -> Shape:
    """What a header's date and time look like: separator, digits of the first and last date
    field (4 = a year), time fields, 12-hour clock. A line whose header has a shape the file never
    switched to is text, not a new message (real chats quote such lines)."""
    date = match["date"]
    separator = re.sub(r"[\d\s]", "", date)[:1]
    fields = _date_parts(date)
    return (
        separator,
        len(fields[0]) >= 4 if fields else False,
        len(fields[-1]) >= 4 if fields else False,
        len(re.split(r"[:.]", match["time"])),
        match["ampm"] is not None,
    )


def _split_author(rest: str) -> tuple[str | None, str]:
    """(author, text) of what follows a header; author None for a system line."""
    author: str | None = None
    text = rest
    split = rest.find(": ")
    if split > 0:
        author, text = normalize(rest[:split]), rest[split + 2 :]
    elif rest.endswith(":"):
        author, text = normalize(rest[:-1]), ""
    if author is not None and (not author or '"' in author or "“" in author or len(author) > 80):
        author = None  # a system line that happens to contain ": "
    return author, text


def _header_shapes(archive: Archive, name: str, style: re.Pattern[str]) -> frozenset[Shape]:
    """The date shapes whose lines are headers: the first header's, and each shape the file switched
    to (``MIN_SWITCH_LINES`` lines with a name after the date, or the shape of the last such line)."""
    first: Shape | None = None
    named: Counter[Shape] = Counter()
    last_named: Shape | None = None
    with archive.open(name, max_line=MAX_LINE) as stream:
        for raw in open_text(stream, "utf-8-sig"):
            match = style.match(_clean_line(raw.rstrip("\r\n")))
            if not match:
                continue
            shape = _shape(match)
            first = first or shape
            if _split_author(match.group("rest"))[0] is not None:
                named[shape] += 1
                last_named = shape
    shapes = {s for s, count in named.items() if count >= MIN_SWITCH_LINES}
    return frozenset(shapes | {s for s in (first, last_named) if s is not None})


def _header_style(lines: list[str]) -> re.Pattern[str] | None:
    """The header regex of the first header among the first non-empty lines, if any."""
    for raw in lines:
        line = _clean_line(raw).strip("\r\n")
        if not line.strip():
            continue
        if IOS_HEADER.match(line):
            return IOS_HEADER
        if ANDROID_HEADER.match(line):
            return ANDROID_HEADER
    return None


def chat_name_for(archive: Archive, name: str) -> tuple[str, bool]:
    """The chat's name and whether it came from a ``WhatsApp Chat with/ - X`` name."""
    candidates = []
    stem = PurePosixPath(base_name(name)).stem
    if stem != "_chat":
        candidates.append(stem)
    else:
        if parent_name(name):
            candidates.append(parent_name(name))
        if archive.kind == "file":
            candidates.append(archive.source.parent.name)
        else:
            candidates.append(archive.source.stem if archive.kind == "zip" else archive.source.name)
    for candidate in candidates:
        match = _CHAT_NAME.match(candidate.strip())
        if match:
            return match.group("name").strip(), True
    return (candidates[0] if candidates and candidates[0] else "WhatsApp chat"), False


@dataclass
class _Entry:
    date: str
    time: str
    ampm: str | None
    author: str | None  # None for system lines
    lines: list[str]
    lrm_text: bool  # iOS: the text started with U+200E (system line or attachment)
    shape: Shape


@dataclass
class _DateVotes:
    """How one date shape's headers read: day-first or month-first, and an example for warnings."""

    example: str
    day_first_votes: int = 0
    month_first_votes: int = 0
    ymd: bool = False
    twelve_hour: bool = False
    slash_dates: bool = False


@dataclass
class _ChatScan:
    name: str  # path in the archive
    style: re.Pattern[str]
    chat_name: str
    named: bool
    shapes: frozenset[Shape] = frozenset()
    senders: list[str] = field(default_factory=list)
    own_deletions: Counter[str] = field(default_factory=Counter)
    dates: dict[Shape, "_DateVotes"] = field(default_factory=dict)  # per date shape, in file order

    @property
    def thread_key(self) -> str:
        return stable_id(PLATFORM, self.chat_name.casefold())


def _fold(name: str) -> str:
    folded = " ".join(strip_invisible_marks(name).split()).casefold()
    digits = re.sub(r"\D", "", folded)
    if folded.startswith("+") and len(digits) >= 6 and re.fullmatch(r"[+\d\s().\-]+", folded):
        return digits  # phone numbers match whatever their spacing
    return folded


def _iter_entries(
    archive: Archive, name: str, style: re.Pattern[str], shapes: frozenset[Shape]
) -> Iterator[_Entry]:
    """The messages of a chat file: each header line of one of ``shapes`` starts one, every other
    line continues the message above it."""
    current: _Entry | None = None
    with archive.open(name, max_line=MAX_LINE) as stream:
        for raw in open_text(stream, "utf-8-sig"):
            raw = raw.rstrip("\r\n")
            line = _clean_line(raw)
            match = style.match(line)
            shape = _shape(match) if match else None
            if match and shape in shapes:
                if current is not None:
                    yield current
                rest = match.group("rest")
                author, text = _split_author(rest)
                lrm = False
                if author is not None and rest.find(": ") > 0 and style is IOS_HEADER:
                    raw_rest = raw[raw.find("]") + 1 :]
                    raw_split = raw_rest.find(": ")
                    lrm = raw_split >= 0 and raw_rest[raw_split + 2 :].startswith("\u200e")
                current = _Entry(match["date"], match["time"], match["ampm"], author, [text], lrm, shape)
            elif current is not None:
                current.lines.append(strip_invisible_marks(raw))
    if current is not None:
        yield current


def _date_parts(date: str) -> list[str]:
    return [p for p in re.split(r"[./\-\s]+", date) if p]


def _scan(archive: Archive, name: str, style: re.Pattern[str]) -> _ChatScan:
    chat_name, named = chat_name_for(archive, name)
    scan = _ChatScan(name, style, chat_name, named, _header_shapes(archive, name, style))
    seen: set[str] = set()
    for entry in _iter_entries(archive, name, style, scan.shapes):
        votes = scan.dates.setdefault(entry.shape, _DateVotes(entry.date))
        parts = _date_parts(entry.date)
        if len(parts) == 3:
            if len(parts[0]) == 4:
                votes.ymd = True
            else:
                if int(parts[0]) > 12:
                    votes.day_first_votes += 1
                if int(parts[1]) > 12:
                    votes.month_first_votes += 1
        if entry.ampm:
            votes.twelve_hour = True
        if "/" in entry.date:
            votes.slash_dates = True
        if entry.author is None:
            continue
        text = "\n".join(entry.lines).strip()
        if entry.lrm_text and not _is_placeholder_only(text):
            continue  # iOS system line printed under the chat's name
        if _OWN_DELETION.match(text):
            scan.own_deletions[entry.author] += 1
        if entry.author not in seen:
            seen.add(entry.author)
            scan.senders.append(entry.author)
    return scan


def _is_placeholder_only(text: str) -> bool:
    return all(not line.strip() or _PLACEHOLDER_LINE.match(line.strip()) for line in text.splitlines())


def clean_message(text: str) -> str:
    """The message text without media placeholders and the 'edited' marker ('' if none left)."""
    text = _EDITED_SUFFIX.sub("", text)
    kept = [line for line in text.split("\n") if not _PLACEHOLDER_LINE.match(line.strip())]
    return normalize("\n".join(kept))


def _parse_time(time: str, ampm: str | None) -> tuple[int, int, int]:
    pieces = [int(p) for p in re.split(r"[:.]", time)]
    hour, minute = pieces[0], pieces[1]
    second = pieces[2] if len(pieces) > 2 else 0
    if ampm:
        pm = ampm.strip()[0] in "pPم"
        hour = hour % 12 + (12 if pm else 0)
    return hour, minute, second


class WhatsAppImporter:
    platform = PLATFORM
    label = LABEL

    def __init__(self, zone: tzinfo | None = None) -> None:
        """``zone``: where the phone's wall-clock times are; None = this machine's local zone."""
        self.zone = zone

    # -- detection -------------------------------------------------------------------------

    def _chat_files(self, archive: Archive) -> list[tuple[str, re.Pattern[str]]]:
        found = []
        candidates = [n for n in archive.names if n.lower().endswith(".txt")]
        # Named chat files first, then any other text file (a renamed export still reads).
        candidates.sort(key=lambda n: (not _looks_named(n), n))
        for name in candidates[:200]:
            head = read_head(archive, name, 8192).decode("utf-8-sig", errors="replace")
            style = _header_style(head.splitlines()[:HEAD_LINES])
            if style is not None:
                found.append((name, style))
        return found

    def detect(self, archive: Archive) -> Detection | None:
        chats = scanned(self._chat_files, archive)
        if not chats:
            return None
        name, style = chats[0]
        version = "ios" if style is IOS_HEADER else "android"
        confidence = 0.95 if any(_looks_named(n) for n, _ in chats) else 0.8
        return Detection(PLATFORM, version, confidence)

    # -- reading ---------------------------------------------------------------------------

    def read(self, context: ImportContext) -> Iterator[ThreadRecord | ItemRecord]:
        archive = context.archive
        scans = [_scan(archive, name, style) for name, style in self._chat_files(archive)]
        owners = self._owners(scans, context)
        for scan in scans:
            day_first = {
                shape: self._day_first(scan, votes, context, several=len(scan.dates) > 1)
                for shape, votes in scan.dates.items()
            }
            owner = owners.get(scan.name)
            participants = tuple(scan.senders)
            kind = "dm" if len(participants) <= 2 else "group"
            yield ThreadRecord(scan.thread_key, scan.chat_name, kind, participants)
            occurrences: Counter[tuple[str, str, str]] = Counter()
            for entry in _iter_entries(archive, scan.name, scan.style, scan.shapes):
                if entry.author is None:
                    continue
                text = "\n".join(entry.lines)
                if entry.lrm_text and not _is_placeholder_only(text):
                    continue
                text = clean_message(text)
                if not text:
                    continue
                local = self._local_datetime(entry, day_first.get(entry.shape, True))
                if local is None:
                    context.warn(
                        f"Skipped a message in '{scan.name}': its date '{entry.date} {entry.time}' is not "
                        "valid."
                    )
                    continue
                stamp = local.isoformat()
                occurrences[(stamp, entry.author, text)] += 1
                external_id = stable_id(
                    PLATFORM,
                    scan.thread_key,
                    stamp,
                    entry.author,
                    text,
                    occurrences[(stamp, entry.author, text)],
                )
                context.tick()
                yield ItemRecord(
                    external_id=external_id,
                    kind=MESSAGE,
                    text=text,
                    created_at=self._to_utc(local),
                    author=entry.author,
                    is_owner=owner is not None and _fold(entry.author) == owner,
                    thread_key=scan.thread_key,
                )

    def _to_utc(self, local: datetime) -> datetime:
        if self.zone is None:
            return local.astimezone(timezone.utc)  # naive = this machine's local time
        return local.replace(tzinfo=self.zone).astimezone(timezone.utc)

    @staticmethod
    def _local_datetime(entry: _Entry, day_first: bool) -> datetime | None:
        parts = [int(p) for p in _date_parts(entry.date)]
        if len(parts) != 3:
            return None
        if len(_date_parts(entry.date)[0]) == 4:
            year, month, day = parts
        elif day_first:
            day, month, year = parts
        else:
            month, day, year = parts
        if year < 100:
            year += 2000
        try:
            hour, minute, second = _parse_time(entry.time, entry.ampm)
            return datetime(year, month, day, hour, minute, second)
        except ValueError:
            return None

    @staticmethod
    def _day_first(scan: _ChatScan, votes: _DateVotes, context: ImportContext, several: bool) -> bool:
        """Whether one date shape of a chat is day-first; ``several``: the file has more than one, so
        a warning names the shape by an example."""
        which = f" written like '{votes.example}'" if several else ""
        if votes.day_first_votes and not votes.month_first_votes:
            return True
        if votes.month_first_votes and not votes.day_first_votes:
            return False
        if votes.day_first_votes and votes.month_first_votes:
            day_first = votes.day_first_votes >= votes.month_first_votes
            context.warn(
                f"The dates{which} in '{scan.name}' mix day-first and month-first forms; they were read as "
                f"{'day/month' if day_first else 'month/day'}, and messages whose date did not fit were "
                "skipped."
            )
            return day_first
        day_first = not (votes.twelve_hour and votes.slash_dates)
        if not votes.ymd:
            context.warn(
                f"The dates{which} in '{scan.name}' could be read day-first or month-first (no day above "
                "12); "
                f"they were read as {'day/month/year' if day_first else 'month/day/year'}."
            )
        return day_first

    @staticmethod
    def _owners(scans: list[_ChatScan], context: ImportContext) -> dict[str, str | None]:
        """The folded owner name per chat file (None: the owner wrote nothing in that chat)."""
        all_senders = list(dict.fromkeys(s for scan in scans for s in scan.senders))
        if context.me is not None:
            me = _fold(context.me)
            if all_senders and not any(_fold(s) == me for s in all_senders):
                raise KnownError(
                    f"'{context.me}' wrote nothing in this WhatsApp export.",
                    hint="Use your name exactly as the chat shows it. Senders: "
                    f"{', '.join(all_senders[:12])}.",
                )
            return {scan.name: me for scan in scans}
        owners: dict[str, str | None] = {}
        unresolved: list[_ChatScan] = []
        for scan in scans:
            folded = [_fold(s) for s in scan.senders]
            named = _fold(scan.chat_name)
            deleters = [_fold(s) for s in scan.own_deletions]
            if scan.named and named in folded and len(folded) <= 2:
                others = [f for f in folded if f != named]
                owners[scan.name] = others[0] if others else None
            elif len(deleters) == 1:
                owners[scan.name] = deleters[0]
            else:
                unresolved.append(scan)
        if unresolved:
            common = None
            if len(scans) > 1:
                sets = [{_fold(s) for s in scan.senders} for scan in scans if scan.senders]
                shared = set.intersection(*sets) if sets else set()
                known = {o for o in owners.values() if o}
                if len(shared) == 1:
                    common = shared.pop()
                elif len(known) == 1 and all(known <= s for s in sets):
                    common = next(iter(known))
            if common is None:
                raise OwnerUnknownError(LABEL, all_senders)
            for scan in unresolved:
                owners[scan.name] = common
        return owners


def _looks_named(name: str) -> bool:
    base = base_name(name)
    return base == "_chat.txt" or bool(_CHAT_NAME.match(PurePosixPath(base).stem))


IMPORTER = WhatsAppImporter()
