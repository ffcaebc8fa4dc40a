"""What a platform importer is, and what it is handed.

An importer is a small transformer: ``detect`` sniffs an opened archive by the *shape* of its
files (names and labels are localized and drift across years), and ``read`` turns its files
into plain records (``records.py``). It never touches the store: the pipeline does that, in
one transaction, so an importer cannot leave half an import behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, TypeVar

from desktop.core.errors import KnownError
from desktop.core.importers.archive import Archive
from desktop.core.importers.records import ItemRecord, ThreadRecord
from desktop.core.tasks import CancelToken

Record = ThreadRecord | ItemRecord


@dataclass(frozen=True)
class Detection:
    """An importer's claim on an archive: which export variant, and how sure it is (0-1)."""

    platform: str
    version: str
    confidence: float


class OwnerUnknownError(KnownError):
    """The archive does not say which participant is the creator; they must tell us once."""

    def __init__(self, platform_label: str, candidates: list[str]) -> None:
        names = ", ".join(candidates[:12]) or "none found"
        super().__init__(
            f"This {platform_label} export does not say which participant is you.",
            hint="Tell Understudy your name as it appears in the chat (CLI: --me NAME). Participants: "
            f"{names}.",
        )
        self.candidates = candidates


_R = TypeVar("_R")

#: How many records an importer reads between two looks at the cancel token (``ImportContext.tick``).
CANCEL_EVERY = 1000


@dataclass
class ImportContext:
    """What ``read`` gets besides the archive: who the creator is (if known), warnings, cancel."""

    archive: Archive
    detection: Detection
    me: str | None = None
    cancel: CancelToken = field(default_factory=CancelToken)
    warnings: list[str] = field(default_factory=list)
    #: Records counted by ``tick`` so far.
    ticks: int = field(default=0, init=False)

    def warn(self, message: str) -> None:
        """Record a plain-word warning (e.g. a malformed file that was skipped, named)."""
        self.warnings.append(message)

    def ticked(self, records: Iterable[_R]) -> Iterator[_R]:
        """The records, one ``tick`` before each."""
        for record in records:
            self.tick()
            yield record

    def tick(self) -> None:
        """Count one record read; at every ``CANCEL_EVERY``-th, stop here if the import was cancelled."""
        self.ticks += 1
        if self.ticks % CANCEL_EVERY == 0:
            self.cancel.raise_if_cancelled()


_LISTED_PLACES = 5


def _plural(count: int, unit: str) -> str:
    """``unit`` is plural ("rows", "entries"); one of them is singular ("1 row", "1 entry")."""
    if count == 1:
        unit = unit[:-3] + "y" if unit.endswith("ies") else unit[:-1] if unit.endswith("s") else unit
    return f"{count:,} {unit}"


def _places(places: list[str], total: int) -> str:
    """'line 7', 'lines 7 and 9', 'lines 7, 9, 12, 15, 20 and 4 more'."""
    numbers = [p.split(" ", 1)[1] if " " in p else p for p in places[:_LISTED_PLACES]]
    noun = places[0].split(" ", 1)[0] if places and " " in places[0] else ""
    if total != 1:
        noun = noun[:-1] + "ies" if noun.endswith("y") else f"{noun}s"
    more = total - len(numbers)
    if more > 0:
        listed = f"{', '.join(numbers)} and {more:,} more"
    elif len(numbers) > 1:
        listed = f"{', '.join(numbers[:-1])} and {numbers[-1]}"
    else:
        listed = numbers[0] if numbers else ""
    return f"{noun} {listed}".strip()


@dataclass
class FileTally:
    """What one file gave and what it lost, so a file that fails part-way is never dropped whole.

    Readers count what they read, ``skip`` a malformed row and go on, or ``stop`` where the rest of
    the file cannot be read (broken JSON cannot be resumed); ``report`` then warns once, naming the
    file, how many were read, how many were lost and where. Nothing lost, no warning.
    """

    name: str
    unit: str = "rows"  # plural: "rows", "messages", "entries"
    read: int = 0
    lost: int = 0
    places: list[str] = field(default_factory=list)  # "line 57", "entry 3"
    reason: str = ""  # why the skipped rows were lost: "not valid CSV"
    stopped_at: str | None = None  # where the rest of the file became unreadable
    stop_reason: str = ""

    def skip(self, place: str, reason: str) -> None:
        """One row at ``place`` could not be read; the rows after it still are."""
        self.lost += 1
        self.reason = self.reason or reason
        if len(self.places) < _LISTED_PLACES:
            self.places.append(place)

    def stop(self, place: str, reason: str) -> None:
        """Nothing after ``place`` could be read (e.g. "about byte 1,234 of 5,678", "line 40"; ""
        for a file that is not what it should be as a whole)."""
        self.stopped_at = place
        self.stop_reason = reason

    def message(self) -> str | None:
        if self.stopped_at is None and not self.lost:
            return None
        read = _plural(self.read, self.unit)
        if self.lost:
            verb = "is" if self.lost == 1 else "are"
            skipped = (
                f"Skipped {_plural(self.lost, self.unit)} of '{self.name}' that {verb} {self.reason} "
                f"({_places(self.places, self.lost)})"
            )
            if self.stopped_at is None:
                return (
                    f"{skipped}; read the other {read}."
                    if self.read
                    else f"{skipped}; it held nothing else to read."
                )
            return (
                f"{skipped}, and the rest of it from {self.stopped_at}: {self.stop_reason}. Kept the "
                f"{read} read."
            )
        if not self.stopped_at:  # the file as a whole is not what it should be
            return f"Skipped '{self.name}': {self.stop_reason}."
        if self.read:
            return (
                f"Skipped the rest of '{self.name}' from {self.stopped_at}: {self.stop_reason}. "
                f"Kept the {read} read before that point."
            )
        return (
            f"Skipped '{self.name}': from {self.stopped_at}, {self.stop_reason}, "
            f"and no {self.unit} before that point could be read."
        )

    def report(self, context: "ImportContext | None") -> None:
        message = self.message()
        if message and context is not None:
            context.warn(message)


class Importer(Protocol):
    """One platform's export reader. Register instances in ``registry.py``."""

    platform: ClassVar[str]  # stable id stored with every item, e.g. "instagram"
    label: ClassVar[str]  # shown to the creator, e.g. "Instagram"

    def detect(self, archive: Archive) -> Detection | None:
        """Claim the archive (cheaply: names and the first bytes of a few files), or return None."""
        ...

    def read(self, context: ImportContext) -> Iterator[Record]:
        """Yield every thread and item. A thread is yielded before the items that refer to it.

        Raise ``OwnerUnknownError`` when the creator cannot be identified and ``context.me``
        is None. A malformed file is never dropped whole: keep what was read before (and, where
        the format allows, after) the bad part, and let a ``FileTally`` warn once with the file,
        how many rows were read and lost, and the line or byte where.
        """
        ...
