"""What a platform importer is, and what it is handed.

An importer is a small transformer: ``detect`` sniffs an opened archive by the *shape* of its
files (names and labels are localized and drift across years), and ``read`` turns its files
into plain records (``records.py``). It never touches the store: the pipeline does that, in
one transaction, so an importer cannot leave half an import behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

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
            hint=f"Tell Understudy your name as it appears in the chat (CLI: --me NAME). Participants: {names}.",
        )
        self.candidates = candidates


@dataclass
class ImportContext:
    """What ``read`` gets besides the archive: who the creator is (if known), warnings, cancel."""

    archive: Archive
    detection: Detection
    me: str | None = None
    cancel: CancelToken = field(default_factory=CancelToken)
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        """Record a plain-word warning (e.g. a malformed file that was skipped, named)."""
        self.warnings.append(message)


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
        is None; skip a malformed file with ``context.warn`` naming it, and go on.
        """
        ...
