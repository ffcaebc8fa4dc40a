"""The plain records every importer produces, whatever the platform.

Importers turn files into these; the import pipeline turns these into store rows. Keeping
the two apart lets each platform module stay a small, testable transformer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

MESSAGE = "message"
POST = "post"
COMMENT = "comment"
KINDS = (MESSAGE, POST, COMMENT)


@dataclass(frozen=True)
class ThreadRecord:
    """A conversation (DM or group chat) or a comment thread, keyed within its platform."""

    key: str
    title: str
    kind: str = "dm"  # "dm" | "group" | "comments"
    participants: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemRecord:
    """One message, post or comment. ``external_id`` is stable across re-imports of the account."""

    external_id: str
    kind: str
    text: str
    created_at: datetime
    author: str
    is_owner: bool
    thread_key: str | None = None
    reply_to: str | None = None
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown item kind {self.kind!r}")
        if self.created_at.tzinfo is None:
            raise ValueError("created_at must be timezone-aware (UTC)")


def utc_from_timestamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)
