"""Read-only queries behind the Import page: each source's overview and activity per month.

Qt-free and store-only (no importer imports): the page runs these on a worker thread with a
store opened there. Every count is taken from the rows as they are now, through ``item_sources``:
a card counts what its archive holds, whichever other archive also holds some of the same items.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from desktop.core.store.connection import Store
from desktop.core.store.conversations import count_awaiting_reply
from desktop.core.store.records import list_sources

#: One bar of the activity chart: month ``'YYYY-MM'``, the creator's items, everyone else's.
MonthActivity = tuple[str, int, int]


def activity_by_month(store: Store, *, fill_gaps: bool = True) -> list[MonthActivity]:
    """Items per month, oldest first: ``(month 'YYYY-MM', creator's items, others' items)``.

    Items without a date are left out. With ``fill_gaps`` every month between the first and the
    last is present (with zeros), so a chart's time axis has no holes.
    """
    rows = store.db.execute(
        """
        SELECT substr(created_at, 1, 7) AS month,
               sum(CASE WHEN is_owner = 1 THEN 1 ELSE 0 END),
               sum(CASE WHEN is_owner = 1 THEN 0 ELSE 1 END)
        FROM items
        WHERE created_at IS NOT NULL AND length(created_at) >= 7
        GROUP BY month ORDER BY month
        """
    ).fetchall()
    found = [(str(month), int(own), int(others)) for month, own, others in rows]
    if not fill_gaps or len(found) < 2:
        return found
    by_month = {month: (own, others) for month, own, others in found}
    filled: list[MonthActivity] = []
    for month in _months_between(found[0][0], found[-1][0]):
        own, others = by_month.get(month, (0, 0))
        filled.append((month, own, others))
    return filled


def _months_between(first: str, last: str) -> list[str]:
    """Every ``'YYYY-MM'`` from ``first`` to ``last`` inclusive."""
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    months: list[str] = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return months


def source_date_range(store: Store, source_id: int) -> tuple[str | None, str | None]:
    """The first and last item timestamps (ISO 8601 UTC) of one source; ``(None, None)`` if none."""
    first, last = store.db.execute(
        "SELECT min(created_at), max(created_at) FROM items"
        " WHERE id IN (SELECT item_id FROM item_sources WHERE source_id = ?) AND created_at IS NOT NULL",
        [source_id],
    ).fetchone()
    return first, last


@dataclass(kw_only=True)
class SourceCounts:
    """One imported source and what it holds, as an import's summary and the Import page's card count it.

    Not frozen: an import's summary (``ImportSummary``) adds to these counts as it reads records.
    """

    id: int
    platform: str
    label: str
    version: str
    path: str
    items: int = 0
    posts: int = 0
    comments: int = 0
    messages: int = 0
    threads: int = 0
    exchanges: int = 0
    inbox_candidates: int = 0
    first_at: str | None = None
    last_at: str | None = None


@dataclass(kw_only=True)
class SourceOverview(SourceCounts):
    """What the Import page's card shows for one imported archive."""

    filename: str
    imported_at: str
    status: str
    #: Of the last import of this archive: items new to the store, and items read in all.
    new_items: int | None = None
    read_items: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def already_imported(self) -> int | None:
        """Items the last import read that were in the store already (None when unknown)."""
        if self.new_items is None or self.read_items is None:
            return None
        return max(0, self.read_items - self.new_items)


_SOURCE_COUNTS = """
SELECT
    sum(CASE WHEN kind = 'post' AND is_owner = 1 THEN 1 ELSE 0 END),
    sum(CASE WHEN kind = 'comment' THEN 1 ELSE 0 END),
    sum(CASE WHEN kind = 'message' THEN 1 ELSE 0 END),
    count(*)
FROM items WHERE id IN (SELECT item_id FROM item_sources WHERE source_id = ?)
"""

_SOURCE_THREADS = """
SELECT count(*) FROM (
    SELECT thread_id FROM thread_sources WHERE source_id = ?
    UNION
    SELECT i.thread_id FROM item_sources AS m JOIN items AS i ON i.id = m.item_id
    WHERE m.source_id = ? AND i.thread_id IS NOT NULL
)
"""

_SOURCE_EXCHANGES = """
SELECT count(*) FROM exchanges AS e JOIN item_sources AS m ON m.item_id = e.reply_item_id
WHERE m.source_id = ?
"""

_LAST_IMPORT = """
SELECT details FROM audit_log WHERE action = 'import' AND subject = ? ORDER BY id DESC LIMIT 1
"""


def _last_import(store: Store, source_id: int) -> dict[str, Any]:
    row = store.db.execute(_LAST_IMPORT, [f"source:{source_id}"]).fetchone()
    if row is None:
        return {}
    try:
        details = json.loads(row[0])
    except (TypeError, ValueError):
        return {}
    return details if isinstance(details, dict) else {}


def source_overview(store: Store, source: dict[str, Any]) -> SourceOverview:
    """The overview of one row of ``list_sources``."""
    source_id = int(source["id"])
    conn = store.db.conn
    posts, comments, messages, items = conn.execute(_SOURCE_COUNTS, [source_id]).fetchone()
    threads = conn.execute(_SOURCE_THREADS, [source_id, source_id]).fetchone()[0]
    exchanges = conn.execute(_SOURCE_EXCHANGES, [source_id]).fetchone()[0]
    # As the import summary and the inbox count them: this source's conversations awaiting a reply.
    inbox = count_awaiting_reply(store, source_id=source_id)
    first_at, last_at = source_date_range(store, source_id)
    last = _last_import(store, source_id)
    platform = str(source["platform"])
    new_items = last.get("new_items")
    read_items = last.get("items")
    return SourceOverview(
        id=source_id,
        platform=platform,
        label=str(last.get("label") or platform.replace("_", " ").title()),
        version=str(last.get("version") or ""),
        filename=str(source.get("filename") or ""),
        path=str(source.get("path") or ""),
        imported_at=str(source.get("imported_at") or ""),
        status=str(source.get("status") or ""),
        items=int(items or 0),
        posts=int(posts or 0),
        comments=int(comments or 0),
        messages=int(messages or 0),
        threads=int(threads or 0),
        exchanges=int(exchanges or 0),
        inbox_candidates=int(inbox or 0),
        first_at=first_at,
        last_at=last_at,
        new_items=int(new_items) if isinstance(new_items, int) else None,
        read_items=int(read_items) if isinstance(read_items, int) else None,
        warnings=[str(w) for w in source.get("warnings") or []],
    )


def source_overviews(store: Store) -> list[SourceOverview]:
    """Every finished import, most recently imported first."""
    return [
        source_overview(store, source) for source in list_sources(store) if source.get("status") == "done"
    ]
